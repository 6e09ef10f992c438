# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run record: the one place its schema lives.

A deploy run is recorded as an append-only journal of *events* (``events.jsonl``, one
JSON object per line, written by the ``guarded.deploy.deploy_log`` callback).  The
record (``run.json``) and the execution log (``execution-log.md``) are *derived* from the
journal: ``fold_events(events)`` folds every event, in order, with :func:`apply_event`
into :func:`new_record`, and :func:`render_json` / :func:`render_markdown` render the
result.  Because folding is pure, a run that was interrupted can be rendered again from
its journal alone.

Events are produced by the ``guarded.deploy.deploy_event`` action (and, for task
failures and the end of the run, by the callback).  An event is a dict with

``at``
    UTC ISO-8601 timestamp with microseconds (:func:`utc_now`).
``host``
    inventory hostname, or None for a run-level event.

and any of these fields (applied in this order when several are present):

``run``  (dict)
    run-level fields deep-merged into the record (``run_id``, ``app``,
    ``deploy_version``, ``operator``, ``check_mode``, ``started_at``, ``log_dir``,
    ``inventory``, ``links: {rolls_back: <run_id>}``, ``signoff: {role: name}`` ...).
    A record is one run: once ``run_id`` is set, a different ``run_id`` is ignored.
``phase`` + ``phase_status``
    ``started`` opens a phase entry on the host; ``ok``/``failed``/``skipped`` closes the
    last open entry of that phase (``duration_s`` in seconds, 0.01 s resolution), or adds
    a closed entry with duration 0 when none is open.
``data`` (dict)
    deep-merged into the host record (dicts merge recursively; lists and scalars
    replace).
``host_status``
    one of ``HOST_STATUSES``: sets the host's ``status``.
``error`` (dict ``{task, msg, phase}``)
    appended to the record's ``errors`` with ``host`` and ``at``; a missing ``phase``
    is the host's currently open phase.

Host-record shapes the roles fill through ``data`` (the renderer reads these keys)::

    commit_before / commit_after / deploy_version: str
    backup:     {path, format, bytes, sha256, verified, verification, verification_s,
                 verified_tables, changed_during_dump: [str], pruned: [run_id],
                 partial_removed: [run_id], kept_dropped: [database],
                 files: [str or {path, bytes, sha256}],
                 offsite: {to, host, path, files, bytes, verified, seconds} or None,
                 dumped_on: str}                 # the host holding the run's pg_dump; on
                                                 # the other hosts of a fleet the dump
                                                 # fields are None, files only code.tar.gz
    fleet:      {db_host, hosts: [str], batch, batches}  # several hosts share the database:
                                                 # db_host ran its phases; restart batch N of M
    baselines:  [{name, rule, severity, before, after, ok, message,    # baseline_rules.compare
                  added, removed, added_count, removed_count,        # set rules only
                  description}]                                      # the spec's, if any
    migrations: [str or {name, ...}]             # migrations applied, in order
    health:     {key: value}                     # e.g. url, status, ok, elapsed_s
    smoke:      [{name, url, status, contains, actual_status, ok, msg}]
    rollback:   {performed, run_id, db_restored, db_strategy (restore/downgrade/None),
                 db_strategy_note, reason, to_commit, restore_strategy, kept_database,
                 alembic: {from, to, steps}, baselines}
    alembic:    {before, after, heads, target, applied, failed_revision, error}  # fastapi
    already_live: bool                           # the target commit was live already
    dependencies: {installer, action (installed/reused), reused_from, reason,
                   lockfile, lockfile_sha256}    # nextjs: npm ci, or the previous
                                                 # release's node_modules copied

This file runs on the controller only (imported by the action and callback plugins),
but uses only the standard library and stays Python 3.8 compatible.
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import re

from ansible_collections.guarded.deploy.plugins.module_utils.baseline_rules import (
    SEVERITIES,
    describe_rule,
)

SCHEMA_VERSION = 1

# File names inside ``<log_dir>/<run_id>/``.
JOURNAL_FILE = "events.jsonl"
RECORD_FILE = "run.json"
MARKDOWN_FILE = "execution-log.md"

# The fields an event may carry besides ``at`` and ``host``.
EVENT_FIELDS = ("run", "phase", "phase_status", "data", "host_status", "error")

# Sign-off roles of the execution log, in table order, with the ``signoff`` keys
# accepted for each (compared case-insensitively, spaces/dashes/slashes as ``_``).
SIGNOFF_ROLES = (
    ("DevOps", ("devops", "devops_system_admin", "system_admin", "sysadmin")),
    ("Finance Manager", ("finance_manager", "finance")),
    ("QA Lead", ("qa_lead", "qa")),
)

