# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guarded.deploy.deploy_log callback: journal deploy events and render the run record."""

from __future__ import annotations

DOCUMENTATION = r"""
name: deploy_log
type: notification
short_description: Write the run record of a guarded deploy (events.jsonl, run.json, execution-log.md)
version_added: "0.1.0"
description:
  - Journals every event of the C(guarded.deploy.deploy_event) action, and an error event
    for every other task that fails (unless C(ignore_errors), or the task sets the task
    variable C(guarded_deploy_reraise), as the pipeline's tasks that only pass an
    already recorded failure up do) or whose host is unreachable,
    to C(<log_dir>/<run_id>/events.jsonl), one JSON object per line, appended and
    flushed to disk (fsync) per event.
  - After every event it renders C(run.json) and C(execution-log.md) next to the journal
    (each written to a temporary file then renamed, so a reader never sees half a file).
    At the end of the playbook it renders them again from the journal alone, with
    C(finished_at) and the final C(status) (a host that never reported a final status is
    marked C(failed)), and also writes C(report.html) (one self-contained page - a phase
    timeline per host and the execution log, no script, no network) and C(junit.xml)
    (preflight, health, every baseline and smoke test per host as test cases), then prints
    a summary table (per host - status, version, duration, baselines, rollback).
  - An interrupted run (SIGINT or SIGTERM of ansible-playbook, or an exit without the
    play recap) is finished the same way when the process exits - hosts still running are
    marked C(failed) with "the run was interrupted" and the run's status is C(failed).
  - Events are kept in memory until the first event with a C(run.run_id) arrives and a
    log directory is known (this option, or the C(log_dir) of a run event). A playbook
    that never provides both writes nothing.
  - Secrets are masked as C(********) before anything is written, as in
    C(guarded.deploy.deploy_event); for failed tasks the host's C(deploy_db.password),
    connection and become passwords and C(*_password) variables are masked too. A task
    with C(no_log) is recorded with its censored message only.
  - The record's schema lives in C(plugins/module_utils/run_record.py).
  - The callback never fails the playbook; a problem writing the record is shown as a
    warning.
requirements:
  - enable in configuration, for example C(callbacks_enabled = guarded.deploy.deploy_log)
    in C([defaults]) of C(ansible.cfg) or E(ANSIBLE_CALLBACKS_ENABLED)
options:
  log_dir:
    description:
      - Directory (on the controller) under which C(<run_id>/) is created with mode 0750.
      - When not set and ansible-runner runs the playbook (as AWX and Automation
        Controller do), C(<artifact dir>/guarded-deploy) - ansible-runner names its
        artifact directory in E(AWX_ISOLATED_DATA_DIR) - so the record is among the job's
        artifacts.
      - Otherwise the C(log_dir) of the run event is used (the roles set it from
        C(deploy_log_dir), default C(./deploy-logs)). A relative path is taken from the
        controller's current directory.
    type: path
    default: null
    env:
      - name: GUARDED_DEPLOY_LOG_DIR
    ini:
      - section: guarded_deploy
        key: log_dir
  announce:
    description:
      - At the end of the playbook, print the paths of C(execution-log.md) and C(run.json)
        and the run's status.
    type: bool
    default: true
    env:
      - name: GUARDED_DEPLOY_ANNOUNCE
    ini:
      - section: guarded_deploy
        key: announce
  phase_banners:
    description:
      - Print a banner line when a pipeline phase starts on a host
        (C(=== guarded.deploy | app1 | phase 3/11 backup | started)) and when it ends, with
        its status and duration in seconds (C(... | backup ok in 12.3 s)), between the
        stdout callback's task lines.
    type: bool
    default: true
    env:
      - name: GUARDED_DEPLOY_PHASE_BANNERS
    ini:
      - section: guarded_deploy
        key: phase_banners
  link_rolled_back_run:
    description:
      - When a run rolls back an earlier run (the run event's C(links.rolls_back), as
        C(playbooks/rollback.yml) records it) and that run's directory is under the same
        log directory, append C(links.rolled_back_by) (this run's id) to that run's journal
        and render its C(run.json), C(execution-log.md) and C(report.html) again, so each
        record links to the other. Its journal is only appended to, never rewritten.
    type: bool
    default: true
    env:
      - name: GUARDED_DEPLOY_LINK_ROLLED_BACK_RUN
    ini:
      - section: guarded_deploy
        key: link_rolled_back_run
"""

