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
    return sum(count(n) for _ in range(k))


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


def timed(fn, repeat):
    times, used, result = [], [], None
    for _ in range(repeat):
        cpu = cpu_seconds()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        used.append((cpu_seconds() - cpu) / times[-1])
    return result, statistics.median(times), min(times), max(times), statistics.median(used)


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

    emit("serial", "loop", 1, *timed(lambda: run_serial(n, k, w), args.repeat))
    emit("threads", "threading.Thread", k, *timed(lambda: run_threads(n, k, w), args.repeat))
    emit("process", "multiprocessing.Process", k, *timed(lambda: run_process(n, k, w), args.repeat))

    start = time.perf_counter()
    with multiprocessing.Pool(w) as pool:
        pool.apply(noop)
        started = time.perf_counter() - start
        emit("pool", "Pool.apply_async", w, *timed(lambda: run_pool(pool, n, k), args.repeat), started)

    start = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(w) as executor:
        list(executor.map(noop_arg, [0] * w))
        started = time.perf_counter() - start
        emit("pool", "ProcessPoolExecutor", w, *timed(lambda: run_executor(executor, n, k), args.repeat), started)
        emit("async", "run_in_executor", w, *timed(lambda: run_async(executor, n, k), args.repeat), started)


def noop_arg(_):
    return None


if __name__ == "__main__":
    main()
