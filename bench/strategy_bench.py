# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""(8) Strategy and connection: the same Ledger deploy v1->v2 and its rollback.yml (code and
database) on one container, over the podman connection and over SSH with pipelining, each
with Ansible's linear strategy and with the collection's default guarded.deploy.mitogen_linear,
the interpreter named (/usr/bin/python3, as inventories/demo/group_vars/all.yml does); and a
fifth variant, podman + mitogen with interpreter discovery (ansible_python_interpreter=auto),
which Mitogen re-runs for every task over a container connection. The variants alternate
within each repeat, so they share the machine's load.

Settings: BENCH_STRATEGY_REPEAT (default 2) repeats of the four variants. Also runs alone:
    . testhost/podman-env.sh && .venv/bin/python bench/strategy_bench.py
"""

from __future__ import annotations

import tempfile

import benchlib as B

STRATEGIES = {"linear": "linear", "mitogen": "guarded.deploy.mitogen_linear",
              "mitogen, discovery": "guarded.deploy.mitogen_linear"}
# extra vars of a variant: the inventory names the interpreter, "discovery" asks for it again
EXTRA = {"mitogen, discovery": ["ansible_python_interpreter=auto_silent"]}
VARIANTS = [("podman", "linear"), ("podman", "mitogen"), ("podman", "mitogen, discovery"), ("ssh", "linear"),
            ("ssh", "mitogen")]


def measure():
    """Provision Ledger v1, then time deploy v2 + rollback.yml for each variant; returns the
    summary rows and prints the table."""
    repeat = B.env_int("BENCH_STRATEGY_REPEAT", 2)
    work = tempfile.mkdtemp(prefix="gd-bench-strategy-")
    host = B.Container("strategy", work)
    times = dict((variant, {"deploy": [], "rollback": []}) for variant in VARIANTS)
    try:
        B.log("strategy: starting %s" % host.name)
        host.start()
        inventories = dict((connection, host.inventory(connection=connection)) for connection in ("ssh", "podman"))
        B.log("strategy: provisioning Ledger v1")
        B.playbook(work, inventories["ssh"], "examples/ledger/provision.yml", label="provision")
        for index in range(repeat):
            for connection, strategy in VARIANTS:
                B.log("strategy: repeat %d of %d, %s + %s" % (index + 1, repeat, connection, strategy))
                env = {"ANSIBLE_STRATEGY": STRATEGIES[strategy]}
                extra = EXTRA.get(strategy, [])
                wall, dummy, dummy_rc = B.playbook(work, inventories[connection], "playbooks/deploy.yml",
                                                   ["deploy_version=v2"] + extra, label="deploy", env=env)
                times[(connection, strategy)]["deploy"].append(wall)
                wall, dummy, dummy_rc = B.playbook(work, inventories[connection], "playbooks/rollback.yml",
                                                   ["rollback_restore_db=true"] + extra, label="rollback", env=env)
                times[(connection, strategy)]["rollback"].append(wall)
    finally:
        B.cleanup(host, work)
    print("## Strategy and connection (8): deploy v1->v2, then rollback.yml (code + database), %d repeats\n"
          % repeat)
    rows = []
    for variant in VARIANTS:
        runs = times[variant]
        rows.append(("%s + %s" % variant, B.fmt(B.median(runs["deploy"])), B.fmt(B.median(runs["rollback"])),
                     ", ".join(B.fmt(t) for t in runs["deploy"]), ", ".join(B.fmt(t) for t in runs["rollback"])))
    print(B.table(["connection + strategy", "deploy median (s)", "rollback median (s)", "deploys (s)",
                   "rollbacks (s)"], rows))
    print()
    summary = []
    for connection in ("podman", "ssh"):
        for step in ("deploy", "rollback"):
            summary.append(("%s, mitogen / linear, %s (8)" % (step, connection),
                            B.median(times[(connection, "mitogen")][step]),
                            B.median(times[(connection, "linear")][step]), "< 1"))
    summary.append(("deploy, podman + mitogen: discovery / named interpreter (8)",
                    B.median(times[("podman", "mitogen, discovery")]["deploy"]),
                    B.median(times[("podman", "mitogen")]["deploy"]), ""))
    summary.append(("deploy, mitogen: podman / ssh (8)", B.median(times[("podman", "mitogen")]["deploy"]),
                    B.median(times[("ssh", "mitogen")]["deploy"]), ""))
    return summary


def main():
    rows = measure()
    print(B.table(["bench", "median A", "median B", "ratio A/B", "target"],
                  [(label, B.fmt(a), B.fmt(b), B.fmt(B.ratio(a, b), 3), target) for label, a, b, target in rows]))


if __name__ == "__main__":
    main()
