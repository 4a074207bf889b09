#!/usr/bin/env python3
"""Executes every notebook top to bottom in a fresh kernel (nbclient), as `just notebooks` and
CI do; stops at the first error. Executed copies go to reports/notebooks/ (not committed).

    LESSON_SIZE=small python notebooks/run.py [--save-examples]

--save-examples also refreshes notebooks/saved_examples.json, the Rust examples' output that
lesson 2 shows where neither the binaries nor cargo are available.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from outputs import check, write_whole

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "reports" / "notebooks"
EXAMPLES = ["map_ordered", "as_completed", "cancel_queued", "exception", "wait_all", "submit_overhead"]
LIMIT_S = 240  # each notebook must finish within 4 minutes


def save_examples():
    saved = {}
    for name in EXAMPLES:
        binary = HERE.parent / "target" / "release" / "examples" / name
        saved[name] = subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout
    write_whole(HERE / "saved_examples.json", json.dumps(saved, indent=1, sort_keys=True) + "\n")


def main():
    if "--save-examples" in sys.argv:
        save_examples()
    OUT.mkdir(parents=True, exist_ok=True)
    for path in sorted(HERE.glob("*.ipynb")):
        check(OUT / path.name)  # every output checked before any notebook runs
    failed = False
    for path in sorted(HERE.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=LIMIT_S, kernel_name="python3", resources={"metadata": {"path": str(HERE)}})
        start = time.perf_counter()
        try:
            client.execute()
        except CellExecutionError as e:
            failed = True
            print(f"notebooks: {path.name} failed:\n{e}", file=sys.stderr)
        seconds = time.perf_counter() - start
        write_whole(OUT / path.name, nbformat.writes(nb) + "\n")
        if seconds > LIMIT_S:
            failed = True
            print(f"notebooks: {path.name} took {seconds:.0f} s, over the {LIMIT_S} s limit", file=sys.stderr)
        print(f"notebooks: {path.name} ran in {seconds:.1f} s -> {OUT / path.name}")
        if failed:
            break
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
