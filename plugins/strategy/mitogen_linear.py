# -*- coding: utf-8 -*-
# Copyright: guarded.deploy maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The linear strategy run by Mitogen for Ansible, addressable by FQCN."""

from __future__ import annotations

DOCUMENTATION = r"""
name: mitogen_linear
short_description: The linear strategy over Mitogen, with a fallback to plain linear
version_added: "0.1.0"
description:
  - The collection's default strategy (C(strategy = guarded.deploy.mitogen_linear) in the
    repository's C(ansible.cfg) and in the molecule scenarios). It is Mitogen for
    Ansible's own C(mitogen_linear) strategy (PyPI C(mitogen), pinned in
    C(requirements.txt)), reachable by its FQCN so that no C(strategy_plugins) path into
    a virtual environment has to be written in C(ansible.cfg).
  - Mitogen keeps one Python interpreter per host and runs modules in it, instead of
    copying and starting each module. Over the podman connection it halved a deploy of the
    demo (101 s to 50 s); over SSH with pipelining it made no measurable difference
    (C(docs/PERFORMANCE.md), benchmark 8). Task order, results and the run record are the
    same as with C(ansible.builtin.linear).
  - Mitogen takes over the connections named by their short names C(ssh), C(podman),
    C(docker), C(buildah), C(kubectl), C(jail), C(lxc), C(lxd), C(machinectl) and
    C(setns) (so write C(ansible_connection=podman), not C(containers.podman.podman)); any
    other connection runs as it would under linear.
  - Over a container connection (C(podman), C(docker)) Mitogen runs interpreter discovery
    again for every task while C(ansible_python_interpreter) is C(auto) (the default), which
    starts the interpreter candidates anew each time; on the test hosts a task cost 0.35 s
    instead of 0.09 s. Name the interpreter for such hosts
    (C(ansible_python_interpreter=/usr/bin/python3), as
    C(inventories/demo/group_vars/all.yml) does for the demo and the
    molecule scenarios). Over C(ssh) the discovered interpreter is kept for the run.
  - Unlike Mitogen's own C(mitogen_linear), this strategy leaves the C(local) connection
    (the controller's own tasks, and those delegated to C(localhost)) to Ansible. Under
    Mitogen an C(async) task of C(containers.podman.podman_container) on the controller
    hung for good in a forked child (molecule's podman driver creates its containers that
    way), and the controller's own tasks gain little from Mitogen.
  - When the C(mitogen) package cannot be imported by the controller's Python, the
    strategy warns once and runs as C(ansible.builtin.linear), so a missing optional
    speed-up never stops a deploy.
  - To turn Mitogen off for one run, for example for a connection or become method it does
    not support, set C(ANSIBLE_STRATEGY=linear) (or C(strategy = linear) in the
    C(ansible.cfg) in use).
  - ansible-core 2.19 prints a deprecation warning for every strategy plugin outside
    C(ansible.builtin), this one included; it announces no change of behaviour.
author:
  - guarded.deploy maintainers (@guarded)
"""

from ansible.plugins.strategy.linear import StrategyModule as _Linear
from ansible.utils.display import Display

try:
    import ansible_mitogen.strategy
except ImportError as exc:  # mitogen not installed: plain linear
    _MITOGEN_ERROR = exc
    _BASES = (_Linear,)
else:
    _MITOGEN_ERROR = None
    _BASES = (ansible_mitogen.strategy.StrategyMixin, _Linear)
    # the controller's own tasks keep Ansible's local connection (see DOCUMENTATION)
    ansible_mitogen.strategy.REDIRECTED_CONNECTION_PLUGINS = tuple(
        name for name in ansible_mitogen.strategy.REDIRECTED_CONNECTION_PLUGINS if name != 'local')

display = Display()


class StrategyModule(*_BASES):
    """Mitogen's strategy mixin over Ansible's linear strategy (plain linear without it)."""

    def __init__(self, tqm):
        if _MITOGEN_ERROR is not None:
            display.warning(
                "guarded.deploy.mitogen_linear: Mitogen is not importable (%s); running with the "
                "linear strategy. Install the pinned `mitogen` from requirements.txt for faster "
                "runs, or set ANSIBLE_STRATEGY=linear to silence this." % (_MITOGEN_ERROR,))
        super().__init__(tqm)
