# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/run_record.py (schema, folding, status, rendering, scrub)."""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.guarded.deploy.plugins.module_utils import run_record as rr

T0 = "2026-11-21T02:00:00.000000+00:00"
T1 = "2026-11-21T02:00:01.234000+00:00"
T2 = "2026-11-21T02:00:05.000000+00:00"
T3 = "2026-11-21T02:01:00.000000+00:00"


def ev(at=T0, host="app1", **fields):
    event = {"at": at, "host": host}
    event.update(fields)
    return event


# -- schema --------------------------------------------------------------------


def test_new_record_has_the_run_json_keys_of_the_design():
    record = rr.new_record()
    assert set(record) == {
        "schema_version", "run_id", "playbook", "status", "check_mode", "started_at",
        "finished_at", "operator", "app", "deploy_version", "inventory", "hosts", "errors", "links"}
    assert record["schema_version"] == rr.SCHEMA_VERSION == 1
    assert record["hosts"] == {} and record["errors"] == [] and record["links"] == {}


def test_new_host_shape():
    host = rr.new_host()
    assert host["status"] == "running"
    assert host["backup"] == {"path": None, "bytes": None, "sha256": None, "verified": None, "files": []}
    assert host["rollback"] == {"performed": False, "db_restored": False, "reason": None}
    for key in ("baselines", "migrations", "smoke", "phases"):
        assert host[key] == []
    assert host["health"] == {}
    assert rr.new_host() is not rr.new_host()
    assert rr.new_host()["phases"] is not rr.new_host()["phases"]


# -- apply_event -----------------------------------------------------------------


def test_phase_started_then_ok_records_duration():
    record = rr.new_record()
    record = rr.apply_event(record, ev(T0, phase="backup", phase_status="started"))
    assert record["hosts"]["app1"]["phases"] == [
        {"name": "backup", "status": "started", "started_at": T0, "duration_s": None}]
    record = rr.apply_event(record, ev(T1, phase="backup", phase_status="ok"))
    assert record["hosts"]["app1"]["phases"] == [
        {"name": "backup", "status": "ok", "started_at": T0, "duration_s": 1.23}]


def test_phase_closes_the_last_open_entry_of_that_name():
    events = [
        ev(T0, phase="restart", phase_status="started"),
        ev(T1, phase="restart", phase_status="ok"),
        ev(T1, phase="verify", phase_status="started"),
        ev(T2, phase="rollback", phase_status="started"),
        ev(T3, phase="rollback", phase_status="ok"),
        ev(T3, phase="verify", phase_status="failed"),
    ]
    phases = rr.fold_events(events)["hosts"]["app1"]["phases"]
    assert [(p["name"], p["status"], p["duration_s"]) for p in phases] == [
        ("restart", "ok", 1.23), ("verify", "failed", 58.77), ("rollback", "ok", 55.0)]


def test_phase_closed_without_start_gets_duration_zero():
    record = rr.apply_event(rr.new_record(), ev(T2, phase="caches", phase_status="skipped"))
    assert record["hosts"]["app1"]["phases"] == [
        {"name": "caches", "status": "skipped", "started_at": T2, "duration_s": 0.0}]


def test_data_is_deep_merged_lists_and_scalars_replace():
    record = rr.fold_events([
        ev(data={"backup": {"path": "/b/db.dump", "bytes": 10}, "baselines": [{"name": "a", "before": 1}]}),
        ev(T1, data={"backup": {"sha256": "abc", "verified": True},
                     "baselines": [{"name": "a", "before": 1, "after": 2, "ok": True}],
                     "commit_before": "c0ffee"}),
    ])
    host = record["hosts"]["app1"]
    assert host["backup"] == {"path": "/b/db.dump", "bytes": 10, "sha256": "abc", "verified": True, "files": []}
    assert host["baselines"] == [{"name": "a", "before": 1, "after": 2, "ok": True}]
    assert host["commit_before"] == "c0ffee"
    assert host["rollback"]["performed"] is False  # untouched defaults stay