MASK = "********"
# Secrets shorter than this are not replaced inside strings (too many false matches).
MIN_SECRET_LEN = 4
SECRET_KEY_RE = re.compile(r"(password|passwd|secret|token|api_key)", re.IGNORECASE)
# scheme://user:password@host -> scheme://user:********@host
URL_CREDENTIALS_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*):([^\s@]+)@")

# Variables whose (string) value is a secret, besides every ``*_password`` variable.
SECRET_VARS = (
    "ansible_password",
    "ansible_pass",
    "ansible_ssh_pass",
    "ansible_become_password",
    "ansible_become_pass",
)

MISSING = "\u2014"  # em dash: what the execution log shows for a missing value


# ---------------------------------------------------------------------------
# Schema


def new_record():
    """Return an empty run record (the keys of run.json)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": None,
        "playbook": None,
        "status": "running",
        "check_mode": None,
        "started_at": None,
        "finished_at": None,
        "operator": None,
        "app": None,
        "deploy_version": None,
        "inventory": None,
        "hosts": {},
        "errors": [],
        "links": {},
    }


def _verification(backup):
    level = backup.get("verification")
    if not level:
        return None
    text = str(level)
    if isinstance(backup.get("verification_s"), (int, float)):
        text += " in %.2f s" % backup["verification_s"]
    if backup.get("verified_tables") is not None:
        text += ", %s tables compared" % backup["verified_tables"]
    return text


def _backup_copy(copy_info):
    if not isinstance(copy_info, dict):
        return None
    text = "%s:%s" % (copy_info.get("host"), _code(copy_info.get("path")))
    extra = []
    if copy_info.get("files") is not None:
        extra.append("%s files" % copy_info["files"])
    if copy_info.get("bytes") is not None:
        extra.append(str(format_bytes(copy_info["bytes"])))
    extra.append("sha256 verified" if copy_info.get("verified") else "NOT verified")
    return "%s (%s)" % (text, ", ".join(extra))


def _alembic_downgrade(info):
    if not isinstance(info, dict) or not info:
        return None
    text = "%s \u2192 %s" % (_code(info.get("from")), _code(info.get("to")))
    if info.get("steps") is not None:
        text += " (%s)" % (", ".join(str(s) for s in info["steps"]) if isinstance(info["steps"], list) else info["steps"])
    return text


def new_host():
    """Return an empty host record (one entry of run.json ``hosts``)."""
    return {
        "status": "running",
        "commit_before": None,
        "commit_after": None,
        "deploy_version": None,
        "backup": {"path": None, "bytes": None, "sha256": None, "verified": None, "files": []},
        "baselines": [],
        "migrations": [],
        "health": {},
        "smoke": [],
        "phases": [],
        "rollback": {"performed": False, "db_restored": False, "reason": None},
    }


def utc_now():
    """Current time as UTC ISO-8601 with microseconds (the ``at`` of every event)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


def parse_time(value):
    """Parse an ISO-8601 timestamp to an aware datetime (naive means UTC); None if not one."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def seconds_between(start, end):
    """Seconds from ``start`` to ``end`` (ISO strings), rounded to 0.01; None if unknown."""
    first = parse_time(start)
    last = parse_time(end)
    if first is None or last is None:
        return None
    return round(max((last - first).total_seconds(), 0.0), 2)


# ---------------------------------------------------------------------------
# Folding events


def deep_merge(target, source):
    """Merge ``source`` into ``target`` in place: dicts recursively, the rest replaces.

    Values taken from ``source`` are deep-copied.  Returns ``target``.
    """
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def open_phase(record, host):
    """Name of the host's last phase that was started and not yet closed, or None."""
    host_record = (record.get("hosts") or {}).get(host) if host is not None else None
    if not host_record:
        return None
    for entry in reversed(host_record.get("phases") or []):
        if entry.get("status") == "started":
            return entry.get("name")
    return None


def _apply_phase(host_record, name, status, at):
    phases = host_record.setdefault("phases", [])
    if status == "started":
        phases.append({"name": name, "status": "started", "started_at": at, "duration_s": None})
        return
    for entry in reversed(phases):
        if entry.get("name") == name and entry.get("status") == "started":
            entry["status"] = status
            duration = seconds_between(entry.get("started_at"), at)
            entry["duration_s"] = duration if duration is not None else 0.0
            return
    phases.append({"name": name, "status": status, "started_at": at, "duration_s": 0.0})


