#!/usr/bin/env python3
"""Writes the three notebooks from the cells below, without outputs.

The notebooks are generated so that what is committed is exactly this source (no stale
outputs, no drift): `python notebooks/build.py` rewrites them, `--check` fails if the
committed files differ from what this script writes. `just notebooks` runs them.
"""

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
import os, sys, time
sys.path.insert(0, os.getcwd())  # lessons.py sits beside the notebooks
import lessons
import matplotlib.pyplot as plt
%matplotlib inline
SIZE = lessons.size()  # 'full' when you run it; `just notebooks` sets LESSON_SIZE=small
print("size:", SIZE, "| Python", lessons.gil_status()["version"])"""

GIL = [
    new_markdown_cell("""\
# 1. The GIL, and what native threads do instead

The article counts to 100,000,000 twice, first in one thread, then in two threads, then in two
processes. In CPython two threads take as long as one: only the thread holding the Global
Interpreter Lock runs bytecode. Two processes each have their own interpreter and their own
GIL, so they run at once.

This notebook runs the article's experiment live, at a size that takes seconds, then puts
the Rust models from this repository next to it. Every conclusion printed below is computed
from the numbers measured here."""),
    new_code_cell(SETUP),
    new_code_cell("""\
TASKS = 2
TO = 2_000_000 if SIZE == "small" else 20_000_000
python = {}
for name, run in [("serial", lessons.count_serial), ("threads", lessons.count_threads),
                  ("processes (multiprocessing.Pool)", lessons.count_processes),
                  ("ProcessPoolExecutor", lessons.count_executor)]:
    result, seconds = lessons.timed(run, TASKS, TO)
    assert result == TASKS * TO
    python[name] = seconds
    print(f"Python {name:34} {seconds:7.3f} s  ({seconds / (TASKS * TO) * 1e9:5.1f} ns per step)")"""),
    new_code_cell("""\
speedup = {name: python["serial"] / s for name, s in python.items()}
threads_x = speedup["threads"]
procs_x = speedup["processes (multiprocessing.Pool)"]
print(f"two Python threads: {threads_x:.2f}x serial -> "
      + ("no faster: the GIL lets one thread run bytecode at a time" if threads_x < 1.3 else "faster?! (a free-threaded build?)"))
print(f"two Python processes: {procs_x:.2f}x serial -> "
      + ("faster: each process has its own interpreter and GIL" if procs_x > 1.3 else "little gain at this size: starting processes costs too"))"""),
    new_markdown_cell("""\
## The same job in Rust

