# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from decimal import Decimal

import pytest

from ansible_collections.guarded.deploy.plugins.module_utils.baseline_rules import (
    RULE_NAMES,
    compare,
    describe_rule,
    evaluate,
    format_violation,
    to_decimal,
    validate_baseline_specs,
    validate_name_and_sql,
    values_equal,
)


def test_rule_names():
    assert RULE_NAMES == ("equal", "not_decrease", "not_increase", "min", "max", "expect", "tolerance_pct")


# --- describe_rule -----------------------------------------------------------


@pytest.mark.parametrize("rule, text", [
    ("not_decrease", "not_decrease"),
    ("equal", "equal"),
    (None, "not_decrease"),
    ({"min": 1}, "min: 1"),
    ({"max": 0}, "max: 0"),
    ({"expect": "17.0.1.0.9"}, "expect: 17.0.1.0.9"),
    ({"tolerance_pct": 5}, "tolerance_pct: 5"),
    ({"tolerance_pct": 2.5}, "tolerance_pct: 2.5"),
    ({"expect": True}, "expect: true"),
    ({"expect": None}, "expect: NULL"),
])
def test_describe_rule(rule, text):
    assert describe_rule(rule) == text


def test_describe_rule_never_raises_on_garbage():
    assert describe_rule({"min": 1, "max": 2}) == "{'min': 1, 'max': 2}"
    assert describe_rule(42) == "42"


# --- to_decimal / values_equal ----------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (5, Decimal("5")),
    (-3, Decimal("-3")),
    ("12.30", Decimal("12.30")),
    (" 7 ", Decimal("7")),
    (0.1, Decimal("0.1")),
    (Decimal("1.50"), Decimal("1.50")),
    (True, None),
    (False, None),
    (None, None),
    ("", None),
    ("abc", None),
    ("NaN", None),
    ("Infinity", None),
    (float("nan"), None),
    ([1], None),
    ({"a": 1}, None),
])
def test_to_decimal(value, expected):
    assert to_decimal(value) == expected


@pytest.mark.parametrize("left, right, equal", [
    ("12.30", 12.3, True),
    ("12.30", Decimal("12.3"), True),
    (5, "5", True),
    (5, 5.0, True),
    (0.1, "0.1", True),
    ("abc", "abc", True),
    ("abc", "abd", False),
    (None, None, True),
    (None, 0, False),
    (True, 1, False),
    (1, True, False),
    (False, 0, False),
    (True, True, True),
    ([], [], True),
    ([], None, False),
    ([["draft", 2], ["sale", 3]], [["draft", 2], ["sale", 3]], True),
    ([["draft", 2], ["sale", 3]], [["draft", 2], ["sale", 4]], False),
    ([["a", "1.50"]], [["a", "1.5"]], True),
    ([1, 2], [1, 2, 3], False),
    ([1, 2], (1, 2), True),
    ({"a": 1}, {"a": 1}, True),
])
def test_values_equal(left, right, equal):
    assert values_equal(left, right) is equal


# --- evaluate: every rule, ok and violated ----------------------------------------


@pytest.mark.parametrize("rule, before, after, ok", [
    ("equal", 5, 5, True),
    ("equal", 5, 6, False),
    ("equal", "12.30", "12.3", True),
    ("equal", "17.0.1", "17.0.1", True),
    ("equal", "17.0.1", "17.0.2", False),
    ("equal", [["a", 1]], [["a", 1]], True),
    ("equal", [], [], True),
    ("equal", [], [["a", 1]], False),
    ("equal", None, None, True),
    ("not_decrease", 120, 120, True),
    ("not_decrease", 120, 125, True),
    ("not_decrease", 120, 80, False),
    ("not_decrease", "12.30", "12.31", True),
    ("not_decrease", "12.30", "12.29", False),
    ("not_decrease", 12, "12.00", True),
    ("not_decrease", Decimal("1.1"), 1.1, True),
    ("not_increase", 3, 3, True),
    ("not_increase", 3, 2, True),
    ("not_increase", 3, 7, False),
    ("not_increase", "0.10", "0.1", True),
    ({"min": 1}, None, 1, True),
    ({"min": 1}, None, 0, False),
    ({"min": "1.5"}, None, "1.50", True),
    ({"min": 1.5}, None, "1.49", False),
    ({"max": 0}, None, 0, True),
    ({"max": 0}, None, 3, False),
    ({"max": 10}, None, "10.00", True),
    ({"expect": "17.0.1.0.9"}, None, "17.0.1.0.9", True),
    ({"expect": "17.0.1.0.9"}, "whatever", "17.0.1.0.8", False),
    ({"expect": 3}, None, "3.0", True),
    ({"expect": True}, None, True, True),
    ({"expect": True}, None, 1, False),
    ({"expect": None}, None, None, True),
    ({"expect": []}, None, [], True),
    ({"expect": [["a", 1]]}, None, [["a", 1]], True),
    ({"tolerance_pct": 5}, 100, 105, True),
    ({"tolerance_pct": 5}, 100, 95, True),
    ({"tolerance_pct": 5}, 100, 106, False),
    ({"tolerance_pct": 5}, 100, 94, False),
    ({"tolerance_pct": 1}, "184523.10", "184523.10", True),
    ({"tolerance_pct": 0}, "12.30", "12.3", True),
    ({"tolerance_pct": 0}, "12.30", "12.31", False),
    ({"tolerance_pct": 10}, -100, -109, True),
    ({"tolerance_pct": 10}, 0, 0, True),
    ({"tolerance_pct": 10}, 0, 1, False),
])
def test_evaluate(rule, before, after, ok):
    result, message = evaluate(rule, before, after)
    assert result is ok
    assert isinstance(message, str)
    assert message.startswith(describe_rule(rule) + (" ok" if ok else " violated"))


