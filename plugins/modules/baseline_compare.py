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
    V({min: N}) and V({max: N}) (bounds on the after value), V({expect: VALUE}) (after equals
    VALUE) and V({tolerance_pct: P}) (after within P percent of before; if before is 0,
    after must be 0)."
  - Numbers are compared exactly as decimals, so V(12.30) (a string, as
    M(guarded.deploy.postgresql_baseline) returns C(numeric) values) equals V(12.3).
    Booleans are not numbers. V(equal) and V(expect) compare other values, including
    lists of rows, for equality.
  - A value that is missing, C(NULL) or not a number where a rule needs a number
    violates the rule, with a message saying why; nothing raises.
  - >-
    A violated rule with C(severity=fail) fails the task (see O(fail_on_violation)) with
    C(Baseline check failed:) followed by C(NAME) and the rule in parentheses, then
    C(before X, after Y), for every violation, for example
    "Baseline check failed: reconciled_payments (not_decrease): before 120, after 80".
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
      - C(rule) is one of the strings V(equal), V(not_decrease), V(not_increase), or a dict
        with exactly one key, V(min), V(max), V(expect) or V(tolerance_pct). V(min), V(max)
        and V(tolerance_pct) need a number; V(tolerance_pct) is in percent and must be >= 0.
    type: list
    elements: dict
    required: true
  before:
    description:
      - Baseline name to value captured before the deploy, normally
        C(result['values']) of M(guarded.deploy.postgresql_baseline).
      - Needed by every rule except V(min), V(max) and V(expect); a name missing here
        violates such a rule.
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
      and the before and after values of every violation, separated by C(;).
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
  sample:
    - name: reconciled_payments
      rule: not_decrease
      severity: fail
      before: 120
      after: 80
      ok: false
      message: "reconciled_payments: not_decrease violated: before 120, after 80"
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
