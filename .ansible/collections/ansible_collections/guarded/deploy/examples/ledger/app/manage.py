#!/usr/bin/env python3
"""Django's command-line utility for the Ledger sample app.

On the Debian 12 host run it with the system interpreter: /usr/bin/python3 manage.py ...
"""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledger_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
