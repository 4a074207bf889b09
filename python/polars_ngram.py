#!/usr/bin/env python3
"""polars on the ngram job: the bar the Rust MapReduce engine is measured against.

scan_csv (tab-separated, no header, no quoting) then group_by(ngram) and sum(match_count),
collected with polars' own multi-threaded engine. Prints one JSON object in the schema
`harness ngram --json` uses, with "lang": "python" and "model": "polars". Without polars
installed it says so on stderr and exits with status 3 (harness python then skips it).
"""

import argparse
import json
import os
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("shard")
    parser.add_argument("--word", action="append", default=[])
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    try:
        import polars as pl
    except ImportError:
        print("polars_ngram.py: polars is not installed; skipping", file=sys.stderr)
        sys.exit(3)

    start = time.perf_counter()
    frame = pl.scan_csv(
        args.shard,
        separator="\t",
        has_header=False,
        quote_char=None,
        new_columns=["ngram", "year", "match_count", "volume_count"],
        schema_overrides={"ngram": pl.String, "match_count": pl.UInt64},
    )
    totals = frame.group_by("ngram").agg(pl.col("match_count").sum()).collect()
    elapsed = time.perf_counter() - start

    top = totals.sort(["match_count", "ngram"], descending=[True, False]).head(args.top)
    words = {}
    for word in args.word:
        hit = totals.filter(pl.col("ngram") == word)
        words[word] = int(hit["match_count"][0]) if hit.height else 0
    print(
        json.dumps(
            {
                "lang": "python",
                "job": "ngram",
                "model": "polars",
                "variant": f"polars {pl.__version__} scan_csv+group_by+sum",
                "workers": pl.thread_pool_size(),
                "bytes": os.path.getsize(args.shard),
                "distinct": totals.height,
                "total_match_count": int(totals["match_count"].sum()),
                "elapsed_s": elapsed,
                "words": words,
                "top": [[k, int(v)] for k, v in top.iter_rows()],
                "files": [args.shard],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