def apply_event(record, event):
    """Fold one event into a run record; return the new record.

    Pure: ``record`` and ``event`` are not modified, the result depends only on them.
    See the module docstring for the event fields.
    """
    record = copy.deepcopy(record)
    at = event.get("at")
    host = event.get("host")

    if record.get("started_at") is None and at:
        record["started_at"] = at

    run = event.get("run")
    if isinstance(run, dict) and run:
        run = dict(run)
        if record.get("run_id") and run.get("run_id") not in (None, record["run_id"]):
            run.pop("run_id")
        deep_merge(record, run)

    hosts = record.setdefault("hosts", {})
    touches_host = any(event.get(key) is not None for key in ("phase", "data", "host_status"))
    if host is not None and touches_host:
        host_record = hosts.setdefault(host, new_host())
        if event.get("phase") is not None:
            _apply_phase(host_record, event["phase"], event.get("phase_status") or "started", at)
        if isinstance(event.get("data"), dict):
            deep_merge(host_record, event["data"])
        if event.get("host_status") is not None:
            host_record["status"] = event["host_status"]

    error = event.get("error")
    if isinstance(error, dict):
        phase = error.get("phase")
        if phase is None:
            phase = open_phase(record, host)
        record.setdefault("errors", []).append({
            "host": host,
            "task": error.get("task"),
            "phase": phase,
            "msg": error.get("msg"),
            "at": at,
        })
    return record


def fold_events(events, record=None):
    """Fold events, in order, into ``record`` (default: a new record); return the result."""
    result = new_record() if record is None else record
    for event in events:
        result = apply_event(result, event)
    return result


def read_journal(path):
    """Read an events.jsonl journal; a truncated or corrupt line (crash mid-write) is skipped."""
    events = []
    with open(path, "r", encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.append(event)
    return events


def overall_status(record):
    """The run status derived from its hosts.

    ``rollback_failed`` if any host's rollback failed, else ``failed`` if any host failed
    (or there are errors and no host record at all), else ``rolled_back`` if any host
    rolled back, else ``succeeded`` if every host succeeded, else ``running``.
    """
    statuses = [h.get("status") for h in (record.get("hosts") or {}).values()]
    if "rollback_failed" in statuses:
        return "rollback_failed"
    if "failed" in statuses or (record.get("errors") and not statuses):
        return "failed"
    if "rolled_back" in statuses:
        return "rolled_back"
    if statuses and all(status == "succeeded" for status in statuses):
        return "succeeded"
    return "running"


# ---------------------------------------------------------------------------
# Secrets


def secrets_from_vars(variables, render=None):
    """Collect secret strings from a host's variables.

    ``deploy_db.password``, ``deploy_db_defaults.password``, ``ansible_password``/``ansible_pass``/``ansible_ssh_pass``,
    ``ansible_become_password``/``ansible_become_pass`` and every variable whose name ends
    in ``_password``.  ``render`` (e.g. a Templar's ``template``) resolves a raw value;
    a value that cannot be rendered or is not a string is skipped.
    """
    render = render or (lambda value: value)
    found = []

    def add(raw):
        try:
            value = render(raw)
        except Exception:  # an undefined or broken template is simply not a secret we know
            return
        if isinstance(value, str) and value and value not in found:
            found.append(str(value))

    if not variables:
        return found
    try:
        for name in ("deploy_db", "deploy_db_defaults"):
            deploy_db = variables.get(name)
            if isinstance(deploy_db, dict) and deploy_db.get("password") is not None:
                add(deploy_db.get("password"))
    except Exception:
        pass
    for name in list(variables.keys()):
        if not isinstance(name, str):
            continue
        if name in SECRET_VARS or name.endswith("_password"):
            try:
                add(variables[name])
            except Exception:
                continue
    return found


def _scrub_text(text, secrets):
    text = str(text)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return URL_CREDENTIALS_RE.sub(r"\1:" + MASK + "@", text)


def scrub(value, secrets=()):
    """Return a copy of a JSON-like value with secrets masked as ``********``.

    - every occurrence of each secret string (at least 4 characters) inside any string;
    - the value of every dict key matching ``password|passwd|secret|token|api_key``
      (case-insensitive);
    - the password of URLs with credentials (``scheme://user:pass@host``).

    Strings come back as plain ``str``, tuples as lists; other scalars are unchanged.
    """
    usable = sorted({str(s) for s in secrets or () if isinstance(s, str) and len(s) >= MIN_SECRET_LEN},
                    key=len, reverse=True)
    return _scrub(value, usable)


def _scrub(value, secrets):
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            new_key = _scrub_text(key, secrets) if isinstance(key, str) else key
            if isinstance(key, str) and SECRET_KEY_RE.search(key):
                result[new_key] = MASK
            else:
                result[new_key] = _scrub(item, secrets)
        return result
    if isinstance(value, (list, tuple)):
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, str):
        return _scrub_text(value, secrets)
    return value


# ---------------------------------------------------------------------------
# Rendering


def render_json(record):
    """run.json text: the record as JSON, indented by 2."""
    return json.dumps(record, indent=2, default=str) + "\n"


