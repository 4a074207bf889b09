#!/usr/bin/env python3
"""The article's MapReduce as a baseline, as its listing runs it: read the whole shard with
readlines(); then, on the clock, start a ProcessPoolExecutor, map each chunk of
`--chunk-lines` lines to a dict with run_in_executor + gather, and reduce the dicts pairwise
with functools.reduce(merge_dict, middle_results), all inside the `with` block; the clock
stops there, before the pool shuts down.

Prints one JSON object (a record of reports/results.json, "lang": "python"). `elapsed_s` is
the article's window; what this project adds is reported beside it, never folded in:
`read_s` (readlines), `map_s` (pool start, map, gather), `reduce_s` (the reduce alone),
`shutdown_s` (leaving the `with` block), and `cores_used` over the window and the shutdown
(when the workers' CPU time is known). `--output FILE` writes every total, `ngram TAB total`
sorted by the ngram's bytes, as `harness ngram --output` does.
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import reduce

from count import run_coroutine  # asyncio.run, also inside a running loop (a notebook)


def partition(data, chunk_size):
    """Cut a big list into lists of `chunk_size` items."""
    for i in range(0, len(data), chunk_size):
        yield data[i : i + chunk_size]


def map_frequencies(chunk):
    """Each ngram's summed match_count in one chunk of lines."""
    frequencies = {}
    # A line: ngram TAB year TAB match_count TAB volume_count.
    for line in chunk:
        word, _, count, _ = line.split("\t")
        if word in frequencies:
            frequencies[word] += int(count)
        else:
            frequencies[word] = int(count)
    return frequencies


def merge_dict(first, second):
    keys = first.keys() | second.keys()
    return {key: first.get(key, 0) + second.get(key, 0) for key in keys}


def cpu_seconds():
    """CPU seconds of this process and of its children that have been waited for."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


async def mapreduce(contents, chunk_size, workers, executor=ProcessPoolExecutor):
    """The article's main(), past its readlines(): returns the totals and the timings. With
    `executor=ThreadPoolExecutor` (where the GIL is off, a free-threaded CPython), the chunks
    go to threads of this process instead: nothing is pickled to another."""
    loop = asyncio.get_running_loop()
    tasks = []
    cpu = cpu_seconds()
    start = time.perf_counter()
    with executor(workers) as pool:
        for chunk in partition(contents, chunk_size):
            tasks.append(loop.run_in_executor(pool, map_frequencies, chunk))
        middle_results = await asyncio.gather(*tasks)
        mapped = time.perf_counter()
        final_results = reduce(merge_dict, middle_results)
        end = time.perf_counter()
    shut = time.perf_counter()
    # The pool's workers were waited for when it shut down: their CPU time is in now.
    cores_used = (cpu_seconds() - cpu) / (shut - start)
    timings = {
        "elapsed_s": end - start,
        "map_s": mapped - start,
        "reduce_s": end - mapped,
        "shutdown_s": shut - end,
        "cores_used": cores_used,
        "chunks": len(middle_results),
    }
    return final_results, timings


def run(path, chunk_lines, workers, executor=ProcessPoolExecutor):
    """The article's program on `path`: readlines(), then its main() past it. Returns the
    totals and the timings (`read_s` and `lines` besides those of `mapreduce`). Errors end
    the program with one line naming the file. The notebooks call this too."""
    start = time.perf_counter()
    try:
        with open(path, encoding="utf-8") as f:
            contents = f.readlines()
    except OSError as e:
        raise SystemExit(f"mapreduce.py: {path}: {e.strerror}")
    read_s = time.perf_counter() - start
    if not contents:
        # reduce() without an initial value, as the article calls it, has nothing to start from.
        raise SystemExit(f"mapreduce.py: {path}: no lines to count")
    try:
        totals, timings = run_coroutine(lambda: mapreduce(contents, chunk_lines, workers, executor))
    except ValueError as e:
        # A line without four tab-separated fields, or a count that is not a number; the
        # article's program stops there too, without saying where.
        raise SystemExit(f"mapreduce.py: {path}: a malformed line ({e}); the article's program cannot skip it")
    timings.update(read_s=read_s, lines=len(contents))
    return totals, timings


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("shard")
    parser.add_argument("--chunk-lines", type=int, default=4_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--word", action="append", default=[])
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--output", help="write every ngram and its total, sorted by the ngram's bytes")
    parser.add_argument("--text", action="store_true", help="print one line for a person instead of the JSON record")
    parser.add_argument("--executor", choices=["processes", "threads"], default="processes",
                        help="the article's ProcessPoolExecutor, or a ThreadPoolExecutor (for a free-threaded CPython)")
    args = parser.parse_args()
    if args.chunk_lines < 1 or args.workers < 1:
        raise SystemExit("mapreduce.py: --chunk-lines and --workers must be at least 1")

    executor = ThreadPoolExecutor if args.executor == "threads" else ProcessPoolExecutor
    totals, timings = run(args.shard, args.chunk_lines, args.workers, executor)
    if args.output:
        # A file of its own, renamed whole: never a half-written answer under the name.
        partial = f"{args.output}.{os.getpid()}.partial"
        with open(partial, "wb") as out:
            for key in sorted(totals, key=str.encode):
                out.write(key.encode() + b"\t" + str(totals[key]).encode() + b"\n")
        os.replace(partial, args.output)
    top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0].encode()))[: args.top]
    record = {
        "lang": "python",
        "job": "ngram",
        "model": "mapreduce",
        "variant": f"readlines+{executor.__name__}+reduce",
        "workers": args.workers,
        "bytes": os.path.getsize(args.shard),
        "distinct": len(totals),
        "total_match_count": sum(totals.values()),
        "chunk_lines": args.chunk_lines,
        "words": {w: totals.get(w, 0) for w in args.word},
        "top": [[k, v] for k, v in top],
        "files": [args.shard],
        "skipped_malformed": 0,
        "python": sys.version.split()[0],
        "gil": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True,
    }
    record.update(timings)
    # The most resident memory this process, or its largest pool worker, held (Linux: KiB).
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    record["peak_rss_bytes"] = peak * (1 if sys.platform == "darwin" else 1024)
    if args.text:
        print(
            f"{record['lines']:,} lines in {record['chunks']} chunks, {args.workers} workers: readlines "
            f"{record['read_s']:.3f} s (before the clock); the article's window {record['elapsed_s']:.3f} s = "
            f"pool start + map {record['map_s']:.3f} s + functools.reduce(merge_dict) {record['reduce_s']:.3f} s; "
            f"shutdown {record['shutdown_s']:.3f} s (after it); {record['distinct']:,} distinct",
            flush=True,
        )
    else:
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
