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


def fleet_record():
    """Three app hosts sharing one database (issue 6): app1 ran the database phases, app2
    failed in restart batch 2, app1 and app3 were stopped by the gates and rolled back."""
    hosts = ["app1", "app2", "app3"]

    def ev(at, host="app1", **fields):
        event = {"at": "2026-11-21T02:00:%02d.000001Z" % at, "host": host}
        event.update(fields)
        return event
    events = [ev(0, host=None, run={"run_id": "20261121T020000Z-ab12cd3", "app": "shop", "deploy_version": "v3"})]
    for index, host in enumerate(hosts):
        here = host == "app1"
        events += [
            ev(1, host, data={"fleet": {"db_host": "app1", "hosts": hosts, "batch": index + 1, "batches": 3}}),
            ev(2, host, phase="baseline", phase_status="started"),
            ev(3, host, phase="baseline", phase_status="ok" if here else "skipped"),
            ev(4, host, data={"backup": {
                "path": "/b/db.dump" if here else None, "format": "custom" if here else None,
                "bytes": 10 if here else None, "sha256": "f" * 64 if here else None,
                "verified": True if here else None, "verification": "toc" if here else None,
                "dumped_on": "app1",
                "files": ([{"path": "db.dump", "bytes": 10, "sha256": "f" * 64}] if here else [])
                + [{"path": "code.tar.gz", "bytes": 5, "sha256": "e" * 64}]}}),
            ev(5, host, phase="maintenance_on", phase_status="skipped"),
        ]
    events += [
        ev(6, "app2", phase="restart", phase_status="started"),
        ev(7, "app2", error={"task": "Wait for the health URL", "msg": "Status code was 502"}),
        ev(7, "app2", phase="restart", phase_status="failed"),
        ev(8, "app3", error={"task": "Stop this host (before restart batch 3)", "phase": None, "msg": (
            "Stopped before restart batch 3: app2 failed (Status code was 502); "
            "the hosts sharing database db:5432/shop move together")}),
    ]
    for host in hosts:
        events.append(ev(9, host, host_status="rolled_back", data={"rollback": {
            "performed": True, "db_restored": host == "app1", "reason": "app2 failed"}}))
    return rr.fold_events(events)


def test_a_fleet_record_is_valid():
    record = json.loads(rr.render_json(fleet_record()))
    VALIDATOR.validate(record)
    assert record["hosts"]["app3"]["fleet"] == {"db_host": "app1", "hosts": ["app1", "app2", "app3"],
                                                "batch": 3, "batches": 3}
    assert record["hosts"]["app2"]["backup"]["dumped_on"] == "app1"
    assert record["hosts"]["app2"]["backup"]["sha256"] is None


@pytest.mark.parametrize("path, value", [
    (("hosts", "app1", "fleet", "db_host"), None),
    (("hosts", "app1", "fleet", "hosts"), "app1,app2"),
    (("hosts", "app1", "fleet", "hosts"), ["app1"]),
    (("hosts", "app1", "fleet", "batch"), "2"),
    (("hosts", "app1", "fleet", "batch"), 0),
    (("hosts", "app1", "fleet", "batches"), None),
    (("hosts", "app1", "backup", "dumped_on"), 1),
])
def test_a_fleet_record_that_breaks_the_schema_is_rejected(path, value):
    record = json.loads(rr.render_json(fleet_record()))
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(record)


def test_a_fleet_without_its_batches_is_rejected():
    record = json.loads(rr.render_json(fleet_record()))
    del record["hosts"]["app2"]["fleet"]["batches"]
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(record)
