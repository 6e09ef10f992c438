# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The FastAPI / Alembic stack without a host.

* The regular expressions of roles/migrate/tasks/fastapi*.yml read what Alembic 1.8 really
  prints (samples captured from the test image: Debian 12, Alembic 1.8.1, SQLAlchemy
  1.4.46, PostgreSQL 15). Ansible's regex_findall is Python's re.findall, so the same
  patterns are applied here with re.MULTILINE.
* examples/notes-api: the Alembic revision chain of the releases, the half-way failure of
  v3, the release versions, and make-repo.sh giving the same commits twice.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TASKS = os.path.join(REPO, "roles", "migrate", "tasks")
EXAMPLE = os.path.join(REPO, "examples", "notes-api")


def _block_vars(filename):
    with open(os.path.join(TASKS, filename), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    assert len(tasks) == 1 and "block" in tasks[0], filename
    return tasks[0]["vars"]


def _findall(pattern, text):
    return re.findall(pattern, text, re.MULTILINE)


MIGRATE = _block_vars("fastapi.yml")
DOWNGRADE = _block_vars("fastapi_downgrade.yml")

UPGRADE_V2_STDERR = """\
INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.
INFO  [alembic.runtime.migration] Will assume transactional DDL.
INFO  [alembic.runtime.migration] Running upgrade 0001_initial -> 0002_note_pinned, notes.pinned: \
pin a note to the top (keeps every row; existing notes are not pinned)
"""

UPGRADE_FIRST_STDERR = """\
INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.
INFO  [alembic.runtime.migration] Will assume transactional DDL.
INFO  [alembic.runtime.migration] Running upgrade  -> 0001_initial, notebooks and notes
"""

UPGRADE_V3_STDERR = """\
INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.
INFO  [alembic.runtime.migration] Will assume transactional DDL.
INFO  [alembic.runtime.migration] Running upgrade 0002_note_pinned -> 0003_note_slugs, notes.slug: \
a unique URL slug per note (BROKEN ON PURPOSE: fails half way)
Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/sqlalchemy/engine/base.py", line 1900, in _execute_context
    self.dialect.do_execute(
psycopg2.errors.UniqueViolation: could not create unique index "ix_notes_slug"
DETAIL:  Key (slug)=(ideas) is duplicated.

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/sqlalchemy/engine/default.py", line 736, in do_execute
    cursor.execute(statement, parameters)
sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) could not create unique index "ix_notes_slug"
DETAIL:  Key (slug)=(ideas) is duplicated.

[SQL: CREATE UNIQUE INDEX CONCURRENTLY ix_notes_slug ON notes (slug)]
(Background on this error at: https://sqlalche.me/e/14/gkpj)
"""

DOWNGRADE_STDERR = """\
INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.
INFO  [alembic.runtime.migration] Will assume transactional DDL.
INFO  [alembic.runtime.migration] Running downgrade 0002_note_pinned -> 0001_initial, notes.pinned: pin a note to the top
"""


@pytest.mark.parametrize("stdout,expected", [
    ("0002_note_pinned (head)\n", ["0002_note_pinned"]),
    ("0002_note_pinned\n", ["0002_note_pinned"]),
    ("", []),
    ("ae1027a6acf (head)\n27c6a30d7c24 (head)\n", ["ae1027a6acf", "27c6a30d7c24"]),
    ("3cf8a7cd (effective head)\n", ["3cf8a7cd"]),
])
def test_revision_lines_of_current_and_heads(stdout, expected):
    assert _findall(MIGRATE["__migrate_alembic_rev_re"], stdout) == expected
    assert _findall(DOWNGRADE["__migrate_alembic_rev_re"], stdout) == expected


def test_upgrade_steps_are_read_from_alembic_info_lines():
    steps = _findall(MIGRATE["__migrate_alembic_step_re"], UPGRADE_V2_STDERR)
    assert steps == [("0001_initial", "0002_note_pinned",
                      "notes.pinned: pin a note to the top (keeps every row; existing notes are not pinned)")]
    assert _findall(MIGRATE["__migrate_alembic_step_re"], UPGRADE_FIRST_STDERR) == [
        ("", "0001_initial", "notebooks and notes")]


def test_failed_upgrade_names_revision_exception_and_detail():
    steps = _findall(MIGRATE["__migrate_alembic_step_re"], UPGRADE_V3_STDERR)
    assert [s[1] for s in steps] == ["0003_note_slugs"]
    errors = _findall(MIGRATE["__migrate_alembic_error_re"], UPGRADE_V3_STDERR)
    assert errors[-1].startswith("sqlalchemy.exc.IntegrityError: (psycopg2.errors.UniqueViolation) could not create")
    assert _findall(MIGRATE["__migrate_alembic_detail_re"], UPGRADE_V3_STDERR)[-1] == \
        "DETAIL:  Key (slug)=(ideas) is duplicated."


def test_alembic_cli_failure_line_is_an_error():
    stderr = "FAILED: Multiple head revisions are present for given argument 'head'; please specify a specific target revision\n"
    assert _findall(MIGRATE["__migrate_alembic_error_re"], stderr) == [stderr.strip()]


def test_downgrade_steps():
    assert [s[0] for s in _findall(DOWNGRADE["__migrate_alembic_down_re"], DOWNGRADE_STDERR)] == ["0002_note_pinned"]


# --- examples/notes-api -------------------------------------------------------------

def _module_constants(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return values, tree


def _revisions():
    found = {}
    for base in ("app", "releases/v2", "releases/v3"):
        versions = os.path.join(EXAMPLE, base, "migrations", "versions")
        if not os.path.isdir(versions):
            continue
        for name in sorted(os.listdir(versions)):
            if name.endswith(".py"):
                values, tree = _module_constants(os.path.join(versions, name))
                found[values["revision"]] = (name, values, tree)
    return found


def test_revision_chain_is_linear_and_named_after_the_files():
    revisions = _revisions()
    assert sorted(revisions) == ["0001_initial", "0002_note_pinned", "0003_note_slugs"]
    for rev, (name, values, _tree) in revisions.items():
        assert name == rev + ".py"
    assert revisions["0001_initial"][1]["down_revision"] is None
    assert revisions["0002_note_pinned"][1]["down_revision"] == "0001_initial"
    assert revisions["0003_note_slugs"][1]["down_revision"] == "0002_note_pinned"


def test_v3_commits_part_of_its_work_before_the_failing_step():
    """0003 must leave Alembic's transaction (else the failure would undo everything)."""
    source = open(os.path.join(EXAMPLE, "releases", "v3", "migrations", "versions", "0003_note_slugs.py"),
                  encoding="utf-8").read()
    upgrade = source[source.index("def upgrade"):source.index("def downgrade")]
    assert upgrade.index("add_column") < upgrade.index("autocommit_block()")
    assert "unique=True" in upgrade and "postgresql_concurrently=True" in upgrade


@pytest.mark.parametrize("release", ["v1", "v2", "v3"])
def test_release_versions(release):
    base = "app" if release == "v1" else os.path.join("releases", release)
    values, _tree = _module_constants(os.path.join(EXAMPLE, base, "notes_api", "version.py"))
    assert values["VERSION"] == release


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_make_repo_is_deterministic(tmp_path):
    outputs = []
    for run in ("one", "two"):
        proc = subprocess.run([os.path.join(EXAMPLE, "make-repo.sh"), str(tmp_path / run / "notes-api.git")],
                              capture_output=True, text=True, check=True)
        outputs.append(dict(line.split() for line in proc.stdout.splitlines()))
    assert outputs[0] == outputs[1]
    assert set(outputs[0]) == {"v1", "v2", "v3", "main"}
    assert outputs[0]["main"] == outputs[0]["v2"]
    tree = subprocess.run(["git", "-C", str(tmp_path / "one" / "notes-api.git"), "ls-tree", "-r", "--name-only", "v3"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert "migrations/versions/0003_note_slugs.py" in tree
    assert "alembic.ini" in tree
    assert not any("__pycache__" in path for path in tree)