def test_host_status_and_error():
    record = rr.fold_events([
        ev(T0, phase="migrate", phase_status="started"),
        ev(T1, error={"task": "Run migrations", "msg": "boom"}),
        ev(T2, host_status="rolled_back", error={"task": "x", "msg": "y", "phase": "verify"}),
    ])
    assert record["hosts"]["app1"]["status"] == "rolled_back"
    assert record["errors"] == [
        {"host": "app1", "task": "Run migrations", "phase": "migrate", "msg": "boom", "at": T1},
        {"host": "app1", "task": "x", "phase": "verify", "msg": "y", "at": T2},
    ]


def test_run_event_merges_run_fields_and_creates_no_host():
    record = rr.fold_events([
        ev(T0, host=None, run={"playbook": "deploy.yml"}),
        ev(T1, run={"run_id": "r1", "app": "payments", "links": {"a": 1}, "check_mode": False}),
        ev(T2, run={"run_id": "other", "links": {"rolls_back": "r0"}}),
    ])
    assert record["run_id"] == "r1"  # a record is one run
    assert record["app"] == "payments"
    assert record["playbook"] == "deploy.yml"
    assert record["links"] == {"a": 1, "rolls_back": "r0"}
    assert record["started_at"] == T0  # from the first event
    assert record["hosts"] == {}


def test_apply_event_is_pure():
    record = rr.fold_events([ev(T0, phase="code", phase_status="started")])
    event = ev(T1, phase="code", phase_status="ok", data={"backup": {"files": ["a"]}})
    before_record, before_event = copy.deepcopy(record), copy.deepcopy(event)
    first = rr.apply_event(record, event)
    second = rr.apply_event(record, event)
    assert record == before_record and event == before_event
    assert first == second
    first["hosts"]["app1"]["backup"]["files"].append("b")
    assert event["data"]["backup"]["files"] == ["a"]


def test_read_journal_skips_a_truncated_last_line(tmp_path):
    path = tmp_path / rr.JOURNAL_FILE
    path.write_text(json.dumps(ev(run={"run_id": "r1"})) + "\n" + '{"at": "2026-', encoding="utf-8")
    assert rr.read_journal(str(path)) == [ev(run={"run_id": "r1"})]


# -- overall_status ----------------------------------------------------------------


def _record(*statuses, errors=()):
    record = rr.new_record()
    for index, status in enumerate(statuses):
        record["hosts"]["h%d" % index] = dict(rr.new_host(), status=status)
    record["errors"] = list(errors)
    return record


@pytest.mark.parametrize("statuses, errors, expected", [
    (("succeeded", "succeeded"), (), "succeeded"),
    (("succeeded", "failed", "rolled_back"), (), "failed"),
    (("succeeded", "rolled_back"), (), "rolled_back"),
    (("succeeded", "running"), (), "running"),
    ((), (), "running"),
    ((), ({"msg": "unreachable"},), "failed"),
    (("succeeded",), ({"msg": "rescued error"},), "succeeded"),
    (("failed", "rollback_failed", "rolled_back"), (), "rollback_failed"),
    (("rolled_back", "rollback_failed"), (), "rollback_failed"),
])
def test_overall_status(statuses, errors, expected):
    assert rr.overall_status(_record(*statuses, errors=errors)) == expected


# -- render_markdown ---------------------------------------------------------------


