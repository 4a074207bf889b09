#!/usr/bin/env python3
"""The article's count experiment as a baseline: K tasks, each counting to N in a plain
`while` loop, under every model the article shows. Prints one JSON object per model, in the
schema `harness count --json` uses, with "lang": "python".

Pools and executors are started (and warmed with one no-op task) before the clock starts,
as the Rust benches build theirs outside the timed part; the start-up is reported apart.
The process model runs under every start method the platform has (fork, spawn,
forkserver), recorded as `start_method` and in the variant, and a no-op process per start
method is timed on its own (job "overhead").
"""

import argparse
import asyncio
import concurrent.futures
import json
import multiprocessing
import multiprocessing.forkserver
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


def count_with_cpu(to):
    # The same loop, in a pool's worker, reporting the CPU time it took: a pool's workers
    # outlive the run, so their CPU time never reaches RUSAGE_CHILDREN while it is measured.
    cpu = time.process_time()
    result = count(to)
    return result, time.process_time() - cpu


def run_serial(n, k, workers):
    # One thread doing the K tasks in a row, each a plain call, as each thread below does one.
    # (A generator inside sum() measured 25% to 80% slower per step here: not the model.)
    total = 0
    for _ in range(k):
        total += count(n)
    return total


def run_threads(n, k, workers, own=False):
    results = [0] * k

    def target(i, n):
        results[i] = count(n)

    # own=True gives each thread an int object of its own for N. In a free-threaded 3.13,
    # threads that read one shared object keep writing its reference count, one cache line
    # between the cores: two threads counting to the same N object ran 1.26x serial on the
    # development VM, each with its own 1.6x to 1.9x. (With a GIL it changes nothing.)
    threads = [threading.Thread(target=target, args=(i, int(str(n)) if own else n)) for i in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(results)


def _count_into(queue, n):
    # With the child's CPU time so far (its interpreter's start included): a forkserver's
    # children are not ours, so their CPU time never reaches our RUSAGE_CHILDREN.
    queue.put((count(n), time.process_time()))


def run_process(context, n, k):
    # Process.join returns nothing; the children report through a queue. `context` is one
    # start method's (fork, spawn, forkserver): what starting a child costs depends on it.
    queue = context.Queue()
    procs = [context.Process(target=_count_into, args=(queue, n)) for _ in range(k)]
    for p in procs:
        p.start()
    replies = add_up(queue.get() for _ in procs)
    for p in procs:
        p.join()
    return replies


# The pools return (result, the workers' CPU seconds): see count_with_cpu.
def run_pool(pool, n, k):
    handles = [pool.apply_async(count_with_cpu, (n,)) for _ in range(k)]
    return add_up(h.get() for h in handles)


def run_executor(executor, n, k):
    return add_up(executor.map(count_with_cpu, [n] * k))


def run_thread_executor(executor, n, k):
    # Threads of this process: their CPU time is this process's own (no pair to add up).
    return sum(executor.map(count, [n] * k))


def run_async(executor, n, k):
    async def main():
        loop = asyncio.get_running_loop()
        tasks = [loop.run_in_executor(executor, count_with_cpu, n) for _ in range(k)]
        return add_up(await asyncio.gather(*tasks))

    return run_coroutine(main)


def add_up(replies):
    replies = list(replies)
    return sum(r for r, _ in replies), sum(cpu for _, cpu in replies)


def free_threaded_build():
    """Whether this CPython was built without the GIL (3.13t, 3.14t), whether or not
    PYTHON_GIL switched it back on."""
    import sysconfig
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def start_methods():
    """The platform's start methods, its default first (fork on Linux up to 3.13,
    forkserver from 3.14, spawn on macOS and Windows)."""
    default = multiprocessing.get_start_method()
    return [default] + [m for m in multiprocessing.get_all_start_methods() if m != default]


def process_startup(method, repeat):
    """One no-op task in a new process under `method`, start to join: what one process costs
    before it does anything. The median of `repeat` tries, and their min and max."""
    context = multiprocessing.get_context(method)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        p = context.Process(target=noop)
        p.start()
        p.join()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def cpu_seconds():
    """CPU seconds of this process, and of its children that have been waited for."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def measure(fn):
    """(result, wall seconds, cores kept busy, CPU seconds). A model whose work runs in other
    processes returns (result, their CPU seconds) and is counted as this process plus what they
    report (a pool's workers outlive the run and a forkserver's children are not ours, so
    RUSAGE_CHILDREN would miss them); the others as this process and its waited children."""
    own, children = cpu_seconds()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    own_after, children_after = cpu_seconds()
    if isinstance(result, tuple):
        result, workers_cpu = result
        cpu = own_after - own + workers_cpu
    else:
        cpu = own_after - own + children_after - children
    return result, elapsed, cpu / elapsed, cpu


def run_models(n, k, w, repeat=1, warm_up_s=1.5, models=None):
    """Every model (or those whose variant is in `models`) on K tasks counting to N, in
    `repeat` rounds, then a no-op process per start method: a list of records (dicts), each
    as `main` prints it. The notebooks call this too, so they time what the report times."""
    # A free-threaded CPython (3.13t, 3.14t) runs threads without the GIL.
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    python = sys.version.split()[0]
    records = []

    # A warm-up before any clock, as criterion gives the Rust benches: on the development VM
    # the first second or so of a busy loop ran up to 1.7x slower than the rest (the host
    # giving the vCPU its speed), which made serial, timed first, look slow beside threads.
    warm = time.perf_counter()
    while time.perf_counter() - warm < warm_up_s:
        count(min(n, 1_000_000))

    # Every model once per round, `repeat` rounds: a drift of the machine's speed (or the
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
    start = time.perf_counter()
    thread_executor = concurrent.futures.ThreadPoolExecutor(w)
    list(thread_executor.map(noop_arg, [0] * w))
    thread_executor_start = time.perf_counter() - start
    default = multiprocessing.get_start_method()
    methods = start_methods()
    # The process model under every start method (the default first: the one a plain
    # `multiprocessing.Process` gets); the pools under the default.
    processes = [
        ("process", f"multiprocessing.Process ({m})", k, (lambda m=m: run_process(multiprocessing.get_context(m), n, k)), 0.0, m)
        for m in methods
    ]
    table = [
        ("serial", "loop", 1, lambda: run_serial(n, k, w), 0.0, None),
        ("threads", "threading.Thread", k, lambda: run_threads(n, k, w), 0.0, None),
        *([("threads", "threading.Thread (own N)", k, lambda: run_threads(n, k, w, own=True), 0.0, None)]
          if free_threaded_build() else []),
        ("threads", "ThreadPoolExecutor", w, lambda: run_thread_executor(thread_executor, n, k), thread_executor_start, None),
        *processes,
        ("pool", "Pool.apply_async", w, lambda: run_pool(pool, n, k), pool_start, default),
        ("pool", "ProcessPoolExecutor", w, lambda: run_executor(executor, n, k), executor_start, default),
        ("async", "run_in_executor", w, lambda: run_async(executor, n, k), executor_start, default),
    ]
    if models is not None:
        table = [row for row in table if row[1] in models]
    runs = {variant: [] for _, variant, _, _, _, _ in table}
    try:
        for _ in range(repeat):
            for _, variant, _, fn, _, _ in table:
                runs[variant].append(measure(fn))
    finally:
        pool.close()
        pool.join()
        executor.shutdown()
        thread_executor.shutdown()
    for model, variant, workers, _, started, method in table:
        times = [elapsed for _, elapsed, _, _ in runs[variant]]
        result = runs[variant][-1][0]
        if result != n * k:
            raise SystemExit(f"{variant} returned {result}, expected {n * k}")
        records.append({
            "lang": "python",
            "job": "count",
            "model": model,
            "variant": variant,
            "tasks": k,
            "to": n,
            "workers": workers,
            "result": result,
            "elapsed_s": statistics.median(times),
            "elapsed_min_s": min(times),
            "elapsed_max_s": max(times),
            "runs": repeat,
            # CPU time over wall time: about 1 for one busy core.
            "cores_used": statistics.median(used for _, _, used, _ in runs[variant]),
            # Every round's time, in order: the variants ran in the same rounds, side by side.
            "rounds_s": times,
            "start_method": method,
            "gil": gil,
            "python": python,
            "start_s": started,
        })

    # What one process costs before it does anything, per start method: a no-op task,
    # start to join (the overhead chart sets it beside the Rust mechanisms).
    for method in methods if models is None else []:
        median, fastest, slowest = process_startup(method, max(5, 5 * repeat))
        records.append({
            "lang": "python",
            "job": "overhead",
            "model": "process",
            "variant": f"multiprocessing.Process start+join ({method}), from idle",
            "start_method": method,
            "tasks": 1,
            "to": n,
            "elapsed_s": median,
            "elapsed_min_s": fastest,
            "elapsed_max_s": slowest,
            "runs": max(5, 5 * repeat),
            "gil": gil,
            "python": python,
        })
    # The forkserver's children are its own, not ours: stopping it waits for it, and only
    # then does their CPU time reach RUSAGE_CHILDREN (else whoever watches the machine, as
    # `harness python` does, would count it as another program's).
    stop = getattr(getattr(multiprocessing.forkserver, "_forkserver", None), "_stop", None)
    if "forkserver" in methods and stop is not None:
        stop()
    return records


def serve(n, k, w, warm_up_s=1.0):
    """Serves rounds to `harness claims`, which decides when to stop: the first line out says
    what can run (`variants`, `python`, `gil`); then for each line in, `run VARIANT` runs that
    variant once (K tasks counting to N) and answers `elapsed_s`, `cpu_s`, `cores_used`,
    `result`; `startup METHOD REPEAT` times a no-op process under a start method; `quit` (or
    the end of input) closes the pools. Pools are started once, before the first round."""
    warm = time.perf_counter()
    while time.perf_counter() - warm < warm_up_s:
        count(min(n, 1_000_000))
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    pool = multiprocessing.Pool(w)
    pool.apply(noop)
    executor = concurrent.futures.ProcessPoolExecutor(w)
    list(executor.map(noop_arg, [0] * w))
    thread_executor = concurrent.futures.ThreadPoolExecutor(w)
    list(thread_executor.map(noop_arg, [0] * w))
    default = multiprocessing.get_start_method()
    methods = start_methods()
    table = {
        "loop": ("serial", 1, None, lambda: run_serial(n, k, w)),
        "threading.Thread": ("threads", k, None, lambda: run_threads(n, k, w)),
        **({"threading.Thread (own N)": ("threads", k, None, lambda: run_threads(n, k, w, own=True))}
           if free_threaded_build() else {}),
        "ThreadPoolExecutor": ("threads", w, None, lambda: run_thread_executor(thread_executor, n, k)),
        **{f"multiprocessing.Process ({m})": ("process", k, m, (lambda m=m: run_process(multiprocessing.get_context(m), n, k)))
           for m in methods},
        "Pool.apply_async": ("pool", w, default, lambda: run_pool(pool, n, k)),
        "ProcessPoolExecutor": ("pool", w, default, lambda: run_executor(executor, n, k)),
        "run_in_executor": ("async", w, default, lambda: run_async(executor, n, k)),
    }
    say = lambda value: print(json.dumps(value), flush=True)
    say({"variants": [{"variant": v, "model": m, "workers": wk, "start_method": sm} for v, (m, wk, sm, _) in table.items()],
         "python": sys.version.split()[0], "gil": gil, "start_methods": methods})
    try:
        for line in sys.stdin:
            words = line.split()
            if not words or words[0] == "quit":
                break
            if words[0] == "run":
                variant = line.strip()[len("run "):]
                if variant not in table:
                    say({"error": f"no variant {variant!r}"})
                    continue
                result, elapsed, used, cpu = measure(table[variant][3])
                say({"elapsed_s": elapsed, "cpu_s": cpu, "cores_used": used, "result": result})
            elif words[0] == "startup" and len(words) == 3:
                median, fastest, slowest = process_startup(words[1], int(words[2]))
                say({"elapsed_s": median, "elapsed_min_s": fastest, "elapsed_max_s": slowest, "runs": int(words[2])})
            else:
                say({"error": f"unknown command {line.strip()!r}"})
    finally:
        pool.close()
        pool.join()
        executor.shutdown()
        thread_executor.shutdown()
        stop = getattr(getattr(multiprocessing.forkserver, "_forkserver", None), "_stop", None)
        if "forkserver" in methods and stop is not None:
            stop()


def run_coroutine(main):
    """asyncio.run(main()), also where an event loop already runs in this thread (a Jupyter
    kernel has one): then on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, main()).result()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--to", type=int, default=100_000_000)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--serve", action="store_true", help="serve rounds to `harness claims` (see serve)")
    parser.add_argument("--model", action="append", dest="models",
                        help="only this variant ('loop', 'threading.Thread', ...; repeatable)")
    parser.add_argument("--text", action="store_true", help="a line per model for a person instead of JSON")
    args = parser.parse_args()
    if args.serve:
        serve(args.to, args.tasks, args.workers)
        return
    records = run_models(args.to, args.tasks, args.workers, args.repeat, models=args.models)
    if not args.text:
        for record in records:
            print(json.dumps(record), flush=True)
        return
    first = records[0]
    print(f"Python {first['python']}, GIL {'on' if first['gil'] else 'off'}: K = {args.tasks} tasks counting to "
          f"N = {args.to:,}, median of {args.repeat} rounds (every model once a round)")
    loop = next((r for r in records if r["variant"] == "loop"), None)
    for r in records:
        if r["job"] != "count":
            continue
        ratio = f"{loop['elapsed_s'] / r['elapsed_s']:5.2f}x loop" if loop else ""
        print(f"  {r['variant']:34} {r['elapsed_s']:7.3f} s  {ratio}  {r['cores_used']:.2f} cores busy")


def noop_arg(_):
    return None


if __name__ == "__main__":
    main()
