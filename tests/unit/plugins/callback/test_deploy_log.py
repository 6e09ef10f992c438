# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the guarded.deploy.deploy_log callback, driven directly with task results."""

from __future__ import annotations

import json
import os
import stat
from unittest.mock import MagicMock

import pytest
import yaml

from ansible import constants as C
from ansible.executor.task_result import CallbackTaskResult

from ansible_collections.guarded.deploy.plugins.callback import deploy_log
from ansible_collections.guarded.deploy.plugins.module_utils import run_record as rr

NAME = "guarded.deploy.deploy_log"
SECRET = "s3cret-pw"
T0 = "2026-11-21T02:00:00.000000+00:00"


def make_callback(log_dir=None, announce=True, play_vars=None, phase_banners=False):
    """The callback as Ansible would load it: option definitions from its DOCUMENTATION."""
    C.config.initialize_plugin_configuration_definitions(
        "callback", NAME, yaml.safe_load(deploy_log.DOCUMENTATION)["options"])
    display = MagicMock()
    display.verbosity = 0
    callback = deploy_log.CallbackModule(display=display)
    callback._load_name = NAME
    direct = {"announce": announce, "phase_banners": phase_banners}
    if log_dir is not None:
        direct["log_dir"] = str(log_dir)
    callback.set_options(direct=direct)
    playbook = MagicMock()
    playbook._file_name = "/somewhere/playbooks/deploy.yml"
    callback.v2_playbook_on_start(playbook)
    play = MagicMock()
    play._loader = None
    play.get_variable_manager.return_value.get_vars.return_value = play_vars or {}
    callback.v2_playbook_on_play_start(play)
    return callback


def result(data, host="app1", task="Record the event"):
    host_obj = MagicMock()
    host_obj.get_name.return_value = host
    host_obj.name = host
    task_obj = MagicMock()
    task_obj.get_name.return_value = task
    task_obj.action = "guarded.deploy.deploy_event"
    return CallbackTaskResult(host_obj, task_obj, data, {"name": task})


def event(host="app1", **fields):
    value = {"at": rr.utc_now(), "host": host}
    value.update(fields)
    return {"changed": False, deploy_log.EVENT_KEY: value}


def run_event(log_dir=None, run_id="r1", host="app1"):
    run = {"run_id": run_id, "app": "payments", "deploy_version": "v2.0.0", "operator": "alice",
           "check_mode": False}
    if log_dir is not None:
        run["log_dir"] = str(log_dir)
    return event(host=host, run=run)


def journal(run_dir):
    with open(os.path.join(run_dir, rr.JOURNAL_FILE), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def run_json(run_dir):
    with open(os.path.join(run_dir, rr.RECORD_FILE), encoding="utf-8") as handle:
        return json.load(handle)


def all_text(root):
    texts = []
    for dirpath, dummy, files in os.walk(str(root)):
        for name in files:
            with open(os.path.join(dirpath, name), encoding="utf-8") as handle:
                texts.append(handle.read())
    return "\n".join(texts)


def test_class_attributes():
    cls = deploy_log.CallbackModule
    assert cls.CALLBACK_VERSION == 2.0
    assert cls.CALLBACK_TYPE == "notification"
    assert cls.CALLBACK_NAME == NAME
    assert cls.CALLBACK_NEEDS_ENABLED is True


def test_options_defaults():
    callback = make_callback()
    assert callback.log_dir_option is None
    assert callback.announce is True


def test_buffers_until_run_id_and_log_dir_then_journals_and_renders(tmp_path):
    callback = make_callback()
    callback.v2_runner_on_ok(result(event(phase="preflight", phase_status="started")))
    assert list(tmp_path.iterdir()) == []  # no log dir known yet
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    run_dir = tmp_path / "r1"
    assert stat.S_IMODE(os.stat(str(run_dir)).st_mode) == 0o750
    lines = journal(str(run_dir))
    assert [sorted(k for k in e if k not in ("at", "host")) for e in lines] == [
        ["run"], ["phase", "phase_status"], ["run"]]
    assert lines[0]["run"]["playbook"] == "deploy.yml"
    record = run_json(str(run_dir))
    assert record["run_id"] == "r1" and record["playbook"] == "deploy.yml"
    assert record["hosts"]["app1"]["phases"][0]["status"] == "started"
    assert (run_dir / rr.MARKDOWN_FILE).exists()

    callback.v2_runner_on_ok(result(event(phase="preflight", phase_status="ok", data={"commit_before": "abc"})))
    assert len(journal(str(run_dir))) == 4  # appended
    record = run_json(str(run_dir))  # re-rendered after the event
    assert record["hosts"]["app1"]["phases"][0]["status"] == "ok"
    assert isinstance(record["hosts"]["app1"]["phases"][0]["duration_s"], float)
    assert "`abc`" in (run_dir / rr.MARKDOWN_FILE).read_text(encoding="utf-8")
    assert not [p for p in os.listdir(str(run_dir)) if ".tmp." in p]


def test_log_dir_option_overrides_the_run_event(tmp_path):
    option_dir = tmp_path / "option"
    callback = make_callback(log_dir=option_dir)
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path / "event")))
    assert (option_dir / "r1" / rr.RECORD_FILE).exists()
    assert not (tmp_path / "event").exists()


