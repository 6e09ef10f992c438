# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run unattended the way AWX / Automation Controller does, through ansible-runner: a
private data dir with project/, inventory/ and env/, and the run record among the job's
artifacts (artifacts/<ident>/guarded-deploy/<run_id>/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from isolated_ansible import COLLECTIONS

RUNNER = os.path.join(os.path.dirname(sys.executable), "ansible-runner")
RUN_ID = "20261121T020000Z-runner"

PLAYBOOK = """
- name: A guarded run under ansible-runner
  hosts: all
  gather_facts: false
  tasks:
    - name: Start the run record
      guarded.deploy.deploy_event:
        run: {run_id: %s, app: payments, deploy_version: v2, log_dir: ./deploy-logs}
    - name: A phase
      guarded.deploy.deploy_event: {phase: preflight, status: started}
    - name: The phase ends
      guarded.deploy.deploy_event: {phase: preflight, status: ok, host_status: succeeded}
""" % RUN_ID


def test_ansible_runner_keeps_the_record_in_its_artifacts(tmp_path):
    if not os.path.exists(RUNNER):
        pytest.fail("ansible-runner is not installed next to %s (requirements.txt)" % sys.executable)
    data = tmp_path / "private"
    (data / "project").mkdir(parents=True)
    (data / "inventory").mkdir()
    (data / "env").mkdir()
    (data / "project" / "deploy.yml").write_text(PLAYBOOK, encoding="utf-8")
    (data / "inventory" / "hosts").write_text(
        "localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable, encoding="utf-8")
    (data / "env" / "envvars").write_text(json.dumps({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_CALLBACKS_ENABLED": "guarded.deploy.deploy_log",
    }), encoding="utf-8")
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith("ANSIBLE_") and not k.startswith("GUARDED_DEPLOY_"))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run([RUNNER, "run", str(data), "-p", "deploy.yml", "--ident", "job42"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout
    run_dir = data / "artifacts" / "job42" / "guarded-deploy" / RUN_ID
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "succeeded" and record["hosts"]["localhost"]["status"] == "succeeded"
    for name in ("events.jsonl", "execution-log.md", "report.html", "junit.xml"):
        assert (run_dir / name).exists(), name
    assert not (data / "project" / "deploy-logs").exists()  # nothing outside the artifacts
    assert "guarded.deploy: run record: %s" % (run_dir / "run.json") in (
        data / "artifacts" / "job42" / "stdout").read_text(encoding="utf-8")
