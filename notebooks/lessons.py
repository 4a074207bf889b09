"""Helpers for the three notebooks: the Python side of each lesson, and the way to the Rust side.

Worker functions live here, not in notebook cells, because a ProcessPoolExecutor or a
multiprocessing.Pool pickles the function by name and its worker processes import it: a
function defined in a notebook cell cannot be found by them.
"""

import concurrent.futures
import functools
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The baselines in python/ are the article's programs as `harness python` runs them: the
# lessons use the same functions, so the notebook and the report time the same code.
sys.path.insert(0, str(ROOT / "python"))
from count import count  # noqa: E402  (the article's loop)
from mapreduce import map_frequencies, merge_dict, partition  # noqa: E402
HARNESS = ROOT / "target" / "release" / "harness"
SAVED = Path(__file__).resolve().parent / "saved_examples.json"


def size():
    """'small' (CI, `just notebooks`) or 'full' (a learner's default): from LESSON_SIZE."""
    return os.environ.get("LESSON_SIZE", "full")


# --- lesson 1: counting ------------------------------------------------------------------


def timed(f, *args):
    start = time.perf_counter()
    result = f(*args)
    return result, time.perf_counter() - start


def count_serial(tasks, to):
    return sum(count(to) for _ in range(tasks))


def count_threads(tasks, to):
    results = []
    threads = [threading.Thread(target=lambda: results.append(count(to))) for _ in range(tasks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(results)


def count_processes(tasks, to):
    with multiprocessing.Pool(tasks) as pool:
        return sum(pool.map(count, [to] * tasks))


def count_executor(tasks, to):
    with concurrent.futures.ProcessPoolExecutor(tasks) as pool:
        return sum(pool.map(count, [to] * tasks))


def gil_status():
    """What this interpreter is: the regular build (one GIL) or a free-threaded one."""
    import sys
    import sysconfig

    free_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    enabled = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    return {"version": sys.version.split()[0], "free_threaded_build": free_build, "gil_enabled": enabled}


# --- the Rust side ----------------------------------------------------------------------------


def have(program):
    return shutil.which(program) is not None


def harness(*args):
    """Runs target/release/harness (built by `just notebooks`); JSON lines come back parsed."""
    if not HARNESS.exists():
        raise RuntimeError(f"{HARNESS} is missing: run `cargo build --release -p harness` (or `just notebooks`)")
    out = subprocess.run([str(HARNESS), *map(str, args)], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def rust_results():
    """reports/results.json from the last `just bench`, or None."""
    path = ROOT / "reports" / "results.json"
    return json.loads(path.read_text()) if path.exists() else None


def example_output(crate, name):
    """A Rust example's real output: the built binary, else `cargo run`, else the saved run
    (notebooks/saved_examples.json, refreshed by `just notebooks`). Returns (text, source)."""
    for profile in ("release", "debug"):
        binary = ROOT / "target" / profile / "examples" / name
        if binary.exists():
            out = subprocess.run([str(binary)], capture_output=True, text=True, check=True)
            return out.stdout, f"target/{profile}/examples/{name}"
    if have("cargo"):
        out = subprocess.run(
            ["cargo", "run", "--release", "-q", "-p", crate, "--example", name],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )
        return out.stdout, f"cargo run --release -p {crate} --example {name}"
    saved = json.loads(SAVED.read_text())
    return saved[name], f"saved run ({SAVED.name})"


def rust_loop_folding(to=1_000_000_000):
    """Compiles the counting loop twice with `rustc -O`, with and without black_box, and times
    both: without it LLVM replaces the loop by its result. None without rustc."""
    if not have("rustc"):
        return None
    import tempfile

    body = """
use std::time::Instant;
fn count(to: u64) -> u64 {{ let mut c = 0u64; while c < to {{ c = {step}; }} c }}
fn main() {{
    let to: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
    let t = Instant::now();
    let r = count(std::hint::black_box(to));
    println!("{{}} {{}}", r, t.elapsed().as_secs_f64());
}}
"""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, step in (("plain loop", "c + 1"), ("black_box inside", "std::hint::black_box(c + 1)")):
            src = Path(tmp) / "count.rs"
            exe = Path(tmp) / "count"
            src.write_text(body.format(step=step))
            subprocess.run(["rustc", "-O", "-o", str(exe), str(src)], check=True, capture_output=True)
            out = subprocess.run([str(exe), str(to)], capture_output=True, text=True, check=True).stdout.split()
            results[label] = {"result": int(out[0]), "seconds": float(out[1])}
    return results


# --- lesson 2: futures --------------------------------------------------------------------------


def sleepy(x, delay):
    """A task that takes `delay` seconds (sleeping tasks are the article's own example)."""
    time.sleep(delay)
    return x


def divide(a, b):
    return a / b


# --- lesson 3: MapReduce --------------------------------------------------------------------


def map_frequency(text):
    words = text.split(" ")
    frequencies = {}
    for word in words:
        frequencies[word] = frequencies.get(word, 0) + 1
    return frequencies


def python_mapreduce(path, chunk_lines, workers):
    """The article's program: readlines, chunks to a ProcessPoolExecutor, reduce(merge_dict).
    Returns the totals and the seconds each step took."""
    start = time.perf_counter()
    with open(path, encoding="utf-8") as f:
        contents = f.readlines()
    read_s = time.perf_counter() - start
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        middle = list(pool.map(map_frequencies, partition(contents, chunk_lines)))
    map_s = time.perf_counter() - start - read_s
    totals = functools.reduce(merge_dict, middle, {})
    reduce_s = time.perf_counter() - start - read_s - map_s
    return totals, {"read_s": read_s, "map_s": map_s, "reduce_s": reduce_s, "chunks": len(middle)}


def shard(lines, unique, seed=2012):
    """A generated shard under data/ (made once by `harness gen`)."""
    path = ROOT / "data" / f"a-{lines}-{unique}-{seed}.tsv"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        subprocess.run(
            [str(HARNESS), "gen", "--lines", str(lines), "--unique", str(unique), "--seed", str(seed), "--out", str(path)],
            check=True, capture_output=True,
        )
    return path
