#!/usr/bin/env bash
# Generates CHANGELOG.md from changelogs/fragments/ with antsibull-changelog: lints the
# fragments, then releases the version of galaxy.yml in a scratch copy of the collection
# (the fragments stay where they are until the real release) and writes its CHANGELOG.md.
#   bash scripts/changelog.sh            rewrite CHANGELOG.md
#   bash scripts/changelog.sh OUT        write it to OUT instead (tests/unit/test_changelog.py)
# Needs antsibull-changelog and ansible-doc on PATH (the venv of `make venv`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/CHANGELOG.md}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tree=$scratch/ansible_collections/guarded/deploy
mkdir -p "$tree/changelogs"
for part in galaxy.yml meta plugins roles; do
  cp -r "$root/$part" "$tree/$part"
done
cp "$root/changelogs/config.yaml" "$tree/changelogs/"
cp -r "$root/changelogs/fragments" "$tree/changelogs/"
version=$(sed -n 's/^version: *//p' "$root/galaxy.yml")
cd "$tree"
export ANSIBLE_COLLECTIONS_PATH=$scratch
antsibull-changelog lint
antsibull-changelog release --version "$version" --date 1970-01-01 >/dev/null
cp CHANGELOG.md "$out"