def _plain(value):
    """Text for a value: missing -> em dash, bool -> yes/no, containers compact."""
    if value is None or value == "" or value == [] or value == {}:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join("%s: %s" % (k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value)
    return str(value)


def _cell(value):
    """A Markdown table cell: _plain() with ``|`` escaped and newlines as <br>."""
    text = value if isinstance(value, str) and value else _plain(value)
    return text.replace("|", "\\|").replace("\r\n", "\n").replace("\n", "<br>")


def _code(value):
    if value is None or value == "":
        return MISSING
    return "`%s`" % str(value).replace("`", "'")


def _table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return lines


def format_time(value):
    """``2026-11-21 02:00:00 UTC`` for an ISO timestamp; the value itself otherwise."""
    parsed = parse_time(value)
    if parsed is None:
        return value
    return parsed.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_bytes(value):
    """``1.2 MiB (1,258,291 bytes)``; the value itself when it is not a number of bytes."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = int(str(value))
        except (TypeError, ValueError):
            return value
    number = float(value)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(number) < 1024 or unit == "TiB":
            break
        number /= 1024.0
    if unit == "bytes":
        return "%d bytes" % int(value)
    return "%.1f %s (%s bytes)" % (number, unit, "{:,}".format(int(value)))


def _status_text(status):
    return str(status or "unknown").replace("_", " ").upper()


def baseline_verdict(baseline):
    """OK, VIOLATED or WARN for a compared baseline; None when not compared yet.

    ``ok`` false with ``severity: warn`` is WARN; an explicit ``verdict`` key wins.
    """
    if baseline.get("verdict"):
        return str(baseline["verdict"]).upper()
    ok = baseline.get("ok")
    if ok is True:
        return "OK"
    if ok is False:
        return "WARN" if baseline.get("severity") == SEVERITIES[1] else "VIOLATED"
    return None


def _smoke_result(item):
    ok = item.get("ok")
    if ok is True:
        return "PASS"
    if ok is False:
        return "FAIL"
    return None


def _signoff_name(signoff, aliases, label):
    if not isinstance(signoff, dict):
        return ""
    wanted = set(aliases) | {re.sub(r"[\s/\-]+", "_", label.lower())}
    for key, name in signoff.items():
        if re.sub(r"[\s/\-]+", "_", str(key).strip().lower()) in wanted and name:
            return str(name)
    return ""


def _duration_text(seconds):
    if seconds is None:
        return MISSING
    minutes, secs = divmod(float(seconds), 60)
    if minutes:
        return "%d min %.0f s (%.2f s)" % (minutes, secs, seconds)
    return "%.2f s" % seconds


# The message of a host stopped by a fleet gate (roles/pipeline/tasks/gate.yml):
# "Stopped <gate>: <host> failed (<its message>)[, and <hosts>]; the hosts sharing
# database <key> move together".
FLEET_STOP_RE = re.compile(
    r"^(?:Stopped (?P<gate>.+?): )?(?P<host>\S+) failed \((?P<msg>.*)\)(?:, and (?P<others>[^;]+))?;"
    r" the hosts sharing database (?P<db>\S+) move together\.?\s*$",
    re.DOTALL)

# Phases that run once per database, on the fleet's database host (the others record
# them as skipped).
ONCE_PER_DATABASE = ("baseline", "verify")


def fleet_stop(msg):
    """``{gate, host, msg, others, db}`` for the error of a host stopped because another
    host sharing its database failed (gate.yml); None for any other message."""
    if not isinstance(msg, str):
        return None
    match = FLEET_STOP_RE.match(msg.strip())
    if not match:
        return None
    found = match.groupdict()
    found["others"] = [h.strip() for h in (found.get("others") or "").split(",") if h.strip()]
    return found


def _fleet(host):
    fleet = (host or {}).get("fleet")
    return fleet if isinstance(fleet, dict) else {}


def db_phases_host(name, host):
    """The host that ran the database phases for host ``name``: ``fleet.db_host``, else
    ``backup.dumped_on``; None when the record does not say."""
    host = host or {}
    db_host = _fleet(host).get("db_host")
    if not db_host:
        db_host = (host.get("backup") or {}).get("dumped_on")
    return str(db_host) if db_host else None


def _hosts_text(names):
    return ", ".join(_code(n) for n in names) if names else MISSING


def _batch_text(fleet):
    batch, batches = fleet.get("batch"), fleet.get("batches")
    if batch is None or batch == "":
        return None
    return "%s of %s" % (batch, batches) if batches not in (None, "") else str(batch)


def _is_true(value):
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes"))


def _rolled_back_text(host):
    rollback = (host or {}).get("rollback") or {}
    if (host or {}).get("status") == "rollback_failed":
        return "ROLLBACK FAILED"
    if not _is_true(rollback.get("performed")):
        return "no"
    return "yes, database restored" if _is_true(rollback.get("db_restored")) else "yes"


def _short_commit(value):
    if isinstance(value, str) and re.match(r"^[0-9a-f]{40}$", value):
        return value[:7]
    return value


def _phase_status(name, host, phase):
    """A phase's status, with where the work went for the hosts of a fleet:
    ``skipped (runs once per database, on `app1`)`` and the like."""
    status = phase.get("status")
    fleet = _fleet(host)
    db_host = db_phases_host(name, host)
    elsewhere = bool(db_host) and db_host != name
    phase_name = phase.get("name")
    if status == "skipped" and elsewhere and phase_name in ONCE_PER_DATABASE:
        return "skipped (runs once per database, on %s)" % _code(db_host)
    if status == "skipped" and phase_name == "maintenance_on" and len(fleet.get("hosts") or []) > 1:
        return "skipped (hosts sharing a database restart in batches, no maintenance window)"
    if status == "ok" and elsewhere and phase_name == "migrate":
        return "ok (the migrations run once per database, on %s)" % _code(db_host)
    if status == "ok" and elsewhere and phase_name == "backup":
        return "ok (code archive; the database dump is on %s)" % _code(db_host)
    return status


def _fleet_groups(hosts):
    """[(db_host, [hosts of the fleet], batches)] for the fleets recorded, in host order."""
    groups = []
    for name, host in hosts.items():
        fleet = _fleet(host)
        members = [str(h) for h in fleet.get("hosts") or []] if isinstance(fleet.get("hosts"), list) else []
        if not fleet.get("db_host") or len(members) < 2:
            continue
        key = (str(fleet["db_host"]), tuple(members))
        if key not in [(g[0], tuple(g[1])) for g in groups]:
            groups.append((key[0], members, fleet.get("batches")))
    return groups


def _hosts_lines(hosts):
    """The "Hosts" overview of a run with several hosts: one row per host's outcome."""
    rows = []
    for name, host in hosts.items():
        host = host or {}
        db_host = db_phases_host(name, host)
        rows.append([
            name,
            _status_text(host.get("status")),
            _batch_text(_fleet(host)),
            "%s \u2192 %s" % (_code(_short_commit(host.get("commit_before"))),
                              _code(_short_commit(host.get("commit_after")))),
            _rolled_back_text(host),
            "here" if (db_host is None or db_host == name) else "on %s" % _code(db_host),
        ])
    lines = ["## Hosts", ""]
    for db_host, members, batches in _fleet_groups(hosts):
        lines.append("%s share one database: its phases (baseline, the dump, migrate, verify, a restore) "
                     "run once, on %s; the hosts restart in %s batch%s and move together (a failure on "
                     "one rolls every one of them back)." % (
                         _hosts_text(members), _code(db_host), batches if batches not in (None, "") else "their",
                         "" if batches == 1 else "es"))
        lines.append("")
    lines += _table(["Host", "Status", "Restart batch", "Commit before \u2192 after", "Rolled back",
                     "Database phases"], rows)
    lines.append("")
    return lines


def _errors_lines(errors):
    """The Errors section: each host's own failure; then the hosts stopped because another
    host sharing their database failed (gate.yml), said as such."""
    errors = [e for e in errors or [] if isinstance(e, dict)]
    own, stopped = [], []
    for error in errors:
        stop = fleet_stop(error.get("msg"))
        if stop is None:
            own.append(error)
        else:
            stopped.append((error, stop))
    lines = ["## Errors", ""]
    if own:
        lines += _table(["Host", "Phase", "Task", "Message", "At"], [
            [e.get("host"), e.get("phase"), e.get("task"), e.get("msg"), format_time(e.get("at"))]
            for e in own])
    elif not stopped:
        lines.append("No errors.")
    if stopped:
        failed_hosts = {e.get("host") for e in own}
        rows = []
        for error, stop in stopped:
            because = "%s failed" % _code(stop["host"])
            if stop["host"] not in failed_hosts:
                because += " (%s)" % stop["msg"]
            if stop["others"]:
                because += ", and %s" % _hosts_text(stop["others"])
            rows.append([error.get("host"), stop.get("gate"), because, _code(stop["db"]),
                         format_time(error.get("at"))])
        lines += ([""] if own else []) + [
            "Stopped because another host sharing their database failed (the hosts sharing a "
            "database move together; each was rolled back if it had changed):", ""]
        lines += _table(["Host", "Stopped", "Because", "Database", "At"], rows)
    return lines


def _fleet_rows(name, host):
    """Rows of a host's summary for a fleet: where the database phases ran, the batch."""
    fleet = _fleet(host)
    if not fleet:
        return []
    db_host = db_phases_host(name, host)
    members = fleet.get("hosts") if isinstance(fleet.get("hosts"), list) else []
    where = "here" if db_host == name else "on %s" % _code(db_host)
    return [
        ["Database phases", "run %s, once for the hosts sharing the database: %s" % (where, _hosts_text(members))],
        ["Restart batch", _batch_text(fleet)],
    ]


def _no_db_action(name, host):
    db_host = db_phases_host(name, host) if _fleet(host) else None
    if db_host and db_host != name:
        return "none on this host (the database is rolled back once, on %s)" % _code(db_host)
    return "none"


def _lock_forced_lines(forced):
    """The note of a deploy lock released with deploy_force_unlock=true (preflight)."""
    if not isinstance(forced, dict):
        return []
    owner = forced.get("previous_owner") or {}
    state = {"stale": "STALE: its process was gone from this controller",
             "unknown": "its process could not be checked: taken from another controller"}.get(
                 forced.get("state"), forced.get("state") or MISSING)
    return ["", "> Deploy lock released by force (`deploy_force_unlock=true`): it was held by run %s "
            "(operator %s, since %s, pid %s on %s, %s s old), %s. That run did not finish." % (
                _code(owner.get("run_id")), owner.get("operator") or MISSING,
                format_time(owner.get("since")) or MISSING, owner.get("pid") or MISSING,
                owner.get("controller") or MISSING, forced.get("age_s", MISSING), state)]


def _render_host(name, host):
    lines = ["## Host `%s` \u2014 %s" % (name, _status_text(host.get("status"))), ""]
    lines += _table(["Item", "Value"], [
        ["Status", _status_text(host.get("status"))],
        ["Commit before \u2192 after", ("%s \u2192 %s" % (
            _code(host.get("commit_before")), _code(host.get("commit_after"))))],
        ["Version deployed", host.get("deploy_version")],
    ] + _fleet_rows(name, host))
    if host.get("already_live"):
        lines += ["", "> Already at this version: nothing was deployed, restarted or migrated "
                  "(`deploy_force=true` deploys it again)."]
    lines += _lock_forced_lines(host.get("lock_forced"))

    lines += ["", "### Phases", ""]
    phases = host.get("phases") or []
    if phases:
        lines += _table(["Phase", "Status", "Started", "Duration (s)"], [
            [p.get("name"), _phase_status(name, host, p), format_time(p.get("started_at")),
             "%.2f" % p["duration_s"] if isinstance(p.get("duration_s"), (int, float)) else
             ("not finished" if p.get("status") == "started" else None)]
            for p in phases])
    else:
        lines.append("No phase was recorded.")

    lines += ["", "### Baselines", ""]
    lines += _baseline_lines(host.get("baselines"))

    backup = host.get("backup") or {}
    lines += ["", "### Backup", ""]
    dumped_on = backup.get("dumped_on")
    if dumped_on and dumped_on != name:
        lines += ["The database dump of this run is on %s (it runs once per database); this host "
                  "holds only its code archive." % _code(dumped_on), ""]
    lines += _table(["Item", "Value"], [
        ["Path", (_code(backup.get("path")))],
        ["Size", format_bytes(backup.get("bytes")) if backup.get("bytes") is not None else None],
        ["SHA-256", (_code(backup.get("sha256")))],
        ["Format", backup.get("format")],
        ["Verified", backup.get("verified")],
        ["Verification", _verification(backup)],
        ["Changed during the dump (not compared)", ", ".join(backup.get("changed_during_dump") or []) or None],
        ["Off-host copy", _backup_copy(backup.get("offsite"))],
        ["Pruned runs", ", ".join(backup.get("pruned") or []) or None],
        ["Partial backups removed (runs killed before their backup finished)",
         ", ".join(backup.get("partial_removed") or []) or None],
        ["Kept databases dropped (beyond backup_keep_runs)", ", ".join(backup.get("kept_dropped") or []) or None],
    ])
    files = backup.get("files") or []
    if files:
        lines += ["", "Backup files:", ""]
        for item in files:
            if isinstance(item, dict):
                extra = []
                if item.get("bytes") is not None:
                    extra.append(str(format_bytes(item.get("bytes"))))
                if item.get("sha256"):
                    extra.append("sha256 %s" % item["sha256"])
                lines.append("- %s%s" % (_code(item.get("path")), " (%s)" % ", ".join(extra) if extra else ""))
            else:
                lines.append("- %s" % _code(item))

    alembic = host.get("alembic")
    if isinstance(alembic, dict) and alembic:
        lines += ["", "### Alembic", ""]
        lines += _table(["Item", "Value"], [
            ["Revision before \u2192 after", "%s \u2192 %s" % (_code(alembic.get("before")), _code(alembic.get("after")))],
            ["Heads", ", ".join(str(h) for h in alembic.get("heads") or []) or None],
            ["Target", alembic.get("target")],
            ["Failed revision", alembic.get("failed_revision")],
            ["Error", alembic.get("error")],
        ])

    dependencies = host.get("dependencies")
    if isinstance(dependencies, dict) and dependencies:
        lines += ["", "### Dependencies", ""]
        lines += _table(["Item", "Value"], [
            ["Installer", dependencies.get("installer")],
            ["Action", dependencies.get("action")],
            ["Reused from", _code(dependencies.get("reused_from"))],
            ["Why", dependencies.get("reason")],
            ["Lock file", "%s (sha256 %s)" % (dependencies.get("lockfile"), dependencies.get("lockfile_sha256"))
             if dependencies.get("lockfile") else None],
        ])

    lines += ["", "### Migrations applied", ""]
    migrations = host.get("migrations") or []
    if migrations:
        for item in migrations:
            if isinstance(item, dict):
                label = item.get("name") or _plain(item)
                rest = {k: v for k, v in item.items() if k != "name"}
                lines.append("- %s%s" % (label, " (%s)" % _plain(rest) if rest else ""))
            else:
                lines.append("- %s" % _plain(item))
    else:
        lines.append("None recorded.")

    lines += ["", "### Health", ""]
    health = host.get("health") or {}
    if health:
        lines += _table(["Check", "Value"], [[key, value] for key, value in health.items()])
    else:
        lines.append("No health check was recorded.")

    lines += ["", "### Smoke tests", ""]
    smoke = host.get("smoke") or []
    if smoke:
        lines += _table(["Name", "URL", "Expected status", "Actual status", "Contains", "Result", "Message"], [
            [s.get("name"), s.get("url"), s.get("status"), s.get("actual_status"), s.get("contains"),
             _smoke_result(s), s.get("msg")]
            for s in smoke if isinstance(s, dict)])
    else:
        lines.append("No smoke test was recorded.")

    rollback = host.get("rollback") or {}
    lines += ["", "### Rollback", ""]
    lines += _table(["Item", "Value"], [
        ["Performed", "no: the rollback FAILED; the rows below say what it had done"
         if rollback.get("failed") and not rollback.get("performed") else rollback.get("performed")],
        ["Run rolled back", rollback.get("run_id")],
        ["Code returned to", _code(rollback.get("to_commit"))],
        ["Database action", rollback.get("db_strategy") or (_no_db_action(name, host) if rollback.get("performed") else None)],
        ["Database restored", rollback.get("db_restored")],
        ["Database kept as", _code(rollback.get("kept_database"))],
        ["Alembic downgrade", _alembic_downgrade(rollback.get("alembic"))],
        ["Note", rollback.get("db_strategy_note")],
        ["Reason", rollback.get("reason")],
    ])
    if rollback.get("baselines"):
        rule = ("each under its own rule: rows written since the deploy are kept"
                if rollback.get("db_strategy") == "downgrade" else "each must equal its pre-deploy value")
        lines += ["", "Baselines after the rollback (%s):" % rule, ""]
        lines += _baseline_lines(rollback.get("baselines"))
    lines.append("")
    return lines


# At most this many rows of a baseline value are shown in a table cell (run.json has all).
MAX_CELL_ROWS = 10


def _row_text(row):
    """One row of a baseline value: a one-column row is its value, a wider one ``(a, b)``."""
    if isinstance(row, (list, tuple)):
        if len(row) == 1:
            return _plain(row[0])
        return "(%s)" % ", ".join(_plain(v) for v in row)
    return _plain(row)


def _baseline_value(value):
    """A baseline value for the table: a list of rows as ``a, b`` / ``(a, 1), (b, 2)``,
    at most MAX_CELL_ROWS of them; anything else as _plain() shows it."""
    if not isinstance(value, (list, tuple)) or not value:
        return value
    text = ", ".join(_row_text(row) for row in value[:MAX_CELL_ROWS])
    if len(value) > MAX_CELL_ROWS:
        text += " \u2026 (%d rows)" % len(value)
    return text


def _set_members(members, count):
    """Members of a set rule's ``added``/``removed``: ``jdoe, asmith``; em dash for none."""
    members = members if isinstance(members, (list, tuple)) else []
    if not members and not count:
        return MISSING
    text = ", ".join(_row_text(member) for member in members)
    if isinstance(count, int) and not isinstance(count, bool) and count > len(members):
        text += "%s%d more" % (" and " if members else "", count - len(members))
    return text


def _baseline_lines(baselines):
    """A baselines table and notes under it.

    Columns: name, rule, before, after, verdict, and the description when any baseline
    has one. Notes: the message of every violated rule, then, for the set rules
    (``same_set``, ``superset``: results with ``added``/``removed``), the members that
    changed, e.g. ``- payment_managers: removed jdoe; added \u2014``.
    """
    baselines = [b for b in (baselines or []) if isinstance(b, dict)]
    if not baselines:
        return ["No baseline was recorded."]
    headers = ["Name", "Rule", "Before", "After", "Verdict"]
    described = any(b.get("description") for b in baselines)
    if described:
        headers.append("Description")
    rows = []
    for b in baselines:
        row = [b.get("name"), describe_rule(b.get("rule")) if b.get("rule") is not None else None,
               _baseline_value(b.get("before")), _baseline_value(b.get("after")), baseline_verdict(b)]
        if described:
            row.append(b.get("description"))
        rows.append(row)
    lines = _table(headers, rows)
    notes = [b["message"] for b in baselines if b.get("ok") is False and b.get("message")]
    for b in baselines:
        if b.get("removed_count") or b.get("added_count") or b.get("removed") or b.get("added"):
            notes.append("%s: removed %s; added %s" % (
                b.get("name"), _set_members(b.get("removed"), b.get("removed_count")),
                _set_members(b.get("added"), b.get("added_count"))))
    if notes:
        lines += [""] + ["- %s" % note for note in notes]
    return lines


def render_markdown(record):
    """execution-log.md text: the filled-in execution log of a run.

    The fields of the hand-written DEPLOYMENT_EXECUTION_LOG_TEMPLATE (runbook 000,
    step 11): summary, per host commits, phases, baselines with their verdict, backup,
    migrations, health, smoke tests and rollback; errors; a sign-off table.  A missing
    value is shown as an em dash.

    A run with several hosts gets a "Hosts" overview (each host's status, restart batch,
    commits, rollback and where its database phases ran).  For hosts sharing a database
    (``fleet``), each host says which host ran the database phases, and the hosts stopped
    because another one failed (gate.yml's "Stopped ...: HOST failed (...); the hosts
    sharing database KEY move together") are listed apart from the failures themselves.
    """
    app = record.get("app") or MISSING
    run_id = record.get("run_id") or MISSING
    status = record.get("status")
    lines = [
        "# Deployment execution log: %s \u2014 run %s" % (app, run_id),
        "",
        "**Status: %s**" % _status_text(status),
        "",
    ]
    if record.get("check_mode"):
        lines += ["> Check mode (dry run): nothing was changed on the hosts.", ""]

    links = record.get("links") or {}
    duration = seconds_between(record.get("started_at"), record.get("finished_at"))
    summary = [
        ["Status", _status_text(status)],
        ["Application", record.get("app")],
        ["Version deployed", record.get("deploy_version")],
        ["Run ID", (_code(record.get("run_id")))],
        ["Playbook", record.get("playbook")],
        ["Inventory", record.get("inventory")],
        ["Operator", record.get("operator")],
        ["Approved by", record.get("approver")],
        ["Controller", record.get("controller")],
        ["Limit", record.get("limit")],
        ["Versions", "ansible-core %s, guarded.deploy %s" % (
            record.get("ansible_core") or MISSING, record.get("collection_version") or MISSING)],
        ["Started", format_time(record.get("started_at"))],
        ["Finished", format_time(record.get("finished_at"))],
        ["Duration", _duration_text(duration) if duration is not None else None],
        ["Check mode", record.get("check_mode")],
        ["Interrupted", "yes (SIGINT/SIGTERM or the process ended before the play recap)"
         if record.get("interrupted") else "no"],
        ["Hosts", ", ".join("%s (%s)" % (n, (h or {}).get("status")) for n, h in (record.get("hosts") or {}).items())],
    ]
    for key, value in links.items():
        summary.append(["Link: %s" % str(key).replace("_", " "), value])
    lines += ["## Summary", ""] + _table(["Item", "Value"], summary) + [""]

    hosts = record.get("hosts") or {}
    if len(hosts) > 1:
        lines += _hosts_lines(hosts)
    if hosts:
        for name in hosts:
            lines += _render_host(name, hosts[name] or {})
    else:
        lines += ["No host reported any deploy phase.", ""]

    lines += _errors_lines(record.get("errors"))

    signoff = record.get("signoff")
    lines += ["", "## Sign-off", ""]
    lines += ["| Role | Name | Signature | Date |", "|---|---|---|---|"]
    for label, aliases in SIGNOFF_ROLES:
        name = _signoff_name(signoff, aliases, label)
        lines.append("| %s | %s |  |  |" % (label, _cell(name) if name else " "))
    lines += ["", "_Generated by guarded.deploy from the run's event journal (%s), schema %d._"
              % (JOURNAL_FILE, SCHEMA_VERSION), ""]
    return "\n".join(lines)


def write_atomic(path, text, mode=0o640):
    """Write ``text`` to ``path`` through a temp file + os.replace (readers never see half a file)."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


__all__ = [
    "SCHEMA_VERSION", "EVENT_FIELDS", "MASK",
    "JOURNAL_FILE", "RECORD_FILE", "MARKDOWN_FILE",
    "new_record", "new_host", "utc_now", "apply_event", "fold_events", "read_journal",
    "open_phase", "overall_status", "scrub", "secrets_from_vars", "render_json",
    "render_markdown", "write_atomic", "fleet_stop", "db_phases_host",
]
