# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""execution-log.md of a run whose app hosts share one database (issue 6: rolling deploys).

The events are the ones roles/pipeline writes for a fleet: start_run.yml's ``fleet``
data, the ``skipped`` once-per-database phases of the hosts that are not the database
host, backup's ``dumped_on``, and gate.yml's "Stopped <gate>: <host> failed (<msg>); the
hosts sharing database <key> move together" errors.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.guarded.deploy.plugins.module_utils import run_record as rr
from ansible_collections.guarded.deploy.plugins.module_utils.run_report import render_html

HOSTS = ["app1", "app2", "app3"]
KEY = "db.internal:5432/ledger"
BEFORE, AFTER = "a" * 40, "b" * 40


def at(second):
    return "2026-11-21T02:%02d:%02d.000000+00:00" % divmod(second, 60)


def ev(second, host, **fields):
    event = {"at": at(second), "host": host}
    event.update(fields)
    return event


def gate_msg(gate, failed="app2", msg="Phase restart failed at 'Wait for the health URL': Status code was 502",
             others=""):
    return "Stopped %s: %s failed (%s)%s; the hosts sharing database %s move together" % (
        gate, failed, msg, ", and " + others if others else "", KEY)


def fleet_events(fail_batch=2, db_host="app1"):
    """A v3 deploy of three hosts sharing a database; the host of restart batch
    ``fail_batch`` fails its health check (None: every host succeeds)."""
    events = [ev(0, None, run={"run_id": "20261121T020000Z-ab12cd3", "app": "ledger", "deploy_version": "v3"})]
    for index, host in enumerate(HOSTS):
        events.append(ev(1, host, data={"fleet": {"db_host": db_host, "hosts": HOSTS,
                                                  "batch": index + 1, "batches": 3}}))
    second = 2
    for phase in ("preflight", "baseline", "backup", "maintenance_on", "code", "migrate", "caches"):
        for host in HOSTS:
            events.append(ev(second, host, phase=phase, phase_status="started"))
        second += 1
        for host in HOSTS:
            here = host == db_host
            status = "ok"
            if phase in ("baseline", "verify") and not here:
                status = "skipped"
            if phase == "maintenance_on":
                status = "skipped"
            events.append(ev(second, host, phase=phase, phase_status=status))
            if phase == "backup":
                backup = {"dumped_on": db_host, "files": [{"path": "code.tar.gz", "bytes": 1000, "sha256": "c" * 64}]}
                for key, value in (("path", "/var/backups/ledger/r/db.dump"), ("format", "custom"), ("bytes", 2048),
                                   ("sha256", "d" * 64), ("verified", True), ("verification", "toc")):
                    backup[key] = value if here else None
                if here:
                    backup["files"].insert(0, {"path": "db.dump", "bytes": 2048, "sha256": "d" * 64})
                events.append(ev(second, host, data={"backup": backup}))
            if phase == "code":
                events.append(ev(second, host, data={"commit_before": BEFORE, "commit_after": AFTER}))
        second += 1
    for index, host in enumerate(HOSTS):
        if fail_batch is not None and index + 1 > fail_batch:
            break
        events.append(ev(second, host, phase="restart", phase_status="started"))
        second += 1
        if fail_batch == index + 1:
            events.append(ev(second, host, error={"task": "Wait for the health URL", "msg": "Status code was 502"}))
            events.append(ev(second, host, phase="restart", phase_status="failed"))
        else:
            events.append(ev(second, host, phase="restart", phase_status="ok"))
        second += 1
    if fail_batch is None:
        for host in HOSTS:
            events.append(ev(second, host, phase="verify", phase_status="started"))
            events.append(ev(second + 1, host, phase="verify", phase_status="ok" if host == db_host else "skipped"))
            events.append(ev(second + 1, host, host_status="succeeded"))
        return events
    failed = HOSTS[fail_batch - 1]
    for index, host in enumerate(HOSTS):
        if host == failed:
            continue
        gate = "after the restarts" if index + 1 < fail_batch else "before restart batch %d" % (index + 1)
        events.append(ev(second, host, error={"task": "Stop this host (%s)" % gate, "phase": None,
                                              "msg": gate_msg(gate, failed=failed)}))
    second += 1
    for host in HOSTS:
        here = host == db_host
        events.append(ev(second, host, phase="rollback", phase_status="started"))
        events.append(ev(second + 5, host, phase="rollback", phase_status="ok", host_status="rolled_back", data={
            "commit_after": BEFORE,
            "rollback": {"performed": True, "db_restored": here, "db_strategy": "restore" if here else None,
                         "reason": "deploy failed", "to_commit": BEFORE}}))
    return events


