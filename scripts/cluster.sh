#!/usr/bin/env bash
# A cluster on one machine: N network namespaces (hcl-0 .. hcl-N-1), each joined to a bridge
# (hclbr) by a veth pair whose two ends are shaped to RATE with tc's tbf (so each process's
# link is RATE each way, as a machine's network card is), one `harness ngram --engine timely`
# process per namespace, with a generated hostfile on 10.213.0.0/24. It runs the job in each
# design (`--reduce gathered`, `spread` and `others`), alternated, on the links unshaped (the
# veth's own speed) and shaped to RATE, and prints per design and link: the elapsed time and
# phases, and the bytes each process sent and received, from the run's own counters (timely's
# network log) beside the links' counters (which add TCP/IP headers and acknowledgements).
#
#   scripts/cluster.sh N RATE [options]        (or: just cluster N RATE)
#     --file FILE            the shard (default data/a-86618505-4000000-2012.tsv; a missing
#                            data/a-LINES-UNIQUE-SEED.tsv is generated)
#     --workers W            threads per process (default 1: the two cores are shared)
#     --rounds R             rounds of every design x link, alternated (default 3)
#     --loss PCT             drop PCT % of each namespace's TCP packets (nftables; tc's netem
#                            where the kernel has it) and check the answer is unchanged
#     --link-down-after S    take the last process's link down S seconds into a spread run,
#                            and check that every process fails within --worker-timeout,
#                            naming the lost peer
#     --worker-timeout T     seconds (default 5 with --link-down-after)
#     --remove               remove what an earlier run left (after a SIGKILL) and exit
#
# Needs root (network namespaces, tc); without it, says so and exits 0 without running.
# Everything it makes (namespaces, veth pairs, the bridge, qdiscs, nftables tables inside the
# namespaces, the processes in them) is removed on every exit path; it refuses to start when
# one of its names is taken.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=hcl
bridge=${prefix}br
subnet=10.213.0

leftovers() {
    ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${prefix}-[0-9]+$" || true
    ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^(${bridge}|${prefix}-p[0-9]+)$" || true
}

remove_all() {
    local ns
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${prefix}-[0-9]+$" || true); do
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
        ip netns del "$ns" 2>/dev/null || true
    done
    ip link del "$bridge" 2>/dev/null || true
    local link
    for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^${prefix}-p[0-9]+$" || true); do
        ip link del "$link" 2>/dev/null || true
    done
}

if [ "$(id -u)" != 0 ]; then
    echo "cluster.sh: needs root (network namespaces and tc); not run"
    exit 0
fi
for tool in ip tc; do
    command -v "$tool" >/dev/null || { echo "cluster.sh: needs $tool (Debian: apt-get install iproute2)" >&2; exit 1; }
done

if [ "${1:-}" = --remove ]; then
    remove_all
    left=$(leftovers)
    [ -z "$left" ] || { echo "cluster.sh: could not remove: $left" >&2; exit 1; }
    echo "cluster.sh: nothing of ours left"
    exit 0
fi

usage="usage: scripts/cluster.sh N RATE [--file FILE] [--workers W] [--rounds R] [--loss PCT] [--link-down-after S] [--worker-timeout T] | --remove"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
n=$1
rate=$2
shift 2
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] && [ "$n" -le 16 ] || { echo "cluster.sh: N must be 2 to 16, not '$n'" >&2; exit 2; }
# RATE as tc writes it: a number and kbit, mbit or gbit.
[[ $rate =~ ^([0-9]{1,6})(kbit|mbit|gbit)$ ]] || { echo "cluster.sh: RATE like 100mbit, 1gbit or 10gbit, not '$rate'" >&2; exit 2; }
case ${BASH_REMATCH[2]} in kbit) scale=1000 ;; mbit) scale=1000000 ;; gbit) scale=1000000000 ;; esac
rate_bits=$((10#${BASH_REMATCH[1]} * scale))
[ "$rate_bits" -ge 8000 ] && [ "$rate_bits" -le 100000000000 ] || { echo "cluster.sh: RATE must be from 8kbit to 100gbit, not '$rate'" >&2; exit 2; }

file=data/a-86618505-4000000-2012.tsv
workers=1
rounds=3
loss=
down_after=
worker_timeout=
while [ $# -gt 0 ]; do
    case $1 in
        --file | --workers | --rounds | --loss | --link-down-after | --worker-timeout)
            [ $# -ge 2 ] || { echo "cluster.sh: $1 needs a value" >&2; echo "$usage" >&2; exit 2; } ;;
    esac
    case $1 in
        --file) file=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --loss) loss=$2; shift 2 ;;
        --link-down-after) down_after=$2; shift 2 ;;
        --worker-timeout) worker_timeout=$2; shift 2 ;;
        *) echo "cluster.sh: unknown option '$1'" >&2; echo "$usage" >&2; exit 2 ;;
    esac
