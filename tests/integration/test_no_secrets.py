# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A deploy's database password never reaches the console or any file the run writes.

Phases 1-3 for real (the baseline capture, pg_dump with the restore verification, the
snapshot, a copy to the controller) with a known password in deploy_db.password, run
with -vv; then every file of the run directory, of the backup and of its copy, and the
console output are searched for it. (The test server trusts local connections, so the
password is sent but not checked: what matters is where it is written.)
"""

from __future__ import annotations

import os

import pytest
from isolated_ansible import db_vars
from test_backup_restore import APP, BACKUP_PLAYBOOK, make_db, run_playbook

pytestmark = pytest.mark.postgres

SECRET = "Kn0wn-S3cret-pw"


def files_under(root):
    for dirpath, dummy, names in os.walk(str(root)):
        for name in names:
            yield os.path.join(dirpath, name)


def test_the_password_is_never_written(pg_server, tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "manage.py").write_text("print('app')\n", encoding="utf-8")
    name = "secrets_db"
    make_db(pg_server, name)
    variables = db_vars(pg_server, name)
    variables["deploy_db"]["password"] = SECRET
    variables.update(
        deploy_run_id="20261121T020000Z-secret", backup_verify="restore",
        backup_copy_to="controller", backup_copy_dir=str(tmp_path / "offsite"),
        deploy_baselines=[{"name": "rows", "sql": "SELECT count(*) FROM t00"}])
    playbook = BACKUP_PLAYBOOK.replace('''    - name: Back up''', '''    - name: Capture the baselines
      ansible.builtin.include_role:
        name: guarded.deploy.baseline

    - name: Back up''')
    proc = run_playbook(tmp_path, "secret", playbook, variables, verbosity=2)
    assert proc.returncode == 0, proc.stdout
    assert SECRET not in proc.stdout

    run_dir = tmp_path / "deploy-logs" / "20261121T020000Z-secret"
    written = list(files_under(run_dir)) + list(files_under(tmp_path / "backups" / APP)) + \
        list(files_under(tmp_path / "offsite"))
    assert any(path.endswith("snapshot.json") for path in written)
    assert any(path.endswith("run.json") for path in written)
    for path in written:
        with open(path, "rb") as handle:
            assert SECRET.encode() not in handle.read(), "%s contains the password" % path
    for path in files_under(run_dir):
        assert os.stat(path).st_mode & 0o007 == 0, "%s is world-readable" % path
