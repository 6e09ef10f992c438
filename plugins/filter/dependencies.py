# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that decide how a release gets its dependencies.

``dependencies_reuse``
    whether a new release may take a copy of the previous release's installed
    dependencies (``node_modules``) instead of installing them again: only when the lock
    file is byte for byte the previous release's, the previous install finished, and the
    new release has no dependency directory of its own yet. Returns ``{reuse, reason}``.

Documentation: the sidecar files ``<filter>.yml`` next to this one (ansible-doc -t filter).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def _stat(result, name):
    """The ``stat`` dict of an ansible.builtin.stat result (or of a bare stat dict)."""
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise AnsibleFilterError("dependencies_reuse: %s must be a stat result (a dict), got %r"
                                 % (name, type(result).__name__))
    return result.get("stat", result) or {}


def dependencies_reuse(lockfile, installed, previous_lockfile, previous_complete,
                       lockfile_name="package-lock.json"):
    """Decide whether the previous release's installed dependencies can be reused.

    Each argument is the result of ``ansible.builtin.stat`` (or its ``stat`` dict), or
    None when there is no previous release:
    ``lockfile`` the new release's lock file (with a checksum), ``installed`` its
    dependency directory, ``previous_lockfile`` the previous release's lock file (with a
    checksum of the same algorithm), ``previous_complete`` the file a finished install
    leaves in the previous release (npm: ``node_modules/.package-lock.json``).
    """
    new_lock = _stat(lockfile, "lockfile")
    new_dir = _stat(installed, "installed")
    old_lock = _stat(previous_lockfile, "previous_lockfile")
    old_done = _stat(previous_complete, "previous_complete")
    if previous_lockfile is None and previous_complete is None:
        return {"reuse": False, "reason": "no previous release to reuse"}
    if not new_lock.get("exists"):
        return {"reuse": False, "reason": "the release has no %s" % lockfile_name}
    if new_dir.get("exists"):
        return {"reuse": False, "reason": "the release has its own dependency directory already"}
    if not old_lock.get("exists"):
        return {"reuse": False, "reason": "the previous release has no %s" % lockfile_name}
    if not old_done.get("exists"):
        return {"reuse": False, "reason": "the previous release's install is not complete"}
    if not new_lock.get("checksum") or new_lock.get("checksum") != old_lock.get("checksum"):
        return {"reuse": False, "reason": "%s changed since the previous release" % lockfile_name}
    return {"reuse": True, "reason": "%s unchanged since the previous release" % lockfile_name}


class FilterModule(object):
    """guarded.deploy dependency filters."""

    def filters(self):
        return {"dependencies_reuse": dependencies_reuse}
