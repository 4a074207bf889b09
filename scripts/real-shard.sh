#!/usr/bin/env bash
# The article's own file, for users who have the network: the Google Books Ngram Viewer
# export, English, 1-grams starting with 'a', version 20120701. Downloads it into data/ when
# it is not there yet, then runs the MapReduce engine on it (streaming the .gz) and sets what
# it finds beside the article's figures: 86,618,505 lines and Aardvark = 15209 (the article's
# output). Offline, it says so in one line and how to fetch the file by hand.
#
#   scripts/real-shard.sh            (or: just real-shard)
set -euo pipefail
cd "$(dirname "$0")/.."
name=googlebooks-eng-all-1gram-20120701-a.gz
url="http://storage.googleapis.com/books/ngrams/books/$name"
file="data/$name"
harness=target/release/harness

if [ ! -f "$file" ]; then
    mkdir -p data
    echo "real-shard: downloading $url (the compressed 'a' 1-gram file; the article counts 86,618,505 lines in it)"
    if ! command -v curl >/dev/null || ! curl -fsL --connect-timeout 15 --retry 2 -o "$file.partial" "$url"; then
        rm -f "$file.partial"
        echo "real-shard: cannot download $url (offline, or no curl); fetch it by hand into $file and rerun \`just real-shard\`" >&2
        exit 1
    fi
    mv "$file.partial" "$file"
fi
cargo build --release --quiet -p harness
record=$("$harness" ngram "$file" --model mapreduce --word Aardvark --top 5 --json)
read -r lines aardvark elapsed < <(sed -E 's/.*"lines":([0-9]+).*"elapsed_s":([0-9.e-]+).*"Aardvark":([0-9]+).*/\1 \3 \2/' <<< "$record")
echo "real-shard: $file: $lines lines (the article: 86618505), Aardvark = $aardvark (the article: 15209), engine $elapsed s on this machine"
[ "$lines" = 86618505 ] || echo "real-shard: the line count differs from the article's: another version of the file?" >&2