import atexit
import json
import os
import re
import signal
import socket

from ansible.parsing.ajson import AnsibleJSONEncoder
from ansible.release import __version__ as ansible_version
from ansible.plugins.callback import CallbackBase
from ansible.vars.clean import module_response_deepcopy, strip_internal_keys

from ansible_collections.guarded.deploy.plugins.module_utils.pipeline import PHASES
from ansible_collections.guarded.deploy.plugins.module_utils.run_report import (
    HTML_FILE,
    JUNIT_FILE,
    render_html,
    render_junit,
    render_summary,
)
from ansible_collections.guarded.deploy.plugins.module_utils.run_record import (
    JOURNAL_FILE,
    MARKDOWN_FILE,
    RECORD_FILE,
    apply_event,
    fold_events,
    new_record,
    open_phase,
    overall_status,
    read_journal,
    render_json,
    render_markdown,
    scrub,
    secrets_from_vars,
    utc_now,
    write_atomic,
)

EVENT_KEY = "guarded_deploy_event"
RUN_DIR_MODE = 0o750
# How much of stderr/stdout a failed task's error entry keeps.
TAIL_LINES = 10
TAIL_CHARS = 1000
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _tail(text):
    if not isinstance(text, str) or not text.strip():
        return ""
    lines = text.strip().splitlines()[-TAIL_LINES:]
    tail = "\n".join(lines)
    return tail[-TAIL_CHARS:]


def error_message(result, unreachable=False):
    """Human text for a failed (or unreachable) task result: its msg, plus the stderr tail."""
    if result.get("censored"):
        return str(result["censored"])
    msg = result.get("msg")
    if msg is not None and not isinstance(msg, str):
        msg = json.dumps(msg, default=str)
    msg = (msg or "").strip()
    if not msg and isinstance(result.get("results"), list):
        msgs = []
        for item in result["results"]:
            if isinstance(item, dict) and item.get("failed"):
                if item.get("censored"):
                    msgs.append(str(item["censored"]))
                else:
                    msgs.append(str(item.get("msg") or _tail(item.get("stderr")) or "failed"))
        msg = "; ".join(msgs)
    detail = _tail(result.get("stderr")) or ("" if msg else _tail(result.get("stdout")))
    if detail and detail not in msg:
        rc = result.get("rc")
        prefix = "%s (rc=%s)" % (msg, rc) if msg and rc is not None else msg
        msg = "%s: %s" % (prefix, detail) if prefix else detail
    if not msg:
        msg = "host unreachable" if unreachable else "task failed"
    return msg


def unreachable_msg(record, host):
    """Why a host that became unreachable has no final status, and how to finish it."""
    phase = open_phase(record, host)
    run_id = (record.get("links") or {}).get("rolls_back") or record.get("run_id")
    return ("the host became unreachable%s and left the run: it was neither finished nor rolled back, "
            "and its deploy lock is left behind. Once it is reachable, roll it back: "
            "ansible-playbook playbooks/rollback.yml --limit %s -e rollback_run_id=%s -e deploy_force_unlock=true"
            % (" in phase %s" % phase if phase else "", host, run_id))


def runner_artifacts_dir():
    """<artifacts>/<ident>/guarded-deploy when ansible-runner (so AWX / Automation
    Controller) runs the playbook: it names its artifact directory in AWX_ISOLATED_DATA_DIR."""
    artifacts = os.environ.get("AWX_ISOLATED_DATA_DIR")
    return os.path.join(artifacts, "guarded-deploy") if artifacts else None


