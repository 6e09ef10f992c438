# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.playbook.play_context import PlayContext

from ansible_collections.guarded.deploy.plugins.action.baseline_compare import ActionModule

SPECS = [
    {"name": "reconciled_payments", "sql": "SELECT count(*) FROM account_payment", "rule": "not_decrease"},
    {"name": "orders_without_partner", "sql": "SELECT count(*) FROM sale_order", "rule": {"max": 0}},
    {"name": "paid_total", "sql": "SELECT sum(amount) FROM account_payment",
     "rule": {"tolerance_pct": 1}, "severity": "warn"},
]
BEFORE = {"reconciled_payments": 120, "orders_without_partner": 0, "paid_total": "1000.00"}


def make_action(args, check_mode=False):
    task = MagicMock()
    task.args = args
    task.action = "guarded.deploy.baseline_compare"
    task.async_val = 0
    task.check_mode = check_mode
    connection = MagicMock()
    connection._shell.tmpdir = None
    action = ActionModule(
        task=task,
        connection=connection,
        play_context=PlayContext(),
        loader=MagicMock(),
        templar=MagicMock(),
        shared_loader_obj=MagicMock(),
    )
    action._display = MagicMock()
    return action


def warnings_of(action):
    return [call.args[0] for call in action._display.warning.call_args_list]


def test_plugin_attributes():
    assert ActionModule.TRANSFERS_FILES is False
    assert ActionModule._requires_connection is False
    assert ActionModule._supports_check_mode is True


def test_all_ok():
    after = {"reconciled_payments": 125, "orders_without_partner": 0, "paid_total": "1000.0"}
    action = make_action({"baselines": SPECS, "before": BEFORE, "after": after})
    result = action.run(task_vars={})
    assert not result.get("failed")
    assert result["ok"] is True
    assert result["changed"] is False
    assert result["violations"] == []
    assert result["warned"] == []
    assert [r["name"] for r in result["results"]] == [s["name"] for s in SPECS]
    assert all(r["ok"] for r in result["results"])
    assert result["msg"] == "All 3 baselines ok"
    assert warnings_of(action) == []
    # nothing ran on the host
    action._connection.exec_command.assert_not_called()


def test_fail_message_names_name_rule_before_after():
    after = {"reconciled_payments": 80, "orders_without_partner": 2, "paid_total": "1000.00"}
    action = make_action({"baselines": SPECS, "before": BEFORE, "after": after})
    result = action.run(task_vars={})
    assert result["failed"] is True
    assert result["ok"] is False
    assert result["changed"] is False
    assert result["msg"] == (
        "Baseline check failed: reconciled_payments (not_decrease): before 120, after 80; "
        "orders_without_partner (max: 0): before 0, after 2")
    assert result["violations"] == ["reconciled_payments", "orders_without_partner"]
    # results are still there on failure
    assert len(result["results"]) == 3
    first = result["results"][0]
    assert first == {
        "name": "reconciled_payments", "rule": "not_decrease", "severity": "fail",
        "before": 120, "after": 80, "ok": False,
        "message": "reconciled_payments: not_decrease violated: before 120, after 80",
    }


def test_warn_severity_does_not_fail():
    after = {"reconciled_payments": 120, "orders_without_partner": 0, "paid_total": "1100.00"}
    action = make_action({"baselines": SPECS, "before": BEFORE, "after": after})
    result = action.run(task_vars={})
    assert not result.get("failed")
    assert result["ok"] is True
    assert result["violations"] == []
    assert result["warned"] == ["paid_total"]
    assert result["msg"] == "All 3 baselines ok (1 warning: paid_total)"
    assert warnings_of(action) == [
        "Baseline warning: paid_total (tolerance_pct: 1): before 1000.00, after 1100.00 (changed 10%)"]


def test_fail_on_violation_false_reports_without_failing():
    after = {"reconciled_payments": 80, "orders_without_partner": 0, "paid_total": "1000.00"}
    action = make_action({"baselines": SPECS, "before": BEFORE, "after": after, "fail_on_violation": False})
    result = action.run(task_vars={})
    assert not result.get("failed")
    assert result["ok"] is False
    assert result["violations"] == ["reconciled_payments"]
    assert result["msg"].startswith("Baseline check failed: reconciled_payments (not_decrease): before 120, after 80")
    # the caller decides what a violation means, so no warning that contradicts it
    assert warnings_of(action) == []


