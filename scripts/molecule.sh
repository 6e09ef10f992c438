#!/usr/bin/env bash
# Runs the molecule scenarios (`molecule test -s NAME`), MOLECULE_JOBS (default 2) at a
# time: each scenario has its own containers and podman network, and most of their time
# is spent waiting on the containers, so two overlap well on two cores. Each writes
# .cache/molecule-NAME.log; a failed one prints the end of its log. Exit status: 0 when
# every scenario passed.
#   bash scripts/molecule.sh [NAME ...]      (default: every scenario, longest first)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=testhost/podman-env.sh
. testhost/podman-env.sh
mkdir -p .cache
if [ "$#" -gt 0 ]; then
  scenarios=("$@")
else
  scenarios=(nextjs fastapi releases django odoo)
fi

run_one() {
  local name=$1 log=.cache/molecule-$1.log start
  start=$(date +%s)
  echo "molecule $name: started (log: $log)"
  if molecule test -s "$name" > "$log" 2>&1; then
    echo "molecule $name: passed in $(( $(date +%s) - start )) s"
  else
    echo "molecule $name: FAILED after $(( $(date +%s) - start )) s; end of $log:"
    tail -n 80 "$log" | sed "s/^/  [$name] /"
    return 1
  fi
}
export -f run_one

printf '%s\n' "${scenarios[@]}" | xargs -P "${MOLECULE_JOBS:-2}" -I{} bash -c 'run_one "$1"' _ {}
status=$?
[ "$status" -eq 0 ] && echo "molecule: all ${#scenarios[@]} scenarios passed" || echo "molecule: some scenarios FAILED" >&2
exit "$status"
