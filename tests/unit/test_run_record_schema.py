# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/run-record.schema.json describes what run_record.fold_events produces."""

from __future__ import annotations

import copy
import json
import os

import jsonschema
import pytest

from ansible_collections.guarded.deploy.plugins.module_utils import run_record as rr

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(REPO, "docs", "run-record.schema.json"), encoding="utf-8") as _handle:
    SCHEMA = json.load(_handle)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def full_record():
    def ev(at, host="app1", **fields):
        event = {"at": "2026-11-21T02:00:%02d.000001Z" % at, "host": host}
        event.update(fields)
        return event
    return rr.fold_events([
        ev(0, host=None, run={"playbook": "deploy.yml", "controller": "ctl", "ansible_core": "2.19.14",
                              "collection_version": "0.1.0", "limit": None}),
        ev(0, host=None, run={"run_id": "20261121T020000Z-ab12cd3", "app": "shop", "deploy_version": "v2",
                              "operator": "alice", "check_mode": False, "stack": "django", "approver": "CAB-1",
                              "signoff": {"devops": "Dana"}, "links": {}}),
        ev(1, phase="preflight", phase_status="started"),
        ev(2, phase="preflight", phase_status="ok"),
        ev(3, data={
            "commit_before": "a" * 40,
            "backup": {
                "path": "/b/db.dump", "format": "custom", "bytes": 10, "sha256": "f" * 64, "verified": True,
                "verification": "toc", "verification_s": 0.2, "verified_tables": None, "changed_during_dump": [],
                "pruned": [], "files": [{"path": "db.dump", "bytes": 10, "sha256": "f" * 64}],
                "offsite": {"to": "controller", "host": "controller", "path": "/o", "files": 2, "bytes": 20,
                            "verified": True, "seconds": 0.1}},
            "baselines": [{"name": "rows", "rule": "not_decrease", "before": 2, "after": 1, "ok": False,
                           "severity": "fail", "message": "rows decreased"}],
            "migrations": ["payments.0002"], "health": {"status": 200},
            "smoke": [{"name": "home", "ok": True}]}),
        ev(4, phase="migrate", phase_status="started"),
        ev(5, error={"task": "Migrate", "msg": "boom"}),
        ev(6, phase="migrate", phase_status="failed"),
        ev(7, data={"rollback": {"performed": True, "db_restored": True, "reason": "boom"}}, host_status="rolled_back"),
        ev(8, host=None, run={"finished_at": "2026-11-21T02:00:08Z", "status": "rolled_back"}),
    ])


def test_an_empty_record_is_valid():
    VALIDATOR.validate(rr.new_record())


def test_a_full_record_is_valid_and_round_trips_through_json():
    record = json.loads(rr.render_json(full_record()))
    VALIDATOR.validate(record)
    assert record["schema_version"] == SCHEMA["properties"]["schema_version"]["const"] == rr.SCHEMA_VERSION


@pytest.mark.parametrize("path, value", [
    (("status",), "done"),
    (("hosts", "app1", "phases", 0, "name"), "deploy"),
    (("hosts", "app1", "backup", "sha256"), "not-a-digest"),
    (("hosts", "app1", "rollback", "performed"), "yes"),
    (("errors", 0, "msg"), 42),
    (("started_at",), "yesterday"),
])
def test_a_record_that_breaks_the_schema_is_rejected(path, value):
    record = json.loads(rr.render_json(full_record()))
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(copy.deepcopy(record))


def test_the_schema_lists_the_phases_and_statuses_of_pipeline_py():
    from ansible_collections.guarded.deploy.plugins.module_utils.pipeline import HOST_STATUSES, PHASE_STATUSES, PHASES
    host = SCHEMA["$defs"]["host"]["properties"]
    assert tuple(host["phases"]["items"]["properties"]["name"]["enum"]) == PHASES
    assert tuple(host["phases"]["items"]["properties"]["status"]["enum"]) == PHASE_STATUSES
    assert tuple(host["status"]["enum"]) == HOST_STATUSES == tuple(SCHEMA["properties"]["status"]["enum"])
