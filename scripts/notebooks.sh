#!/usr/bin/env bash
# Runs the three notebooks top to bottom in fresh kernels (headless, nbclient), small sizes by
# default; fails on any error. Needs python3 (skipped with a message without it); makes .venv
# and installs notebooks/requirements.txt into it when missing.
#
#   scripts/notebooks.sh [small|full]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-small}
if ! command -v python3 >/dev/null; then
    echo "notebooks: no python3 on PATH; skipping the notebooks" >&2
    exit 0
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
if ! .venv/bin/python -c 'import nbclient, nbformat, ipykernel, matplotlib' 2>/dev/null; then
    echo "notebooks: installing notebooks/requirements.txt into .venv"
    .venv/bin/pip install -q -r notebooks/requirements.txt ||
        { echo "notebooks: could not install notebooks/requirements.txt from PyPI (offline?)" >&2; exit 1; }
fi
cargo build --release --quiet -p harness
cargo build --release --quiet -p threads --examples
cargo build --release --quiet -p workload --example count_kernels
# The committed notebooks are exactly what build.py writes: no outputs, no drift.
.venv/bin/python notebooks/build.py --check
LESSON_SIZE=$size .venv/bin/python notebooks/run.py
