"""WSGI entry point: gunicorn ... ledger_site.wsgi:application

v4 is broken on purpose (the "service will not start" case of the tests): it loads a
settings module the release forgot to add, so gunicorn's workers cannot boot, while
`manage.py migrate` (which does not load this file) still works.
"""
import os

from django.core.wsgi import get_wsgi_application

from ledger_site import settings_production  # missing from the release

os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_production.__name__)

application = get_wsgi_application()
