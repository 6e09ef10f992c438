#!/bin/sh
# Rolling reload of a gunicorn master: the ExecReload= of ledger.service.
#   gunicorn-rolling-reload.sh MAINPID [READY_DIR] [TIMEOUT_SECONDS]
# A plain HUP makes gunicorn stop every old worker at once while the new ones still import
# the app (Django: seconds), so requests wait, or time out, until they answer. This script
# keeps the old workers serving until their replacements are ready:
#   1. TTIN once per running worker: the master forks one more worker each time, and each
#      new worker imports the app from disk, so the new code;
#   2. wait until every new worker has created READY_DIR/ready.PID (the post_worker_init
#      hook of gunicorn.conf.py; READY_DIR defaults to $RUNTIME_DIRECTORY, /run/ledger);
#   3. TTOU once per old worker: the master stops its oldest worker each time, gracefully
#      (it finishes the request it is serving, within gunicorn's graceful_timeout).
# Signals are sent one at a time, each after the master has acted on the previous one,
# because the master may handle two quick signals of the same kind as one.
# Exit status 0 once only new workers are left; 1, with a message on stderr, when the
# master is gone or the whole reload takes longer than TIMEOUT_SECONDS (default 120): then
# the new workers, if any, keep running beside the old ones and nothing more is stopped.
# Unlike HUP it does not re-read gunicorn's settings or reopen its log files: use
# `systemctl restart` (or `systemctl kill -s HUP`) after changing them. It suits an app
# updated in place (the unit's WorkingDirectory is the checkout); new workers inherit the
# master's working directory, so a symlinked release directory needs a restart instead.
set -u
main=${1:?usage: gunicorn-rolling-reload.sh MAINPID [READY_DIR] [TIMEOUT_SECONDS]}
ready_dir=${2:-${RUNTIME_DIRECTORY:-/run/ledger}}
timeout=${3:-120}
deadline=$(($(date +%s) + timeout))

fail() {
  echo "gunicorn-rolling-reload: $*" >&2
  exit 1
}

workers() {
  pgrep -P "$main" | sort -n
}

count() {
  workers | grep -c .
}

# inline LINES: the lines of LINES on one line, separated by spaces.
inline() {
  printf '%s\n' "$1" | paste -sd ' ' -
}

# wait_for DESCRIPTION COMMAND...: run COMMAND every 0.2 s until it succeeds, at the latest
# TIMEOUT_SECONDS after the script started.
wait_for() {
  what=$1
  shift
  until "$@"; do
    kill -0 "$main" 2>/dev/null || fail "the gunicorn master $main exited while waiting for $what"
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after $timeout s waiting for $what"
    sleep 0.2
  done
}

has_count() {
  [ "$(count)" -eq "$1" ]
}

all_ready() {
  for pid in $new; do
    [ -e "$ready_dir/ready.$pid" ] || return 1
  done
}

kill -0 "$main" 2>/dev/null || fail "no gunicorn master with PID $main"
[ -d "$ready_dir" ] || fail "no directory $ready_dir for the workers' ready files (RuntimeDirectory= of the unit)"
old=$(workers)
n=$(count)
[ "$n" -gt 0 ] || fail "the gunicorn master $main has no workers"

i=0
while [ "$i" -lt "$n" ]; do
  kill -TTIN "$main" || fail "cannot signal the gunicorn master $main"
  wait_for "worker $((i + 1)) of $n to start" has_count $((n + i + 1))
  i=$((i + 1))
done
new=$(workers | grep -vxF "$old")
wait_for "the new workers ($(inline "$new")) to load the app" all_ready

i=0
while [ "$i" -lt "$n" ]; do
  kill -TTOU "$main" || fail "cannot signal the gunicorn master $main"
  wait_for "old worker $((i + 1)) of $n to stop" has_count $((2 * n - i - 1))
  i=$((i + 1))
done
left=$(workers | grep -xF "$old")
[ -z "$left" ] || fail "old workers still running: $(inline "$left")"
echo "gunicorn-rolling-reload: $n workers replaced: $(inline "$old") -> $(inline "$new")"