def markdown(events):
    return rr.render_markdown(rr.fold_events(events))


def section(text, start, end):
    return text[text.index(start):text.index(end, text.index(start))]


def host_section(text, host):
    start = text.index("## Host `%s`" % host)
    following = [text.index(h, start + 1) for h in ("## Host `", "## Errors") if h in text[start + 1:]]
    return text[start:min(following)]


# -- the Hosts overview ------------------------------------------------------------


def test_a_fleet_run_starts_with_a_hosts_table_of_each_outcome():
    text = markdown(fleet_events(fail_batch=2))
    hosts = section(text, "## Hosts\n", "## Host `app1`")
    assert text.index("## Summary") < text.index("## Hosts\n") < text.index("## Host `app1`")
    assert ("| Host | Status | Restart batch | Commit before \u2192 after | Rolled back | Database phases |"
            in hosts)
    assert "| app1 | ROLLED BACK | 1 of 3 | `aaaaaaa` \u2192 `aaaaaaa` | yes, database restored | here |" in hosts
    assert "| app2 | ROLLED BACK | 2 of 3 | `aaaaaaa` \u2192 `aaaaaaa` | yes | on `app1` |" in hosts
    assert "| app3 | ROLLED BACK | 3 of 3 | `aaaaaaa` \u2192 `aaaaaaa` | yes | on `app1` |" in hosts
    assert "`app1`, `app2`, `app3` share one database" in hosts
    assert "run once, on `app1`; the hosts restart in 3 batches" in hosts


def test_a_succeeded_fleet_shows_the_new_commit_and_no_rollback():
    hosts = section(markdown(fleet_events(fail_batch=None)), "## Hosts\n", "## Host `app1`")
    assert "| app2 | SUCCEEDED | 2 of 3 | `aaaaaaa` \u2192 `bbbbbbb` | no | on `app1` |" in hosts


def test_the_database_host_is_the_one_recorded_not_the_first():
    text = markdown(fleet_events(fail_batch=None, db_host="app3"))
    hosts = section(text, "## Hosts\n", "## Host `app1`")
    assert "| app1 | SUCCEEDED | 1 of 3 | `aaaaaaa` \u2192 `bbbbbbb` | no | on `app3` |" in hosts
    assert "| app3 | SUCCEEDED | 3 of 3 | `aaaaaaa` \u2192 `bbbbbbb` | no | here |" in hosts
    assert "| baseline | skipped (runs once per database, on `app3`) |" in host_section(text, "app1")
    assert "| baseline | ok |" in host_section(text, "app3")


def test_several_hosts_with_their_own_databases_get_the_table_without_batches():
    events = [ev(1, host, phase="preflight", phase_status="ok", host_status="succeeded") for host in ("web1", "web2")]
    hosts = section(markdown(events), "## Hosts\n", "## Host `web1`")
    assert "| web1 | SUCCEEDED | \u2014 | \u2014 \u2192 \u2014 | no | here |" in hosts
    assert "share one database" not in hosts


# -- per host ------------------------------------------------------------------------


def test_each_host_says_where_the_database_phases_ran_and_its_batch():
    text = markdown(fleet_events(fail_batch=2))
    app1, app2 = host_section(text, "app1"), host_section(text, "app2")
    assert "| Database phases | run here, once for the hosts sharing the database: `app1`, `app2`, `app3` |" in app1
    assert "| Database phases | run on `app1`, once for the hosts sharing the database: `app1`, `app2`, `app3` |" in app2
    assert "| Restart batch | 2 of 3 |" in app2


