# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""guarded.deploy.postgresql_baseline end to end against a real PostgreSQL server."""

from __future__ import annotations

import datetime
import threading

import pytest

pytestmark = pytest.mark.postgres

MODULE = "guarded.deploy.postgresql_baseline"
DB = "shop"


@pytest.fixture(scope="module")
def shop(pg_server):
    """A seeded database: 5 orders (2 draft, 3 sale), 3 payments, amounts sum to 112.30."""
    pg_server.execute("DROP DATABASE IF EXISTS %s" % DB)
    pg_server.execute("CREATE DATABASE %s" % DB)
    pg_server.execute(
        """
        CREATE TABLE sale_order (id serial PRIMARY KEY, state text NOT NULL, created date NOT NULL);
        INSERT INTO sale_order (state, created) VALUES
            ('draft', '2024-01-01'), ('sale', '2024-01-02'), ('sale', '2024-01-03'),
            ('draft', '2024-01-04'), ('sale', '2024-01-05');
        CREATE TABLE account_payment (id serial PRIMARY KEY, amount numeric(12, 2) NOT NULL,
                                      is_reconciled boolean NOT NULL);
        INSERT INTO account_payment (amount, is_reconciled) VALUES
            (0.10, true), (12.20, true), (100.00, false);
        """,
        dbname=DB,
    )
    return pg_server


def baseline_args(server, baselines, **extra):
    args = server.connection_args(DB)
    args["baselines"] = baselines
    args.update(extra)
    return args


def count_orders(server):
    return server.execute("SELECT count(*) FROM sale_order", dbname=DB, fetch=True)[0][0]


SPECS = [
    {"name": "orders", "sql": "SELECT count(*) FROM sale_order", "rule": "not_decrease"},
    {"name": "payments", "sql": "SELECT count(*) FROM account_payment", "severity": "warn"},
    {"name": "reconciled_total",
     "sql": "SELECT sum(amount) FROM account_payment WHERE is_reconciled",
     "rule": {"tolerance_pct": 1}, "description": "ignored by the module"},
    {"name": "paid_total", "sql": "SELECT sum(amount) FROM account_payment"},
    {"name": "by_state",
     "sql": "SELECT state, count(*) FROM sale_order GROUP BY state ORDER BY state"},
    {"name": "first_order", "sql": "SELECT id, state, created FROM sale_order ORDER BY id LIMIT 1"},
    {"name": "first_created", "sql": "SELECT min(created) FROM sale_order"},
    {"name": "none_found", "sql": "SELECT id FROM sale_order WHERE false"},
    {"name": "null_value", "sql": "SELECT NULL::integer"},
    {"name": "like_percent", "sql": "SELECT count(*) FROM sale_order WHERE state LIKE 's%'"},
    {"name": "isolation", "sql": "SELECT current_setting('transaction_isolation')"},
    {"name": "read_only", "sql": "SELECT current_setting('transaction_read_only')"},
    {"name": "statement_timeout", "sql": "SHOW statement_timeout"},
    {"name": "lock_timeout", "sql": "SHOW lock_timeout"},
]


def test_values(shop, ansible_module):
    result = ansible_module(MODULE, baseline_args(shop, SPECS))
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    values = result["values"]
    assert values["orders"] == 5
    assert values["payments"] == 3
    # numeric stays exact: a string, not a float
    assert values["reconciled_total"] == "12.30"
    assert values["paid_total"] == "112.30"
    assert values["by_state"] == [["draft", 2], ["sale", 3]]
    assert values["first_order"] == [[1, "draft", "2024-01-01"]]
    assert values["first_created"] == "2024-01-01"
    assert values["none_found"] == []
    assert values["null_value"] is None
    assert values["like_percent"] == 3
    # the queries really ran in the documented transaction
    assert values["isolation"] == "repeatable read"
    assert values["read_only"] == "on"
    assert values["statement_timeout"] == "30s"
    assert values["lock_timeout"] == "5s"

    assert [item["name"] for item in result["baselines"]] == [spec["name"] for spec in SPECS]
    assert all(result["baselines"][i]["value"] == values[spec["name"]] for i, spec in enumerate(SPECS))
    assert result["isolation"] == "repeatable read, read only"
    assert result["server_version"].split(".")[0].isdigit()
    captured = datetime.datetime.fromisoformat(result["captured_at"])
    assert captured.utcoffset() == datetime.timedelta(0)
    age = datetime.datetime.now(datetime.timezone.utc) - captured
    assert datetime.timedelta(seconds=-60) < age < datetime.timedelta(minutes=10)