def test_default_rule_is_not_decrease():
    assert evaluate(None, 5, 4)[0] is False
    assert evaluate(None, 5, 6)[0] is True


@pytest.mark.parametrize("rule, before, after, message", [
    ("not_decrease", 120, 80, "not_decrease violated: before 120, after 80"),
    ("not_increase", 3, 7, "not_increase violated: before 3, after 7"),
    ("equal", "12.30", "12.31", "equal violated: before 12.30, after 12.31"),
    ({"min": 1}, 5, 0, "min: 1 violated: after 0 is below 1"),
    ({"max": 0}, 0, 3, "max: 0 violated: after 3 is above 0"),
    ({"expect": "17.0.1.0.9"}, None, "17.0.1.0.8",
     "expect: 17.0.1.0.9 violated: after 17.0.1.0.8 (expected 17.0.1.0.9)"),
    ({"tolerance_pct": 5}, 100, 110, "tolerance_pct: 5 violated: before 100, after 110 (changed 10%)"),
    ({"tolerance_pct": 1}, 3, 4, "tolerance_pct: 1 violated: before 3, after 4 (changed 33.33%)"),
    ({"tolerance_pct": 1}, 0, 4,
     "tolerance_pct: 1 violated: before 0, after 4 (before is 0, so any change exceeds the tolerance)"),
    ("not_decrease", 120, 125, "not_decrease ok: before 120, after 125"),
    ({"min": 1}, None, 2, "min: 1 ok: after 2"),
])
def test_evaluate_messages(rule, before, after, message):
    assert evaluate(rule, before, after)[1] == message


@pytest.mark.parametrize("rule, before, after, text", [
    ("not_decrease", 5, None, "not_decrease cannot be checked: after value is NULL, a number is needed"),
    ("not_decrease", None, 5, "not_decrease cannot be checked: before value is NULL, a number is needed"),
    ("not_decrease", 5, "abc", "not_decrease cannot be checked: after value abc (str) is not a number"),
    ("not_increase", True, 1, "not_increase cannot be checked: before value true (bool) is not a number"),
    ({"min": 1}, None, True, "min: 1 cannot be checked: after value true (bool) is not a number"),
    ({"max": 1}, None, [], "max: 1 cannot be checked: after value [] (list) is not a number "
                           "(the query must return exactly one row with one numeric column)"),
    ({"tolerance_pct": 5}, [[1, 2]], 3,
     "tolerance_pct: 5 cannot be checked: before value [[1, 2]] (list) is not a number "
     "(the query must return exactly one row with one numeric column)"),
    ("not_decrease", 5, {"a": 1}, "not_decrease cannot be checked: after value {'a': 1} (dict) is not a number"),
    ("not_decrease", 5, "NaN", "not_decrease cannot be checked: after value NaN (str) is not a number"),
])
def test_type_mismatch_is_a_clear_violation_not_an_exception(rule, before, after, text):
    ok, message = evaluate(rule, before, after)
    assert ok is False
    assert message == text


def test_bool_is_not_numeric_for_any_numeric_rule():
    for rule in ("not_decrease", "not_increase", {"min": 0}, {"max": 5}, {"tolerance_pct": 50}):
        assert evaluate(rule, 1, True)[0] is False


def test_evaluate_invalid_rule_does_not_raise():
    ok, message = evaluate("not_decreasing", 1, 2)
    assert ok is False
    assert "unknown rule 'not_decreasing'" in message
    ok, message = evaluate({"min": "abc"}, 1, 2)
    assert ok is False
    assert "needs a number" in message


