# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Baseline rules: the one place they live.

A *baseline* is a named read-only SQL query captured before and after a deploy
(``guarded.deploy.postgresql_baseline``); a *rule* says how the two values must relate
(``guarded.deploy.baseline_compare``).

A baseline spec is a dict::

    name: reconciled_payments          # required, unique, non-empty
    sql: SELECT count(*) FROM payment  # required, non-empty
    rule: not_decrease                 # optional, default not_decrease
    severity: fail                     # optional, fail (default) or warn
    description: free text             # optional, ignored

A rule is one of the strings ``equal``, ``not_decrease``, ``not_increase``,
``same_set``, ``superset`` or a dict with exactly one key: ``{min: N}``, ``{max: N}``,
``{expect: VALUE}``, ``{tolerance_pct: P}``.

Numbers are compared as :class:`decimal.Decimal` built from ``str(value)``, so ints,
exact decimal strings such as ``"12.30"`` (how the baseline module returns
``numeric`` columns) and floats compare exactly.  ``bool`` is not a number.

Row sets (``same_set``, ``superset``)
    A list value is a set of rows: each member is a row (a list) or a scalar; any
    other value (a scalar, NULL included) is a set of one member.  A one-column row
    ``["jdoe"]`` and the scalar ``"jdoe"`` are the same member, because the baseline
    module returns a one-row one-column result as the bare scalar and several rows as
    one-element lists.  Members compare like :func:`values_equal` (``"12.30"`` equals
    ``12.3``, ``true`` is not ``1``), in any order.  Duplicates count (a multiset), for
    both rules: a row returned twice before and once after is one row removed; use
    ``SELECT DISTINCT`` for plain set semantics.  ``same_set`` holds when nothing was
    removed or added, ``superset`` when nothing was removed.  :func:`compare` reports
    the members removed and added (see :func:`row_set_difference`).

This file is imported by a module (it runs on the managed host), so it stays
compatible with Python 3.8 and uses only the standard library.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# Rules that are written as a bare string.
SIMPLE_RULES = ("equal", "not_decrease", "not_increase", "same_set", "superset")
# Rules that are written as a one-key dict ``{rule: argument}``.
PARAM_RULES = ("min", "max", "expect", "tolerance_pct")
# Every rule name.
RULE_NAMES = SIMPLE_RULES + PARAM_RULES
# Parameterised rules whose argument must be a number.
NUMERIC_ARG_RULES = ("min", "max", "tolerance_pct")
# Rules that look only at the after-deploy value.
AFTER_ONLY_RULES = ("min", "max", "expect")
# Rules that compare (or order) the values as numbers.
NUMERIC_RULES = ("not_decrease", "not_increase", "min", "max", "tolerance_pct")
# Rules that compare the values as row sets (multisets of rows).
SET_RULES = ("same_set", "superset")
# At most this many members are listed in ``added``/``removed`` of a compare() result
# (``added_count``/``removed_count`` always give the full counts) ...
MAX_LISTED_MEMBERS = 50
# ... and at most this many in a message.
MAX_MESSAGE_MEMBERS = 10

SEVERITIES = ("fail", "warn")
DEFAULT_RULE = "not_decrease"
DEFAULT_SEVERITY = "fail"

# Keys a baseline spec may carry.
SPEC_KEYS = ("name", "sql", "rule", "severity", "description")

KNOWN_RULES_TEXT = (
    "equal, not_decrease, not_increase, same_set, superset, {min: N}, {max: N}, "
    "{expect: VALUE}, {tolerance_pct: P}"
)

# Marker used in messages when a rule could not be evaluated at all (as opposed to
# evaluated and violated).
CANNOT_CHECK = "cannot be checked"


# ---------------------------------------------------------------------------
# Small helpers


def to_decimal(value):
    """Return ``value`` as a finite Decimal, or None when it is not a number.

    int, float, Decimal and numeric strings (``"12.30"``, ``" 7 "``) are numbers;
    bool, None, NaN/Infinity, lists and everything else are not.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
    else:
        return None
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return number


def format_value(value):
    """Short human text for a baseline value (used in every message)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if value and value == value.strip():
            return value
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _short_value(value):
    """format_value(), except that a list of more than MAX_MESSAGE_MEMBERS rows is
    summarised as ``N rows`` so that a message stays one readable line."""
    if isinstance(value, (list, tuple)) and len(value) > MAX_MESSAGE_MEMBERS:
        return "%d rows" % len(value)
    return format_value(value)


