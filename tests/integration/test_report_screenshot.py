# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.html renders in a real browser: headless Chromium (Debian's package, installed by
scripts/install-deps.sh) screenshots it, offline, and the picture must show the run's status
banner and the timeline's phase bars in their colours."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib

from ansible_collections.guarded.deploy.plugins.module_utils import run_record as rr
from ansible_collections.guarded.deploy.plugins.module_utils import run_report as report

WIDTH, HEIGHT = 1200, 900


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("no Chromium on PATH: run `make deps` (scripts/install-deps.sh installs Debian's chromium)")


def decode_png(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, dummy, dummy, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)])
        previous = line
    return width, height, rows


def hex_rgb(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def sample_record():
    def ev(at, host, **fields):
        event = {"at": "2026-11-21T02:%s" % at, "host": host}
        event.update(fields)
        return event
    return rr.fold_events([
        ev("00:00Z", None, run={"run_id": "20261121T020000Z-shot", "app": "ledger", "deploy_version": "v3"}),
        ev("00:00Z", "app1", phase="preflight", phase_status="started"),
        ev("00:20Z", "app1", phase="preflight", phase_status="ok"),
        ev("00:20Z", "app1", phase="migrate", phase_status="started"),
        ev("01:10Z", "app1", phase="migrate", phase_status="ok"),
        ev("01:10Z", "app1", phase="verify", phase_status="started"),
        ev("01:20Z", "app1", phase="verify", phase_status="failed", data={"baselines": [
            {"name": "reconciled_payments", "rule": "not_decrease", "before": 1000, "after": 1, "ok": False}]}),
        ev("01:20Z", "app1", phase="rollback", phase_status="started"),
        ev("02:00Z", "app1", phase="rollback", phase_status="ok", host_status="rolled_back"),
        ev("02:00Z", None, run={"finished_at": "2026-11-21T02:02:00Z", "status": "rolled_back"}),
    ])


def test_report_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(report.render_html(sample_record()), encoding="utf-8")
    shot = tmp_path / "report.png"
    subprocess.run([
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--hide-scrollbars", "--user-data-dir=%s" % (tmp_path / "profile"),
        "--window-size=%d,%d" % (WIDTH, HEIGHT), "--screenshot=%s" % shot, page.as_uri(),
    ], check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120,
        env=dict(os.environ, HOME=str(tmp_path)))
    width, height, rows = decode_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    counts = {}
    for row in rows:
        for pixel in row:
            counts[pixel] = counts.get(pixel, 0) + 1
    banner = hex_rgb(report.RUN_COLOURS["rolled_back"])
    ok_bar = hex_rgb(report.STATUS_COLOURS["ok"])
    failed_bar = hex_rgb(report.STATUS_COLOURS["failed"])
    # the status banner spans the page's width; the bars are at least a few hundred pixels
    assert counts.get(banner, 0) > WIDTH * 20, sorted(counts.items(), key=lambda kv: -kv[1])[:8]
    assert counts.get(ok_bar, 0) > 500
    assert counts.get(failed_bar, 0) > 100
    assert len(counts) > 50  # text is anti-aliased: a blank or error page has few colours