def _full_record():
    events = [
        ev(T0, host=None, run={"playbook": "deploy.yml"}),
        ev(T0, run={"run_id": "20261121T020000Z-ab12cd3", "app": "payments", "deploy_version": "v2.0.0",
                    "operator": "alice", "check_mode": False}),
        ev(T0, phase="baseline", phase_status="started"),
        ev(T1, phase="baseline", phase_status="ok",
           data={"commit_before": "1111111", "baselines": [
               {"name": "reconciled_payments", "rule": "not_decrease", "before": 120, "after": 119, "ok": False,
                "severity": "fail", "message": "reconciled_payments: not_decrease violated: before 120, after 119"},
               {"name": "payment_managers", "rule": {"min": 1}, "before": 2, "after": 2, "ok": True},
               {"name": "drafts", "rule": "equal", "before": 3, "after": 4, "ok": False, "severity": "warn"},
               {"name": "notes|pipes", "rule": "equal", "before": 1, "after": None},
           ]}),
        ev(T1, data={"backup": {"path": "/var/backups/payments/db.dump", "bytes": 1258291,
                                "sha256": "9f86d081884c7d659a2feaa0c55ad015", "verified": True}}),
        ev(T2, data={"migrations": ["0042_payment_lock"], "health": {"url": "http://127.0.0.1/health", "status": 200},
                     "smoke": [{"name": "home", "url": "http://127.0.0.1/", "status": 200, "actual_status": 500,
                                "ok": False, "msg": "got 500"}],
                     "rollback": {"performed": True, "db_restored": True, "reason": "baseline violated"},
                     "commit_after": "1111111"},
           host_status="rolled_back",
           error={"task": "Compare baselines", "msg": "reconciled_payments decreased", "phase": "verify"}),
        ev(T3, host=None, run={"finished_at": T3, "status": "rolled_back"}),
    ]
    return rr.fold_events(events)


def test_render_markdown_contains_the_key_facts():
    text = rr.render_markdown(_full_record())
    assert text.startswith("# Deployment execution log: payments")
    assert "20261121T020000Z-ab12cd3" in text.splitlines()[0]
    assert "**Status: ROLLED BACK**" in text
    assert "| Playbook | deploy.yml |" in text
    assert "| Operator | alice |" in text
    assert "| Check mode | no |" in text
    assert "| Duration | 1 min 0 s (60.00 s) |" in text
    assert "| reconciled_payments | not_decrease | 120 | 119 | VIOLATED |" in text
    assert "| payment_managers | min: 1 | 2 | 2 | OK |" in text
    assert "| drafts | equal | 3 | 4 | WARN |" in text
    assert "| notes\\|pipes | equal | 1 | \u2014 | \u2014 |" in text  # escaped pipe, missing values
    assert "9f86d081884c7d659a2feaa0c55ad015" in text
    assert "1.2 MiB (1,258,291 bytes)" in text
    assert "- 0042_payment_lock" in text
    assert "| home | http://127.0.0.1/ | 200 | 500 | \u2014 | FAIL | got 500 |" in text
    assert "| Performed | yes |" in text and "| Database restored | yes |" in text
    assert "| app1 | verify | Compare baselines | reconciled_payments decreased |" in text
    assert "| baseline | ok | 2026-11-21 02:00:00 UTC | 1.23 |" in text
    assert "## Sign-off" in text
    for role in ("DevOps", "Finance Manager", "QA Lead"):
        assert "| %s |   |  |  |" % role in text


def test_render_markdown_says_a_lock_was_released_by_force():
    record = rr.fold_events([ev(T0, data={"lock_forced": {
        "previous_owner": {"run_id": "20261121T010000Z-dead001", "operator": "bob", "since": T0,
                           "controller": "ops1", "pid": 4242},
        "state": "stale", "age_s": 3600}})])
    text = rr.render_markdown(record)
    assert ("> Deploy lock released by force (`deploy_force_unlock=true`): it was held by run "
            "`20261121T010000Z-dead001` (operator bob, since 2026-11-21 02:00:00 UTC, pid 4242 on ops1, 3600 s old), "
            "STALE: its process was gone from this controller. That run did not finish.") in text
    assert "released by force" not in rr.render_markdown(rr.fold_events([ev(T0, data={"already_live": True})]))


