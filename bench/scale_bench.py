# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scale benchmark (6): deploy time of Ledger v1->v2 on 1, 2 and 4 app hosts sharing one
database, with deploy_serial 1 (one host restarted at a time) and 100% (all at once).

The fleet of molecule/fleet, in containers of this benchmark: guarded-bench-scale-db
(PostgreSQL + the nginx load balancer in front of the app hosts) and max(BENCH_SCALE_HOSTS)
app containers guarded-bench-scale-app<i>, on a podman network guarded-bench-scale
(BENCH_SCALE_SUBNET, default 10.89.78.0/24, apart from the fleet scenario's 10.89.77.0/24),
reached over SSH with pipelining. They are provisioned by molecule/fleet/prepare.yml itself
(Ledger v1 on every app host, migrated and seeded once on the shared database) with the
scenario's group_vars read from molecule/fleet/molecule.yml (addresses and paths replaced),
so the deploy contract is the fleet scenario's: shared database, deploy_lb_hook draining
each host on the load balancer while it restarts, baselines, smoke tests.

For each host count N and each serial: playbooks/deploy.yml -e deploy_version=v2
--limit <the first N app hosts> is timed (wall time, and the phases of every host from
run.json); then, untimed, playbooks/rollback.yml -e rollback_run_id=<that run> over the
same hosts brings them back to v1 (code on each host, the database restored from the
deploy's backup once), and the old databases the swap leaves are dropped. Every timed
deploy therefore does the same work: a backup, two migrations, N restarts.

Prints Markdown tables; asserts nothing. measure() returns the summary rows of run.py.

    BENCH_SCALE_HOSTS=1,2,4 .venv/bin/python bench/scale_bench.py
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
import time

import yaml

import benchlib as B
from host_bench import DROP_OLD

FLEET = os.path.join(B.REPO, "molecule", "fleet")
NETWORK = "guarded-bench-scale"
SERIALS = ("1", "100%")


def settings():
    """BENCH_SCALE_HOSTS (host counts) and BENCH_SCALE_SUBNET (a /24)."""
    counts = [int(item) for item in os.environ.get("BENCH_SCALE_HOSTS", "1,2,4").split(",") if item.strip()]
    subnet = os.environ.get("BENCH_SCALE_SUBNET", "").strip() or "10.89.78.0/24"
    return sorted(set(counts)), subnet


def address(subnet, last):
    """The address <subnet's first three octets>.<last>."""
    return ".".join(subnet.split("/")[0].split(".")[:3] + [str(last)])


def replaced(value, mapping):
    """value (from molecule.yml) with every string's placeholders replaced."""
    if isinstance(value, dict):
        return dict((key, replaced(item, mapping)) for key, item in value.items())
    if isinstance(value, list):
        return [replaced(item, mapping) for item in value]
    if isinstance(value, str):
        for old, new in mapping.items():
            value = value.replace(old, new)
    return value


def write_inventory(work, db, apps):
    """The fleet scenario's inventory for our containers: its group_vars (fleet_db, django)
    from molecule/fleet/molecule.yml with its addresses, names and paths replaced, and
    host_vars reaching each container over SSH with pipelining. Returns its path."""
    with open(os.path.join(FLEET, "molecule.yml"), encoding="utf-8") as handle:
        scenario = yaml.safe_load(handle)
    mapping = {"10.89.77.10": db.ip, "guarded-molecule-fleet-db": db.name,
               "${MOLECULE_PROJECT_DIRECTORY}": B.REPO, "${MOLECULE_EPHEMERAL_DIRECTORY}": work}
    group_vars = replaced(scenario["provisioner"]["inventory"]["group_vars"], mapping)

    def host(container):
        return {"ansible_connection": "ssh", "ansible_host": container.ip, "ansible_user": "root",
                "ansible_pipelining": True, "ansible_ssh_private_key_file": container.key,
                "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
                                           " -o ConnectTimeout=5"}

    inventory = {"all": {"children": {
        "fleet_db": {"hosts": {db.name: host(db)}, "vars": group_vars["fleet_db"]},
        "django": {"hosts": dict((app.name, host(app)) for app in apps), "vars": group_vars["django"]}}}}
    path = os.path.join(work, "inventory.yml")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=1)  # JSON is YAML
    return path


def fleet(work, subnet, count):
    """The containers (not started yet): (db, [app1..app<count>])."""
    key = os.path.join(work, "fleet_ssh_key")  # the name prepare.yml generates and installs
    db = B.Container("scale-db", work, network=NETWORK, ip=address(subnet, 10), key=key)
    apps = [B.Container("scale-app%d" % index, work, network=NETWORK, ip=address(subnet, 10 + index), key=key)
            for index in range(1, count + 1)]
    return db, apps


def provision(work, subnet, db, apps):
    """Network, containers and molecule/fleet/prepare.yml; returns the inventory's path."""
    B.sh(["podman", "network", "rm", "-f", NETWORK], check=False)
    B.sh(["podman", "network", "create", "--subnet", subnet, NETWORK])
    for container in [db] + apps:
        B.log("starting %s (%s)" % (container.name, container.ip))
        container.start()
    # prepare.yml admits the fleet scenario's subnet; admit ours too (its restart loads it)
    db.exec_(["bash", "-c", "echo 'host all all %s scram-sha-256' >> /etc/postgresql/15/main/pg_hba.conf" % subnet])
    inventory = write_inventory(work, db, apps)
    B.log("provisioning Ledger v1 on %d app hosts with molecule/fleet/prepare.yml" % len(apps))
    B.playbook(work, inventory, "molecule/fleet/prepare.yml", label="provision",
               env={"MOLECULE_EPHEMERAL_DIRECTORY": work, "MOLECULE_PROJECT_DIRECTORY": B.REPO})
    return inventory


def host_phases(record):
    """{phase: [summed seconds over the hosts, first start, last end]} of a run record
    (phases not run count 0). The hosts of one run go through the shared phases together
    (one play, the restart batches inside it), so the sum double-counts; the span from the
    first host's start to the last host's end is the phase's share of the wall time."""
    result = {}
    for host in ((record or {}).get("hosts") or {}).values():
        for phase in host.get("phases", []):
            seconds = phase.get("duration_s") or 0.0
            entry = result.setdefault(phase["name"], [0.0, None, None])
            entry[0] += seconds
            if phase.get("started_at") and phase.get("duration_s") is not None:
                start = datetime.datetime.fromisoformat(phase["started_at"]).timestamp()
                entry[1] = start if entry[1] is None else min(entry[1], start)
                entry[2] = start + seconds if entry[2] is None else max(entry[2], start + seconds)
    return result


def run(work, db, apps, inventory, counts):
    """The timed deploys and untimed rollbacks; returns (a list of sample dicts, the
    error that stopped them or None): a failed playbook ends the series, and the
    samples taken until then are still reported."""
    samples = []
    try:
        series(work, db, apps, inventory, counts, samples)
    except RuntimeError as error:
        B.log("stopped: %s" % error)
        return samples, str(error).splitlines()[0]
    return samples, None


def series(work, db, apps, inventory, counts, samples):
    """Append a sample dict to samples for each host count and serial."""
    for count in counts:
        limit = ",".join(app.name for app in apps[:count])
        for serial in SERIALS:
            label = "%d-%s" % (count, serial.replace("%", "pct"))
            B.log("deploy v1->v2 on %d host(s), deploy_serial %s" % (count, serial))
            wall, record, dummy = B.playbook(work, inventory, "playbooks/deploy.yml", label="deploy-" + label,
                                             limit=limit, extra=["deploy_version=v2",
                                                                 json.dumps({"deploy_serial": serial})])
            B.log("  %.1f s; rollback to v1 (untimed)" % wall)
            back, dummy, dummy = B.playbook(work, inventory, "playbooks/rollback.yml", label="rollback-" + label,
                                            limit=limit, extra=["rollback_run_id=%s" % record["run_id"]])
            db.ssh(DROP_OLD)
            samples.append({"hosts": count, "serial": serial, "wall": wall, "rollback": back,
                            "phases": host_phases(record), "status": record.get("status")})


def report(samples, error=None):
    """Print the tables (and the error that ended the series early); returns the summary
    rows (label, value, base, target)."""
    one = dict((s["serial"], s["wall"]) for s in samples if s["hosts"] == 1)
    rows = []
    for sample in samples:
        rows.append((sample["hosts"], sample["serial"], B.fmt(sample["wall"], 1),
                     B.fmt(sample["wall"] / sample["hosts"], 1),
                     B.fmt(B.ratio(sample["wall"], one.get(sample["serial"]))),
                     B.fmt(sample["rollback"], 1)))
    print("## Scale (6): Ledger v1->v2 on N app hosts sharing one database, deploy_serial 1 and 100%\n")
    print(B.table(["app hosts", "deploy_serial", "wall (s)", "per host (s)", "ratio to 1 host",
                   "rollback to v1 (s, untimed)"], rows))
    print()
    names = []
    for sample in samples:
        names += [name for name in sample["phases"] if name not in names]
    rows = []
    for sample in samples:
        cells, spans, sums = [], 0.0, 0.0
        for name in names:
            total, first, last = sample["phases"].get(name, (0.0, None, None))
            span = (last - first) if first is not None else 0.0
            spans, sums = spans + span, sums + total
            cells.append("%s (%s)" % (B.fmt(span, 1), B.fmt(total, 1)))
        rows.append(["%d / %s" % (sample["hosts"], sample["serial"])] + cells
                    + ["%s (%s)" % (B.fmt(spans, 1), B.fmt(sums, 1))])
    print("Where the time goes: each phase's span in s, from the first host's start to the last "
          "host's end (run.json), and in brackets its durations summed over the hosts. The hosts "
          "run the shared phases together (one play; the restart batches run inside it), so the "
          "sum counts that time once per host.\n")
    print(B.table(["hosts / serial"] + names + ["all phases"], rows))
    print()
    if error:
        print("Not measured: the series stopped at a failed run: %s\n" % error)
    summary = []
    for sample in samples:
        if sample["hosts"] > 1:
            summary.append(("scale %d hosts / 1 host, serial %s (6)" % (sample["hosts"], sample["serial"]),
                            sample["wall"], one.get(sample["serial"]), "report"))
    return summary


def measure():
    """Provision the fleet, run the deploys, print the tables; returns the summary rows."""
    counts, subnet = settings()
    work = tempfile.mkdtemp(prefix="gd-bench-scale-")
    started = time.monotonic()
    db, apps = fleet(work, subnet, max(counts))
    try:
        inventory = provision(work, subnet, db, apps)
        B.log("provisioned in %.0f s" % (time.monotonic() - started))
        samples, error = run(work, db, apps, inventory, counts)
        B.log("scale benchmark done in %.0f s" % (time.monotonic() - started))
        return report(samples, error)
    finally:
        if os.environ.get("BENCH_KEEP"):
            B.log("kept the guarded-bench-scale-* containers, network %s and %s" % (NETWORK, work))
        else:
            for container in apps + [db]:
                container.remove()
            B.sh(["podman", "network", "rm", "-f", NETWORK], check=False)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    measure()
