#!/bin/bash
# One command, one table: on the same large capture, in the same run, the packet rate of
#   1. a bare libpcap loop that only reads the file       (ntc-bench --only bare)
#   2. our engine without DPI (flows, hosts, counters)    (ntc-bench --only ingest)
#   3. our engine with DPI (nDPI 4.2, default limits)     (ntc-bench --dpi --only dpi)
#   4. ndpiReader, nDPI 4.2's own reader                  (ndpiReader -i FILE -t)
# (and 3 again holding every flow, for memory per flow: see below)
# with the ratios DESIGN.md section 5 sets targets for, the peak memory (RSS) of each, and memory
# per flow. Each measure is its own process, run NTC_BENCH_REPEAT times (default 3), one after the
# other on the page-cached file; the best rate is kept, with the peak RSS (/usr/bin/time) of that
# run. Rates: ntc-bench times its own loop from opening the file to the end of the flush;
# ndpiReader's is its "Packet Processing Time" (its setup excluded), over all packets of the file.
#
# Memory per flow: ndpiReader keeps every flow until the end (it prints them), while the engine
# ends idle flows (default timeouts: a few thousand are alive at once here). So memory per flow is
# measured on a fifth run, the engine with DPI holding every flow to the end (timeouts of a day,
# flow.max and host.max 2^20): the table memory it accounts (memory_bytes: flow and host entries,
# bucket arrays, metadata, DPI state of flows still inspected) at its maximum over the flows held,
# and its RSS over the bare loop's over the same flows. For ndpiReader: its RSS over its own
# baseline (the first 1000 packets of the file) over its "Unique flows".
#
# Usage: bench/compare.sh [CAPTURE]   (default /tmp/ntc-bench.pcap; made with
#        ../shared/tools/make-bench-pcap.sh when missing, outside the repository)
# Environment: NTC_BENCH_BUILD (release build directory, default /tmp/ntc-bench-build),
#              NTC_BENCH_REPEAT, NTC_SHARED (the shared folder with tools/ and pcaps/).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NTC_BENCH_BUILD:-/tmp/ntc-bench-build}
PCAP=${1:-/tmp/ntc-bench.pcap}
N=${NTC_BENCH_REPEAT:-3}
say() { printf '%s\n' "compare: $*" >&2; }

case "$(realpath -m "$PCAP")/" in
    "$SRC"/*) say "refusing a capture inside the repository ($PCAP): use /tmp"; exit 1 ;;
esac
for t in /usr/bin/time ndpiReader capinfos editcap; do
    command -v "$t" >/dev/null || { say "$t is missing (apt-get install time libndpi-bin wireshark-common)"; exit 1; }
done
if [ ! -s "$PCAP" ]; then
    SHARED=${NTC_SHARED:-$SRC/../shared}
    [ -x "$SHARED/tools/make-bench-pcap.sh" ] || SHARED=/work/shared
    [ -x "$SHARED/tools/make-bench-pcap.sh" ] || { say "no $PCAP and no make-bench-pcap.sh to make it"; exit 1; }
    say "making $PCAP with $SHARED/tools/make-bench-pcap.sh (about 0.5 GB)"
    "$SHARED/tools/make-bench-pcap.sh" "$PCAP" >/dev/null
fi

# Release build of ntc-bench (the same directory and options as bench/run.sh).
if [ ! -f "$BUILD/build.ninja" ]; then
    say "configuring a release build in $BUILD"
    meson setup "$BUILD" "$SRC" -Dbuildtype=release -Dbench=true -Dtests=false -Dexamples=false \
        -Dtools=false >/dev/null
fi
ninja -C "$BUILD" bench/ntc-bench >/dev/null
BENCH=$BUILD/bench/ntc-bench

work=$(mktemp -d "${TMPDIR:-/tmp}/ntc-compare-XXXXXX")
trap 'rm -rf "$work"' EXIT
cat "$PCAP" >/dev/null                      # page cache
packets=$(capinfos -T -r -c "$PCAP" | cut -f2)
editcap -r "$PCAP" "$work/first1000.pcap" 1-1000 >/dev/null 2>&1

# run NAME CMD...: the command's stdout in $work/NAME.N, its "seconds peak_rss_kb" in $work/NAME.N.t
run() {
    local name=$1 i
    shift
    for i in $(seq "$N"); do
        /usr/bin/time -o "$work/$name.$i.t" -f '%e %M' "$@" >"$work/$name.$i" 2>"$work/$name.$i.err" ||
            { say "$name failed: $(tail -3 "$work/$name.$i.err")"; exit 1; }
    done
}
# best NAME REGEX: index of the run with the highest rate (REGEX extracts it from stdout).
best() {
    local name=$1 re=$2 i bi=1 bv=-1 v
    for i in $(seq "$N"); do
        v=$(sed -n "$re" "$work/$name.$i" | head -1)
        v=${v:-0}
        if awk -v a="$v" -v b="$bv" 'BEGIN{exit !(a > b)}'; then bv=$v; bi=$i; fi
    done
    echo "$bi"
}
key() { sed -n "s/^RESULT.* $2=\([^ ]*\).*/\1/p" "$work/$1"; }
rss() { cut -d' ' -f2 "$work/$1.t"; }

