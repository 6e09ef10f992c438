#!/usr/bin/env bash
# Runs the molecule scenarios (`molecule test -s NAME`), MOLECULE_JOBS (default 2) at a
# time: each scenario has its own containers and podman network, and most of their time
# is spent waiting on the containers, so two overlap well on two cores. Each writes
# .cache/molecule-NAME.log; a failed one prints the end of its log. With GD_MOLECULE_TIMES
# set (scripts/test.sh sets it), each appends "<name> <seconds> <passed|FAILED>" to that
# file. Exit status: 0 when every scenario passed.
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
  scenarios=(odoo nextjs django releases fastapi fleet)
fi
parallel=${MOLECULE_JOBS:-2}

run_one() {
  local name=$1 log=.cache/molecule-$1.log start
  start=$(date +%s)
  echo "molecule $name: started (log: $log)"
  if molecule test -s "$name" > "$log" 2>&1; then
    echo "molecule $name: passed in $(( $(date +%s) - start )) s"
    [ -z "${GD_MOLECULE_TIMES:-}" ] || echo "$name $(( $(date +%s) - start )) passed" >> "$GD_MOLECULE_TIMES"
  else
    echo "molecule $name: FAILED after $(( $(date +%s) - start )) s; end of $log:"
    tail -n 80 "$log" | sed "s/^/  [$name] /"
    [ -z "${GD_MOLECULE_TIMES:-}" ] || echo "$name $(( $(date +%s) - start )) FAILED" >> "$GD_MOLECULE_TIMES"
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
