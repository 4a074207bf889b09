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

from outputs import write_whole

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

The article counts to 100,000,000 twice: first in two processes (`multiprocessing.Process`),
then in two threads (`threading.Thread`). In CPython two threads take as long as one thread
doing both: only the thread holding the Global Interpreter Lock runs bytecode. Two processes
each have their own interpreter and their own GIL, so they run at once.

This notebook runs the article's experiment live (the drivers of `python/count.py`, the
ones `just bench` times), repeated, then puts the Rust models from this repository next to
it. Every conclusion printed below is computed from the numbers measured here, and says
"within noise" when the spread of the runs covers the difference."""),
    new_code_cell(SETUP),
    new_code_cell("""\
TASKS, REPEAT = 2, 3
TO = 2_000_000 if SIZE == "small" else 20_000_000
records = lessons.count.run_models(TO, TASKS, os.cpu_count(), REPEAT, warm_up_s=0.5 if SIZE == "small" else 1.5)
python = {r["variant"]: r for r in records if r["job"] == "count"}
for name, r in python.items():
    print(f"Python {name:38} {r['elapsed_s']:7.3f} s  ({r['elapsed_s'] / (TASKS * TO) * 1e9:5.1f} ns per step, "
          f"{r['cores_used']:.2f} cores busy, {r['runs']} runs)")"""),
    new_code_cell("""\
serial = python["loop"]
default_process = next(r for r in python.values() if r["model"] == "process")
print("two Python threads:", lessons.said(*lessons.ratio(serial, python["threading.Thread"]),
      faster="faster?! (a free-threaded build?)", not_faster="slower: the GIL lets one thread run bytecode at a time"))
print(f"two Python processes ({default_process['start_method']}):", lessons.said(*lessons.ratio(serial, default_process),
      faster="faster: each process has its own interpreter and GIL", not_faster="slower: starting processes costs more than it saves at this size"))
print("cores kept busy (CPU time / wall time): threads", f"{python['threading.Thread']['cores_used']:.2f},",
      "processes", f"{default_process['cores_used']:.2f}", "-> the GIL in one number")
starts = {r["start_method"]: r["elapsed_s"] for r in records if r["job"] == "overhead"}
print("one no-op process, start to join:", ", ".join(f"{m} {s * 1e3:.1f} ms" for m, s in sorted(starts.items(), key=lambda kv: kv[1])))"""),
    new_markdown_cell("""\
## The same job in Rust

