# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks on a real test host: deploy overhead, rollback time, backup/restore
throughput and downtime of the Ledger (Django) sample app.

One container guarded-bench-ledger (image localhost/guarded-deploy/host:latest: systemd,
PostgreSQL 15, nginx) is provisioned with Ledger v1 (examples/ledger/provision.yml over
SSH with pipelining) and its database padded with BENCH_DB_MB MiB in BENCH_TABLES tables
of a schema `bench_pad` the app ignores but every pg_dump includes. Then, BENCH_REPEAT
times, the cycle below; every step starts from the state the previous one left:

  1. guarded deploy v1->v2 (playbooks/deploy.yml, prober on)          -> v2
  2. guarded rollback.yml, code + database (rollback_restore_db=true)  -> v1
  3. plain shell deploy v1->v2: pg_dump -Fc, git checkout, migrate,
     restart, curl (prober on)                                          -> v2
  4. raw code rollback: git checkout v1, restart, curl                  -> v1 code, v2 schema
  5. raw database restore of step 3's dump (pg_restore -j2 into a new
     database, rename swap, restart; what rollback's swap strategy does) -> v1
  6. guarded deploy v1->v2 again (second deploy sample)                -> v2
  7. guarded rollback.yml, code only (rollback_restore_db=false)        -> v1 code, v2 schema
  8. guarded deploy v2, service_state=reloaded, no maintenance flag, no
     migrations pending (the graceful-reload downtime sample)          -> v2
  9. raw code rollback + raw restore of step 6's guarded dump          -> v1
 10. raw pg_dump -Fc, pg_dump -Fd -j2, pg_restore --list of each (throughput)

Prints Markdown tables of medians and ratios; asserts nothing.

    BENCH_DB_MB=200 BENCH_TABLES=40 BENCH_REPEAT=3 .venv/bin/python bench/host_bench.py
"""

from __future__ import annotations

import json
import tempfile
import time

import benchlib as B

RAW_DEPLOY = r"""
t() { date +%s.%N; }
d() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
mkdir -p /var/backups/bench && chown postgres /var/backups/bench && rm -f /var/backups/bench/raw.dump
s0=$(t)
runuser -u postgres -- pg_dump -Fc -f /var/backups/bench/raw.dump ledger
s1=$(t)
runuser -u ledger -- git -C /srv/ledger fetch -q --tags origin
runuser -u ledger -- git -C /srv/ledger checkout -q v2
s2=$(t)
cd /srv/ledger && runuser -u ledger -- /usr/bin/python3 manage.py migrate --noinput >/dev/null
s3=$(t)
systemctl restart ledger nginx
s4=$(t)
curl -fsS -o /dev/null http://127.0.0.1:8000/health/
s5=$(t)
echo "STEPS {\"pg_dump\": $(d $s0 $s1), \"git\": $(d $s1 $s2),\
 \"migrate\": $(d $s2 $s3), \"restart\": $(d $s3 $s4), \"curl\": $(d $s4 $s5)}"
"""

RAW_CODE_ROLLBACK = r"""
runuser -u ledger -- git -C /srv/ledger checkout -q v1
systemctl restart ledger
curl -fsS -o /dev/null http://127.0.0.1:8000/health/
"""

RAW_DB_RESTORE = r"""
dump=%s
q() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
runuser -u postgres -- createdb -O ledger ledger_bench_new
runuser -u postgres -- pg_restore -j2 -d ledger_bench_new "$dump"
systemctl stop ledger
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'ledger'" >/dev/null
q "ALTER DATABASE ledger RENAME TO ledger_bench_old"
q "ALTER DATABASE ledger_bench_new RENAME TO ledger"
systemctl start ledger
curl -fsS -o /dev/null http://127.0.0.1:8000/health/
"""

DROP_OLD = r"""
for db in $(runuser -u postgres -- psql -X -At -d postgres -c \
    "SELECT datname FROM pg_database WHERE datname LIKE 'ledger\_bench\_old%' OR datname LIKE 'ledger\_before\_rollback%'"); do
  runuser -u postgres -- dropdb "$db"