def _format_number(number):
    """A Decimal percentage as short text: 10, 3.33, 0.5."""
    text = format(number.quantize(Decimal("0.01")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _type_name(value):
    """Plain type name (templated values may be subclasses of the builtin types)."""
    for kind in (bool, int, float, Decimal, str, list, tuple, dict):
        if isinstance(value, kind):
            return kind.__name__
    return type(value).__name__


def _not_a_number(desc, which, value):
    if value is None:
        return "%s %s: %s value is NULL, a number is needed" % (desc, CANNOT_CHECK, which)
    if isinstance(value, (list, tuple)) and not value:
        return ("%s %s: %s value is an empty result (the query returned no rows), not a number"
                % (desc, CANNOT_CHECK, which))
    hint = ""
    if isinstance(value, (list, tuple)):
        hint = (" (the query must return exactly one row with one numeric column; "
                "compare rows with same_set or superset)")
    return "%s %s: %s value %s (%s) is not a number%s" % (
        desc, CANNOT_CHECK, which, _short_value(value), _type_name(value), hint)


def values_equal(left, right):
    """Equality used by ``equal`` and ``expect``.

    Numbers (including numeric strings) compare as Decimals, so ``"12.30"`` equals
    ``12.3``; bools only equal bools; lists compare element by element with the same
    rules; everything else uses ``==``.
    """
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (list, tuple)) or isinstance(right, (list, tuple)):
        if not (isinstance(left, (list, tuple)) and isinstance(right, (list, tuple))):
            return False
        if len(left) != len(right):
            return False
        return all(values_equal(a, b) for a, b in zip(left, right))
    left_num = to_decimal(left)
    right_num = to_decimal(right)
    if left_num is not None and right_num is not None:
        return left_num == right_num
    return left == right


# ---------------------------------------------------------------------------
# Row sets


def _cell_key(value):
    """A hashable, orderable key for one value: two values have the same key exactly
    when values_equal() calls them equal (and dicts, which values_equal compares with
    ``==``, compare their values the same numeric-aware way here).

    The first item ranks the kind (NULL, bool, number, text, list, dict, other) so
    keys of different kinds never compare their second items with each other.
    """
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, bool(value))
    number = to_decimal(value)
    if number is not None:
        return (2, number)
    if isinstance(value, str):
        return (3, str(value))
    if isinstance(value, (list, tuple)):
        return (4, tuple(_cell_key(v) for v in value))
    if isinstance(value, dict):
        return (5, tuple(sorted((str(k), _cell_key(v)) for k, v in value.items())))
    return (6, repr(value))


def _member_key(member):
    """Key of one row-set member; a one-column row and its scalar are the same member."""
    if isinstance(member, (list, tuple)):
        return tuple(_cell_key(v) for v in member)
    return (_cell_key(member),)


def _member_value(member):
    """How a member is reported: a one-column row as its scalar, other rows as lists."""
    if isinstance(member, (list, tuple)):
        if len(member) == 1:
            return member[0]
        return list(member)
    return member


def row_set_members(value):
    """The members of a value seen as a row set: a list's items, else the value itself."""
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _counted(value):
    """``{key: [count, first member seen]}`` for the members of ``value``."""
    counts = {}
    for member in row_set_members(value):
        key = _member_key(member)
        if key in counts:
            counts[key][0] += 1
        else:
            counts[key] = [1, _member_value(member)]
    return counts


def _missing_from(source, other):
    """Members of ``source`` (a _counted dict) not in ``other``, one per missing copy."""
    missing = []
    for key, (count, member) in source.items():
        extra = count - other.get(key, [0])[0]
        if extra > 0:
            missing.append((key, member, extra))
    missing.sort(key=lambda item: item[0])
    return missing


def _listed(missing, limit):
    members = []
    for dummy_key, member, copies in missing:
        for dummy in range(copies):
            if len(members) >= limit:
                return members
            members.append(member)
    return members


def row_set_difference(before, after, limit=MAX_LISTED_MEMBERS):
    """Compare two values as row sets (multisets; see the module docstring).

    Returns a dict with ``removed`` (members before but not after) and ``added``
    (members after but not before), each sorted column by column (NULL, booleans,
    numbers by value, text, then the rest) and listing at most ``limit`` members, one entry
    per missing copy of a duplicated row; ``removed_count`` and ``added_count`` give
    the full counts.  A one-column member is listed as its scalar, a wider one as a
    list.  Also ``before_size``/``after_size`` (member counts) and
    ``before_widths``/``after_widths`` (sorted row widths seen; a scalar is width 1).
    """
    before_counts = _counted(before)
    after_counts = _counted(after)
    removed = _missing_from(before_counts, after_counts)
    added = _missing_from(after_counts, before_counts)
    return dict(
        removed=_listed(removed, limit),
        added=_listed(added, limit),
        removed_count=sum(item[2] for item in removed),
        added_count=sum(item[2] for item in added),
        before_size=len(row_set_members(before)),
        after_size=len(row_set_members(after)),
        before_widths=sorted(set(len(key) for key in before_counts)),
        after_widths=sorted(set(len(key) for key in after_counts)),
    )


