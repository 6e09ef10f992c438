# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The baseline presets, run for real: guarded.deploy.baseline through ansible-playbook
against a replica of the Odoo tables of runbook 000 on the throwaway PostgreSQL server
of conftest.py.

Each scenario captures the baselines (the role's ``main``), runs a "migration" (SQL in
the play), then runs ``verify`` inside block/rescue and writes the verdicts
(``__baseline_compare.results``) to a JSON file that the test reads. The
``guarded.deploy.deploy_log`` callback is on, so the run record (execution-log.md) is
checked too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from isolated_ansible import ANSIBLE_PLAYBOOK, db_vars, isolated_ansible_env, local_become_vars

pytestmark = pytest.mark.postgres

SEED_DB = "odoo_seed"
RUN_ID = "20261121T020000Z-presets"

# The tables and columns runbook 000 queries (steps 3.1-3.4, 8.1-8.3).
SCHEMA = """
CREATE TABLE account_payment (
    id serial PRIMARY KEY,
    approval_state varchar NOT NULL,
    amount numeric(12, 2) NOT NULL,
    create_date timestamp NOT NULL DEFAULT now());
CREATE TABLE account_bank_reconciliation_line (
    id serial PRIMARY KEY,
    payment_id integer REFERENCES account_payment (id),
    match_status varchar NOT NULL,
    reconciliation_date date);
CREATE TABLE res_users (id serial PRIMARY KEY, login varchar UNIQUE NOT NULL, name varchar);
CREATE TABLE res_groups (id serial PRIMARY KEY, name varchar NOT NULL);
CREATE TABLE res_groups_users_rel (
    gid integer REFERENCES res_groups (id),
    uid integer REFERENCES res_users (id),
    PRIMARY KEY (gid, uid));
CREATE TABLE ir_module_module (
    id serial PRIMARY KEY, name varchar UNIQUE NOT NULL, state varchar NOT NULL,
    installed_version varchar);
"""

# 300 payments: 1-160 posted, 161-220 approved, 221-260 review, 261-300 draft, of which
# 281-300 were created 200 days ago (outside step 3.1's 180-day window).
# Reconciliation lines: 1-120 matched (dated), 121-140 partial (dated), 141-160
# unmatched (no date): 140 reconciliations (step 3.2), 120 reconciled payments (3.3).
# Payment managers: jdoe, asmith, mbrown; admin is in another group.
SEED = """
INSERT INTO account_payment (approval_state, amount, create_date)
SELECT CASE WHEN i <= 160 THEN 'posted' WHEN i <= 220 THEN 'approved'
            WHEN i <= 260 THEN 'review' ELSE 'draft' END,
       100 + i,
       CASE WHEN i > 280 THEN now() - interval '200 days' ELSE now() - (i || ' hours')::interval END
FROM generate_series(1, 300) AS i ORDER BY i;
INSERT INTO account_bank_reconciliation_line (payment_id, match_status, reconciliation_date)
SELECT i, CASE WHEN i <= 120 THEN 'matched' WHEN i <= 140 THEN 'partial' ELSE 'unmatched' END,
       CASE WHEN i <= 140 THEN current_date - (i % 30) END
FROM generate_series(1, 160) AS i ORDER BY i;
INSERT INTO res_users (login, name) VALUES
    ('admin', 'Administrator'), ('jdoe', 'Jane Doe'), ('asmith', 'Al Smith'),
    ('mbrown', 'Mo Brown'), ('clerk', 'A Clerk');
INSERT INTO res_groups (name) VALUES ('Payment Manager'), ('Accounting / Billing');
INSERT INTO res_groups_users_rel (gid, uid)
SELECT g.id, u.id FROM res_groups g, res_users u
WHERE (g.name = 'Payment Manager' AND u.login IN ('jdoe', 'asmith', 'mbrown'))
   OR (g.name = 'Accounting / Billing' AND u.login IN ('admin', 'clerk'));
INSERT INTO ir_module_module (name, state, installed_version) VALUES
    ('base', 'installed', '17.0.1.3'),
    ('payment_account_enhanced', 'installed', '17.0.1.0.8');
"""

# A bad migration: deletes 10 matched reconciliation lines, drops jdoe from the
# Payment Manager group, and leaves the module at a wrong version.
BAD_MIGRATION = [
    "DELETE FROM account_bank_reconciliation_line WHERE match_status = 'matched' AND payment_id <= 10",
    "DELETE FROM res_groups_users_rel WHERE uid = (SELECT id FROM res_users WHERE login = 'jdoe')"
    " AND gid = (SELECT id FROM res_groups WHERE name = 'Payment Manager')",
    "UPDATE ir_module_module SET installed_version = '17.0.1.0.7' WHERE name = 'payment_account_enhanced'",
]

