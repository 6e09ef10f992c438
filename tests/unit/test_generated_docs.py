# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generated documentation is up to date with its source."""

from __future__ import annotations

import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_docs", os.path.join(ROOT, "scripts", "gen-docs.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_inventory_contract_is_generated_from_the_deploy_role_specs():
    generator = load_generator()
    with open(generator.TARGET, encoding="utf-8") as handle:
        current = handle.read()
    assert current == generator.render(), "docs/inventory-contract.md is stale: run .venv/bin/python scripts/gen-docs.py"


def test_the_contract_lists_every_option_once():
    generator = load_generator()
    text = generator.render()
    import yaml
    with open(generator.SPECS, encoding="utf-8") as handle:
        options = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    for name in options:
        assert text.count("| `%s` |" % name) == 1, name
    assert "Required (each says when in its description): `deploy_app`" in text
    assert "C(" not in text and "O(" not in text