def test_no_log_dir_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    callback = make_callback()
    callback.v2_runner_on_ok(result(run_event(log_dir=None)))
    callback.v2_runner_on_ok(result(event(phase="code", phase_status="started")))
    callback.v2_runner_on_failed(result({"msg": "boom"}, task="Other"))
    callback.v2_playbook_on_stats(MagicMock())
    assert list(tmp_path.iterdir()) == []
    callback._display.warning.assert_not_called()
    callback._display.display.assert_not_called()


def test_final_status_at_stats(tmp_path):
    callback = make_callback()
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    for host, status in (("app1", "succeeded"), ("app2", "rolled_back")):
        callback.v2_runner_on_ok(result(event(host=host, phase="code", phase_status="started"), host=host))
        callback.v2_runner_on_ok(result(event(host=host, phase="code", phase_status="ok", host_status=status),
                                        host=host))
    assert run_json(str(tmp_path / "r1"))["status"] == "running"
    callback.v2_playbook_on_stats(MagicMock())
    record = run_json(str(tmp_path / "r1"))
    assert record["status"] == "rolled_back"
    assert record["finished_at"] and record["started_at"]
    assert record == rr.fold_events(journal(str(tmp_path / "r1")))  # the journal alone gives the record
    displayed = [c.args[0] for c in callback._display.display.call_args_list]
    assert displayed[1:] == [
        "guarded.deploy: execution log: %s" % os.path.join(str(tmp_path), "r1", rr.MARKDOWN_FILE),
        "guarded.deploy: report: %s" % os.path.join(str(tmp_path), "r1", "report.html"),
        "guarded.deploy: run record: %s" % os.path.join(str(tmp_path), "r1", rr.RECORD_FILE),
        "guarded.deploy: run r1 ROLLED BACK",
    ]
    summary = displayed[0].splitlines()
    assert summary[1].split() == ["|", "host", "|", "status", "|", "version", "|", "duration", "|", "baselines", "|",
                                  "rollback", "|"]
    assert [line.split("|")[1:3] for line in summary[3:5]] == [[" app1 ", " SUCCEEDED   "], [" app2 ", " ROLLED BACK "]]
    assert "<svg" in (tmp_path / "r1" / "report.html").read_text(encoding="utf-8")
    assert (tmp_path / "r1" / "junit.xml").read_text(encoding="utf-8").startswith("<?xml")
    assert not record.get("interrupted")
    assert "**Status: ROLLED BACK**" in (tmp_path / "r1" / rr.MARKDOWN_FILE).read_text(encoding="utf-8")


def test_final_status_of_a_check_mode_run_says_nothing_was_changed(tmp_path):
    callback = make_callback()
    first = run_event(log_dir=tmp_path)
    first[deploy_log.EVENT_KEY]["run"]["check_mode"] = True
    callback.v2_runner_on_ok(result(first))
    callback.v2_runner_on_ok(result(event(phase="code", phase_status="started")))
    callback.v2_runner_on_ok(result(event(phase="code", phase_status="ok", host_status="succeeded")))
    callback.v2_playbook_on_stats(MagicMock())
    displayed = [c.args[0] for c in callback._display.display.call_args_list]
    assert displayed[-1] == "guarded.deploy: run r1 SUCCEEDED (check mode: nothing was changed)"


