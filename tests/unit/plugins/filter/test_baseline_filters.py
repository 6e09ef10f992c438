# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters that build guarded.deploy.baseline's one list of baseline specs."""
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.guarded.deploy.plugins.filter.baseline import (
    FilterModule,
    resolve_baselines,
    sql_identifier,
    sql_literal,
)

PRESET = [
    {"name": "reconciliations", "sql": "SELECT 1", "rule": "equal", "description": "step 3.2"},
    {"name": "reconciled_payments", "sql": "SELECT 2", "rule": "not_decrease", "description": "step 3.3"},
    {"name": "payments_total", "sql": "SELECT 3", "rule": "not_decrease"},
]


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"resolve_baselines", "sql_literal", "sql_identifier"}


def test_presets_come_first_then_the_user_items():
    user = [{"name": "drafts", "sql": "SELECT 4", "rule": {"max": 10}}]
    assert resolve_baselines(PRESET, user) == PRESET + user


def test_a_user_item_with_a_preset_name_replaces_it_in_place():
    user = [
        {"name": "drafts", "sql": "SELECT 4"},
        {"name": "reconciliations", "sql": "SELECT 1", "rule": "not_decrease", "description": "tuned"},
    ]
    result = resolve_baselines(PRESET, user)
    assert [item["name"] for item in result] == [
        "reconciliations", "reconciled_payments", "payments_total", "drafts"]
    assert result[0] == user[1]  # the whole item, not merged with the preset's
    assert result[1] == PRESET[1]


def test_duplicates_within_one_list_are_passed_through():
    user = [{"name": "a", "sql": "SELECT 1"}, {"name": "a", "sql": "SELECT 2"}]
    assert resolve_baselines([], user) == user
    # replaced once; the second user item of that name is left for baseline_compare to report
    user = [{"name": "payments_total", "sql": "SELECT 8"}, {"name": "payments_total", "sql": "SELECT 9"}]
    result = resolve_baselines(PRESET, user)
    assert [item["sql"] for item in result] == ["SELECT 1", "SELECT 2", "SELECT 8", "SELECT 9"]


def test_sql_file_becomes_sql_and_other_keys_are_kept():
    user = [{"name": "drafts", "sql_file": "sql/drafts.sql", "description": "from a file", "severity": "warn"}]
    result = resolve_baselines([], user, {"sql/drafts.sql": "SELECT count(*) FROM draft"})
    assert result == [{"name": "drafts", "sql": "SELECT count(*) FROM draft", "description": "from a file",
                       "severity": "warn"}]
    assert user[0]["sql_file"] == "sql/drafts.sql"  # the input is not modified


def test_sql_file_in_a_replacing_item():
    user = [{"name": "payments_total", "sql_file": "/abs/total.sql"}]
    result = resolve_baselines(PRESET, user, {"/abs/total.sql": "SELECT 30"})
    assert result[2] == {"name": "payments_total", "sql": "SELECT 30"}


@pytest.mark.parametrize("item,sql_texts,message", [
    ({"name": "x", "sql": "SELECT 1", "sql_file": "x.sql"}, {"x.sql": "SELECT 1"},
     "baseline 'x' has both sql and sql_file; give exactly one"),
    ({"name": "x", "sql_file": "x.sql"}, {}, "baseline 'x': no text was read for sql_file 'x.sql'"),
    ({"sql_file": "x.sql"}, {}, "baseline #1 of deploy_baselines: no text was read"),
])
def test_sql_file_errors_name_the_baseline(item, sql_texts, message):
    with pytest.raises(AnsibleFilterError, match=message.replace("(", r"\(")):
        resolve_baselines([], [item], sql_texts)


def test_non_dict_items_and_empty_inputs():
    assert resolve_baselines(None, None) == []
    assert resolve_baselines([], ["not a dict"]) == ["not a dict"]
    with pytest.raises(AnsibleFilterError, match="deploy_baselines must be a list"):
        resolve_baselines([], {"name": "x"})


@pytest.mark.parametrize("value,expected", [
    ("Payment Manager", "'Payment Manager'"),
    ("Manager's group", "'Manager''s group'"),
    ("'; DROP TABLE res_users; --", "'''; DROP TABLE res_users; --'"),
    ("a\\b'c", "E'a\\\\b''c'"),
    (17, "'17'"),
    ("", "''"),
])
def test_sql_literal(value, expected):
    assert sql_literal(value) == expected


@pytest.mark.parametrize("value", [None, True, ["a"], {"a": 1}, "a\x00b"])
def test_sql_literal_rejects(value):
    with pytest.raises(AnsibleFilterError):
        sql_literal(value)


@pytest.mark.parametrize("value,expected", [
    ("account_payment", '"account_payment"'),
    ("accounting.Ledger", '"accounting"."Ledger"'),
    ('we"ird', '"we""ird"'),
    ("x; DROP TABLE y", '"x; DROP TABLE y"'),
])
def test_sql_identifier(value, expected):
    assert sql_identifier(value) == expected


@pytest.mark.parametrize("value", ["", "a..b", ".a", "a.b.c", None, "a\x00"])
def test_sql_identifier_rejects(value):
    with pytest.raises(AnsibleFilterError):
        sql_identifier(value)
