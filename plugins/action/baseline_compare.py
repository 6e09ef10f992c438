# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side action for guarded.deploy.baseline_compare (documented in plugins/modules)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible_collections.guarded.deploy.plugins.module_utils.baseline_rules import (
    compare,
    format_violation,
    validate_baseline_specs,
)

ARGUMENT_SPEC = dict(
    baselines=dict(type='list', elements='dict', required=True),
    before=dict(type='dict'),
    after=dict(type='dict'),
    fail_on_violation=dict(type='bool', default=True),
)


class ActionModule(ActionBase):
    """Validate baseline specs, or compare before/after values against their rules."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        if task_vars is None:
            task_vars = dict()

        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # tmp no longer has any effect

        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        specs = args['baselines']
        result['changed'] = False

        errors = validate_baseline_specs(specs)
        if errors:
            result.update(
                failed=True,
                ok=False,
                errors=errors,
                msg="Invalid baselines (%d error%s): %s" % (
                    len(errors), "" if len(errors) == 1 else "s", "; ".join(errors)),
            )
            return result

        if args['after'] is None:
            # Preflight: the specs are valid, nothing to compare yet.
            result.update(ok=True, msg="%d baseline spec%s valid" % (
                len(specs), "" if len(specs) == 1 else "s"))
            return result

        results = compare(specs, args['before'], args['after'])
        failed = [r for r in results if not r['ok'] and r['severity'] == 'fail']
        warned = [r for r in results if not r['ok'] and r['severity'] == 'warn']

        for item in warned:
            self._display.warning("Baseline warning: %s" % format_violation(item))

        result.update(
            results=results,
            violations=[r['name'] for r in failed],
            warned=[r['name'] for r in warned],
            ok=not failed,
        )

        if failed:
            msg = "Baseline check failed: " + "; ".join(format_violation(r) for r in failed)
            result['msg'] = msg
            # with fail_on_violation false the caller decides (and says) what happens next
            result['failed'] = args['fail_on_violation']
        else:
            msg = "All %d baseline%s ok" % (len(results), "" if len(results) == 1 else "s")
            if warned:
                msg += " (%d warning%s: %s)" % (len(warned), "" if len(warned) == 1 else "s",
                                                ", ".join(r['name'] for r in warned))
            result['msg'] = msg
        return result