# A harmless migration: 25 new posted payments, all reconciled, a new payment manager,
# the module upgraded to the expected version.
HARMLESS_MIGRATION = [
    "INSERT INTO account_payment (approval_state, amount) SELECT 'posted', 50 FROM generate_series(1, 25)",
    "INSERT INTO account_bank_reconciliation_line (payment_id, match_status, reconciliation_date)"
    " SELECT id, 'matched', current_date FROM account_payment WHERE id > 300",
    "INSERT INTO res_users (login, name) VALUES ('kwong', 'Kim Wong')",
    "INSERT INTO res_groups_users_rel (gid, uid) SELECT g.id, u.id FROM res_groups g, res_users u"
    " WHERE g.name = 'Payment Manager' AND u.login = 'kwong'",
    "UPDATE ir_module_module SET installed_version = '17.0.1.0.9' WHERE name = 'payment_account_enhanced'",
]

ODOO_NAMES = ["payment_states", "posted_payments", "reconciliations", "reconciled_payments",
              "payment_managers", "payment_manager_count", "module_version", "payments_total"]

PLAYBOOK = r"""
- name: Baseline presets against the Odoo replica
  hosts: all
  gather_facts: false
  vars:
    __db_login:
      login_user: postgres
      login_unix_socket: "{{ deploy_db.host }}"
      login_port: "{{ deploy_db.port }}"
  tasks:
    - name: Start the run record
      guarded.deploy.deploy_event:
        run: {run_id: "{{ run_id }}", app: odoo, deploy_version: v2, log_dir: "{{ log_dir }}"}

    - name: Capture the pre-deploy baselines
      ansible.builtin.include_role:
        name: guarded.deploy.baseline

    - name: Run the migration
      community.postgresql.postgresql_query: "{{ __db_login | combine({'db': deploy_db.name, 'query': item}) }}"
      loop: "{{ migration }}"

    - name: Verify the baselines
      block:
        - name: Verify the baselines against their rules
          ansible.builtin.include_role:
            name: guarded.deploy.baseline
            tasks_from: verify
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            verify_failure: "{{ ansible_failed_result.msg }}"

    - name: Write the verdicts
      ansible.builtin.copy:
        dest: "{{ out }}"
        mode: "0600"
        content: >-
          {{ {'results': __baseline_compare.results, 'specs': __baseline_specs,
              'failure': verify_failure | default(None)} | to_json }}
"""

SPECS_ONLY_PLAYBOOK = r"""
- name: Resolve the baseline specs only
  hosts: all
  gather_facts: false
  tasks:
    - name: Resolve the baseline specs
      ansible.builtin.include_role:
        name: guarded.deploy.baseline
        tasks_from: "{{ entry }}"

    - name: Write the specs
      ansible.builtin.copy:
        dest: "{{ out }}"
        mode: "0600"
        content: "{{ __baseline_specs | to_json }}"
"""

PREFLIGHT_PLAYBOOK = r"""
- name: Preflight's input checks only
  hosts: all
  gather_facts: false
  tasks:
    - name: Check the inputs
      ansible.builtin.include_role:
        name: guarded.deploy.preflight
        tasks_from: inputs
"""


@pytest.fixture(scope="module", autouse=True)
def ansible_available():
    if not os.path.exists(ANSIBLE_PLAYBOOK):
        pytest.skip("ansible-playbook not found next to %s" % sys.executable)


@pytest.fixture(scope="module")
def seeded(pg_server):
    """The Odoo replica, seeded once; each test copies it (CREATE DATABASE ... TEMPLATE)."""
    pg_server.execute("DROP DATABASE IF EXISTS %s" % SEED_DB)
    pg_server.execute("CREATE DATABASE %s" % SEED_DB)
    pg_server.execute(SCHEMA + SEED, dbname=SEED_DB)
    return pg_server


def fresh_db(server, name):
    server.execute("DROP DATABASE IF EXISTS %s" % name)
    server.execute("CREATE DATABASE %s TEMPLATE %s" % (name, SEED_DB))
    return name