`harness count` runs every Rust model of this repository on the same job, through one
kernel (`workload::count_to`). The figures come from `reports/results.json` when `just bench`
has written it, else from running `harness count` now with this notebook's size."""),
    new_code_cell("""\
results = lessons.rust_results()
rust = {r["model"]: r["elapsed_s"] for r in results or []
        if r.get("lang") == "rust" and r.get("job") == "count" and r.get("tasks") == TASKS and r.get("to") == TO}
source = "reports/results.json"
if len(rust) < 2:
    rust = {r["model"]: r["elapsed_s"] for r in lessons.harness("count", "--model", "all", "--to", TO, "--tasks", TASKS, "--json")}
    source = "harness count --json, just now"
for model, s in rust.items():
    print(f"Rust {model:10} {s * 1000:8.2f} ms  ({s / (TASKS * TO) * 1e9:5.2f} ns per step)")
print("from", source)"""),
    new_code_cell("""\
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
names = [f"Python {n}" for n in python] + [f"Rust {m}" for m in rust]
times = list(python.values()) + list(rust.values())
colours = ["#9ecae1"] * len(python) + ["#e6550d"] * len(rust)
left.barh(names, times, color=colours)
left.set_xscale("log"); left.set_xlabel(f"seconds for {TASKS} x {TO:,} (log scale)"); left.invert_yaxis()
right.bar(["Python threads", "Python processes", "Rust threads"],
          [threads_x, procs_x, rust["serial"] / rust["threads"]], color=["#9ecae1", "#9ecae1", "#e6550d"])
right.axhline(1, color="grey", lw=1); right.axhline(TASKS, color="grey", ls="--", lw=1)
right.set_ylabel("speedup over serial (dashed: ideal)")
plt.tight_layout(); plt.show()
per_step = (python["serial"] / (TASKS * TO)) / (rust["serial"] / (TASKS * TO))
print(f"one CPython step costs {per_step:,.0f}x a Rust step; Rust threads: {rust['serial'] / rust['threads']:.2f}x serial, no GIL")"""),
    new_markdown_cell("""\
## The loop-folding trap

A Rust (LLVM) compiler that sees `while c < to { c += 1 }` knows the answer without running
it: `c = to`. A benchmark of that loop measures nothing. The kernel here puts
`std::hint::black_box` *inside* the loop so each step really happens. Below, the same loop is
compiled twice with `rustc -O` and run for a billion steps."""),
    new_code_cell("""\
folding = lessons.rust_loop_folding(1_000_000_000)
if folding is None:
    print("rustc not found: see crates/workload/src/count.rs for the kernel and its comment")
else:
    for label, r in folding.items():
        print(f"{label:17} result {r['result']:,} in {r['seconds'] * 1e3:9.3f} ms = {r['seconds']:.4f} ns per step")
    plain, boxed = folding["plain loop"]["seconds"], folding["black_box inside"]["seconds"]
    print("the plain loop was folded away" if plain * 100 < boxed else "both loops ran (this compiler kept the plain loop)",
          f"({boxed / max(plain, 1e-9):,.0f}x difference)")"""),
    new_markdown_cell("""\
## What free-threaded CPython changes

PEP 703 made the GIL optional in a separate build of CPython (`python3.13t`, experimental
in 3.13; PEP 779 made the free-threaded build officially supported in 3.14, still not the
default). In that build, threads can run Python bytecode in parallel, so the threads line
above could approach the processes line; single-threaded code runs somewhat slower, and an
extension module that is not marked as safe re-enables the GIL at import. It does not change
the cost of each bytecode step, which is what separates the Python and Rust bars above."""),
    new_code_cell("""\
status = lessons.gil_status()
print(f"this kernel: Python {status['version']}, free-threaded build: {status['free_threaded_build']}, GIL enabled: {status['gil_enabled']}")
print("so the threads measured above", "shared one GIL" if status["gil_enabled"] else "ran without a GIL")"""),
]

