#!/usr/bin/env bash
# The main job: build, generate the shard, run the criterion benches, the Python baselines,
# and write reports/. `just bench`, `just bench-quick` and `just bench-full` call this; CI
# calls it too, so it needs nothing but cargo (and, optionally, python3).
#
#   scripts/bench.sh [quick|default|full]
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-default}
case "$mode" in
    quick)   lines=2000000;  unique=100000;  to=10000000;  chunk_lines=500000;  sweep_repeat=1; python_repeat=1; polars=; export BENCH_QUICK=1 BENCH_CHUNK_MIN=262144 ;;
    default) lines=20000000; unique=1000000; to=100000000; chunk_lines=4000000; sweep_repeat=3; python_repeat=3; polars=--polars ;;
    full)    lines=86618505; unique=4000000; to=100000000; chunk_lines=4000000; sweep_repeat=3; python_repeat=3; polars=--polars ;;
    *) echo "usage: scripts/bench.sh [quick|default|full]" >&2; exit 2 ;;
esac
seed=2012
shard="data/a-$lines-$unique-$seed.tsv"
harness=target/release/harness

step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }

step "build (release)"
cargo build --release --quiet -p harness
cargo build --release --quiet -p benches --benches

step "shard $shard"
if [ -f "$shard" ]; then echo "already generated"; else "$harness" gen --lines "$lines" --unique "$unique" --seed "$seed" --out "$shard"; fi

# Results from an earlier run of another size must not leak into this report.
rm -rf target/criterion/count target/criterion/count_n target/criterion/ngram target/criterion/overhead target/criterion/chunk_size

export BENCH_SHARD="$shard" BENCH_SYNTHETIC=1 BENCH_COUNT_TO="$to" HARNESS_BIN="$harness"
for group in count ngram overhead chunk_size; do
    step "criterion: $group"
    cargo bench --quiet -p benches --bench "$group" -- --noplot 2>&1 | grep -E '^[a-z_]+/|time:|thrpt:' || true
done

step "Python baselines (same N, K and shard)"
# A free-threaded CPython (PEP 703) on the PATH runs the count baselines too, beside the
# regular build, so the report shows its threads without a GIL.
interpreters=(--python python3)
free=
for candidate in python3.14t python3.13t; do
    if command -v "$candidate" >/dev/null && "$candidate" --version >/dev/null 2>&1; then free=$candidate; break; fi
done
if [ -n "$free" ]; then
    echo "free-threaded CPython found: $free (its count baselines run beside python3's)"
    interpreters+=(--python "$free")
else
    echo "no free-threaded CPython (python3.14t, python3.13t) on the PATH: the report shows the GIL build only"
fi
"$harness" python "${interpreters[@]}" --to "$to" --tasks 2 --repeat "$python_repeat" --shard "$shard" --chunk-lines "$chunk_lines" $polars

step "sweep: chunk sizes from 4 KiB to 256 MiB"
"$harness" sweep "$shard" --repeat "$sweep_repeat" --out reports/sweep.json

step "report"
"$harness" report
echo
echo "open reports/index.html"
