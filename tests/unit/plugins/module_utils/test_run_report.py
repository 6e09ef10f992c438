# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.html, junit.xml and the console summary, rendered from folded events."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ansible_collections.guarded.deploy.plugins.module_utils import run_record as rr
from ansible_collections.guarded.deploy.plugins.module_utils import run_report as report

T = ["2026-11-21T02:00:%02dZ" % s for s in range(0, 60, 5)]


def ev(at, host="app1", **fields):
    event = {"at": at, "host": host}
    event.update(fields)
    return event


def record():
    return rr.fold_events([
        ev(T[0], host=None, run={"run_id": "r1", "app": "shop", "deploy_version": "v2"}),
        ev(T[0], phase="preflight", phase_status="started"),
        ev(T[1], phase="preflight", phase_status="ok"),
        ev(T[1], phase="migrate", phase_status="started"),
        ev(T[2], phase="migrate", phase_status="ok", data={"health": {"ok": True, "status": 200}, "baselines": [
            {"name": "payments", "rule": "not_decrease", "before": 3, "after": 2, "ok": False,
             "message": "payments: not_decrease violated: before 3, after 2"},
            {"name": "users", "rule": "equal", "before": 1, "after": 1, "ok": True},
            {"name": "drafts", "rule": "equal", "before": 1, "after": 5, "ok": False, "severity": "warn"},
            {"name": "pending <b>", "rule": "equal", "before": 1, "after": None},
        ], "smoke": [{"name": "home", "url": "http://x/", "ok": True, "actual_status": 200},
                     {"name": "api", "url": "http://x/api", "ok": False, "msg": "got 500"}],
            "rollback": {"performed": True, "db_restored": True}}, host_status="rolled_back"),
        ev(T[0], host="app2", phase="preflight", phase_status="started"),
        ev(T[3], host="app2", phase="preflight", phase_status="failed",
           error={"task": "Assert the disk", "msg": "Not enough space <for> the backup"}, host_status="failed"),
        ev(T[4], host=None, run={"finished_at": T[4], "status": "failed"}),
    ])


def test_junit_lists_the_checks_per_host():
    root = ET.fromstring(report.render_junit(record()))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"shop app1", "shop app2"}
    app1 = {c.get("name"): c for c in suites["shop app1"].findall("testcase")}
    assert list(app1) == ["preflight", "health", "baseline payments", "baseline users", "baseline drafts",
                          "baseline pending <b>", "smoke home", "smoke api"]
    assert app1["preflight"].find("failure") is None and app1["preflight"].get("time") == "5.000"
    assert app1["baseline payments"].find("failure").get("message") == "payments: not_decrease violated: before 3, after 2"
    assert app1["baseline drafts"].find("failure") is None  # warn severity
    assert app1["baseline pending <b>"].find("skipped") is not None
    assert app1["smoke api"].find("failure").text == "got 500"
    assert suites["shop app1"].get("tests") == "8" and suites["shop app1"].get("failures") == "2"
    app2 = suites["shop app2"].findall("testcase")
    assert [c.get("name") for c in app2] == ["preflight"]
    assert app2[0].find("failure").text == "Not enough space <for> the backup"
    assert root.get("tests") == "9" and root.get("failures") == "3" and root.get("skipped") == "1"


def test_html_is_self_contained_escaped_and_has_a_timeline():
    page = report.render_html(record())
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http://" not in page.replace("http://x/", "").replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "pending &lt;b&gt;" in page and "<b>" not in page.replace("<body>", "")
    # one bar per phase: app1 preflight + migrate, app2 preflight
    assert len(re.findall(r"<rect ", page)) == 3
    assert page.count("<title>") == 1 + 3  # the page's, and one tooltip per bar
    assert "preflight: failed, 15.00 s" in page
    assert '<tr class="bad"><td>payments</td>' in page
    assert "<h1>Deployment execution log: shop" in page
    assert "<strong>Status: FAILED</strong>" in page


def test_html_without_phases_says_so():
    page = report.render_html(rr.fold_events([ev(T[0], host=None, run={"run_id": "r2", "app": "shop"})]))
    assert "No phase was recorded, so there is no timeline." in page


def test_markdown_table_cells_keep_escaped_pipes_and_line_breaks():
    out = report.markdown_to_html("| a | b |\n|---|---|\n| x \\| y | one<br>two `<code>` |\n")
    assert "<td>x | y</td>" in out
    assert "<td>one<br>two <code>&lt;code&gt;</code></td>" in out


def test_summary_table():
    text = report.render_summary(record())
    lines = text.splitlines()
    assert lines[0] == lines[2] == lines[-1] and lines[0].startswith("+-")
    assert [c.strip() for c in lines[3].split("|")[1:-1]] == [
        "app1", "ROLLED BACK", "v2", "10.0 s", "2 ok / 1 failed", "yes, database restored"]
    assert [c.strip() for c in lines[4].split("|")[1:-1]] == ["app2", "FAILED", "v2", "15.0 s", "0 ok / 0 failed", "no"]