# --- compare -------------------------------------------------------------------------


SPECS = [
    {"name": "reconciled_payments", "sql": "SELECT 1"},
    {"name": "orders", "sql": "SELECT 1", "rule": "equal"},
    {"name": "bad_rows", "sql": "SELECT 1", "rule": {"max": 0}, "severity": "warn"},
    {"name": "version", "sql": "SELECT 1", "rule": {"expect": "17.0.1.0.9"}},
]


def test_compare_shape_and_order():
    before = {"reconciled_payments": 120, "orders": 5, "bad_rows": 0, "version": "17.0.1.0.8"}
    after = {"reconciled_payments": 80, "orders": 5, "bad_rows": 2, "version": "17.0.1.0.9"}
    results = compare(SPECS, before, after)
    assert [r["name"] for r in results] == ["reconciled_payments", "orders", "bad_rows", "version"]
    for item in results:
        assert set(item) == {"name", "rule", "severity", "before", "after", "ok", "message"}
    assert results[0] == {
        "name": "reconciled_payments", "rule": "not_decrease", "severity": "fail",
        "before": 120, "after": 80, "ok": False,
        "message": "reconciled_payments: not_decrease violated: before 120, after 80",
    }
    assert results[1]["ok"] is True
    assert results[2]["ok"] is False and results[2]["severity"] == "warn" and results[2]["rule"] == "max: 0"
    assert results[3]["ok"] is True and results[3]["rule"] == "expect: 17.0.1.0.9"


def test_compare_missing_after_value():
    results = compare(SPECS[:1], {"reconciled_payments": 1}, {})
    assert results[0]["ok"] is False
    assert results[0]["after"] is None
    assert "no 'after' value was captured" in results[0]["message"]
    assert results[0]["message"].startswith("reconciled_payments: ")


def test_compare_missing_before_value_only_matters_for_rules_that_need_it():
    after = {"reconciled_payments": 1, "orders": 5, "bad_rows": 0, "version": "17.0.1.0.9"}
    results = compare(SPECS, None, after)
    by_name = dict((r["name"], r) for r in results)
    assert by_name["reconciled_payments"]["ok"] is False
    assert "no 'before' value was captured" in by_name["reconciled_payments"]["message"]
    assert by_name["orders"]["ok"] is False
    assert by_name["bad_rows"]["ok"] is True
    assert by_name["version"]["ok"] is True


def test_compare_null_is_a_value_not_missing():
    specs = [{"name": "n", "sql": "SELECT 1", "rule": "equal"}]
    assert compare(specs, {"n": None}, {"n": None})[0]["ok"] is True


def test_compare_decimal_strings():
    specs = [{"name": "total", "sql": "SELECT 1", "rule": {"tolerance_pct": 0}}]
    assert compare(specs, {"total": "12.30"}, {"total": "12.3"})[0]["ok"] is True
    assert compare(specs, {"total": "12.30"}, {"total": 12.30})[0]["ok"] is True
    assert compare(specs, {"total": "12.30"}, {"total": "12.31"})[0]["ok"] is False


def test_format_violation():
    results = compare(SPECS, {"reconciled_payments": 120, "orders": 5, "bad_rows": 0, "version": "1"},
                      {"reconciled_payments": 80, "orders": 6, "bad_rows": 1, "version": "2"})
    assert format_violation(results[0]) == "reconciled_payments (not_decrease): before 120, after 80"
    assert format_violation(results[1]) == "orders (equal): before 5, after 6"
    assert format_violation(results[3]) == "version (expect: 17.0.1.0.9): before 1, after 2 (expected 17.0.1.0.9)"
    missing = compare(SPECS[:1], {"reconciled_payments": 1}, {})[0]
    assert format_violation(missing) == (
        "reconciled_payments (not_decrease): before 1, after NULL "
        "[no 'after' value was captured for this baseline]")
    tol = compare([{"name": "t", "sql": "x", "rule": {"tolerance_pct": 5}}], {"t": 100}, {"t": 90})[0]
    assert format_violation(tol) == "t (tolerance_pct: 5): before 100, after 90 (changed 10%)"


# --- validate_baseline_specs ----------------------------------------------------------------


def test_valid_specs():
    specs = SPECS + [
        {"name": "t", "sql": "SELECT 1", "rule": {"tolerance_pct": "2.5"}, "severity": "fail",
         "description": "free text"},
        {"name": "e", "sql": "SELECT 1", "rule": {"expect": None}},
        {"name": "n", "sql": "SELECT 1", "rule": "not_increase"},
        {"name": "m", "sql": "SELECT 1", "rule": {"min": -1}},
        {"name": "d", "sql": "SELECT 1", "rule": None, "severity": None},
    ]
    assert validate_baseline_specs(specs) == []
    assert validate_baseline_specs([]) == []


