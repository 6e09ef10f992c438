# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A throwaway PostgreSQL server: ``initdb`` into a fresh directory, ``pg_ctl start`` with
no TCP listener (``listen_addresses=''``), a Unix socket in that directory, a free port
number and ``trust`` authentication for local connections.

Shared by the ``pg_server`` fixture of tests/integration/conftest.py and by the
benchmarks in bench/ (bench/baseline_bench.py), so both run the same real server.

The server binaries come from ``pg_config --bindir`` or ``/usr/lib/postgresql/*/bin``.
``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` OS user
(or a dedicated ``guarded-pgtest`` system user created with ``useradd --system`` when
there is no ``postgres`` user), via ``runuser -u USER --``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile

FALLBACK_USER = "guarded-pgtest"
SUPERUSER = "postgres"


def find_bindir():
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


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_os_user():
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


def start_server(prefix="guarded-pgtest-"):
    """A started PgServer in a new temporary directory (raises RuntimeError when the
    machine has no PostgreSQL server binaries). Stop it with ``server.stop()``."""
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl, postgres) on this machine")
    base_dir = tempfile.mkdtemp(prefix=prefix)
    server = PgServer(bindir, base_dir, server_os_user(), free_port())
    try:
        server.start()
    except Exception:
        shutil.rmtree(base_dir, ignore_errors=True)
        raise
    return server
