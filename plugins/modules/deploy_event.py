# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the guarded.deploy.deploy_event action (the code is plugins/action/deploy_event.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deploy_event
short_description: Record one event of a guarded deploy run (phase, data, status, error)
version_added: "0.1.0"
description:
  - Builds one structured event of the run record and returns it as RV(guarded_deploy_event).
    The C(guarded.deploy.deploy_log) callback appends every such event to
    C(<log_dir>/<run_id>/events.jsonl) and renders C(run.json) and C(execution-log.md)
    from that journal. Nothing else writes the record.
  - Runs on the controller only (an action plugin); it opens no connection and transfers
    no module, so it is cheap to call around every phase.
  - Secrets are masked as C(********) before the event leaves the plugin. Masked are the
    string values of C(deploy_db.password), C(ansible_password), C(ansible_become_password),
    C(ansible_become_pass) and of every variable whose name ends in C(_password) (secrets
    shorter than 4 characters are not searched for); the value of every key matching
    C(password), C(passwd), C(secret), C(token) or C(api_key); and the password of URLs
    of the form C(scheme://user:pass@host).
  - At least one of O(run), O(phase), O(data), O(host_status) or O(error) is required.
    When several are given they are applied in that order.
  - The event is returned in the task result, so do not set C(no_log) on this task (a
    censored result cannot be journaled).
  - The record's schema (keys of C(run.json), host record, phase entries) lives in
    C(plugins/module_utils/run_record.py); phase and status names in
    C(plugins/module_utils/pipeline.py).
options:
  run:
    description:
      - Run-level fields, deep-merged into the record (dicts merge, other values replace).
      - "Usual keys are C(run_id) (str, also the directory name of the record), C(app),
        C(deploy_version), C(inventory), C(links) (for example C({rolls_back: <run_id>})),
        C(signoff) (C({DevOps: <name>, Finance Manager: <name>, QA Lead: <name>}); the
        execution log's sign-off table shows these names) and C(log_dir)."
      - C(log_dir) (path, on the controller) is where the callback writes the record,
        unless the callback option C(log_dir) overrides it. A relative path is made
        absolute against the controller's current directory.
      - Defaults filled in when not given or null. C(check_mode) (bool) is true when the
        task or the play runs in check mode. C(operator) (str) is the value of the
        environment variable E(GUARDED_DEPLOY_OPERATOR) on the controller, else the
        controller's login name.
      - A record is one run; once C(run_id) is set, a later, different C(run_id) is ignored.
    type: dict
  phase:
    description:
      - A phase of the deploy pipeline of the host; requires O(status).
      - O(status=started) opens the phase; C(ok), C(failed) or C(skipped) closes the last
        open entry of this phase and records its C(duration_s) (seconds, 0.01 s
        resolution). A phase closed without being opened is recorded with duration 0.
    type: str
    choices: [preflight, baseline, backup, maintenance_on, code, migrate, caches, restart, verify, smoke, finish, rollback]
  status:
    description:
      - Status of O(phase). Required with O(phase), and only valid with it.
    type: str
    choices: [started, ok, failed, skipped]
  data:
    description:
      - Facts about the host, deep-merged into the host's record (dicts merge recursively;
        lists and scalars replace).
      - Keys the execution log shows are C(commit_before), C(commit_after),
        C(deploy_version), C(backup) (C(path), C(bytes), C(sha256), C(verified), C(files)),
        C(baselines) (list of C(name), C(rule), C(severity), C(before), C(after), C(ok),
        C(message), as returned by C(guarded.deploy.baseline_compare)), C(migrations)
        (list), C(health) (dict), C(smoke) (list of C(name), C(url), C(status),
        C(contains), C(actual_status), C(ok), C(msg)) and C(rollback) (C(performed),
        C(db_restored), C(reason)).
    type: dict
  host_status:
    description:
      - Final (or current) status of the host in this run. The run's status is derived
        from its hosts at the end of the playbook (any C(rollback_failed) makes the run
        C(rollback_failed), else any C(failed) makes it C(failed), else any C(rolled_back)
        makes it C(rolled_back)).
      - C(rollback_failed) is a host whose deploy failed and whose automatic rollback
        failed too, so its state is unknown.
    type: str
    choices: [running, succeeded, failed, rolled_back, rollback_failed]
  error:
    description:
      - An error to list in the record, as a dict with C(task) (str, the name of the task
        that failed), C(msg) (str) and C(phase) (str; defaults to O(phase) of this event,
        else the host's currently open phase). Other keys are dropped.
      - Failed tasks are recorded by the callback on their own; use this for errors the
        play handles itself, for example in a C(rescue) with C(ansible_failed_task.name)
        and C(ansible_failed_result.msg).
    type: dict
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Runs in check mode too, so a dry run has a record; C(run.check_mode) says it was one.
  diff_mode:
    support: none
  platform:
    platforms: all
    support: full
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
notes:
  - Without the C(guarded.deploy.deploy_log) callback enabled (for example
    C(callbacks_enabled = guarded.deploy.deploy_log) in C(ansible.cfg)) the events are
    only returned, not recorded.
seealso:
  - name: guarded.deploy.deploy_log callback
    description: Journals the events and renders run.json and execution-log.md.
    link: https://example.invalid/guarded/deploy
author:
  - guarded.deploy maintainers (@guarded)
"""

EXAMPLES = r"""
- name: Start the run record
  guarded.deploy.deploy_event:
    run:
      run_id: "{{ deploy_run_id }}"
      app: "{{ deploy_app }}"
      deploy_version: "{{ deploy_version }}"
      log_dir: "{{ deploy_log_dir }}"
  run_once: true

- name: Record that the backup phase starts
  guarded.deploy.deploy_event:
    phase: backup
    status: started

- name: Record the backup and close the phase
  guarded.deploy.deploy_event:
    phase: backup
    status: ok
    data:
      backup:
        path: "{{ __backup.path }}"
        bytes: "{{ __backup.bytes }}"
        sha256: "{{ __backup.sha256 }}"
        verified: true

- name: Record the failed task and roll back status (in a rescue)
  guarded.deploy.deploy_event:
    error:
      task: "{{ ansible_failed_task.name }}"
      msg: "{{ ansible_failed_result.msg | default('failed') }}"
    data:
      rollback: {performed: true, db_restored: true, reason: "baseline reconciled_payments decreased"}
    host_status: rolled_back

- name: Mark the host as deployed
  guarded.deploy.deploy_event:
    host_status: succeeded

- name: Link a rollback run to the run it rolls back
  guarded.deploy.deploy_event:
    run:
      run_id: "{{ deploy_run_id }}"
      links: {rolls_back: "{{ rollback_run_id }}"}
      log_dir: "{{ deploy_log_dir }}"
"""

RETURN = r"""
guarded_deploy_event:
  description:
    - The event, with secrets masked. Journaled by the C(guarded.deploy.deploy_log) callback.
    - Always has C(at) (UTC ISO-8601 timestamp with microseconds) and C(host) (the
      inventory hostname); then the fields given, C(status) being returned as
      C(phase_status).
  returned: success
  type: dict
  sample:
    at: "2026-11-21T02:00:03.123456+00:00"
    host: app1
    phase: backup
    phase_status: ok
    data:
      backup: {path: /var/backups/guarded-deploy/payments/20261121T020000Z-ab12cd3/db.dump, bytes: 104857600, sha256: 9f86d081884c7d65, verified: true}
controller:
  description:
    - The controller running the play - C(host) (its host name) and C(pid) (the process id
      of C(ansible-playbook)). guarded.deploy.preflight writes them into the deploy lock so
      that a later run can tell a lock whose process is gone.
  returned: success
  type: dict
  sample: {host: deploy-box, pid: 41230}
changed:
  description: Always false; recording an event changes nothing on the host.
  returned: always
  type: bool
  sample: false
"""