def _member_text(value):
    """Short text for a member in a message: strings quoted, numbers and NULL bare."""
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(_member_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "NULL"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, str):
        return repr(str(value))
    return repr(value)


def _members_text(count, members, what):
    """``1 removed (['jdoe'])``, ``0 added``, ``12 added (['a', ..., 'j'] and 2 more)``."""
    if not count:
        return "0 %s" % what
    shown = members[:MAX_MESSAGE_MEMBERS]
    text = "[%s]" % ", ".join(_member_text(m) for m in shown)
    if count > len(shown):
        text += " and %d more" % (count - len(shown))
    return "%d %s (%s)" % (count, what, text)


def _width_text(widths):
    if len(widths) == 1:
        return "%d column%s" % (widths[0], "" if widths[0] == 1 else "s")
    return "%s columns" % "/".join(str(w) for w in widths)


def row_set_detail(diff):
    """The message detail for a row_set_difference() result."""
    text = "%s, %s" % (_members_text(diff["removed_count"], diff["removed"], "removed"),
                       _members_text(diff["added_count"], diff["added"], "added"))
    before_widths, after_widths = diff.get("before_widths"), diff.get("after_widths")
    if before_widths and after_widths and not set(before_widths) & set(after_widths):
        text += " (rows have %s before and %s after: did the query change?)" % (
            _width_text(before_widths), _width_text(after_widths))
    return text


# ---------------------------------------------------------------------------
# Rule parsing


def parse_rule(rule):
    """Return ``(name, argument)`` for a rule, or raise ValueError with a readable reason.

    ``None`` means the default rule (``not_decrease``).
    """
    if rule is None:
        return DEFAULT_RULE, None
    if isinstance(rule, str):
        if rule in SIMPLE_RULES:
            return rule, None
        if rule in PARAM_RULES:
            raise ValueError("rule '%s' needs a value, write it as {%s: ...}" % (rule, rule))
        raise ValueError("unknown rule %r" % (rule,))
    if isinstance(rule, dict):
        if len(rule) != 1:
            raise ValueError("a rule dict must have exactly one key, got %d (%s)"
                             % (len(rule), ", ".join(sorted(str(k) for k in rule)) or "empty"))
        name, arg = next(iter(rule.items()))
        if name in SIMPLE_RULES:
            raise ValueError("rule '%s' takes no value, write it as the string '%s'" % (name, name))
        if name not in PARAM_RULES:
            raise ValueError("unknown rule %r" % (name,))
        if name in NUMERIC_ARG_RULES:
            number = to_decimal(arg)
            if number is None:
                raise ValueError("rule '%s' needs a number, got %s (%s)"
                                 % (name, format_value(arg), _type_name(arg)))
            if name == "tolerance_pct" and number < 0:
                raise ValueError("rule 'tolerance_pct' needs a number >= 0, got %s" % format_value(arg))
        return name, arg
    raise ValueError("a rule must be a rule name or a one-key dict, got %s (%s)"
                     % (format_value(rule), _type_name(rule)))


def describe_rule(rule):
    """Short text for a rule: ``not_decrease``, ``min: 1``, ``expect: 17.0.1.0.9``.

    Never raises; an invalid rule is described as best it can be.
    """
    if rule is None:
        return DEFAULT_RULE
    if isinstance(rule, str):
        return rule
    if isinstance(rule, dict) and len(rule) == 1:
        name, arg = next(iter(rule.items()))
        return "%s: %s" % (name, format_value(arg))
    return str(rule)


# ---------------------------------------------------------------------------
# Spec validation


