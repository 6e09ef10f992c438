# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the get-pip.py that ansible-test downloads from its own CI file host,
which these machines cannot reach (only the package registries are).

ansible-test runs the cached script as `python get_pip_X_Y.py [pip options] pip==X.Y
[--no-setuptools] [--no-wheel]` inside each new virtual environment. This does the same
with what the standard library and the package index provide: ensurepip installs the pip
bundled with Python, which then installs the requested packages from the index configured
on the machine. scripts/sanity.sh copies it to ~/.ansible/test/cache/get_pip_X_Y.py.
"""

import ensurepip
import importlib
import os
import sys


def main():
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    saved = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    # ensurepip sets PIP_CONFIG_FILE=/dev/null for its own offline install; the real
    # install must see the machine's pip configuration (index, certificates) again.
    os.environ.clear()
    os.environ.update(saved)
    importlib.invalidate_caches()
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    return pip_main(["install", "--upgrade"] + args)


if __name__ == "__main__":
    sys.exit(main())
