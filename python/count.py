#!/usr/bin/env python3
"""The article's count experiment as a baseline: K tasks, each counting to N in a plain
`while` loop, under every model the article shows. Prints one JSON object per model, in the
schema `harness count --json` uses, with "lang": "python".

Pools and executors are started (and warmed with one no-op task) before the clock starts,
as the Rust benches build theirs outside the timed part; the start-up is reported apart.
"""

import argparse
import asyncio
import concurrent.futures
import json
import multiprocessing
import os
import resource
import statistics
import sys
import threading
import time


def count(to):
    counter = 0
    while counter < to:
        counter += 1
    return counter


def noop():
    return None


def run_serial(n, k, workers):
    # One thread doing the K tasks in a row, each a plain call, as each thread below does one.
    # (A generator inside sum() measured 25% to 80% slower per step here: not the model.)
    total = 0
    for _ in range(k):
        total += count(n)
    return total


def run_threads(n, k, workers):
    results = [0] * k

    def target(i):
        results[i] = count(n)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(results)


def _count_into(queue, n):
    queue.put(count(n))


def run_process(n, k, workers):
    # Process.join returns nothing; the children report through a queue.
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_count_into, args=(queue, n)) for _ in range(k)]
    for p in procs:
        p.start()
    total = sum(queue.get() for _ in procs)
    for p in procs:
        p.join()
    return total


def run_pool(pool, n, k):
    handles = [pool.apply_async(count, (n,)) for _ in range(k)]
    return sum(h.get() for h in handles)


def run_executor(executor, n, k):
    return sum(executor.map(count, [n] * k))


def run_async(executor, n, k):
    async def main():
        loop = asyncio.get_running_loop()
        tasks = [loop.run_in_executor(executor, count, n) for _ in range(k)]
        return sum(await asyncio.gather(*tasks))

    return asyncio.run(main())


def cpu_seconds():
    # This process and its children that have been waited for (a pool's workers are not,
    # until the pool closes: their CPU time is not counted here).
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def measure(fn):
    cpu = cpu_seconds()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    return result, elapsed, (cpu_seconds() - cpu) / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--to", type=int, default=100_000_000)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    n, k, w = args.to, args.tasks, args.workers

    # A free-threaded CPython (3.13t, 3.14t) runs threads without the GIL.
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True

    def emit(model, variant, workers, result, elapsed, fastest, slowest, cores_used, start_s=0.0):
        record = {
            "lang": "python",
            "job": "count",
            "model": model,
            "variant": variant,
            "tasks": k,
            "to": n,
            "workers": workers,
            "result": result,
            "elapsed_s": elapsed,
            "elapsed_min_s": fastest,
            "elapsed_max_s": slowest,
            "runs": args.repeat,
            # CPU time over wall time: about 1 for one busy core. Not known for pools, whose
            # workers outlive the run (their CPU time is not counted until they exit).
            "cores_used": None if model in ("pool", "async") else cores_used,
            "gil": gil,
            "python": sys.version.split()[0],
            "start_s": start_s,
        }
        if result != n * k:
            raise SystemExit(f"{variant} returned {result}, expected {n * k}")
        print(json.dumps(record), flush=True)

    # A warm-up before any clock, as criterion gives the Rust benches: on the development VM
    # the first second or so of a busy loop ran up to 1.7x slower than the rest (the host
    # giving the vCPU its speed), which made serial, timed first, look slow beside threads.
    warm = time.perf_counter()
    while time.perf_counter() - warm < 1.5:
        count(min(n, 1_000_000))

    # Every model once per round, `--repeat` rounds: a drift of the machine's speed (or the
    # interpreter warming up in the first round) hits every model alike. The pools are started
    # (and warmed with a no-op task) before the rounds, their start-up reported apart.
    start = time.perf_counter()
    pool = multiprocessing.Pool(w)
    pool.apply(noop)
    pool_start = time.perf_counter() - start
    start = time.perf_counter()
    executor = concurrent.futures.ProcessPoolExecutor(w)
    list(executor.map(noop_arg, [0] * w))
    executor_start = time.perf_counter() - start
    models = [
        ("serial", "loop", 1, lambda: run_serial(n, k, w), 0.0),
        ("threads", "threading.Thread", k, lambda: run_threads(n, k, w), 0.0),
        ("process", "multiprocessing.Process", k, lambda: run_process(n, k, w), 0.0),
        ("pool", "Pool.apply_async", w, lambda: run_pool(pool, n, k), pool_start),
        ("pool", "ProcessPoolExecutor", w, lambda: run_executor(executor, n, k), executor_start),
        ("async", "run_in_executor", w, lambda: run_async(executor, n, k), executor_start),
    ]
    runs = {variant: [] for _, variant, _, _, _ in models}
    for _ in range(args.repeat):
        for _, variant, _, fn, _ in models:
            runs[variant].append(measure(fn))
    pool.close()
    pool.join()
    executor.shutdown()
    for model, variant, workers, _, started in models:
        times = [elapsed for _, elapsed, _ in runs[variant]]
        result = runs[variant][-1][0]
        busy = statistics.median(used for _, _, used in runs[variant])
        emit(model, variant, workers, result, statistics.median(times), min(times), max(times), busy, started)


def noop_arg(_):
    return None


if __name__ == "__main__":
    main()