def validate_name_and_sql(specs):
    """Validate the parts of baseline specs the capture module needs: name and sql.

    Returns a list of human readable error strings (empty when fine).
    """
    if not isinstance(specs, (list, tuple)):
        return ["baselines must be a list of dicts, got %s" % _type_name(specs)]
    errors = []
    seen = set()
    for index, spec in enumerate(specs, 1):
        if not isinstance(spec, dict):
            errors.append("baseline #%d must be a dict with 'name' and 'sql', got %s"
                          % (index, _type_name(spec)))
            continue
        name = spec.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append("baseline #%d: 'name' is required and must be a non-empty string"
                          % index)
            label = "#%d" % index
        else:
            label = "'%s'" % name
            if name in seen:
                errors.append("baseline %s: duplicate name (names must be unique)" % label)
            seen.add(name)
        sql = spec.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            errors.append("baseline %s: 'sql' is required and must be a non-empty string" % label)
    return errors


def validate_baseline_specs(specs):
    """Validate a list of baseline specs (name, sql, rule, severity).

    Returns a list of human readable error strings; an empty list means the specs are
    fine.  Every error names the baseline (by name, or by position when it has none).
    """
    errors = validate_name_and_sql(specs)
    if not isinstance(specs, (list, tuple)):
        return errors
    for index, spec in enumerate(specs, 1):
        if not isinstance(spec, dict):
            continue
        name = spec.get("name")
        label = "'%s'" % name if isinstance(name, str) and name.strip() else "#%d" % index
        unknown = sorted(str(k) for k in spec if k not in SPEC_KEYS)
        if unknown:
            errors.append("baseline %s: unknown key(s) %s; allowed keys: %s"
                          % (label, ", ".join(unknown), ", ".join(SPEC_KEYS)))
        try:
            parse_rule(spec.get("rule"))
        except ValueError as exc:
            errors.append("baseline %s: %s; known rules: %s" % (label, exc, KNOWN_RULES_TEXT))
        severity = spec.get("severity")
        if severity is not None and severity not in SEVERITIES:
            errors.append("baseline %s: severity must be 'fail' or 'warn', got %s"
                          % (label, format_value(severity)))
    return errors


# ---------------------------------------------------------------------------
# Evaluation


def evaluate(rule, before, after):
    """Check one rule.  Returns ``(ok, message)`` and never raises.

    ``min``, ``max`` and ``expect`` look only at ``after``.  Numeric rules need numbers
    (int, float, Decimal or numeric strings; not bool); anything else, an empty result
    (``[]``) included, gives ``(False, "... cannot be checked: ...")``.  ``same_set``
    and ``superset`` take any value (see "Row sets" in the module docstring).
    """
    ok, message, dummy = _evaluate(rule, before, after)
    return ok, message


def _evaluate(rule, before, after):
    """evaluate(), plus the row_set_difference() of a set rule (else None)."""
    desc = describe_rule(rule)
    try:
        name, arg = parse_rule(rule)
    except ValueError as exc:
        return False, "%s %s: %s" % (desc, CANNOT_CHECK, exc), None
    try:
        return _check(desc, name, arg, before, after)
    except Exception as exc:  # pylint: disable=broad-except
        # A value of a shape nobody thought of: a violation that says so, never a crash.
        return False, "%s %s: %s (%s)" % (desc, CANNOT_CHECK, type(exc).__name__, exc), None


def _check(desc, name, arg, before, after):
    if name in SET_RULES:
        diff = row_set_difference(before, after)
        ok = diff["removed_count"] == 0 and (name == "superset" or diff["added_count"] == 0)
        return ok, "%s %s: %s" % (desc, "ok" if ok else "violated", row_set_detail(diff)), diff

    ok, message = _check_scalar(desc, name, arg, before, after)
    return ok, message, None


def _check_scalar(desc, name, arg, before, after):
    if name in ("equal", "expect"):
        if name == "equal":
            ok = values_equal(before, after)
            detail = "before %s, after %s" % (_short_value(before), _short_value(after))
        else:
            ok = values_equal(after, arg)
            detail = "after %s" % _short_value(after)
            if not ok:
                detail += " (expected %s)" % format_value(arg)
        return ok, "%s %s: %s" % (desc, "ok" if ok else "violated", detail)

    after_num = to_decimal(after)
    if after_num is None:
        return False, _not_a_number(desc, "after", after)

    if name in ("min", "max"):
        limit = to_decimal(arg)
        if name == "min":
            ok = after_num >= limit
            relation = "is below"
        else:
            ok = after_num <= limit
            relation = "is above"
        if ok:
            return True, "%s ok: after %s" % (desc, format_value(after))
        return False, "%s violated: after %s %s %s" % (desc, format_value(after), relation,
                                                       format_value(arg))

    before_num = to_decimal(before)
    if before_num is None:
        return False, _not_a_number(desc, "before", before)
    detail = "before %s, after %s" % (format_value(before), format_value(after))

    if name == "not_decrease":
        ok = after_num >= before_num
    elif name == "not_increase":
        ok = after_num <= before_num
    else:  # tolerance_pct
        tolerance = to_decimal(arg)
        if before_num == 0:
            ok = after_num == 0
            if not ok:
                detail += " (before is 0, so any change exceeds the tolerance)"
        else:
            change = abs(after_num - before_num) / abs(before_num) * 100
            ok = change <= tolerance
            detail += " (changed %s%%)" % _format_number(change)
    return ok, "%s %s: %s" % (desc, "ok" if ok else "violated", detail)


