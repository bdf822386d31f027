"""compsem.app.sidebar: the once-per-process warm-up after the first page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_warm_up_imports_scipy_stats_and_freezes_the_collected_heap():
    # in a fresh process: freezing this test process's heap would outlive the test
    code = (
        "import gc, sys; from compsem.app import sidebar; "
        "before = ('scipy.stats' in sys.modules, gc.get_freeze_count()); "
        "sidebar._warm_up(0); "
        "print(before, 'scipy.stats' in sys.modules, gc.get_freeze_count() > 10000, sidebar.WARM_UP_DONE.is_set())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["(False,", "0)", "True", "True", "True"], done.stdout
