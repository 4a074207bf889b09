#!/usr/bin/env python3
"""The article's warning about CPU work in a coroutine, measured: a heartbeat task that
should wake every `--period-ms` milliseconds runs on the asyncio event loop while one count
to `--to` runs three ways:

- inline: the count called inside a coroutine, on the loop's own thread (the loop stops);
- run_in_executor on a ThreadPoolExecutor: another thread, but the same GIL, so the loop
  waits for the GIL each time it wakes (up to the interpreter's switch interval,
  sys.getswitchinterval(), 5 ms by default);
- run_in_executor on a ProcessPoolExecutor: another process with its own GIL.

Prints one JSON object per way (a record of reports/results.json, job "heartbeat"):
`elapsed_s` (the count's wall time), `beats` during it, `expected_beats` (that time over the
period), the worst and median lateness of a beat, and `switch_interval_s`.
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from count import count, noop  # the article's loop, the one count.py times


async def heartbeat(period, lateness, stop):
    """Wake every `period` seconds until `stop` is set; note how late each wake was."""
    loop = asyncio.get_running_loop()
    due = loop.time() + period
    while not stop.is_set():
        await asyncio.sleep(max(0.0, due - loop.time()))
        now = loop.time()
        lateness.append(now - due)
        # The next beat is due a period after this one was due (or now, if far behind).
        due = max(due + period, now)


async def measure(way, n, period, executor):
    loop = asyncio.get_running_loop()
    lateness, stop = [], asyncio.Event()
    beat = asyncio.create_task(heartbeat(period, lateness, stop))
    await asyncio.sleep(period * 3)  # the heartbeat is running before the work starts
    before = len(lateness)
    start = time.perf_counter()
    if way == "inline":
        result = count(n)
    else:
        result = await loop.run_in_executor(executor, count, n)
    work_s = time.perf_counter() - start
    # The beat that was due during the work and ran after it still counts as late.
    await asyncio.sleep(0)
    during = lateness[before:]
    stop.set()
    await beat
    if result != n:
        raise SystemExit(f"heartbeat.py: {way} counted to {result}, expected {n}")
    return work_s, during


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--to", type=int, default=20_000_000)
    parser.add_argument("--period-ms", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    period = args.period_ms / 1000
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True

    with ThreadPoolExecutor(1) as threads, ProcessPoolExecutor(1) as processes:
        # Both pools started before any clock (a process pool starts its worker on first use).
        threads.submit(noop).result()
        processes.submit(noop).result()
        ways = [
            ("inline", "count inline in a coroutine", None),
            ("threads", "run_in_executor(ThreadPoolExecutor)", threads),
            ("processes", "run_in_executor(ProcessPoolExecutor)", processes),
        ]
        runs = {way: [] for way, _, _ in ways}
        for _ in range(max(1, args.repeat)):
            for way, _, executor in ways:
                runs[way].append(asyncio.run(measure(way, args.to, period, executor)))
    for way, variant, _ in ways:
        # The run with the median worst lateness, and the spread of the worst lateness.
        worsts = sorted((max(d, default=0.0), w, d) for w, d in runs[way])
        worst, work_s, during = worsts[len(worsts) // 2]
        record = {
            "lang": "python",
            "job": "heartbeat",
            "model": "async",
            "variant": variant,
            "placement": way,
            "to": args.to,
            "period_s": period,
            # The count's wall time (the median run's), and the worst lateness of a beat
            # during it: that run's, and the least and most over the runs.
            "elapsed_s": work_s,
            "beats": len(during),
            "expected_beats": work_s / period,
            "worst_late_s": worst,
            "worst_late_min_s": worsts[0][0],
            "worst_late_max_s": worsts[-1][0],
            "median_late_s": statistics.median(during) if during else 0.0,
            "runs": len(worsts),
            "switch_interval_s": sys.getswitchinterval(),
            "python": sys.version.split()[0],
            "gil": gil,
        }
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
