#!/usr/bin/python
# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: postgresql_baseline
short_description: Capture named read-only baseline values from a PostgreSQL database
version_added: 0.1.0
description:
  - Runs the SQL of every entry of O(baselines) and returns the values by name, so a
    deploy can record them before it changes anything and compare them afterwards with
    M(guarded.deploy.baseline_compare).
  - All queries run in B(one) transaction opened as C(REPEATABLE READ, READ ONLY), so
    every value comes from the same snapshot of the database and no query can write.
    The session default C(default_transaction_read_only) is also switched on, so a
    query that ends the transaction itself still cannot write.
  - C(SET LOCAL statement_timeout) and C(SET LOCAL lock_timeout) bound every query.
  - The transaction always ends with C(ROLLBACK); the module never commits and never
    reports C(changed).
  - "Shape of a value: 1 row x 1 column -> scalar; anything else -> list of rows, each
    row a list; a one-column multi-row result is a list of one-element lists. So one row
    with several columns is a list holding one row (V([[1, \"draft\"]])), and a query
    that returns no rows gives V([]), an empty list, not an error. A row set rule of
    M(guarded.deploy.baseline_compare) (V(same_set), V(superset)) treats the scalar of
    a one-row one-column result and the one-element rows of a longer result as the same
    rows. The scalar itself can be a list when the column is an array or a JSON array
    (for example the result of C(array_agg)); a row set rule then reads its elements as rows."
  - Values are made JSON safe without losing precision. Integers (any size), booleans and
    finite floats stay as they are; C(numeric)/Decimal values become their exact decimal
    string (V(12.30) stays V("12.30"), never a rounded float); dates, times and
    timestamps become ISO 8601 strings (V("2024-01-02"), V("2024-01-02T03:04:05.123456"),
    with the offset for C(timestamptz), in the session time zone); C(NULL) becomes
    V(null); text stays text; arrays become lists and C(json)/C(jsonb) values stay
    lists/dicts (converted the same way; numbers inside JSON are parsed by the driver);
    C(bytea) becomes a hex string prefixed with C(\x); the float values NaN and
    Infinity become the strings V("NaN"), V("Infinity"), V("-Infinity"), as a
    C(numeric) NaN does; anything else (C(interval), C(uuid), ...) becomes its
    string form.
  - The module fails, and nothing is changed, when a baseline entry has no C(name)
    or C(sql) or a duplicate C(name), when the connection fails, or when a query fails.
  - >-
    A connection failure is reported as C(unable to connect to database 'NAME')
    followed by the host or socket, port and user in parentheses and the driver's error.
  - >-
    A failed query is reported as C(baseline 'NAME' failed: REASON). REASON is
    C(the query tried to write, but baselines run in a read-only transaction),
    C(exceeded statement_timeout of 30 s), C(exceeded lock_timeout of 5 s) (each
    followed by the PostgreSQL error in parentheses), C(the query ended the baseline
    transaction), C(the query returned no rows to read) (the statement, for example a
    C(SET), returns no result at all; a C(SELECT) that finds nothing is not an error and
    gives V([])), or otherwise the first line of the PostgreSQL error, for example
    C(syntax error at or near "SELEC").
options:
  db:
    description:
      - Name of the database to connect to and run the baselines in.
    type: str
    required: true
    aliases: [ login_db ]
  baselines:
    description:
      - The queries to run, in order.
      - Each entry is a dict with a unique non-empty C(name) and a non-empty C(sql).
      - Other keys (C(rule), C(severity), C(description)) are accepted and ignored by
        this module, so the same list can be passed to M(guarded.deploy.baseline_compare).
      - The SQL runs as written, without parameters, so C(%) needs no escaping.
      - An empty list only checks that the database can be reached and returns empty
        values.
    type: list
    elements: dict
    required: true
  statement_timeout:
    description:
      - Maximum run time of each query, in seconds (fractions allowed).
      - Set with C(SET LOCAL statement_timeout) inside the baseline transaction.
      - V(0) disables the limit. Negative values are rejected.
    type: float
    default: 30
  lock_timeout:
    description:
      - Maximum time, in seconds, a query waits for a lock (fractions allowed).
      - Set with C(SET LOCAL lock_timeout) inside the baseline transaction.
      - V(0) disables the limit. Negative values are rejected.
    type: float
    default: 5
attributes:
  check_mode:
    support: full
    details: The same read-only queries run in check mode and return the same values.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - RV(captured_at) is the start time of the baseline transaction as the server's
    C(now) function reports it (the moment the snapshot was taken), in UTC; it does
    not come from the controller's clock.
  - Use RV(values) as C(result['values']) in templates; C(result.values) is the
    dict method.
  - Use one task per database; the values of different databases cannot share a snapshot.
seealso:
  - module: guarded.deploy.baseline_compare
  - module: community.postgresql.postgresql_query
author:
  - guarded.deploy maintainers (@guarded)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - community.postgresql.postgres
'''

EXAMPLES = r'''
- name: Capture the baselines before the deploy (peer auth over the local socket)
  guarded.deploy.postgresql_baseline:
    db: shop
    login_unix_socket: /var/run/postgresql
    baselines:
      - name: orders
        sql: SELECT count(*) FROM sale_order
      - name: reconciled_payments
        sql: SELECT count(*) FROM account_payment WHERE is_reconciled
        rule: not_decrease
      - name: paid_total
        sql: SELECT coalesce(sum(amount), 0) FROM account_payment WHERE state = 'paid'
        rule:
          tolerance_pct: 1
  become: true
  become_user: postgres
  register: baseline_before

- name: Same thing with tighter limits and a password login over TCP
  guarded.deploy.postgresql_baseline:
    db: shop
    login_host: db.internal
    login_user: deploy_ro
    login_password: "{{ vault_deploy_ro_password }}"
    statement_timeout: 10
    lock_timeout: 2
    baselines: "{{ app_baselines }}"
  register: baseline_tcp

- name: After the deploy, capture again and compare on the controller
  guarded.deploy.postgresql_baseline:
    db: shop
    login_unix_socket: /var/run/postgresql
    baselines: "{{ app_baselines }}"
  become: true
  become_user: postgres
  register: baseline_after

- name: Fail the deploy if a rule is violated
  guarded.deploy.baseline_compare:
    baselines: "{{ app_baselines }}"
    before: "{{ baseline_before['values'] }}"
    after: "{{ baseline_after['values'] }}"
'''

RETURN = r'''
values:
  description:
    - Baseline name to value.
    - "1 row x 1 column -> scalar; anything else -> list of rows, each row a list; a
      one-column multi-row result is a list of one-element lists."
    - One row with several columns is a list with one row; no rows is V([]); a one-row
      one-column C(NULL) is V(null).
    - C(numeric) values are exact decimal strings, dates and timestamps ISO 8601 strings,
      booleans, integers and text stay as they are (see the description).
  returned: success
  type: dict
  sample:
    orders: 1520
    paid_total: "184523.10"
    states: [["draft", 3], ["sale", 1517]]
    first_order: [[1, "draft", "2024-01-01", true]]
    payment_managers: [["asmith"], ["jdoe"]]
    payment_managers_now_empty: []
    last_reconciled: null
baselines:
  description: The same values as a list of C(name)/C(value) dicts, in the order of O(baselines).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The baseline name.
      type: str
      returned: always
    value:
      description: The captured value (see RV(values)).
      type: raw
      returned: always
  sample: [{"name": "orders", "value": 1520}, {"name": "paid_total", "value": "184523.10"}]
captured_at:
  description:
    - When the snapshot was taken, that is the start time of the baseline transaction
      as the server's C(now) function reports it, in UTC, ISO 8601 with microseconds.
  returned: success
  type: str
  sample: "2025-11-21T06:12:45.123456+00:00"
server_version:
  description: The server's C(server_version) setting.
  returned: success
  type: str
  sample: "15.14 (Debian 15.14-1.pgdg120+1)"
isolation:
  description: The transaction characteristics the values were read with.
  returned: success
  type: str
  sample: "repeatable read, read only"
'''

import datetime
import math
import time
from decimal import Decimal

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.community.postgresql.plugins.module_utils.postgres import (
    PSYCOPG_VERSION,
    connect_to_db,
    ensure_required_libs,
    get_conn_params,
    postgres_common_argument_spec,
)
from ansible_collections.community.postgresql.plugins.module_utils.version import LooseVersion
from ansible_collections.guarded.deploy.plugins.module_utils.baseline_rules import (
    validate_name_and_sql,
)

ISOLATION = "repeatable read, read only"

# SQLSTATE codes we explain in plain words.
PGCODE_READ_ONLY = "25006"        # read_only_sql_transaction
PGCODE_QUERY_CANCELED = "57014"   # query_canceled (statement_timeout, cancel request)
PGCODE_LOCK_NOT_AVAILABLE = "55P03"  # lock_not_available (lock_timeout, NOWAIT)

# Read after opening the transaction and after every baseline query: the transaction
# start time identifies the transaction, so a query that ends it (COMMIT/ROLLBACK) is
# detected.
STATE_SQL = (
    "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), "
    "current_setting('server_version'), "
    "current_setting('transaction_isolation'), "
    "current_setting('transaction_read_only')"
)


class BaselineError(Exception):
    """A baseline could not be captured; the message is shown to the user as is."""


# ===========================================
# Pure helpers (unit tested).
#


def to_json_safe(value):
    """Convert one database value to something JSON can carry without losing meaning."""
    if isinstance(value, float) and not math.isfinite(value):
        # JSON has no NaN/Infinity; spell them as PostgreSQL (and a numeric NaN) does.
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_json_safe(v) for v in value]
    if isinstance(value, dict):
        return dict((to_native(k), to_json_safe(v)) for k, v in value.items())
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    return to_native(value)


def shape_rows(rows, column_count):
    """1 row x 1 column -> the scalar; anything else -> a list of rows, each a list.

    So one row of several columns is ``[[a, b]]``, several one-column rows are
    ``[[a], [b]]`` and no rows is ``[]``.
    """
    rows = list(rows)
    if len(rows) == 1 and column_count == 1:
        return to_json_safe(_row_values(rows[0])[0])
    return [[to_json_safe(v) for v in _row_values(row)] for row in rows]


def _row_values(row):
    if isinstance(row, dict):
        return list(row.values())
    return list(row)


def format_seconds(seconds):
    """30.0 -> '30', 0.5 -> '0.5'."""
    return "%g" % seconds


def timeout_ms(seconds):
    """Seconds (int/float) -> whole milliseconds for SET; a positive value never becomes 0."""
    if seconds <= 0:
        return 0
    return max(1, int(round(seconds * 1000)))


def error_code(exc):
    """The SQLSTATE of a psycopg2 (pgcode) or psycopg 3 (sqlstate) error, or None."""
    return getattr(exc, "pgcode", None) or getattr(exc, "sqlstate", None)


def error_first_line(exc):
    """The first line of a driver error, without the ``ERROR:`` prefix."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = primary or to_native(exc)
    text = text.strip()
    if text.startswith("ERROR:"):
        text = text[len("ERROR:"):].strip()
    lines = text.splitlines()
    return lines[0].strip() if lines else type(exc).__name__


def _timed_out(detail, words, limit, elapsed):
    """Whether a cancel was the timeout: by the (English) server message, or by the clock
    when the server's messages are in another language."""
    if words in detail:
        return True
    return bool(limit) and limit > 0 and elapsed is not None and elapsed >= limit * 0.95


def describe_query_error(name, exc, statement_timeout, lock_timeout, elapsed=None):
    """The message for a failed baseline query (``elapsed``: seconds the query ran)."""
    code = error_code(exc)
    detail = error_first_line(exc)
    if code == PGCODE_READ_ONLY:
        reason = ("the query tried to write, but baselines run in a read-only "
                  "transaction (%s)" % detail)
    elif code == PGCODE_QUERY_CANCELED and _timed_out(detail, "statement timeout", statement_timeout, elapsed):
        reason = "exceeded statement_timeout of %s s (%s)" % (format_seconds(statement_timeout), detail)
    elif code == PGCODE_QUERY_CANCELED:
        reason = "the query was cancelled (%s)" % detail
    elif code == PGCODE_LOCK_NOT_AVAILABLE and _timed_out(detail, "lock timeout", lock_timeout, elapsed):
        reason = "exceeded lock_timeout of %s s (%s)" % (format_seconds(lock_timeout), detail)
    else:
        reason = detail
    return "baseline '%s' failed: %s" % (name, reason)


# ===========================================
# Database work.
#


def _new_cursor(conn):
    """A cursor returning plain tuples, whichever psycopg the library picked."""
    if PSYCOPG_VERSION >= LooseVersion("3"):
        from psycopg.rows import tuple_row  # pylint: disable=import-error
        return conn.cursor(row_factory=tuple_row)
    return conn.cursor()


def _last_result(cursor):
    """Make the last statement's result current, as psycopg2 does for multi-statement SQL.

    psycopg 3 keeps one result per statement and starts at the first one.
    """
    if PSYCOPG_VERSION >= LooseVersion("3"):
        while cursor.nextset():
            pass


def _read_state(cursor):
    cursor.execute(STATE_SQL)
    return tuple(cursor.fetchone())


def capture(conn, baselines, statement_timeout, lock_timeout):
    """Run every baseline in one REPEATABLE READ READ ONLY transaction and roll back.

    ``conn`` must be in autocommit mode: the transaction is opened explicitly here.
    Returns ``(values_list, captured_at, server_version)``; raises BaselineError.
    """
    cursor = _new_cursor(conn)
    try:
        try:
            # Session default too: a query that COMMITs cannot start a writable transaction.
            cursor.execute("SET SESSION default_transaction_read_only = on")
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SET LOCAL statement_timeout = %d" % timeout_ms(statement_timeout))
            cursor.execute("SET LOCAL lock_timeout = %d" % timeout_ms(lock_timeout))
            state = _read_state(cursor)
        except Exception as exc:
            raise BaselineError("unable to start the baseline transaction: %s" % error_first_line(exc))
        captured_at, server_version, isolation, read_only = state
        if isolation != "repeatable read" or read_only != "on":
            raise BaselineError("unable to start the baseline transaction: got isolation %r, "
                                "transaction_read_only %r" % (isolation, read_only))

        values = []
        for spec in baselines:
            name = spec["name"]
            started = time.monotonic()
            try:
                cursor.execute(spec["sql"])
                _last_result(cursor)
                if cursor.description is None:
                    raise BaselineError(
                        "baseline '%s' failed: the query returned no rows to read "
                        "(it must be a SELECT, or another statement that returns rows)" % name)
                column_count = len(cursor.description)
                rows = cursor.fetchall()
            except BaselineError:
                raise
            except Exception as exc:
                raise BaselineError(describe_query_error(name, exc, statement_timeout, lock_timeout,
                                                         time.monotonic() - started))
            try:
                now_state = _read_state(cursor)
            except Exception as exc:
                raise BaselineError("baseline '%s' failed: the baseline transaction is no longer "
                                    "usable after the query (%s)" % (name, error_first_line(exc)))
            if now_state != state:
                raise BaselineError(
                    "baseline '%s' failed: the query ended the baseline transaction "
                    "(baseline SQL must not contain COMMIT, ROLLBACK, BEGIN or SET TRANSACTION)" % name)
            values.append(dict(name=name, value=shape_rows(rows, column_count)))
        return values, captured_at, server_version
    finally:
        try:
            cursor.execute("ROLLBACK")
        except Exception:
            pass
        try:
            cursor.close()
        except Exception:
            pass


def check_params(params):
    """Return a list of errors for the module options that the argument spec cannot check."""
    errors = validate_name_and_sql(params["baselines"])
    for option in ("statement_timeout", "lock_timeout"):
        if params[option] < 0:
            errors.append("%s must be 0 (no limit) or a positive number of seconds, got %s"
                          % (option, format_seconds(params[option])))
    return errors


def one_line(text):
    """A multi-line driver message as one line."""
    return " ".join(line.strip() for line in to_native(text).splitlines() if line.strip())


class _ConnectErrorsOnly(object):
    """The module as connect_to_db sees it, minus its "server is unavailable" warning.

    The connection error is reported once, by our own fail_json message.
    """

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return getattr(self._module, name)

    def warn(self, warning):
        pass


def connection_label(params, conn_params):
    """Where we tried to connect, without secrets: 'app' (/run/postgresql, port 5432, user postgres)."""
    host = conn_params.get("host") or "the default socket"
    return "'%s' (%s, port %s, user %s)" % (
        params["db"], host, conn_params.get("port", "default"), conn_params.get("user", "default"))


# ===========================================
# Module execution.
#


def main():
    argument_spec = postgres_common_argument_spec()
    argument_spec.update(
        db=dict(type='str', required=True, aliases=['login_db']),
        baselines=dict(type='list', elements='dict', required=True),
        statement_timeout=dict(type='float', default=30),
        lock_timeout=dict(type='float', default=5),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
    )

    errors = check_params(module.params)
    if errors:
        module.fail_json(msg="invalid baselines: " + "; ".join(errors), errors=errors)

    # Ensure psycopg libraries are available before connecting to DB:
    ensure_required_libs(module)
    conn_params = get_conn_params(module, module.params)
    db_connection, conn_err = connect_to_db(_ConnectErrorsOnly(module), conn_params,
                                            autocommit=True, fail_on_conn=False)
    if db_connection is None:
        module.fail_json(msg="unable to connect to database %s: %s"
                         % (connection_label(module.params, conn_params), one_line(conn_err)))

    try:
        values, captured_at, server_version = capture(
            db_connection,
            module.params["baselines"],
            module.params["statement_timeout"],
            module.params["lock_timeout"],
        )
    except BaselineError as exc:
        module.fail_json(msg=to_native(exc))
    finally:
        db_connection.close()

    module.exit_json(
        changed=False,
        values=dict((item["name"], item["value"]) for item in values),
        baselines=values,
        captured_at=captured_at,
        server_version=server_version,
        isolation=ISOLATION,
    )


if __name__ == '__main__':
    main()
