# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""backup_runs: the state of each run directory and the retention plan."""
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.guarded.deploy.plugins.filter.backups import FilterModule, backup_runs

ROOT = "/var/backups/guarded-deploy/shop"


def run(n):
    return "20261201T%02d0000Z-run%02d" % (n, n)


def layout(spec):
    """spec: {n: (has_snapshot, outcome status or None)} -> the filter's three path lists."""
    dirs, files, succeeded, running = [], [], [], []
    for n, (snapshot, status) in spec.items():
        dirs.append({"path": "%s/%s" % (ROOT, run(n)), "isdir": True})
        if snapshot:
            files.append({"path": "%s/%s/snapshot.json" % (ROOT, run(n))})
        if status:
            files.append({"path": "%s/%s/outcome.json" % (ROOT, run(n))})
            if status == "succeeded":
                succeeded.append({"path": "%s/%s/outcome.json" % (ROOT, run(n))})
            if status == "running":
                running.append("%s/%s/outcome.json" % (ROOT, run(n)))
    return dirs, files, succeeded, running


def plan(spec, **kwargs):
    dirs, files, succeeded, running = layout(spec)
    return backup_runs(dirs, files, succeeded=succeeded, running=running, **kwargs)


def states(result):
    return {r["run_id"]: r["state"] for r in result["runs"]}


def test_states_of_every_kind_of_run_directory():
    result = plan({1: (True, "succeeded"), 2: (True, "failed"), 3: (True, None), 4: (True, "running"),
                   5: (False, None), 6: (True, "rolled_back"), 7: (False, None), 8: (False, None)},
                  current_run=run(8), active_run=run(7))
    assert states(result) == {run(1): "succeeded", run(2): "finished", run(3): "interrupted", run(4): "interrupted",
                              run(5): "partial", run(6): "finished", run(7): "in progress", run(8): "this run"}
    assert [r["run_id"] for r in result["runs"]] == [run(n) for n in range(8, 0, -1)]  # newest first
    assert result["partial"] == [run(5)]
    assert result["prune"] == []  # keep 0: no retention
    assert sorted(result["protected"]) == sorted([run(8), run(7), run(4), run(3), run(1)])


def test_keep_counts_restore_points_not_partial_backups_and_never_prunes_protected_runs():
    spec = {n: (True, "failed") for n in range(1, 9)}
    spec[2] = (True, "succeeded")  # the newest succeeded: protected
    spec[3] = (True, "running")    # interrupted after its migrations began: protected
    spec[7] = (False, None)        # killed in its backup: removed, not counted
    spec[9] = (True, None)         # this run (its snapshot is written)
    result = plan(spec, current_run=run(9), keep=3)
    # restore points newest first: 9 8 6 5 4 3 2 1 -> keep 9 8 6; 5 4 1 go, 3 and 2 protected
    assert result["prune"] == [run(5), run(4), run(1)]
    assert result["partial"] == [run(7)]


def test_only_the_newest_succeeded_run_is_protected():
    result = plan({1: (True, "succeeded"), 2: (True, "succeeded"), 3: (True, "succeeded")}, keep=1)
    assert run(3) in result["protected"] and run(2) not in result["protected"]
    assert result["prune"] == [run(2), run(1)]


def test_a_directory_without_snapshot_that_is_this_run_or_in_progress_is_never_partial():
    result = plan({1: (False, None), 2: (False, None)}, current_run=run(1), active_run=run(2), keep=1)
    assert result["partial"] == [] and result["prune"] == []


def test_plain_paths_and_trailing_slashes_are_accepted():
    result = backup_runs([ROOT + "/" + run(1) + "/", ROOT + "/" + run(2)], [ROOT + "/" + run(2) + "/snapshot.json"])
    assert states(result) == {run(1): "partial", run(2): "interrupted"}


@pytest.mark.parametrize("kwargs,message", [
    ({"keep": "many"}, "keep must be an integer"),
    ({"keep": -1}, "keep must be 0 or more"),
    ({"files": "snapshot.json"}, "files must be a list"),
    ({"files": [{"size": 3}]}, "files has an item without a path"),
])
def test_bad_input_is_refused(kwargs, message):
    arguments = {"files": []}
    arguments.update(kwargs)
    with pytest.raises(AnsibleFilterError, match=message):
        backup_runs([], **arguments)


def test_filter_is_registered():
    assert FilterModule().filters()["backup_runs"] is backup_runs
