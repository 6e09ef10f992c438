# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the cost of the guarded.deploy.deploy_log callback.

Runs one playbook of 500 trivial tasks (ansible.builtin.debug on localhost; every 50th
task is a guarded.deploy.deploy_event phase event, so the callback journals and renders
for real) with the callback off and on, alternating, ROUNDS times each, and prints the
median wall times and their ratio (target: on/off <= 1.05). Not a test: it asserts nothing.

    .venv/bin/python bench/callback_overhead.py [--rounds 5] [--tasks 500]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def playbook(tasks):
    lines = [
        "- name: Trivial tasks",
        "  hosts: all",
        "  gather_facts: false",
        "  tasks:",
        "    - name: Open the run",
        "      guarded.deploy.deploy_event:",
        "        run: {run_id: \"{{ run_id }}\", app: bench, deploy_version: v1, log_dir: \"{{ log_dir }}\"}",
    ]
    for i in range(tasks):
        if i % 50 == 0:
            lines += [
                "    - name: Event %d" % i,
                "      guarded.deploy.deploy_event: {phase: code, status: %s}" % ("started" if (i // 50) % 2 == 0 else "ok"),
            ]
        else:
            lines += ["    - name: Task %d" % i, "      ansible.builtin.debug: {msg: task %d, verbosity: 1}" % i]
    return "\n".join(lines) + "\n"


def run(work, callback, index):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, "collections"),
               ANSIBLE_CONFIG=os.path.join(work, "ansible.cfg"),
               ANSIBLE_CALLBACKS_ENABLED="guarded.deploy.deploy_log" if callback else "ansible.posix.timer",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    # "off" enables ansible.posix.timer instead (an empty list is an error in ansible-core 2.19)
    argv = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable,
            "-e", "run_id=bench-%s-%d" % ("on" if callback else "off", index),
            "-e", "log_dir=%s" % os.path.join(work, "logs"), "play.yml"]
    start = time.monotonic()
    subprocess.run(argv, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, check=True)
    return time.monotonic() - start


def measure(rounds=5, tasks=500):
    """Run the alternating rounds; returns {False: [off times], True: [on times]}."""
    work = tempfile.mkdtemp(prefix="gd-bench-callback-")
    try:
        with open(os.path.join(work, "play.yml"), "w", encoding="utf-8") as handle:
            handle.write(playbook(tasks))
        with open(os.path.join(work, "ansible.cfg"), "w", encoding="utf-8") as handle:
            handle.write("[defaults]\n")
        run(work, False, -1)  # warm the caches
        times = {False: [], True: []}
        for index in range(rounds):
            for callback in (False, True) if index % 2 == 0 else (True, False):
                times[callback].append(run(work, callback, index))
        return times
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=500)
    args = parser.parse_args()
    times = measure(args.rounds, args.tasks)
    off, on = statistics.median(times[False]), statistics.median(times[True])
    print("callback overhead: %d tasks, %d rounds each, local connection" % (args.tasks, args.rounds))
    print("| variant | median (s) | runs (s) |")
    print("|---|---|---|")
    for label, key in (("deploy_log off", False), ("deploy_log on", True)):
        print("| %s | %.2f | %s |" % (label, statistics.median(times[key]), ", ".join("%.2f" % t for t in times[key])))
    print("ratio on/off: %.3f (target <= 1.05)" % (on / off))


if __name__ == "__main__":
    main()
