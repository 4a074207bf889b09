#!/usr/bin/env python3
"""A projection, on paper, of the MapReduce job on several machines, from rates measured
here: the engine's map + combine rate per worker and its reduce time (one worker, `harness
ngram --model mapreduce --workers 1`), and the bytes of pre-combined partitions the map
produces (what the process model ships back: `--model process --algorithm partitioned`),
which is what would cross the network.

Two designs, both in `--engine timely`. `--reduce gathered`: every partition goes to the first
machine, which prints the answer, and reduces there:

    T(M) = S / (M C r_map)  +  P (M - 1) / (M B)  +  R / C

and `--reduce spread` (the default): each partition reduced on the machine that owns it,
only the answer sent to the first, the totals left where they were reduced:

    T(M) = S / (M C r_map)  +  P (M - 1) / (M^2 B)  +  R / (M C)

S input bytes, M machines of C cores, r_map bytes per second per worker, P partition bytes
(all machines together), B each machine's network bandwidth, R one worker's reduce time for
S. Assumed: every machine already holds its share of the input in its page cache; perfect
balance; no start-up or connection time; the exchange does not overlap the map
(pessimistic: on `scripts/cluster.sh`'s shaped links the bytes are as projected, and the time
a rate adds can be less than the network term where processes finish mapping at different
times); the reduce scales with cores.

    scripts/projection.py FILE [--harness target/release/harness]
"""

import argparse
import json
import os
import subprocess


def run(harness, *args):
    out = subprocess.run([harness, *args, "--json", "--top", "0"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--harness", default="target/release/harness")
    args = parser.parse_args()
    one = run(args.harness, "ngram", args.file, "--model", "mapreduce", "--workers", "1", "--repeat", "3")
    shipped = run(args.harness, "ngram", args.file, "--model", "process", "--algorithm", "partitioned")
    size = one["bytes"]
    phases = one["phases"]
    r_map = size / (phases["split_s"] + phases["map_s"])
    reduce_per_byte = phases["reduce_s"] / size
    partition_ratio = shipped["shipping"]["bytes_from_workers"] / size
    cores = os.cpu_count()
    print(f"measured on {args.file} ({size / 1e9:.2f} GB): map + combine {r_map / 1e9:.2f} GB/s per worker, "
          f"reduce {phases['reduce_s']:.3f} s on one worker, partitions {partition_ratio:.1%} of the input "
          f"({shipped['shipping']['bytes_from_workers'] / 1e6:.0f} MB)")
    # The 'a' shard, and all 1-gram shards of the 2012 English corpus taken as 26 shards the
    # size of 'a' (an assumed size, one per letter: put the real total in when you have it).
    inputs = [("the 'a' shard", 1.72e9), ("26 shards like 'a' (assumed 44.7 GB)", 26 * 1.72e9)]
    networks = [("1 Gbit/s", 125e6), ("10 Gbit/s", 1.25e9)]
    print(f"projection: machines of {cores} cores like this one; seconds")
    header = "| reduce: input | network | " + " | ".join(f"{m} machine{'s' if m > 1 else ''}" for m in (1, 2, 4, 8, 16)) + " |"
    print(header)
    print("|" + " --- |" * (2 + 5))
    designs = [
        ("gathered", lambda s, b, m: s * partition_ratio * (m - 1) / (m * b) + s * reduce_per_byte / cores),
        ("spread", lambda s, b, m: s * partition_ratio * (m - 1) / (m * m * b) + s * reduce_per_byte / (m * cores)),
    ]
    for design, rest in designs:
        for name, s in inputs:
            for net, b in networks:
                cells = [f"{s / (m * cores * r_map) + rest(s, b, m):.2f}" for m in (1, 2, 4, 8, 16)]
                print(f"| {design}: {name} | {net} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
