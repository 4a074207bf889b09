"""Helpers for the three notebooks: the Python side of each lesson, and the way to the Rust side.

Worker functions live here, not in notebook cells, because a ProcessPoolExecutor or a
multiprocessing.Pool pickles the function by name and its worker processes import it: a
function defined in a notebook cell cannot be found by them.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The baselines in python/ are the article's programs as `harness python` runs them: the
# lessons call the same drivers, so a notebook and the report time the same code.
sys.path.insert(0, str(ROOT / "python"))
import count  # noqa: E402  (the article's loop and every model that runs it: count.run_models)
import mapreduce  # noqa: E402  (the article's MapReduce: mapreduce.run)
from mapreduce import map_frequencies, merge_dict, partition  # noqa: E402
HARNESS = ROOT / "target" / "release" / "harness"
SAVED = Path(__file__).resolve().parent / "saved_examples.json"


def size():
    """'small' (CI, `just notebooks`) or 'full' (a learner's default): from LESSON_SIZE."""
    return os.environ.get("LESSON_SIZE", "full")


# --- lesson 1: counting ------------------------------------------------------------------


def ratio(base, fast):
    """How much faster `fast` is than `base` (two records with elapsed_s and, where they
    repeated, elapsed_min_s and elapsed_max_s): (median ratio, lowest, highest). Records that
    ran side by side in the same rounds (`rounds_s`, as `harness claims` and `count.run_models`
    measure) give the median, lowest and highest of the ratios taken within each round; others
    pair the slowest run of one with the fastest of the other."""
    rounds = base.get("rounds_s"), fast.get("rounds_s")
    if all(rounds) and len(rounds[0]) == len(rounds[1]):
        within = sorted(b / f for b, f in zip(*rounds))
        return statistics.median(within), within[0], within[-1]
    lo_base, hi_base = base.get("elapsed_min_s", base["elapsed_s"]), base.get("elapsed_max_s", base["elapsed_s"])
    lo_fast, hi_fast = fast.get("elapsed_min_s", fast["elapsed_s"]), fast.get("elapsed_max_s", fast["elapsed_s"])
    return base["elapsed_s"] / fast["elapsed_s"], lo_base / hi_fast, hi_base / lo_fast


def said(x, lo, hi, faster, not_faster):
    """A conclusion that holds up to its own noise: 'within noise' when the spread of the
    runs covers 1x (no difference), else `faster` or `not_faster`."""
    spread = f"{x:.2f}x ({lo:.2f}x to {hi:.2f}x over the runs)"
    if lo <= 1.0 <= hi:
        return f"{spread} -> within noise: no faster"
    return f"{spread} -> {faster if x > 1 else not_faster}"


def gil_status():
    """What this interpreter is: the regular build (one GIL) or a free-threaded one."""
    import sys
    import sysconfig

    free_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    enabled = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    return {"version": sys.version.split()[0], "free_threaded_build": free_build, "gil_enabled": enabled}


def free_threaded_python():
    """The path of a free-threaded CPython here (on the PATH, or built by `just free-threaded`
    into its cache), or None. Finding never builds: that takes minutes, and is the learner's
    choice."""
    try:
        found = subprocess.run([str(ROOT / "scripts" / "free-threaded.sh"), "--find-only"],
                               capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = found.stdout.strip().splitlines()
    return lines[-1] if found.returncode == 0 and lines else None


def count_under(python, gil, n, k=2, repeat=3,
                models=("loop", "threading.Thread", "threading.Thread (own N)", "multiprocessing.Process (fork)")):
    """python/count.py run by another interpreter (a subprocess of this kernel) with
    PYTHON_GIL=`gil` ("1" puts a free-threaded build's GIL back, "0" keeps it off): its
    records, each saying what sys._is_gil_enabled() reported in the run."""
    args = [python, str(ROOT / "python" / "count.py"), f"--to={n}", f"--tasks={k}", "--workers=2", f"--repeat={repeat}"]
    for model in models:
        args.append(f"--model={model}")
    env = dict(os.environ, PYTHON_GIL=gil)
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=True, timeout=600)
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


# --- the Rust side ----------------------------------------------------------------------------


def have(program):
    return shutil.which(program) is not None


def ensure_harness():
    """target/release/harness, built with cargo when it is missing (a minute or two, once)."""
    if HARNESS.exists():
        return HARNESS
    if not have("cargo"):
        raise RuntimeError(f"{HARNESS} is missing and cargo is not on PATH: install Rust, then run "
                           "`cargo build --release -p harness` in the repository")
    print("building target/release/harness (cargo build --release -p harness), once ...", flush=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "harness"], cwd=ROOT, check=True)
    return HARNESS


