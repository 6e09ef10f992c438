# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ledger unit's graceful reload (examples/ledger/deploy/gunicorn-rolling-reload.sh
with the hooks of gunicorn.conf.py) against a real gunicorn 20.1, the version the test
hosts run (Debian 12).

The app's new version cannot finish its import until the test opens a gate file, so
whether requests are answered while the new workers load is decided by the reload method,
not by timing: with the rolling reload the old workers answer every request (old version)
and the script waits; once the gate opens the script stops the old workers and the new
version answers. With a plain HUP the same requests get no answer at all, which is the
downtime the benchmark measured (docs/PERFORMANCE.md). Timeouts below only bound a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
DEPLOY_DIR = os.path.join(os.path.dirname(os.path.dirname(TESTS_DIR)), "examples", "ledger", "deploy")
SCRIPT = os.path.join(DEPLOY_DIR, "gunicorn-rolling-reload.sh")
CONF = os.path.join(DEPLOY_DIR, "gunicorn.conf.py")

APP = '''
import os
import time

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "version"), encoding="ascii") as f:
    VERSION = f.read().strip()
while VERSION != "1" and not os.path.exists(os.path.join(HERE, "gate")):
    time.sleep(0.05)


def application(environ, start_response):
    body = ("%s %d" % (VERSION, os.getpid())).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''

WORKERS = 2

pytest.importorskip("gunicorn")
if shutil.which("pgrep") is None:
    pytest.skip("pgrep (procps) is not installed", allow_module_level=True)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _until(what, check, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %d s waiting for %s" % (timeout, what))
        time.sleep(0.1)


def _children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return sorted(int(p) for p in out.split())


class Server:
    def __init__(self, tmp_path):
        self.app_dir = tmp_path / "app"
        self.app_dir.mkdir()
        (self.app_dir / "app.py").write_text(APP)
        (self.app_dir / "version").write_text("1\n")
        self.ready_dir = tmp_path / "run"
        self.ready_dir.mkdir()
        self.port = _free_port()
        self.log = open(tmp_path / "gunicorn.log", "w+", encoding="utf-8")  # pylint: disable=consider-using-with
        env = dict(os.environ, RUNTIME_DIRECTORY=str(self.ready_dir), PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, "-m", "gunicorn", "--config", CONF, "--workers", str(WORKERS),
             "--bind", "127.0.0.1:%d" % self.port, "--chdir", str(self.app_dir), "app:application"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.workers = _until("the first workers", lambda: self.ready_workers() if len(self.ready_workers()) == WORKERS else None)

    def ready_workers(self):
        return sorted(int(p.name.split(".")[1]) for p in self.ready_dir.glob("ready.*"))

    def get(self, timeout=5):
        with urllib.request.urlopen("http://127.0.0.1:%d/" % self.port, timeout=timeout) as response:
            version, pid = response.read().decode().split()
        return version, int(pid)

    def logs(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        # A worker still in the gated import would hold the shutdown for graceful_timeout.
        (self.app_dir / "gate").touch()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path)
    yield srv
    srv.stop()


def _ask(srv, count):
    """(versions, worker PIDs) of COUNT answers."""
    answers = [srv.get() for dummy in range(count)]
    return {version for version, pid in answers}, {pid for version, pid in answers}


def _reload(srv, timeout=60):
    return subprocess.Popen(  # pylint: disable=consider-using-with
        ["sh", SCRIPT, str(srv.proc.pid), str(srv.ready_dir), str(timeout)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_rolling_reload_keeps_old_workers_serving_until_new_ones_loaded(server):
    old = server.workers
    assert _children(server.proc.pid) == old
    (server.app_dir / "version").write_text("2\n")
    reload = _reload(server)
    # Both new workers are forked and stuck in the new version's import.
    _until("the new workers", lambda: len(_children(server.proc.pid)) == 2 * WORKERS)
    versions, pids = _ask(server, 20)
    assert versions == {"1"}
    assert pids <= set(old)
    assert reload.poll() is None, reload.communicate()
    (server.app_dir / "gate").touch()
    out, err = reload.communicate(timeout=60)
    assert reload.returncode == 0, (out, err, server.logs())
    new = _children(server.proc.pid)
    assert len(new) == WORKERS and not set(new) & set(old)
    assert "%d workers replaced" % WORKERS in out
    versions, pids = _ask(server, 10)
    assert versions == {"2"}
    assert pids <= set(new)
    assert server.ready_workers() == new


def test_rolling_reload_stops_nothing_when_new_workers_never_load(server):
    old = server.workers
    (server.app_dir / "version").write_text("2\n")
    reload = _reload(server, timeout=3)
    out, err = reload.communicate(timeout=60)
    assert reload.returncode == 1, (out, err)
    assert "timed out after 3 s waiting for the new workers" in err
    assert set(old) <= set(_children(server.proc.pid))
    assert _ask(server, 10)[0] == {"1"}


def test_rolling_reload_refuses_a_pid_that_is_not_running(tmp_path):
    proc = subprocess.run(["sh", SCRIPT, "999999999", str(tmp_path), "5"], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "no gunicorn master with PID 999999999" in proc.stderr


def test_plain_hup_leaves_no_worker_to_answer_while_the_new_ones_load(server):
    """The control: what the rolling reload avoids."""
    (server.app_dir / "version").write_text("2\n")
    server.proc.send_signal(signal.SIGHUP)
    _until("the old workers to stop", lambda: not set(server.workers) & set(_children(server.proc.pid)))
    with pytest.raises((urllib.error.URLError, socket.timeout, TimeoutError)):
        server.get(timeout=3)
    (server.app_dir / "gate").touch()
    _until("the new version", lambda: server.get()[0] == "2")
