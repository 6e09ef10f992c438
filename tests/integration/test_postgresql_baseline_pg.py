# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""guarded.deploy.postgresql_baseline end to end against a real PostgreSQL server."""

from __future__ import annotations

import datetime
import threading
import time

import pytest

pytestmark = pytest.mark.postgres

MODULE = "guarded.deploy.postgresql_baseline"
COMPARE = "guarded.deploy.baseline_compare"
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
    """A table locked by another transaction makes the capture give up after lock_timeout,
    not wait for it (nor for statement_timeout, 30 s by default)."""
    locker = shop.connect(DB, autocommit=False)
    try:
        with locker.cursor() as cursor:
            cursor.execute("LOCK TABLE account_payment IN ACCESS EXCLUSIVE MODE")
        specs = [{"name": "blocked", "sql": "SELECT count(*) FROM account_payment"}]
        started = time.monotonic()
        result = ansible_module(MODULE, baseline_args(shop, specs, lock_timeout=0.5))
        elapsed = time.monotonic() - started
        # the lock holder's transaction is untouched by the capture
        with locker.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM account_payment")
            assert cursor.fetchone()[0] == 3
    finally:
        locker.rollback()
        locker.close()
    assert result["failed"] is True
    assert result["msg"] == ("baseline 'blocked' failed: exceeded lock_timeout of 0.5 s "
                             "(canceling statement due to lock timeout)")
    # ansible-playbook itself takes a second or two; 30 s would be statement_timeout
    assert elapsed < 15, elapsed


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


# --- value shapes and types -----------------------------------------------------------------

SHAPES = [
    {"name": "one_by_one", "sql": "SELECT 42"},
    {"name": "one_row_many_columns", "sql": "SELECT 1, 'draft', DATE '2024-01-02'"},
    {"name": "many_rows_one_column", "sql": "SELECT x FROM generate_series(1, 3) AS x ORDER BY x"},
    {"name": "no_rows", "sql": "SELECT 1 WHERE false"},
    {"name": "null", "sql": "SELECT NULL"},
    {"name": "null_row", "sql": "SELECT NULL::int, NULL::text"},
    {"name": "types",
     "sql": "SELECT true, false, 9007199254740993::bigint, 12.30::numeric(12, 2), "
            "12345678901234567890.123456789012345678::numeric, 'NaN'::numeric, 0.1::float8, "
            "'NaN'::float8, 'Infinity'::float8, 'Grüße, \"x\"'::text, ''::text, DATE '2024-01-02', "
            "TIMESTAMP '2024-01-02 03:04:05.123456', TIME '13:14:15'"},
    {"name": "timestamptz", "sql": "SELECT TIMESTAMPTZ '2024-01-02 03:04:05.123456+00'"},
    {"name": "numeric_array", "sql": "SELECT ARRAY[1.50, 2]::numeric[]"},
    {"name": "jsonb", "sql": "SELECT '{\"a\": [1, \"x\", null, true]}'::jsonb"},
]


def test_value_shapes_and_types(shop, ansible_module):
    """1 row x 1 column -> scalar; anything else -> list of rows (lists); JSON safe, exact."""
    result = ansible_module(MODULE, baseline_args(shop, SHAPES))
    assert not result.get("failed"), result.get("msg")
    values = result["values"]
    assert values["one_by_one"] == 42
    assert values["one_row_many_columns"] == [[1, "draft", "2024-01-02"]]
    assert values["many_rows_one_column"] == [[1], [2], [3]]
    assert values["no_rows"] == []
    assert values["null"] is None
    assert values["null_row"] == [[None, None]]
    assert values["types"] == [[
        True, False, 9007199254740993, "12.30",
        "12345678901234567890.123456789012345678", "NaN", 0.1,
        "NaN", "Infinity", 'Grüße, "x"', "", "2024-01-02",
        "2024-01-02T03:04:05.123456", "13:14:15"]]
    # types survive the trip: bools are bools, the big integer is exact
    assert values["types"][0][0] is True
    assert isinstance(values["types"][0][2], int)
    # in the session time zone, with its offset: the same instant
    assert datetime.datetime.fromisoformat(values["timestamptz"]) == datetime.datetime(
        2024, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone.utc)
    assert values["numeric_array"] == ["1.50", "2"]
    assert values["jsonb"] == {"a": [1, "x", None, True]}


# --- row sets: a group's logins -------------------------------------------------------------

