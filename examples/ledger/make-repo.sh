#!/usr/bin/env bash
# Build the Ledger sample app's bare git repository from the release overlays.
#
#   examples/ledger/make-repo.sh OUT_DIR        e.g. examples/ledger/.build/ledger.git
#
# History (one commit per release, each tagged with an annotated tag):
#   v1  app/                          the full app
#   v2  v1 + releases/v2/             Payment.memo + migration 0002 (keeps all data)
#   v3  v2 + releases/v3/             migration 0003 DELETES reconciled payments (on purpose)
#   v4  v2 + releases/v4/             the WSGI module imports a missing module: the service
#                                     will not start (on purpose)
#   v5  v2 + releases/v5/             additive migration 0003_payment_reference (nullable
#                                     Payment.provider_reference); the WSGI module refuses
#                                     to start without LEDGER_PAYMENT_PROVIDER_URL: fails
#                                     only on a host whose ledger.env lacks it (config drift)
# Branch `main` points at v2 (the last good release); v3, v4 and v5 are reachable from
# their tags only.
#
# Deterministic (see ../release-repo.sh); re-running replaces OUT_DIR.
set -euo pipefail
if [ "$#" -ne 1 ] || [ -z "$1" ]; then echo "usage: $0 OUT_DIR" >&2; exit 2; fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=examples/release-repo.sh
. "$HERE/../release-repo.sh"

repo_start "Ledger" "Ledger"
overlay "$HERE/app"
release v1 "2024-01-15T10:00:00+00:00" "Ledger v1: customers, payments, health check and seed command"
overlay "$HERE/releases/v2"
release v2 "2024-02-12T10:00:00+00:00" "Ledger v2: add Payment.memo (migration 0002, keeps all data)"
# v3 lives on its tag only: main stays at v2, the last good release.
detach
overlay "$HERE/releases/v3"
release v3 "2024-03-11T10:00:00+00:00" "Ledger v3: purge reconciled payments (DELIBERATELY DESTRUCTIVE migration 0003, rollback demo)"
# v4 starts again from v2.
from_tag v2
overlay "$HERE/releases/v4"
release v4 "2024-04-08T10:00:00+00:00" "Ledger v4: settings split (DELIBERATELY BROKEN WSGI import: the service will not start)"
# v5 starts again from v2 (appended last: the hashes of v1..v4 do not change).
from_tag v2
overlay "$HERE/releases/v5"
release v5 "2024-05-06T10:00:00+00:00" "Ledger v5: Payment.provider_reference (migration 0003, additive); needs LEDGER_PAYMENT_PROVIDER_URL"
repo_finish "$1" v1 v2 v3 v4 v5
