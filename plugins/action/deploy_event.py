# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for guarded.deploy.deploy_event (documentation: plugins/modules/deploy_event.py).

Runs on the controller only: no connection, no module transfer.  It validates the
arguments, builds one run-record event (schema: module_utils/run_record.py), masks the
secrets it can find in the host's variables, and returns the event as
``guarded_deploy_event`` for the ``guarded.deploy.deploy_log`` callback to journal.
"""

from __future__ import annotations

import getpass
import os
import socket

from ansible.plugins.action import ActionBase

from ansible_collections.guarded.deploy.plugins.module_utils.pipeline import (
    HOST_STATUSES,
    PHASES,
    PHASE_STATUSES,
)
from ansible_collections.guarded.deploy.plugins.module_utils.run_record import (
    scrub,
    secrets_from_vars,
    utc_now,
)

OPERATOR_ENV = "GUARDED_DEPLOY_OPERATOR"

ARGUMENT_SPEC = dict(
    run=dict(type="dict"),
    phase=dict(type="str", choices=list(PHASES)),
    status=dict(type="str", choices=list(PHASE_STATUSES)),
    data=dict(type="dict"),
    host_status=dict(type="str", choices=list(HOST_STATUSES)),
    error=dict(type="dict"),
)
EVENT_OPTIONS = ("run", "phase", "data", "host_status", "error")


def _operator():
    name = os.environ.get(OPERATOR_ENV)
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name (e.g. a container without a passwd entry)
        return None


class ActionModule(ActionBase):
    """Build one run-record event on the controller."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def _secrets(self, task_vars):
        def render(value):
            return self._templar.template(value)

        return secrets_from_vars(task_vars, render=render)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            required_one_of=[EVENT_OPTIONS],
            required_together=[("phase", "status")],
        )
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp

        event = {"at": utc_now(), "host": task_vars.get("inventory_hostname")}
        if args.get("run") is not None:
            run = dict(args["run"])
            if run.get("check_mode") is None:
                run["check_mode"] = bool(self._task.check_mode or task_vars.get("ansible_check_mode"))
            if not run.get("operator"):
                run["operator"] = _operator()
            if run.get("log_dir"):
                run["log_dir"] = os.path.abspath(os.path.expanduser(str(run["log_dir"])))
            event["run"] = run
        if args.get("phase") is not None:
            event["phase"] = args["phase"]
            event["phase_status"] = args["status"]
        for key in ("data", "host_status", "error"):
            if args.get(key) is not None:
                event[key] = args[key]
        if isinstance(event.get("error"), dict):
            error = event["error"]
            event["error"] = {
                "task": error.get("task"),
                "msg": error.get("msg"),
                "phase": error.get("phase", args.get("phase")),
            }

        # The ansible-playbook process (the worker's parent) on this controller: the deploy
        # lock names it, so a later run can tell a lock left by a process that is gone.
        result.update(
            changed=False,
            guarded_deploy_event=scrub(event, self._secrets(task_vars)),
            controller={"host": socket.gethostname(), "pid": os.getppid()},
        )
        return result
