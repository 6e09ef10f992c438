# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the guarded.deploy.deploy_event action plugin."""

from __future__ import annotations

import os
from unittest.mock import MagicMock

import pytest
import yaml

from ansible.errors import AnsibleActionFail

from ansible_collections.guarded.deploy.plugins.action import deploy_event as action_mod
from ansible_collections.guarded.deploy.plugins.module_utils.pipeline import (
    HOST_STATUSES,
    PHASES,
    PHASE_STATUSES,
)
from ansible_collections.guarded.deploy.plugins.module_utils.run_record import MASK, parse_time
from ansible_collections.guarded.deploy.plugins.modules import deploy_event as doc_mod

SECRET = "s3cret-pw"


def make_action(args, check_mode=False):
    task = MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    task.action = "guarded.deploy.deploy_event"
    templar = MagicMock()
    templar.template.side_effect = lambda value: value
    action = action_mod.ActionModule(
        task=task, connection=MagicMock(), play_context=MagicMock(), loader=MagicMock(),
        templar=templar, shared_loader_obj=None)
    return action


def task_vars(**extra):
    variables = {"inventory_hostname": "app1", "deploy_db": {"name": "payments", "password": SECRET}}
    variables.update(extra)
    return variables


def run(args, check_mode=False, **extra):
    return make_action(args, check_mode=check_mode).run(task_vars=task_vars(**extra))


def test_plugin_is_controller_side_and_cheap():
    cls = action_mod.ActionModule
    assert cls._requires_connection is False
    assert cls._supports_check_mode is True
    assert cls.TRANSFERS_FILES is False


def test_phase_event_shape():
    result = run({"phase": "backup", "status": "ok", "data": {"backup": {"bytes": 10}}})
    assert result["changed"] is False
    event = result["guarded_deploy_event"]
    assert set(event) == {"at", "host", "phase", "phase_status", "data"}
    assert event["host"] == "app1"
    assert event["phase"] == "backup" and event["phase_status"] == "ok"
    assert event["data"] == {"backup": {"bytes": 10}}
    at = parse_time(event["at"])
    assert at is not None and at.utcoffset().total_seconds() == 0
    assert "." in event["at"]  # microseconds


def test_host_status_and_error_event():
    event = run({"host_status": "rolled_back",
                 "error": {"task": "Migrate", "msg": "boom", "extra": 1}})["guarded_deploy_event"]
    assert event["host_status"] == "rolled_back"
    assert event["error"] == {"task": "Migrate", "msg": "boom", "phase": None}
    event = run({"phase": "migrate", "status": "failed", "error": {"task": "t", "msg": "m"}})["guarded_deploy_event"]
    assert event["error"]["phase"] == "migrate"


def test_unknown_phase_fails_listing_the_phases():
    with pytest.raises(AnsibleActionFail) as info:
        run({"phase": "deploy", "status": "ok"})
    message = str(info.value)
    assert "deploy" in message
    for phase in PHASES:
        assert phase in message


@pytest.mark.parametrize("args, needle", [
    ({}, "one of the following is required"),
    ({"phase": "backup"}, "parameters are required together"),
    ({"status": "ok"}, "parameters are required together"),
    ({"phase": "backup", "status": "done"}, "started, ok, failed, skipped"),
    ({"host_status": "done"}, "running, succeeded, failed, rolled_back"),
    ({"data": "not a dict"}, "dict"),
    ({"phase": "backup", "status": "ok", "bogus": 1}, "bogus"),
])
def test_invalid_arguments_fail(args, needle):
    with pytest.raises(AnsibleActionFail) as info:
        run(args)
    assert needle in str(info.value)


def test_password_scrubbed_from_data_and_error():
    result = run({
        "phase": "migrate", "status": "failed",
        "data": {"note": "connect with %s" % SECRET, "dsn": "postgresql://app:other-pw@db/x",
                 "nested": [{"password": "literal"}]},
        "error": {"task": "Migrate", "msg": "FATAL: password %s rejected" % SECRET},
    }, smtp_password="smtp-pass", ansible_become_pass="become-pass")
    event = result["guarded_deploy_event"]
    text = repr(event)
    assert SECRET not in text and "other-pw" not in text and "literal" not in text
    assert event["data"]["note"] == "connect with %s" % MASK
    assert event["data"]["dsn"] == "postgresql://app:%s@db/x" % MASK
    assert event["error"]["msg"] == "FATAL: password %s rejected" % MASK
    event = run({"data": {"a": "smtp-pass", "b": "become-pass"}},
                smtp_password="smtp-pass", ansible_become_pass="become-pass")["guarded_deploy_event"]
    assert event["data"] == {"a": MASK, "b": MASK}


def test_run_event_defaults_and_absolute_log_dir(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GUARDED_DEPLOY_OPERATOR", "alice")
    event = run({"run": {"run_id": "r1", "log_dir": "./deploy-logs"}})["guarded_deploy_event"]
    assert event["run"] == {"run_id": "r1", "log_dir": os.path.join(str(tmp_path), "deploy-logs"),
                            "check_mode": False, "operator": "alice"}
    assert os.path.isabs(event["run"]["log_dir"])


def test_run_event_check_mode_and_operator_fallback(monkeypatch):
    monkeypatch.delenv("GUARDED_DEPLOY_OPERATOR", raising=False)
    monkeypatch.setattr(action_mod.getpass, "getuser", lambda: "deployer")
    event = run({"run": {"run_id": "r1"}}, check_mode=True)["guarded_deploy_event"]
    assert event["run"]["check_mode"] is True
    assert event["run"]["operator"] == "deployer"
    assert "log_dir" not in event["run"]
    event = run({"run": {"run_id": "r1"}}, ansible_check_mode=True)["guarded_deploy_event"]
    assert event["run"]["check_mode"] is True
    event = run({"run": {"run_id": "r1", "operator": "bob", "check_mode": False}})["guarded_deploy_event"]
    assert event["run"]["operator"] == "bob" and event["run"]["check_mode"] is False


def test_documentation_matches_the_pipeline_vocabulary():
    options = yaml.safe_load(doc_mod.DOCUMENTATION)["options"]
    assert set(options) == set(action_mod.ARGUMENT_SPEC)
    assert options["phase"]["choices"] == list(PHASES)
    assert options["status"]["choices"] == list(PHASE_STATUSES)
    assert options["host_status"]["choices"] == list(HOST_STATUSES)
    for name, spec in action_mod.ARGUMENT_SPEC.items():
        assert options[name]["type"] == spec["type"]