def run_playbook(tmp_path, playbook, extra_vars):
    (tmp_path / "play.yml").write_text(playbook, encoding="utf-8")
    env = isolated_ansible_env(tmp_path)
    extra = dict(
        ansible_connection="local",
        ansible_python_interpreter=sys.executable,
        out=str(tmp_path / "out.json"),
        run_id=RUN_ID,
        log_dir=str(tmp_path / "deploy-logs"),
        deploy_app="odoo",
        deploy_run_id=RUN_ID,
    )
    extra.update(local_become_vars())
    extra.update(extra_vars)
    argv = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-e", json.dumps(extra), "play.yml"]
    return subprocess.run(argv, cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=600, check=False)


def read_out(tmp_path, proc):
    path = tmp_path / "out.json"
    assert path.exists(), "the play wrote no results (rc %s):\n%s" % (proc.returncode, proc.stdout)
    return json.loads(path.read_text(encoding="utf-8"))


def by_name(results):
    return dict((r["name"], r) for r in results)


def failed_names(results):
    return [r["name"] for r in results if not r["ok"] and r["severity"] == "fail"]


# --- (a) a bad migration -------------------------------------------------------------

def test_bad_migration_fails_exactly_the_right_rules(seeded, tmp_path):
    name = fresh_db(seeded, "odoo_bad")
    extra = db_vars(seeded, name)
    extra.update(
        baseline_presets=["odoo"],
        baseline_odoo_module="payment_account_enhanced",
        baseline_odoo_expected_version="17.0.1.0.9",
        migration=BAD_MIGRATION,
    )
    proc = run_playbook(tmp_path, PLAYBOOK, extra)
    assert proc.returncode == 0, proc.stdout
    out = read_out(tmp_path, proc)
    results = out["results"]

    assert [r["name"] for r in results] == ODOO_NAMES
    assert failed_names(results) == ["reconciliations", "reconciled_payments", "payment_managers",
                                     "module_version"]
    assert [r["name"] for r in results if not r["ok"]] == failed_names(results)  # no warning either
    found = by_name(results)

    assert (found["reconciliations"]["rule"], found["reconciliations"]["before"],
            found["reconciliations"]["after"]) == ("equal", 140, 130)
    assert (found["reconciled_payments"]["rule"], found["reconciled_payments"]["before"],
            found["reconciled_payments"]["after"]) == ("not_decrease", 120, 110)

    managers = found["payment_managers"]
    assert managers["rule"] == "superset"
    assert managers["before"] == [["asmith"], ["jdoe"], ["mbrown"]]
    assert managers["after"] == [["asmith"], ["mbrown"]]
    assert managers["removed"] == ["jdoe"] and managers["removed_count"] == 1
    assert managers["added"] == [] and managers["added_count"] == 0

    version = found["module_version"]
    assert version["rule"] == "expect: 17.0.1.0.9"
    assert (version["before"], version["after"]) == ("17.0.1.0.8", "17.0.1.0.7")

    # the rules that must hold still hold, with the runbook's numbers
    assert (found["posted_payments"]["before"], found["posted_payments"]["after"]) == (160, 160)
    assert (found["payments_total"]["before"], found["payments_total"]["after"]) == (300, 300)
    assert (found["payment_manager_count"]["rule"], found["payment_manager_count"]["after"]) == ("min: 1", 2)
    states = found["payment_states"]
    assert (states["rule"], states["severity"], states["ok"]) == ("equal", "warn", True)
    assert states["before"] == [["posted", 160], ["approved", 60], ["review", 40], ["draft", 20]]

    failure = out["failure"]
    assert failure.startswith("Baseline check failed: ")
    for bad in ("reconciliations", "reconciled_payments", "payment_managers", "module_version"):
        assert bad + ":" in failure
    for good in ("posted_payments", "payments_total", "payment_manager_count", "payment_states"):
        assert good + ":" not in failure

    # the run record: descriptions, and the member that left the group
    markdown = (tmp_path / "deploy-logs" / RUN_ID / "execution-log.md").read_text(encoding="utf-8")
    assert "| Name | Rule | Before | After | Verdict | Description |" in markdown
    assert ("| reconciliations | equal | 140 | 130 | VIOLATED | "
            "Runbook 000 step 3.2, reconciliation count (should NOT change) |") in markdown
    assert "| payment_managers | superset | asmith, jdoe, mbrown | asmith, mbrown | VIOLATED |" in markdown
    assert "- payment_managers: removed jdoe; added \u2014" in markdown
    with open(str(tmp_path / "deploy-logs" / RUN_ID / "run.json"), encoding="utf-8") as handle:
        record = json.load(handle)
    recorded = by_name(record["hosts"]["localhost"]["baselines"])
    assert recorded["payments_total"]["description"] == "Runbook 000 step 8.3, total payments (must match or be higher)"
    assert recorded["payment_managers"]["removed"] == ["jdoe"]


