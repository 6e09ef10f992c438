"""WSGI entry point: gunicorn ... ledger_site.wsgi:application

v5 needs a new setting, LEDGER_PAYMENT_PROVIDER_URL (the payment provider it reports
to), and refuses to start without it. It is the "config drift" case of the tests: the
release is fine, but one host's /etc/ledger/ledger.env lacks the setting, so gunicorn
cannot boot on that host only, while `manage.py migrate` (which does not load this
file) still works everywhere.
"""
import os

from django.core.wsgi import get_wsgi_application

if not os.environ.get("LEDGER_PAYMENT_PROVIDER_URL"):
    raise RuntimeError(
        "LEDGER_PAYMENT_PROVIDER_URL is not set: Ledger v5 needs the payment provider's URL "
        "(set it in /etc/ledger/ledger.env)"
    )

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledger_site.settings")

application = get_wsgi_application()
