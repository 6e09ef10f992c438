# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import datetime
import json
from decimal import Decimal
from unittest import mock

import pytest
import yaml

from ansible.module_utils.testing import patch_module_args

from ansible_collections.guarded.deploy.plugins.modules import postgresql_baseline as mod


# --- value conversion ---------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (None, None),
    (True, True),
    (False, False),
    (42, 42),
    (-7, -7),
    (1.5, 1.5),
    ("text", "text"),
    (Decimal("12.30"), "12.30"),
    (Decimal("0.00"), "0.00"),
    (Decimal("-1E+3"), "-1E+3"),
    (Decimal("NaN"), "NaN"),
    (datetime.date(2024, 1, 2), "2024-01-02"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, 6), "2024-01-02T03:04:05.000006"),
    (datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc), "2024-01-02T03:04:05+00:00"),
    (datetime.time(13, 14, 15), "13:14:15"),
    (datetime.timedelta(days=1), "1 day, 0:00:00"),
    ([1, Decimal("2.50"), None], [1, "2.50", None]),
    ((1, 2), [1, 2]),
    ({"a": Decimal("1.0"), "b": [datetime.date(2024, 1, 1)]}, {"a": "1.0", "b": ["2024-01-01"]}),
    (b"\x00\xff", "\\x00ff"),
    (memoryview(b"ab"), "\\x6162"),
    (float("nan"), "NaN"),
    (float("inf"), "Infinity"),
    (float("-inf"), "-Infinity"),
    (2 ** 70, 2 ** 70),
    (Decimal("12345678901234567890.123456789012345678"), "12345678901234567890.123456789012345678"),
])
def test_to_json_safe(value, expected):
    converted = mod.to_json_safe(value)
    assert (converted, converted.__class__) == (expected, expected.__class__)
    json.dumps(converted)


def test_int_and_bool_keep_their_types():
    assert mod.to_json_safe(True).__class__ is bool
    assert mod.to_json_safe(1).__class__ is int


@pytest.mark.parametrize("rows, columns, expected", [
    ([(5,)], 1, 5),
    ([(Decimal("12.30"),)], 1, "12.30"),
    ([(None,)], 1, None),
    ([], 1, []),
    ([], 3, []),
    ([(1,), (2,)], 1, [[1], [2]]),
    ([(1, "a")], 2, [[1, "a"]]),
    ([("draft", 2), ("sale", 3)], 2, [["draft", 2], ["sale", 3]]),
    ([{"count": 5}], 1, 5),
    ([[[1, 2]]], 1, [1, 2]),
    ([(None, None)], 2, [[None, None]]),
    ([(None,), (None,)], 1, [[None], [None]]),
    ([(True, datetime.date(2024, 1, 2), Decimal("12.30"), "text")], 4,
     [[True, "2024-01-02", "12.30", "text"]]),
])
def test_shape_rows(rows, columns, expected):
    assert mod.shape_rows(rows, columns) == expected


@pytest.mark.parametrize("seconds, ms", [(30, 30000), (2.5, 2500), (0, 0), (0.0001, 1), (-1, 0)])
def test_timeout_ms(seconds, ms):
    assert mod.timeout_ms(seconds) == ms


@pytest.mark.parametrize("seconds, text", [(30.0, "30"), (1, "1"), (0.5, "0.5"), (2.25, "2.25")])
def test_format_seconds(seconds, text):
    assert mod.format_seconds(seconds) == text


# --- error messages -------------------------------------------------------------------------


class FakeDiag:
    def __init__(self, primary):
        self.message_primary = primary


class FakePgError(Exception):
    def __init__(self, text, pgcode=None, primary=None):
        super().__init__(text)
        self.pgcode = pgcode
        self.diag = FakeDiag(primary)


class FakePsycopg3Error(Exception):
    def __init__(self, text, sqlstate):
        super().__init__(text)
        self.sqlstate = sqlstate


def test_read_only_message():
    exc = FakePgError("cannot execute DELETE in a read-only transaction\n", "25006")
    assert mod.describe_query_error("purge", exc, 30, 5) == (
        "baseline 'purge' failed: the query tried to write, but baselines run in a read-only "
        "transaction (cannot execute DELETE in a read-only transaction)")


