#!/usr/bin/env bash
# The MapReduce job on timely-dataflow across N local processes (default 2) on loopback:
# writes a hostfile, starts processes 1..N-1 in the background and process 0 in front, which
# prints the result. On several machines, run the same command on each host with its own
# --process and a hostfile listing every host:port (see README, "Beyond one machine").
#
#   scripts/distributed-demo.sh [FILE] [PROCESSES] [WORKERS_PER_PROCESS]
set -euo pipefail
cd "$(dirname "$0")/.."
harness=target/release/harness
file=${1:-data/a-20000000-1000000-2012.tsv}
n=${2:-2}
w=${3:-1}
cargo build --release --quiet -p harness
[ -f "$file" ] || "$harness" gen --lines 20000000 --unique 1000000 --seed 2012 --out "$file"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
base=$((20000 + RANDOM % 20000))
for i in $(seq 0 $((n - 1))); do echo "127.0.0.1:$((base + i))"; done > "$dir/hosts.txt"
echo "hostfile ($dir/hosts.txt):"; sed 's/^/  /' "$dir/hosts.txt"
# Every process is given the same options: with the spread reduce (the default) each makes
# its share of the top and the words, and they check they agree before any work.
same=(--model mapreduce --engine timely --workers "$w" --processes "$n" --hostfile "$dir/hosts.txt" --word Aardvark --top 5)
pids=()
for i in $(seq 1 $((n - 1))); do
    "$harness" ngram "$file" "${same[@]}" --process "$i" 2> "$dir/process-$i.log" &
    pids+=($!)
done
"$harness" ngram "$file" "${same[@]}" --process 0
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for i in $(seq 1 $((n - 1))); do sed "s/^/process $i: /" "$dir/process-$i.log" | grep -v retrying || true; done
exit $status
