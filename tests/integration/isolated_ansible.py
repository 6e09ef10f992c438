"""The environment for running a real ansible-playbook of this collection in a test.

The repository's ansible.cfg (and any ANSIBLE_*/GUARDED_DEPLOY_* setting of the caller) is
left out: an empty ansible.cfg in the work directory, the collection from the checkout,
the deploy_log callback on, temporary directories inside the work directory.
"""
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(REPO, "collections")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def isolated_ansible_env(work, **extra):
    """Write <work>/ansible.cfg (empty) and return the environment for ansible-playbook."""
    (work / "ansible.cfg").write_text("[defaults]\n", encoding="utf-8")
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith("ANSIBLE_") and not k.startswith("GUARDED_DEPLOY_"))
    env.update(
        ANSIBLE_CONFIG=str(work / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_CALLBACKS_ENABLED="guarded.deploy.deploy_log",
        ANSIBLE_LOCAL_TEMP=str(work / ".ansible-tmp"),
        ANSIBLE_REMOTE_TEMP=str(work / ".ansible-remote-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCALHOST_WARNING="0",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
    )
    env.update(extra)
    return env


def local_become_vars():
    """The roles become deploy_db_become_user for database work: as root, su to root (no
    password); otherwise no become at all (the test server trusts local connections)."""
    if os.geteuid() == 0:
        return {"deploy_db_become_user": "root", "ansible_become_method": "su"}
    return {"ansible_become": False}


def db_vars(server, name):
    """deploy_db for database `name` of the test server (unix socket, trust auth)."""
    return {"deploy_db": {"name": name, "host": server.socket_dir, "port": server.port, "user": "postgres"}}
