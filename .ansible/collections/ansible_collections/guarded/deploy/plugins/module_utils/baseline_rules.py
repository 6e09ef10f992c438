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

A rule is one of the strings ``equal``, ``not_decrease``, ``not_increase`` or a dict
with exactly one key: ``{min: N}``, ``{max: N}``, ``{expect: VALUE}``,
``{tolerance_pct: P}``.

Numbers are compared as :class:`decimal.Decimal` built from ``str(value)``, so ints,
exact decimal strings such as ``"12.30"`` (how the baseline module returns
``numeric`` columns) and floats compare exactly.  ``bool`` is not a number.

This file is imported by a module (it runs on the managed host), so it stays
compatible with Python 3.8 and uses only the standard library.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# Rules that are written as a bare string.
SIMPLE_RULES = ("equal", "not_decrease", "not_increase")
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

SEVERITIES = ("fail", "warn")
DEFAULT_RULE = "not_decrease"
DEFAULT_SEVERITY = "fail"

# Keys a baseline spec may carry.
SPEC_KEYS = ("name", "sql", "rule", "severity", "description")

KNOWN_RULES_TEXT = (
    "equal, not_decrease, not_increase, {min: N}, {max: N}, {expect: VALUE}, {tolerance_pct: P}"
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
    hint = ""
    if isinstance(value, (list, tuple)):
        hint = " (the query must return exactly one row with one numeric column)"
    return "%s %s: %s value %s (%s) is not a number%s" % (
        desc, CANNOT_CHECK, which, format_value(value), _type_name(value), hint)


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
    (int, float, Decimal or numeric strings; not bool); anything else gives
    ``(False, "... cannot be checked: ...")``.
    """
    desc = describe_rule(rule)
    try:
        name, arg = parse_rule(rule)
    except ValueError as exc:
        return False, "%s %s: %s" % (desc, CANNOT_CHECK, exc)

    if name in ("equal", "expect"):
        if name == "equal":
            ok = values_equal(before, after)
            detail = "before %s, after %s" % (format_value(before), format_value(after))
        else:
            ok = values_equal(after, arg)
            detail = "after %s" % format_value(after)
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

        if name not in after:
            ok, message = False, "%s %s: no 'after' value was captured for this baseline" % (
                desc, CANNOT_CHECK)
        elif rule_name is not None and rule_name not in AFTER_ONLY_RULES and name not in before:
            ok, message = False, "%s %s: no 'before' value was captured for this baseline" % (
                desc, CANNOT_CHECK)
        else:
            ok, message = evaluate(rule, before_value, after_value)

        results.append(dict(
            name=name,
            rule=desc,
            severity=severity,
            before=before_value,
            after=after_value,
            ok=bool(ok),
            message="%s: %s" % (name, message),
        ))
    return results


def format_violation(result):
    """One line for a failed compare() result: ``name (rule): before X, after Y``.

    When the rule could not be evaluated at all (missing or non-numeric value) the
    reason is appended.
    """
    text = "%s (%s): before %s, after %s" % (
        result.get("name"), result.get("rule"),
        format_value(result.get("before")), format_value(result.get("after")))
    message = result.get("message") or ""
    rule = result.get("rule") or ""
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
