#!/usr/bin/env bash
# `make test`: ansible-lint, ansible-test sanity, pytest and each molecule scenario, as jobs
# of one pool of TEST_JOBS slots, the cheap checks first. The default is one job at a time:
# on the 2-core CI machine a scenario alone runs about three times faster than beside
# another one, so two at a time took longer in all (docs/PERFORMANCE.md, "make test").
# With TEST_JOBS=2 or more the jobs start longest first instead. Each job
# writes .cache/test-<job>.log; a scenario writes .cache/molecule-<name>.log, each line
# stamped HH:MM:SS, and its result line gives the seconds of each molecule action. A failed
# job prints the end of its log, and no new job starts after a failure (TEST_KEEP_GOING=1
# runs them all). At the end: a table of each job's duration in seconds, longest first, and
# the total; kept in .cache/test-durations.txt. Exit status 0 when every job passed.
#   bash scripts/test.sh [JOB ...]   jobs: lint sanity unit molecule:<scenario>, or molecule
#                                    for every scenario (default: all of them)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
mkdir -p .cache
export PATH="$root/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/collections"
# shellcheck source=testhost/podman-env.sh
. testhost/podman-env.sh

slots=${TEST_JOBS:-1}
# One at a time: the cheap checks first, so a lint error stops the run in a minute. Several
# at a time: longest first, so the slots finish together. By the durations of the last
# full run (README, "Tests").
scenarios=(molecule:nextjs molecule:odoo molecule:django molecule:releases molecule:fleet molecule:fastapi)
if [ "$slots" -gt 1 ]; then
  all_jobs=("${scenarios[@]:0:5}" unit molecule:fastapi sanity lint)
else
  all_jobs=(lint sanity unit "${scenarios[@]}")
fi
jobs_todo=()
for job in "${@:-${all_jobs[@]}}"; do
  if [ "$job" = molecule ]; then jobs_todo+=("${scenarios[@]}"); else jobs_todo+=("$job"); fi
done
results=.cache/test-results.tsv
: > "$results"
started=$(date +%s)

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

run_job() {
  local job=$1 log=.cache/test-${1/:/-}.log t0 rc detail=
  t0=$(date +%s)
  case "$job" in
    lint) ansible-lint > "$log" 2>&1 ;;
    sanity) bash scripts/sanity.sh > "$log" 2>&1 ;;
    unit) python -m pytest tests -q > "$log" 2>&1 ;;
    molecule:*) log=.cache/molecule-${job#molecule:}.log
                molecule test -s "${job#molecule:}" 2>&1 | stamp > "$log" ;;
    *) echo "test: unknown job $job (lint, sanity, unit, molecule, molecule:<scenario>)" > "$log"; false ;;
  esac
  rc=$?
  local secs=$(( $(date +%s) - t0 ))
  case "$job" in molecule:*) detail=" ($(actions "$log"))" ;; esac
  if [ "$rc" -eq 0 ]; then
    echo "test: $job passed in $secs s$detail"
    echo "$job $secs passed" >> "$results"
  else
    echo "test: $job FAILED (exit $rc) after $secs s$detail; end of $log:"
    tail -n 60 "$log" | sed "s/^/  [$job] /"
    echo "$job $secs FAILED" >> "$results"
  fi
  return "$rc"
}

summary() {
  {
    echo
    echo "test: durations (seconds), $slots jobs at a time"
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
  echo "test: all ${#jobs_todo[@]} jobs passed"
else
  echo "test: FAILED (see the jobs marked FAILED above)" >&2
fi
exit "$failed"