# --- (b) a harmless migration --------------------------------------------------------

@pytest.mark.parametrize("tuned", [True, False], ids=["reconciliations-tuned", "preset-as-is"])
def test_harmless_migration_passes(seeded, tmp_path, tuned):
    name = fresh_db(seeded, "odoo_ok_%s" % ("tuned" if tuned else "as_is"))
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "draft_payments.sql").write_text(
        "SELECT count(*)\nFROM account_payment\nWHERE approval_state = 'draft'\n", encoding="utf-8")
    user_items = [
        # a relative sql_file is found next to the playbook
        {"name": "draft_payments", "sql_file": "sql/draft_payments.sql", "rule": {"max": 100},
         "description": "Drafts stay below 100"},
        # same name as a preset item: replaces it, in its place
        {"name": "payment_manager_count", "sql": "SELECT 4", "rule": {"min": 2}},
    ]
    if tuned:
        # Step 3.2 says the reconciliation count must not change; this deploy creates
        # reconciliations, so the rule is tuned (the user item replaces the preset's).
        user_items.append({"name": "reconciliations", "rule": "not_decrease",
                           "sql": "SELECT count(*) FROM account_bank_reconciliation_line"
                                  " WHERE reconciliation_date IS NOT NULL",
                           "description": "Tuned: reconciliations may be added during the deploy"})
    extra = db_vars(seeded, name)
    extra.update(
        baseline_presets=["odoo"],
        baseline_odoo_module="payment_account_enhanced",
        baseline_odoo_expected_version="17.0.1.0.9",
        deploy_baselines=user_items,
        migration=HARMLESS_MIGRATION,
    )
    proc = run_playbook(tmp_path, PLAYBOOK, extra)
    assert proc.returncode == 0, proc.stdout
    out = read_out(tmp_path, proc)
    results = out["results"]
    found = by_name(results)

    assert [r["name"] for r in results] == ODOO_NAMES + ["draft_payments"]
    specs = by_name(out["specs"])
    assert specs["payment_manager_count"]["rule"] == {"min": 2}
    assert specs["draft_payments"]["sql"] == "SELECT count(*)\nFROM account_payment\nWHERE approval_state = 'draft'"
    assert "sql_file" not in specs["draft_payments"]
    assert found["draft_payments"]["after"] == 40

    assert (found["payments_total"]["before"], found["payments_total"]["after"]) == (300, 325)
    assert (found["reconciled_payments"]["before"], found["reconciled_payments"]["after"]) == (120, 145)
    assert found["module_version"]["after"] == "17.0.1.0.9"
    assert found["payment_managers"]["added"] == ["kwong"] and found["payment_managers"]["removed"] == []
    # the distribution moved (25 more posted): informational, a warning at most
    assert found["payment_states"]["severity"] == "warn"

    if tuned:
        assert failed_names(results) == []
        assert out["failure"] is None
        assert (found["reconciliations"]["rule"], found["reconciliations"]["after"]) == ("not_decrease", 165)
        assert specs["reconciliations"]["description"].startswith("Tuned:")
    else:
        # the preset as the runbook wrote it: the reconciliation count must not change
        assert failed_names(results) == ["reconciliations"]
        assert out["failure"].startswith("Baseline check failed: reconciliations:")


# --- (c) bad presets and specs stop before any capture -------------------------------

