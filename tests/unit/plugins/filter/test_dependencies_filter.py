# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dependencies_reuse: when a release may copy the previous release's node_modules."""
from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.guarded.deploy.plugins.filter.dependencies import (
    FilterModule,
    dependencies_reuse,
)


def stat(exists=True, checksum=None):
    result = {"changed": False, "stat": {"exists": exists}}
    if checksum is not None:
        result["stat"]["checksum"] = checksum
    return result


def test_registered():
    assert set(FilterModule().filters()) == {"dependencies_reuse"}


def test_same_lock_complete_install_is_reused():
    out = dependencies_reuse(stat(checksum="a1"), stat(False), stat(checksum="a1"), stat())
    assert out == {"reuse": True, "reason": "package-lock.json unchanged since the previous release"}


@pytest.mark.parametrize("args, reason", [
    ((stat(checksum="a1"), stat(False), stat(checksum="b2"), stat()), "package-lock.json changed"),
    ((stat(checksum="a1"), stat(False), stat(checksum="a1"), stat(False)), "install is not complete"),
    ((stat(checksum="a1"), stat(True), stat(checksum="a1"), stat()), "its own dependency directory"),
    ((stat(False), stat(False), stat(checksum="a1"), stat()), "the release has no package-lock.json"),
    ((stat(checksum="a1"), stat(False), stat(False), stat()), "previous release has no package-lock.json"),
    ((stat(checksum="a1"), stat(False), None, None), "no previous release"),
    # a missing checksum is never "equal"
    ((stat(checksum=None), stat(False), stat(checksum=None), stat()), "changed"),
])
def test_anything_else_installs(args, reason):
    out = dependencies_reuse(*args)
    assert out["reuse"] is False
    assert reason in out["reason"]


def test_bare_stat_dicts_and_the_lockfile_name():
    out = dependencies_reuse({"exists": True, "checksum": "x"}, {"exists": False}, {"exists": True, "checksum": "y"},
                             {"exists": True}, lockfile_name="uv.lock")
    assert out == {"reuse": False, "reason": "uv.lock changed since the previous release"}


def test_not_a_dict_is_an_error():
    with pytest.raises(AnsibleFilterError, match="lockfile must be a stat result"):
        dependencies_reuse("package-lock.json", {}, {}, {})
