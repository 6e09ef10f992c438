"""Settings for the Ledger sample app.

Everything a deploy may need to change comes from environment variables (on the
host: /etc/ledger/ledger.env, read by the systemd unit). Defaults fit the demo:
PostgreSQL database ``ledger`` reached as role ``ledger`` over the unix socket in
/var/run/postgresql with peer authentication (no password).

LEDGER_SECRET_KEY has a default so the demo starts without any configuration.
That default is public (it is in this file): any real deployment MUST set its own.
"""
import os
from pathlib import Path

# The app directory (the git checkout, e.g. /srv/ledger).
BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get(
    "LEDGER_SECRET_KEY",
    "ledger-demo-only-secret-key-set-LEDGER_SECRET_KEY-in-production",
)

DEBUG = False

ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ledger_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
            ],
        },
    },
]

WSGI_APPLICATION = "ledger_site.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("LEDGER_DB_NAME", "ledger"),
        "USER": os.environ.get("LEDGER_DB_USER", "ledger"),
        "PASSWORD": os.environ.get("LEDGER_DB_PASSWORD", ""),
        # A path (starting with "/") means the unix socket directory.
        "HOST": os.environ.get("LEDGER_DB_HOST", "/var/run/postgresql"),
        "PORT": os.environ.get("LEDGER_DB_PORT", "5432"),
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_L10N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("LEDGER_STATIC_ROOT", str(BASE_DIR / "staticfiles"))

# Errors go to stderr, so gunicorn hands them to the journal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "payments": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
