#!/usr/bin/env bash
# The report in a real browser: Debian's chromium loads reports/index.html headless, the
# page counts the charts that actually drew (data-charts-rendered), and a screenshot is kept
# at reports/screenshot.png. Installs chromium when it is missing (as root, from Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

page=reports/index.html
[ -f "$page" ] || { echo "check-report: $page is missing; run scripts/bench.sh quick first" >&2; exit 1; }

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "check-report: installing Debian's chromium"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    browser=$(command -v chromium)
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# A fresh profile for each start: a second chromium on the same profile may find the first
# one's lock and refuse.
browse() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
        "--user-data-dir=$(mktemp -d -p "$scratch")" "$@" 2>/dev/null
}
url="file://$PWD/$page"

dom=$(browse --dump-dom "$url")
expected=9
# (grep finds nothing = status 1, which pipefail would turn into an exit: count with || true.)
figures=$({ grep -o '<figure class="chart"' <<<"$dom" || true; } | wc -l)
rendered=$({ grep -o 'data-charts-rendered="[0-9]*"' <<<"$dom" || echo 0; } | grep -o '[0-9]*' | head -1)
missing=$(grep -c 'No data for this chart' <<<"$dom" || true)
images=$(grep -c '<img' <<<"$dom" || true)
remote=$({ grep -Eo '(src|href)="https?://' <<<"$dom" || true; } | wc -l)

browse --window-size=1100,7200 --screenshot="$PWD/reports/screenshot.png" "$url" >/dev/null \
    || { echo "check-report: chromium could not take the screenshot" >&2; exit 1; }

echo "check-report: $figures chart figures, $rendered drawn, $missing without data, $images <img>, $remote network references"
echo "check-report: screenshot at reports/screenshot.png"
if [ "$figures" -ne "$expected" ] || [ "$rendered" -ne "$expected" ] || [ "$images" -ne 0 ] || [ "$remote" -ne 0 ]; then
    echo "check-report: FAILED (expected $expected charts, all drawn, no images, nothing fetched from the network)" >&2
    exit 1
fi
echo "check-report: 1 passed, 0 failed"
