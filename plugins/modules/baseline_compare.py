# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: baseline_compare
short_description: Check baseline values captured before and after a deploy against their rules
version_added: 0.1.0
description:
  - Compares the values of M(guarded.deploy.postgresql_baseline) captured before a deploy
    (O(before)) with the values captured after it (O(after)), using the C(rule) of each
    entry of O(baselines).
  - Runs on the controller only; it does not connect to the host and changes nothing.
  - Without O(after) it only validates O(baselines) (use it in preflight, before anything
    is captured) and fails listing every problem it finds.
  - "Rules: V(equal) (after equals before), V(not_decrease) (the default), V(not_increase),
    V(same_set) (the same rows after as before, in any order), V(superset) (no row of before
    is missing after; rows may be added), V({min: N}) and V({max: N}) (bounds on the after
    value), V({expect: VALUE}) (after equals VALUE) and V({tolerance_pct: P}) (after within
    P percent of before; if before is 0, after must be 0)."
  - Numbers are compared exactly as decimals, so V(12.30) (a string, as
    M(guarded.deploy.postgresql_baseline) returns C(numeric) values) equals V(12.3).
    Booleans are not numbers. V(equal) and V(expect) compare other values, including
    lists of rows, for equality (a list of rows equals another only in the same order).
  - >-
    V(same_set) and V(superset) compare row sets. A list value is a set of rows (each row
    a list, or a scalar); any other value, C(NULL) included, is a set of one row. A
    one-column row V([jdoe]) and the scalar V(jdoe) are the same row, because
    M(guarded.deploy.postgresql_baseline) returns one row with one column as the bare
    scalar and several rows as one-element lists. Values in rows compare as above
    (V(12.30) equals V(12.3)); the order of the rows does not matter. Duplicate rows
    count, for both rules (a multiset): a row returned twice before and once after is one
    row removed; use C(SELECT DISTINCT) for plain set semantics.
  - >-
    The result of a set rule lists the rows removed and added (RV(results[].removed),
    RV(results[].added)) and its message reads, for example,
    "payment_managers: superset violated: 1 removed (['jdoe']), 0 added".
  - >-
    A value that is missing, C(NULL), an empty result (V([])) or not a number where a
    rule needs a number violates the rule, with a message saying why (for example
    "min: 1 cannot be checked: after value is an empty result (the query returned no
    rows), not a number"); nothing raises.
  - >-
    A violated rule with C(severity=fail) fails the task (see O(fail_on_violation)) with
    C(Baseline check failed:) followed by C(NAME) and the rule in parentheses, then
    C(before X, after Y), for every violation, for example
    "Baseline check failed: reconciled_payments (not_decrease): before 120, after 80".
    For V(same_set) and V(superset), X and Y are row counts followed by the rows removed
    and added, for example "payment_managers (superset): before 3 rows, after 2 rows;
    1 removed (['jdoe']), 0 added"; a message lists at most 10 rows of each and says how
    many more there are.
    A violated rule with C(severity=warn) only emits a warning.
options:
  baselines:
    description:
      - The baseline specs, usually the same list given to M(guarded.deploy.postgresql_baseline).
      - Each entry is a dict with the keys C(name) (required, unique, non-empty string),
        C(sql) (required, non-empty string), C(rule) (optional, default V(not_decrease)),
        C(severity) (optional, V(fail) (default) or V(warn)) and C(description)
        (optional, free text). Any other key is an error, so a misspelt C(rule) is not
        silently replaced by the default.
      - C(rule) is one of the strings V(equal), V(not_decrease), V(not_increase),
        V(same_set), V(superset), or a dict with exactly one key, V(min), V(max), V(expect)
        or V(tolerance_pct). V(min), V(max) and V(tolerance_pct) need a number;
        V(tolerance_pct) is in percent and must be >= 0.
    type: list
    elements: dict
    required: true
  before:
    description:
      - Baseline name to value captured before the deploy, normally
        C(result['values']) of M(guarded.deploy.postgresql_baseline).
      - Needed by every rule except V(min), V(max) and V(expect) (so also by V(same_set) and
        V(superset)); a name missing here violates such a rule.
    type: dict
  after:
    description:
      - Baseline name to value captured after the deploy.
      - When omitted, only O(baselines) is validated and nothing is compared.
      - A baseline whose name is missing here violates its rule.
    type: dict
  fail_on_violation:
    description:
      - Fail the task when a rule with C(severity=fail) is violated.
      - When V(false), violations are reported in RV(violations), RV(ok) and RV(msg),
        and the task does not fail; the caller decides what happens next (the baseline
        role records the verdicts first, then fails).
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  become:
    support: none
  bypass_host_loop:
    support: none
  connection:
    support: none
  check_mode:
    support: full
    details: The comparison has no side effects and runs the same in check mode.
  delegation:
    support: none
    details: Runs on the controller; delegation has no effect.
  diff_mode:
    support: none
  platform:
    platforms: all
seealso:
  - module: guarded.deploy.postgresql_baseline
author:
  - guarded.deploy maintainers (@guarded)
'''

EXAMPLES = r'''
- name: Preflight - validate the baseline specs before anything runs
  guarded.deploy.baseline_compare:
    baselines: "{{ app_baselines }}"

