# The front door. `just` alone lists the recipes.

set shell := ["bash", "-euo", "pipefail", "-c"]

# The shard `bench` and `ngram` use: the real 'a' shard's shape by default.
# Override for a quicker run: `just lines=2000000 unique=100000 bench`.
lines := "86618505"
unique := "4000000"
seed := "2012"
shard := "data/a-" + lines + "-" + unique + "-" + seed + ".tsv"
harness := "target/release/harness"

default:
    @just --list

# Build the release binary (fat LTO, one codegen unit: what every figure is measured with).
build:
    cargo build --release -p harness

# Generate the synthetic shard (kept if it already exists; the name records its parameters).
gen: build
    @if [ -f {{shard}} ]; then echo "{{shard}} already generated"; \
     else {{harness}} gen --lines {{lines}} --unique {{unique}} --seed {{seed}} --out {{shard}}; fi

# The main job: the claims side by side, criterion benches (count, ngram, overhead) on a
# 20M-line shard, the Python baselines on the same shard, the sweep, then reports/index.html.
bench:
    scripts/bench.sh default

# A smoke run of every group and the report (a 2M-line shard, short measurements).
bench-quick:
    scripts/bench.sh quick

# The same on the full 86.6M-line shard (the Python MapReduce alone takes minutes and GBs).
bench-full:
    scripts/bench.sh full

# The article's claims alone, measured side by side until decided (Rust, the engine on the
# 20M-line shard, and Python when there is one), into reports/claims.jsonl.
claims: build
    @if [ ! -f data/a-20000000-1000000-2012.tsv ]; then \
     {{harness}} gen --lines 20000000 --unique 1000000 --seed 2012 --out data/a-20000000-1000000-2012.tsv; fi
    {{harness}} claims --shard data/a-20000000-1000000-2012.tsv

# Find or build a free-threaded CPython (no GIL, PEP 703): on the PATH, in the cache
# (~/.cache/concurrency-measured), from uv, else built from source (minutes, once); its path
# is the last line. `just bench` then runs it too, its GIL switched on and off.
free-threaded:
    scripts/free-threaded.sh

# Rebuild reports/ from the last benches and baselines.
report: build
    {{harness}} report

# The Python baselines alone, on the shard `just bench` uses (skipped, with a message,
# without Python 3).
python: build
    @if [ ! -f data/a-20000000-1000000-2012.tsv ]; then \
     {{harness}} gen --lines 20000000 --unique 1000000 --seed 2012 --out data/a-20000000-1000000-2012.tsv; fi
    {{harness}} python --to 100000000 --tasks 2 --shard data/a-20000000-1000000-2012.tsv

# Load the report in headless chromium and check that every chart drew; keeps a screenshot.
check-report:
    scripts/check-report.sh

# Both jobs under every model from the command line (no criterion), checked against each other.
demo: gen
    {{harness}} count --model all --to 1000000000 --tasks 2
    {{harness}} ngram {{shard}} --model all --word Aardvark --top 0

# Rerun the commands whose output the README shows, on this machine, and put their output
# (with the machine, date and commit) into the README's marked blocks (about two minutes).
readme-figures:
    scripts/readme-figures.sh

# Count under one model or all: `just count all 100000000 2`.
count model="all" to="100000000" tasks="2": build
    {{harness}} count --model {{model}} --to {{to}} --tasks {{tasks}}

# Ngram totals under one model or all over the generated shard.
ngram model="all": gen
    {{harness}} ngram {{shard}} --model {{model}} --word Aardvark --top 10

# The MapReduce engine over chunk sizes from 4 KiB to 256 MiB (the Goldilocks curve), as
# reports/sweep.jsonl for the report.
sweep: gen
    {{harness}} sweep {{shard}}

# The engine against polars on the same file, same run (installs polars into .venv).
vs-polars: gen
    scripts/vs-polars.sh {{shard}} 5

# Run the three notebooks top to bottom, headless, at small sizes (makes .venv, installs
# notebooks/requirements.txt); `just notebooks full` at the sizes a learner gets.
notebooks size="small":
    scripts/notebooks.sh {{size}}

# Open the notebooks in JupyterLab (installs it into .venv once; prints the address to open).
lab *options:
    scripts/lab.sh {{options}}

# The article's own file (Google Books Ngram 'a' 1-grams, 20120701), downloaded when the
# network allows, and the engine run on it beside the article's figures.
real-shard:
    scripts/real-shard.sh

# The MapReduce job on timely-dataflow across N local processes on loopback (a hostfile is
# written for them): `just distributed-demo 3`.
distributed-demo processes="2":
    scripts/distributed-demo.sh data/a-20000000-1000000-2012.tsv {{processes}} 1

# A cluster on one machine (root): N network namespaces linked through a bridge, each link
# shaped to RATE, one timely process in each; every reduce design, unshaped and at RATE,
# with the bytes each process sent and received: `just cluster 3 1gbit`. Further options
# (--loss 1, --link-down-after 0.3, --file, --rounds) go after RATE.
cluster processes="3" rate="1gbit" *options="":
    scripts/cluster.sh {{processes}} {{rate}} {{options}}

# The README's test command.
test:
    cargo test --workspace

# Everything CI checks: formatting, clippy, tests.
ci:
    bash .ci/run
