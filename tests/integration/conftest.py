# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throwaway PostgreSQL server for the ``postgres`` tests, and a way to run modules.

The ``pg_server`` session fixture starts a ``throwaway_pg.PgServer`` (``initdb`` into a
fresh temporary directory, no TCP listener, a Unix socket, a free port number, ``trust``
authentication for local connections; see throwaway_pg.py, which bench/ shares).  It is
stopped and deleted at the end of the session.

``run_module`` runs a module exactly as Ansible does: ``ansible-playbook`` on a one-task
playbook against implicit localhost, with this checkout's ``collections`` directory on
the collections path and the JSON stdout callback, and returns the task result.  The
module runs with this Python (so it uses this venv's psycopg2) unless
``GUARDED_TEST_TARGET_PYTHON`` names another interpreter, e.g. one with psycopg 3.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
from throwaway_pg import find_bindir, start_server

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(TESTS_DIR))
COLLECTIONS_PATH = os.path.join(REPO_ROOT, "collections")


@pytest.fixture(scope="session")
def pg_server():
    if find_bindir() is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine")
    try:
        import psycopg2  # noqa: F401  pylint: disable=unused-import
    except ImportError:
        pytest.skip("psycopg2 is not installed in this Python")
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


def run_module(module, args, check=False, tmp_dir=None):
    """Run ``module`` with ``args`` via ansible-playbook; return the task result dict."""
    work = tempfile.mkdtemp(prefix="guarded-ansible-", dir=tmp_dir)
    try:
        playbook = os.path.join(work, "play.yml")
        task = {module: args, "register": "result"}
        play = [{"hosts": "localhost", "gather_facts": False, "tasks": [task]}]
        with open(playbook, "w") as handle:
            json.dump(play, handle)  # JSON is YAML
        config = os.path.join(work, "ansible.cfg")
        with open(config, "w") as handle:
            handle.write("[defaults]\n")
        # Only what this function sets: no callbacks or config from the caller's environment.
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
        env.update(
            ANSIBLE_CONFIG=config,
            ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH,
            ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
            ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
            ANSIBLE_LOCAL_TEMP=os.path.join(work, "local-tmp"),
            ANSIBLE_REMOTE_TEMP=os.path.join(work, "remote-tmp"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_LOCALHOST_WARNING="0",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
        )
        target_python = os.environ.get("GUARDED_TEST_TARGET_PYTHON") or sys.executable
        argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook,
                "-e", "ansible_python_interpreter=%s" % target_python]
        if check:
            argv.append("--check")
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=work, timeout=300,
                              check=False)
        try:
            output = json.loads(proc.stdout)
            result = output["plays"][0]["tasks"][0]["hosts"]["localhost"]
        except (ValueError, KeyError, IndexError):
            raise AssertionError("could not read the task result (rc %s):\nSTDOUT:\n%s\nSTDERR:\n%s"
                                 % (proc.returncode, proc.stdout, proc.stderr))
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def ansible_module():
    """``ansible_module(name, args, check=False)`` -> task result dict."""
    return run_module
