# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep every role's meta/argument_specs.yml in sync with its defaults/main.yml.

The options of a role's ``main`` entry point are exactly the variables of its
``defaults/main.yml``, with the same defaults. The one exception is guarded.deploy.deploy,
which also documents the required inputs that have no default (the ones
guarded.deploy.preflight checks). Every entry point is a task file of the role, and every
``tasks_from`` used in the collection has an entry point.

Uses only PyYAML: the files are compared as data, the way YAML loads them (a templated
string default is compared as the raw string).
"""

from __future__ import annotations

import os

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES_DIR = os.path.join(REPO, "roles")
ROLES = sorted(
    name for name in os.listdir(ROLES_DIR)
    if os.path.isdir(os.path.join(ROLES_DIR, name, "tasks"))
)

# Inputs of the contract that the pipeline computes when they are not given (documented,
# no default in defaults/main.yml because the value is chosen per run).
CONTRACT_COMPUTED_INPUTS = {"deploy_run_id"}

# Inputs of the inventory contract without a default: documented by guarded.deploy.deploy
# (not marked required, so preflight's message is the one the user sees).
CONTRACT_REQUIRED_INPUTS = {
    "deploy_app",
    "deploy_repo",
    "deploy_version",
    "deploy_app_dir",
    "deploy_db",
    "deploy_services",
    "deploy_health_url",
}

# Stack task files that deploy_stack selects (tasks/<deploy_stack>.yml).
STACK_ROLES = ("migrate", "cache_clear")

# Entry point keys every entry point carries (see the roles' README "Role Variables").
ENTRY_POINT_KEYS = ("short_description", "description", "author", "options")

# Python types a documented default may have, by argument spec type.
TYPES = {
    "str": (str,),
    "path": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _defaults(role):
    path = os.path.join(ROLES_DIR, role, "defaults", "main.yml")
    if not os.path.exists(path):
        return {}
    return _load(path) or {}


def _specs(role):
    path = os.path.join(ROLES_DIR, role, "meta", "argument_specs.yml")
    assert os.path.exists(path), "roles/%s/meta/argument_specs.yml is missing" % role
    data = _load(path) or {}
    assert isinstance(data.get("argument_specs"), dict), (
        "roles/%s/meta/argument_specs.yml has no `argument_specs:` mapping" % role)
    return data["argument_specs"]


def _main_options(role):
    specs = _specs(role)
    assert "main" in specs, "roles/%s/meta/argument_specs.yml has no `main` entry point" % role
    return specs["main"].get("options") or {}


def _same(left, right):
    """Equality as loaded from YAML, but True is not 1 and 0 is not False."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right))
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    return type(left) is type(right) and left == right


def _of_type(value, type_name):
    if type_name not in TYPES:  # raw, or a type without a simple Python equivalent
        return True
    if isinstance(value, bool) and bool not in TYPES[type_name]:
        return False
    return isinstance(value, TYPES[type_name])


def _walk_options(options, prefix=""):
    """(dotted name, spec) of every option and sub-option."""
    for name, spec in (options or {}).items():
        yield prefix + name, spec
        if isinstance(spec, dict) and spec.get("options"):
            yield from _walk_options(spec["options"], prefix + name + ".")


# --- (a) every default is documented, with the same value ----------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_an_option_of_main(role):
    options = _main_options(role)
    problems = []
    for name, value in _defaults(role).items():
        if name not in options:
            problems.append("%s is in defaults/main.yml but not an option of `main`" % name)
        elif "default" not in options[name]:
            problems.append("%s has no `default` in argument_specs.yml (defaults/main.yml: %r)"
                            % (name, value))
        elif not _same(options[name]["default"], value):
            problems.append("%s: argument_specs default %r != defaults/main.yml %r"
                            % (name, options[name]["default"], value))
    assert not problems, "roles/%s: %s" % (role, "; ".join(problems))


# --- (b) every documented option is a default (or a required contract input) ------------

@pytest.mark.parametrize("role", ROLES)
def test_every_option_of_main_is_a_default(role):
    defaults = _defaults(role)
    allowed = (CONTRACT_REQUIRED_INPUTS | CONTRACT_COMPUTED_INPUTS) if role == "deploy" else set()
    extra = sorted(set(_main_options(role)) - set(defaults) - allowed)
    assert not extra, (
        "roles/%s: option(s) of `main` not in defaults/main.yml: %s" % (role, ", ".join(extra)))


def test_required_inputs_are_documented_without_default():
    options = _main_options("deploy")
    for name in sorted(CONTRACT_REQUIRED_INPUTS):
        assert name in options, "guarded.deploy.deploy does not document required input %s" % name
        spec = options[name]
        assert "default" not in spec, "%s is a required input and must have no default" % name
        # Ansible's own validation must not pre-empt preflight's message.
        assert spec.get("required") is not True, "%s must not be `required: true`" % name
        text = " ".join(spec.get("description") or [])
        assert text.startswith("Required"), "%s: description must start with 'Required'" % name
        assert name not in _defaults("deploy"), "%s is required but has a default" % name


def test_required_inputs_match_what_preflight_checks():
    checked = set(_defaults("preflight")["preflight_required_vars"])
    assert checked == CONTRACT_REQUIRED_INPUTS, (
        "preflight_required_vars %s differs from the required inputs documented in "
        "guarded.deploy.deploy %s" % (sorted(checked), sorted(CONTRACT_REQUIRED_INPUTS)))