say "$PCAP: $packets packets; $N runs of each; load $(cut -d' ' -f1 /proc/loadavg) on $(nproc) cores"
run bare "$BENCH" "$PCAP" --only bare --repeat 1
run flows "$BENCH" "$PCAP" --only ingest --repeat 1
run dpi "$BENCH" "$PCAP" --dpi --only dpi --repeat 1
HOLD=(--set flow.idle_timeout=86400 --set flow.closed_idle_timeout=86400
      --set host.remote_idle_timeout=86400 --set host.local_idle_timeout=86400
      --set flow.max=1048576 --set host.max=1048576)
run held "$BENCH" "$PCAP" --dpi --only dpi --repeat 1 "${HOLD[@]}"
run ndpi ndpiReader -i "$PCAP" -t
run ndpi0 ndpiReader -i "$work/first1000.pcap" -t

b=bare.$(best bare 's/^RESULT.* bare_pps=\([0-9]*\).*/\1/p')
f=flows.$(best flows 's/^RESULT.* ingest_pps=\([0-9]*\).*/\1/p')
d=dpi.$(best dpi 's/^RESULT.* dpi_pps=\([0-9]*\).*/\1/p')
h=held.$(best held 's/^RESULT.* dpi_pps=\([0-9]*\).*/\1/p')
# ndpiReader: the shortest processing time.
nbest=1; nms=""
for i in $(seq "$N"); do
    ms=$(sed -n 's/.*Packet Processing Time: *\([0-9]*\) msec.*/\1/p' "$work/ndpi.$i")
    if [ -n "$ms" ] && { [ -z "$nms" ] || [ "$ms" -lt "$nms" ]; }; then nms=$ms; nbest=$i; fi
done
n=ndpi.$nbest
n0=ndpi0.1
nflows=$(sed -n 's/.*Unique flows: *\([0-9]*\).*/\1/p' "$work/$n" | head -1)

awk -v pk="$packets" \
    -v bpps="$(key "$b" bare_pps)" -v brss="$(rss "$b")" \
    -v fpps="$(key "$f" ingest_pps)" -v frss="$(rss "$f")" -v fpeak="$(key "$f" flows_peak)" \
    -v fflows="$(key "$f" flows)" -v fmem="$(key "$f" table_bytes_at_peak)" \
    -v dpps="$(key "$d" dpi_pps)" -v drss="$(rss "$d")" -v dpeak="$(key "$d" flows_peak)" \
    -v dflows="$(key "$d" flows)" -v dmem="$(key "$d" table_bytes_at_peak)" \
    -v hpps="$(key "$h" dpi_pps)" -v hrss="$(rss "$h")" -v hflows="$(key "$h" flows)" \
    -v hpeak="$(key "$h" flows_peak)" -v hmem="$(key "$h" table_bytes_max)" \
    -v fb="$(key "$f" flow_bytes)" -v hb="$(key "$f" host_bytes)" \
    -v nms="$nms" -v nrss="$(rss "$n")" -v n0rss="$(rss "$n0")" -v nflows="${nflows:-0}" '