def test_statement_timeout_message():
    exc = FakePgError("canceling statement due to statement timeout\n", "57014")
    assert mod.describe_query_error("slow", exc, 30.0, 5.0) == (
        "baseline 'slow' failed: exceeded statement_timeout of 30 s "
        "(canceling statement due to statement timeout)")


def test_cancel_that_is_not_a_timeout():
    exc = FakePgError("canceling statement due to user request\n", "57014")
    assert mod.describe_query_error("x", exc, 30, 5) == (
        "baseline 'x' failed: the query was cancelled (canceling statement due to user request)")


def test_timeouts_recognised_by_the_clock_when_messages_are_localised():
    exc = FakePgError("Anfrage wird storniert wegen Zeitüberschreitung der Anweisung\n", "57014")
    assert mod.describe_query_error("slow", exc, 2, 5, elapsed=2.01).startswith(
        "baseline 'slow' failed: exceeded statement_timeout of 2 s (")
    assert mod.describe_query_error("slow", exc, 2, 5, elapsed=0.1).startswith(
        "baseline 'slow' failed: the query was cancelled (")
    exc = FakePgError("konnte Sperre nicht setzen\n", "55P03")
    assert mod.describe_query_error("locked", exc, 30, 1, elapsed=1.0).startswith(
        "baseline 'locked' failed: exceeded lock_timeout of 1 s (")
    # NOWAIT fails at once: not a timeout
    assert mod.describe_query_error("locked", exc, 30, 1, elapsed=0.01) == (
        "baseline 'locked' failed: konnte Sperre nicht setzen")


def test_lock_timeout_message_psycopg3_style():
    exc = FakePsycopg3Error("canceling statement due to lock timeout", "55P03")
    assert mod.describe_query_error("locked", exc, 30, 0.5) == (
        "baseline 'locked' failed: exceeded lock_timeout of 0.5 s (canceling statement due to lock timeout)")


def test_syntax_error_keeps_first_line_only():
    exc = FakePgError('syntax error at or near "SELEC"\nLINE 1: SELEC 1\n        ^\n', "42601")
    assert mod.describe_query_error("typo", exc, 30, 5) == 'baseline \'typo\' failed: syntax error at or near "SELEC"'


def test_primary_message_preferred_and_error_prefix_stripped():
    exc = FakePgError("ERROR:  whatever\nDETAIL: x", "XX000", primary='relation "t" does not exist')
    assert mod.error_first_line(exc) == 'relation "t" does not exist'
    assert mod.error_first_line(FakePgError("ERROR:  boom\nmore")) == "boom"
    assert mod.error_first_line(ValueError("")) == "ValueError"


def test_one_line():
    assert mod.one_line('connection to server failed: No such file\n\tIs the server running?\n') == (
        "connection to server failed: No such file Is the server running?")


# --- argument handling --------------------------------------------------------------------


def params(**overrides):
    values = dict(db="shop", baselines=[{"name": "a", "sql": "SELECT 1"}], statement_timeout=30.0,
                  lock_timeout=5.0)
    values.update(overrides)
    return values


def test_check_params_ok_and_extra_keys_ignored():
    specs = [{"name": "a", "sql": "SELECT 1", "rule": {"min": 1}, "severity": "warn", "description": "d",
              "anything": "else"}]
    assert mod.check_params(params(baselines=specs)) == []
    assert mod.check_params(params(baselines=[])) == []


def test_check_params_errors():
    errors = mod.check_params(params(baselines=[{"name": "a"}, {"name": "a", "sql": "SELECT 1"}, {"sql": "x"}],
                                     statement_timeout=-1, lock_timeout=-0.5))
    assert errors == [
        "baseline 'a': 'sql' is required and must be a non-empty string",
        "baseline 'a': duplicate name (names must be unique)",
        "baseline #3: 'name' is required and must be a non-empty string",
        "statement_timeout must be 0 (no limit) or a positive number of seconds, got -1",
        "lock_timeout must be 0 (no limit) or a positive number of seconds, got -0.5",
    ]


def run_main(args):
    """Run main() with the given module args; return (exit code, result dict)."""
    with patch_module_args(args):
        with mock.patch("sys.stdout") as stdout:
            with pytest.raises(SystemExit) as exit_info:
                mod.main()
    output = "".join(call.args[0] for call in stdout.write.call_args_list)
    return exit_info.value.code, json.loads(output)


