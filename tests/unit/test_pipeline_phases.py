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