function mib(kb) { return sprintf("%.1f MiB", kb / 1024) }
BEGIN {
    npps = nms > 0 ? pk / (nms / 1000) : 0
    printf "\n%-36s %10s %8s %10s %10s %24s\n", "same capture, " pk " packets", "packets/s", "vs bare", "vs ndpiRd", "peak RSS", "memory per flow held"
    printf "%-36s %10.0f %7.1f%% %10s %10s\n", "bare libpcap loop (read only)", bpps, 100, "", mib(brss)
    printf "%-36s %10.0f %7.1f%% %9.2fx %10s\n", "libntopcore, flows only", fpps, 100 * fpps / bpps, fpps / npps, mib(frss)
    printf "%-36s %10.0f %7.1f%% %9.2fx %10s\n", "libntopcore, DPI", dpps, 100 * dpps / bpps, dpps / npps, mib(drss)
    printf "%-36s %10.0f %7.1f%% %9.2fx %10s %7.0f B, %6.0f B RSS\n", "libntopcore, DPI, every flow held", hpps, 100 * hpps / bpps, hpps / npps, mib(hrss), hmem / hpeak, (hrss - brss) * 1024 / hpeak
    printf "%-36s %10.0f %7.1f%% %9.2fx %10s %17.0f B RSS\n", "ndpiReader 4.2 (-t)", npps, 100 * npps / bpps, 1, mib(nrss), (nrss - n0rss) * 1024 / nflows
    printf "\nflows: libntopcore %d created, at most %d at once with default timeouts (%d with DPI), %d held; ndpiReader %d, all held\n", fflows, fpeak, dpeak, hpeak, nflows
    printf "entries: %d B per flow (flow_bytes; nDPI state freed with the verdict), %d B per host (host_bytes)\n", fb, hb
    printf "\nDESIGN.md section 5 targets (default timeouts):\n"
    printf "  DPI >= 2.5x ndpiReader packets/s:      %.2fx  %s\n", dpps / npps, (dpps / npps >= 2.5 ? "met" : "MISSED")
    printf "  DPI peak RSS <= 1/10 of ndpiReader:    %.1f%%  %s\n", 100 * drss / nrss, (drss * 10 <= nrss ? "met" : "MISSED")
    printf "  flows only >= 50%% of bare libpcap:     %.1f%%  %s\n", 100 * fpps / bpps, (fpps * 2 >= bpps ? "met" : "MISSED")
    printf "  idle classified flow <= 256 B:         %d B  %s\n", fb, (fb <= 256 ? "met" : "MISSED")
    printf "  remote host <= 128 B:                  %d B  %s\n", hb, (hb <= 128 ? "met" : "MISSED (struct 128 B + bucket pointer)")
    printf "RESULT_COMPARE packets=%d bare_pps=%.0f flows_pps=%.0f dpi_pps=%.0f held_pps=%.0f ndpireader_pps=%.0f flows_ratio=%.3f dpi_vs_ndpireader=%.3f rss_bare_kb=%d rss_flows_kb=%d rss_dpi_kb=%d rss_held_kb=%d rss_ndpireader_kb=%d rss_ratio=%.4f held_flows=%d held_bytes_per_flow=%.0f ndpireader_flows=%d ndpireader_rss_per_flow=%.0f\n", pk, bpps, fpps, dpps, hpps, npps, fpps / bpps, dpps / npps, brss, frss, drss, hrss, nrss, drss / nrss, hpeak, hmem / hpeak, nflows, (nrss - n0rss) * 1024 / nflows
}'
