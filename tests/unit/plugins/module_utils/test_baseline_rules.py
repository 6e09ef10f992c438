# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from decimal import Decimal

import pytest

from ansible_collections.guarded.deploy.plugins.module_utils.baseline_rules import (
    MAX_LISTED_MEMBERS,
    RULE_NAMES,
    SET_RULES,
    compare,
    describe_rule,
    evaluate,
    format_violation,
    row_set_difference,
    to_decimal,
    validate_baseline_specs,
    validate_name_and_sql,
    values_equal,
)


def test_rule_names():
    assert RULE_NAMES == ("equal", "not_decrease", "not_increase", "same_set", "superset",
                          "min", "max", "expect", "tolerance_pct")


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
    ("same_set", "same_set"),
    ("superset", "superset"),
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
    ({"max": 1}, None, [], "max: 1 cannot be checked: after value is an empty result "
                           "(the query returned no rows), not a number"),
    ({"tolerance_pct": 5}, [[1, 2]], 3,
     "tolerance_pct: 5 cannot be checked: before value [[1, 2]] (list) is not a number "
     "(the query must return exactly one row with one numeric column; "
     "compare rows with same_set or superset)"),
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
        "same_set, superset, {min: N}, {max: N}, {expect: VALUE}, {tolerance_pct: P}",
        "baseline 'b': severity must be 'fail' or 'warn', got loud",
    ]


def test_not_a_list():
    assert validate_baseline_specs({"name": "a"}) == ["baselines must be a list of dicts, got dict"]
    assert validate_name_and_sql("x") == ["baselines must be a list of dicts, got str"]


def test_name_and_sql_validation_ignores_rules():
    specs = [{"name": "a", "sql": "SELECT 1", "rule": "nope", "severity": "x", "whatever": 1}]
    assert validate_name_and_sql(specs) == []


# --- row sets: same_set and superset ------------------------------------------------------


@pytest.mark.parametrize("rule, before, after, ok", [
    # order never matters
    ("same_set", [["a"], ["b"]], [["b"], ["a"]], True),
    ("superset", [["a"], ["b"]], [["b"], ["a"]], True),
    # additions
    ("same_set", [["a"]], [["a"], ["b"]], False),
    ("superset", [["a"]], [["a"], ["b"]], True),
    # removals
    ("same_set", [["a"], ["b"]], [["a"]], False),
    ("superset", [["a"], ["b"]], [["a"]], False),
    # both
    ("superset", [["a"], ["b"]], [["a"], ["c"]], False),
    # empty results are empty sets
    ("same_set", [], [], True),
    ("superset", [], [], True),
    ("superset", [], [["a"]], True),
    ("superset", [["a"]], [], False),
    ("same_set", [], [["a"]], False),
    # multi-column rows
    ("same_set", [[1, "draft"], [2, "sale"]], [[2, "sale"], [1, "draft"]], True),
    ("superset", [[1, "draft"], [2, "sale"]], [[1, "draft"], [2, "done"]], False),
    # a scalar is a one-member set; a one-column row is the same member as its scalar
    ("same_set", "jdoe", [["jdoe"]], True),
    ("same_set", [["jdoe"]], "jdoe", True),
    ("same_set", "jdoe", ["jdoe"], True),
    ("superset", "jdoe", [["asmith"], ["jdoe"]], True),
    ("superset", [["asmith"], ["jdoe"]], "asmith", False),
    ("same_set", 5, 5, True),
    ("same_set", 5, 6, False),
    # numeric-aware member equality, as values_equal
    ("same_set", [["a", "12.30"]], [["a", 12.3]], True),
    ("same_set", [["a", Decimal("12.30")]], [["a", "12.3"]], True),
    ("same_set", "12.30", 12.3, True),
    ("same_set", [[1], [2]], [["1.0"], ["2.00"]], True),
    ("same_set", [[True]], [[1]], False),
    ("same_set", [[False]], [[0]], False),
    ("same_set", [["abc"]], [["ABC"]], False),
    # NULL is a value: a one-member set holding NULL; NULL cells compare equal
    ("same_set", None, None, True),
    ("same_set", None, [[None]], True),
    ("superset", None, [], False),
    ("same_set", [[1, None]], [[1, None]], True),
    ("same_set", [[1, None]], [[1, 0]], False),
    # nested values (arrays, json) compare element-wise, dicts by key
    ("same_set", [[["x", "1.50"]]], [[["x", 1.5]]], True),
    ("same_set", [[{"a": "1.0"}]], [[{"a": 1}]], True),
    ("same_set", [[{"a": 1}]], [[{"b": 1}]], False),
    # multiset for both rules: duplicates count
    ("same_set", [["a"], ["a"], ["b"]], [["a"], ["b"]], False),
    ("same_set", [["a"], ["b"]], [["a"], ["a"], ["b"]], False),
    ("same_set", [["a"], ["a"]], [["a"], ["a"]], True),
    ("superset", [["a"], ["a"]], [["a"]], False),
    ("superset", [["a"]], [["a"], ["a"]], True),
])
def test_set_rules(rule, before, after, ok):
    result, message = evaluate(rule, before, after)
    assert result is ok, message
    assert message.startswith(rule + (" ok: " if ok else " violated: "))