def test_check_mode_gives_same_values(shop, ansible_module):
    normal = ansible_module(MODULE, baseline_args(shop, SPECS))
    checked = ansible_module(MODULE, baseline_args(shop, SPECS), check=True)
    assert not checked.get("failed"), checked.get("msg")
    assert checked["changed"] is False
    assert checked["values"] == normal["values"]


def test_timeouts_are_options(shop, ansible_module):
    specs = [{"name": "st", "sql": "SHOW statement_timeout"}, {"name": "lt", "sql": "SHOW lock_timeout"}]
    result = ansible_module(MODULE, baseline_args(shop, specs, statement_timeout=2.5, lock_timeout=0))
    assert not result.get("failed"), result.get("msg")
    assert result["values"] == {"st": "2500ms", "lt": "0"}


def test_delete_is_refused_and_nothing_changes(shop, ansible_module):
    before = count_orders(shop)
    specs = [{"name": "orders", "sql": "SELECT count(*) FROM sale_order"},
             {"name": "purge", "sql": "DELETE FROM sale_order"}]
    result = ansible_module(MODULE, baseline_args(shop, specs))
    assert result["failed"] is True
    assert result["msg"] == (
        "baseline 'purge' failed: the query tried to write, but baselines run in a read-only "
        "transaction (cannot execute DELETE in a read-only transaction)")
    assert result.get("changed", False) is False
    assert "values" not in result
    assert count_orders(shop) == before == 5


def test_commit_inside_the_sql_cannot_write(shop, ansible_module):
    before = count_orders(shop)
    specs = [{"name": "sneaky", "sql": "COMMIT; DELETE FROM sale_order; SELECT 1"}]
    result = ansible_module(MODULE, baseline_args(shop, specs))
    assert result["failed"] is True
    assert result["msg"].startswith("baseline 'sneaky' failed: the query tried to write")
    assert count_orders(shop) == before


def test_ending_the_transaction_is_detected(shop, ansible_module):
    specs = [{"name": "ender", "sql": "ROLLBACK; SELECT count(*) FROM sale_order"}]
    result = ansible_module(MODULE, baseline_args(shop, specs))
    assert result["failed"] is True
    assert result["msg"].startswith("baseline 'ender' failed: the query ended the baseline transaction")


def test_bad_sql_names_the_baseline(shop, ansible_module):
    specs = [{"name": "orders", "sql": "SELECT count(*) FROM sale_order"},
             {"name": "typo", "sql": "SELEC count(*) FROM sale_order"}]
    result = ansible_module(MODULE, baseline_args(shop, specs))
    assert result["failed"] is True
    assert result["msg"] == 'baseline \'typo\' failed: syntax error at or near "SELEC"'


def test_missing_table_names_the_baseline(shop, ansible_module):
    specs = [{"name": "ghost", "sql": "SELECT count(*) FROM no_such_table"}]
    result = ansible_module(MODULE, baseline_args(shop, specs))
    assert result["failed"] is True
    assert result["msg"] == 'baseline \'ghost\' failed: relation "no_such_table" does not exist'


def test_statement_timeout(shop, ansible_module):
    specs = [{"name": "slow", "sql": "SELECT pg_sleep(3)"}]
    result = ansible_module(MODULE, baseline_args(shop, specs, statement_timeout=1))
    assert result["failed"] is True
    assert result["msg"] == ("baseline 'slow' failed: exceeded statement_timeout of 1 s "
                             "(canceling statement due to statement timeout)")


