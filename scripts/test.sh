#!/usr/bin/env bash
# `make test`: ansible-lint, ansible-test sanity, pytest and each molecule scenario, as jobs
# of one pool of TEST_JOBS slots (default 2, the cores of the CI machine), longest first,
# so the single-threaded checks run beside the scenarios instead of before them. Each job
# writes .cache/test-<job>.log (a scenario: .cache/molecule-<name>.log); a failed job prints
# the end of its log, and no new job starts after a failure (TEST_KEEP_GOING=1 runs them
# all). At the end: a table of each job's duration in seconds, longest first, and the
# total; kept in .cache/test-durations.txt. Exit status 0 when every job passed.
#   bash scripts/test.sh [JOB ...]   jobs: lint sanity unit molecule:<scenario> (default: all)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
mkdir -p .cache
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/collections"

# Longest first, by the durations of the last full run (README, "Tests").
if [ "$#" -gt 0 ]; then
  jobs_todo=("$@")
else
  jobs_todo=(molecule:nextjs molecule:odoo molecule:django molecule:releases molecule:fleet
             unit molecule:fastapi sanity lint)
fi
slots=${TEST_JOBS:-2}
results=.cache/test-results.tsv
: > "$results"
started=$(date +%s)

run_job() {
  local job=$1 log=.cache/test-${1/:/-}.log t0 rc
  t0=$(date +%s)
  case "$job" in
    lint) ansible-lint > "$log" 2>&1 ;;
    sanity) bash scripts/sanity.sh > "$log" 2>&1 ;;
    unit) python -m pytest tests -q > "$log" 2>&1 ;;
    molecule:*) log=.cache/molecule-${job#molecule:}.log
                bash scripts/molecule.sh "${job#molecule:}" > ".cache/test-${job/:/-}.log" 2>&1 ;;
    *) echo "test: unknown job $job (lint, sanity, unit, molecule:<scenario>)" > "$log"; false ;;
  esac
  rc=$?
  local secs=$(( $(date +%s) - t0 ))
  if [ "$rc" -eq 0 ]; then
    case "$job" in
      molecule:*) sed -n 's/^molecule \([a-z]*\): passed in/test: molecule:\1 passed in/p' ".cache/test-${job/:/-}.log" ;;
      *) echo "test: $job passed in $secs s" ;;
    esac
    echo "$job $secs passed" >> "$results"
  else
    echo "test: $job FAILED (exit $rc) after $secs s; end of $log:"
    tail -n 60 "$log" | sed "s/^/  [$job] /"
    echo "$job $secs FAILED" >> "$results"
  fi
  return "$rc"
}

summary() {
  {
    echo
    echo "make test: durations (seconds), $slots jobs at a time"
    sort -k2,2nr "$results" | while read -r job secs status; do
      printf '  %-20s %6s  %s\n' "$job" "$secs" "$status"
    done
    printf '  %-20s %6s\n' "total (wall)" "$(( $(date +%s) - started ))"
  } | tee .cache/test-durations.txt
}

failed=0
for job in "${jobs_todo[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$slots" ]; do
    wait -n || failed=1
  done
  if [ "$failed" -ne 0 ] && [ -z "${TEST_KEEP_GOING:-}" ]; then
    echo "test: a job failed; not starting $job and the jobs after it" >&2
    break
  fi
  echo "test: $job started"
  run_job "$job" &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do
  wait -n || failed=1
done
grep -q " FAILED$" "$results" && failed=1
[ "$(wc -l < "$results")" -eq "${#jobs_todo[@]}" ] || failed=1
summary
if [ "$failed" -eq 0 ]; then
  echo "make test: all ${#jobs_todo[@]} jobs passed"
else
  echo "make test: FAILED (see the jobs marked FAILED above)" >&2
fi
exit "$failed"
