# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run record rendered for people and CI systems: report.html, junit.xml, and the
console summary table.

``report.html`` is one self-contained page (no script, no network): a timeline of the
phases per host (inline SVG) followed by the execution log itself, converted from the
Markdown that ``run_record.render_markdown`` writes, so the two documents always carry
the same facts. ``junit.xml`` lists the checks (preflight, health, each baseline, each
smoke test) per host as test cases.

Runs on the controller only; standard library only, Python 3.8 compatible.
"""

from __future__ import annotations

import datetime
import html
import re
import xml.etree.ElementTree as ET

from ansible_collections.guarded.deploy.plugins.module_utils.run_record import (
    MISSING,
    baseline_verdict,
    parse_time,
    render_markdown,
)

HTML_FILE = "report.html"
JUNIT_FILE = "junit.xml"

# Phase bar colours of the timeline, by phase status.
STATUS_COLOURS = {
    "ok": "#2f9e44",
    "failed": "#e03131",
    "skipped": "#adb5bd",
    "started": "#f08c00",
}
RUN_COLOURS = {
    "succeeded": "#2f9e44",
    "rolled_back": "#f08c00",
    "failed": "#e03131",
    "rollback_failed": "#c92a2a",
    "running": "#868e96",
}

# ---------------------------------------------------------------------------
# JUnit XML


def _case(suite, name, classname, seconds=None, failure=None, skipped=None, output=None):
    case = ET.SubElement(suite, "testcase", name=name, classname=classname)
    if isinstance(seconds, (int, float)):
        case.set("time", "%.3f" % seconds)
    if failure is not None:
        ET.SubElement(case, "failure", message=failure[:500]).text = failure
    elif skipped is not None:
        ET.SubElement(case, "skipped", message=skipped)
    if output:
        ET.SubElement(case, "system-out").text = output
    return case


def _phase(host, name):
    """The last entry of phase ``name`` of a host record, or None."""
    found = None
    for phase in host.get("phases") or []:
        if isinstance(phase, dict) and phase.get("name") == name:
            found = phase
    return found


def _phase_errors(record, host_name, phase_name):
    """The messages of a host's errors in that phase (or, when none says so, in no phase)."""
    errors = [e for e in record.get("errors") or [] if isinstance(e, dict) and e.get("host") == host_name and e.get("msg")]
    return ([e["msg"] for e in errors if e.get("phase") == phase_name]
            or [e["msg"] for e in errors if not e.get("phase")])


def _span(phase):
    """(start, end) datetimes of a recorded phase; end = start + duration_s, or the start
    itself while the phase is not finished. None without a start."""
    start = parse_time(phase.get("started_at"))
    if start is None:
        return None
    duration = phase.get("duration_s")
    seconds = duration if isinstance(duration, (int, float)) and not isinstance(duration, bool) else 0.0
    return start, start + datetime.timedelta(seconds=seconds)


def render_junit(record):
    """junit.xml text: one <testsuite> per host with the run's checks as test cases."""
    root = ET.Element("testsuites", name="guarded.deploy run %s" % (record.get("run_id") or MISSING))
    for host_name, host in (record.get("hosts") or {}).items():
        host = host or {}
        suite = ET.SubElement(root, "testsuite", name="%s %s" % (record.get("app") or "app", host_name))
        classname = "guarded.deploy.%s" % host_name

        preflight = _phase(host, "preflight")
        if preflight is None:
            _case(suite, "preflight", classname, skipped="not run")
        elif preflight.get("status") == "failed":
            messages = _phase_errors(record, host_name, "preflight") or ["preflight failed"]
            _case(suite, "preflight", classname, preflight.get("duration_s"), failure="\n".join(messages))
        elif preflight.get("status") == "ok":
            _case(suite, "preflight", classname, preflight.get("duration_s"))
        else:
            _case(suite, "preflight", classname, skipped="status %s" % preflight.get("status"))

        health = host.get("health") or {}
        if health:
            if health.get("ok") is False:
                _case(suite, "health", classname, failure="health check failed: %s" % health)
            else:
                _case(suite, "health", classname, output=" ".join("%s=%s" % kv for kv in sorted(health.items())))

        for baseline in host.get("baselines") or []:
            if not isinstance(baseline, dict):
                continue
            name = "baseline %s" % baseline.get("name")
            verdict = baseline_verdict(baseline)
            detail = "rule %s: before %s, after %s" % (baseline.get("rule"), baseline.get("before"), baseline.get("after"))
            if verdict == "VIOLATED":
                _case(suite, name, classname, failure=baseline.get("message") or detail)
            elif verdict in ("OK", "WARN"):
                _case(suite, name, classname, output="%s (%s)" % (detail, verdict))
            else:
                _case(suite, name, classname, skipped="not compared (%s)" % detail)

        for smoke in host.get("smoke") or []:
            if not isinstance(smoke, dict):
                continue
            name = "smoke %s" % smoke.get("name")
            if smoke.get("ok"):
                _case(suite, name, classname, output="%s -> %s" % (smoke.get("url"), smoke.get("actual_status")))
            else:
                _case(suite, name, classname, failure=str(smoke.get("msg") or "smoke test failed: %s" % smoke.get("url")))

        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
        suite.set("errors", "0")
    for attr in ("tests", "failures", "skipped"):
        root.set(attr, str(sum(int(s.get(attr)) for s in root.findall("testsuite"))))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ---------------------------------------------------------------------------
