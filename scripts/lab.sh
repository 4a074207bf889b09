#!/usr/bin/env bash
# Opens the notebooks in JupyterLab: makes .venv and installs notebooks/requirements.txt and
# notebooks/requirements-lab.txt into it the first time, builds the harness binary the
# notebooks call, then starts JupyterLab on notebooks/ (it prints the address to open; the
# notebooks run at full size there, LESSON_SIZE=small for the quick one).
#
#   scripts/lab.sh [extra jupyter lab options, e.g. --no-browser --port 8899]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null; then
    echo "lab: no python3 on PATH; install Python 3 to open the notebooks" >&2
    exit 1
fi
[ -x .venv/bin/python ] || python3 -m venv .venv ||
    { echo "lab: could not create .venv (on Debian: apt install python3-venv)" >&2; exit 1; }
if ! .venv/bin/python -c 'import jupyterlab, nbclient, ipykernel, matplotlib' 2>/dev/null; then
    echo "lab: installing JupyterLab and the notebooks' packages into .venv (once)"
    .venv/bin/pip install -q -r notebooks/requirements.txt -r notebooks/requirements-lab.txt ||
        { echo "lab: could not install from PyPI (offline?); the packages are in notebooks/requirements*.txt" >&2; exit 1; }
fi
if command -v cargo >/dev/null; then
    cargo build --release --quiet -p harness
else
    echo "lab: cargo not found: the notebooks' Rust cells need target/release/harness (install Rust, then cargo build --release -p harness)" >&2
fi
# Jupyter refuses to run as root (a container's usual user) unless told it may.
as_root=()
[ "$(id -u)" = 0 ] && as_root=(--allow-root)
exec .venv/bin/jupyter lab --notebook-dir=notebooks "${as_root[@]}" "$@"