@pytest.mark.parametrize("rule, before, after, message", [
    ("superset", [["asmith"], ["jdoe"]], "asmith", "superset violated: 1 removed (['jdoe']), 0 added"),
    ("superset", [["a"]], [["a"], ["b"], ["c"]], "superset ok: 0 removed, 2 added (['b', 'c'])"),
    ("same_set", [["a"], ["b"]], [["a"], ["c"]], "same_set violated: 1 removed (['b']), 1 added (['c'])"),
    ("same_set", [["a"], ["b"]], [["b"], ["a"]], "same_set ok: 0 removed, 0 added"),
    ("same_set", [[1, "draft"]], [[1, "sale"]],
     "same_set violated: 1 removed ([[1, 'draft']]), 1 added ([[1, 'sale']])"),
    ("same_set", [[None], [True], ["12.30"]], [],
     "same_set violated: 3 removed ([NULL, true, '12.30']), 0 added"),
    ("same_set", [["a"], ["a"]], [["a"]], "same_set violated: 1 removed (['a']), 0 added"),
    ("same_set", [[1, "a"]], [[1, "a", "x"]],
     "same_set violated: 1 removed ([[1, 'a']]), 1 added ([[1, 'a', 'x']]) "
     "(rows have 2 columns before and 3 columns after: did the query change?)"),
    ("superset", [[str(n)] for n in range(12)], [],
     # numeric strings are numbers, so they sort by value
     "superset violated: 12 removed (['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] "
     "and 2 more), 0 added"),
])
def test_set_rule_messages(rule, before, after, message):
    assert evaluate(rule, before, after)[1] == message


def test_row_set_difference_sorted_with_counts():
    diff = row_set_difference([["c"], [3], ["10"], ["a"], [None], [True], [[1]]], [])
    # NULL, booleans, numbers by value, text, then the rest
    assert diff["removed"] == [None, True, 3, "10", "a", "c", [1]]
    assert diff["removed_count"] == 7
    assert diff["added"] == [] and diff["added_count"] == 0
    # the same members in another order give the same listing
    again = row_set_difference([[[1]], [True], [None], ["a"], ["10"], [3], ["c"]], [])
    assert again["removed"] == diff["removed"]
    # rows sort column by column
    diff = row_set_difference([], [[2, "a"], [1, "b"], [1, "a"], [10, None]])
    assert diff["added"] == [[1, "a"], [1, "b"], [2, "a"], [10, None]]


def test_row_set_difference_keeps_the_original_value():
    diff = row_set_difference([["a", "12.30"]], [])
    assert diff["removed"] == [["a", "12.30"]]
    diff = row_set_difference([], [[Decimal("1.50")], [7]])
    assert diff["added"] == [Decimal("1.50"), 7]


def test_row_set_difference_lists_each_missing_copy():
    diff = row_set_difference([["a"], ["a"], ["a"], ["b"]], [["a"]])
    assert diff["removed"] == ["a", "a", "b"]
    assert diff["removed_count"] == 3


@pytest.mark.parametrize("rule", SET_RULES)
def test_set_rule_lists_are_capped(rule):
    before = [["user%03d" % n] for n in range(120)]
    after = [["new%03d" % n] for n in range(70)]
    result = compare([{"name": "s", "sql": "x", "rule": rule}], {"s": before}, {"s": after})[0]
    assert result["ok"] is False
    assert result["removed_count"] == 120
    assert result["added_count"] == 70
    assert len(result["removed"]) == MAX_LISTED_MEMBERS == 50
    assert len(result["added"]) == 50
    assert result["removed"] == ["user%03d" % n for n in range(50)]
    assert result["added"] == ["new%03d" % n for n in range(50)]
    assert result["message"] == (
        "s: %s violated: 120 removed (['user000', 'user001', 'user002', 'user003', 'user004', "
        "'user005', 'user006', 'user007', 'user008', 'user009'] and 110 more), 70 added "
        "(['new000', 'new001', 'new002', 'new003', 'new004', 'new005', 'new006', 'new007', "
        "'new008', 'new009'] and 60 more)" % rule)


