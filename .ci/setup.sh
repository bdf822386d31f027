#!/usr/bin/env bash
# Set up a fresh machine for compsem: a virtual environment with compsem and its test tools,
# plus Debian's Chromium for the real-browser test. Safe to run again (it skips what is done).
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# torch is pinned by pyproject (>=2.4,<2.14) so pip takes the CPU wheel, not a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet -e ".[test]"

# Chromium for tests/test_browser.py (Playwright drives Debian's browser; its own download cannot work offline).
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
            || echo "setup: could not install chromium; the browser test will be skipped" >&2
    else
        echo "setup: /usr/bin/chromium is missing and this is not root; install chromium to run the browser test" >&2
    fi
fi
echo "setup: done ($(.venv/bin/python -c 'import torch, sentence_transformers as st; print("torch", torch.__version__, "/ sentence-transformers", st.__version__)'))"
