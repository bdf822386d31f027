"""``python -m compsem.cli``: the same as the ``compsem`` command."""

import sys

from compsem.cli import main

if __name__ == "__main__":  # importing this module (a walk over the package) must not run the command
    sys.exit(main())
