# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (4): the baseline capture of the `odoo` preset on a 1M-row account_payment
replica, and what it does to a concurrent writer.

A throwaway PostgreSQL server (tests/integration/throwaway_pg.py, the one the integration
tests start: initdb + pg_ctl in a temp dir, unix socket, trust auth, fsync off) gets the
tables runbook 000's queries read (account_payment with BENCH_PAYMENT_ROWS rows and its
account_move, account_bank_reconciliation_line, res_users, res_groups (jsonb names, as in
Odoo 16+), res_groups_users_rel, ir_module_module), with Odoo-like columns and indexes,
then VACUUM ANALYZE. Then, BENCH_BASELINE_ROUNDS times, alternating the order:

  - guarded: ansible-playbook -c local on a play that includes the role
    guarded.deploy.baseline (tasks_from: specs, then tasks_from: capture; exactly the
    capture a deploy runs, with the role's baseline_statement_timeout and
    baseline_lock_timeout). Timed: the module task (its start/end in the JSON stdout
    callback) and the whole ansible-playbook.
  - raw: the same resolved SQL in one REPEATABLE READ READ ONLY transaction with the
    same SET LOCAL timeouts, by psql -f.

During each of them a writer (its own psycopg2 connection, SET lock_timeout = the role's
baseline_lock_timeout) runs short transactions on account_payment (INSERT of an
account_move + an account_payment, UPDATE of an existing payment, COMMIT) every 20 ms and
times each; a sampler polls pg_locks and pg_stat_activity every 10 ms for the locks the
other backends of the database hold and for the writer waiting on a lock. A control step
holds a SHARE lock on account_payment for 2 s while the writer runs, to show that the
writer's timing does see a blocking lock.

Prints Markdown tables; returns the summary rows; asserts nothing.

    BENCH_PAYMENT_ROWS=1000000 BENCH_BASELINE_ROUNDS=3 .venv/bin/python bench/baseline_bench.py
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import psycopg2
import yaml

import benchlib as B


