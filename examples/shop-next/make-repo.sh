#!/usr/bin/env bash
# Build the Shop (Next.js + Prisma) sample app's bare git repository from the overlays.
#
#   examples/shop-next/make-repo.sh OUT_DIR     e.g. examples/shop-next/.build/shop.git
#
# History (one commit per release, each tagged with an annotated tag):
#   v1  app/                          the full app (Prisma migration 20240115100000_init)
#   v2  v1 + releases/v2/             Product.stock + migration 20240212100000_product_stock
#                                     (adds a column, keeps every row)
#   v3  v2 + releases/v3/             `npm run build` FAILS (imports a missing module, on purpose)
# Branch `main` points at v2 (the last good release); v3 is reachable from tag v3 only.
#
# Deterministic (see ../release-repo.sh); re-running replaces OUT_DIR.
set -euo pipefail
if [ "$#" -ne 1 ] || [ -z "$1" ]; then echo "usage: $0 OUT_DIR" >&2; exit 2; fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=examples/release-repo.sh
. "$HERE/../release-repo.sh"

repo_start "Shop" "Shop"
overlay "$HERE/app"
release v1 "2024-01-15T10:00:00+00:00" "Shop v1: products, orders, /api/health, seed script, pm2 process file"
overlay "$HERE/releases/v2"
release v2 "2024-02-12T10:00:00+00:00" "Shop v2: add Product.stock (Prisma migration, keeps all data)"
# v3 lives on its tag only: main stays at v2, the last good release.
detach
overlay "$HERE/releases/v3"
release v3 "2024-03-11T10:00:00+00:00" "Shop v3: banner on the home page (DELIBERATELY BROKEN build, rollback demo)"
repo_finish "$1" v1 v2 v3