@pytest.mark.parametrize("host, phase, status", [
    ("app2", "baseline", "skipped (runs once per database, on `app1`)"),
    ("app3", "verify", "skipped (runs once per database, on `app1`)"),
    ("app2", "backup", "ok (code archive; the database dump is on `app1`)"),
    ("app2", "migrate", "ok (the migrations run once per database, on `app1`)"),
    ("app2", "maintenance_on", "skipped (hosts sharing a database restart in batches, no maintenance window)"),
    ("app1", "maintenance_on", "skipped (hosts sharing a database restart in batches, no maintenance window)"),
    ("app1", "baseline", "ok"),
    ("app1", "verify", "ok"),
    ("app1", "migrate", "ok"),
    ("app1", "backup", "ok"),
    ("app2", "code", "ok"),
])
def test_phases_say_where_the_once_per_database_work_ran(host, phase, status):
    phases = section(host_section(markdown(fleet_events(fail_batch=None)), host), "### Phases", "### Baselines")
    assert "| %s | %s | " % (phase, status) in phases


def test_a_failed_phase_keeps_its_plain_status():
    phases = section(host_section(markdown(fleet_events(fail_batch=2)), "app2"), "### Phases", "### Baselines")
    assert "| restart | failed | " in phases


def test_the_backup_of_a_host_without_the_dump_names_the_host_that_has_it():
    text = markdown(fleet_events(fail_batch=None))
    app2 = section(host_section(text, "app2"), "### Backup", "### Migrations")
    assert "The database dump of this run is on `app1`" in app2
    assert "| Path | \u2014 |" in app2 and "| SHA-256 | \u2014 |" in app2
    assert "- `code.tar.gz`" in app2 and "db.dump" not in app2
    app1 = section(host_section(text, "app1"), "### Backup", "### Migrations")
    assert "The database dump of this run is on" not in app1
    assert "| Path | `/var/backups/ledger/r/db.dump` |" in app1


def test_the_rollback_of_a_host_without_the_database_says_where_it_was_restored():
    text = markdown(fleet_events(fail_batch=2))
    assert ("| Database action | none on this host (the database is rolled back once, on `app1`) |"
            in host_section(text, "app3"))
    assert "| Database action | restore |" in host_section(text, "app1")


# -- errors ----------------------------------------------------------------------------


def test_hosts_stopped_by_a_gate_are_listed_apart_from_the_failure():
    errors = markdown(fleet_events(fail_batch=2))
    errors = errors[errors.index("## Errors"):errors.index("## Sign-off")]
    table, stopped = errors.split("Stopped because another host sharing their database failed")
    assert "| app2 | restart | Wait for the health URL | Status code was 502 |" in table
    assert "app1" not in table and "app3" not in table
    assert "| app1 | after the restarts | `app2` failed | `%s` |" % KEY in stopped
    assert "| app3 | before restart batch 3 | `app2` failed | `%s` |" % KEY in stopped
    assert "move together" in stopped


def test_a_stop_whose_cause_has_no_error_of_its_own_quotes_it():
    events = [ev(1, "app2", error={"task": "Stop this host (after preflight, before any change)", "phase": None,
                                   "msg": gate_msg("after preflight, before any change", failed="app1",
                                                   msg="it left the play: unreachable or failed", others="app3")})]
    errors = markdown(events)
    errors = errors[errors.index("## Errors"):errors.index("## Sign-off")]
    assert "No errors." not in errors
    assert ("| app2 | after preflight, before any change | `app1` failed (it left the play: unreachable or failed)"
            ", and `app3` | `%s` |" % KEY) in errors


def test_a_run_without_errors_still_says_so():
    errors = markdown(fleet_events(fail_batch=None))
    assert "## Errors\n\nNo errors.\n" in errors
    assert "Stopped because" not in errors


@pytest.mark.parametrize("msg, expected", [
    (gate_msg("after the restarts"),
     {"gate": "after the restarts", "host": "app2", "db": KEY, "others": [],
      "msg": "Phase restart failed at 'Wait for the health URL': Status code was 502"}),
    (gate_msg("before restart batch 2", msg="Phase code failed at 'Check out (git)': fatal (rc=128)", others="app3, app4"),
     {"gate": "before restart batch 2", "host": "app2", "db": KEY, "others": ["app3", "app4"],
      "msg": "Phase code failed at 'Check out (git)': fatal (rc=128)"}),
    # the rollback reason of a stopped host: the same text without "Stopped <gate>: "
    ("app2 failed (boom); the hosts sharing database app1:5432/shop move together",
     {"gate": None, "host": "app2", "db": "app1:5432/shop", "others": [], "msg": "boom"}),
])
def test_fleet_stop_parses_the_gate_messages(msg, expected):
    assert rr.fleet_stop(msg) == expected


