# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real ansible-playbook run with the deploy_log callback and the deploy_event action.

Runs on localhost (connection local); needs no PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import jsonschema
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, "collections")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
SECRET = "s3cret-pw"
RUN_ID = "20261121T020000Z-test"

PLAYBOOK = r"""
- name: Emit a small guarded run
  hosts: all
  gather_facts: false
  vars:
    deploy_db: {name: payments, user: app, password: s3cret-pw}
    deploy_log_dir: ./deploy-logs
  tasks:
    - name: Start the run record
      guarded.deploy.deploy_event:
        run:
          run_id: "{{ run_id }}"
          app: payments
          deploy_version: v2.0.0
          log_dir: "{{ deploy_log_dir }}"

    - name: Open the baseline phase
      guarded.deploy.deploy_event:
        phase: baseline
        status: started

    - name: Close the baseline phase with its values
      guarded.deploy.deploy_event:
        phase: baseline
        status: ok
        data:
          commit_before: 1111111
          note: "connected with {{ deploy_db.password }}"
          baselines:
            - {name: reconciled_payments, rule: not_decrease, before: 120}

    - name: Deploy the code
      block:
        - name: Open the code phase
          guarded.deploy.deploy_event:
            phase: code
            status: started

        - name: Apply the release
          ansible.builtin.command:
            argv:
              - sh
              - -c
              - "echo 'cannot reach postgresql://app:{{ deploy_db.password }}@db/payments ({{ deploy_db.password }})' >&2; exit 3"
          changed_when: false

        - name: Close the code phase
          guarded.deploy.deploy_event:
            phase: code
            status: ok
            host_status: succeeded
      rescue:
        - name: Close the code phase as failed and record the rollback
          guarded.deploy.deploy_event:
            phase: code
            status: failed
            data:
              rollback: {performed: true, db_restored: false, reason: "{{ ansible_failed_task.name }} failed"}
              baselines:
                - {name: reconciled_payments, rule: not_decrease, before: 120, after: 120, ok: true}
            host_status: rolled_back
"""


def run_playbook(tmp_path, *extra):
    (tmp_path / "deploy.yml").write_text(PLAYBOOK, encoding="utf-8")
    env = dict(os.environ)
    for key in [k for k in env if k.startswith("ANSIBLE_") or k.startswith("GUARDED_DEPLOY_")]:
        del env[key]
    env.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_CALLBACKS_ENABLED="guarded.deploy.deploy_log",
        ANSIBLE_CONFIG=os.path.join(str(tmp_path), "ansible.cfg"),  # none: defaults only
        ANSIBLE_LOCAL_TEMP=str(tmp_path / ".ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        GUARDED_DEPLOY_OPERATOR="ci-operator",
    )
    cmd = [
        ANSIBLE_PLAYBOOK, "-i", "localhost,",
        "-e", "ansible_connection=local",
        "-e", "ansible_python_interpreter=%s" % sys.executable,
        "-e", "run_id=%s" % RUN_ID,
        "deploy.yml",
    ] + list(extra)
    proc = subprocess.run(cmd, cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=300, check=False)
    return proc


def read_run(tmp_path):
    """The run's directory, run.json (checked against docs/run-record.schema.json) and journal."""
    run_dir = tmp_path / "deploy-logs" / RUN_ID
    with open(str(run_dir / "run.json"), encoding="utf-8") as handle:
        record = json.load(handle)
    with open(os.path.join(REPO, "docs", "run-record.schema.json"), encoding="utf-8") as handle:
        jsonschema.Draft202012Validator(json.load(handle)).validate(record)
    with open(str(run_dir / "events.jsonl"), encoding="utf-8") as handle:
        events = [json.loads(line) for line in handle]
    return run_dir, record, events


def assert_no_secret(root):
    for dirpath, dummy, files in os.walk(str(root / "deploy-logs")):
        for name in files:
            with open(os.path.join(dirpath, name), encoding="utf-8") as handle:
                assert SECRET not in handle.read(), "%s leaks the password" % name


@pytest.fixture(scope="module", autouse=True)
def ansible_available():
    if not os.path.exists(ANSIBLE_PLAYBOOK):
        pytest.skip("ansible-playbook not found next to %s" % sys.executable)