Every Rust model of this repository runs the same job through one kernel
(`workload::count_to`). The figures come from `reports/results.json` when `just bench` has
written it on this machine (criterion's medians); else from `harness count` run now, at an N
where one Rust task takes a tenth of a second or more, so that starting threads and the
machine's noise do not decide the ratio. Per step, the two languages compare at any N."""),
    new_code_cell("""\
rust, source = lessons.rust_count_records(TASKS)
if rust is None:
    print(source, "-> running harness count now")
    RUST_TO = 200_000_000 if SIZE == "small" else 1_000_000_000
    rust = {r["model"]: r for r in lessons.harness("count", "--model", "all", "--to", RUST_TO, "--tasks", TASKS,
                                                    "--repeat", REPEAT, "--json")}
    source = f"harness count --repeat {REPEAT}, just now, N = {RUST_TO:,}"
RUST_TO = rust["serial"]["to"]
for model, r in rust.items():
    print(f"Rust {model:10} {r['elapsed_s'] * 1000:8.2f} ms  ({r['elapsed_s'] / (TASKS * RUST_TO) * 1e9:5.3f} ns per step)")
print("from", source)"""),
    new_code_cell("""\
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
ns = lambda r, n: r["elapsed_s"] / (TASKS * n) * 1e9
names = [f"Python {n}" for n in python] + [f"Rust {m}" for m in rust]
steps = [ns(r, TO) for r in python.values()] + [ns(r, RUST_TO) for r in rust.values()]
colours = ["#9ecae1"] * len(python) + ["#e6550d"] * len(rust)
left.barh(names, steps, color=colours)
left.set_xscale("log"); left.set_xlabel("ns per step, K = 2 (log scale)"); left.invert_yaxis()
pairs = [("Python threads", lessons.ratio(serial, python["threading.Thread"])),
         ("Python processes", lessons.ratio(serial, default_process)),
         ("Rust threads", lessons.ratio(rust["serial"], rust["threads"]))]
right.bar([n for n, _ in pairs], [x for _, (x, _, _) in pairs], color=["#9ecae1", "#9ecae1", "#e6550d"],
          yerr=[[x - lo for _, (x, lo, _) in pairs], [hi - x for _, (x, _, hi) in pairs]], capsize=4)
right.axhline(1, color="grey", lw=1); right.axhline(TASKS, color="grey", ls="--", lw=1)
right.set_ylabel("speedup over serial (dashed: ideal; bars: spread of the runs)")
plt.tight_layout(); plt.show()
per_step = ns(serial, TO) / ns(rust["serial"], RUST_TO)
print(f"one CPython step costs {per_step:,.0f}x a Rust step")
print("Rust threads:", lessons.said(*lessons.ratio(rust["serial"], rust["threads"]),
      faster="faster: no GIL, both cores count", not_faster="slower (a busy machine?)"))"""),
    new_markdown_cell("""\
## The loop-folding trap

A Rust (LLVM) compiler that sees `while c < to { c += 1 }` knows the answer without running
it: `c = to`. A benchmark of that loop measures nothing. Two ways keep every step:
`std::hint::black_box` inside the loop (the counter then goes through a stack slot: a store and
a load each step, whose cost follows the core's store forwarding), or an empty `asm!` block
that takes the counter in and out of a register (the loop stays `inc; cmp; jb`: the kernel
every model here calls, `workload::count_to`). Below, the three are timed side by side, in
alternating order over several rounds, at N and at 4N: a loop that runs takes 4x as long for
4N; a folded one takes the same few nanoseconds."""),
    new_code_cell("""\
kernels = lessons.count_kernels(20_000_000 if SIZE == "small" else 200_000_000, 5 if SIZE == "small" else 15)
if kernels is None:
    print("neither the built example nor cargo found: see crates/workload/src/count.rs for the kernel")
else:
    for k in kernels:
        print(f"{k['kernel']:15} {k['ns_per_step']:.4f} ns per step (fastest {k['fastest_ns']:.4f}, slowest {k['slowest_ns']:.4f}"
              f" over {k['rounds']} rounds), t(4N)/t(N) = {k['four_over_one']:.2f}, {k['at_n_s'] * 1e3:.6f} ms at N = {k['to']:,}")
    by = {k["kernel"]: k for k in kernels}
    folded, memory, register = by["folded"], by["through memory"], by["in a register"]
    print("the plain loop was folded away" if folded["at_n_s"] * 100 < register["at_n_s"] else "the plain loop ran (this compiler kept it)")
    spread = lambda k: k["slowest_ns"] / k["fastest_ns"]
    print(f"slowest over fastest step: through memory {spread(memory):.2f}x, in a register {spread(register):.2f}x on this machine")"""),
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
    new_markdown_cell("""\
The cleanest experiment on the GIL: one free-threaded interpreter, run twice, with its GIL
switched back on (`PYTHON_GIL=1`) and off (`PYTHON_GIL=0`). Same binary, same bytecode, one
switch. The cell below runs the real one when this machine has it (`just free-threaded` finds
or builds one, a few minutes once), as a subprocess of this kernel. The row "own N" gives each
thread its own int object for N: in 3.13's free-threaded build, threads that read one shared
object keep writing its reference count, and that costs the speedup part of what the GIL did."""),
    new_code_cell("""\
free = lessons.free_threaded_python()
if free is None:
    print("no free-threaded CPython here: run `just free-threaded` (it finds one, or builds CPython "
          "--disable-gil into ~/.cache/concurrency-measured in a few minutes), then this cell again")
else:
    n = 2_000_000 if lessons.size() == "small" else 20_000_000
    for gil in ("1", "0"):
        rows = lessons.count_under(free, gil, n)
        by = {r["variant"]: r for r in rows}
        print(f"{free} with PYTHON_GIL={gil}: Python {rows[0]['python']}, sys._is_gil_enabled() said {rows[0]['gil']}")
        for variant in ("threading.Thread", "threading.Thread (own N)", "multiprocessing.Process (fork)"):
            if variant in by:
                print(f"  {variant} over its loop:",
                      lessons.said(*lessons.ratio(by["loop"], by[variant]),
                                   faster="faster: the threads counted at once", not_faster="slower"))"""),
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
# The article's four lines: each line a chunk, mapped to word frequencies, then merged pairwise.
lines = ["I know what I know", "I know that I know",
         "I don't know that much", "They don't know much"]
mapped_results = [lessons.map_frequency(line) for line in lines]
print(functools.reduce(lessons.merge_dict, mapped_results))"""),
    new_code_cell("""\
LINES, UNIQUE = (200_000, 20_000) if SIZE == "small" else (4_000_000, 200_000)
CHUNK_LINES = LINES // 8
path = lessons.shard(LINES, UNIQUE)
print(path.name, f"{path.stat().st_size / 1e6:.1f} MB")
py_totals, py_steps = lessons.article_mapreduce(path, CHUNK_LINES, os.cpu_count())
py_total_s = py_steps["elapsed_s"]  # the article's window: pool start, map, reduce
print(f"Python, timed as the article times it: {py_total_s:.2f} s (map {py_steps['map_s']:.2f} s over "
      f"{py_steps['chunks']} chunks, reduce {py_steps['reduce_s']:.2f} s); before the clock, readlines "
      f"{py_steps['read_s']:.2f} s; after it, the pool's shutdown {py_steps['shutdown_s']:.2f} s. "
      f"Aardvark = {py_totals.get('Aardvark', 0)}")"""),
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
print(f"Rust engine {engine['elapsed_s']:.3f} s (reading included) against Python {py_total_s:.2f} s (reading not included): "
      f"{py_total_s / engine['elapsed_s']:.0f}x; "
      f"most of it in {biggest} ({phases[biggest] / sum(phases.values()):.0%})")"""),
    new_markdown_cell("""\
## The Goldilocks question: how big should a chunk be?

`harness sweep` runs the engine, the engine on child processes, and the process model copying
every chunk to its workers (the article's pickling) at chunk sizes from 4 KiB up."""),
    new_code_cell("""\
import json, tempfile
from pathlib import Path
out = Path(tempfile.mkdtemp()) / "sweep.jsonl"
lessons.harness("sweep", path, "--repeat", 1 if SIZE == "small" else 3, "--out", out)
points = [json.loads(line) for line in out.read_text().splitlines()]  # one record per point
plt.figure(figsize=(8, 4))
best = {}
for series in dict.fromkeys(p["variant"] for p in points):
    pts = [(p["chunk_bytes"], p["elapsed_s"]) for p in points if p["variant"] == series]
    plt.plot(*zip(*pts), marker="o", label=series)
    best[series] = min(pts, key=lambda p: p[1])
plt.xscale("log", base=2); plt.yscale("log"); plt.xlabel("chunk size (bytes)"); plt.ylabel("seconds"); plt.legend(); plt.show()
for series, (size, s) in best.items():
    worst = max(p["elapsed_s"] for p in points if p["variant"] == series)
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
            write_whole(path, text)
    if stale:
        sys.exit(f"notebooks/build.py --check: {', '.join(stale)} differ from build.py; run python notebooks/build.py")


if __name__ == "__main__":
    main()
