"""``python -m compsem.cli``: the same as the ``compsem`` command."""

import sys

from compsem.cli import main

sys.exit(main())