def test_host_still_running_at_stats_fails(tmp_path):
    callback = make_callback(announce=False)
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    callback.v2_runner_on_ok(result(event(phase="migrate", phase_status="started")))
    callback.v2_playbook_on_stats(MagicMock())
    record = run_json(str(tmp_path / "r1"))
    assert record["status"] == "failed"
    assert record["hosts"]["app1"]["status"] == "failed"
    assert record["errors"][-1]["phase"] == "migrate"
    assert "final status" in record["errors"][-1]["msg"]
    callback._display.display.assert_not_called()


def test_unrelated_failure_becomes_an_error_in_the_current_phase(tmp_path):
    callback = make_callback()
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    callback.v2_runner_on_ok(result(event(phase="migrate", phase_status="started")))
    callback.v2_runner_on_failed(result(
        {"msg": "non-zero return code", "rc": 2, "stderr": "line1\nmigration 0042 failed", "stdout": "",
         "_ansible_no_log": False}, task="Run the migrations"))
    callback.v2_runner_on_failed(result({"msg": "ignored"}, task="Ignored"), ignore_errors=True)
    callback.v2_runner_on_unreachable(result({"msg": "ssh: connect timed out", "unreachable": True},
                                             host="app2", task="Gather facts"))
    errors = run_json(str(tmp_path / "r1"))["errors"]
    assert len(errors) == 2
    assert errors[0]["host"] == "app1" and errors[0]["task"] == "Run the migrations"
    assert errors[0]["phase"] == "migrate"
    assert errors[0]["msg"] == "non-zero return code (rc=2): line1\nmigration 0042 failed"
    assert errors[1] == dict(errors[1], host="app2", task="Gather facts", phase=None,
                             msg="ssh: connect timed out")
    markdown = (tmp_path / "r1" / rr.MARKDOWN_FILE).read_text(encoding="utf-8")
    assert "| app1 | migrate | Run the migrations | non-zero return code (rc=2): line1<br>migration 0042 failed |" \
        in markdown


def test_a_host_that_became_unreachable_is_finished_with_how_to_roll_it_back(tmp_path):
    callback = make_callback(announce=False)
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    for host in ("app1", "app2"):
        callback.v2_runner_on_ok(result(event(host=host, phase="migrate", phase_status="started"), host=host))
    callback.v2_runner_on_unreachable(result({"msg": "Failed to connect to the host via ssh", "unreachable": True},
                                             task="Read the uptime"))
    callback.v2_playbook_on_stats(MagicMock(failures={"app2": 1}, dark={"app1": 1}))
    record = run_json(str(tmp_path / "r1"))
    assert record["status"] == "failed"
    app1 = [e for e in record["errors"] if e["host"] == "app1"]
    assert [e["phase"] for e in app1] == ["migrate", "migrate"]
    assert app1[0]["msg"] == "Failed to connect to the host via ssh"
    assert app1[1]["msg"].startswith("the host became unreachable in phase migrate and left the run")
    assert "playbooks/rollback.yml --limit app1 -e rollback_run_id=r1 -e deploy_force_unlock=true" in app1[1]["msg"]
    app2 = [e for e in record["errors"] if e["host"] == "app2"]
    assert app2[0]["msg"] == "the playbook ended before this host reported a final status"


def test_failed_deploy_event_still_journals_its_event(tmp_path):
    callback = make_callback()
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    data = event(phase="verify", phase_status="failed", host_status="failed")
    data.update(failed=True, msg="failed_when")
    callback.v2_runner_on_failed(result(data))
    record = run_json(str(tmp_path / "r1"))
    assert record["hosts"]["app1"]["status"] == "failed"
    assert record["errors"] == []


def test_events_from_a_loop_are_journaled(tmp_path):
    callback = make_callback()
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    items = [event(phase=name, phase_status="skipped") for name in ("caches", "restart")]
    callback.v2_runner_on_ok(result({"changed": False, "results": items}))
    phases = run_json(str(tmp_path / "r1"))["hosts"]["app1"]["phases"]
    assert [p["name"] for p in phases] == ["caches", "restart"]


