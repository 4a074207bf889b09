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

# The main job: both jobs under every model, checked against each other. (Criterion benches,
# Python baselines and the HTML report replace this stand-in when they land.)
bench: gen
    @echo "== count: K tasks x N, every model (the article: 2 x 100,000,000) =="
    {{harness}} count --model all --to 100000000 --tasks 2
    @echo "== proof the loop runs: 4N takes about 4x N =="
    {{harness}} count --model serial --to 100000000 --tasks 1 --repeat 5
    {{harness}} count --model serial --to 400000000 --tasks 1 --repeat 5
    @echo "== ngram: sum match_count per ngram over {{shard}}, every model =="
    {{harness}} ngram {{shard}} --model all --word Aardvark --top 10

# Count under one model or all: `just count all 100000000 2`.
count model="all" to="100000000" tasks="2": build
    {{harness}} count --model {{model}} --to {{to}} --tasks {{tasks}}

# Ngram totals under one model or all over the generated shard.
ngram model="all": gen
    {{harness}} ngram {{shard}} --model {{model}} --word Aardvark --top 10

# The README's test command.
test:
    cargo test --workspace

# Everything CI checks: formatting, clippy, tests.
ci:
    bash .ci/run