@pytest.mark.parametrize("msg", [
    None, 42, "", "Status code was 502", "Phase restart failed at 'X': app2 failed (boom)",
    "Stopped after the restarts: app2 failed (boom); the hosts sharing database K keep going",
])
def test_other_messages_are_not_fleet_stops(msg):
    assert rr.fleet_stop(msg) is None


def test_an_ordinary_error_stays_in_the_errors_table():
    errors = markdown([ev(1, "app1", error={"task": "Migrate", "msg": "app2 failed (boom)", "phase": "migrate"})])
    assert "| app1 | migrate | Migrate | app2 failed (boom) |" in errors
    assert "Stopped because" not in errors


# -- robustness and the single-host record -----------------------------------------------


@pytest.mark.parametrize("fleet", [
    {}, None, "app1", {"db_host": "app1"}, {"hosts": HOSTS}, {"db_host": "app1", "hosts": "app1,app2"},
    {"db_host": None, "hosts": HOSTS, "batch": None, "batches": None}, {"batch": 2},
])
def test_partial_fleet_data_renders(fleet):
    events = fleet_events(fail_batch=2)
    events.append(ev(200, "app2", data={"fleet": None}))
    events.append(ev(201, "app2", data={"fleet": fleet}))
    text = markdown(events)
    assert "## Host `app2`" in text and "## Sign-off" in text


def test_dumped_on_without_fleet_data_still_names_the_dump_host():
    events = [ev(1, "web1", data={"backup": {"dumped_on": "web2", "files": ["code.tar.gz"]}}),
              ev(1, "web2", data={"backup": {"dumped_on": "web2", "path": "/b/db.dump"}})]
    text = markdown(events)
    assert "The database dump of this run is on `web2`" in host_section(text, "web1")
    assert "| web1 | RUNNING | \u2014 | \u2014 \u2192 \u2014 | no | on `web2` |" in text


def single_host_events():
    return [
        ev(0, None, run={"run_id": "r1", "app": "ledger"}),
        ev(1, "app1", phase="baseline", phase_status="started"),
        ev(2, "app1", phase="baseline", phase_status="ok"),
        ev(3, "app1", data={"backup": {"path": "/b/db.dump", "bytes": 10, "sha256": "f" * 64, "verified": True,
                                       "files": ["db.dump", "code.tar.gz"]}}),
        ev(4, "app1", phase="maintenance_on", phase_status="skipped"),
        ev(5, "app1", data={"rollback": {"performed": True, "db_restored": False, "reason": "x"}},
           host_status="rolled_back", error={"task": "Migrate", "msg": "boom", "phase": "migrate"}),
    ]


def test_a_single_host_record_is_unchanged_by_its_own_dumped_on():
    plain = markdown(single_host_events())
    events = single_host_events()
    events.append(ev(6, "app1", data={"backup": {"dumped_on": "app1"}}))
    assert markdown(events) == plain
    for absent in ("## Hosts", "Database phases", "Restart batch", "The database dump of this run is on",
                   "runs once per database", "Stopped because", "none on this host"):
        assert absent not in plain
    assert "| maintenance_on | skipped |" in plain
    assert "| Database action | none |" in plain


def test_the_fleet_renders_into_report_html():
    page = render_html(rr.fold_events(fleet_events(fail_batch=2)))
    assert "<h2>Hosts</h2>" in page
    assert "<td>on <code>app1</code></td>" in page
    assert "skipped (runs once per database, on <code>app1</code>)" in page


def test_rendering_does_not_change_the_record():
    record = rr.fold_events(fleet_events(fail_batch=2))
    before = copy.deepcopy(record)
    rr.render_markdown(record)
    assert record == before