def test_main_rejects_bad_baselines_before_connecting():
    with mock.patch.object(mod, "connect_to_db") as connect:
        code, result = run_main({"db": "shop", "baselines": [{"name": "a"}]})
    assert code == 1
    assert result["failed"] is True
    assert result["msg"] == "invalid baselines: baseline 'a': 'sql' is required and must be a non-empty string"
    connect.assert_not_called()


def test_main_requires_db_and_baselines():
    code, result = run_main({"baselines": []})
    assert code == 1 and "db" in result["msg"]
    code, result = run_main({"db": "shop"})
    assert code == 1 and "baselines" in result["msg"]


def test_main_login_db_alias_and_password_hidden():
    captured = {}

    def fake_connect(module, conn_params, autocommit=False, fail_on_conn=True):
        captured.update(conn_params, autocommit=autocommit)
        return None, "boom"

    with mock.patch.object(mod, "connect_to_db", side_effect=fake_connect):
        code, result = run_main({"login_db": "shop", "baselines": [], "login_password": "s3cret",
                                 "login_unix_socket": "/run/pg", "login_port": 5433,
                                 "login_user": "postgres"})
    assert code == 1
    assert captured["dbname"] == "shop"
    assert captured["autocommit"] is True
    assert result["msg"] == "unable to connect to database 'shop' (/run/pg, port 5433, user postgres): boom"
    assert "s3cret" not in json.dumps(result)


def test_main_success_with_fake_connection():
    conn = mock.MagicMock()
    values = [dict(name="a", value=1)]
    with mock.patch.object(mod, "connect_to_db", return_value=(conn, None)), \
            mock.patch.object(mod, "capture", return_value=(values, "2024-01-01T00:00:00+00:00", "15.4")) as cap:
        code, result = run_main({"db": "shop", "baselines": [{"name": "a", "sql": "SELECT 1"}],
                                 "statement_timeout": 2, "_ansible_check_mode": True})
    assert code == 0
    assert result["changed"] is False
    assert result["values"] == {"a": 1}
    assert result["baselines"] == values
    assert result["captured_at"] == "2024-01-01T00:00:00+00:00"
    assert result["server_version"] == "15.4"
    assert result["isolation"] == "repeatable read, read only"
    assert cap.call_args.args[2:] == (2.0, 5.0)
    conn.close.assert_called_once_with()


# --- capture() with a fake cursor -------------------------------------------------------------


class FakeCursor:
    """Records statements; answers STATE_SQL and the baseline queries from a script."""

    def __init__(self, answers, state=("2024-01-01T00:00:00.000001+00:00", "15.4", "repeatable read", "on"),
                 states_after=None):
        self.answers = answers
        self.state = state
        self.states_after = list(states_after or [])
        self.executed = []
        self.description = None
        self._rows = None
        self.closed = False

    def execute(self, sql):
        self.executed.append(sql)
        if sql == mod.STATE_SQL:
            state = self.state
            if self.states_after and len([s for s in self.executed if s == mod.STATE_SQL]) > 1:
                state = self.states_after.pop(0)
            self.description = [("a",), ("b",), ("c",), ("d",)]
            self._rows = [state]
            return
        if sql in self.answers:
            answer = self.answers[sql]
            if isinstance(answer, Exception):
                raise answer
            columns, rows = answer
            self.description = [("c%d" % i,) for i in range(columns)] if columns else None
            self._rows = rows
            return
        self.description = None
        self._rows = None

    def fetchone(self):
        return self._rows[0]

    def fetchall(self):
        return list(self._rows)

    def close(self):
        self.closed = True


def fake_conn(cursor):
    conn = mock.MagicMock()
    conn.cursor.return_value = cursor
    return conn


def test_capture_runs_one_read_only_transaction_and_rolls_back():
    cursor = FakeCursor({"Q1": (1, [(5,)]), "Q2": (2, [("draft", 2), ("sale", Decimal("3.0"))])})
    values, captured_at, version = mod.capture(
        fake_conn(cursor), [{"name": "a", "sql": "Q1"}, {"name": "b", "sql": "Q2"}], 30, 0.5)
    assert values == [{"name": "a", "value": 5}, {"name": "b", "value": [["draft", 2], ["sale", "3.0"]]}]
    assert captured_at == "2024-01-01T00:00:00.000001+00:00"
    assert version == "15.4"
    assert cursor.executed == [
        "SET SESSION default_transaction_read_only = on",
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        "SET LOCAL statement_timeout = 30000",
        "SET LOCAL lock_timeout = 500",
        mod.STATE_SQL,
        "Q1",
        mod.STATE_SQL,
        "Q2",
        mod.STATE_SQL,
        "ROLLBACK",
    ]
    assert not any("COMMIT" in sql for sql in cursor.executed)
    assert cursor.closed


