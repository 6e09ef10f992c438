#!/usr/bin/env bash
# Runs the molecule scenarios (`molecule test -s NAME`), MOLECULE_JOBS (default 2) at a
# time: each scenario has its own containers and podman network; two at a time keep the
# two cores busy (docs/PERFORMANCE.md, "make test"). Each writes
# .cache/molecule-NAME.log (each line stamped HH:MM:SS) and says how long each molecule
# action took; a failed one prints the end of its log. Exit status: 0 when every scenario
# passed.
#   bash scripts/molecule.sh [NAME ...]      (default: every scenario, longest first)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
# shellcheck source=testhost/podman-env.sh
. testhost/podman-env.sh
mkdir -p .cache
if [ "$#" -gt 0 ]; then
  scenarios=("$@")
else
  scenarios=(nextjs odoo django releases fleet fastapi)
fi
parallel=${MOLECULE_JOBS:-2}

# Each log line gets the wall-clock time it was written (HH:MM:SS).
stamp() { awk '{ print strftime("%H:%M:%S"), $0; fflush() }'; }

# "create 12, prepare 61, ..." from a stamped log: seconds between molecule's
# "<scenario> ➜ <action>: Executing" and its "Executed" line.
actions() {
  sed 's/\x1b\[[0-9;]*m//g' "$1" | awk '
    function secs(t,  p) { split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
    / ➜ [a-z_]+: Executing/ { a = $0; sub(/.* ➜ /, "", a); sub(/:.*/, "", a); t0 = secs($1) }
    / ➜ [a-z_]+: Executed/ && t0 != "" { d = secs($1) - t0; if (d < 0) d += 86400
      out = out (out == "" ? "" : ", ") a " " d; t0 = "" }
    END { print out }'
}

run_one() {
  local name=$1 log=.cache/molecule-$1.log start
  start=$(date +%s)
  echo "molecule $name: started (log: $log)"
  if molecule test -s "$name" 2>&1 | stamp > "$log"; then
    echo "molecule $name: passed in $(( $(date +%s) - start )) s ($(actions "$log"))"
  else
    echo "molecule $name: FAILED after $(( $(date +%s) - start )) s ($(actions "$log")); end of $log:"
    tail -n 80 "$log" | sed "s/^/  [$name] /"
    return 1
  fi
}

pids=()
for name in "${scenarios[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
    wait -n || true  # statuses are collected below
  done
  run_one "$name" &
  pids+=("$!")
done
failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
if [ "$failed" -eq 0 ]; then
  echo "molecule: all ${#scenarios[@]} scenarios passed"
else
  echo "molecule: some scenarios FAILED" >&2
fi
exit "$failed"