@pytest.mark.parametrize("entry", ["baseline", "preflight"])
@pytest.mark.parametrize("case,settings,message", [
    ("unknown-preset", {"baseline_presets": ["odoo", "odo"]},
     "Unknown baseline preset 'odo'; known presets: django, generic, odoo"),
    ("unknown-rule", {"baseline_presets": ["django"],
                      "deploy_baselines": [{"name": "managers", "sql": "SELECT 1", "rule": "supreset"}]},
     "Invalid baselines (1 error): baseline 'managers': unknown rule 'supreset'"),
    ("sql-and-sql-file", {"deploy_baselines": [{"name": "twice", "sql": "SELECT 1", "sql_file": "x.sql"}]},
     "Baseline 'twice' has both sql and sql_file"),
])
def test_bad_specs_fail_before_any_capture(tmp_path, entry, case, settings, message):
    # No server behind this socket: had a capture run, it would fail differently.
    extra = {"deploy_db": {"name": "odoo", "host": str(tmp_path / "no-server"), "port": 5999},
             "migration": []}
    extra.update(settings)
    if entry == "baseline":
        proc = run_playbook(tmp_path, PLAYBOOK, extra)
    else:
        extra.update(deploy_repo="/srv/git/odoo.git", deploy_version="v2", deploy_app_dir="/srv/odoo",
                     deploy_services=["odoo"], deploy_health_url="http://127.0.0.1:8069/web/health")
        proc = run_playbook(tmp_path, PREFLIGHT_PLAYBOOK, extra)
    assert proc.returncode != 0, proc.stdout
    assert message in proc.stdout, proc.stdout
    assert "Capture the baselines" not in proc.stdout
    assert "unable to connect" not in proc.stdout
    assert not (tmp_path / "out.json").exists()


# --- the odoo preset on the Odoo 16+ schema ------------------------------------------

def test_odoo_preset_reads_the_odoo_16_schema(pg_server, tmp_path):
    """res_groups.name is jsonb (translations) and the installed version is in
    ir_module_module.latest_version on a real Odoo 16/17: the preset reads both shapes."""
    group = "Finance Manager's Team"
    proc = run_playbook(tmp_path, SPECS_ONLY_PLAYBOOK, {
        "entry": "specs", "baseline_presets": ["odoo"], "baseline_odoo_manager_group": group,
        "baseline_odoo_module": "payment_account_enhanced", "baseline_odoo_expected_version": "17.0.1.0.9"})
    assert proc.returncode == 0, proc.stdout
    specs = by_name(json.loads((tmp_path / "out.json").read_text(encoding="utf-8")))
    assert "'Finance Manager''s Team'" in specs["payment_managers"]["sql"]

    name = "odoo17_shape"
    pg_server.execute("DROP DATABASE IF EXISTS %s" % name)
    pg_server.execute("CREATE DATABASE %s" % name)
    pg_server.execute("""
        CREATE TABLE res_users (id serial PRIMARY KEY, login varchar, name varchar);
        CREATE TABLE res_groups (id serial PRIMARY KEY, name jsonb);
        CREATE TABLE res_groups_users_rel (gid integer, uid integer);
        CREATE TABLE ir_module_module (id serial PRIMARY KEY, name varchar, state varchar,
                                       latest_version varchar);
        INSERT INTO res_users (login) VALUES ('jdoe'), ('asmith');
        INSERT INTO res_groups (name) VALUES
            ('{"en_US": "Finance Manager''s Team", "fr_FR": "Equipe"}'), ('{"en_US": "Other"}');
        INSERT INTO res_groups_users_rel VALUES (1, 1), (1, 2), (2, 1);
        INSERT INTO ir_module_module (name, state, latest_version) VALUES
            ('payment_account_enhanced', 'installed', '17.0.1.0.9');
    """, dbname=name)
    assert pg_server.execute(specs["payment_managers"]["sql"], dbname=name, fetch=True) == [("asmith",), ("jdoe",)]
    assert pg_server.execute(specs["payment_manager_count"]["sql"], dbname=name, fetch=True) == [(2,)]
    assert pg_server.execute(specs["module_version"]["sql"], dbname=name, fetch=True) == [("17.0.1.0.9",)]


def test_generic_and_django_presets_and_no_module_check(tmp_path):
    """No module_version baseline without baseline_odoo_module; generic quotes identifiers."""
    proc = run_playbook(tmp_path, SPECS_ONLY_PLAYBOOK, {
        "entry": "specs", "baseline_presets": "odoo, generic,django",
        "baseline_generic_tables": ["res_users", "acct.Ledger\"Line"], "baseline_generic_schema": "acct"})
    assert proc.returncode == 0, proc.stdout
    specs = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    names = [s["name"] for s in specs]
    assert names == [n for n in ODOO_NAMES if n != "module_version"] + [
        "rows_res_users", 'rows_acct.Ledger"Line', "schema_tables", "applied_migrations", "users"]
    found = by_name(specs)
    assert found['rows_acct.Ledger"Line']["sql"] == 'SELECT count(*) FROM "acct"."Ledger""Line"'
    assert "table_schema = 'acct'" in found["schema_tables"]["sql"]
    assert all(s.get("rule") == "not_decrease" for s in specs[len(names) - 5:])
