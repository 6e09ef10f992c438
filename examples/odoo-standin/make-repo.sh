#!/usr/bin/env bash
# Build the bare git repository of the Odoo addons (module payment_guard) from the
# release overlays. The Odoo stand-in (odoo-bin here) runs the modules; see README.md.
#
#   examples/odoo-standin/make-repo.sh OUT_DIR   e.g. examples/odoo-standin/.build/odoo-addons.git
#
# History (one commit per release, each tagged with an annotated tag):
#   v1  addons/                       payment_guard 17.0.1.0.8
#   v2  v1 + releases/v2/             17.0.1.0.9: column guard_locked (migration keeps all rows)
#   v3  v2 + releases/v3/             17.0.1.1.0: audit table, and a scheduled action that
#                                     logs an ERROR + Traceback at every start (on purpose)
#   v4  v2 + releases/v4/             17.0.1.1.1: a health check (health/*.sql) that fails:
#                                     /web/health answers 500 (on purpose)
#   v5  v2 + releases/v5/             17.0.1.1.2: a health check that never returns:
#                                     /web/health accepts and does not answer (on purpose)
# Branch `main` points at v2 (the last good release); v3, v4 and v5 are reachable from
# their tags only (v4 and v5 start from v2, not v3).
#
# Deterministic (see ../release-repo.sh); re-running replaces OUT_DIR.
set -euo pipefail
if [ "$#" -ne 1 ] || [ -z "$1" ]; then echo "usage: $0 OUT_DIR" >&2; exit 2; fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=examples/release-repo.sh
. "$HERE/../release-repo.sh"

repo_start "Odoo Addons" "payment_guard"
overlay "$HERE/addons"
release v1 "2024-01-15T10:00:00+00:00" "payment_guard 17.0.1.0.8: Payment Guard module"
overlay "$HERE/releases/v2"
release v2 "2024-02-12T10:00:00+00:00" "payment_guard 17.0.1.0.9: lock reconciled payments (column guard_locked, keeps all rows)"
# v3 lives on its tag only: main stays at v2, the last good release.
detach
overlay "$HERE/releases/v3"
release v3 "2024-03-11T10:00:00+00:00" "payment_guard 17.0.1.1.0: audit table; nightly check (DELIBERATELY BROKEN scheduled action, rollback demo)"
from_tag v2
overlay "$HERE/releases/v4"
release v4 "2024-04-08T10:00:00+00:00" "payment_guard 17.0.1.1.1: readiness health check (DELIBERATELY BROKEN: /web/health answers 500)"
from_tag v2
overlay "$HERE/releases/v5"
release v5 "2024-05-13T10:00:00+00:00" "payment_guard 17.0.1.1.2: readiness health check (DELIBERATELY BROKEN: /web/health never answers)"
repo_finish "$1" v1 v2 v3 v4 v5
