# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups and restores, run for real: guarded.deploy.backup and guarded.deploy.rollback
through ansible-playbook against the throwaway PostgreSQL server of conftest.py.

A database with 30 tables, a large object and a few MB of rows is dumped (custom, and
directory with 2 jobs), verified (toc and restore), changed, and restored (swap and
clean); every table's row count and checksum and the large object must equal the
source. A corrupt backup is refused with the database untouched; the restore
verification never leaves its scratch database behind; retention prunes exactly the
unprotected oldest runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from isolated_ansible import ANSIBLE_PLAYBOOK, db_vars, isolated_ansible_env, local_become_vars

pytestmark = pytest.mark.postgres

APP = "shop"
TABLES = 30
ROWS = 1500  # x 30 tables x ~120 bytes: about 5 MB

BACKUP_PLAYBOOK = r"""
- name: Back up like phase 3 does
  hosts: all
  gather_facts: false
  tasks:
    - name: Start the run record
      guarded.deploy.deploy_event:
        run: {run_id: "{{ deploy_run_id }}", app: "{{ deploy_app }}", deploy_version: v2, log_dir: "{{ log_dir }}"}

    - name: Set what preflight found
      ansible.builtin.set_fact:
        __code_commit_before: "1111111111111111111111111111111111111111"
        __code_target_commit: "2222222222222222222222222222222222222222"

    - name: Back up
      ansible.builtin.include_role:
        name: guarded.deploy.backup
"""

ROLE_ENTRY_PLAYBOOK = r"""
- name: Run one entry point of a role
  hosts: all
  gather_facts: false
  tasks:
    - name: Run the entry point
      ansible.builtin.include_role:
        name: guarded.deploy.{{ role }}
        tasks_from: "{{ entry }}"
"""


@pytest.fixture(scope="module", autouse=True)
def ansible_available():
    if not os.path.exists(ANSIBLE_PLAYBOOK):
        pytest.skip("ansible-playbook not found next to %s" % sys.executable)