MANAGER_SQL = "SELECT login FROM app_user WHERE grp = 'payment_manager' ORDER BY login"
MANAGER_SPECS = [
    {"name": "payment_managers", "sql": MANAGER_SQL, "rule": "superset"},
    {"name": "payment_managers_exact", "sql": MANAGER_SQL, "rule": "same_set", "severity": "warn"},
    {"name": "payment_managers_present", "sql": MANAGER_SQL, "rule": {"min": 1}},
]


@pytest.fixture
def managers(shop):
    shop.execute(
        """
        DROP TABLE IF EXISTS app_user;
        CREATE TABLE app_user (login text PRIMARY KEY, grp text NOT NULL);
        INSERT INTO app_user VALUES ('jdoe', 'payment_manager'), ('asmith', 'payment_manager'),
            ('bkhan', 'payment_manager'), ('sales1', 'sales');
        """,
        dbname=DB,
    )
    yield shop
    shop.execute("DROP TABLE app_user", dbname=DB)


def capture_values(server, ansible_module, specs):
    result = ansible_module(MODULE, baseline_args(server, specs))
    assert not result.get("failed"), result.get("msg")
    return result["values"]


def test_superset_reports_a_removed_group_member(managers, ansible_module):
    specs = MANAGER_SPECS[:2]
    before = capture_values(managers, ansible_module, specs)
    assert before["payment_managers"] == [["asmith"], ["bkhan"], ["jdoe"]]

    managers.execute("DELETE FROM app_user WHERE login = 'jdoe'; "
                     "INSERT INTO app_user VALUES ('cnew', 'payment_manager')", dbname=DB)
    after = capture_values(managers, ansible_module, specs)
    assert after["payment_managers"] == [["asmith"], ["bkhan"], ["cnew"]]

    result = ansible_module(COMPARE, {"baselines": specs, "before": before, "after": after})
    assert result["failed"] is True
    assert result["violations"] == ["payment_managers"]
    assert result["warned"] == ["payment_managers_exact"]
    assert result["msg"] == (
        "Baseline check failed: payment_managers (superset): before 3 rows, after 3 rows; "
        "1 removed (['jdoe']), 1 added (['cnew'])")
    superset, same_set = result["results"]
    assert superset["ok"] is False
    assert (superset["removed"], superset["removed_count"]) == (["jdoe"], 1)
    assert (superset["added"], superset["added_count"]) == (["cnew"], 1)
    assert superset["message"] == "payment_managers: superset violated: 1 removed (['jdoe']), 1 added (['cnew'])"
    assert same_set["ok"] is False and same_set["severity"] == "warn"
    assert same_set["removed"] == ["jdoe"]


def test_group_down_to_one_member_then_empty(managers, ansible_module):
    before = capture_values(managers, ansible_module, MANAGER_SPECS)

    # one member left: the module gives the bare scalar, still the same row as ["asmith"]
    managers.execute("DELETE FROM app_user WHERE login IN ('bkhan', 'jdoe')", dbname=DB)
    one = capture_values(managers, ansible_module, MANAGER_SPECS)
    assert one["payment_managers"] == "asmith"
    result = ansible_module(COMPARE, {"baselines": MANAGER_SPECS, "before": before, "after": one})
    assert result["failed"] is True
    by_name = dict((r["name"], r) for r in result["results"])
    assert by_name["payment_managers"]["removed"] == ["bkhan", "jdoe"]
    assert by_name["payment_managers"]["added"] == []
    # {min: 1} on a login is not a number: a clear violation
    assert by_name["payment_managers_present"]["ok"] is False
    assert "asmith (str) is not a number" in by_name["payment_managers_present"]["message"]

    # nobody left: an empty result is a value the rules judge
    managers.execute("DELETE FROM app_user WHERE grp = 'payment_manager'", dbname=DB)
    empty = capture_values(managers, ansible_module, MANAGER_SPECS)
    assert empty["payment_managers"] == []
    result = ansible_module(COMPARE, {"baselines": MANAGER_SPECS, "before": before, "after": empty})
    assert result["failed"] is True
    assert result["violations"] == ["payment_managers", "payment_managers_present"]
    by_name = dict((r["name"], r) for r in result["results"])
    assert by_name["payment_managers"]["removed"] == ["asmith", "bkhan", "jdoe"]
    assert by_name["payment_managers"]["removed_count"] == 3
    assert by_name["payment_managers_present"]["message"] == (
        "payment_managers_present: min: 1 cannot be checked: after value is an empty result "
        "(the query returned no rows), not a number")
    assert result["msg"].endswith(
        "; payment_managers_present (min: 1): before [['asmith'], ['bkhan'], ['jdoe']], after [] "
        "[after value is an empty result (the query returned no rows), not a number]")


