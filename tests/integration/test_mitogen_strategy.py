# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's default strategy guarded.deploy.mitogen_linear.

It is Mitogen's strategy mixin over Ansible's linear strategy, leaves the controller's own
`local` connection to Ansible, and runs as plain linear (with one warning) where Mitogen
cannot be imported. A real ansible-playbook runs it both ways here; the molecule scenarios
run it against real hosts over the podman connection (molecule/django asserts that their
tasks ran in Mitogen's interpreter on the host).
"""

from __future__ import annotations

import subprocess
import sys

import ansible.plugins.strategy.linear
import ansible_mitogen.strategy

from ansible_collections.guarded.deploy.plugins.strategy import mitogen_linear
from isolated_ansible import ANSIBLE_PLAYBOOK, isolated_ansible_env

PLAYBOOK = r"""
- name: Run two tasks under the strategy
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Run a command
      ansible.builtin.command: echo strategy-ran
      register: out
      changed_when: false

    - name: Check its output
      ansible.builtin.assert:
        that: out.stdout == 'strategy-ran'
"""

WARNING = "guarded.deploy.mitogen_linear: Mitogen is not importable"


def _run(tmp_path, **env_extra):
    (tmp_path / "site.yml").write_text(PLAYBOOK, encoding="utf-8")
    (tmp_path / "hosts").write_text("localhost ansible_connection=local\n", encoding="utf-8")
    env = isolated_ansible_env(tmp_path, ANSIBLE_STRATEGY="guarded.deploy.mitogen_linear", **env_extra)
    argv = [ANSIBLE_PLAYBOOK, "-i", "hosts", "site.yml", "-e", "ansible_python_interpreter=%s" % sys.executable]
    return subprocess.run(argv, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def test_the_strategy_is_mitogen_over_linear():
    assert issubclass(mitogen_linear.StrategyModule, ansible_mitogen.strategy.StrategyMixin)
    assert issubclass(mitogen_linear.StrategyModule, ansible.plugins.strategy.linear.StrategyModule)
    assert mitogen_linear.StrategyModule.__mro__.index(ansible_mitogen.strategy.StrategyMixin) < \
        mitogen_linear.StrategyModule.__mro__.index(ansible.plugins.strategy.linear.StrategyModule)


def test_the_controller_keeps_ansibles_local_connection_and_hosts_go_through_mitogen():
    redirected = ansible_mitogen.strategy.REDIRECTED_CONNECTION_PLUGINS
    assert "local" not in redirected
    assert {"ssh", "podman"} <= set(redirected)


def test_a_playbook_runs_under_the_strategy_without_a_warning(tmp_path):
    run = _run(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ok=2" in run.stdout
    assert WARNING not in run.stdout + run.stderr


def test_without_mitogen_it_runs_as_linear_and_says_so_once(tmp_path):
    # a package of the same name that fails to import stands for a controller without Mitogen
    shadow = tmp_path / "shadow" / "ansible_mitogen"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('no mitogen here')\n", encoding="utf-8")
    run = _run(tmp_path, PYTHONPATH=str(tmp_path / "shadow"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ok=2" in run.stdout
    out = run.stdout + run.stderr
    assert out.count(WARNING) == 1, out
    assert "no mitogen here" in out