def test_playbook_run_writes_the_record(tmp_path):
    proc = run_playbook(tmp_path)
    assert proc.returncode == 0, proc.stdout
    run_dir, record, events = read_run(tmp_path)

    assert "guarded.deploy: execution log: %s" % (run_dir / "execution-log.md") in proc.stdout
    assert "guarded.deploy: run record: %s" % (run_dir / "run.json") in proc.stdout

    for key in ("schema_version", "run_id", "playbook", "status", "check_mode", "started_at", "finished_at",
                "operator", "app", "deploy_version", "inventory", "hosts", "errors", "links"):
        assert key in record, key
    assert record["schema_version"] == 1
    assert record["run_id"] == RUN_ID
    assert record["playbook"] == "deploy.yml"
    assert record["status"] == "rolled_back"
    assert record["check_mode"] is False
    assert record["operator"] == "ci-operator"
    assert record["app"] == "payments" and record["deploy_version"] == "v2.0.0"
    assert record["started_at"] <= record["finished_at"]
    assert record["collection_version"] == "0.1.0" and record["ansible_core"].startswith("2.")
    assert record["controller"] and record["limit"] is None

    host = record["hosts"]["localhost"]
    assert host["status"] == "rolled_back"
    assert host["commit_before"] == 1111111
    assert host["rollback"] == {"performed": True, "db_restored": False, "reason": "Apply the release failed"}
    phases = [(p["name"], p["status"]) for p in host["phases"]]
    assert phases == [("baseline", "ok"), ("code", "failed")]
    for phase in host["phases"]:
        assert isinstance(phase["duration_s"], (int, float)) and phase["duration_s"] >= 0
        assert phase["started_at"]

    assert len(record["errors"]) == 1
    error = record["errors"][0]
    assert error["host"] == "localhost"
    assert error["task"] == "Apply the release"
    assert error["phase"] == "code"
    assert "postgresql://app:********@db/payments" in error["msg"]

    # the journal: one JSON object per line, in order, ending with the run's end
    assert events[0]["run"]["playbook"] == "deploy.yml"
    assert events[1]["run"]["run_id"] == RUN_ID
    assert os.path.isabs(events[1]["run"]["log_dir"])
    assert [e.get("phase") for e in events if e.get("phase")] == ["baseline", "baseline", "code", "code"]
    assert events[-1]["run"]["status"] == "rolled_back"
    assert len(events) == 8

    markdown = (run_dir / "execution-log.md").read_text(encoding="utf-8")
    assert "**Status: ROLLED BACK**" in markdown
    assert "| reconciled_payments | not_decrease | 120 | 120 | OK |" in markdown
    assert "Apply the release" in markdown
    assert "## Sign-off" in markdown

    assert_no_secret(tmp_path)


def test_check_mode_run_is_recorded_as_check_mode(tmp_path):
    proc = run_playbook(tmp_path, "--check")
    assert proc.returncode == 0, proc.stdout
    dummy, record, events = read_run(tmp_path)
    assert record["check_mode"] is True
    # in check mode the command is skipped, so nothing fails and the code phase closes ok
    assert record["errors"] == []
    assert record["hosts"]["localhost"]["status"] == "succeeded"
    assert record["status"] == "succeeded"
    assert_no_secret(tmp_path)


INTERRUPTED_PLAYBOOK = r"""
- name: A run that is interrupted in its code phase
  hosts: all
  gather_facts: false
  tasks:
    - name: Start the run record
      guarded.deploy.deploy_event:
        run: {run_id: "{{ run_id }}", app: payments, deploy_version: v2.0.0, log_dir: ./deploy-logs}

    - name: Open the code phase
      guarded.deploy.deploy_event:
        phase: code
        status: started

    - name: Take a long time
      ansible.builtin.command:
        argv: [sleep, "120"]
      changed_when: false
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_playbook_still_leaves_a_finished_record(tmp_path, signum):
    (tmp_path / "interrupted.yml").write_text(INTERRUPTED_PLAYBOOK, encoding="utf-8")
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith("ANSIBLE_") and not k.startswith("GUARDED_DEPLOY_"))
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_CALLBACKS_ENABLED="guarded.deploy.deploy_log",
               ANSIBLE_CONFIG=os.path.join(str(tmp_path), "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / ".ansible-tmp"))
    cmd = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-e", "ansible_connection=local",
           "-e", "ansible_python_interpreter=%s" % sys.executable, "-e", "run_id=%s" % RUN_ID, "interrupted.yml"]
    proc = subprocess.Popen(cmd, cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    journal = tmp_path / "deploy-logs" / RUN_ID / "events.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and '"phase": "code"' in journal.read_text(encoding="utf-8"):
            break
        time.sleep(0.2)
    time.sleep(1.5)  # into the sleep task
    assert proc.poll() is None, proc.communicate()[0]
    proc.send_signal(signum)
    output = proc.communicate(timeout=120)[0]
    assert proc.returncode != 0

    run_dir, record, events = read_run(tmp_path)
    assert record["status"] == "failed" and record["interrupted"] is True and record["finished_at"]
    host = record["hosts"]["localhost"]
    assert host["status"] == "failed"
    assert host["phases"][-1]["name"] == "code"
    assert record["errors"][-1]["msg"] == "the run was interrupted" and record["errors"][-1]["phase"] == "code"
    assert events[-1]["run"]["interrupted"] is True
    for name in ("report.html", "junit.xml", "execution-log.md"):
        assert (run_dir / name).stat().st_size > 0, name
    assert "guarded.deploy: run %s FAILED" % RUN_ID in output
