# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The phase names live in plugins/module_utils/pipeline.py; the YAML that needs them
as data (the deploy_hooks keys of guarded.deploy.preflight) must list the same ones, and
every phase the pipeline's task files run must be one of them."""

from __future__ import annotations

import os
import re

import yaml

from ansible_collections.guarded.deploy.plugins.module_utils.pipeline import PHASES

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_hook_phases_are_the_pipeline_phases():
    with open(os.path.join(REPO, "roles", "preflight", "vars", "main.yml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert tuple(data["__preflight_hook_phases"]) == PHASES


def test_every_phase_the_pipeline_runs_is_known():
    tasks = os.path.join(REPO, "roles", "pipeline", "tasks")
    used = set()
    for name in os.listdir(tasks):
        with open(os.path.join(tasks, name), encoding="utf-8") as handle:
            used.update(re.findall(r"__pipeline_phase: (\w+)", handle.read()))
    assert used, "no phase found: the pattern no longer matches the task files"
    assert used <= set(PHASES), sorted(used - set(PHASES))


def test_every_step_hook_is_called_before_and_after_and_listed():
    """roles/deploy/vars/main.yml's __deploy_hook_steps is the list preflight accepts; each
    step in it must be called by a role both before and after, and no role may call another."""
    with open(os.path.join(REPO, "roles", "deploy", "vars", "main.yml"), encoding="utf-8") as handle:
        steps = yaml.safe_load(handle)["__deploy_hook_steps"]
    calls = set()
    for root, dummy, files in os.walk(os.path.join(REPO, "roles")):
        for name in files:
            if name.endswith(".yml") and os.path.basename(root) == "tasks":
                with open(os.path.join(root, name), encoding="utf-8") as handle:
                    text = handle.read()
                for when, step in re.findall(r"__deploy_hook: (before|after)_(\w+)", text):
                    assert "'%s_%s' in deploy_hooks" % (when, step) in text, (name, when, step)
                    calls.add((when, step))
    expected = {(when, step) for step in steps for when in ("before", "after")}
    assert calls == expected, {"not called": sorted(expected - calls), "not listed": sorted(calls - expected)}
    assert set(steps.values()) <= set(PHASES), steps
