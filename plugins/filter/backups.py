# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that read the run directories under ``<deploy_backup_dir>/<deploy_app>/``.

``backup_runs``
    the state of each run directory (a restore point, a partial backup, an interrupted
    run, this run) and the retention plan of ``backup_keep_runs``: which runs are pruned,
    which are protected, which partial backups are removed.

Documentation: the sidecar files ``<filter>.yml`` next to this one (ansible-doc -t filter).
"""

from __future__ import annotations

import posixpath

from ansible.errors import AnsibleFilterError

SNAPSHOT = "snapshot.json"
OUTCOME = "outcome.json"


def _paths(value, name):
    """Paths from a list of strings or of find results' ``files`` items (dicts with path)."""
    if value is None:
        return []
    if isinstance(value, dict) and "files" in value:
        value = value["files"]
    if not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("backup_runs: %s must be a list of paths or of find results, got %r"
                                 % (name, type(value).__name__))
    paths = []
    for item in value:
        path = item.get("path") if isinstance(item, dict) else item
        if not isinstance(path, str) or not path:
            raise AnsibleFilterError("backup_runs: %s has an item without a path: %r" % (name, item))
        paths.append(path.rstrip("/"))
    return paths


def _runs_with(paths, filename):
    """The run ids (parent directory names) of the files named filename."""
    return {posixpath.basename(posixpath.dirname(p)) for p in paths if posixpath.basename(p) == filename}


def backup_runs(dirs, files, succeeded=None, running=None, current_run="", active_run="", keep=0):
    """Classify the run directories of one app on one host and plan their retention.

    ``dirs`` the run directories (paths or find results), ``files`` their snapshot.json and
    outcome.json files, ``succeeded`` / ``running`` the outcome.json files whose status is
    succeeded / running. ``current_run`` is this run (never touched), ``active_run`` the run
    that holds the deploy lock ('' when none), ``keep`` is backup_keep_runs (0: no
    retention).

    States: ``this run``; ``in progress`` (holds the lock); ``partial`` (no snapshot.json:
    its backup never finished, so it is no restore point); ``interrupted`` (a complete
    backup whose run never wrote a final outcome: rollback.yml may need it); else the
    outcome's status. Protected, never pruned and not counted against keep: this run, the
    run in progress, the newest succeeded run, every interrupted run. Partial backups are
    removed whatever keep is. The others beyond the newest ``keep`` restore points go.
    """
    try:
        keep = int(keep)
    except (TypeError, ValueError):
        raise AnsibleFilterError("backup_runs: keep must be an integer, got %r" % (keep,))
    if keep < 0:
        raise AnsibleFilterError("backup_runs: keep must be 0 or more, got %d" % keep)
    file_paths = _paths(files, "files")
    snapshots = _runs_with(file_paths, SNAPSHOT)
    outcomes = _runs_with(file_paths, OUTCOME)
    succeeded_runs = _runs_with(_paths(succeeded, "succeeded"), OUTCOME)
    running_runs = _runs_with(_paths(running, "running"), OUTCOME)
    run_ids = sorted({posixpath.basename(p) for p in _paths(dirs, "dirs")}, reverse=True)

    runs = []
    for run_id in run_ids:
        if current_run and run_id == current_run:
            state = "this run"
        elif active_run and run_id == active_run:
            state = "in progress"
        elif run_id not in snapshots:
            state = "partial"
        elif run_id not in outcomes or run_id in running_runs:
            state = "interrupted"
        elif run_id in succeeded_runs:
            state = "succeeded"
        else:
            state = "finished"
        runs.append({"run_id": run_id, "state": state})

    newest_succeeded = [r["run_id"] for r in runs if r["state"] == "succeeded"][:1]
    protected = [r["run_id"] for r in runs if r["state"] in ("this run", "in progress", "interrupted")
                 or r["run_id"] in newest_succeeded]
    partial = [r["run_id"] for r in runs if r["state"] == "partial"]
    points = [r["run_id"] for r in runs if r["state"] != "partial"]
    prune = [run_id for run_id in points[keep:] if run_id not in protected] if keep > 0 else []
    return {"runs": runs, "partial": partial, "prune": prune, "protected": protected}


class FilterModule(object):
    """guarded.deploy backup filters."""

    def filters(self):
        return {"backup_runs": backup_runs}
