"""gunicorn settings of the Ledger unit (``gunicorn --config /etc/ledger/gunicorn.conf.py``).

One server hook: each worker, once it has imported the app (``post_worker_init``), creates
``$RUNTIME_DIRECTORY/ready.<pid>`` and removes it when it exits (``worker_exit``). systemd
sets ``RUNTIME_DIRECTORY`` (``RuntimeDirectory=ledger`` makes ``/run/ledger``, owned by the
service's user, removed when it stops). ``gunicorn-rolling-reload.sh``, the unit's
``ExecReload=``, waits for these files before it stops an old worker. Without the variable
(gunicorn started by hand) the hooks do nothing.
"""

import os

READY_DIR = os.environ.get("RUNTIME_DIRECTORY", "")


def _marker(pid):
    return os.path.join(READY_DIR, "ready.%d" % pid)


def post_worker_init(worker):
    """The worker has loaded the app and is about to accept requests."""
    if READY_DIR:
        with open(_marker(worker.pid), "w", encoding="ascii"):
            pass


def worker_exit(server, worker):  # pylint: disable=unused-argument
    """The worker is exiting (in the worker's own process)."""
    if READY_DIR:
        try:
            os.unlink(_marker(worker.pid))
        except FileNotFoundError:
            pass
