#!/usr/bin/env bash
# The MapReduce engine against polars on the same file, in the same run: RUNS runs of each,
# alternating (so that both see the same machine weather), medians and the ratio printed.
# Installs polars (python/requirements-polars.txt) into .venv if it is missing.
#
#   scripts/vs-polars.sh FILE [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:?usage: scripts/vs-polars.sh FILE [RUNS]}
runs=${2:-3}
harness=target/release/harness
command -v python3 >/dev/null || { echo "vs-polars: needs python3" >&2; exit 2; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -c 'import polars' 2>/dev/null || .venv/bin/pip install -q -r python/requirements-polars.txt
cargo build --release --quiet -p harness
timed() { if [ -x /usr/bin/time ]; then /usr/bin/time -f '{"wall_s": %e, "max_rss_kb": %M}' -o "$1" "${@:2}"; else echo '{}' > "$1"; "${@:2}"; fi; }

echo "warming the page cache with $file" >&2
cat "$file" > /dev/null
out=$(mktemp -d)
for i in $(seq "$runs"); do
    timed "$out/rust-time-$i" "$harness" ngram "$file" --model mapreduce --json > "$out/rust-$i"
    timed "$out/polars-time-$i" .venv/bin/python python/polars_ngram.py "$file" > "$out/polars-$i"
done
python3 - "$out" "$runs" "$file" <<'PY'
import json, statistics, sys
out, runs, file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def load(kind):
    rows = []
    for i in range(1, runs + 1):
        record = json.load(open(f"{out}/{kind}-{i}"))
        record.update(json.load(open(f"{out}/{kind}-time-{i}")))
        rows.append(record)
    return rows
rust, polars = load("rust"), load("polars")
for a, b in zip(rust, polars):
    assert (a["distinct"], a["total_match_count"]) == (b["distinct"], b["total_match_count"]), "answers differ"
med = lambda rows, key: statistics.median(r[key] for r in rows if key in r) if any(key in r for r in rows) else float("nan")
print(f"{file}: {rust[0]['lines']:,} lines, {rust[0]['bytes']/1e9:.2f} GB, {rust[0]['distinct']:,} distinct; medians of {runs} runs each")
print(f"{'':22}{'elapsed':>10}{'wall':>10}{'max RSS':>12}")
for name, rows in (("rust mapreduce", rust), ("polars " + polars[0]["variant"].split()[1], polars)):
    print(f"{name:22}{med(rows, 'elapsed_s'):9.3f}s{med(rows, 'wall_s'):9.2f}s{med(rows, 'max_rss_kb')/1024:9.0f} MB")
print(f"polars / rust: {med(polars, 'elapsed_s') / med(rust, 'elapsed_s'):.2f}x (elapsed), "
      f"{med(polars, 'wall_s') / med(rust, 'wall_s'):.2f}x (process wall)")
PY
rm -rf "$out"