def test_a_rollback_that_fails_part_way_is_recorded_as_it_happened():
    record = rr.fold_events([
        ev(T0, data={"rollback": {"performed": False, "run_id": "r1", "reason": "health 500",
                                  "code_returned": False, "db_restored": False}}),
        ev(T1, data={"commit_after": "1111111", "rollback": {"code_returned": True, "to_commit": "1111111"}}),
        ev(T1, data={"rollback": {"kept_database": "shop_before_rollback_r1"}}),
        ev(T2, data={"rollback": {"db_restored": True, "db_strategy": "restore", "restore_strategy": "swap"}}),
        # the pipeline's rescue: the rollback phase failed at the restart
        ev(T3, host_status="rollback_failed", data={"rollback": {
            "performed": False, "failed": True, "run_id": "r1", "reason": "health 500",
            "error": "Phase rollback failed at 'Restart': odoo did not start"}}),
    ])
    rollback = record["hosts"]["app1"]["rollback"]
    assert rollback["code_returned"] and rollback["db_restored"] and rollback["failed"]
    assert not rollback["performed"]
    text = rr.render_markdown(record)
    assert "| Performed | no: the rollback FAILED; the rows below say what it had done |" in text
    assert "| Code returned to | `1111111` |" in text
    assert "| Database restored | yes |" in text
    assert "| Database kept as | `shop_before_rollback_r1` |" in text


def test_render_markdown_backup_verification_copy_and_pruning():
    record = rr.fold_events([ev(T0, data={"backup": {
        "path": "/b/db.dir", "format": "directory", "bytes": 2048, "sha256": "ab" * 32, "verified": True,
        "verification": "restore", "verification_s": 3.456, "verified_tables": 31,
        "changed_during_dump": ["public.audit_log"], "pruned": ["20261101T000000Z-old1", "20261102T000000Z-old2"],
        "offsite": {"to": "controller", "host": "controller", "path": "/srv/offsite/app1/shop/r1",
                    "files": 4, "bytes": 4096, "verified": True, "seconds": 0.5}}})])
    text = rr.render_markdown(record)
    backup = text[text.index("### Backup"):text.index("### Migrations applied")]
    assert "| Format | directory |" in backup
    assert "| Verification | restore in 3.46 s, 31 tables compared |" in backup
    assert "| Changed during the dump (not compared) | public.audit_log |" in backup
    assert "| Off-host copy | controller:`/srv/offsite/app1/shop/r1` (4 files, 4.0 KiB (4,096 bytes), sha256 verified) |" in backup
    assert "| Pruned runs | 20261101T000000Z-old1, 20261102T000000Z-old2 |" in backup


def test_render_markdown_backup_without_copy_shows_missing_values():
    text = rr.render_markdown(rr.fold_events([ev(T0, data={"backup": {"verification": "toc", "offsite": None}})]))
    backup = text[text.index("### Backup"):text.index("### Migrations applied")]
    assert "| Verification | toc |" in backup
    assert "| Off-host copy | \u2014 |" in backup


def _baselines_markdown(baselines):
    record = rr.fold_events([ev(T0, data={"baselines": baselines})])
    text = rr.render_markdown(record)
    return text[text.index("### Baselines"):text.index("### Backup")]


def test_baselines_without_descriptions_have_no_description_column():
    text = _baselines_markdown([{"name": "a", "rule": "equal", "before": 1, "after": 1, "ok": True}])
    assert "| Name | Rule | Before | After | Verdict |\n" in text
    assert "Description" not in text


def test_baselines_with_a_description_get_a_description_column():
    text = _baselines_markdown([
        {"name": "reconciliations", "rule": "equal", "before": 140, "after": 140, "ok": True,
         "description": "Runbook 000 step 3.2 | count"},
        {"name": "drafts", "rule": "not_decrease", "before": 3, "after": 4, "ok": True},
    ])
    assert "| Name | Rule | Before | After | Verdict | Description |" in text
    assert "| reconciliations | equal | 140 | 140 | OK | Runbook 000 step 3.2 \\| count |" in text
    assert "| drafts | not_decrease | 3 | 4 | OK | \u2014 |" in text


def test_pre_deploy_rows_with_a_description():
    text = _baselines_markdown([{"name": "users", "before": 7, "description": "Django preset"}])
    assert "| users | \u2014 | 7 | \u2014 | \u2014 | Django preset |" in text