def test_secrets_never_written(tmp_path):
    play_vars = {"deploy_db": {"name": "payments", "password": SECRET}, "inventory_hostname": "app1"}
    callback = make_callback(play_vars=play_vars)
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    callback.v2_runner_on_ok(result(event(phase="backup", phase_status="started")))
    # a plain failure whose output carries the password (learnt from the host's variables)
    callback.v2_runner_on_failed(result({"msg": "pg_dump: password %s rejected" % SECRET}, task="Dump"))
    # a URL with credentials, and a no_log task (censored by Ansible before callbacks)
    callback.v2_runner_on_failed(result({"msg": "clone https://u:other-secret@git/x failed"}, task="Clone"))
    censored = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
    callback.v2_runner_on_failed(result({"censored": censored, "changed": False}, task="Secret task"))
    # an event that slipped through with the secret in data and a secret-named key
    callback.v2_runner_on_ok(result(event(data={"note": "pw=%s" % SECRET, "api_token": "tok-123456"})))
    callback.v2_playbook_on_stats(MagicMock())
    text = all_text(tmp_path)
    assert SECRET not in text
    assert "other-secret" not in text
    assert "tok-123456" not in text
    errors = run_json(str(tmp_path / "r1"))["errors"]
    assert errors[0]["msg"] == "pg_dump: password ******** rejected"
    assert errors[1]["msg"] == "clone https://u:********@git/x failed"
    assert errors[2]["msg"] == censored


def test_existing_journal_is_continued(tmp_path):
    first = make_callback()
    first.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    first.v2_runner_on_ok(result(event(phase="preflight", phase_status="started")))
    # a second playbook for the same run (e.g. resumed) appends to the same journal
    second = make_callback()
    second.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    second.v2_runner_on_ok(result(event(phase="preflight", phase_status="ok")))
    record = run_json(str(tmp_path / "r1"))
    assert [p["status"] for p in record["hosts"]["app1"]["phases"]] == ["ok"]
    assert len(journal(str(tmp_path / "r1"))) == 6
    second._display.warning.assert_called_once()


def test_unsafe_run_id_stays_inside_the_log_dir(tmp_path):
    callback = make_callback()
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path / "logs", run_id="../../etc/x")))
    assert os.listdir(str(tmp_path / "logs")) == ["etc_x"]