- name: Compare the values captured before and after the deploy
  guarded.deploy.baseline_compare:
    baselines:
      - name: reconciled_payments
        sql: SELECT count(*) FROM account_payment WHERE is_reconciled
        rule: not_decrease
      - name: orders_without_partner
        sql: SELECT count(*) FROM sale_order WHERE partner_id IS NULL
        rule:
          max: 0
      - name: module_version
        sql: SELECT latest_version FROM ir_module_module WHERE name = 'sale'
        rule:
          expect: 17.0.1.0.9
      - name: paid_total
        sql: SELECT sum(amount) FROM account_payment WHERE state = 'paid'
        rule:
          tolerance_pct: 1
        severity: warn
      - name: payment_managers
        sql: >-
          SELECT u.login FROM res_users u
          JOIN res_groups_users_rel r ON r.uid = u.id
          JOIN res_groups g ON g.id = r.gid
          WHERE g.name->>'en_US' = 'Payment Manager'
        rule: superset
      - name: currencies
        sql: SELECT name, rounding FROM res_currency WHERE active
        rule: same_set
    before: "{{ baseline_before['values'] }}"
    after: "{{ baseline_after['values'] }}"

- name: Compare without failing, and roll back on a violation in a later task
  guarded.deploy.baseline_compare:
    baselines: "{{ app_baselines }}"
    before: "{{ baseline_before['values'] }}"
    after: "{{ baseline_after['values'] }}"
    fail_on_violation: false
  register: baseline_check

- name: Roll back
  ansible.builtin.include_tasks: rollback.yml
  when: not baseline_check.ok
'''

RETURN = r'''
ok:
  description:
    - V(true) when no rule with C(severity=fail) is violated (or, without O(after), when
      O(baselines) is valid).
  returned: always
  type: bool
  sample: false
msg:
  description:
    - A summary of the outcome.
    - On a violation, C(Baseline check failed:) followed by the name, the rule in parentheses
      and the before and after values of every violation, separated by C(;). For
      V(same_set) and V(superset) the values are row counts, followed by the rows removed
      and added.
    - When O(baselines) is invalid, every error found.
  returned: always
  type: str
  sample: "Baseline check failed: reconciled_payments (not_decrease): before 120, after 80"
errors:
  description: Every problem found in O(baselines).
  returned: when O(baselines) is invalid
  type: list
  elements: str
  sample: ["baseline 'orders': unknown rule 'not_decreasing'; known rules: equal, not_decrease, ..."]
results:
  description: One entry per baseline, in the order of O(baselines). Also returned when the task fails on a violation.
  returned: when O(after) is given and O(baselines) is valid
  type: list
  elements: dict
  contains:
    name:
      description: The baseline name.
      type: str
      returned: always
    rule:
      description: "The rule as short text, for example V(not_decrease), V(min: 1) or V(tolerance_pct: 5)."
      type: str
      returned: always
    severity:
      description: V(fail) or V(warn).
      type: str
      returned: always
    before:
      description: The value before the deploy (V(null) when missing).
      type: raw
      returned: always
    after:
      description: The value after the deploy (V(null) when missing).
      type: raw
      returned: always
    ok:
      description: Whether the rule holds.
      type: bool
      returned: always
    message:
      description: What was checked and the outcome.
      type: str
      returned: always
      sample: "reconciled_payments: not_decrease violated: before 120, after 80"
    removed:
      description:
        - The rows of before that are not in after, one entry per missing copy of a
          duplicated row.
        - A one-column row is listed as its value, a wider row as a list of values.
        - Sorted column by column (C(NULL), booleans, numbers by value, text, then the rest)
          and cut to the first 50 rows; RV(results[].removed_count) gives the full count.
        - V(null) when the rule could not be checked because a value is missing.
      type: list
      elements: raw
      returned: for the rules V(same_set) and V(superset)
      sample: ["jdoe"]
    added:
      description:
        - The rows of after that are not in before, listed like RV(results[].removed).
      type: list
      elements: raw
      returned: for the rules V(same_set) and V(superset)
      sample: [["EUR", "0.01"]]
    removed_count:
      description:
        - How many rows were removed (the full count; RV(results[].removed) lists at most 50).
        - V(null) when the rule could not be checked because a value is missing.
      type: int
      returned: for the rules V(same_set) and V(superset)
      sample: 1
    added_count:
      description:
        - How many rows were added (the full count; RV(results[].added) lists at most 50).
        - V(null) when the rule could not be checked because a value is missing.
      type: int
      returned: for the rules V(same_set) and V(superset)
      sample: 0
  sample:
    - name: reconciled_payments
      rule: not_decrease
      severity: fail
      before: 120
      after: 80
      ok: false
      message: "reconciled_payments: not_decrease violated: before 120, after 80"
    - name: payment_managers
      rule: superset
      severity: fail
      before: [["asmith"], ["jdoe"]]
      after: asmith
      ok: false
      message: "payment_managers: superset violated: 1 removed (['jdoe']), 0 added"
      removed: ["jdoe"]
      added: []
      removed_count: 1
      added_count: 0
violations:
  description: Names of the baselines with C(severity=fail) whose rule is violated.
  returned: when O(after) is given and O(baselines) is valid
  type: list
  elements: str
  sample: ["reconciled_payments"]
warned:
  description: Names of the baselines with C(severity=warn) whose rule is violated (each is also emitted as a warning).
  returned: when O(after) is given and O(baselines) is valid
  type: list
  elements: str
  sample: ["paid_total"]
'''