def test_set_rules_list_the_members_removed_and_added():
    text = _baselines_markdown([
        {"name": "payment_managers", "rule": "superset", "severity": "fail", "ok": False,
         "before": [["asmith"], ["jdoe"], ["mbrown"]], "after": [["asmith"], ["mbrown"]],
         "removed": ["jdoe"], "added": [], "removed_count": 1, "added_count": 0,
         "message": "payment_managers: superset violated: 1 removed (['jdoe']), 0 added"},
        {"name": "module_states", "rule": "same_set", "severity": "fail", "ok": False,
         "before": [["base", "installed"]], "after": [["base", "installed"], ["sale", "installed"]],
         "removed": [], "added": [["sale", "installed"]], "removed_count": 0, "added_count": 1,
         "message": "module_states: same_set violated: 0 removed, 1 added ([['sale', 'installed']])"},
        {"name": "unchanged", "rule": "same_set", "ok": True, "before": "x", "after": "x",
         "removed": [], "added": [], "removed_count": 0, "added_count": 0},
        {"name": "not_captured", "rule": "superset", "ok": False, "before": None, "after": ["a"],
         "removed": None, "added": None, "removed_count": None, "added_count": None,
         "message": "not_captured: superset cannot be checked"},
    ])
    assert "| payment_managers | superset | asmith, jdoe, mbrown | asmith, mbrown | VIOLATED |" in text
    assert "| module_states | same_set | (base, installed) | (base, installed), (sale, installed) | VIOLATED |" in text
    assert "- payment_managers: superset violated: 1 removed (['jdoe']), 0 added" in text
    assert "- payment_managers: removed jdoe; added \u2014" in text
    assert "- module_states: removed \u2014; added (sale, installed)" in text
    assert "unchanged: removed" not in text
    assert "not_captured: removed" not in text


def test_set_members_beyond_the_listed_ones_are_counted():
    text = _baselines_markdown([
        {"name": "logins", "rule": "superset", "ok": False, "before": [], "after": [],
         "removed": ["u%02d" % i for i in range(50)], "removed_count": 60, "added": [], "added_count": 0}])
    assert "- logins: removed u00, u01," in text
    assert "u49 and 10 more; added \u2014" in text


def test_long_row_lists_are_cut_in_the_table():
    rows = [["user%02d" % i] for i in range(25)]
    text = _baselines_markdown([{"name": "logins", "rule": "equal", "before": rows, "after": rows, "ok": True}])
    assert "| logins | equal | user00, user01, user02, user03, user04, user05, user06, user07, user08, " \
           "user09 \u2026 (25 rows) |" in text


def test_render_markdown_signoff_names_and_missing_values():
    record = rr.new_record()
    record["signoff"] = {"devops": "Dana Ops", "Finance Manager": "Fin | Lee"}
    text = rr.render_markdown(record)
    assert "| DevOps | Dana Ops |  |  |" in text
    assert "| Finance Manager | Fin \\| Lee |  |  |" in text
    assert "| QA Lead |   |  |  |" in text
    assert "| Operator | \u2014 |" in text
    assert "No errors." in text


def test_render_markdown_check_mode_and_open_phase():
    record = rr.fold_events([ev(T0, run={"run_id": "r", "check_mode": True}),
                             ev(T1, phase="code", phase_status="started")])
    text = rr.render_markdown(record)
    assert "Check mode (dry run)" in text
    assert "| code | started | 2026-11-21 02:00:01 UTC | not finished |" in text


def test_render_json_round_trips():
    record = _full_record()
    assert json.loads(rr.render_json(record)) == record


# -- scrub ----------------------------------------------------------------------------


def test_scrub_replaces_secrets_in_every_string():
    value = {"msg": "psql failed for s3cret-pw (s3cret-pw)", "list": ["x s3cret-pw", 3, None, True],
             "s3cret-pw": "key itself"}
    out = rr.scrub(value, ["s3cret-pw", "", None, "abc"])
    assert out == {"msg": "psql failed for ******** (********)", "list": ["x ********", 3, None, True],
                   "********": "key itself"}
    assert value["msg"].count("s3cret-pw") == 2  # a copy, the input is untouched


