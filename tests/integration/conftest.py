# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throwaway PostgreSQL server for the ``postgres`` tests, and a way to run modules.

The ``pg_server`` session fixture runs ``initdb`` into a fresh temporary directory and
starts the server with no TCP listener (``listen_addresses=''``), a Unix socket in a
temporary directory, a free port number and ``trust`` authentication for local
connections.  It is stopped and deleted at the end of the session.

The server binaries come from ``pg_config --bindir`` or ``/usr/lib/postgresql/*/bin``.
``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` OS user
(or a dedicated ``guarded-pgtest`` system user created with ``useradd --system`` when
there is no ``postgres`` user), via ``runuser -u USER --``.

``run_module`` runs a module exactly as Ansible does: ``ansible-playbook`` on a one-task
playbook against implicit localhost, with this checkout's ``collections`` directory on
the collections path and the JSON stdout callback, and returns the task result.  The
module runs with this Python (so it uses this venv's psycopg2) unless
``GUARDED_TEST_TARGET_PYTHON`` names another interpreter, e.g. one with psycopg 3.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(TESTS_DIR))
COLLECTIONS_PATH = os.path.join(REPO_ROOT, "collections")
FALLBACK_USER = "guarded-pgtest"
SUPERUSER = "postgres"


def _find_bindir():
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 check=True, timeout=30).stdout.strip()
            candidates.append(out)
        except (subprocess.SubprocessError, OSError):
            pass

    def version_key(path):
        try:
            return float(path.rstrip("/").split("/")[-2])
        except ValueError:
            return 0.0

    candidates.extend(sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version_key, reverse=True))
    for bindir in candidates:
        if all(os.access(os.path.join(bindir, tool), os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_os_user():
    """The OS user to run the server as: None means the current (non-root) user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
        return "postgres"
    except KeyError:
        pass
    try:
        pwd.getpwnam(FALLBACK_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        FALLBACK_USER], check=True, capture_output=True, timeout=60)
    return FALLBACK_USER


class PgServer:
    """Connection details of the throwaway server, plus small helpers."""

    def __init__(self, bindir, base_dir, os_user, port):
        self.bindir = bindir
        self.base_dir = base_dir
        self.data_dir = os.path.join(base_dir, "data")
        self.socket_dir = os.path.join(base_dir, "socket")
        self.log_file = os.path.join(base_dir, "server.log")
        self.os_user = os_user
        self.port = port
        self.user = SUPERUSER

    def _as_user(self, argv):
        if self.os_user is None:
            return argv
        return ["runuser", "-u", self.os_user, "--"] + argv

    def run_tool(self, tool, *args, timeout=120):
        argv = self._as_user([os.path.join(self.bindir, tool)] + list(args))
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            log = ""
            if os.path.exists(self.log_file):
                with open(self.log_file) as handle:
                    log = handle.read()[-4000:]
            raise RuntimeError("%s failed (%s):\n%s\n%s\n%s" % (
                tool, proc.returncode, proc.stdout, proc.stderr, log))
        return proc

    def start(self):
        os.makedirs(self.socket_dir)
        if self.os_user is not None:
            entry = pwd.getpwnam(self.os_user)
            for path in (self.base_dir, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        os.chmod(self.base_dir, 0o700)
        self.run_tool("initdb", "-D", self.data_dir, "-U", SUPERUSER, "--auth=trust",
                      "--encoding=UTF8", "--locale=C", "--no-sync")
        options = "-c listen_addresses='' -k %s -p %d -c fsync=off" % (self.socket_dir, self.port)
        self.run_tool("pg_ctl", "-D", self.data_dir, "-l", self.log_file, "-w", "-t", "60",
                      "-o", options, "start")

    def stop(self):
        try:
            self.run_tool("pg_ctl", "-D", self.data_dir, "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def connect(self, dbname="postgres", autocommit=True):
        import psycopg2

        conn = psycopg2.connect(host=self.socket_dir, port=self.port, user=self.user, dbname=dbname)
        conn.autocommit = autocommit
        return conn

    def execute(self, sql, dbname="postgres", fetch=False):
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if fetch else None
        finally:
            conn.close()

    def connection_args(self, dbname):
        """Module options that reach this server."""
        return dict(db=dbname, login_user=self.user, login_unix_socket=self.socket_dir,
                    login_port=self.port)


@pytest.fixture(scope="session")
def pg_server():
    bindir = _find_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine")
    try:
        import psycopg2  # noqa: F401  pylint: disable=unused-import
    except ImportError:
        pytest.skip("psycopg2 is not installed in this Python")
    base_dir = tempfile.mkdtemp(prefix="guarded-pgtest-")
    server = PgServer(bindir, base_dir, _server_os_user(), _free_port())
    try:
        server.start()
    except Exception:
        shutil.rmtree(base_dir, ignore_errors=True)
        raise
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
