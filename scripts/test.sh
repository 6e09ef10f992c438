#!/usr/bin/env bash
# `make test`: the stages in order (ansible-lint, ansible-test sanity, pytest, molecule),
# stopping at the first that fails, then a table of each stage's and each molecule
# scenario's duration in seconds, so a change sees what it costs. The table is printed on
# every exit, also after a failed stage; it is kept in .cache/test-durations.txt.
#   bash scripts/test.sh [STAGE ...]     (default: lint sanity unit molecule)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
mkdir -p .cache
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/collections"
# scripts/molecule.sh appends "<scenario> <seconds> <passed|FAILED>" lines here
export GD_MOLECULE_TIMES="$root/.cache/molecule-times.tsv"
: > "$GD_MOLECULE_TIMES"

if [ "$#" -gt 0 ]; then stages=("$@"); else stages=(lint sanity unit molecule); fi
durations=()
started=$(date +%s)

summary() {
  local line
  {
    echo
    echo "make test: durations (seconds)"
    for line in "${durations[@]}"; do echo "  $line"; done
    if [ -s "$GD_MOLECULE_TIMES" ]; then
      sort -k2,2nr "$GD_MOLECULE_TIMES" | while read -r name secs status; do
        printf '    molecule %-10s %6s  %s\n' "$name" "$secs" "$status"
      done
    fi
    printf '  %-18s %6s\n' total "$(( $(date +%s) - started ))"
  } | tee .cache/test-durations.txt
}
trap summary EXIT

run_stage() {
  case "$1" in
    lint) ansible-lint ;;
    sanity) bash scripts/sanity.sh ;;
    unit) python -m pytest tests -q ;;
    molecule) bash scripts/molecule.sh ;;
    *) echo "test: unknown stage $1 (lint, sanity, unit, molecule)" >&2; return 2 ;;
  esac
}

for stage in "${stages[@]}"; do
  echo "== test: $stage"
  t0=$(date +%s)
  run_stage "$stage"
  rc=$?
  t=$(( $(date +%s) - t0 ))
  if [ "$rc" -eq 0 ]; then
    durations+=("$(printf '%-18s %6s  passed' "$stage" "$t")")
  else
    durations+=("$(printf '%-18s %6s  FAILED (exit %s)' "$stage" "$t" "$rc")")
    echo "test: stage $stage FAILED (exit $rc); the stages after it did not run" >&2
    exit "$rc"
  fi
done