def test_capture_failure_still_rolls_back():
    error = FakePgError("cannot execute DELETE in a read-only transaction\n", "25006")
    cursor = FakeCursor({"Q1": (1, [(5,)]), "DEL": error})
    with pytest.raises(mod.BaselineError) as info:
        mod.capture(fake_conn(cursor), [{"name": "a", "sql": "Q1"}, {"name": "purge", "sql": "DEL"}], 30, 5)
    assert str(info.value).startswith("baseline 'purge' failed: the query tried to write")
    assert cursor.executed[-1] == "ROLLBACK"
    assert cursor.closed


def test_capture_statement_without_rows():
    cursor = FakeCursor({"SET x": (0, None)})
    with pytest.raises(mod.BaselineError, match="baseline 'setter' failed: the query returned no rows"):
        mod.capture(fake_conn(cursor), [{"name": "setter", "sql": "SET x"}], 30, 5)


def test_capture_detects_an_ended_transaction():
    new_state = ("2024-01-01T00:00:09.000000+00:00", "15.4", "read committed", "on")
    cursor = FakeCursor({"Q1": (1, [(5,)])}, states_after=[new_state])
    with pytest.raises(mod.BaselineError, match="baseline 'a' failed: the query ended the baseline transaction"):
        mod.capture(fake_conn(cursor), [{"name": "a", "sql": "Q1"}], 30, 5)


def test_capture_refuses_a_transaction_that_is_not_read_only():
    cursor = FakeCursor({}, state=("t", "15.4", "read committed", "off"))
    with pytest.raises(mod.BaselineError, match="unable to start the baseline transaction"):
        mod.capture(fake_conn(cursor), [{"name": "a", "sql": "Q1"}], 30, 5)


# --- documentation matches the argument spec ---------------------------------------------------


def test_documentation_parses_and_covers_the_module_options():
    doc = yaml.safe_load(mod.DOCUMENTATION)
    yaml.safe_load(mod.EXAMPLES)
    returns = yaml.safe_load(mod.RETURN)
    assert doc["module"] == "postgresql_baseline"
    assert doc["attributes"]["check_mode"]["support"] == "full"
    options = doc["options"]
    assert options["db"] == {"description": options["db"]["description"], "type": "str", "required": True,
                             "aliases": ["login_db"]}
    assert options["baselines"]["type"] == "list" and options["baselines"]["elements"] == "dict"
    assert options["statement_timeout"]["default"] == 30 and options["statement_timeout"]["type"] == "float"
    assert options["lock_timeout"]["default"] == 5 and options["lock_timeout"]["type"] == "float"
    assert "community.postgresql.postgres" in doc["extends_documentation_fragment"]
    assert set(returns) == {"values", "baselines", "captured_at", "server_version", "isolation"}


def test_last_result_only_moves_on_psycopg3():
    class MultiResultCursor:
        def __init__(self):
            self.current = 0

        def nextset(self):
            if self.current < 2:
                self.current += 1
                return True
            return None

    cursor = MultiResultCursor()
    with mock.patch.object(mod, "PSYCOPG_VERSION", mod.LooseVersion("3.2.1")):
        mod._last_result(cursor)
    assert cursor.current == 2

    cursor = mock.MagicMock()
    with mock.patch.object(mod, "PSYCOPG_VERSION", mod.LooseVersion("2.9.10")):
        mod._last_result(cursor)
    cursor.nextset.assert_not_called()


def test_values_round_trip_through_strict_json():
    rows = [(True, 2 ** 63 - 1, Decimal("0.10"), 0.1, float("nan"), None, "x",
             datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone.utc))]
    value = mod.shape_rows(rows, 8)
    text = json.dumps(value, allow_nan=False)
    assert json.loads(text) == value == [[True, 2 ** 63 - 1, "0.10", 0.1, "NaN", None, "x",
                                          "2024-01-02T03:04:05.123456+00:00"]]
