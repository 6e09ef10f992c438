"""The release version of the Ledger app: the one place it lives.

Shown on the home page and returned by /health/, so a deploy can tell which
release is actually serving traffic.
"""

VERSION = "v5"