def test_compare_set_rule_result_shape():
    specs = [{"name": "payment_managers", "sql": "x", "rule": "superset"},
             {"name": "currencies", "sql": "x", "rule": "same_set"},
             {"name": "orders", "sql": "x"}]
    before = {"payment_managers": [["asmith"], ["jdoe"]], "currencies": [["EUR", "0.01"]], "orders": 5}
    after = {"payment_managers": "asmith", "currencies": [["EUR", 0.01], ["USD", "0.01"]], "orders": 5}
    managers, currencies, orders = compare(specs, before, after)
    assert managers == {
        "name": "payment_managers", "rule": "superset", "severity": "fail",
        "before": [["asmith"], ["jdoe"]], "after": "asmith", "ok": False,
        "message": "payment_managers: superset violated: 1 removed (['jdoe']), 0 added",
        "added": [], "removed": ["jdoe"], "added_count": 0, "removed_count": 1,
    }
    assert currencies["ok"] is False
    assert currencies["added"] == [["USD", "0.01"]] and currencies["added_count"] == 1
    assert currencies["removed"] == [] and currencies["removed_count"] == 0
    assert currencies["message"] == "currencies: same_set violated: 0 removed, 1 added ([['USD', '0.01']])"
    # other rules do not get the set keys
    assert set(orders) == {"name", "rule", "severity", "before", "after", "ok", "message"}


def test_compare_set_rule_ok_has_empty_lists():
    specs = [{"name": "s", "sql": "x", "rule": "same_set"}]
    result = compare(specs, {"s": [[1], [2]]}, {"s": [[2], [1]]})[0]
    assert result["ok"] is True
    assert (result["added"], result["removed"], result["added_count"], result["removed_count"]) == ([], [], 0, 0)


@pytest.mark.parametrize("before, after, reason", [
    ({"s": [["a"]]}, {}, "no 'after' value was captured"),
    ({}, {"s": [["a"]]}, "no 'before' value was captured"),
])
def test_compare_set_rule_with_a_missing_value(before, after, reason):
    result = compare([{"name": "s", "sql": "x", "rule": "superset"}], before, after)[0]
    assert result["ok"] is False
    assert reason in result["message"]
    assert result["message"].startswith("s: superset cannot be checked: ")
    assert result["added"] is None and result["removed"] is None
    assert result["added_count"] is None and result["removed_count"] is None
    text = format_violation(result)
    assert text.startswith("s (superset): before ")
    assert reason in text


def test_set_rule_severity_warn_is_kept():
    specs = [{"name": "s", "sql": "x", "rule": "superset", "severity": "warn"}]
    result = compare(specs, {"s": [["a"], ["b"]]}, {"s": [["a"]]})[0]
    assert result["ok"] is False
    assert result["severity"] == "warn"
    assert result["removed"] == ["b"]


def test_format_violation_for_set_rules():
    specs = [{"name": "payment_managers", "sql": "x", "rule": "superset"},
             {"name": "states", "sql": "x", "rule": "same_set"}]
    before = {"payment_managers": [["asmith"], ["bkhan"], ["jdoe"]], "states": "draft"}
    after = {"payment_managers": [["asmith"], ["bkhan"]], "states": [["draft"], ["sale"]]}
    managers, states = compare(specs, before, after)
    assert format_violation(managers) == (
        "payment_managers (superset): before 3 rows, after 2 rows; 1 removed (['jdoe']), 0 added")
    assert format_violation(states) == (
        "states (same_set): before 1 row, after 2 rows; 0 removed, 1 added (['sale'])")
    # a long list is summarised, not printed
    big = compare(specs[:1], {"payment_managers": [[n] for n in range(1000)]},
                  {"payment_managers": []})[0]
    assert format_violation(big) == (
        "payment_managers (superset): before 1000 rows, after 0 rows; "
        "1000 removed ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9] and 990 more), 0 added")


def test_set_rules_validate():
    specs = [{"name": "a", "sql": "x", "rule": "same_set"},
             {"name": "b", "sql": "x", "rule": "superset", "severity": "warn"}]
    assert validate_baseline_specs(specs) == []
    errors = validate_baseline_specs([{"name": "a", "sql": "x", "rule": {"superset": True}}])
    assert errors == ["baseline 'a': rule 'superset' takes no value, write it as the string 'superset'; "
                      "known rules: equal, not_decrease, not_increase, same_set, superset, "
                      "{min: N}, {max: N}, {expect: VALUE}, {tolerance_pct: P}"]
    errors = validate_baseline_specs([{"name": "a", "sql": "x", "rule": "subset"}])
    assert errors[0].startswith("baseline 'a': unknown rule 'subset'; known rules: ")