def test_unknown_rule_lists_known_rules():
    errors = validate_baseline_specs([{"name": "orders", "sql": "SELECT 1", "rule": "not_decreasing"}])
    assert len(errors) == 1
    assert errors[0].startswith("baseline 'orders': unknown rule 'not_decreasing'; known rules: ")
    for name in RULE_NAMES:
        assert name in errors[0]


@pytest.mark.parametrize("rule, fragment", [
    ({"min": 1, "max": 2}, "exactly one key, got 2"),
    ({}, "exactly one key, got 0"),
    ({"min": "abc"}, "rule 'min' needs a number, got abc (str)"),
    ({"max": None}, "rule 'max' needs a number, got NULL"),
    ({"max": True}, "rule 'max' needs a number, got true (bool)"),
    ({"tolerance_pct": [5]}, "rule 'tolerance_pct' needs a number"),
    ({"tolerance_pct": -1}, "needs a number >= 0"),
    ({"between": [1, 2]}, "unknown rule 'between'"),
    ({"equal": True}, "rule 'equal' takes no value"),
    ("min", "rule 'min' needs a value"),
    (5, "a rule must be a rule name or a one-key dict, got 5 (int)"),
    (["equal"], "a rule must be a rule name or a one-key dict"),
])
def test_bad_rules(rule, fragment):
    errors = validate_baseline_specs([{"name": "x", "sql": "SELECT 1", "rule": rule}])
    assert len(errors) == 1, errors
    assert errors[0].startswith("baseline 'x': ")
    assert fragment in errors[0]
    assert "known rules: equal, not_decrease, not_increase" in errors[0]


def test_duplicate_name():
    errors = validate_baseline_specs([{"name": "a", "sql": "SELECT 1"}, {"name": "a", "sql": "SELECT 2"}])
    assert errors == ["baseline 'a': duplicate name (names must be unique)"]


@pytest.mark.parametrize("spec, error", [
    ({"name": "a"}, "baseline 'a': 'sql' is required and must be a non-empty string"),
    ({"name": "a", "sql": "  "}, "baseline 'a': 'sql' is required and must be a non-empty string"),
    ({"name": "a", "sql": 5}, "baseline 'a': 'sql' is required and must be a non-empty string"),
    ({"sql": "SELECT 1"}, "baseline #1: 'name' is required and must be a non-empty string"),
    ({"name": "", "sql": "SELECT 1"}, "baseline #1: 'name' is required and must be a non-empty string"),
    ({"name": 3, "sql": "SELECT 1"}, "baseline #1: 'name' is required and must be a non-empty string"),
])
def test_missing_name_or_sql(spec, error):
    assert validate_baseline_specs([spec]) == [error]


def test_bad_severity():
    errors = validate_baseline_specs([{"name": "a", "sql": "SELECT 1", "severity": "error"}])
    assert errors == ["baseline 'a': severity must be 'fail' or 'warn', got error"]


def test_unknown_key_is_an_error():
    errors = validate_baseline_specs([{"name": "a", "sql": "SELECT 1", "rul": "equal"}])
    assert errors == ["baseline 'a': unknown key(s) rul; allowed keys: name, sql, rule, severity, description"]


def test_every_error_is_reported():
    errors = validate_baseline_specs([
        {"name": "a", "sql": "SELECT 1", "rule": "nope"},
        {"name": "a"},
        "not a dict",
        {"name": "b", "sql": "SELECT 1", "severity": "loud"},
    ])
    assert errors == [
        "baseline 'a': duplicate name (names must be unique)",
        "baseline 'a': 'sql' is required and must be a non-empty string",
        "baseline #3 must be a dict with 'name' and 'sql', got str",
        "baseline 'a': unknown rule 'nope'; known rules: equal, not_decrease, not_increase, "
        "{min: N}, {max: N}, {expect: VALUE}, {tolerance_pct: P}",
        "baseline 'b': severity must be 'fail' or 'warn', got loud",
    ]


def test_not_a_list():
    assert validate_baseline_specs({"name": "a"}) == ["baselines must be a list of dicts, got dict"]
    assert validate_name_and_sql("x") == ["baselines must be a list of dicts, got str"]


def test_name_and_sql_validation_ignores_rules():
    specs = [{"name": "a", "sql": "SELECT 1", "rule": "nope", "severity": "x", "whatever": 1}]
    assert validate_name_and_sql(specs) == []