def _throwaway_pg():
    """tests/integration/throwaway_pg.py, the server the integration tests run."""
    path = os.path.join(B.REPO, "tests", "integration", "throwaway_pg.py")
    spec = importlib.util.spec_from_file_location("throwaway_pg", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DB = "odoo_bench"
MANAGER_GROUP = "Payment Manager"
MODULE = "payment_account_enhanced"
MODULE_VERSION = "17.0.1.0.9"
WRITER_PAUSE = 0.02
SAMPLE_PERIOD = 0.01
CONTROL_HOLD = 2.0
# Table lock modes that conflict with ROW EXCLUSIVE (what INSERT/UPDATE take).
CONFLICTS_WITH_WRITERS = ("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")

SCHEMA = """
CREATE TABLE res_users (
    id serial PRIMARY KEY, login varchar NOT NULL UNIQUE, partner_id integer, company_id integer NOT NULL,
    active boolean DEFAULT true, share boolean DEFAULT false, create_date timestamp, write_date timestamp);
CREATE TABLE res_groups (
    id serial PRIMARY KEY, name jsonb NOT NULL, category_id integer, share boolean DEFAULT false,
    create_date timestamp, write_date timestamp);
CREATE TABLE res_groups_users_rel (
    gid integer NOT NULL REFERENCES res_groups (id) ON DELETE CASCADE,
    uid integer NOT NULL REFERENCES res_users (id) ON DELETE CASCADE,
    PRIMARY KEY (gid, uid));
CREATE INDEX ON res_groups_users_rel (uid, gid);
CREATE TABLE ir_module_module (
    id serial PRIMARY KEY, name varchar NOT NULL UNIQUE, state varchar, latest_version varchar,
    author varchar, license varchar, application boolean DEFAULT false, create_date timestamp,
    write_date timestamp);
CREATE INDEX ON ir_module_module (state);
CREATE TABLE account_move (
    id serial PRIMARY KEY, name varchar, ref varchar, date date NOT NULL, state varchar NOT NULL,
    move_type varchar NOT NULL, journal_id integer NOT NULL, company_id integer NOT NULL,
    partner_id integer, currency_id integer NOT NULL, amount_total numeric, payment_state varchar,
    create_uid integer, create_date timestamp, write_uid integer, write_date timestamp);
CREATE TABLE account_payment (
    id serial PRIMARY KEY,
    move_id integer NOT NULL REFERENCES account_move (id) ON DELETE CASCADE,
    is_reconciled boolean, is_matched boolean, is_internal_transfer boolean DEFAULT false,
    payment_method_line_id integer, payment_method_id integer, amount numeric,
    payment_type varchar NOT NULL, partner_type varchar NOT NULL, payment_reference varchar,
    currency_id integer, partner_id integer, outstanding_account_id integer,
    destination_account_id integer, destination_journal_id integer, partner_bank_id integer,
    paired_internal_transfer_payment_id integer, journal_id integer NOT NULL, company_id integer,
    approval_state varchar NOT NULL DEFAULT 'draft',
    create_uid integer, create_date timestamp, write_uid integer, write_date timestamp);
CREATE TABLE account_bank_reconciliation_line (
    id serial PRIMARY KEY,
    payment_id integer REFERENCES account_payment (id) ON DELETE CASCADE,
    statement_line_id integer, match_status varchar NOT NULL, amount numeric,
    reconciliation_date date, create_uid integer, create_date timestamp);
"""

# %(rows)d payments over 3 years (newest last), one account_move each; approval states
# 70% posted, 10% approved, 5% review, 10% draft, 5% cancel; reconciliation lines for 70%
# of the payments (50% matched, 10% partial, both dated; 10% unmatched, no date).
SEED = """
INSERT INTO res_users (login, partner_id, company_id, create_date, write_date)
SELECT 'user' || i, i, 1, now() - interval '3 years', now() FROM generate_series(1, 200) AS i;
INSERT INTO res_groups (name, category_id, create_date, write_date)
SELECT jsonb_build_object('en_US', CASE WHEN i = 1 THEN '%(group)s' ELSE 'Group ' || i END), i %% 7,
       now(), now() FROM generate_series(1, 60) AS i;
INSERT INTO res_groups_users_rel (gid, uid)
SELECT g, u FROM generate_series(1, 60) AS g, generate_series(1, 200) AS u
WHERE (g = 1 AND u <= 5) OR (g > 1 AND (g * 31 + u * 17) %% 11 = 0);
INSERT INTO ir_module_module (name, state, latest_version, author, license, create_date, write_date)
SELECT CASE WHEN i = 1 THEN '%(module)s' ELSE 'module_' || i END,
       CASE WHEN i %% 3 = 0 THEN 'uninstalled' ELSE 'installed' END,
       CASE WHEN i = 1 THEN '%(version)s' ELSE '17.0.1.0.' || (i %% 9) END,
       'Odoo S.A.', 'LGPL-3', now(), now()
FROM generate_series(1, 400) AS i;
INSERT INTO account_move (name, ref, date, state, move_type, journal_id, company_id, partner_id,
                          currency_id, amount_total, payment_state, create_uid, create_date, write_uid, write_date)
SELECT 'PBNK1/' || i, 'payment ' || i, (ts)::date, CASE WHEN i %% 20 = 19 THEN 'cancel' ELSE 'posted' END,
       'entry', 7 + i %% 3, 1, 1000 + i %% 5000, 1, (i %% 997) * 10.5 + 1, 'not_paid',
       2 + i %% 50, ts, 2 + i %% 50, ts
FROM (SELECT i, now() - ((%(rows)d - i) * %(step)f) * interval '1 second' AS ts
      FROM generate_series(1, %(rows)d) AS i) AS s
ORDER BY i;
INSERT INTO account_payment (move_id, is_reconciled, is_matched, payment_method_line_id, payment_method_id,
                             amount, payment_type, partner_type, payment_reference, currency_id, partner_id,
                             outstanding_account_id, destination_account_id, journal_id, company_id,
                             approval_state, create_uid, create_date, write_uid, write_date)
SELECT m.id, m.id %% 10 < 5, m.id %% 10 < 6, 1 + m.id %% 4, 1 + m.id %% 2, m.amount_total,
       CASE WHEN m.id %% 4 = 0 THEN 'outbound' ELSE 'inbound' END,
       CASE WHEN m.id %% 4 = 0 THEN 'supplier' ELSE 'customer' END,
       'INV/2026/' || m.id, 1, m.partner_id, 50, 60 + m.id %% 2, m.journal_id, 1,
       CASE WHEN (m.id::bigint * 7919) %% 100 < 70 THEN 'posted' WHEN (m.id::bigint * 7919) %% 100 < 80 THEN 'approved'
            WHEN (m.id::bigint * 7919) %% 100 < 85 THEN 'review' WHEN (m.id::bigint * 7919) %% 100 < 95 THEN 'draft'
            ELSE 'cancel' END,
       m.create_uid, m.create_date, m.write_uid, m.write_date
FROM account_move AS m ORDER BY m.id;
INSERT INTO account_bank_reconciliation_line (payment_id, statement_line_id, match_status, amount,
                                              reconciliation_date, create_uid, create_date)
SELECT p.id, p.id, CASE WHEN p.id %% 10 < 5 THEN 'matched' WHEN p.id %% 10 = 5 THEN 'partial' ELSE 'unmatched' END,
       p.amount, CASE WHEN p.id %% 10 < 6 THEN (p.create_date + interval '2 days')::date END, 2, p.create_date
FROM account_payment AS p WHERE p.id %% 10 < 7 ORDER BY p.id;
CREATE INDEX account_move__date_index ON account_move (date);
CREATE INDEX account_move__state_index ON account_move (state);
CREATE INDEX account_move__journal_id_index ON account_move (journal_id);
CREATE INDEX account_move__partner_id_index ON account_move (partner_id);
CREATE INDEX account_payment__move_id_index ON account_payment (move_id);
CREATE INDEX account_payment__partner_id_index ON account_payment (partner_id);
CREATE INDEX account_payment__journal_id_index ON account_payment (journal_id);
CREATE INDEX account_payment__approval_state_index ON account_payment (approval_state);
CREATE INDEX account_payment__create_date_index ON account_payment (create_date);
CREATE INDEX account_bank_reconciliation_line__payment_id_index ON account_bank_reconciliation_line (payment_id);
CREATE INDEX account_bank_reconciliation_line__match_status_index ON account_bank_reconciliation_line (match_status);
"""

PLAYBOOK = """\
- name: Baseline capture, odoo preset
  hosts: all
  gather_facts: false
  tasks:
    - name: Resolve the odoo preset (the role's specs entry)
      ansible.builtin.include_role:
        name: guarded.deploy.baseline
        tasks_from: specs
    - name: Capture (the role's capture entry, as a deploy's baseline phase)
      ansible.builtin.include_role:
        name: guarded.deploy.baseline
        tasks_from: capture
"""


def role_default(name):
    """A default of roles/baseline (baseline_lock_timeout, baseline_statement_timeout)."""

    with open(os.path.join(B.REPO, "roles", "baseline", "defaults", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)[name]


def seed(server, rows):
    """Create and fill the replica; returns (seconds, database MiB, account_payment MiB with indexes)."""
    started = time.monotonic()
    server.execute("DROP DATABASE IF EXISTS %s" % DB)
    server.execute("CREATE DATABASE %s" % DB)
    server.execute(SCHEMA, dbname=DB)
    server.execute(SEED % dict(rows=rows, step=94608000.0 / rows, group=MANAGER_GROUP, module=MODULE,
                               version=MODULE_VERSION), dbname=DB)
    server.execute("VACUUM ANALYZE", dbname=DB)
    server.execute("CHECKPOINT", dbname=DB)
    sizes = server.execute("SELECT pg_database_size(current_database()),"
                           " pg_total_relation_size('account_payment')", dbname=DB, fetch=True)[0]
    return time.monotonic() - started, sizes[0] / 1048576.0, sizes[1] / 1048576.0


class Writer(threading.Thread):
    """Short write transactions on account_payment every WRITER_PAUSE seconds, each timed,
    with SET lock_timeout; counts lock_timeout errors."""

    def __init__(self, server, lock_timeout):
        threading.Thread.__init__(self, daemon=True)
        self.conn = server.connect(DB, autocommit=False)
        with self.conn.cursor() as cursor:
            cursor.execute("SET lock_timeout = %d" % int(lock_timeout * 1000))
            cursor.execute("SELECT pg_backend_pid(), max(id) FROM account_payment")
            self.pid, self.max_id = cursor.fetchone()
        self.conn.commit()
        self.stopping = threading.Event()
        self.times = []
        self.timeouts = 0
        self.errors = []

    def run(self):

        index = 0
        while not self.stopping.is_set():
            index += 1
            started = time.monotonic()
            try:
                with self.conn.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO account_move (name, date, state, move_type, journal_id, company_id,"
                        " partner_id, currency_id, amount_total, create_date, write_date)"
                        " VALUES ('PBNK1/bench', current_date, 'posted', 'entry', 7, 1, 1001, 1, 12.5,"
                        " now(), now()) RETURNING id")
                    move_id = cursor.fetchone()[0]
                    cursor.execute(
                        "INSERT INTO account_payment (move_id, amount, payment_type, partner_type, journal_id,"
                        " company_id, approval_state, create_date, write_date)"
                        " VALUES (%s, 12.5, 'inbound', 'customer', 7, 1, 'draft', now(), now())", (move_id,))
                    cursor.execute("UPDATE account_payment SET write_date = now(), amount = amount + 0.01"
                                   " WHERE id = %s", (1 + (index * 7919) % self.max_id,))
                self.conn.commit()
                self.times.append(time.monotonic() - started)
            except psycopg2.errors.LockNotAvailable:  # pylint: disable=no-member
                self.conn.rollback()
                self.timeouts += 1
                self.times.append(time.monotonic() - started)
            except psycopg2.Error as exc:
                self.conn.rollback()
                self.errors.append(str(exc).strip().splitlines()[0])
            self.stopping.wait(WRITER_PAUSE)

    def stop(self):
        """Stop, close; returns {n, max_s, median_s, timeouts, errors}."""
        self.stopping.set()
        self.join()
        self.conn.close()
        return {"n": len(self.times), "max_s": max(self.times) if self.times else None,
                "median_s": B.median(self.times), "timeouts": self.timeouts, "errors": self.errors}


class LockSampler(threading.Thread):
    """Polls, every SAMPLE_PERIOD s, the locks held or awaited by the database's other
    client backends (not the writer, not itself) and whether the writer waits on a lock."""

    QUERY = """
        SELECT a.pid, l.locktype, coalesce(c.relname, l.relation::text, ''), l.mode, l.granted,
               extract(epoch FROM clock_timestamp() - a.xact_start)
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        LEFT JOIN pg_class c ON c.oid = l.relation
        WHERE a.datname = current_database() AND a.backend_type = 'client backend'
          AND a.pid NOT IN (pg_backend_pid(), %(writer)s)"""

    def __init__(self, server, writer_pid):
        threading.Thread.__init__(self, daemon=True)
        self.conn = server.connect(DB)
        self.writer_pid = writer_pid
        self.stopping = threading.Event()
        self.locks = {}  # (locktype, relation, mode, granted) -> samples
        self.samples = 0
        self.busy_samples = 0
        self.writer_waiting = 0
        self.pids = set()
        self.xact_s = {}  # pid -> longest age of its open transaction seen

    def run(self):
        with self.conn.cursor() as cursor:
            while not self.stopping.is_set():
                cursor.execute(self.QUERY, dict(writer=self.writer_pid))
                rows = cursor.fetchall()
                cursor.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
                               (self.writer_pid,))
                waiting = cursor.fetchone()
                self.samples += 1
                if waiting and waiting[0]:
                    self.writer_waiting += 1
                if rows:
                    self.busy_samples += 1
                for pid, locktype, relation, mode, granted, age in rows:
                    self.pids.add(pid)
                    if age is not None:
                        self.xact_s[pid] = max(self.xact_s.get(pid, 0.0), float(age))
                    key = (locktype, relation, mode, granted)
                    self.locks[key] = self.locks.get(key, 0) + 1
                self.stopping.wait(SAMPLE_PERIOD)

    def stop(self):
        """Stop, close; returns {samples, busy_samples, writer_waiting, locks, pids}."""
        self.stopping.set()
        self.join()
        self.conn.close()
        return {"samples": self.samples, "busy_samples": self.busy_samples, "writer_waiting": self.writer_waiting,
                "locks": self.locks, "pids": len(self.pids),
                "xact_s": max(self.xact_s.values()) if self.xact_s else None}


def watched(server, lock_timeout, action):
    """Run action() with the writer and the lock sampler on; returns (action's result, writer, locks)."""
    writer = Writer(server, lock_timeout)
    sampler = LockSampler(server, writer.pid)
    writer.start()
    sampler.start()
    time.sleep(0.2)
    try:
        result = action()
    finally:
        time.sleep(0.1)
        locks = sampler.stop()
        wrote = writer.stop()
    return result, wrote, locks


def ansible_env(work):
    """Only what the run sets (no ANSIBLE_* of the caller): the checkout's collection, the
    JSON stdout callback (it carries each task's start and end)."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
    with open(os.path.join(work, "ansible.cfg"), "w", encoding="utf-8") as handle:
        handle.write("[defaults]\n")
    env.update(ANSIBLE_CONFIG=os.path.join(work, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(B.REPO, "collections"),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_LOCAL_TEMP=os.path.join(work, "local-tmp"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    return env


def extra_vars(server):
    """The role's inputs: the odoo preset (with the module check of step 8.1), the test
    server as deploy_db; database work becomes root with su as root (no password), as the
    integration tests do, or runs without become for another user."""
    extra = dict(ansible_connection="local", ansible_python_interpreter=sys.executable,
                 deploy_app="odoo", deploy_run_id="bench-baseline",
                 deploy_db={"name": DB, "host": server.socket_dir, "port": server.port, "user": "postgres"},
                 baseline_presets=["odoo"], baseline_odoo_manager_group=MANAGER_GROUP,
                 baseline_odoo_module=MODULE, baseline_odoo_expected_version=MODULE_VERSION)
    if os.geteuid() == 0:
        extra.update(deploy_db_become_user="root", ansible_become_method="su")
    else:
        extra.update(ansible_become=False)
    return extra


def seconds_between(duration):
    """Seconds of a JSON callback duration {start, end} (ISO 8601)."""
    start = datetime.datetime.fromisoformat(duration["start"].replace("Z", "+00:00"))
    end = datetime.datetime.fromisoformat(duration["end"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def run_guarded(work, server):
    """One ansible-playbook run; returns {wall, task, specs, values}."""
    argv = [os.path.join(B.BIN, "ansible-playbook"), "-i", "localhost,", "-e", json.dumps(extra_vars(server)),
            "play.yml"]
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=work, env=ansible_env(work), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, check=False, timeout=600)
    wall = time.monotonic() - started
    try:
        tasks = json.loads(proc.stdout)["plays"][0]["tasks"]
    except (ValueError, KeyError, IndexError):
        raise RuntimeError("ansible-playbook failed (rc %d):\n%s\n%s"
                           % (proc.returncode, proc.stdout[-3000:], proc.stderr[-2000:]))
    out = {"wall": wall}
    for task in tasks:
        result = task["hosts"].get("localhost", {})
        if result.get("failed"):
            raise RuntimeError("task %r failed: %s" % (task["task"]["name"], result.get("msg")))
        if task["task"]["name"] == "guarded.deploy.baseline : Resolve the baseline specs" and "ansible_facts" in result:
            out["specs"] = result["ansible_facts"]["__baseline_specs"]
        if task["task"]["name"] == "guarded.deploy.baseline : Capture the baselines" and "values" in result:
            out["task"] = seconds_between(task["task"]["duration"])
            out["values"] = result["values"]
    if "task" not in out:
        raise RuntimeError("no capture task in the ansible-playbook output (rc %d)" % proc.returncode)
    return out


def raw_sql(specs, statement_timeout, lock_timeout):
    """The module's transaction, as a psql script."""
    lines = ["SET SESSION default_transaction_read_only = on;",
             "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;",
             "SET LOCAL statement_timeout = %d;" % int(statement_timeout * 1000),
             "SET LOCAL lock_timeout = %d;" % int(lock_timeout * 1000)]
    lines += [spec["sql"].rstrip().rstrip(";") + ";" for spec in specs]
    return "\n".join(lines + ["ROLLBACK;", ""])


def run_raw(server, script):
    """psql -f script; returns the wall seconds."""
    argv = [os.path.join(server.bindir, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", server.socket_dir,
            "-p", str(server.port), "-U", server.user, "-d", DB, "-o", os.devnull, "-f", script]
    started = time.monotonic()
    B.sh(argv)
    return time.monotonic() - started


def control(server, lock_timeout):
    """The writer while another session holds SHARE on account_payment for CONTROL_HOLD s."""
    def hold():
        conn = server.connect(DB, autocommit=False)
        try:
            with conn.cursor() as cursor:
                cursor.execute("LOCK TABLE account_payment IN SHARE MODE")
                time.sleep(CONTROL_HOLD)
            conn.rollback()
        finally:
            conn.close()
    return watched(server, lock_timeout, hold)


def lock_rows(locks):
    """Table rows of the sampled locks, relation locks first."""
    rows = []
    order = sorted(locks.items(), key=lambda kv: (kv[0][0] != "relation", kv[0][1], kv[0][2]))
    for (locktype, relation, mode, granted), count in order:
        rows.append((locktype, relation or "-", mode, "yes" if granted else "**no**", count))
    return rows


def blocking(locks):
    """Relation locks held that conflict with a writer's ROW EXCLUSIVE."""
    return sorted(set("%s %s" % (rel, mode) for (locktype, rel, mode, dummy) in locks
                      if locktype == "relation" and mode in CONFLICTS_WITH_WRITERS))


def measure(rows=None, rounds=None):
    """Seed, run the rounds, print the tables; returns the summary rows (label, value, base, target)."""
    rows = rows or B.env_int("BENCH_PAYMENT_ROWS", 1000000)
    rounds = rounds or B.env_int("BENCH_BASELINE_ROUNDS", 3)
    lock_timeout = float(role_default("baseline_lock_timeout")) or 1.0
    statement_timeout = float(role_default("baseline_statement_timeout"))
    work = tempfile.mkdtemp(prefix="gd-bench-baseline-")
    B.log("baseline (4): starting a throwaway PostgreSQL server")
    server = _throwaway_pg().start_server(prefix="gd-bench-pg-")
    try:
        version = server.execute("SHOW server_version", fetch=True)[0][0]
        B.log("baseline (4): seeding %d payments" % rows)
        seed_s, db_mib, payment_mib = seed(server, rows)
        B.log("baseline (4): seeded in %.0f s, database %.0f MiB" % (seed_s, db_mib))
        with open(os.path.join(work, "play.yml"), "w", encoding="utf-8") as handle:
            handle.write(PLAYBOOK)
        dummy, idle_writer, idle_locks = watched(server, lock_timeout, lambda: time.sleep(3))
        run_guarded(work, server)  # warm-up (caches, ansible's own first-run costs), not counted
        first = None
        samples = {"guarded": [], "raw": []}
        script = os.path.join(work, "raw.sql")
        for index in range(rounds):
            order = ("guarded", "raw") if index % 2 == 0 else ("raw", "guarded")
            for kind in order:
                B.log("baseline (4): round %d/%d, %s" % (index + 1, rounds, kind))
                if kind == "guarded":
                    result, wrote, locks = watched(server, lock_timeout, lambda: run_guarded(work, server))
                    if first is None:
                        first = result
                        with open(script, "w", encoding="utf-8") as handle:
                            handle.write(raw_sql(result["specs"], statement_timeout, lock_timeout))
                else:
                    if first is None:  # the raw SQL comes from the specs the role resolved
                        first = run_guarded(work, server)
                        with open(script, "w", encoding="utf-8") as handle:
                            handle.write(raw_sql(first["specs"], statement_timeout, lock_timeout))
                    wall, wrote, locks = watched(server, lock_timeout, lambda: run_raw(server, script))
                    result = {"wall": wall}
                samples[kind].append((result, wrote, locks))
        B.log("baseline (4): control, a SHARE lock held %.0f s" % CONTROL_HOLD)
        dummy, control_writer, control_locks = control(server, lock_timeout)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return report(dict(rows=rows, rounds=rounds, version=version, seed_s=seed_s, db_mib=db_mib,
                       payment_mib=payment_mib, lock_timeout=lock_timeout, statement_timeout=statement_timeout,
                       first=first, samples=samples, idle_writer=idle_writer, idle_locks=idle_locks, control_writer=control_writer,
                       control_locks=control_locks))


def report(m):
    """Print the Markdown tables; returns the summary rows."""
    guarded, raw = m["samples"]["guarded"], m["samples"]["raw"]
    task = B.median([r["task"] for r, w, l in guarded])
    wall = B.median([r["wall"] for r, w, l in guarded])
    raw_wall = B.median([r["wall"] for r, w, l in raw])
    xact = B.median([l["xact_s"] for r, w, l in guarded if l["xact_s"] is not None])
    print("## Baseline capture (4): odoo preset, %d account_payment rows, %d round(s)\n" % (m["rows"], m["rounds"]))
    print("PostgreSQL %s (throwaway server of tests/integration/throwaway_pg.py, fsync off), database %.0f MiB, "
          "account_payment %.0f MiB with indexes, seeded + VACUUM ANALYZE in %.0f s. The module runs as a deploy "
          "runs it: `ansible-playbook -c local` on a play including the role `guarded.deploy.baseline` "
          "(`tasks_from: specs`, then `capture`), %d queries, statement_timeout %g s, lock_timeout %g s.\n"
          % (m["version"], m["db_mib"], m["payment_mib"], m["seed_s"], len(m["first"]["specs"]),
             m["statement_timeout"], m["lock_timeout"]))
    print(B.table(["capture", "median (s)", "account_payment rows/s", "runs (s)"], [
        ("guarded: module task (JSON callback start/end)", B.fmt(task, 3), B.fmt(m["rows"] / task if task else None, 0),
         ", ".join(B.fmt(r["task"], 3) for r, w, l in guarded)),
        ("guarded: whole ansible-playbook", B.fmt(wall, 3), B.fmt(m["rows"] / wall if wall else None, 0),
         ", ".join(B.fmt(r["wall"], 3) for r, w, l in guarded)),
        ("guarded: its transaction, as pg_stat_activity saw it (>=)", B.fmt(xact, 3),
         B.fmt(m["rows"] / xact if xact else None, 0), ", ".join(B.fmt(l["xact_s"], 3) for r, w, l in guarded)),
        ("raw: same SQL and transaction by psql -f", B.fmt(raw_wall, 3),
         B.fmt(m["rows"] / raw_wall if raw_wall else None, 0), ", ".join(B.fmt(r["wall"], 3) for r, w, l in raw)),
    ]))
    print("\nmodule task / raw psql: %s; ansible-playbook / raw psql: %s\n" % (
        B.fmt(B.ratio(task, raw_wall), 3), B.fmt(B.ratio(wall, raw_wall), 3)))
    values = m["first"].get("values", {})
    print("Captured: %s\n" % ", ".join("%s=%s" % (k, json.dumps(v) if len(json.dumps(v)) < 40 else "(%d rows)" % len(v))
                                       for k, v in values.items()))
    writer_rows = []

    def writer_row(label, wrote, locks):
        writer_rows.append((label, wrote["n"], B.fmt(wrote["median_s"] * 1000 if wrote["median_s"] else None, 1),
                            B.fmt(wrote["max_s"] * 1000 if wrote["max_s"] else None, 1), wrote["timeouts"],
                            len(wrote["errors"]), "%d / %d" % (locks["writer_waiting"], locks["samples"])))
    writer_row("idle (no capture), 3 s", m["idle_writer"], m["idle_locks"])
    for index, (r, wrote, locks) in enumerate(guarded):
        writer_row("during guarded capture %d" % (index + 1), wrote, locks)
    for index, (r, wrote, locks) in enumerate(raw):
        writer_row("during raw psql %d" % (index + 1), wrote, locks)
    writer_row("control: SHARE lock held %.0f s" % CONTROL_HOLD, m["control_writer"], m["control_locks"])
    print("Concurrent writer: INSERT account_move + account_payment, UPDATE account_payment, COMMIT, every %d ms, "
          "`SET lock_timeout = %g s` (the role's baseline_lock_timeout)\n" % (WRITER_PAUSE * 1000, m["lock_timeout"]))
    print(B.table(["writer", "transactions", "median (ms)", "max (ms)", "lock_timeout errors", "other errors",
                   "samples waiting on a lock"], writer_rows))
    errors = sorted(set(e for r, w, l in guarded + raw for e in w["errors"]))
    if errors:
        print("\nwriter errors: %s" % "; ".join(errors[:5]))
    all_locks = {}
    for r, w, locks in guarded:
        for key, count in locks["locks"].items():
            all_locks[key] = all_locks.get(key, 0) + count
    print("\nLocks held by the capture's backend (pg_locks every %d ms, all guarded rounds: %d samples, %d with the "
          "capture connected)\n" % (SAMPLE_PERIOD * 1000, sum(l["samples"] for r, w, l in guarded),
                                    sum(l["busy_samples"] for r, w, l in guarded)))
    print(B.table(["locktype", "relation", "mode", "granted", "samples"], lock_rows(all_locks)))
    conflicting = blocking(all_locks)
    print("\nTable locks that conflict with a writer's ROW EXCLUSIVE: %s (control step: %s)\n" % (
        ", ".join(conflicting) or "none", ", ".join(blocking(m["control_locks"]["locks"])) or "none"))
    worst = max([w["max_s"] for r, w, l in guarded if w["max_s"] is not None] or [None])
    timeouts = sum(w["timeouts"] for r, w, l in guarded)
    return [("baseline capture odoo preset %dk rows, module task / raw psql (4)" % (m["rows"] // 1000),
             task, raw_wall, "none (report)"),
            ("writer max transaction during capture / lock_timeout (4), %d lock_timeout errors" % timeouts,
             worst, m["lock_timeout"], "< 1, 0 errors")]


def main():
    summary = measure()
    print("## Summary\n")
    print(B.table(["bench", "median A", "median B", "ratio A/B", "target"],
                  [(label, B.fmt(value, 3), B.fmt(base, 3), B.fmt(B.ratio(value, base), 3), target)
                   for label, value, base, target in summary]))


if __name__ == "__main__":
    main()