def test_never_crashes_the_playbook(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    callback = make_callback()
    callback.v2_runner_on_ok(result(run_event(log_dir=blocker)))
    callback.v2_runner_on_ok(result(event(phase="code", phase_status="started")))
    callback.v2_playbook_on_stats(MagicMock())
    assert callback._display.warning.called
    assert "could not record" in callback._display.warning.call_args[0][0]


@pytest.mark.parametrize("data, expected", [
    ({"msg": "plain"}, "plain"),
    ({"stderr": "", "stdout": "a\nb"}, "a\nb"),
    ({"msg": "", "results": [{"failed": True, "msg": "item 1 bad"}, {"failed": False}]}, "item 1 bad"),
    ({"msg": {"nested": 1}}, '{"nested": 1}'),
    ({}, "task failed"),
])
def test_error_message(data, expected):
    assert deploy_log.error_message(data) == expected


def test_reraise_of_a_recorded_failure_is_not_a_new_error(tmp_path):
    callback = make_callback()
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    callback.v2_runner_on_failed(result({"msg": "Baseline check failed: x"}, task="Fail on a violated baseline"))
    reraise = result({"msg": "Phase verify failed at 'Fail on a violated baseline': Baseline check failed: x"},
                     task="Stop the pipeline after phase verify")
    reraise._task.vars = {"guarded_deploy_reraise": True}
    callback.v2_runner_on_failed(reraise)
    errors = run_json(str(tmp_path / "r1"))["errors"]
    assert [e["task"] for e in errors] == ["Fail on a violated baseline"]


def test_an_interrupted_run_is_finished_at_exit(tmp_path):
    """What atexit does after SIGINT (KeyboardInterrupt) or SIGTERM (SystemExit): the hosts
    still running are failed with the reason, and every file is rendered."""
    callback = make_callback()
    callback.v2_runner_on_ok(result(run_event(log_dir=tmp_path)))
    callback.v2_runner_on_ok(result(event(phase="code", phase_status="started")))
    callback._at_exit()
    record = run_json(str(tmp_path / "r1"))
    assert record["status"] == "failed" and record["interrupted"] is True and record["finished_at"]
    assert record["hosts"]["app1"]["status"] == "failed"
    assert record["errors"][-1]["msg"] == "the run was interrupted" and record["errors"][-1]["phase"] == "code"
    for name in ("report.html", "junit.xml", rr.MARKDOWN_FILE):
        assert (tmp_path / "r1" / name).exists()
    assert "| Interrupted | yes" in (tmp_path / "r1" / rr.MARKDOWN_FILE).read_text(encoding="utf-8")
    events = len(journal(str(tmp_path / "r1")))
    callback._at_exit()  # once only
    callback.v2_playbook_on_stats(MagicMock())
    assert len(journal(str(tmp_path / "r1"))) == events
    assert run_json(str(tmp_path / "r1")) == record


def test_a_run_without_a_record_writes_nothing_at_exit(tmp_path):
    callback = make_callback()
    callback._at_exit()
    assert list(tmp_path.iterdir()) == []


def test_phase_banners_show_start_and_end_with_duration(tmp_path):
    callback = make_callback(log_dir=tmp_path, announce=False, phase_banners=True)
    callback.v2_runner_on_ok(result(run_event()))
    callback.v2_runner_on_ok(result(event(phase="backup", phase_status="started")))
    callback.v2_runner_on_ok(result(event(phase="backup", phase_status="ok")))
    callback.v2_runner_on_ok(result(event(host="app2", phase="baseline", phase_status="skipped")))
    lines = [c.args[0] for c in callback._display.display.call_args_list]
    assert lines[0] == "=== guarded.deploy | app1 | phase 3/11 backup | started"
    assert lines[1].startswith("=== guarded.deploy | app1 | backup ok in ")
    assert lines[1].endswith(" s")
    assert lines[2] == "=== guarded.deploy | app2 | baseline skipped"
    assert len(lines) == 3  # the run event has no phase: no banner


def test_phase_banners_can_be_turned_off(tmp_path):
    callback = make_callback(log_dir=tmp_path, announce=False, phase_banners=False)
    callback.v2_runner_on_ok(result(run_event()))
    callback.v2_runner_on_ok(result(event(phase="backup", phase_status="started")))
    callback._display.display.assert_not_called()


def _finished_run(log_dir, run_id, links=None, check_mode=False):
    callback = make_callback(log_dir=log_dir, announce=False)
    run = run_event(run_id=run_id)
    run[deploy_log.EVENT_KEY]["run"]["check_mode"] = check_mode
    if links:
        run[deploy_log.EVENT_KEY]["run"]["links"] = links
    callback.v2_runner_on_ok(result(run))
    callback.v2_runner_on_ok(result(event(host_status="rolled_back" if links else "succeeded")))
    callback.v2_playbook_on_stats(MagicMock(failures={}, dark={}))
    return os.path.join(str(log_dir), run_id)


def test_a_rollback_run_links_back_into_the_run_it_rolled_back(tmp_path):
    deploy_dir = _finished_run(tmp_path, "20261121T020000Z-deploy")
    before = journal(deploy_dir)
    _finished_run(tmp_path, "20261121T030000Z-rollback", links={"rolls_back": "20261121T020000Z-deploy"})
    after = journal(deploy_dir)
    assert after[:len(before)] == before  # appended, never rewritten
    assert after[-1]["run"] == {"links": {"rolled_back_by": "20261121T030000Z-rollback"}}
    assert run_json(deploy_dir)["links"]["rolled_back_by"] == "20261121T030000Z-rollback"
    with open(os.path.join(deploy_dir, rr.MARKDOWN_FILE), encoding="utf-8") as handle:
        assert "20261121T030000Z-rollback" in handle.read()
    with open(os.path.join(deploy_dir, "report.html"), encoding="utf-8") as handle:
        assert "20261121T030000Z-rollback" in handle.read()


def test_no_back_link_from_a_check_mode_rollback_or_to_an_unknown_run(tmp_path):
    deploy_dir = _finished_run(tmp_path, "20261121T020000Z-deploy")
    before = journal(deploy_dir)
    _finished_run(tmp_path, "20261121T030000Z-check", links={"rolls_back": "20261121T020000Z-deploy"},
                  check_mode=True)
    _finished_run(tmp_path, "20261121T040000Z-other", links={"rolls_back": "20261121T010000Z-elsewhere"})
    assert journal(deploy_dir) == before
    assert not os.path.exists(os.path.join(str(tmp_path), "20261121T010000Z-elsewhere"))