# Console summary


def summary_rows(record):
    """One row per host: host, status, version, duration (s), baselines ok/failed, rollback."""
    rows = []
    for name, host in (record.get("hosts") or {}).items():
        host = host or {}
        spans = [_span(p) for p in host.get("phases") or [] if isinstance(p, dict)]
        spans = [s for s in spans if s]
        duration = (max(s[1] for s in spans) - min(s[0] for s in spans)).total_seconds() if spans else None
        verdicts = [baseline_verdict(b) for b in host.get("baselines") or [] if isinstance(b, dict)]
        rollback = host.get("rollback") or {}
        rows.append([
            name,
            str(host.get("status") or MISSING).replace("_", " ").upper(),
            str(host.get("deploy_version") or record.get("deploy_version") or MISSING),
            "%.1f s" % duration if duration is not None else MISSING,
            "%d ok / %d failed" % (sum(1 for v in verdicts if v in ("OK", "WARN")), verdicts.count("VIOLATED")),
            ("yes, database restored" if rollback.get("db_restored") else "yes") if rollback.get("performed") else "no",
        ])
    return rows


def render_summary(record):
    """The final console table (plain text, fixed-width columns)."""
    headers = ["host", "status", "version", "duration", "baselines", "rollback"]
    rows = summary_rows(record)
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    out = [line, "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |", line]
    for row in rows:
        out.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |")
    out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------------------
# report.html


