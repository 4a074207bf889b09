#!/usr/bin/env python3
"""The article's MapReduce as a baseline: read the whole shard with readlines(), cut it
into chunks of `--chunk-lines` lines, map each chunk to a dict in a ProcessPoolExecutor via
run_in_executor + gather, then reduce the dicts pairwise with functools.reduce(merge_dict).
Prints one JSON object in the schema `harness ngram --json` uses, with "lang": "python".
"""

import argparse
import asyncio
import concurrent.futures
import functools
import json
import os
import time


def partition(data, chunk_size):
    for i in range(0, len(data), chunk_size):
        yield data[i : i + chunk_size]


def map_frequencies(chunk):
    frequencies = {}
    for line in chunk:
        word, _, count, _ = line.split("\t")
        frequencies[word] = frequencies.get(word, 0) + int(count)
    return frequencies


def merge_dict(first, second):
    keys = first.keys() | second.keys()
    return {key: first.get(key, 0) + second.get(key, 0) for key in keys}


async def mapreduce(contents, chunk_size, workers):
    loop = asyncio.get_running_loop()
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        tasks = [loop.run_in_executor(pool, map_frequencies, chunk) for chunk in partition(contents, chunk_size)]
        middle = await asyncio.gather(*tasks)
    return functools.reduce(merge_dict, middle, {})


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shard")
    parser.add_argument("--chunk-lines", type=int, default=4_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--word", action="append", default=[])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()

    start = time.perf_counter()
    with open(args.shard, encoding="utf-8") as f:
        contents = f.readlines()
    read_s = time.perf_counter() - start
    totals = asyncio.run(mapreduce(contents, args.chunk_lines, args.workers))
    elapsed = time.perf_counter() - start
    top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0].encode()))[: args.top]
    print(
        json.dumps(
            {
                "lang": "python",
                "job": "ngram",
                "model": "mapreduce",
                "variant": "readlines+ProcessPoolExecutor+reduce",
                "workers": args.workers,
                "lines": len(contents),
                "bytes": os.path.getsize(args.shard),
                "distinct": len(totals),
                "total_match_count": sum(totals.values()),
                "elapsed_s": elapsed,
                "read_s": read_s,
                "chunk_lines": args.chunk_lines,
                "words": {w: totals.get(w, 0) for w in args.word},
                "top": [[k, v] for k, v in top],
                "files": [args.shard],
                "skipped_malformed": 0,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
