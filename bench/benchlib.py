# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared helpers of the benchmarks in bench/: configuration from the environment, a
test-host container (real systemd + PostgreSQL 15, reached over SSH with pipelining),
ansible-playbook runs with their run.json, an HTTP prober and Markdown tables.

Nothing here asserts a timing: the benchmarks measure and print.
"""

from __future__ import annotations

import glob
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
IMAGE = "localhost/guarded-deploy/host:latest"


def env_int(name, default):
    """An integer setting from the environment (BENCH_*), or its default."""
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def log(message):
    """Progress on stderr, so stdout carries only the tables."""
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), message))
    sys.stderr.flush()


def median(values):
    """Median of a list, or None when it is empty."""
    return statistics.median(values) if values else None


def fmt(value, digits=2):
    """A number for a table cell ('-' for None)."""
    if value is None:
        return "-"
    return "%.*f" % (digits, value)


def ratio(numerator, denominator):
    """numerator / denominator, or None when either is missing."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def table(headers, rows):
    """A Markdown table as a string."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def sh(argv, check=True, capture=True, stdin=None, timeout=None):
    """Run a local command; returns the CompletedProcess (text)."""
    return subprocess.run(argv, check=check, text=True, input=stdin, timeout=timeout,
                          stdout=subprocess.PIPE if capture else None,
                          stderr=subprocess.STDOUT if capture else None)


class Container:
    """One test-host container named guarded-bench-<suffix>, reached over SSH."""

    def __init__(self, suffix, work, network=None, ip=None, key=None):
        self.name = "guarded-bench-" + suffix
        self.work = work
        self.key = key or os.path.join(work, "ssh_key")
        self.network = network  # a podman network of the benchmark, with a static ip
        self.ip = ip

    def start(self):
        """(Re)create the container (only ever one named guarded-bench-*), wait for
        systemd, install an SSH key and start sshd."""
        sh(["podman", "rm", "-f", self.name], check=False)
        place = ["--network", self.network, "--ip", self.ip] if self.network else []
        sh(["podman", "run", "-d", "--name", self.name, "--hostname", self.name,
            "--systemd=always"] + place + [IMAGE])
        for dummy in range(90):
            state = sh(["podman", "exec", self.name, "systemctl", "is-system-running"], check=False).stdout.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(1)
        if not self.network:
            self.ip = sh(["podman", "inspect", "-f", "{{.NetworkSettings.IPAddress}}", self.name]).stdout.strip()
        if not os.path.exists(self.key):
            sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", self.name, "-f", self.key])
        with open(self.key + ".pub", encoding="utf-8") as handle:
            pub = handle.read()
        self.exec_(["bash", "-c", "install -d -m 700 /root/.ssh && cat > /root/.ssh/authorized_keys"
                    " && chmod 600 /root/.ssh/authorized_keys && systemctl start ssh"], stdin=pub)
        for dummy in range(30):
            if self.ssh("true", check=False).returncode == 0:
                return
            time.sleep(1)
        raise RuntimeError("sshd in %s does not answer" % self.name)

    def exec_(self, argv, check=True, stdin=None):
        """podman exec (setup steps only; timed steps go over SSH like ansible)."""
        return sh(["podman", "exec", "-i", self.name] + argv, check=check, stdin=stdin)

    def ssh_argv(self):
        """The ssh command line that reaches root in the container."""
        return ["ssh", "-i", self.key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "root@" + self.ip]

    def ssh(self, script, check=True):
        """Run a bash script as root in the container over one SSH connection."""
        return sh(self.ssh_argv() + ["bash", "-s"], check=check, stdin="set -euo pipefail\n" + script)

    def psql(self, sql, database="ledger"):
        """Run SQL as postgres over the unix socket; returns stdout."""
        return self.exec_(["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                           "-d", database, "-c", sql]).stdout

    def remove(self):
        """Remove the container (it was created by this benchmark)."""
        sh(["podman", "rm", "-f", self.name], check=False)

    def inventory(self, group="django", connection="ssh"):
        """Write an inventory for this container next to the demo group_vars; returns its path.
        connection: ssh (root, the benchmark's key; how production hosts are reached) or
        podman (`podman exec`, how the molecule scenarios and the demo reach their hosts)."""
        directory = os.path.join(self.work, "inventory" if connection == "ssh" else "inventory-" + connection)
        os.makedirs(directory, exist_ok=True)
        link = os.path.join(directory, "group_vars")
        if not os.path.exists(link):
            os.symlink(os.path.join(REPO, "inventories", "demo", "group_vars"), link)
        if connection == "ssh":
            host_vars = ("          ansible_connection: ssh\n          ansible_host: %s\n          ansible_user: root\n"
                         "          ansible_ssh_private_key_file: %s\n"
                         "          ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null\n"
                         % (self.ip, self.key))
        else:
            host_vars = "          ansible_connection: %s\n          ansible_host: %s\n" % (connection, self.name)
        path = os.path.join(directory, "hosts.yml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("all:\n  children:\n    %s:\n      hosts:\n        %s:\n%s" % (group, self.name, host_vars))
        return path


def cleanup(host, work):
    """Remove the benchmark's container and work directory, or keep both (BENCH_KEEP)."""
    if os.environ.get("BENCH_KEEP"):
        log("kept %s and %s" % (host.name, work))
    else:
        host.remove()
        shutil.rmtree(work, ignore_errors=True)


def ansible_env(work, more=None):
    """Environment of the benchmarked ansible-playbook runs: the repo's collection, the
    deploy_log callback, SSH pipelining, run records under <work>/deploy-logs (plus `more`)."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    env.update(more or {})
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "collections"),
               ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
               ANSIBLE_CALLBACKS_ENABLED="guarded.deploy.deploy_log",
               ANSIBLE_PIPELINING="true", ANSIBLE_HOST_KEY_CHECKING="false",
               ANSIBLE_PYTHON_INTERPRETER="auto_silent",
               GUARDED_DEPLOY_LOG_DIR=os.path.join(work, "deploy-logs"),
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    return env


def playbook(work, inventory, path, extra=(), check=True, label="", limit=None, env=None):
    """Run ansible-playbook (--limit limit, with the variables env added to its
    environment); returns (wall seconds, run.json dict or None, rc)."""
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, os.path.join(REPO, path)]
    if limit:
        argv += ["--limit", limit]
    for item in extra:
        argv += ["-e", item]
    output = os.path.join(work, "ansible-%s-%d.log" % (label or "run", int(time.time() * 1000)))
    start = time.monotonic()
    with open(output, "w", encoding="utf-8") as handle:
        result = subprocess.run(argv, cwd=REPO, env=ansible_env(work, env), stdout=handle, stderr=subprocess.STDOUT,
                                check=False)
    wall = time.monotonic() - start
    if check and result.returncode != 0:
        with open(output, encoding="utf-8") as handle:
            tail = handle.read()[-3000:]
        raise RuntimeError("ansible-playbook %s failed (rc %d), log %s:\n%s" % (path, result.returncode, output, tail))
    return wall, run_record(work, output), result.returncode


def run_record(work, output):
    """The run.json of the run whose id the deploy_log callback printed in output."""
    with open(output, encoding="utf-8") as handle:
        ids = re.findall(r"^guarded\.deploy: run (\S+) ", handle.read(), re.M)
    if not ids:
        return None
    paths = glob.glob(os.path.join(work, "deploy-logs", "**", ids[-1], "run.json"), recursive=True)
    if not paths:
        return None
    with open(paths[0], encoding="utf-8") as handle:
        return json.load(handle)


def phases(record):
    """{phase name: duration_s} of the first host of a run record."""
    if not record:
        return {}
    host = next(iter(record.get("hosts", {}).values()), {})
    result = {}
    for phase in host.get("phases", []):
        if phase.get("duration_s") is not None:
            result[phase["name"]] = result.get(phase["name"], 0.0) + phase["duration_s"]
    return result


class Prober:
    """GET url at `rate` requests/s until stopped, from `workers` threads on a fixed
    schedule (so one slow answer does not lower the rate); counts failures (no answer
    within 2 s or a status other than 200) and the longest time between two successful
    answers."""

    def __init__(self, host, path="/health/", rate=20, workers=10):
        self.host, self.path, self.rate, self.workers = host, path, rate, workers
        self.stopping = threading.Event()
        self.results = []  # (time, status or None); list.append is atomic
        self.threads = []

    def start(self):
        """Start the worker threads."""
        begin = time.monotonic()
        for index in range(self.workers):
            thread = threading.Thread(target=self.work, args=(begin + index / float(self.rate),), daemon=True)
            thread.start()
            self.threads.append(thread)

    def work(self, due):
        """One worker: a request every workers/rate seconds from `due` on."""
        period = self.workers / float(self.rate)
        while not self.stopping.is_set():
            self.stopping.wait(max(0.0, due - time.monotonic()))
            if self.stopping.is_set():
                break
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection(self.host, 80, timeout=2)
                conn.request("GET", self.path)
                status = conn.getresponse().status
                conn.close()
            except (OSError, http.client.HTTPException):
                status = None
            self.results.append((started, status))
            due = max(due + period, time.monotonic())

    def stop(self):
        """Stop and return {requests, failed, http_503, longest_gap_s, rate}."""
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        self.results.sort()
        ok_times = [t for t, s in self.results if s == 200]
        gaps = [b - a for a, b in zip(ok_times, ok_times[1:])]
        span = (self.results[-1][0] - self.results[0][0]) if len(self.results) > 1 else 0.0
        return {"requests": len(self.results),
                "failed": sum(1 for dummy, s in self.results if s != 200),
                "http_503": sum(1 for dummy, s in self.results if s == 503),
                "longest_gap_s": max(gaps) if gaps else None,
                "rate": len(self.results) / span if span else None}
