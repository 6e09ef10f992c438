# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters used by guarded.deploy.baseline to build its one list of baseline specs.

``resolve_baselines``
    preset items followed by the user's ``deploy_baselines``; a user item with the name
    of a preset item replaces it in place; ``sql_file`` items get the file's text as
    ``sql`` (the role reads the files with the ``ansible.builtin.file`` lookup and passes
    the texts in, so relative paths resolve the usual Ansible way).
``sql_literal``
    a value as a PostgreSQL string literal (the presets' group and module names).
``sql_identifier``
    a table name (``table`` or ``schema.table``) as a quoted PostgreSQL identifier.

Documentation: the sidecar files ``<filter>.yml`` next to this one (ansible-doc -t filter).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def _label(item, index, where):
    name = item.get("name") if isinstance(item, dict) else None
    if isinstance(name, str) and name.strip():
        return "'%s'" % name
    return "#%d of %s" % (index, where)


def _with_sql(item, sql_texts, label):
    """The item with ``sql_file`` replaced by ``sql`` (the file's text)."""
    if not isinstance(item, dict) or "sql_file" not in item:
        return item
    if "sql" in item:
        raise AnsibleFilterError(
            "baseline %s has both sql and sql_file; give exactly one" % label)
    path = item["sql_file"]
    if path not in sql_texts:
        raise AnsibleFilterError(
            "baseline %s: no text was read for sql_file %r" % (label, path))
    resolved = dict((key, value) for key, value in item.items() if key != "sql_file")
    resolved["sql"] = sql_texts[path]
    return resolved


def resolve_baselines(preset_items, user_items=None, sql_texts=None):
    """Return the preset items followed by the user's items, as plain baseline specs.

    - A user item whose ``name`` is also the name of a preset item takes that preset
      item's place (so "switch a preset on, then tune one of its rules" works), and is
      not repeated at the end. The other user items follow the preset items, in order.
    - ``sql_file: PATH`` is replaced by ``sql: sql_texts[PATH]``.
    - Every other key (``description``, ``rule``, ``severity`` ...) is kept as it is;
      items that are not dicts and duplicate names within one list are passed through
      for guarded.deploy.baseline_compare to report.
    """
    if preset_items is None:
        preset_items = []
    if user_items is None:
        user_items = []
    if sql_texts is None:
        sql_texts = {}
    for value, what in ((preset_items, "the preset items"), (user_items, "deploy_baselines")):
        if not isinstance(value, (list, tuple)):
            raise AnsibleFilterError("%s must be a list, got %s" % (what, type(value).__name__))
    if not isinstance(sql_texts, dict):
        raise AnsibleFilterError("sql_texts must be a dict, got %s" % type(sql_texts).__name__)

    replacements = {}
    for index, item in enumerate(user_items, 1):
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name not in replacements:
            replacements[name] = index - 1

    result = []
    used = set()
    for index, item in enumerate(preset_items, 1):
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name in replacements and replacements[name] not in used:
            position = replacements[name]
            used.add(position)
            result.append(_with_sql(user_items[position], sql_texts,
                                    _label(user_items[position], position + 1, "deploy_baselines")))
        else:
            result.append(_with_sql(item, sql_texts, _label(item, index, "the presets")))
    for index, item in enumerate(user_items, 1):
        if index - 1 not in used:
            result.append(_with_sql(item, sql_texts, _label(item, index, "deploy_baselines")))
    return result


def _text(value, what):
    if value is None or isinstance(value, (bool, dict, list, tuple)):
        raise AnsibleFilterError("%s needs a string, got %r" % (what, value))
    text = str(value)
    if "\x00" in text:
        raise AnsibleFilterError("%s: PostgreSQL text cannot contain a NUL character" % what)
    return text


def sql_literal(value):
    """``O'Brien`` -> ``'O''Brien'``; with a backslash, ``E'...'`` with it doubled.

    The same quoting as libpq's PQescapeLiteral, so the result is one string literal
    whatever ``standard_conforming_strings`` is.
    """
    text = _text(value, "sql_literal")
    quoted = "'%s'" % text.replace("'", "''")
    if "\\" in text:
        quoted = "E" + quoted.replace("\\", "\\\\")
    return quoted


def sql_identifier(value):
    """``payment`` -> ``"payment"``; ``accounting.Invoice`` -> ``"accounting"."Invoice"``.

    Each dot-separated part is quoted (``"`` doubled), so the name is used exactly as
    written: case-sensitive, no SQL can be injected through it.
    """
    text = _text(value, "sql_identifier")
    parts = text.split(".")
    if len(parts) > 2 or any(not part for part in parts):
        raise AnsibleFilterError(
            "sql_identifier needs 'table' or 'schema.table', got %r" % text)
    return ".".join('"%s"' % part.replace('"', '""') for part in parts)


class FilterModule(object):
    """guarded.deploy baseline filters."""

    def filters(self):
        return {
            "resolve_baselines": resolve_baselines,
            "sql_literal": sql_literal,
            "sql_identifier": sql_identifier,
        }