done
"""

RAW_DUMPS = r"""
t() { date +%s.%N; }
d() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
cd /var/backups/bench && rm -rf fc.dump fd.dir
s0=$(t); runuser -u postgres -- pg_dump -Fc -f fc.dump ledger
s1=$(t); runuser -u postgres -- pg_dump -Fd -j2 -f fd.dir ledger
s2=$(t); pg_restore --list fc.dump >/dev/null
s3=$(t); pg_restore --list fd.dir >/dev/null
s4=$(t)
echo "STEPS {\"pg_dump_fc\": $(d $s0 $s1), \"pg_dump_fd_j2\": $(d $s1 $s2),\
 \"toc_fc\": $(d $s2 $s3), \"toc_fd\": $(d $s3 $s4),\
 \"fc_bytes\": $(stat -c %s fc.dump), \"fd_bytes\": $(du -sb fd.dir | cut -f1)}"
rm -rf fc.dump fd.dir
"""


RELOAD = "guarded deploy, service_state=reloaded, no migrations, no maintenance page"


def pad_sql(megabytes, tables):
    """SQL that fills schema bench_pad with `tables` tables of about `megabytes` MiB in all
    (about 160 bytes per row on disk, a primary key each)."""
    rows = max(1, int(megabytes * 1024 * 1024 / 160 / tables))
    statements = ["DROP SCHEMA IF EXISTS bench_pad CASCADE", "CREATE SCHEMA bench_pad AUTHORIZATION ledger"]
    for index in range(tables):
        statements.append(
            "CREATE TABLE bench_pad.t%02d AS SELECT i AS id, now() - i * interval '1 second' AS at,"
            " (i %% 1000)::numeric(12,2) AS amount, repeat(md5(i::text), 2) AS note"
            " FROM generate_series(1, %d) AS i" % (index, rows))
        statements.append("ALTER TABLE bench_pad.t%02d ADD PRIMARY KEY (id)" % index)
        statements.append("ALTER TABLE bench_pad.t%02d OWNER TO ledger" % index)
    return ";\n".join(statements) + ";\n"


def steps(output):
    """The STEPS {...} JSON line a raw script printed."""
    for line in output.splitlines():
        if line.startswith("STEPS "):
            return json.loads(line[6:])
    return {}


class Cycle:
    """Runs the steps and collects the samples."""

    def __init__(self, host, work, inventory):
        self.host, self.work, self.inventory = host, work, inventory
        self.samples = {}
        self.phase_samples = {}
        self.downtime = {}

    def add(self, key, value):
        """Record one sample."""
        self.samples.setdefault(key, []).append(value)

    def timed_ssh(self, key, script):
        """Run a raw script over SSH and record its wall time; returns its output."""
        start = time.monotonic()
        result = self.host.ssh(script)
        self.add(key, time.monotonic() - start)
        return result.stdout

    def probed(self, label, action):
        """Run action() with the HTTP prober on nginx; record the downtime sample."""
        prober = B.Prober(self.host.ip)
        prober.start()
        try:
            return action()
        finally:
            self.downtime.setdefault(label, []).append(prober.stop())

    def guarded(self, key, path, extra, label):
        """A timed ansible-playbook run; records wall time and phase durations."""
        wall, record, dummy = B.playbook(self.work, self.inventory, path, extra, label=label)
        self.add(key, wall)
        for name, seconds in B.phases(record).items():
            self.phase_samples.setdefault(key, {}).setdefault(name, []).append(seconds)
        host = next(iter((record or {}).get("hosts", {}).values()), {})
        backup = host.get("backup") or {}
        if backup.get("verification_s") is not None:
            self.add("verify_%s" % backup.get("verification"), backup["verification_s"])
        return record

    def once(self):
        """One repeat of the cycle (see the module docstring)."""
        B.log("1 guarded deploy v1->v2")
        first = self.probed("guarded deploy, restart + maintenance window, with migrations",
                            lambda: self.guarded("deploy_guarded", "playbooks/deploy.yml",
                                                 ["deploy_version=v2"], "deploy"))
        B.log("2 guarded rollback code + database")
        self.guarded("rollback_guarded_full", "playbooks/rollback.yml",
                     ["rollback_run_id=%s" % first["run_id"], "rollback_restore_db=true"], "rollback-full")
        self.host.ssh(DROP_OLD)
        B.log("3 plain deploy v1->v2")
        out = self.probed("plain script, restart, with migrations, no maintenance page",
                          lambda: self.timed_ssh("deploy_plain", RAW_DEPLOY))
        for name, seconds in steps(out).items():
            self.phase_samples.setdefault("deploy_plain", {}).setdefault(name, []).append(seconds)
        self.add("pg_dump_plain", steps(out).get("pg_dump"))
        B.log("4 raw code rollback")
        self.timed_ssh("rollback_raw_code", RAW_CODE_ROLLBACK)
        B.log("5 raw database restore")
        self.timed_ssh("rollback_raw_db", RAW_DB_RESTORE % "/var/backups/bench/raw.dump")
        self.host.ssh(DROP_OLD)
        B.log("6 guarded deploy v1->v2 again")
        second = self.guarded("deploy_guarded", "playbooks/deploy.yml", ["deploy_version=v2"], "deploy2")
        B.log("7 guarded rollback code only")
        self.guarded("rollback_guarded_code", "playbooks/rollback.yml",
                     ["rollback_run_id=%s" % second["run_id"], "rollback_restore_db=false"], "rollback-code")
        B.log("8 guarded deploy v2 with reload, no migrations, no maintenance page")
        self.probed(RELOAD,
                    lambda: self.guarded("deploy_guarded_reload", "playbooks/deploy.yml",
                                         ["deploy_version=v2", json.dumps({"service_state": "reloaded",
                                                                           "deploy_maintenance_flag": ""})],
                                         "deploy-reload"))
        B.log("9 raw rollback to v1 (code + restore of the guarded dump)")
        self.timed_ssh("rollback_raw_code", RAW_CODE_ROLLBACK)
        host = next(iter(second["hosts"].values()))
        self.timed_ssh("rollback_raw_db", RAW_DB_RESTORE % host["backup"]["path"])
        self.host.ssh(DROP_OLD)
        B.log("10 raw dumps")
        for name, value in steps(self.timed_ssh("raw_dumps", RAW_DUMPS)).items():
            self.add(name, value)


def report(cycle, settings):
    """Print the tables; returns the summary rows (bench, measured, baseline, ratio, target)."""
    megabytes, tables, repeat, db_bytes = (settings["megabytes"], settings["tables"], settings["repeat"],
                                           settings["db_bytes"])
    med = dict((key, B.median([v for v in values if v is not None])) for key, values in cycle.samples.items())
    print("## Host benchmarks: Ledger on one container, %d x %.1f MiB padding tables (database %.0f MiB), "
          "%d repeat(s)\n" % (tables, megabytes / float(tables) if tables else 0.0, db_bytes / 1048576.0, repeat))
    rows = [
        ("deploy v1->v2 (1)", "deploy_guarded", "deploy_plain", "plain script: pg_dump, git checkout, migrate, restart, curl"),
        ("rollback, code only (7)", "rollback_guarded_code", "rollback_raw_code", "git checkout + restart + curl"),
        ("rollback, code + database (7)", "rollback_guarded_full", "rollback_raw_full", "git checkout + restart + pg_restore swap"),
    ]
    code, dbr = med.get("rollback_raw_code"), med.get("rollback_raw_db")
    med["rollback_raw_full"] = (code + dbr) if code is not None and dbr is not None else None
    out = []
    for label, guarded, raw, what in rows:
        out.append((label, B.fmt(med.get(guarded)), B.fmt(med.get(raw)), B.fmt(B.ratio(med.get(guarded), med.get(raw))),
                    what, len(cycle.samples.get(guarded, []))))
    print(B.table(["bench", "guarded median (s)", "plain median (s)", "ratio", "plain equivalent", "n"], out))
    print()
    size = med.get("fc_bytes")
    thr = []
    backup_phase = B.median(cycle.phase_samples.get("deploy_guarded", {}).get("backup", []))
    for label, key in (("guarded backup phase (-Fc, verify toc, code.tar.gz)", None),
                       ("raw pg_dump -Fc (in the plain deploy)", "pg_dump_plain"),
                       ("raw pg_dump -Fc (alone)", "pg_dump_fc"), ("raw pg_dump -Fd -j2", "pg_dump_fd_j2"),
                       ("raw pg_restore --list -Fc (toc check)", "toc_fc"), ("raw pg_restore --list -Fd", "toc_fd"),
                       ("raw restore swap (pg_restore -j2 + rename)", "rollback_raw_db"),
                       ("guarded backup verification, level toc (run.json)", "verify_toc")):
        value = backup_phase if key is None else med.get(key)
        mbs = (db_bytes / 1048576.0 / value) if value and key not in ("toc_fc", "toc_fd", "verify_toc") else None
        thr.append((label, B.fmt(value), B.fmt(mbs, 1)))
    print(B.table(["backup/restore (3)", "median (s)", "DB MiB/s"], thr))
    print("\nraw dump sizes: -Fc %s MiB, -Fd %s MiB; raw pg_dump -Fc / guarded backup phase: %s\n" % (
        B.fmt(size / 1048576.0 if size else None, 1),
        B.fmt(med.get("fd_bytes") / 1048576.0 if med.get("fd_bytes") else None, 1),
        B.fmt(B.ratio(med.get("pg_dump_fc"), backup_phase), 3)))
    for key in ("deploy_guarded", "deploy_plain", "rollback_guarded_full", "rollback_guarded_code",
                "deploy_guarded_reload"):
        phase = cycle.phase_samples.get(key, {})
        if phase:
            print("phases of %s (median s): %s" % (key, ", ".join(
                "%s %s" % (name, B.fmt(B.median(values))) for name, values in phase.items())))
    print()
    down = []
    for label, runs in cycle.downtime.items():
        down.append((label, B.fmt(B.median([r["rate"] for r in runs if r["rate"]]), 1),
                     B.fmt(B.median([r["failed"] for r in runs]), 0),
                     B.fmt(B.median([r["http_503"] for r in runs]), 0),
                     B.fmt(B.median([r["longest_gap_s"] for r in runs if r["longest_gap_s"] is not None])),
                     " / ".join("%d of %d" % (r["failed"], r["requests"]) for r in runs)))
    print(B.table(["downtime (2), GET /health/ through nginx", "req/s", "failed (median)", "of which 503",
                   "longest gap (s)", "failed of requests, per run"], down))
    print()
    reload_runs = cycle.downtime.get(RELOAD, [])
    return [
        ("deploy v1->v2, guarded / plain script (1)", med.get("deploy_guarded"), med.get("deploy_plain"), "<= 1.25"),
        ("rollback code only, guarded / git checkout + restart (7)", med.get("rollback_guarded_code"),
         med.get("rollback_raw_code"), "-"),
        ("rollback code + DB, guarded / checkout + restart + pg_restore swap (7)", med.get("rollback_guarded_full"),
         med.get("rollback_raw_full"), "-"),
        ("raw pg_dump -Fc / guarded backup phase = speed ratio (3)", med.get("pg_dump_fc"), backup_phase, ">= 0.95"),
        ("pg_dump -Fd -j2 / pg_dump -Fc (3)", med.get("pg_dump_fd_j2"), med.get("pg_dump_fc"), "-"),
        ("failed requests, reload without migrations (2), count not ratio",
         B.median([r["failed"] for r in reload_runs]), None, "0"),
    ]


def measure():
    """Provision, pad and run the cycle BENCH_REPEAT times; returns (cycle, settings)."""
    settings = {"megabytes": B.env_int("BENCH_DB_MB", 200), "tables": B.env_int("BENCH_TABLES", 40),
                "repeat": B.env_int("BENCH_REPEAT", 3)}
    work = tempfile.mkdtemp(prefix="gd-bench-host-")
    host = B.Container("ledger", work)
    try:
        B.log("starting %s" % host.name)
        host.start()
        inventory = host.inventory()
        B.log("provisioning Ledger v1")
        B.playbook(work, inventory, "examples/ledger/provision.yml", label="provision")
        B.log("padding the database with %(megabytes)d MiB in %(tables)d tables" % settings)
        host.exec_(["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "ledger"],
                   stdin=pad_sql(settings["megabytes"], settings["tables"]))
        host.psql("VACUUM ANALYZE")
        settings["db_bytes"] = int(host.psql("SELECT pg_database_size('ledger')").strip())
        settings["postgresql"] = host.psql("SHOW server_version").strip()
        cycle = Cycle(host, work, inventory)
        for index in range(settings["repeat"]):
            B.log("repeat %d of %d" % (index + 1, settings["repeat"]))
            cycle.once()
        return cycle, settings
    finally:
        B.cleanup(host, work)


def main():
    cycle, settings = measure()
    report(cycle, settings)


if __name__ == "__main__":
    main()
