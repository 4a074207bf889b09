#!/usr/bin/env bash
# Regenerates the README's measured blocks on this machine: each block between
# `<!-- figures:NAME -->` and `<!-- /figures -->` is replaced by the output of the command
# that made it, and the stamp block says where and when (machine, date, commit). So every
# figure the README shows from a run comes from one run that this script repeats.
#
#   scripts/readme-figures.sh            (or: just readme-figures)
#
# Needs the default shard (made if missing, about 10 s) and takes about two minutes, two more
# as root (the cluster blocks).
set -euo pipefail
cd "$(dirname "$0")/.."

harness=target/release/harness
shard=data/a-86618505-4000000-2012.tsv
small=data/a-2000000-100000-2012.tsv
cargo build --release --quiet -p harness
cargo build --release --quiet -p threads --example submit_overhead
cargo build --release --quiet -p mapreduce --example reduce_compare
cargo build --release --quiet -p workload --example count_kernels
cargo build --release --quiet -p async-pool --example async_heartbeat --example async_task_overhead
cargo build --release --quiet -p pool --example pool_task_overhead
cargo build --release --quiet -p process --example process_spawn_overhead
[ -f "$shard" ] || "$harness" gen --lines 86618505 --unique 4000000 --seed 2012 --out "$shard"
[ -f "$small" ] || "$harness" gen --lines 2000000 --unique 100000 --seed 2012 --out "$small"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# block NAME COMMAND...: runs COMMAND and keeps `$ COMMAND` and its output (stdout and
# stderr, as a terminal shows them) as block NAME.
block() {
    local name=$1
    shift
    echo "== $name: $*" >&2
    { printf '$ %s\n' "$*"; "$@" 2>&1; } > "$dir/$name"
}

# more NAME COMMAND...: the same, added to block NAME.
more() {
    local name=$1
    shift
    echo "== $name (more): $*" >&2
    { printf '$ %s\n' "$*"; "$@" 2>&1; } >> "$dir/$name"
}

cat "$shard" > /dev/null # into the page cache, as every figure assumes
block demo-count "$harness" count --model all --to 1000000000 --tasks 2
block demo-ngram "$harness" ngram "$shard" --model all --word Aardvark --top 0
block cli-ngram "$harness" ngram "$small" --model threads --word Aardvark --word aardvark --top 3
block cli-json "$harness" ngram "$small" --model threads --json --word Aardvark --top 3
block cli-count "$harness" count --model all --to 100000000 --tasks 4
block count-kernels target/release/examples/count_kernels
block fold-n "$harness" count --model serial --to 100000000 --tasks 1 --repeat 5
block fold-4n "$harness" count --model serial --to 400000000 --tasks 1 --repeat 5
block submit-overhead target/release/examples/submit_overhead
block heartbeat target/release/examples/async_heartbeat
block overhead-process target/release/examples/process_spawn_overhead
block overhead-pool target/release/examples/pool_task_overhead
block overhead-async target/release/examples/async_task_overhead
# The reduce, Python's call and Rust's three, on the same shard and chunks (20 chunks).
if command -v python3 >/dev/null; then
    block reduce-python python3 python/mapreduce.py "$small" --chunk-lines 100000 --text
fi
block reduce-rust target/release/examples/reduce_compare "$small" 100000
# Scaling beyond this machine, on paper: rates measured on the full shard.
if command -v python3 >/dev/null; then
    block projection python3 scripts/projection.py "$shard"
fi
# A cluster on one machine (needs root): both reduce designs over shaped links.
if [ "$(id -u)" = 0 ]; then
    block cluster scripts/cluster.sh 2 1gbit
    more cluster scripts/cluster.sh 3 1gbit
    more cluster scripts/cluster.sh 4 1gbit
    more cluster scripts/cluster.sh 3 10gbit
fi

# A free-threaded CPython, when there is one (`just free-threaded`): the GIL switched on,
# then off, on the same binary; and the defaults the article relies on, per interpreter.
free=$(scripts/free-threaded.sh --find-only 2>/dev/null | tail -n 1) || free=
models=(--model loop --model threading.Thread --model "threading.Thread (own N)" --model "multiprocessing.Process (fork)")
if [ -n "$free" ]; then
    block gil-switch env PYTHON_GIL=1 "$free" python/count.py --to 20000000 --tasks 2 --repeat 3 "${models[@]}" --text
    more gil-switch env PYTHON_GIL=0 "$free" python/count.py --to 20000000 --tasks 2 --repeat 3 "${models[@]}" --text
fi
if command -v python3 >/dev/null; then
    block python-defaults python3 python/defaults.py
    [ -z "$free" ] || more python-defaults "$free" python/defaults.py
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
cores=$(nproc)
memory=$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1e6}' /proc/meminfo)
commit=$(git rev-parse --short HEAD)
dirty=$(git diff --quiet HEAD -- crates benches || echo " with local changes")
printf 'Measured by `just readme-figures` on %s (%s cores, %s), %s, commit %s%s.\n' \
    "$cpu" "$cores" "$memory" "$(date -u +%Y-%m-%d)" "$commit" "$dirty" > "$dir/stamp"

# Replace each block's lines; a marker with no file of its name is left as it is.
awk -v dir="$dir" '
    /^<!-- figures:[a-z0-9-]+ -->$/ {
        print
        name = $0
        sub(/^<!-- figures:/, "", name)
        sub(/ -->$/, "", name)
        file = dir "/" name
        if ((getline line < file) > 0) {
            fenced = (name != "stamp")
            if (fenced) print "```"
            print line
            while ((getline line < file) > 0) print line
            if (fenced) print "```"
            close(file)
            skipping = 1
        }
        next
    }
    /^<!-- \/figures -->$/ { skipping = 0 }
    !skipping { print }
' README.md > "$dir/README.md"
mv "$dir/README.md" README.md
echo "README.md: blocks regenerated" >&2