def compare(specs, before, after):
    """Evaluate every spec against the captured values.

    ``before`` and ``after`` map baseline name to value (either may be None, meaning
    nothing was captured).  Returns one dict per spec, in spec order, with the keys
    ``name``, ``rule`` (describe_rule text), ``severity``, ``before``, ``after``,
    ``ok`` and ``message``.

    Results of ``same_set`` and ``superset`` also have ``added`` and ``removed`` (the
    members, sorted, at most MAX_LISTED_MEMBERS each) and ``added_count`` and
    ``removed_count`` (the full counts); all four are None when a value is missing.
    Results of other rules do not have these keys.
    """
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    results = []
    for spec in specs:
        name = spec.get("name")
        rule = spec.get("rule")
        severity = spec.get("severity") or DEFAULT_SEVERITY
        desc = describe_rule(rule)
        try:
            rule_name = parse_rule(rule)[0]
        except ValueError:
            rule_name = None
        before_value = before.get(name)
        after_value = after.get(name)

        diff = None
        if name not in after:
            ok, message = False, "%s %s: no 'after' value was captured for this baseline" % (
                desc, CANNOT_CHECK)
        elif rule_name is not None and rule_name not in AFTER_ONLY_RULES and name not in before:
            ok, message = False, "%s %s: no 'before' value was captured for this baseline" % (
                desc, CANNOT_CHECK)
        else:
            ok, message, diff = _evaluate(rule, before_value, after_value)

        item = dict(
            name=name,
            rule=desc,
            severity=severity,
            before=before_value,
            after=after_value,
            ok=bool(ok),
            message="%s: %s" % (name, message),
        )
        if rule_name in SET_RULES:
            # None when the sets could not be compared (a value is missing).
            for key in ("added", "removed", "added_count", "removed_count"):
                item[key] = diff[key] if diff else None
        results.append(item)
    return results


def _size_text(value, compared):
    """``3 rows``; a scalar is ``1 row`` when it was compared as a row set, else itself
    (so a missing value shows as ``NULL``)."""
    if not compared and not isinstance(value, (list, tuple)):
        return format_value(value)
    size = len(row_set_members(value))
    return "%d row%s" % (size, "" if size == 1 else "s")


def format_violation(result):
    """One line for a failed compare() result: ``name (rule): before X, after Y``.

    When the rule could not be evaluated at all (missing or non-numeric value) the
    reason is appended.  For ``same_set``/``superset`` the values (possibly long
    lists) are replaced by their sizes and the removed and added members:
    ``managers (superset): before 3 rows, after 2 rows; 1 removed (['jdoe']), 0 added``.
    """
    message = result.get("message") or ""
    rule = result.get("rule") or ""
    if rule in SET_RULES:
        # The values may be long lists: show their sizes and what changed.
        compared = result.get("removed_count") is not None
        text = "%s (%s): before %s, after %s" % (
            result.get("name"), rule, _size_text(result.get("before"), compared),
            _size_text(result.get("after"), compared))
        if compared:
            return "%s; %s" % (text, row_set_detail(result))
        if CANNOT_CHECK in message:
            text += " [%s]" % message.split(CANNOT_CHECK + ": ", 1)[-1]
        return text
    text = "%s (%s): before %s, after %s" % (
        result.get("name"), result.get("rule"),
        _short_value(result.get("before")), _short_value(result.get("after")))
    if CANNOT_CHECK in message:
        text += " [%s]" % message.split(CANNOT_CHECK + ": ", 1)[-1]
    elif rule.startswith("expect: "):
        text += " (expected %s)" % rule[len("expect: "):]
    elif rule.startswith("tolerance_pct: "):
        before_num = to_decimal(result.get("before"))
        after_num = to_decimal(result.get("after"))
        if before_num == 0:
            text += " (before is 0, so any change exceeds the tolerance)"
        elif before_num is not None and after_num is not None:
            change = abs(after_num - before_num) / abs(before_num) * 100
            text += " (changed %s%%)" % _format_number(change)
    return text
