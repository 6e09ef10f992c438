# shellcheck shell=bash
# The examples' release repositories, built the same way: sourced by each
# examples/<app>/make-repo.sh, which then calls
#   repo_start NAME TAG_PREFIX      the bot "NAME Release Bot" <name-release@example.invalid>
#   overlay DIR                     copy DIR's files over the work tree (add or change, never delete)
#   release TAG DATE MESSAGE        commit everything, annotated tag "TAG_PREFIX TAG"
#   detach                          later releases live on their tags only (main stays put)
#   from_tag TAG                    start the next release from TAG (also off main)
#   repo_finish OUT_DIR TAG...      push main and the tags into the bare repository OUT_DIR
#
# Deterministic: fixed author/committer/tagger names, emails and dates, fixed file modes
# (0644; 0755 for a top-level manage.py), no dependency on the caller's git
# configuration, so the same sources always give the same commit hashes. OUT_DIR is
# replaced, but only when it is empty or an earlier bare repository. Skipped everywhere:
# __pycache__, *.pyc, and the build output ./staticfiles, ./node_modules, ./.next.
set -euo pipefail

umask 022
export LC_ALL=C TZ=UTC
# Ignore every git configuration of the caller (system, global, environment).
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES \
      GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_TEMPLATE_DIR 2>/dev/null || true

repo_start() {
    REPO_BOT="$1 Release Bot"
    REPO_EMAIL="$(echo "$1" | tr '[:upper:] ' '[:lower:]-')-release@example.invalid"
    REPO_TAG_PREFIX=$2
    export GIT_AUTHOR_NAME=$REPO_BOT GIT_AUTHOR_EMAIL=$REPO_EMAIL
    export GIT_COMMITTER_NAME=$REPO_BOT GIT_COMMITTER_EMAIL=$REPO_EMAIL
    REPO_WORK=$(mktemp -d "${TMPDIR:-/tmp}/release-repo.XXXXXX")
    trap 'rm -rf "$REPO_WORK"' EXIT
    mkdir -p "$REPO_WORK/tree"
    g init -q "$REPO_WORK/tree"
}

g() {
    git -c user.name="$REPO_BOT" -c user.email="$REPO_EMAIL" \
        -c init.defaultBranch=main -c core.autocrlf=false -c core.fileMode=true \
        -c commit.gpgSign=false -c tag.gpgSign=false -c core.hooksPath=/dev/null \
        -c advice.detachedHead=false "$@"
}

overlay() {
    local src=$1
    [ -d "$src" ] || { echo "$0: missing overlay $src" >&2; exit 1; }
    (cd "$src" && find . -type f ! -path '*/__pycache__/*' ! -name '*.pyc' ! -path './staticfiles/*' \
        ! -path './node_modules/*' ! -path './.next/*' -print0) |
        while IFS= read -r -d '' f; do
            mkdir -p "$REPO_WORK/tree/$(dirname "$f")"
            cp "$src/$f" "$REPO_WORK/tree/$f"
            chmod 644 "$REPO_WORK/tree/$f"
        done
    [ ! -f "$REPO_WORK/tree/manage.py" ] || chmod 755 "$REPO_WORK/tree/manage.py"
}

release() {
    local tag=$1 date=$2 message=$3
    export GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date
    g -C "$REPO_WORK/tree" add -A
    g -C "$REPO_WORK/tree" commit -q -m "$message"
    g -C "$REPO_WORK/tree" tag -a "$tag" -m "$REPO_TAG_PREFIX $tag"
}

detach() {
    g -C "$REPO_WORK/tree" checkout -q --detach
}

from_tag() {
    g -C "$REPO_WORK/tree" checkout -q --detach "$1"
}

repo_finish() {
    local out=$1 ref refs=()
    shift
    for ref in "$@"; do refs+=("refs/tags/$ref"); done
    if [ -e "$out" ]; then
        if [ -d "$out" ] && { [ -z "$(ls -A "$out")" ] || { [ -f "$out/HEAD" ] && [ -d "$out/objects" ]; }; }; then
            rm -rf "$out"
        else
            echo "$0: $out exists and is not a bare git repository; not replacing it" >&2
            exit 1
        fi
    fi
    mkdir -p "$(dirname "$out")"
    g init -q --bare "$out"
    g -C "$REPO_WORK/tree" push -q "$(cd "$out" && pwd)" refs/heads/main:refs/heads/main "${refs[@]}"
    g -C "$out" symbolic-ref HEAD refs/heads/main
    for ref in "$@" main; do
        printf '%-4s %s\n' "$ref" "$(g -C "$out" rev-parse "$ref^{commit}")"
    done
}