# --- (c) entry points are task files, and task files used as entry points have one ----

@pytest.mark.parametrize("role", ROLES)
def test_every_entry_point_is_a_task_file(role):
    missing = [name for name in _specs(role)
               if not os.path.exists(os.path.join(ROLES_DIR, role, "tasks", name + ".yml"))]
    assert not missing, "roles/%s: entry point(s) without tasks/<name>.yml: %s" % (role, missing)


def _task_files():
    for base in ("roles", "playbooks"):
        for dirpath, dummy, filenames in os.walk(os.path.join(REPO, base)):
            for filename in filenames:
                if filename.endswith((".yml", ".yaml")) and os.sep + "meta" not in dirpath:
                    yield os.path.join(dirpath, filename)


def _role_entry_uses(node):
    """(role, tasks_from) of every include_role/import_role and pipeline phase in node."""
    if isinstance(node, dict):
        for key in ("ansible.builtin.include_role", "ansible.builtin.import_role",
                    "include_role", "import_role"):
            args = node.get(key)
            if isinstance(args, dict) and str(args.get("name", "")).startswith("guarded.deploy."):
                yield args["name"].split(".", 2)[2], args.get("tasks_from", "main")
        # guarded.deploy.pipeline runs each phase as include_role of __pipeline_role.
        if "__pipeline_role" in node:
            yield node["__pipeline_role"], node.get("__pipeline_tasks_from", "main")
        for value in node.values():
            yield from _role_entry_uses(value)
    elif isinstance(node, list):
        for value in node:
            yield from _role_entry_uses(value)


def test_every_tasks_from_used_has_an_entry_point():
    problems = []
    for path in _task_files():
        for role, entry in _role_entry_uses(_load(path)):
            if "{" in str(role) or "{" in str(entry):
                continue  # templated; the pipeline's phases are checked through their vars
            if role not in ROLES:
                problems.append("%s: unknown role guarded.deploy.%s" % (path, role))
            elif entry not in _specs(role):
                problems.append("%s: guarded.deploy.%s tasks_from %s has no entry point"
                                % (os.path.relpath(path, REPO), role, entry))
    assert not problems, "; ".join(problems)


# --- the shape of every entry point --------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_entry_points_are_complete(role):
    problems = []
    for entry, spec in _specs(role).items():
        for key in ENTRY_POINT_KEYS:
            if key not in spec:
                problems.append("%s: no %s" % (entry, key))
        for name, option in _walk_options(spec.get("options")):
            if not option.get("type"):
                problems.append("%s: option %s has no type" % (entry, name))
            if not option.get("description"):
                problems.append("%s: option %s has no description" % (entry, name))
            if option.get("required") is True and "default" in option:
                problems.append("%s: option %s is required and has a default" % (entry, name))
            if "default" in option and not _of_type(option["default"], option.get("type")):
                problems.append("%s: default of %s is not a %s" % (entry, name, option.get("type")))
            if "choices" in option and "default" in option and option["default"] not in option["choices"]:
                problems.append("%s: default of %s is not one of its choices" % (entry, name))
            if option.get("type") == "list" and option.get("elements") in TYPES:
                for item in option.get("default") or []:
                    if not _of_type(item, option["elements"]):
                        problems.append("%s: an item of the default of %s is not a %s"
                                        % (entry, name, option["elements"]))
    assert not problems, "roles/%s: %s" % (role, "; ".join(problems))


@pytest.mark.parametrize("role", ROLES)
def test_other_entry_points_document_role_options_as_main_does(role):
    main = _main_options(role)
    problems = []
    for entry, spec in _specs(role).items():
        if entry == "main":
            continue
        for name, option in (spec.get("options") or {}).items():
            if name not in main:
                problems.append("%s: option %s is not an option of main" % (entry, name))
            elif {k: v for k, v in option.items() if k != "description"} != \
                    {k: v for k, v in main[name].items() if k != "description"}:
                problems.append("%s: option %s differs from main's" % (entry, name))
    assert not problems, "roles/%s: %s" % (role, "; ".join(problems))


def test_deploy_stack_choices_are_the_stacks_with_task_files():
    stacks = None
    for role in STACK_ROLES:
        names = {f[:-4] for f in os.listdir(os.path.join(ROLES_DIR, role, "tasks"))
                 if f.endswith(".yml") and f != "main.yml"}
        stacks = names if stacks is None else stacks & names
    choices = set(_main_options("deploy")["deploy_stack"].get("choices") or [])
    assert choices == stacks, (
        "deploy_stack choices %s != stacks with tasks/<stack>.yml in %s: %s"
        % (sorted(choices), ", ".join(STACK_ROLES), sorted(stacks)))


@pytest.mark.parametrize("role", ROLES)
def test_readme_names_every_role_variable(role):
    path = os.path.join(ROLES_DIR, role, "README.md")
    assert os.path.exists(path), "roles/%s/README.md is missing" % role
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    names = set(_defaults(role)) | (CONTRACT_REQUIRED_INPUTS if role == "deploy" else set())
    missing = sorted(name for name in names if name not in text)
    assert not missing, "roles/%s/README.md does not mention %s" % (role, ", ".join(missing))