def collection_version():
    """guarded.deploy's version: MANIFEST.json of an installed collection, else the
    version line of galaxy.yml in a checkout; None when neither is found."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        with open(os.path.join(root, "MANIFEST.json"), encoding="utf-8") as handle:
            return json.load(handle)["collection_info"]["version"]
    except (OSError, ValueError, KeyError):
        pass
    try:
        with open(os.path.join(root, "galaxy.yml"), encoding="utf-8") as handle:
            for line in handle:
                match = re.match(r"^version:\s*['\"]?([^'\"\s#]+)", line)
                if match:
                    return match.group(1)
    except OSError:
        pass
    return None


def phase_banner(record, event):
    """One console line for a phase event: started, or ended with status and duration."""
    host = event.get("host") or "-"
    phase = event.get("phase")
    status = event.get("phase_status")
    if status == "started":
        try:
            where = "phase %d/%d %s" % (PHASES.index(phase) + 1, PHASES.index("finish") + 1, phase)
        except ValueError:
            where = "phase %s" % phase
        return "=== guarded.deploy | %s | %s | started" % (host, where)
    duration = None
    for entry in reversed(((record.get("hosts") or {}).get(host) or {}).get("phases") or []):
        if entry.get("name") == phase:
            duration = entry.get("duration_s")
            break
    took = " in %.1f s" % duration if isinstance(duration, (int, float)) and status != "skipped" else ""
    return "=== guarded.deploy | %s | %s %s%s" % (host, phase, status, took)


def safe_dir_name(run_id):
    """run_id as a single, safe path component."""
    name = _UNSAFE_NAME.sub("_", str(run_id)).strip("._") or "run"
    return name


def _is_reraise(result):
    """True for a task that only passes an already recorded failure up the pipeline."""
    task_vars = getattr(getattr(result, "_task", None), "vars", None)
    return isinstance(task_vars, dict) and task_vars.get("guarded_deploy_reraise") is True


class CallbackModule(CallbackBase):
    """Journal guarded.deploy events and render run.json and execution-log.md."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "guarded.deploy.deploy_log"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None, options=None):
        super(CallbackModule, self).__init__(display=display, options=options)
        self.log_dir_option = None
        self.announce = True
        self.phase_banners = True
        self.link_rolled_back_run = True
        self.run_dir = None
        self.record = new_record()
        self._pending = []  # events waiting for a run_id and a log dir
        self._secrets = set()  # secret strings learnt from host variables
        self._secret_hosts = set()
        self._play = None
        self._playbook_seen = False
        self._finished = False
        self._warned = set()
        self._pid = os.getpid()
        self._exit_handlers = False

    # -- options ---------------------------------------------------------------

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super(CallbackModule, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self.log_dir_option = self.get_option("log_dir")
        self.announce = self.get_option("announce")
        self.phase_banners = self.get_option("phase_banners")
        self.link_rolled_back_run = self.get_option("link_rolled_back_run")

    # -- plumbing --------------------------------------------------------------

    def _guard(self, what, func, *args):
        try:
            func(*args)
        except Exception as exc:  # the record must never break the deploy
            message = "guarded.deploy.deploy_log: could not record %s: %s" % (what, exc)
            if message not in self._warned:  # a full disk should not warn on every task
                self._warned.add(message)
                self._display.warning(message)

    @property
    def journal_path(self):
        return os.path.join(self.run_dir, JOURNAL_FILE) if self.run_dir else None

    def _learn_secrets(self, result):
        """Add the host's secret variables to the scrub list (once per host and play)."""
        if self._play is None:
            return
        host = result.host
        key = (id(self._play), host.get_name())
        if key in self._secret_hosts:
            return
        self._secret_hosts.add(key)
        try:
            from ansible.template import Templar

            variables = self._play.get_variable_manager().get_vars(play=self._play, host=host, task=result.task)
            templar = Templar(loader=getattr(self._play, "_loader", None), variables=variables)
            self._secrets.update(secrets_from_vars(variables, render=templar.template))
        except Exception as exc:
            self._display.vvv("guarded.deploy.deploy_log: could not read the variables of %s: %s"
                              % (host.get_name(), exc))

    def _open_run_dir(self):
        run_id = self.record.get("run_id")
        log_dir = self.log_dir_option or runner_artifacts_dir() or self.record.get("log_dir")
        if not run_id or not log_dir:
            return False
        run_dir = os.path.join(os.path.abspath(os.path.expanduser(str(log_dir))), safe_dir_name(run_id))
        os.makedirs(run_dir, mode=RUN_DIR_MODE, exist_ok=True)
        os.chmod(run_dir, RUN_DIR_MODE)
        self.run_dir = run_dir
        self._install_exit_handlers()
        journal = self.journal_path
        previous = read_journal(journal) if os.path.exists(journal) else []
        if previous:
            self._display.warning("guarded.deploy.deploy_log: %s already exists; appending to it" % journal)
        pending, self._pending = self._pending, []
        for event in pending:
            self._append(event)
        if previous:
            self.record = fold_events(previous + pending)
        return True

    def _append(self, event):
        try:
            line = json.dumps(event, cls=AnsibleJSONEncoder)
        except (TypeError, ValueError):
            line = json.dumps(event, default=str)
        line += "\n"
        fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def _render(self, record):
        write_atomic(os.path.join(self.run_dir, RECORD_FILE), render_json(record))
        write_atomic(os.path.join(self.run_dir, MARKDOWN_FILE), render_markdown(record))

    def emit(self, event):
        """Scrub, fold, journal (or hold back) one event, then re-render the record."""
        event = scrub(event, self._secrets)
        self.record = apply_event(self.record, event)
        if self.run_dir is None:
            self._pending.append(event)
            if not self._open_run_dir():
                return
        else:
            self._append(event)
        self._render(self.record)

    def _events_from(self, result):
        """The deploy_event events carried by a result (one, or one per loop item)."""
        data = result.result
        events = []
        if isinstance(data.get(EVENT_KEY), dict):
            events.append(data[EVENT_KEY])
        for item in data.get("results") or []:
            if isinstance(item, dict) and isinstance(item.get(EVENT_KEY), dict):
                events.append(item[EVENT_KEY])
        return events

    def _journal_events(self, result):
        events = self._events_from(result)
        for event in events:
            self.emit(dict(event))
            if self.phase_banners and event.get("phase"):
                self._display.display(phase_banner(self.record, event))
        return bool(events)

    def _record_error(self, result, unreachable=False):
        self._learn_secrets(result)
        data = strip_internal_keys(module_response_deepcopy(dict(result.result)))
        host = result.host.get_name()
        try:
            task = result.task_name
        except Exception:
            task = result.task.get_name()
        self.emit({
            "at": utc_now(),
            "host": host,
            "error": {
                "task": task,
                "phase": open_phase(self.record, host),
                "msg": error_message(data, unreachable=unreachable),
            },
        })

    # -- interruption ------------------------------------------------------------

    def _install_exit_handlers(self):
        """Once a run directory exists: finish the record at exit, and turn SIGTERM into
        an exit."""
        if self._exit_handlers:
            return
        self._exit_handlers = True
        atexit.register(self._at_exit)
        try:
            signal.signal(signal.SIGTERM, self._on_sigterm)
        except (ValueError, OSError):  # not the main thread: atexit still works
            pass

    def _on_sigterm(self, signum, frame):
        """SIGTERM: leave through SystemExit so that atexit finishes the record (the
        default action would kill the process without it). Forked workers inherit the
        handler and keep the default behaviour."""
        if os.getpid() != self._pid:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise SystemExit(128 + signum)

    def _at_exit(self):
        if os.getpid() != self._pid or self._finished:
            return
        self._guard("the interrupted run", self._finish, None, "the run was interrupted")

    # -- handlers ----------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        self._guard("the playbook start", self._on_playbook_start, playbook)

    def _on_playbook_start(self, playbook):
        if self._playbook_seen:
            return
        self._playbook_seen = True
        run = {"playbook": os.path.basename(getattr(playbook, "_file_name", "") or "") or None,
               "controller": socket.gethostname(), "ansible_core": ansible_version,
               "collection_version": collection_version()}
        try:
            from ansible import context

            sources = context.CLIARGS.get("inventory") or ()
            if sources:
                run["inventory"] = ", ".join(
                    os.path.abspath(s) if os.path.exists(s) else s for s in sources)
            run["limit"] = context.CLIARGS.get("subset") or None
        except Exception:
            pass
        self.emit({"at": utc_now(), "host": None, "run": run})

    def v2_playbook_on_play_start(self, play):
        self._play = play

    def v2_runner_on_ok(self, result):
        self._guard("a task result", self._journal_events, result)

    def v2_runner_on_skipped(self, result):
        self._guard("a task result", self._journal_events, result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._guard("a failed task", self._on_failed, result, ignore_errors)

    def _on_failed(self, result, ignore_errors):
        if self._journal_events(result) or ignore_errors or _is_reraise(result):
            return
        self._record_error(result)

    def v2_runner_on_unreachable(self, result):
        self._guard("an unreachable host", self._record_error, result, True)

    def v2_playbook_on_stats(self, stats):
        self._guard("the end of the run", self._on_stats, stats)

    def _on_stats(self, stats):
        self._finish(stats, "the playbook ended before this host reported a final status")

    def _finish(self, stats, unfinished_msg):
        if self._finished:
            return
        self._finished = True
        for host, host_record in list((self.record.get("hosts") or {}).items()):
            if host_record.get("status") == "running":
                self.emit({
                    "at": utc_now(),
                    "host": host,
                    "host_status": "failed",
                    "error": {
                        "task": None,
                        "phase": open_phase(self.record, host),
                        "msg": unreachable_msg(self.record, host) if host in (getattr(stats, "dark", None) or {})
                        else unfinished_msg,
                    },
                })
        status = overall_status(self.record)
        if status == "running":  # no host record: judge by the play recap
            failed = stats is None or bool(getattr(stats, "failures", None) or getattr(stats, "dark", None))
            status = "failed" if failed else "succeeded"
        run = {"finished_at": utc_now(), "status": status}
        if stats is None:
            run["interrupted"] = True
        self.emit({"at": utc_now(), "host": None, "run": run})
        if self.run_dir is None:
            return
        # The final record comes from the journal alone, as it would after a crash.
        self.record = fold_events(read_journal(self.journal_path))
        self._render(self.record)
        write_atomic(os.path.join(self.run_dir, HTML_FILE), render_html(self.record))
        write_atomic(os.path.join(self.run_dir, JUNIT_FILE), render_junit(self.record))
        if self.link_rolled_back_run:
            self._guard("the link to the rolled-back run", self._link_rolled_back_run)
        if self.announce:
            if self.record.get("hosts"):
                self._display.display(render_summary(self.record))
            self._display.display("guarded.deploy: execution log: %s" % os.path.join(self.run_dir, MARKDOWN_FILE))
            self._display.display("guarded.deploy: report: %s" % os.path.join(self.run_dir, HTML_FILE))
            self._display.display("guarded.deploy: run record: %s" % os.path.join(self.run_dir, RECORD_FILE))
            self._display.display("guarded.deploy: run %s %s%s" % (
                self.record.get("run_id"), str(self.record.get("status")).replace("_", " ").upper(),
                " (check mode: nothing was changed)" if self.record.get("check_mode") else ""))

    def _link_rolled_back_run(self):
        """Append links.rolled_back_by to the journal of the run this one rolled back (when
        it is in the same log directory) and render that run's files again."""
        target = (self.record.get("links") or {}).get("rolls_back")
        run_id = self.record.get("run_id")
        if not target or not run_id or target == run_id or self.record.get("check_mode"):
            return
        target_dir = os.path.join(os.path.dirname(self.run_dir), safe_dir_name(target))
        journal = os.path.join(target_dir, JOURNAL_FILE)
        if not os.path.isfile(journal):
            return
        event = {"at": utc_now(), "host": None, "run": {"links": {"rolled_back_by": run_id}}}
        line = json.dumps(event) + "\n"
        fd = os.open(journal, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        record = fold_events(read_journal(journal))
        write_atomic(os.path.join(target_dir, RECORD_FILE), render_json(record))
        write_atomic(os.path.join(target_dir, MARKDOWN_FILE), render_markdown(record))
        write_atomic(os.path.join(target_dir, HTML_FILE), render_html(record))