def test_lock_timeout(shop, ansible_module):
    locker = shop.connect(DB, autocommit=False)
    try:
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLE account_payment IN ACCESS EXCLUSIVE MODE")
        specs = [{"name": "blocked", "sql": "SELECT count(*) FROM account_payment"}]
        result = ansible_module(MODULE, baseline_args(shop, specs, lock_timeout=0.5))
    finally:
        locker.rollback()
        locker.close()
    assert result["failed"] is True
    assert result["msg"] == ("baseline 'blocked' failed: exceeded lock_timeout of 0.5 s "
                             "(canceling statement due to lock timeout)")


def test_statement_without_rows(shop, ansible_module):
    specs = [{"name": "setter", "sql": "SET LOCAL work_mem = '8MB'"}]
    result = ansible_module(MODULE, baseline_args(shop, specs))
    assert result["failed"] is True
    assert result["msg"].startswith("baseline 'setter' failed: the query returned no rows to read")


def test_wrong_port_cannot_connect(shop, ansible_module):
    args = baseline_args(shop, SPECS[:1])
    args["login_port"] = 1
    result = ansible_module(MODULE, args)
    assert result["failed"] is True
    assert result["msg"].startswith("unable to connect to database 'shop'")
    assert shop.socket_dir in result["msg"]


def test_wrong_socket_cannot_connect(shop, ansible_module, tmp_path):
    args = baseline_args(shop, SPECS[:1])
    args["login_unix_socket"] = str(tmp_path)
    result = ansible_module(MODULE, args)
    assert result["failed"] is True
    assert result["msg"].startswith("unable to connect to database 'shop'")


def test_unknown_database_cannot_connect(shop, ansible_module):
    args = baseline_args(shop, SPECS[:1])
    args["db"] = "no_such_db"
    result = ansible_module(MODULE, args)
    assert result["failed"] is True
    assert result["msg"].startswith("unable to connect to database 'no_such_db'")
    assert 'database "no_such_db" does not exist' in result["msg"]


def test_invalid_specs_fail_before_connecting(shop, ansible_module):
    args = baseline_args(shop, [{"name": "a", "sql": "SELECT 1"}, {"name": "a"}])
    args["login_port"] = 1  # would not connect: validation comes first
    result = ansible_module(MODULE, args)
    assert result["failed"] is True
    assert "baseline 'a': duplicate name" in result["msg"]
    assert "baseline 'a': 'sql' is required" in result["msg"]


def test_values_come_from_one_snapshot(shop, ansible_module):
    """A row committed while the baselines run is not seen by later baselines."""
    inserted = threading.Event()

    def insert_later():
        conn = shop.connect(DB)
        try:
            with conn.cursor() as cursor:
                # wait until the baseline transaction has taken its snapshot (it sleeps)
                for _attempt in range(200):
                    cursor.execute("SELECT count(*) FROM pg_stat_activity "
                                   "WHERE query LIKE '%pg_sleep(1.5)%' AND pid <> pg_backend_pid()")
                    if cursor.fetchone()[0]:
                        break
                    inserted.wait(0.05)
                cursor.execute("INSERT INTO sale_order (state, created) VALUES ('draft', '2024-02-01')")
        finally:
            conn.close()
            inserted.set()

    specs = [{"name": "orders_first", "sql": "SELECT count(*) FROM sale_order"},
             {"name": "pause", "sql": "SELECT pg_sleep(1.5)"},
             {"name": "orders_again", "sql": "SELECT count(*) FROM sale_order"}]
    worker = threading.Thread(target=insert_later)
    before = count_orders(shop)
    worker.start()
    try:
        result = ansible_module(MODULE, baseline_args(shop, specs))
    finally:
        worker.join(30)
    try:
        assert inserted.is_set()
        assert not result.get("failed"), result.get("msg")
        assert result["values"]["orders_first"] == before
        assert result["values"]["orders_again"] == before
        assert count_orders(shop) == before + 1
    finally:
        shop.execute("DELETE FROM sale_order WHERE created = '2024-02-01'", dbname=DB)
