#!/usr/bin/env bash
# The main job: build, generate the shard, measure the article's claims side by side, run the
# criterion benches and the Python baselines, sweep the chunk sizes, and write reports/. `just
# bench`, `just bench-quick` and `just bench-full` call this; CI calls it too, so it needs
# nothing but cargo (and, optionally, python3). Each step prints its time, and the total.
#
#   scripts/bench.sh [quick|default|full]
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-default}
case "$mode" in
    quick)   lines=2000000;  unique=100000;  to=10000000;  python_to=5000000;  budget=50;  chunk_lines=500000;  sweep_repeat=1; python_repeat=1; polars=; export BENCH_QUICK=1 ;;
    default) lines=20000000; unique=1000000; to=100000000; python_to=10000000; budget=100; chunk_lines=4000000; sweep_repeat=2; python_repeat=3; polars=--polars ;;
    full)    lines=86618505; unique=4000000; to=100000000; python_to=100000000; budget=600; chunk_lines=4000000; sweep_repeat=3; python_repeat=3; polars=--polars ;;
    *) echo "usage: scripts/bench.sh [quick|default|full]" >&2; exit 2 ;;
esac
seed=2012
shard="data/a-$lines-$unique-$seed.tsv"
harness=target/release/harness

began=$(date +%s)
step_began=$began
step_name=
steps=()
# step NAME: ends the step before (printing its time) and starts NAME.
step() {
    local now
    now=$(date +%s)
    if [ -n "$step_name" ]; then steps+=("$(printf '%-34s %4ds' "$step_name" $((now - step_began)))"); fi
    step_name=$1
    step_began=$now
    [ -n "$1" ] && printf '\n== %s (%s)\n' "$1" "$(date +%T)"
    return 0
}
finish() {
    step ""
    local total=$(($(date +%s) - began))
    printf '\n== time per step\n'
    printf '%s\n' "${steps[@]}"
    printf '%-34s %4ds (%dm%02ds)\n' "total" "$total" $((total / 60)) $((total % 60))
}
trap finish EXIT

step "build (release)"
cargo build --release --quiet -p harness
cargo build --release --quiet -p benches --benches

step "shard $shard"
if [ -f "$shard" ]; then echo "already generated"; else "$harness" gen --lines "$lines" --unique "$unique" --seed "$seed" --out "$shard"; fi

# Results from an earlier run of another size must not leak into this report.
rm -rf target/criterion/count target/criterion/count_n target/criterion/ngram target/criterion/overhead target/criterion/chunk_size
rm -f reports/claims.jsonl reports/python.jsonl reports/sweep.jsonl reports/sweep.json
mkdir -p reports

step "claims, side by side (budget ${budget}s)"
# A free-threaded CPython (PEP 703), on the PATH or built by `just free-threaded`, runs too:
# its GIL switched on and off, beside python3.
interpreters=(--python python3)
if free=$(scripts/free-threaded.sh --find-only 2>/dev/null | tail -n 1) && [ -n "$free" ]; then
    interpreters+=(--python "$free")
    echo "Python: python3 ($(command -v python3 >/dev/null && python3 --version 2>&1 || echo missing)) and the free-threaded $("$free" --version 2>&1) at $free"
else
    echo "Python: python3 only ($(command -v python3 >/dev/null && python3 --version 2>&1 || echo missing)); \`just free-threaded\` finds or builds a free-threaded CPython (minutes, once) and the next run adds it"
fi
"$harness" claims --to "$to" --python-to "$python_to" --shard "$shard" --budget "$budget" "${interpreters[@]}" --out reports/claims.jsonl

# The chunk-size curve comes from `harness sweep` below (wider and quicker than criterion's
# chunk_size group, which `cargo bench` still runs).
export BENCH_SHARD="$shard" BENCH_SYNTHETIC=1 BENCH_COUNT_TO="$to" HARNESS_BIN="$harness" BENCH_GROUPS=count,ngram,overhead
step "criterion: count, ngram, overhead"
cargo bench --quiet -p benches --bench groups -- --noplot 2>&1 | grep -E '^[a-z_]+/|time:|thrpt:' || true

step "Python baselines (same shard)"
"$harness" python --to "$to" --count-to "$python_to" --tasks 2 --repeat "$python_repeat" --shard "$shard" --chunk-lines "$chunk_lines" $polars "${interpreters[@]}"

step "sweep: chunk sizes from 4 KiB to 256 MiB"
"$harness" sweep "$shard" --repeat "$sweep_repeat" --out reports/sweep.jsonl

step "report"
"$harness" report
echo
echo "open reports/index.html"