def harness(*args):
    """Runs target/release/harness (built first if missing); JSON lines come back parsed.
    A failure raises with harness's own one-line message."""
    out = subprocess.run([str(ensure_harness()), *map(str, args)], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"harness {' '.join(map(str, args))}: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def this_machine():
    """(CPU model, cores), as harness stamps its records."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), None) if Path("/proc/cpuinfo").exists() else None
    return cpu, os.cpu_count()


def rust_count_records(tasks):
    """The Rust count records at K = `tasks` from reports/results.json (the last `just
    bench`), when they were measured on this machine: (records by model, where from), or
    (None, why not). The ones measured side by side (every model in the same rounds as serial,
    `harness claims`) when there are, else criterion's."""
    path = ROOT / "reports" / "results.json"
    if not path.exists():
        return None, "no reports/results.json (run `just bench`)"
    records = [r for r in json.loads(path.read_text())
               if r.get("lang") == "rust" and r.get("job") == "count" and r.get("tasks") == tasks]
    paired = [r for r in records if r.get("rounds_s")]
    records = paired or records
    if not records:
        return None, f"reports/results.json has no Rust count at K = {tasks}"
    stamp = records[0].get("stamp") or {}
    cpu, cores = this_machine()
    if (stamp.get("cpu"), stamp.get("cores")) != (cpu, cores):
        return None, f"reports/results.json was measured on {stamp.get('cpu')}, {stamp.get('cores')} cores, not here"
    by_model = {r["model"]: r for r in records}
    how = f"side by side in {len(paired[0]['rounds_s'])} rounds" if paired else "criterion, timed in turn"
    return by_model, (f"reports/results.json: {how}, N = {records[0]['to']:,}, measured "
                      f"{stamp.get('date')} at commit {stamp.get('commit')}")


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


def count_kernels(to=100_000_000, rounds=9):
    """The three ways to write the counting loop (folded, through memory, in a register),
    timed side by side by the `count_kernels` example of crates/workload: one dict per kernel
    with its ns per step (median, fastest, slowest over the rounds) and its median t(4N)/t(N).
    None without the built example or cargo."""
    args = [str(to), str(rounds), "--json"]
    binary = ROOT / "target" / "release" / "examples" / "count_kernels"
    if binary.exists():
        command = [str(binary), *args]
    elif have("cargo"):
        command = ["cargo", "run", "--release", "-q", "-p", "workload", "--example", "count_kernels", "--", *args]
    else:
        return None
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# --- lesson 2: futures --------------------------------------------------------------------------


def sleepy(x, delay):
    """A task that takes `delay` seconds (sleeping tasks are the article's own example)."""
    time.sleep(delay)
    return x


def divide(a, b):
    return a / b


# --- lesson 3: MapReduce --------------------------------------------------------------------


def map_frequency(text):
    """The article's map for its four lines of text: word frequencies of one line."""
    words = text.split(" ")
    frequencies = {}
    for word in words:
        if word in frequencies:
            frequencies[word] += 1
        else:
            frequencies[word] = 1
    return frequencies


def article_mapreduce(path, chunk_lines, workers):
    """The article's program (python/mapreduce.py, as `harness python` runs it): the totals,
    and its timings: `elapsed_s` (the article's window: pool start, map, reduce), `read_s`,
    `map_s`, `reduce_s`, `shutdown_s`, `chunks`."""
    return mapreduce.run(str(path), chunk_lines, workers)


def shard(lines, unique, seed=2012):
    """A generated shard under data/, made by `harness gen` when it is missing."""
    path = ROOT / "data" / f"a-{lines}-{unique}-{seed}.tsv"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        print(f"generating {path.relative_to(ROOT)} (harness gen), once ...", flush=True)
        harness("gen", "--lines", lines, "--unique", unique, "--seed", seed, "--out", path)
    return path