def run_playbook(tmp_path, name, playbook, extra_vars, check=False, verbosity=0):
    work = tmp_path / name
    work.mkdir()
    (work / "play.yml").write_text(playbook, encoding="utf-8")
    env = isolated_ansible_env(work, GUARDED_DEPLOY_OPERATOR="test-operator")
    extra = dict(
        ansible_connection="local",
        ansible_python_interpreter=sys.executable,
        log_dir=str(tmp_path / "deploy-logs"),
        deploy_app=APP,
        deploy_version="v2",
        deploy_app_dir=str(tmp_path / "app"),
        deploy_backup_dir=str(tmp_path / "backups"),
        deploy_services=[],
    )
    extra.update(local_become_vars())
    extra.update(extra_vars)
    argv = [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-e", json.dumps(extra), "play.yml"]
    if check:
        argv.append("--check")
    if verbosity:
        argv.append("-" + "v" * verbosity)
    return subprocess.run(argv, cwd=str(work), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=900, check=False)


def make_db(server, name):
    server.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    server.execute("CREATE DATABASE %s" % name)
    statements = []
    for i in range(TABLES):
        statements.append(
            "CREATE TABLE t%02d (id serial PRIMARY KEY, label text NOT NULL, amount numeric(12, 2), "
            "at timestamptz NOT NULL DEFAULT '2026-01-01', payload bytea);"
            "INSERT INTO t%02d (label, amount, payload) SELECT md5(g::text) || repeat('x', 40), g * %d / 7.0, "
            "decode(md5((g + %d)::text), 'hex') FROM generate_series(1, %d) AS g;" % (i, i, i + 1, i, ROWS))
    statements.append("SELECT lo_from_bytea(0, decode(repeat(md5('large object'), 20000), 'hex'));")
    server.execute("\n".join(statements), dbname=name)


def fingerprint(server, name):
    """Per-table row count and md5 of the rows, and the large objects' md5."""
    tables = [r[0] for r in server.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", dbname=name, fetch=True)]
    result = {}
    for table in tables:
        result[table] = server.execute(
            "SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t.id), '')) FROM %s AS t" % table,
            dbname=name, fetch=True)[0]
    result["large objects"] = server.execute(
        "SELECT count(*), md5(coalesce(string_agg(md5(lo_get(oid)), ',' ORDER BY oid), '')) "
        "FROM pg_largeobject_metadata", dbname=name, fetch=True)[0]
    return result


def databases(server, pattern):
    return [r[0] for r in server.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE '%s' ORDER BY 1" % pattern, fetch=True)]


def run_record(tmp_path, run_id):
    with open(str(tmp_path / "deploy-logs" / run_id / "run.json"), encoding="utf-8") as handle:
        return json.load(handle)["hosts"]["localhost"]


def snapshot(tmp_path, run_id):
    with open(str(tmp_path / "backups" / APP / run_id / "snapshot.json"), encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def app_dir(tmp_path):
    path = tmp_path / "app"
    path.mkdir()
    (path / "manage.py").write_text("print('app')\n", encoding="utf-8")
    return path


# --- round trip ----------------------------------------------------------------------

@pytest.mark.parametrize("fmt,verify,strategy", [
    ("custom", "restore", "swap"),
    ("directory", "restore", "clean"),
    ("directory", "toc", "swap"),
])
def test_round_trip(pg_server, tmp_path, app_dir, fmt, verify, strategy):
    name = "rt_%s_%s_%s" % (fmt, verify, strategy)
    make_db(pg_server, name)
    source = fingerprint(pg_server, name)
    assert len(source) == TABLES + 1 and source["t00"][0] == ROWS and source["large objects"][0] == 1
    run_id = "20261121T020000Z-%s" % name.replace("_", "")

    # a hook right after pg_dump and tar, before the role makes the files private: what a
    # run killed at that moment would leave
    modes = tmp_path / "modes.txt"
    hook = tmp_path / "after_dump.yml"
    hook.write_text(
        "- name: Note the modes of the backup files right after pg_dump and tar\n"
        "  ansible.builtin.shell: find {{ deploy_backup_dir }}/{{ deploy_app }}/{{ deploy_run_id }} -mindepth 1"
        " -printf '%%m %%y %%P\\n' > %s\n" % modes, encoding="utf-8")
    proc = run_playbook(tmp_path, "backup", BACKUP_PLAYBOOK, dict(
        db_vars(pg_server, name), deploy_run_id=run_id, backup_pg_dump_format=fmt,
        backup_verify=verify, backup_jobs=2, backup_compress=5,
        deploy_hooks={"after_backup_dump": str(hook)}))
    assert proc.returncode == 0, proc.stdout
    assert databases(pg_server, "%__verify_%") == []
    written = [line.split(" ", 2) for line in modes.read_text(encoding="utf-8").splitlines()]
    assert {"db.dump" if fmt == "custom" else "db.dir", "code.tar.gz"} <= set(p for dummy, dummy2, p in written)
    assert [(m, t, p) for m, t, p in written if m != {"f": "600", "d": "700"}[t]] == [], written

    run_dir = tmp_path / "backups" / APP / run_id
    snap = snapshot(tmp_path, run_id)
    dump = "db.dir" if fmt == "directory" else "db.dump"
    assert snap["dump"] == dump and snap["pg_dump_format"] == fmt
    assert snap["verified"] is True and snap["verification"] == verify
    assert snap["operator"] == "test-operator"
    assert snap["server_version_num"] >= 150000 and snap["server_version"].startswith("PostgreSQL")
    assert snap["pg_dump_version"].startswith("pg_dump (PostgreSQL)")
    paths = [f["path"] for f in snap["files"]]
    assert "code.tar.gz" in paths
    if fmt == "directory":
        dir_files = sorted(os.listdir(str(run_dir / "db.dir")))
        assert "toc.dat" in dir_files and len(dir_files) > TABLES
        assert sorted(p for p in paths if p.startswith("db.dir/")) == ["db.dir/" + f for f in dir_files]
    else:
        assert "db.dump" in paths
    for item in snap["files"]:
        assert os.path.getsize(str(run_dir / item["path"])) == item["bytes"] > 0
        assert oct(os.stat(str(run_dir / item["path"])).st_mode & 0o777) == "0o600"

    record = run_record(tmp_path, run_id)["backup"]
    assert record["path"] == str(run_dir / dump)
    assert record["bytes"] == sum(f["bytes"] for f in snap["files"] if f["path"].startswith(dump))
    assert record["verified"] is True and record["verification"] == verify
    assert record["verification_s"] >= 0
    if verify == "restore":
        assert record["verified_tables"] == TABLES + 1 == snap["verified_tables"]
    killed = tmp_path / "backups" / APP / "20261121T010000Z-killed"  # pg_dump killed: no snapshot.json
    killed.mkdir()
    (killed / "db.dump").write_bytes(b"PGDMP partial")
    proc = run_playbook(tmp_path, "list", ROLE_ENTRY_PLAYBOOK, dict(
        db_vars(pg_server, name), role="backup", entry="list"))
    assert proc.returncode == 0, proc.stdout
    assert "run id | version | outcome | dump bytes | verified | created (UTC) | age | restores code to" in proc.stdout
    # a complete backup whose run wrote no outcome.json did not finish: its real state and its undo
    assert re.search(r"%s \| v2 \| interrupted \(the run did not finish; playbooks/rollback\.yml "
                     r"-e rollback_run_id=%s undoes it\) \| %d \| %s \| %s \| \d+m \| 111111111111" % (
                         run_id, run_id, record["bytes"], verify, snap["created_at"]), proc.stdout), proc.stdout
    assert ("20261121T010000Z-killed | - | partial (killed before its backup finished; no restore point; "
            "the next deploy removes it)") in proc.stdout
    assert proc.stdout.index(run_id + " | v2") < proc.stdout.index("20261121T010000Z-killed | -")  # newest first
    killed.joinpath("db.dump").unlink()
    killed.rmdir()
    listing = subprocess.run(["pg_restore", "--list", str(run_dir / dump)], capture_output=True,
                             text=True, check=True).stdout
    assert "TABLE DATA public t29" in listing and "BLOB" in listing

    # the deploy "changes" the database
    pg_server.execute("DELETE FROM t03 WHERE id % 3 = 0; UPDATE t07 SET label = 'changed';"
                      "TRUNCATE t11; SELECT lo_unlink(oid) FROM pg_largeobject_metadata;", dbname=name)
    if strategy == "swap":
        # clean leaves objects that are not in the dump (documented); swap replaces everything
        pg_server.execute("CREATE TABLE added_later (id int); SELECT lo_from_bytea(0, 'another');", dbname=name)
    assert fingerprint(pg_server, name) != source

    restore_run = "20261121T030000Z-restore%s" % strategy
    proc = run_playbook(tmp_path, "restore", ROLE_ENTRY_PLAYBOOK, dict(
        db_vars(pg_server, name), role="rollback", entry="restore_db", deploy_run_id=restore_run,
        rollback_run_id=run_id, rollback_restore_strategy=strategy, rollback_restore_jobs=2))
    assert proc.returncode == 0, proc.stdout
    assert fingerprint(pg_server, name) == source
    kept = databases(pg_server, name + "_before_rollback_%")
    assert len(kept) == (1 if strategy == "swap" else 0)
    if strategy == "swap":
        # the documented name: <db>_before_rollback_<the restoring run id, lowercased, letters and digits>, cut at 63
        assert kept == [(name + "_before_rollback_" + re.sub("[^0-9a-z]", "", restore_run.lower()))[:63]]
        older = name + "_before_rollback_20200101t000000zold0001"
        pg_server.execute("CREATE DATABASE %s" % older)
        proc = run_playbook(tmp_path, "list-kept", ROLE_ENTRY_PLAYBOOK, dict(
            db_vars(pg_server, name), role="backup", entry="list"))
        assert proc.returncode == 0, proc.stdout
        assert re.search(r"%s \| \d+" % kept[0], proc.stdout), proc.stdout
        assert proc.stdout.index(kept[0] + " | ") < proc.stdout.index(older + " | ")  # newest first
        # backup_keep_runs follows the kept databases too: check mode shows, then the newest 1 stays
        prune = dict(db_vars(pg_server, name), role="backup", entry="prune",
                     deploy_run_id="20261121T040000Z-prune", backup_keep_runs=1)
        proc = run_playbook(tmp_path, "prune-check", ROLE_ENTRY_PLAYBOOK, prune, check=True)
        assert proc.returncode == 0, proc.stdout
        assert "Check mode, would drop 1 database(s) kept by rollbacks beyond backup_keep_runs=1: %s" % older \
            in proc.stdout
        assert sorted(databases(pg_server, name + "_before_rollback_%")) == sorted([kept[0], older])
        # a session inspecting the older kept database: not dropped, said, and the run goes on
        holder = pg_server.connect(older)
        try:
            proc = run_playbook(tmp_path, "prune-held", ROLE_ENTRY_PLAYBOOK, prune)
        finally:
            holder.close()
        assert proc.returncode == 0, proc.stdout
        assert "Not dropped (the next run tries again): %s" % older in proc.stdout
        assert sorted(databases(pg_server, name + "_before_rollback_%")) == sorted([kept[0], older])
        proc = run_playbook(tmp_path, "prune", ROLE_ENTRY_PLAYBOOK, prune)
        assert proc.returncode == 0, proc.stdout
        assert "Not dropped" not in proc.stdout
        assert databases(pg_server, name + "_before_rollback_%") == kept
        assert fingerprint(pg_server, name) == source  # the live database is never touched


# --- the off-host copy ----------------------------------------------------------------

@pytest.mark.parametrize("copy_to", ["controller", "host"])
def test_backup_is_copied_off_the_host_and_checked(pg_server, tmp_path, app_dir, copy_to):
    """controller: ansible.builtin.fetch; host: ansible.posix.synchronize (real rsync) pulled
    by backup_copy_host. Here both ends are this machine (local connection): the transfer
    and the SHA-256 comparison are real, the network between two hosts is not."""
    name = "copy_%s" % copy_to
    make_db(pg_server, name)
    run_id = "20261121T020000Z-copy%s" % copy_to
    offsite = tmp_path / "offsite"
    proc = run_playbook(tmp_path, "backup", BACKUP_PLAYBOOK, dict(
        db_vars(pg_server, name), deploy_run_id=run_id, backup_pg_dump_format="directory",
        backup_copy_to=copy_to, backup_copy_dir=str(offsite),
        **({"backup_copy_host": "localhost"} if copy_to == "host" else {})))
    assert proc.returncode == 0, proc.stdout

    run_dir = tmp_path / "backups" / APP / run_id
    copy_dir = offsite / "localhost" / APP / run_id
    snap = snapshot(tmp_path, run_id)
    expected = [f["path"] for f in snap["files"]] + ["snapshot.json"]
    copied = sorted(str(p.relative_to(copy_dir)) for p in copy_dir.rglob("*") if p.is_file())
    assert copied == sorted(expected)
    for rel in expected:
        assert (copy_dir / rel).read_bytes() == (run_dir / rel).read_bytes()
        assert oct(os.stat(str(copy_dir / rel)).st_mode & 0o777) == "0o600"
    assert oct(os.stat(str(copy_dir)).st_mode & 0o777) == "0o700"

    record = run_record(tmp_path, run_id)["backup"]["offsite"]
    assert record["to"] == copy_to and record["path"] == str(copy_dir) and record["verified"] is True
    assert record["files"] == len(expected)
    assert record["bytes"] == sum(f["bytes"] for f in snap["files"]) + os.path.getsize(str(run_dir / "snapshot.json"))
    assert record["host"] == ("controller" if copy_to == "controller" else "localhost")
    with open(str(tmp_path / "deploy-logs" / run_id / "execution-log.md"), encoding="utf-8") as handle:
        assert "| Off-host copy | %s:`%s` (%d files" % (record["host"], copy_dir, len(expected)) in handle.read()


def test_a_bad_copy_option_stops_before_the_dump(pg_server, tmp_path, app_dir):
    name = "copy_bad"
    make_db(pg_server, name)
    run_id = "20261121T020000Z-copybad"
    proc = run_playbook(tmp_path, "backup", BACKUP_PLAYBOOK, dict(
        db_vars(pg_server, name), deploy_run_id=run_id, backup_copy_to="controller", backup_copy_dir="relative/dir"))
    assert proc.returncode != 0
    assert "backup_copy_to=controller (none, controller, host) with backup_copy_dir='relative/dir'" in proc.stdout
    assert not (tmp_path / "backups" / APP / run_id).exists()


# --- a corrupt backup is refused -----------------------------------------------------

@pytest.mark.parametrize("fmt", ["custom", "directory"])
def test_corrupt_backup_is_refused(pg_server, tmp_path, app_dir, fmt):
    name = "corrupt_%s" % fmt
    make_db(pg_server, name)
    run_id = "20261121T020000Z-corrupt%s" % fmt
    proc = run_playbook(tmp_path, "backup", BACKUP_PLAYBOOK, dict(
        db_vars(pg_server, name), deploy_run_id=run_id, backup_pg_dump_format=fmt))
    assert proc.returncode == 0, proc.stdout

    run_dir = tmp_path / "backups" / APP / run_id
    victim = run_dir / "db.dump" if fmt == "custom" else run_dir / "db.dir" / sorted(
        f for f in os.listdir(str(run_dir / "db.dir")) if f != "toc.dat")[0]
    with open(str(victim), "ab") as handle:
        handle.write(b"\0")
    pg_server.execute("DELETE FROM t05 WHERE id < 100", dbname=name)  # the deploy's change
    before = fingerprint(pg_server, name)

    proc = run_playbook(tmp_path, "rollback", ROLE_ENTRY_PLAYBOOK, dict(
        db_vars(pg_server, name), role="rollback", entry="main", deploy_run_id="20261121T030000Z-rb",
        deploy_repo=str(tmp_path / "no-repo"), rollback_run_id=run_id, rollback_restore_db=True))
    assert proc.returncode != 0, proc.stdout
    relative = str(victim.relative_to(run_dir))
    assert "Backup file %s is missing or corrupt" % relative in proc.stdout
    assert "Rollback refused; nothing was changed." in proc.stdout
    assert fingerprint(pg_server, name) == before
    assert databases(pg_server, name + "_%") == []


# --- the restore verification ---------------------------------------------------------

def test_failed_restore_verification_stops_and_drops_the_scratch_database(pg_server, tmp_path, app_dir):
    """A CHECK constraint that reads another table: the dump restores its data before the
    other table's, so the scratch restore fails (a real dump/restore hazard)."""
    name = "verify_fails"
    pg_server.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    pg_server.execute("CREATE DATABASE %s" % name)
    pg_server.execute("""
        CREATE TABLE zz_ref (id int PRIMARY KEY);
        CREATE FUNCTION ref_exists(int) RETURNS boolean LANGUAGE sql
            AS 'SELECT EXISTS (SELECT 1 FROM public.zz_ref WHERE id = $1)';
        CREATE TABLE aa_checked (ref int CHECK (public.ref_exists(ref)));
        INSERT INTO zz_ref SELECT generate_series(1, 10);
        INSERT INTO aa_checked SELECT generate_series(1, 10);
    """, dbname=name)
    run_id = "20261121T020000Z-verifyfails"
    proc = run_playbook(tmp_path, "backup", BACKUP_PLAYBOOK, dict(
        db_vars(pg_server, name), deploy_run_id=run_id, backup_verify="restore", backup_jobs=1))
    assert proc.returncode != 0, proc.stdout
    assert "Backup verification (restore) failed, pg_restore into the scratch database" in proc.stdout
    assert "aa_checked_ref_check" in proc.stdout, proc.stdout
    assert "Nothing was changed." in proc.stdout
    assert databases(pg_server, "%__verify_%") == []
    assert not (tmp_path / "backups" / APP / run_id / "snapshot.json").exists()


# --- retention -----------------------------------------------------------------------

PARTIAL = "partial"
FAKE_OUTCOMES = {  # run 01 is the oldest
    1: "succeeded", 2: None, 3: "rolled_back", 4: "succeeded", 5: "failed", 6: "succeeded",
    7: "failed", 8: "rolled_back", 9: "failed", 10: "failed", 11: "rolled_back", 12: "failed",
    13: "running",  # interrupted after its migrations began: protected
    14: PARTIAL,    # killed during its pg_dump: no snapshot.json, removed by the next run
}


def fake_run(number):
    return "20260101T00%02d00Z-fake%02d" % (number, number)


def make_fake_runs(tmp_path):
    for number, status in FAKE_OUTCOMES.items():
        run_dir = tmp_path / "backups" / APP / fake_run(number)
        run_dir.mkdir(parents=True)
        (run_dir / "db.dump").write_bytes(b"dump")
        if status == PARTIAL:
            continue
        (run_dir / "snapshot.json").write_text(json.dumps({"run_id": fake_run(number)}), encoding="utf-8")
        if status:
            (run_dir / "outcome.json").write_text(
                json.dumps({"run_id": fake_run(number), "status": status}, indent=2) + "\n", encoding="utf-8")


def remaining_runs(tmp_path):
    return sorted(os.listdir(str(tmp_path / "backups" / APP)))


@pytest.mark.parametrize("keep,pruned", [
    # newest first: current, 14..1. Protected: current, 13 (running), 6 (newest succeeded),
    # 2 (no outcome). 14 is a partial backup: removed whatever keep is, not counted.
    (10, [4, 3, 1]),
    (7, [7, 5, 4, 3, 1]),
])
def test_retention_prunes_only_unprotected_old_runs(pg_server, tmp_path, app_dir, keep, pruned):
    name = "retention_%d" % keep
    pg_server.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    pg_server.execute("CREATE DATABASE %s" % name)
    pg_server.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)", dbname=name)
    make_fake_runs(tmp_path)
    current = "20270101T000000Z-current"
    everything = sorted([fake_run(n) for n in FAKE_OUTCOMES] + [current])

    # check mode: shows, removes nothing
    (tmp_path / "backups" / APP / current).mkdir()
    proc = run_playbook(tmp_path, "check", ROLE_ENTRY_PLAYBOOK, dict(
        db_vars(pg_server, name), role="backup", entry="prune", deploy_run_id=current,
        backup_keep_runs=keep), check=True)
    assert proc.returncode == 0, proc.stdout
    assert "Check mode, would prune %d run(s)" % len(pruned) in proc.stdout
    assert ", ".join(fake_run(n) for n in pruned) in proc.stdout
    assert ("Check mode, would remove 1 partial backup(s) of runs killed before their backup finished "
            "(no snapshot.json, no restore point): %s" % fake_run(14)) in proc.stdout
    assert remaining_runs(tmp_path) == everything

    proc = run_playbook(tmp_path, "backup", BACKUP_PLAYBOOK, dict(
        db_vars(pg_server, name), deploy_run_id=current, backup_keep_runs=keep))
    assert proc.returncode == 0, proc.stdout
    assert remaining_runs(tmp_path) == sorted(set(everything) - set(fake_run(n) for n in pruned + [14]))
    assert run_record(tmp_path, current)["backup"]["pruned"] == [fake_run(n) for n in pruned]
    assert run_record(tmp_path, current)["backup"]["partial_removed"] == [fake_run(14)]
