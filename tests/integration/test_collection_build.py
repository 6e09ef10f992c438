# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as users get it: `ansible-galaxy collection build`, installed from the
tarball into an empty collections path (offline, dependencies from the `ansible`
package), then documented by ansible-doc and run from there (phases 2-3 against the real
test PostgreSQL server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile

import pytest
from isolated_ansible import REPO, db_vars, local_become_vars

pytestmark = pytest.mark.postgres

BIN = os.path.dirname(sys.executable)
DEV_ONLY = ("tests/", "molecule/", "bench/", "scripts/", "testhost/", ".ci/", ".config/", "collections/",
            ".venv/", ".cache/", "Makefile", "requirements.txt", "pytest.ini", "ansible.cfg")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(tarball, collections path with only guarded.deploy installed from it)."""
    work = tmp_path_factory.mktemp("build")
    (work / "empty.cfg").write_text("[defaults]\n", encoding="utf-8")
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    env["ANSIBLE_CONFIG"] = str(work / "empty.cfg")  # not the checkout's ansible.cfg
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(work), REPO],
                   check=True, env=env, cwd=str(work), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                   universal_newlines=True)
    tarball = next(work.glob("guarded-deploy-*.tar.gz"))
    path = work / "collections"
    proc = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--no-deps",
                           "-p", str(path), str(tarball)], env=env, cwd=str(work), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0 and "was installed successfully" in proc.stdout, proc.stdout
    return tarball, path


def test_the_tarball_has_no_development_files(installed):
    tarball, dummy = installed
    with tarfile.open(str(tarball)) as archive:
        names = archive.getnames()
    leaked = [n for n in names if n.startswith(DEV_ONLY) or "/.build/" in n or "node_modules" in n
              or "__pycache__" in n or n.endswith(".pyc")]
    assert leaked == []
    for needed in ("MANIFEST.json", "README.md",
                   "meta/runtime.yml", "playbooks/deploy.yml", "playbooks/rollback.yml",
                   "plugins/callback/deploy_log.py", "roles/pipeline/tasks/main.yml",
                   "roles/backup/meta/argument_specs.yml", "examples/ledger/provision.yml", "inventories/demo/hosts.yml"):
        assert needed in names, needed


def test_ansible_doc_renders_every_plugin_and_role_from_the_install(installed):
    dummy, path = installed
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    env.update(ANSIBLE_COLLECTIONS_PATH=str(path), ANSIBLE_CONFIG=str(path.parent / "empty.cfg"))
    listing = subprocess.run([os.path.join(BIN, "ansible-doc"), "-t", "role", "-l", "guarded.deploy", "--json"],
                             check=True, env=env, cwd=str(path), stdout=subprocess.PIPE,
                             universal_newlines=True).stdout
    roles = sorted(json.loads(listing))
    assert roles == sorted("guarded.deploy.%s" % r for r in os.listdir(os.path.join(REPO, "roles")))
    for kind, name in [("module", "postgresql_baseline"), ("module", "baseline_compare"),
                       ("module", "deploy_event"), ("callback", "deploy_log"), ("filter", "resolve_baselines")] + \
            [("role", r) for r in roles]:
        fqcn = name if name.startswith("guarded.deploy.") else "guarded.deploy." + name
        proc = subprocess.run([os.path.join(BIN, "ansible-doc"), "-t", kind, fqcn], env=env, cwd=str(path),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        assert proc.returncode == 0 and "[ERROR]" not in proc.stdout and "[WARNING]" not in proc.stdout, (
            kind, fqcn, proc.stdout[-800:])
        if kind != "role":  # plugin docs name the file they come from: the installed copy
            assert str(path) in proc.stdout, (kind, fqcn, proc.stdout[:400])


def test_the_installed_roles_back_up_a_real_database(installed, pg_server, tmp_path):
    dummy, path = installed
    pg_server.execute("DROP DATABASE IF EXISTS from_tarball WITH (FORCE)")
    pg_server.execute("CREATE DATABASE from_tarball")
    pg_server.execute("CREATE TABLE t AS SELECT generate_series(1, 500) AS id", dbname="from_tarball")
    (tmp_path / "app").mkdir()
    (tmp_path / "empty.cfg").write_text("[defaults]\n", encoding="utf-8")
    play = tmp_path / "play.yml"
    play.write_text("""
- name: Phases 2 and 3 from the installed collection
  hosts: all
  gather_facts: false
  tasks:
    - name: Start the run record
      guarded.deploy.deploy_event:
        run: {run_id: 20261121T020000Z-tarball, app: shop, deploy_version: v1, log_dir: "%s"}
    - name: Baselines
      ansible.builtin.include_role:
        name: guarded.deploy.baseline
    - name: Backup
      ansible.builtin.include_role:
        name: guarded.deploy.backup
      vars:
        __code_commit_before: null
        __code_target_commit: "2222222222222222222222222222222222222222"
""" % (tmp_path / "logs"), encoding="utf-8")
    extra = dict(db_vars(pg_server, "from_tarball"), ansible_connection="local",
                 ansible_python_interpreter=sys.executable, deploy_app="shop", deploy_version="v1",
                 deploy_app_dir=str(tmp_path / "app"), deploy_backup_dir=str(tmp_path / "backups"),
                 deploy_services=[], deploy_run_id="20261121T020000Z-tarball",
                 deploy_baselines=[{"name": "rows", "sql": "SELECT count(*) FROM t"}])
    extra.update(local_become_vars())
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    # only the installed guarded.deploy, and the `ansible` package's collections
    env.update(ANSIBLE_COLLECTIONS_PATH=str(path), ANSIBLE_CONFIG=str(tmp_path / "empty.cfg"),
               ANSIBLE_CALLBACKS_ENABLED="guarded.deploy.deploy_log", ANSIBLE_LOCAL_TEMP=str(tmp_path / ".tmp"),
               ANSIBLE_NOCOLOR="1")
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-e", json.dumps(extra),
                           str(play)], cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout
    record = json.loads((tmp_path / "logs" / "20261121T020000Z-tarball" / "run.json").read_text(encoding="utf-8"))
    host = record["hosts"]["localhost"]
    assert host["baselines"][0]["name"] == "rows" and host["baselines"][0]["before"] == 500
    assert host["backup"]["verified"] is True
    assert record["collection_version"] == "0.1.0"  # from the installed MANIFEST.json