_INLINE_CODE = re.compile(r"`([^`]*)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC_LINE = re.compile(r"^_(.+)_$")


def _inline(text):
    """Escape, then the Markdown subset run_record writes: `code`, **bold**, <br>."""
    parts = []
    for chunk in text.split("<br>"):
        chunk = html.escape(chunk.replace("\\|", "|"), quote=False)
        chunk = _INLINE_CODE.sub(lambda m: "<code>%s</code>" % m.group(1), chunk)
        chunk = _BOLD.sub(lambda m: "<strong>%s</strong>" % m.group(1), chunk)
        parts.append(chunk)
    return "<br>".join(parts)


def _split_row(line):
    cells, current, escaped = [], [], False
    for char in line.strip()[1:-1]:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    cells.append("".join(current).strip())
    return cells


def markdown_to_html(text):
    """HTML for the Markdown that run_record.render_markdown writes (headings, tables,
    lists, block quotes, paragraphs); everything is escaped first."""
    out = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|(-+\|)+$", lines[i + 1].strip()):
            headers = _split_row(line)
            out.append("<table><thead><tr>%s</tr></thead><tbody>" % "".join("<th>%s</th>" % _inline(h) for h in headers))
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = _split_row(lines[i])
                row = "".join("<td>%s</td>" % _inline(c) for c in cells)
                css = ""
                if "VIOLATED" in cells or "FAIL" in cells or "failed" in cells:
                    css = ' class="bad"'
                elif "WARN" in cells:
                    css = ' class="warn"'
                out.append("<tr%s>%s</tr>" % (css, row))
                i += 1
            out.append("</tbody></table>")
            continue
        if line.startswith("- "):
            out.append("<ul>")
            while i < len(lines) and lines[i].startswith("- "):
                out.append("<li>%s</li>" % _inline(lines[i][2:]))
                i += 1
            out.append("</ul>")
            continue
        heading = re.match(r"^(#{1,6}) (.*)$", line)
        if heading:
            level = len(heading.group(1))
            out.append("<h%d>%s</h%d>" % (level, _inline(heading.group(2)), level))
        elif line.startswith("> "):
            out.append("<blockquote>%s</blockquote>" % _inline(line[2:]))
        elif _ITALIC_LINE.match(line):
            out.append("<p class=\"footer\"><em>%s</em></p>" % _inline(_ITALIC_LINE.match(line).group(1)))
        elif line.strip():
            out.append("<p>%s</p>" % _inline(line))
        i += 1
    return "\n".join(out)


def timeline_svg(record, width=900):
    """An inline SVG: one row per host, one bar per phase (position = start, length =
    duration, colour = status), a time axis in seconds from the run's start."""
    hosts = [(name, h or {}) for name, h in (record.get("hosts") or {}).items()]
    spans = []
    for name, host in hosts:
        for phase in host.get("phases") or []:
            span = _span(phase) if isinstance(phase, dict) else None
            if span:
                spans.append((name, phase, span[0], span[1]))
    if not spans:
        return '<p class="empty">No phase was recorded, so there is no timeline.</p>'
    origin = min(s[2] for s in spans)
    total = max((s[3] - origin).total_seconds() for s in spans) or 1.0
    label_w, row_h, top = 170, 34, 24
    plot_w = width - label_w - 20
    height = top + row_h * len(hosts) + 30
    scale = plot_w / total
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="%d" height="%d" '
             'viewBox="0 0 %d %d" role="img" aria-label="Phase timeline per host">' % (width, height, width, height)]
    # axis: 5 ticks
    for k in range(6):
        seconds = total * k / 5.0
        x = label_w + seconds * scale
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#dee2e6"/>' % (x, top - 6, x, height - 24))
        parts.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#495057">%.0f s</text>'
                     % (x, height - 8, seconds))
    for row, (name, host) in enumerate(hosts):
        y = top + row * row_h
        parts.append('<text x="4" y="%d" font-size="13" fill="#212529">%s</text>' % (y + 20, html.escape(name)))
        for span_host, phase, start, end in spans:
            if span_host != name:
                continue
            x = label_w + (start - origin).total_seconds() * scale
            w = max((end - start).total_seconds() * scale, 2.0)
            status = phase.get("status") or "started"
            duration = phase.get("duration_s")
            title = "%s: %s, %s" % (phase.get("name"), status,
                                    ("%.2f s" % duration) if isinstance(duration, (int, float)) else "not finished")
            parts.append('<g><title>%s</title><rect x="%.1f" y="%d" width="%.1f" height="22" rx="3" fill="%s"/>'
                         % (html.escape(title), x, y + 4, w, STATUS_COLOURS.get(status, "#868e96")))
            if w > 46:
                parts.append('<text x="%.1f" y="%d" font-size="10" fill="#fff">%s</text>'
                             % (x + 3, y + 19, html.escape(str(phase.get("name")))))
            parts.append("</g>")
    parts.append("</svg>")
    legend = " ".join('<span class="key" style="background:%s"></span>%s' % (colour, status)
                      for status, colour in STATUS_COLOURS.items())
    return "\n".join(parts) + '\n<p class="legend">%s</p>' % legend


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #212529; background: #f8f9fa; }
header { padding: 1rem 2rem; color: #fff; }
header h1 { margin: 0; font-size: 1.4rem; }
main { padding: 1rem 2rem 3rem; max-width: 1100px; }
section.card { background: #fff; border-radius: 6px; padding: 1rem 1.5rem; margin: 1rem 0;
               box-shadow: 0 1px 3px rgba(0,0,0,.08); overflow-x: auto; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #dee2e6; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f1f3f5; }
tr.bad td { background: #fff5f5; }
tr.warn td { background: #fff9db; }
code { font-size: .85em; background: #f1f3f5; padding: 0 .2em; border-radius: 3px; word-break: break-all; }
blockquote { border-left: 4px solid #f08c00; margin: .5rem 0; padding: .3rem 1rem; background: #fff9db; }
.legend .key { display: inline-block; width: .9em; height: .9em; margin: 0 .3em 0 1em; border-radius: 2px; vertical-align: middle; }
.footer { color: #868e96; font-size: .8rem; }
"""


def render_html(record):
    """report.html text: a self-contained page (inline CSS and SVG, no script)."""
    status = record.get("status") or "running"
    title = "%s run %s: %s" % (record.get("app") or "guarded.deploy", record.get("run_id") or MISSING,
                               str(status).replace("_", " ").upper())
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>%s</title>" % html.escape(title),
        "<style>%s</style></head><body>" % _CSS,
        '<header style="background:%s"><h1>%s</h1></header>' % (RUN_COLOURS.get(status, "#868e96"), html.escape(title)),
        "<main>",
        '<section class="card"><h2>Timeline</h2>%s</section>' % timeline_svg(record),
        '<section class="card">%s</section>' % markdown_to_html(render_markdown(record)),
        "</main></body></html>",
        "",
    ])
