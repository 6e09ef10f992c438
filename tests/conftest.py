"""Make ``ansible_collections.guarded.deploy`` importable from the checkout.

``collections/ansible_collections/guarded/deploy`` is a symlink to the repository root,
so the tests import the plugins exactly as Ansible does (by their collection path).
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, "collections")
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)