def test_set_rule_odd_values_never_raise():
    class Odd(object):
        def __repr__(self):
            return "<odd>"

    ok, message = evaluate("same_set", [[Odd()]], [[Odd()]])
    assert ok is True, message
    ok, message = evaluate("superset", [[float("nan")], [{"k": [1, {"x": None}]}]], [])
    assert ok is False
    assert message.startswith("superset violated: 2 removed (")


# --- every rule against Decimal, NULL, empty results and type mismatches -------------------

ALL_RULES = ["equal", "not_decrease", "not_increase", "same_set", "superset",
             {"min": 1}, {"max": 10}, {"expect": 5}, {"tolerance_pct": 10}]

ODD_VALUES = [
    Decimal("5.00"),
    None,
    [],
    [[1, 2]],
    [[5]],
    "abc",
    True,
    {"a": 1},
    "NaN",
    float("inf"),
]


@pytest.mark.parametrize("rule", ALL_RULES, ids=describe_rule)
@pytest.mark.parametrize("before", ODD_VALUES, ids=repr)
@pytest.mark.parametrize("after", ODD_VALUES, ids=repr)
def test_every_rule_with_odd_values_answers_and_never_raises(rule, before, after):
    ok, message = evaluate(rule, before, after)
    assert ok in (True, False)
    assert message.startswith(describe_rule(rule) + " ")
    results = compare([{"name": "v", "sql": "x", "rule": rule}], {"v": before}, {"v": after})
    assert results[0]["ok"] is ok
    assert results[0]["message"] == "v: " + message
    assert format_violation(results[0]).startswith("v (%s): before " % describe_rule(rule))


@pytest.mark.parametrize("rule", ALL_RULES, ids=describe_rule)
def test_every_rule_with_decimal_values(rule):
    # 5.00 before and after, as a Decimal, an exact string and a float: all hold
    for before, after in ((Decimal("5.00"), "5.0"), ("5.00", 5), (5.0, Decimal("5"))):
        ok, message = evaluate(rule, before, after)
        assert ok is True, message


NUMBER_RULES = ["not_decrease", "not_increase", {"min": 1}, {"max": 10}, {"tolerance_pct": 10}]


@pytest.mark.parametrize("rule", NUMBER_RULES, ids=describe_rule)
def test_numeric_rules_with_null_empty_and_mismatch(rule):
    desc = describe_rule(rule)
    assert evaluate(rule, 5, None) == (
        False, "%s cannot be checked: after value is NULL, a number is needed" % desc)
    assert evaluate(rule, 5, []) == (
        False, "%s cannot be checked: after value is an empty result (the query returned no rows), "
               "not a number" % desc)
    assert evaluate(rule, 5, "abc") == (
        False, "%s cannot be checked: after value abc (str) is not a number" % desc)
    assert evaluate(rule, 5, [[1], [2]]) == (
        False, "%s cannot be checked: after value [[1], [2]] (list) is not a number (the query must "
               "return exactly one row with one numeric column; compare rows with same_set or superset)"
        % desc)


def test_min_on_an_empty_group_fails_clearly():
    specs = [{"name": "payment_managers", "sql": "x", "rule": {"min": 1}}]
    result = compare(specs, {}, {"payment_managers": []})[0]
    assert result["ok"] is False
    assert result["message"] == ("payment_managers: min: 1 cannot be checked: after value is an empty "
                                 "result (the query returned no rows), not a number")
    assert format_violation(result) == (
        "payment_managers (min: 1): before NULL, after [] [after value is an empty result "
        "(the query returned no rows), not a number]")


@pytest.mark.parametrize("rule, before, after, ok", [
    ("equal", None, [], False),
    ("equal", [], [], True),
    ({"expect": []}, None, [], True),
    ({"expect": 0}, None, [], False),
    ({"expect": None}, None, [], False),
])
def test_equality_rules_with_null_and_empty(rule, before, after, ok):
    assert evaluate(rule, before, after)[0] is ok


def test_long_lists_are_summarised_in_messages():
    rows = [[n] for n in range(11)]
    assert evaluate("equal", rows, []) == (False, "equal violated: before 11 rows, after []")
    assert evaluate({"min": 1}, None, rows)[1] == (
        "min: 1 cannot be checked: after value 11 rows (list) is not a number (the query must return "
        "exactly one row with one numeric column; compare rows with same_set or superset)")
    result = compare([{"name": "e", "sql": "x", "rule": "equal"}], {"e": rows}, {"e": rows[:10]})[0]
    assert format_violation(result) == (
        "e (equal): before 11 rows, after [[0], [1], [2], [3], [4], [5], [6], [7], [8], [9]]")
