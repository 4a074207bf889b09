#!/usr/bin/env python3
"""The article's point about result order, measured: one long count and four short ones go
to a warm ProcessPoolExecutor, the long one first. `executor.map` hands results back in the
order the calls were made, so the short results wait behind the long one; `as_completed`
hands each back as it finishes. For each, the time from submitting to the first short
result, and to the last result.

Prints one JSON object per way (a record of reports/results.json, job "result_order"):
`elapsed_s` (everything back), `first_short_s` (the first short result back) with its least
and most over the runs, and `order` (the counts in the order they came back).
"""

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from count import count  # the article's loop, the one count.py times

SHORT = [1, 3, 5, 22]


def by_map(executor, numbers):
    start = time.perf_counter()
    arrivals = [(result, time.perf_counter() - start) for result in executor.map(count, numbers)]
    return arrivals


def by_as_completed(executor, numbers):
    start = time.perf_counter()
    futures = [executor.submit(count, n) for n in numbers]
    return [(f.result(), time.perf_counter() - start) for f in as_completed(futures)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--to", type=int, default=20_000_000, help="the long count")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    numbers = [args.to] + SHORT
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    ways = [("map", "ProcessPoolExecutor.map", by_map), ("as_completed", "as_completed(submit)", by_as_completed)]
    runs = {way: [] for way, _, _ in ways}
    with ProcessPoolExecutor(args.workers) as executor:
        # Every worker started before any clock.
        list(executor.map(count, [0] * args.workers))
        for _ in range(max(1, args.repeat)):
            for way, _, fn in ways:
                runs[way].append(fn(executor, numbers))
    for way, variant, _ in ways:
        firsts = [min(t for r, t in arrivals if r in SHORT) for arrivals in runs[way]]
        lasts = [max(t for _, t in arrivals) for arrivals in runs[way]]
        median_run = sorted(range(len(firsts)), key=lambda i: firsts[i])[len(firsts) // 2]
        record = {
            "lang": "python",
            "job": "result_order",
            "model": "pool",
            "variant": variant,
            "way": way,
            "to": args.to,
            "workers": args.workers,
            "elapsed_s": statistics.median(lasts),
            "elapsed_min_s": min(lasts),
            "elapsed_max_s": max(lasts),
            "first_short_s": statistics.median(firsts),
            "first_short_min_s": min(firsts),
            "first_short_max_s": max(firsts),
            "order": [r for r, _ in runs[way][median_run]],
            "runs": len(firsts),
            "python": sys.version.split()[0],
            "gil": gil,
        }
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
