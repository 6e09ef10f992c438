#!/usr/bin/env bash
# Runs the molecule scenarios (`molecule test -s NAME`), MOLECULE_JOBS (default 1) at a
# time, through the job pool of scripts/test.sh: each scenario has its own containers and
# podman network, so several can run at once, but on the 2-core machine one at a time
# finishes first (docs/PERFORMANCE.md, "make test"). Each writes .cache/molecule-NAME.log (each line stamped HH:MM:SS) and says how
# long each molecule action took; a failed one prints the end of its log. Exit status: 0
# when every scenario passed.
#   bash scripts/molecule.sh [NAME ...]      (default: every scenario)
set -uo pipefail
jobs=()
for name in "$@"; do jobs+=("molecule:$name"); done
[ "${#jobs[@]}" -gt 0 ] || jobs=(molecule)
TEST_JOBS=${MOLECULE_JOBS:-1} exec bash "$(dirname "$0")/test.sh" "${jobs[@]}"
