# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CHANGELOG.md is what antsibull-changelog generates from changelogs/fragments/
(scripts/changelog.sh): every fragment lints, and the file in the tree is not stale."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_changelog_is_generated_from_the_fragments(tmp_path):
    out = tmp_path / "CHANGELOG.md"
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(["bash", os.path.join(ROOT, "scripts", "changelog.sh"), str(out)],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(os.path.join(ROOT, "CHANGELOG.md"), encoding="utf-8") as handle:
        current = handle.read()
    assert current == out.read_text(encoding="utf-8"), "CHANGELOG.md is stale: run bash scripts/changelog.sh"