FUTURES = [
    new_markdown_cell("""\
# 2. concurrent.futures, and its twin in Rust

The article's second half uses `concurrent.futures`: `submit` returns a `Future`, `map`
returns results in input order, `as_completed` in the order tasks finish, `cancel` works only
on tasks still queued, a task's exception travels in its future, and `wait` splits futures
into done and not done. `crates/threads/src/futures` builds the same API from the standard
library alone; each cell below runs the Python version, then the Rust example that mirrors
it and shows that example's real output.

The tasks sleep, as the article's do: sleeping is what these tasks are about."""),
    new_code_cell(SETUP + """
from concurrent.futures import ThreadPoolExecutor, as_completed, wait, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED
UNIT = 0.02 if SIZE == "small" else 0.2  # seconds per 'unit' of sleep
def rust(name):
    text, where = lessons.example_output("threads", name)
    print(f"--- Rust: {where}")
    print(text.rstrip())"""),
    new_markdown_cell("## `map` keeps input order; `as_completed` gives finishing order"),
    new_code_cell("""\
delays = [3, 1, 2]
with ThreadPoolExecutor() as ex:
    mapped = list(ex.map(lessons.sleepy, delays, [d * UNIT for d in delays]))
with ThreadPoolExecutor() as ex:
    futures = [ex.submit(lessons.sleepy, d, d * UNIT) for d in delays]
    finished = [f.result() for f in as_completed(futures)]
print("map:         ", mapped, "(the order given)")
print("as_completed:", finished, "(quickest first)" if finished == sorted(delays) else "(finishing order)")
rust("map_ordered")
rust("as_completed")"""),
    new_markdown_cell("## `cancel` works only while a task waits in the queue"),
    new_code_cell("""\
with ThreadPoolExecutor(max_workers=2) as ex:
    running = [ex.submit(lessons.sleepy, n, n * UNIT) for n in (2, 1)]
    queued = ex.submit(lessons.sleepy, 4, 4 * UNIT)
    print("third task cancelled while queued:", queued.cancel(), "| cancelled():", queued.cancelled())
with ThreadPoolExecutor(max_workers=3) as ex:
    started = [ex.submit(lessons.sleepy, n, n * UNIT) for n in (2, 1, 4)]
    while not started[2].running():
        time.sleep(0.001)
    print("third task cancelled while running:", started[2].cancel())
rust("cancel_queued")"""),
    new_markdown_cell("## An exception stays in its future until someone asks"),
    new_code_cell("""\
with ThreadPoolExecutor() as ex:
    good, bad = ex.submit(lessons.divide, 1, 2), ex.submit(lessons.divide, 1, 0)
    print("good.exception():", good.exception(), "| result:", good.result())
    print("bad.exception():", repr(bad.exception()))
    try:
        bad.result()
    except ZeroDivisionError as e:
        print("bad.result() re-raises:", repr(e))
rust("exception")"""),
    new_markdown_cell("## `wait` splits futures into done and not done"),
    new_code_cell("""\
with ThreadPoolExecutor() as ex:
    fs = [ex.submit(lessons.sleepy, n, n * UNIT) for n in (1, 3, 5)]
    done, not_done = wait(fs, return_when=FIRST_COMPLETED)
    print("FIRST_COMPLETED:", sorted(f.result() for f in done), "done,", len(not_done), "still running")
    done, not_done = wait(fs, return_when=ALL_COMPLETED)
    print("ALL_COMPLETED:  ", sorted(f.result() for f in done), "done,", len(not_done), "still running")
with ThreadPoolExecutor() as ex:
    fs = [ex.submit(lessons.divide, 1, 0), ex.submit(lessons.sleepy, 2, 2 * UNIT)]
    done, not_done = wait(fs, return_when=FIRST_EXCEPTION)
    print("FIRST_EXCEPTION returned with", len(done), "done and", len(not_done), "not done")
rust("wait_all")"""),
    new_markdown_cell("## What a task costs to hand over"),
    new_code_cell("""\
n = 2_000 if SIZE == "small" else 20_000
with ThreadPoolExecutor(max_workers=1) as ex:
    start = time.perf_counter()
    for _ in range(n):
        ex.submit(int).result()
    py_us = (time.perf_counter() - start) / n * 1e6
print(f"Python submit + result: {py_us:.1f} µs per task")
rust("submit_overhead")"""),
]