done
[[ $workers =~ ^[1-9][0-9]*$ ]] || { echo "cluster.sh: --workers must be a positive number" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "cluster.sh: --rounds must be a positive number" >&2; exit 2; }
[ -z "$loss" ] || [[ $loss =~ ^([0-9]|[1-9][0-9])(\.[0-9])?$ ]] || { echo "cluster.sh: --loss is a percentage below 100, like 1 or 0.5" >&2; exit 2; }
[ -z "$down_after" ] || [[ $down_after =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "cluster.sh: --link-down-after is seconds" >&2; exit 2; }
[ -z "$worker_timeout" ] || [[ $worker_timeout =~ ^[1-9][0-9]*$ ]] || { echo "cluster.sh: --worker-timeout is whole seconds" >&2; exit 2; }
if [ -n "$down_after" ] && [ -z "$worker_timeout" ]; then worker_timeout=5; fi

left=$(leftovers)
if [ -n "$left" ]; then
    echo "cluster.sh: its names are taken: $(echo $left) (another run, or one that was killed): not touching them; scripts/cluster.sh --remove removes ours" >&2
    exit 1
fi

harness=target/release/harness
generated='^a-([0-9]+)-([0-9]+)-([0-9]+)\.tsv$'
if [ ! -f "$file" ] && ! [[ $(basename "$file") =~ $generated ]]; then
    echo "cluster.sh: $file: no such file" >&2
    exit 1
fi
cargo build --release --quiet -p harness
if [ ! -f "$file" ]; then
    if [[ $(basename "$file") =~ $generated ]]; then
        "$harness" gen --lines "${BASH_REMATCH[1]}" --unique "${BASH_REMATCH[2]}" --seed "${BASH_REMATCH[3]}" --out "$file"
    else
        echo "cluster.sh: $file: no such file" >&2
        exit 1
    fi
fi
cat "$file" >/dev/null # into the page cache: every "machine" holds the input in memory

work=$(mktemp -d)
cleanup() {
    local status=$?
    disown -a 2>/dev/null || true # the processes in the namespaces: killed below, without bash's notes
    remove_all
    rm -rf "$work"
    local left
    left=$(leftovers)
    if [ -n "$left" ]; then
        echo "cluster.sh: could not remove $(echo $left)" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The cluster: a bridge, and per process a namespace with one end of a veth pair.
[ ! -t 2 ] || echo "cluster.sh: making $n namespaces ${prefix}-0..${prefix}-$((n - 1)) on bridge $bridge ($subnet.0/24)" >&2
ip link add "$bridge" type bridge
ip link set "$bridge" up
for ((i = 0; i < n; i++)); do
    ns=${prefix}-$i
    ip netns add "$ns"
    ip link add "${prefix}-v$i" type veth peer name "${prefix}-p$i"
    ip link set "${prefix}-v$i" netns "$ns"
    ip link set "${prefix}-p$i" master "$bridge" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$subnet.$((i + 1))/24" dev "${prefix}-v$i"
    ip -n "$ns" link set "${prefix}-v$i" up
    echo "$subnet.$((i + 1)):$((2400 + i))" >>"$work/hosts"
done

# Shaping: tbf on both ends of each pair (the namespace's end limits what it sends, the
# bridge's end what it receives). The bucket holds 10 ms at RATE, and at least 64 KiB.
burst=$((rate_bits / 8 / 100))
[ "$burst" -ge 65536 ] || burst=65536
shape() {
    for ((i = 0; i < n; i++)); do
        tc -n "${prefix}-$i" qdisc replace dev "${prefix}-v$i" root tbf rate "$rate" burst "$burst" latency 100ms
        tc qdisc replace dev "${prefix}-p$i" root tbf rate "$rate" burst "$burst" latency 100ms
    done
}
unshape() {
    for ((i = 0; i < n; i++)); do
        tc -n "${prefix}-$i" qdisc del dev "${prefix}-v$i" root 2>/dev/null || true
        tc qdisc del dev "${prefix}-p$i" root 2>/dev/null || true
    done
}
if [ -n "$loss" ]; then
    if tc -n "${prefix}-0" qdisc add dev "${prefix}-v0" root netem loss "$loss%" 2>/dev/null; then
        tc -n "${prefix}-0" qdisc del dev "${prefix}-v0" root
        loss_by="tc netem"
    else
        command -v nft >/dev/null || { echo "cluster.sh: --loss needs tc's netem (not in this kernel) or nftables (Debian: apt-get install nftables)" >&2; exit 1; }
        loss_by="nftables (this kernel has no netem)"
    fi
fi
lose() {
    local per_mille
    per_mille=$(awk -v p="$loss" 'BEGIN { printf "%d", p * 10 }')
    for ((i = 0; i < n; i++)); do
        if [ "$loss_by" = "tc netem" ]; then
            tc -n "${prefix}-$i" qdisc replace dev "${prefix}-v$i" root netem loss "$loss%"
        else
            ip netns exec "${prefix}-$i" nft add table inet ${prefix}_loss
            ip netns exec "${prefix}-$i" nft add chain inet ${prefix}_loss out '{ type filter hook output priority 0; }'
            ip netns exec "${prefix}-$i" nft add rule inet ${prefix}_loss out ip protocol tcp numgen random mod 1000 '<' "$per_mille" drop
        fi
    done
}

counter() { # counter NS_INDEX rx|tx: the bridge end's count (its rx is what the namespace sent)
    cat "/sys/class/net/${prefix}-p$1/statistics/$2_bytes"
}
field() { # field NAME < JSON: a number field of a record
    sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p" | head -1
}

median() { sort -g | awk '{ v[NR] = $1 } END { printf "%.3f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# run DESIGN TAG [EXTRA...]: one run of every process; leaves per process p: $work/TAG.p.out
# and .err, the exit codes in $work/TAG.codes, the links' counters in $work/TAG.links.
run() {
    local design=$1 tag=$2
    shift 2
    local pids=() i
    for ((i = 0; i < n; i++)); do echo "$(counter "$i" rx) $(counter "$i" tx)"; done >"$work/$tag.before"
    for ((i = 0; i < n; i++)); do
        ip netns exec "${prefix}-$i" "$harness" ngram "$file" --model mapreduce --engine timely \
            --workers "$workers" --processes "$n" --process "$i" --hostfile "$work/hosts" \
            --reduce "$design" --json --top 3 --word Aardvark ${worker_timeout:+--worker-timeout "$worker_timeout"} "$@" \
            >"$work/$tag.$i.out" 2>"$work/$tag.$i.err" &
        pids+=($!)
    done
    if [ -n "${on_started:-}" ]; then $on_started; fi
    : >"$work/$tag.codes"
    for i in "${!pids[@]}"; do
        local code=0
        wait "${pids[$i]}" || code=$?
        echo "$code $(date +%s.%N)" >>"$work/$tag.codes"
    done
    for ((i = 0; i < n; i++)); do echo "$(counter "$i" rx) $(counter "$i" tx)"; done >"$work/$tag.after"
    paste -d' ' "$work/$tag.before" "$work/$tag.after" | awk '{print $3 - $1, $4 - $2}' >"$work/$tag.links"
}

# The run's own counters of process i: "sent received".
own_bytes() {
    local tag=$1 i=$2
    if [ "$i" = 0 ]; then
        echo "$(field sent_bytes <"$work/$tag.0.out") $(field received_bytes <"$work/$tag.0.out")"
    else
        sed -n 's/.*sent \([0-9]*\) bytes, received \([0-9]*\) bytes.*/\1 \2/p' "$work/$tag.$i.err"
    fi
}

check_ok() {
    local tag=$1 i code
    i=0
    while read -r code _; do
        if [ "$code" != 0 ]; then
            echo "cluster.sh: process $i of run $tag failed (exit $code):" >&2
            tail -3 "$work/$tag.$i.err" >&2
            exit 1
        fi
        i=$((i + 1))
    done <"$work/$tag.codes"
}

answer() { # the answer of a run: distinct, total, top, words
    grep -oE '"(distinct|total_match_count)":[0-9]+|"top":\[(\[[^]]*\],?)*\]|"words":\{[^}]*\}' "$work/$1.0.out"
}

machine=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
size=$(stat -c %s "$file")
echo "cluster: $n processes x $workers worker(s) in namespaces, links of $rate each way (tbf) or unshaped (the veth's speed); $file ($((size / 1000000)) MB); $machine, $(nproc) cores shared by every process"

if [ -n "$down_after" ]; then
    # A link taken down mid-run: every process must fail within the worker timeout (plus
    # a margin for the run's own start), naming the lost peer.
    shape
    down_at=$work/down_at
    take_down() {
        (sleep "$down_after"
         ip -n "${prefix}-$((n - 1))" link set "${prefix}-v$((n - 1))" down
         date +%s.%N >"$down_at") &
    }
    on_started=take_down run spread down
    wait
    [ -f "$down_at" ] || { echo "cluster.sh: the run ended before the link went down; try a smaller --link-down-after" >&2; exit 1; }
    went=$(cat "$down_at")
    i=0
    bad=0
    while read -r code at; do
        took=$(awk -v a="$at" -v b="$went" 'BEGIN { printf "%.1f", a - b }')
        last=$(grep -v '^awaiting\|retrying' "$work/down.$i.err" | tail -1)
        echo "process $i: exit $code, $took s after the link of process $((n - 1)) went down: $last"
        if [ "$code" = 0 ] || awk -v t="$took" -v limit="$worker_timeout" 'BEGIN { exit !(t > limit + 10) }'; then bad=1; fi
        i=$((i + 1))
    done <"$work/down.codes"
    [ "$bad" = 0 ] || { echo "cluster.sh: a process did not fail within --worker-timeout $worker_timeout s (+10 s)" >&2; exit 1; }
    echo "every process failed within --worker-timeout $worker_timeout s of the link going down"
    exit 0
fi

if [ -n "$loss" ]; then
    # Lost packets: TCP sends them again; the answer must be the same as without loss.
    shape
    run spread clean
    check_ok clean
    lose
    echo "dropping $loss % of each namespace's TCP packets, by $loss_by"
    for design in gathered spread others; do
        run "$design" "lossy-$design"
        check_ok "lossy-$design"
        if [ "$(answer "lossy-$design")" != "$(answer clean)" ]; then
            echo "cluster.sh: with $loss % loss the $design answer differs:" >&2
            diff <(answer clean) <(answer "lossy-$design") >&2 || true
            exit 1
        fi
        echo "$design with loss: same answer ($(field distinct <"$work/lossy-$design.0.out") distinct, total $(field total_match_count <"$work/lossy-$design.0.out")), $(field elapsed_s <"$work/lossy-$design.0.out" | median) s"
    done
    exit 0
fi

# The measurement: every design x link once per round, the order turned around each round.
designs=(gathered spread others)
order=()
for link in unshaped "$rate"; do
    for design in "${designs[@]}"; do order+=("$design $link"); done
done
for ((r = 1; r <= rounds; r++)); do
    if [ $((r % 2)) = 0 ]; then
        cells=()
        for ((c = ${#order[@]} - 1; c >= 0; c--)); do cells+=("${order[$c]}"); done
    else
        cells=("${order[@]}")
    fi
    for cell in "${cells[@]}"; do
        read -r design link <<<"$cell"
        if [ "$link" = unshaped ]; then unshape; else shape; fi
        tag="$design-$link-$r"
        run "$design" "$tag"
        check_ok "$tag"
        [ ! -t 2 ] || echo "  round $r: $design, $link: $(field elapsed_s <"$work/$tag.0.out" | median) s" >&2
    done
done
unshape

mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e6 }'; }
echo
echo "| design | link | elapsed s (median of $rounds) | map s | exchange + reduce s | process 0 received MB | most any link carried one way, MB (links) | run's bytes / links' bytes |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for cell in "${order[@]}"; do
    read -r design link <<<"$cell"
    elapsed=$(for ((r = 1; r <= rounds; r++)); do field elapsed_s <"$work/$design-$link-$r.0.out"; done | median)
    map=$(for ((r = 1; r <= rounds; r++)); do field map_s <"$work/$design-$link-$r.0.out"; done | median)
    rest=$(for ((r = 1; r <= rounds; r++)); do field reduce_s <"$work/$design-$link-$r.0.out"; done | median)
    last="$design-$link-$rounds"
    own_sum=0
    for ((i = 0; i < n; i++)); do
        read -r s r2 <<<"$(own_bytes "$last" "$i")"
        own_sum=$((own_sum + s + r2))
    done
    links_sum=$(awk '{ s += $1 + $2 } END { print s }' "$work/$last.links")
    most=$(awk '{ if ($1 > m) m = $1; if ($2 > m) m = $2 } END { print m }' "$work/$last.links")
    received0=$(field received_bytes <"$work/$last.0.out")
    echo "| $design | $link | $elapsed | $map | $rest | $(mb "$received0") | $(mb "$most") | $(awk -v a="$own_sum" -v b="$links_sum" 'BEGIN { printf "%.3f", a / b }') |"
done
echo
echo "Bytes per process in the last round (sent / received: the run's own count, then the link's):"
# The two counts agree when the link carried at least what the run counted and at most that
# plus TCP/IP's share: 5 % headers, acknowledgements up to 2 % of the other direction, and
# 256 KiB for connecting and ARP.
agree() { # agree OWN LINK OTHER_DIRECTION_LINK
    awk -v own="$1" -v link="$2" -v other="$3" 'BEGIN { exit !(link >= own && link <= own * 1.05 + other * 0.02 + 262144) }'
}
disagree=
for cell in "${order[@]}"; do
    read -r design link <<<"$cell"
    last="$design-$link-$rounds"
    line="  $design, $link:"
    i=0
    while read -r sent received; do
        read -r own_sent own_received <<<"$(own_bytes "$last" "$i")"
        line+=" p$i $(mb "$own_sent")/$(mb "$own_received") MB (link $(mb "$sent")/$(mb "$received"));"
        agree "$own_sent" "$sent" "$received" && agree "$own_received" "$received" "$sent" ||
            disagree+=" $design/$link/p$i"
        i=$((i + 1))
    done <"$work/$last.links"
    echo "$line"
done
if [ -n "$disagree" ]; then
    echo "cluster.sh: the run's own byte counts and the links' disagree for$disagree" >&2
    exit 1
fi
echo "the run's own byte counts and the links' agree (the links carry TCP/IP's headers and acknowledgements besides)"
# The network term: what the rate added to each design's time, beside what the link's bytes
# at that rate would take (the busiest link, one way).
echo
for design in "${designs[@]}"; do
    shaped=$(for ((r = 1; r <= rounds; r++)); do field elapsed_s <"$work/$design-$rate-$r.0.out"; done | median)
    free=$(for ((r = 1; r <= rounds; r++)); do field elapsed_s <"$work/$design-unshaped-$r.0.out"; done | median)
    most=$(awk '{ if ($1 > m) m = $1; if ($2 > m) m = $2 } END { print m }' "$work/$design-$rate-$rounds.links")
    awk -v d="$design" -v s="$shaped" -v f="$free" -v m="$most" -v bits="$rate_bits" -v rate="$rate" 'BEGIN {
        printf "%s: %s added %.3f s (%.3f s against %.3f s unshaped); the busiest link carried %.1f MB one way: %.3f s at %s\n",
            d, rate, s - f, s, f, m / 1e6, m * 8 / bits, rate }'
done
for design in spread others; do
    if [ "$(answer "$design-$rate-$rounds")" != "$(answer "gathered-$rate-$rounds")" ]; then
        echo "cluster.sh: $design and gathered disagree:" >&2
        diff <(answer "gathered-$rate-$rounds") <(answer "$design-$rate-$rounds") >&2 || true
        exit 1
    fi
done
echo "every design: the same answer ($(field distinct <"$work/spread-$rate-$rounds.0.out") distinct, total $(field total_match_count <"$work/spread-$rate-$rounds.0.out"))"
