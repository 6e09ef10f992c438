# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deploy lock of guarded.deploy.preflight, in a real ansible-playbook on localhost.

A lock left by an interrupted run is told apart (its ansible-playbook process is gone:
STALE; taken from another controller: cannot be checked; its process still runs: live),
refused with its owner and age, and released only with -e deploy_force_unlock=true, never
while its process runs; a run that loses the race for a free lock names the winner. Needs
no PostgreSQL.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from isolated_ansible import ANSIBLE_PLAYBOOK, isolated_ansible_env

RUN_ID = "20261121T030000Z-lock"
OLD_RUN = "20261121T010000Z-old"

PLAYBOOK = r"""
- name: Take the deploy lock the way the pipeline does
  hosts: all
  gather_facts: false
  vars:
    deploy_app: payments
    deploy_db: {name: payments}
    deploy_log_dir: ./deploy-logs
  tasks:
    - name: Open the run (run id, record, controller)
      ansible.builtin.include_role:
        name: guarded.deploy.pipeline
        tasks_from: start_run

    - name: Take the lock
      ansible.builtin.include_role:
        name: guarded.deploy.preflight
        tasks_from: "{{ lock_tasks | default('lock') }}"
"""


def _dead_pid():
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _run(tmp_path, lock_dir, *extra):
    (tmp_path / "site.yml").write_text(PLAYBOOK, encoding="utf-8")
    (tmp_path / "hosts").write_text("localhost ansible_connection=local\n", encoding="utf-8")
    env = isolated_ansible_env(tmp_path)
    argv = [ANSIBLE_PLAYBOOK, "-i", "hosts", "site.yml", "-e", "deploy_lock_dir=%s" % lock_dir,
            "-e", "deploy_run_id=%s" % RUN_ID, "-e", "ansible_python_interpreter=%s" % _python()] + list(extra)
    return subprocess.run(argv, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def _python():
    return sys.executable


def _lock(lock_dir, **owner):
    path = lock_dir / "payments.lock"
    path.mkdir(parents=True)
    base = {"run_id": OLD_RUN, "operator": "night-shift", "since": "2026-11-21T01:00:00Z"}
    base.update(owner)
    (path / "owner.json").write_text(json.dumps(base), encoding="utf-8")
    return path


def _owner(lock_dir):
    return json.loads((lock_dir / "payments.lock" / "owner.json").read_text(encoding="utf-8"))


def _record(tmp_path):
    return json.loads((tmp_path / "deploy-logs" / RUN_ID / "run.json").read_text(encoding="utf-8"))


def test_a_free_lock_is_taken_and_names_this_controller(tmp_path):
    lock_dir = tmp_path / "locks"
    run = _run(tmp_path, lock_dir)
    assert run.returncode == 0, run.stdout + run.stderr
    owner = _owner(lock_dir)
    assert owner["run_id"] == RUN_ID
    assert owner["controller"] == socket.gethostname()
    assert int(owner["pid"]) > 1 and int(owner["pid"]) != os.getpid()
    # the lock appeared with its owner inside (one rename): private, no staging left over
    assert (lock_dir / "payments.lock").stat().st_mode & 0o777 == 0o700
    assert (lock_dir / "payments.lock" / "owner.json").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in lock_dir.iterdir()) == ["payments.lock"]


def test_a_run_that_loses_the_race_names_the_winner(tmp_path):
    """The lock was free when this run read it, and another run took it before this one
    could: take_lock (the step after the read) meets the winner's complete lock."""
    lock_dir = tmp_path / "locks"
    _lock(lock_dir, controller="other-controller", pid=4242)
    run = _run(tmp_path, lock_dir, "-e", "lock_tasks=take_lock")
    assert run.returncode != 0
    out = run.stdout + run.stderr
    assert ("payments was locked a moment ago by run %s (operator night-shift, since 2026-11-21T01:00:00Z, "
            "from controller other-controller pid 4242)" % OLD_RUN) in " ".join(out.split())
    assert "Nothing was changed." in out
    assert _owner(lock_dir)["run_id"] == OLD_RUN
    assert sorted(p.name for p in lock_dir.iterdir()) == ["payments.lock"]


def test_a_stale_lock_is_refused_and_kept_without_force(tmp_path):
    lock_dir = tmp_path / "locks"
    _lock(lock_dir, controller=socket.gethostname(), pid=_dead_pid())
    run = _run(tmp_path, lock_dir)
    assert run.returncode != 0
    out = run.stdout + run.stderr
    assert "payments is locked by run %s" % OLD_RUN in out
    assert "STALE lock" in out and "deploy_force_unlock=true" in out
    assert "Nothing was changed." in out
    assert _owner(lock_dir)["run_id"] == OLD_RUN


def test_a_stale_lock_is_released_with_deploy_force_unlock_and_recorded(tmp_path):
    lock_dir = tmp_path / "locks"
    dead = _dead_pid()
    _lock(lock_dir, controller=socket.gethostname(), pid=dead)
    run = _run(tmp_path, lock_dir, "-e", "deploy_force_unlock=true")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "RELEASING THE STALE LOCK of run %s" % OLD_RUN in run.stdout
    assert _owner(lock_dir)["run_id"] == RUN_ID
    forced = _record(tmp_path)["hosts"]["localhost"]["lock_forced"]
    assert forced["state"] == "stale"
    assert forced["previous_owner"]["run_id"] == OLD_RUN
    assert int(forced["previous_owner"]["pid"]) == dead
    assert forced["age_s"] > 0


def test_the_lock_of_a_running_process_is_never_released(tmp_path):
    lock_dir = tmp_path / "locks"
    # this test's own process stands for an ansible-playbook that is still running
    _lock(lock_dir, controller=socket.gethostname(), pid=os.getpid())
    run = _run(tmp_path, lock_dir, "-e", "deploy_force_unlock=true")
    assert run.returncode != 0
    assert "still running here" in run.stdout + run.stderr
    assert _owner(lock_dir)["run_id"] == OLD_RUN


@pytest.mark.parametrize("owner", [{"controller": "other-controller", "pid": 4242}, {}],
                         ids=["other-controller", "old-lock-format"])
def test_a_lock_that_cannot_be_checked_needs_force(tmp_path, owner):
    lock_dir = tmp_path / "locks"
    _lock(lock_dir, **owner)
    run = _run(tmp_path, lock_dir)
    assert run.returncode != 0
    assert "cannot be checked from this controller" in run.stdout + run.stderr
    assert _owner(lock_dir)["run_id"] == OLD_RUN
    forced = _run(tmp_path, lock_dir, "-e", "deploy_force_unlock=true")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "RELEASING THE UNKNOWN LOCK" in forced.stdout
    assert _owner(lock_dir)["run_id"] == RUN_ID
