#!/usr/bin/env bash
# Runs `ansible-test sanity` (every test, no ignore file) on a copy of the checkout laid
# out as ansible_collections/guarded/deploy (ansible-test needs that path; the
# collections/ symlink resolves back to the checkout), in ansible-test's own virtual
# environments (--venv) for this machine's python3.
# ansible-test bootstraps pip in each venv with a get-pip.py from its CI file host, which
# is unreachable here: scripts/ansible-test-get-pip.py stands in (ensurepip, then the
# machine's package index) and is put where ansible-test caches the download.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/.venv}
tree=$root/.cache/sanity/ansible_collections/guarded/deploy

pip_version=$("$venv/bin/python" - <<'PY'
import re, ansible_test, os
path = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
print(re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", open(path).read()).group(1))
PY
)
cache=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
mkdir -p "$(dirname "$cache")"
cp "$root/scripts/ansible-test-get-pip.py" "$cache"

rm -rf "$tree"
mkdir -p "$tree"
(cd "$root" && git ls-files -co --exclude-standard | grep -v '^collections/' \
  | rsync -a --files-from=- ./ "$tree/")
# ansible-test lists the collection's files with git when it is a repository
git -C "$tree" init -q && git -C "$tree" add -A
# the collections guarded.deploy depends on, from the `ansible` package (import and
# ansible-doc tests load them)
site=$("$venv/bin/python" -c 'import ansible_collections; print(list(ansible_collections.__path__)[0])')
for dep in community/postgresql community/general ansible/posix; do
  mkdir -p "$tree/../../${dep%/*}"
  ln -sfn "$site/$dep" "$tree/../../$dep"
done
py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cd "$tree"
echo "sanity: ansible-test sanity --venv --python $py in $tree"
"$venv/bin/ansible-test" sanity --venv --python "$py" --color no "$@"