def test_missing_after_value_is_a_violation():
    after = {"orders_without_partner": 0, "paid_total": "1000.00"}
    action = make_action({"baselines": SPECS, "before": BEFORE, "after": after})
    result = action.run(task_vars={})
    assert result["failed"] is True
    assert result["violations"] == ["reconciled_payments"]
    assert result["msg"] == (
        "Baseline check failed: reconciled_payments (not_decrease): before 120, after NULL "
        "[no 'after' value was captured for this baseline]")


def test_preflight_without_after_only_validates():
    action = make_action({"baselines": SPECS})
    result = action.run(task_vars={})
    assert not result.get("failed")
    assert result["ok"] is True
    assert result["changed"] is False
    assert "results" not in result
    assert result["msg"] == "3 baseline specs valid"


def test_preflight_lists_every_spec_error():
    specs = [
        {"name": "a", "sql": "SELECT 1", "rule": "not_decreasing"},
        {"name": "a", "sql": "SELECT 1"},
        {"name": "b", "sql": "SELECT 1", "severity": "loud"},
    ]
    action = make_action({"baselines": specs})
    result = action.run(task_vars={})
    assert result["failed"] is True
    assert result["ok"] is False
    assert len(result["errors"]) == 3
    assert result["msg"].startswith("Invalid baselines (3 errors): ")
    assert "baseline 'a': duplicate name" in result["msg"]
    assert "baseline 'a': unknown rule 'not_decreasing'; known rules: " in result["msg"]
    assert "baseline 'b': severity must be 'fail' or 'warn', got loud" in result["msg"]


def test_invalid_specs_fail_even_with_values():
    action = make_action({"baselines": [{"name": "a", "sql": "SELECT 1", "rule": {"min": "x"}}],
                          "before": {}, "after": {"a": 1}})
    result = action.run(task_vars={})
    assert result["failed"] is True
    assert "results" not in result
    assert "rule 'min' needs a number" in result["msg"]


def test_check_mode_behaves_the_same():
    after = {"reconciled_payments": 80, "orders_without_partner": 0, "paid_total": "1000.00"}
    action = make_action({"baselines": SPECS, "before": BEFORE, "after": after}, check_mode=True)
    result = action.run(task_vars={})
    assert result["failed"] is True
    assert result["violations"] == ["reconciled_payments"]


def test_argument_spec_is_enforced():
    with pytest.raises(AnsibleActionFail, match="baselines"):
        make_action({"before": {}}).run(task_vars={})
    with pytest.raises(AnsibleActionFail, match="Unsupported parameters"):
        make_action({"baselines": SPECS, "bogus": 1}).run(task_vars={})
    with pytest.raises(AnsibleActionFail):
        make_action({"baselines": SPECS, "after": "not a dict"}).run(task_vars={})


SET_SPECS = [
    {"name": "payment_managers", "sql": "SELECT login FROM res_users", "rule": "superset"},
    {"name": "currencies", "sql": "SELECT name, rounding FROM res_currency", "rule": "same_set",
     "severity": "warn"},
]
SET_BEFORE = {"payment_managers": [["asmith"], ["jdoe"]], "currencies": [["EUR", "0.01"]]}


def test_set_rule_violation_lists_removed_rows():
    after = {"payment_managers": "asmith", "currencies": [["EUR", 0.01]]}
    action = make_action({"baselines": SET_SPECS, "before": SET_BEFORE, "after": after})
    result = action.run(task_vars={})
    assert result["failed"] is True
    assert result["violations"] == ["payment_managers"]
    assert result["msg"] == (
        "Baseline check failed: payment_managers (superset): before 2 rows, after 1 row; "
        "1 removed (['jdoe']), 0 added")
    managers, currencies = result["results"]
    assert managers["removed"] == ["jdoe"] and managers["removed_count"] == 1
    assert managers["added"] == [] and managers["added_count"] == 0
    assert managers["message"] == "payment_managers: superset violated: 1 removed (['jdoe']), 0 added"
    assert currencies["ok"] is True


def test_set_rule_with_warn_severity_only_warns():
    after = {"payment_managers": [["asmith"], ["jdoe"], ["new"]],
             "currencies": [["EUR", "0.01"], ["USD", "0.01"]]}
    action = make_action({"baselines": SET_SPECS, "before": SET_BEFORE, "after": after})
    result = action.run(task_vars={})
    assert not result.get("failed")
    assert result["ok"] is True
    assert result["warned"] == ["currencies"]
    assert result["results"][0]["ok"] is True and result["results"][0]["added"] == ["new"]
    assert warnings_of(action) == [
        "Baseline warning: currencies (same_set): before 1 row, after 2 rows; "
        "0 removed, 1 added ([['USD', '0.01']])"]