MAPREDUCE = [
    new_markdown_cell("""\
# 3. MapReduce: from four lines to 86 million

The article's MapReduce starts with a word count over a few lines, then sums `match_count` per
ngram over the Google Books 'a' shard: `readlines()`, chunks pickled to a
`ProcessPoolExecutor`, dicts merged pairwise with `functools.reduce(merge_dict)`. Here the
same program runs on a generated shard (small enough for a notebook), then the Rust engine
on the same file shows where its time goes, how chunk size matters, and how it compares with
polars when polars is installed."""),
    new_code_cell(SETUP + """
import functools"""),
    new_code_cell("""\
text = "hello world hello there world hello"
counts = functools.reduce(lessons.merge_dict, map(lessons.map_frequency, text.split(" ")), {})
print(dict(sorted(counts.items())))"""),
    new_code_cell("""\
LINES, UNIQUE = (200_000, 20_000) if SIZE == "small" else (4_000_000, 200_000)
CHUNK_LINES = LINES // 8
path = lessons.shard(LINES, UNIQUE)
print(path.name, f"{path.stat().st_size / 1e6:.1f} MB")
py_totals, py_steps = lessons.python_mapreduce(path, CHUNK_LINES, os.cpu_count())
py_total_s = sum(v for k, v in py_steps.items() if k.endswith("_s"))
print(f"Python: read {py_steps['read_s']:.2f} s, map {py_steps['map_s']:.2f} s ({py_steps['chunks']} chunks), "
      f"reduce {py_steps['reduce_s']:.2f} s = {py_total_s:.2f} s; Aardvark = {py_totals.get('Aardvark', 0)}")"""),
    new_markdown_cell("""\
## The Rust engine on the same file

`harness ngram FILE --model mapreduce --json` reports the engine's phases: split, map +
combine, shuffle, reduce (partitions in parallel), collect."""),
    new_code_cell("""\
engine = lessons.harness("ngram", path, "--model", "mapreduce", "--word", "Aardvark", "--json")[0]
assert engine["distinct"] == len(py_totals) and engine["total_match_count"] == sum(py_totals.values())
print(f"same answer as Python: {engine['distinct']:,} ngrams, total {engine['total_match_count']:,}, Aardvark {engine['words']['Aardvark']}")
phases = {k[:-2]: v for k, v in engine["phases"].items() if k.endswith("_s")}
plt.figure(figsize=(8, 2.5))
plt.barh(list(phases), list(phases.values()), color="#e6550d"); plt.gca().invert_yaxis()
plt.xlabel("seconds"); plt.title(f"engine phases ({engine['phases']['partitions']} partitions)"); plt.show()
biggest = max(phases, key=phases.get)
print(f"Rust engine {engine['elapsed_s']:.3f} s against Python {py_total_s:.2f} s: {py_total_s / engine['elapsed_s']:.0f}x; "
      f"most of it in {biggest} ({phases[biggest] / sum(phases.values()):.0%})")"""),
    new_markdown_cell("""\
## The Goldilocks question: how big should a chunk be?

`harness sweep` runs the engine, the engine on child processes, and the process model copying
every chunk to its workers (the article's pickling) at chunk sizes from 4 KiB up."""),
    new_code_cell("""\
import json, tempfile
from pathlib import Path
out = Path(tempfile.mkdtemp()) / "sweep.json"
lessons.harness("sweep", path, "--repeat", 1 if SIZE == "small" else 3, "--out", out)
sweep = json.loads(out.read_text())
plt.figure(figsize=(8, 4))
best = {}
for series in dict.fromkeys(p["series"] for p in sweep["points"]):
    pts = [(p["chunk_bytes"], p["elapsed_s"]) for p in sweep["points"] if p["series"] == series]
    plt.plot(*zip(*pts), marker="o", label=series)
    best[series] = min(pts, key=lambda p: p[1])
plt.xscale("log", base=2); plt.yscale("log"); plt.xlabel("chunk size (bytes)"); plt.ylabel("seconds"); plt.legend(); plt.show()
for series, (size, s) in best.items():
    worst = max(p["elapsed_s"] for p in sweep["points"] if p["series"] == series)
    print(f"{series:24} fastest at {size:>10,}-byte chunks ({s:.3f} s); the worst size is {worst / s:.1f}x slower")"""),
    new_markdown_cell("## polars, where it is installed"),
    new_code_cell("""\
try:
    import polars as pl
except ImportError:
    pl = None
    print("polars is not installed here (`pip install -r python/requirements-polars.txt` adds it)")
if pl is not None:
    start = time.perf_counter()
    frame = (pl.scan_csv(path, separator="\\t", has_header=False, quote_char=None,
                         new_columns=["ngram", "year", "match_count", "volume_count"],
                         schema_overrides={"ngram": pl.String, "match_count": pl.UInt64})
             .group_by("ngram").agg(pl.col("match_count").sum()).collect())
    polars_s = time.perf_counter() - start
    assert frame.height == engine["distinct"]
    print(f"polars {pl.__version__}: {polars_s:.3f} s; the Rust engine {engine['elapsed_s']:.3f} s "
          f"({polars_s / engine['elapsed_s']:.1f}x); the article's Python {py_total_s:.2f} s")"""),
]


def notebooks():
    meta = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"}}
    out = {}
    for name, cells in (("01-gil-vs-native", GIL), ("02-futures", FUTURES), ("03-mapreduce", MAPREDUCE)):
        nb = new_notebook(cells=cells, metadata=meta)
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{name[:2]}-{i:02d}"  # stable ids: the files do not change run to run
        out[HERE / f"{name}.ipynb"] = nbformat.writes(nb) + "\n"
    return out


def main():
    stale = []
    for path, text in notebooks().items():
        if "--check" in sys.argv:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        sys.exit(f"notebooks/build.py --check: {', '.join(stale)} differ from build.py; run python notebooks/build.py")


if __name__ == "__main__":
    main()
