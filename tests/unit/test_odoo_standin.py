"""The Odoo stand-in (examples/odoo-standin/odoo-bin, not Odoo): its command line, its
configuration file, the migration steps it runs on -u and its Odoo-format log lines.

psycopg2 is replaced by a fake module; the database side runs for real in molecule/odoo.
"""

import importlib.machinery
import importlib.util
import logging
import os
import re
import sys
import types

import pytest

STANDIN = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "odoo-standin", "odoo-bin")


@pytest.fixture(scope="module")
def odoo_bin():
    fake = types.ModuleType("psycopg2")
    fake.Error = type("Error", (Exception,), {})
    fake.connect = lambda **kwargs: pytest.fail("no database in unit tests")
    saved = sys.modules.get("psycopg2")
    sys.modules["psycopg2"] = fake
    try:
        loader = importlib.machinery.SourceFileLoader("odoo_standin", STANDIN)
        spec = importlib.util.spec_from_loader("odoo_standin", loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        yield module
    finally:
        if saved is None:
            del sys.modules["psycopg2"]
        else:
            sys.modules["psycopg2"] = saved


class FakeCursor:
    def __init__(self, existing=True):
        self.executed = []
        self.existing = existing

    def execute(self, sql, params=None):
        self.executed.append((sql.strip(), params))

    def fetchone(self):
        return (1,) if self.existing else None


def test_command_line_of_an_update(odoo_bin):
    args = odoo_bin.parse_args(["-c", "/etc/odoo/odoo.conf", "-d", "prod", "-u", "a,b",
                                "--stop-after-init", "--no-http"])
    assert (args.config, args.db_name, args.update, args.stop_after_init, args.no_http) == \
        ("/etc/odoo/odoo.conf", "prod", "a,b", True, True)


def test_config_file_and_overrides(odoo_bin, tmp_path):
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options]\naddons_path = /a,/b\ndb_host = False\ndb_user = odoo\n"
                    "db_name = fromconf\nhttp_port = 8070\nlogfile = /var/log/odoo.log\n")
    args = odoo_bin.parse_args(["-c", str(conf), "-d", "fromargs"])
    values = odoo_bin.read_config(args)
    assert values["addons_path"] == "/a,/b"
    assert values["db_host"] == ""  # False means "not set", as in Odoo
    assert values["db_user"] == "odoo"
    assert values["db_name"] == "fromargs"
    assert values["http_port"] == "8070"
    assert values["logfile"] == "/var/log/odoo.log"


def test_update_runs_the_newer_migrations_pre_then_post(odoo_bin, tmp_path):
    module_dir = tmp_path / "payment_guard"
    (module_dir / "migrations").mkdir(parents=True)
    (module_dir / "__manifest__.py").write_text("{'name': 'Payment Guard', 'version': '17.0.1.1.0'}")
    for version, files in {"17.0.1.0.8": ["post-migrate.sql"], "17.0.1.0.9": ["post-migrate.sql", "pre-a.sql"],
                           "17.0.1.1.0": ["post-migrate.sql"], "17.0.1.2.0": ["post-migrate.sql"]}.items():
        (module_dir / "migrations" / version).mkdir()
        for name in files:
            (module_dir / "migrations" / version / name).write_text("-- %s/%s" % (version, name))
    module = odoo_bin.Module("payment_guard", str(module_dir))
    cursor = FakeCursor()
    odoo_bin.update_module(cursor, module, "17.0.1.0.8", install=False)
    ran = [statement[0] for statement in cursor.executed if statement[0].startswith("--")]
    assert ran == ["-- 17.0.1.0.9/pre-a.sql", "-- 17.0.1.0.9/post-migrate.sql", "-- 17.0.1.1.0/post-migrate.sql"]
    assert cursor.executed[-1][0].startswith("UPDATE ir_module_module SET state = 'installed', latest_version")
    assert cursor.executed[-1][1] == ("17.0.1.1.0", "payment_guard")


def test_install_runs_no_migration_and_inserts_the_module(odoo_bin, tmp_path):
    module_dir = tmp_path / "payment_guard"
    (module_dir / "migrations" / "17.0.1.0.8").mkdir(parents=True)
    (module_dir / "migrations" / "17.0.1.0.8" / "post-migrate.sql").write_text("-- no")
    (module_dir / "__manifest__.py").write_text("{'version': '17.0.1.0.8'}")
    cursor = FakeCursor(existing=False)
    odoo_bin.update_module(cursor, odoo_bin.Module("payment_guard", str(module_dir)), None, install=True)
    assert [statement[0] for statement in cursor.executed if statement[0].startswith("--")] == []
    assert cursor.executed[-1][0].startswith("INSERT INTO ir_module_module")


def test_log_lines_have_odoo_format(odoo_bin, tmp_path):
    logfile = tmp_path / "odoo.log"
    odoo_bin.setup_logging(str(logfile), "prod")
    try:
        logging.getLogger("odoo.modules.loading").info("Modules loaded.")
        logging.getLogger("odoo.addons.base.models.ir_cron").error("Call from cron X failed")
    finally:
        for handler in logging.getLogger().handlers:
            handler.close()
        logging.getLogger().handlers[:] = []
    lines = logfile.read_text().splitlines()
    pattern = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ (INFO|ERROR) prod [\w.]+: .+$"
    assert all(re.match(pattern, line) for line in lines), lines
    assert " ERROR prod odoo.addons.base.models.ir_cron: Call from cron X failed" in lines[1]


class FakeConnection:
    """A psycopg2 connection whose cursor fails every statement containing ``fail``."""

    def __init__(self, error):
        self.error = error
        self.readonly = None
        self.closed = False

    def set_session(self, readonly):
        self.readonly = readonly

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def cursor(self):
        connection = self

        class Cursor(FakeCursor):
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def execute(self, sql, params=None):
                if "fail" in sql:
                    raise connection.error('column "guard_reviewed_by" does not exist\nLINE 1: ...')
                super().execute(sql, params)

        return Cursor()

    def close(self):
        self.closed = True


def test_health_checks_pass_or_name_the_failing_check(odoo_bin, tmp_path, monkeypatch):
    ok, bad = tmp_path / "a_ok.sql", tmp_path / "b_bad.sql"
    ok.write_text("SELECT 1;")
    bad.write_text("SELECT fail;")
    connections = []

    def connect(conf):
        connections.append(FakeConnection(odoo_bin.psycopg2.Error))
        return connections[-1]

    monkeypatch.setattr(odoo_bin, "connect", connect)
    assert odoo_bin.run_health_checks({}, [str(ok)]) == ""
    assert odoo_bin.run_health_checks({}, [str(ok), str(bad)]) == \
        'health check b_bad.sql failed: column "guard_reviewed_by" does not exist'
    assert all(c.readonly and c.closed for c in connections)
    assert odoo_bin.run_health_checks({}, []) == ""