def test_scrub_ignores_short_secrets_and_prefers_longer_ones():
    assert rr.scrub("abc and abcdef", ["abc", "abcdef"]) == "abc and ********"


def test_scrub_masks_secret_keys():
    value = {"deploy_db": {"name": "payments", "password": "pw"}, "API_KEY": "k", "my_token": ["a"],
             "Passwd": None, "client_secret": {"x": 1}, "name": "ok"}
    out = rr.scrub(value)
    assert out == {"deploy_db": {"name": "payments", "password": "********"}, "API_KEY": "********",
                   "my_token": "********", "Passwd": "********", "client_secret": "********", "name": "ok"}


def test_scrub_masks_url_credentials():
    text = "git clone https://deploy:hunter22@git.example.com/app.git and postgresql://u:p%40ss@db:5432/x"
    assert rr.scrub(text) == ("git clone https://deploy:********@git.example.com/app.git and "
                              "postgresql://u:********@db:5432/x")
    assert rr.scrub("http://host:8080/path") == "http://host:8080/path"
    assert rr.scrub("mailto:me@example.com") == "mailto:me@example.com"


def test_secrets_from_vars():
    variables = {
        "deploy_db": {"name": "payments", "password": "{{ vault_db }}"},
        "vault_db": "db-pass-1",
        "ansible_become_pass": "become-2",
        "smtp_password": "smtp-pass-3",
        "not_a_password_list_password": ["x"],
        "deploy_app": "payments",
    }

    def render(value):
        return variables["vault_db"] if value == "{{ vault_db }}" else value

    assert sorted(rr.secrets_from_vars(variables, render=render)) == ["become-2", "db-pass-1", "smtp-pass-3"]

    def broken(value):
        raise ValueError("undefined")

    assert rr.secrets_from_vars(variables, render=broken) == []


def test_render_markdown_alembic_and_a_downgrade_rollback():
    record = rr.fold_events([ev(T0, data={
        "alembic": {"before": "0001_initial", "after": "0001_initial", "heads": ["0003_slugs"], "target": "head",
                    "failed_revision": "0003_slugs", "error": "duplicate key"},
        "rollback": {"performed": True, "db_restored": False, "db_strategy": "downgrade",
                     "db_strategy_note": "downgrade asked", "reason": "migrate failed",
                     "alembic": {"from": "0002_pinned", "to": "0001_initial", "steps": ["0002_pinned"]},
                     "baselines": [{"name": "notes", "rule": "not_decrease", "before": 3, "after": 3, "ok": True}]}})])
    text = rr.render_markdown(record)
    assert "| Revision before \u2192 after | `0001_initial` \u2192 `0001_initial` |" in text
    assert "| Failed revision | 0003_slugs |" in text
    assert "| Database action | downgrade |" in text
    assert "| Alembic downgrade | `0002_pinned` \u2192 `0001_initial` (0002_pinned) |" in text
    assert "each under its own rule" in text and "each must equal" not in text


def test_render_markdown_dependencies_reused_or_not_recorded():
    record = rr.fold_events([ev(T0, data={"dependencies": {
        "installer": "npm", "action": "reused", "reused_from": "/srv/shop/releases/20260101T000000Z-a1",
        "reason": "package-lock.json unchanged since the previous release",
        "lockfile": "package-lock.json", "lockfile_sha256": "ab12"}})])
    text = rr.render_markdown(record)
    assert "### Dependencies" in text
    assert "| Action | reused |" in text
    assert "| Reused from | `/srv/shop/releases/20260101T000000Z-a1` |" in text
    assert "| Lock file | package-lock.json (sha256 ab12) |" in text
    assert "### Dependencies" not in rr.render_markdown(rr.fold_events([ev(T0, data={"migrations": []})]))
