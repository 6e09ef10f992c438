#!/usr/bin/env bash
# Build the Ledger sample app's bare git repository from the release overlays.
#
#   examples/ledger/make-repo.sh OUT_DIR        e.g. examples/ledger/.build/ledger.git
#
# History (one commit per release, each tagged with an annotated tag):
#   v1  app/                          the full app
#   v2  v1 + releases/v2/             Payment.memo + migration 0002 (keeps all data)
#   v3  v2 + releases/v3/             migration 0003 DELETES reconciled payments (on purpose)
# Branch `main` points at v2 (the last good release); v3 is reachable from tag v3 only.
#
# Deterministic: fixed author/committer/tagger names, emails and dates, fixed file
# modes, no dependency on the caller's git configuration, so the same sources always
# give the same commit hashes. Re-running replaces OUT_DIR.
# Overlays can add or change files, not delete them.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR" >&2; exit 2; }
[ "$#" -eq 1 ] || usage
[ -n "$1" ] || usage

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT_DIR=$1

# Refuse to remove anything that is not (an earlier build of) a bare repository.
if [ -e "$OUT_DIR" ]; then
    if [ -d "$OUT_DIR" ] && { [ -z "$(ls -A "$OUT_DIR")" ] || { [ -f "$OUT_DIR/HEAD" ] && [ -d "$OUT_DIR/objects" ]; }; }; then
        rm -rf "$OUT_DIR"
    else
        echo "$0: $OUT_DIR exists and is not a bare git repository; not replacing it" >&2
        exit 1
    fi
fi

umask 022
export LC_ALL=C TZ=UTC
# Ignore every git configuration of the caller (system, global, environment).
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
      GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_TEMPLATE_DIR 2>/dev/null || true
export GIT_AUTHOR_NAME="Ledger Release Bot" GIT_AUTHOR_EMAIL="ledger-release@example.invalid"
export GIT_COMMITTER_NAME="Ledger Release Bot" GIT_COMMITTER_EMAIL="ledger-release@example.invalid"

g() {
    git -c user.name="Ledger Release Bot" -c user.email="ledger-release@example.invalid" \
        -c init.defaultBranch=main -c core.autocrlf=false -c core.fileMode=true \
        -c commit.gpgSign=false -c tag.gpgSign=false -c core.hooksPath=/dev/null \
        -c advice.detachedHead=false "$@"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ledger-repo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Copy an overlay into the work tree, skipping build/bytecode junk, with fixed modes.
overlay() {
    local src=$1
    [ -d "$src" ] || { echo "$0: missing overlay $src" >&2; exit 1; }
    (cd "$src" && find . -type f ! -path '*/__pycache__/*' ! -name '*.pyc' ! -path './staticfiles/*' -print0) |
        while IFS= read -r -d '' f; do
            mkdir -p "$WORK/tree/$(dirname "$f")"
            cp "$src/$f" "$WORK/tree/$f"
            chmod 644 "$WORK/tree/$f"
        done
    [ ! -f "$WORK/tree/manage.py" ] || chmod 755 "$WORK/tree/manage.py"
}

release() {
    local tag=$1 date=$2 message=$3
    export GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date
    g -C "$WORK/tree" add -A
    g -C "$WORK/tree" commit -q -m "$message"
    g -C "$WORK/tree" tag -a "$tag" -m "Ledger $tag"
}

mkdir -p "$WORK/tree"
g init -q "$WORK/tree"

overlay "$HERE/app"
release v1 "2024-01-15T10:00:00+00:00" "Ledger v1: customers, payments, health check and seed command"

overlay "$HERE/releases/v2"
release v2 "2024-02-12T10:00:00+00:00" "Ledger v2: add Payment.memo (migration 0002, keeps all data)"

# v3 lives on its tag only: commit it on a detached HEAD so main stays at v2.
g -C "$WORK/tree" checkout -q --detach
overlay "$HERE/releases/v3"
release v3 "2024-03-11T10:00:00+00:00" "Ledger v3: purge reconciled payments (DELIBERATELY DESTRUCTIVE migration 0003, rollback demo)"

mkdir -p "$(dirname "$OUT_DIR")"
g init -q --bare "$OUT_DIR"
g -C "$WORK/tree" push -q "$(cd "$OUT_DIR" && pwd)" \
    refs/heads/main:refs/heads/main refs/tags/v1 refs/tags/v2 refs/tags/v3
g -C "$OUT_DIR" symbolic-ref HEAD refs/heads/main

for ref in v1 v2 v3 main; do
    printf '%-4s %s\n' "$ref" "$(g -C "$OUT_DIR" rev-parse "$ref^{commit}")"
done
