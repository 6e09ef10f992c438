"""Every plugin's DOCUMENTATION (filters: their sidecar YAML) and every role's argument_specs render with ansible-doc."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "plugins", "modules"))
                 if f.endswith(".py") and not f.startswith("_"))
CALLBACKS = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, "plugins", "callback"))
                   if f.endswith(".py") and not f.startswith("_"))
# Filters are documented in sidecar files plugins/filter/<filter>.yml.
FILTERS = sorted(f[:-4] for f in os.listdir(os.path.join(ROOT, "plugins", "filter")) if f.endswith(".yml"))
ROLES = sorted(d for d in os.listdir(os.path.join(ROOT, "roles"))
               if os.path.isfile(os.path.join(ROOT, "roles", d, "meta", "argument_specs.yml")))


def _ansible_doc(*args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "collections"), ANSIBLE_NOCOLOR="1")
    exe = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("kind,name", [("module", m) for m in MODULES] + [("callback", c) for c in CALLBACKS]
                         + [("filter", f) for f in FILTERS] + [("role", r) for r in ROLES])
def test_ansible_doc_renders(kind, name):
    proc = _ansible_doc("-t", kind, "guarded.deploy." + name)
    assert proc.returncode == 0, proc.stderr
    assert "ERROR" not in proc.stderr, proc.stderr
    assert name in proc.stdout