# --- consistency under a concurrent writer --------------------------------------------------


class Writer(threading.Thread):
    """Inserts rows into ``ticks`` in a tight loop, each in its own (autocommit) transaction.

    It waits until a new session appears in the database (the module's), then writes for
    at most ``max_seconds`` or ``max_inserts`` rows, or until ``stop`` is set.  ``commits``
    holds, per row, the wall-clock time just before the INSERT was sent and just after
    its commit returned.
    """

    def __init__(self, server, max_seconds=3.0, max_inserts=50000):
        super().__init__(daemon=True)
        self.server = server
        self.max_seconds = max_seconds
        self.max_inserts = max_inserts
        self.stop = threading.Event()
        self.commits = []
        self.saw_capture = False
        self.error = None

    def run(self):
        try:
            conn = self.server.connect(DB)  # autocommit: every INSERT commits at once
        except Exception as exc:  # pragma: no cover - reported by the test
            self.error = exc
            return
        try:
            with conn.cursor() as cursor:
                sessions = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")
                cursor.execute(sessions)
                known = set(row[0] for row in cursor.fetchall())
                waited_until = time.monotonic() + 60
                while not self.stop.is_set() and time.monotonic() < waited_until:
                    cursor.execute(sessions)
                    if set(row[0] for row in cursor.fetchall()) - known:
                        self.saw_capture = True
                        break
                    time.sleep(0.002)
                write_until = time.monotonic() + self.max_seconds
                while (not self.stop.is_set() and time.monotonic() < write_until
                       and len(self.commits) < self.max_inserts):
                    sent = time.time()
                    cursor.execute("INSERT INTO ticks DEFAULT VALUES")
                    self.commits.append((sent, time.time()))
        except Exception as exc:  # pragma: no cover - reported by the test
            self.error = exc
        finally:
            conn.close()


CONSISTENCY_SPECS = [
    {"name": "count_all", "sql": "SELECT count(*) FROM ticks"},
    {"name": "first_count_done", "sql": "SELECT clock_timestamp()"},
    {"name": "pause", "sql": "SELECT pg_sleep(0.3)"},
    {"name": "second_count_starts", "sql": "SELECT clock_timestamp()"},
    {"name": "count_positive", "sql": "SELECT count(*) FROM ticks WHERE id > 0"},
]


def _epoch(text):
    return datetime.datetime.fromisoformat(text).timestamp()


def test_counts_agree_while_a_writer_commits(shop, ansible_module):
    """Two counts of the same table, 0.3 s apart, agree although rows are committed in
    between: every baseline reads the one snapshot.  The writer is never blocked by the
    capture (it only takes ACCESS SHARE locks)."""
    shop.execute("DROP TABLE IF EXISTS ticks; CREATE TABLE ticks (id bigserial PRIMARY KEY)", dbname=DB)
    try:
        for attempt in range(5):
            writer = Writer(shop)
            writer.start()
            try:
                result = ansible_module(MODULE, baseline_args(shop, CONSISTENCY_SPECS))
            finally:
                writer.stop.set()
                writer.join(30)
            assert not writer.is_alive()
            assert writer.error is None, writer.error
            assert writer.saw_capture, "the writer never saw the module's session"
            assert not result.get("failed"), result.get("msg")
            values = result["values"]

            # rows were committed after the first count and before the second one started
            first_done = _epoch(values["first_count_done"])
            second_starts = _epoch(values["second_count_starts"])
            assert second_starts - first_done >= 0.3
            in_between = [c for c in writer.commits if first_done < c[0] and c[1] < second_starts]
            assert in_between, ("attempt %d: no row was committed between the two counts "
                                "(%d rows written in all)" % (attempt, len(writer.commits)))

            # ... and yet both counts are the same, and older than what is there now
            assert values["count_all"] == values["count_positive"], (attempt, values)
            now = shop.execute("SELECT count(*) FROM ticks", dbname=DB, fetch=True)[0][0]
            assert now >= values["count_all"] + len(in_between)
    finally:
        shop.execute("DROP TABLE IF EXISTS ticks", dbname=DB)
