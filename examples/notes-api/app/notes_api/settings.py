"""Settings, all from the environment (the systemd unit reads /etc/notes-api/notes-api.env
when it exists). The default fits the demo: database ``notes`` over the unix socket in
/var/run/postgresql with peer authentication as the OS user running the app (``notes``).
"""
import os

DATABASE_URL = os.environ.get(
    "NOTES_DATABASE_URL",
    "postgresql+psycopg2:///notes?host=/var/run/postgresql",
)
