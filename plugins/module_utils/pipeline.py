# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deploy pipeline's vocabulary: phase names and statuses (the one place they live).

Everything else (the deploy_event action, the deploy_log callback, the roles through
deploy_event's validation) takes these names from here.
"""

from __future__ import annotations

# The phases of DESIGN.md, in pipeline order. ``rollback`` is the rescue path.
PHASES = (
    "preflight",
    "baseline",
    "backup",
    "maintenance_on",
    "code",
    "migrate",
    "caches",
    "restart",
    "verify",
    "smoke",
    "finish",
    "rollback",
)

# Status of one phase on one host.
PHASE_STATUSES = ("started", "ok", "failed", "skipped")

# Status of a host, and of the whole run (run.json ``status``).
# rollback_failed: the deploy failed and so did its automatic rollback (host state unknown).
HOST_STATUSES = ("running", "succeeded", "failed", "rolled_back", "rollback_failed")
