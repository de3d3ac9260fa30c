#!/bin/bash
# DPI throughput and memory against nDPI 4.2's own reader, on the same capture, in the same run.
#
# Usage: bench/vs-ndpireader.sh CAPTURE NTC_BENCH NTOP_EXPORT
# Two comparisons, each one after the other on the same (page-cached) file:
#  1. processing only: ntc-bench's "ingest, DPI on" stage (libpcap read loop feeding
#     ntc_engine_ingest, DPI with default limits) against ndpiReader's own "Packet Processing Time"
#     (its read + DPI loop, setup excluded): packets/s over ALL packets of the file for both;
#  2. whole programs: `ntop-export -r CAPTURE -q` (which also formats every flow as JSON) against
#     `ndpiReader -i CAPTURE -q -t`: wall time and peak RSS from /usr/bin/time, best of N.
# DESIGN §5 targets: packets/s >= 2.5x ndpiReader's, peak RSS <= 1/10 of its.
set -euo pipefail
PCAP=${1:?capture}
BENCH=${2:?ntc-bench}
EXPORT=${3:?ntop-export}
N=${NTC_BENCH_REPEAT:-3}
say() { printf '%s\n' "vs-ndpireader: $*" >&2; }
command -v ndpiReader >/dev/null || { say "ndpiReader not installed (apt-get install libndpi-bin); skipped"; exit 0; }
[ -x /usr/bin/time ] || { say "/usr/bin/time missing (apt-get install time); skipped"; exit 0; }

cat "$PCAP" > /dev/null   # page cache
packets=$(capinfos -T -r -c "$PCAP" 2>/dev/null | cut -f2 || true)

best_ndpi_ms=""
for _ in $(seq "$N"); do
    ms=$(ndpiReader -i "$PCAP" -t 2>/dev/null | sed -n 's/.*Packet Processing Time: *\([0-9]*\) msec.*/\1/p')
    [ -n "$ms" ] && { [ -z "$best_ndpi_ms" ] || [ "$ms" -lt "$best_ndpi_ms" ]; } && best_ndpi_ms=$ms
done
ours=$("$BENCH" "$PCAP" --dpi --only dpi --repeat "$N" | sed -n 's/^RESULT.* dpi_pps=\([0-9]*\).*/\1/p')
[ -z "$packets" ] && packets=$("$BENCH" "$PCAP" --only bare --repeat 1 | sed -n 's/^RESULT.* packets=\([0-9]*\).*/\1/p')

measure() { # prints "seconds maxrss_kb" of the best run
    local best_s="" best_kb=""
    for _ in $(seq "$N"); do
        local out tf
        tf=$(mktemp)
        /usr/bin/time -o "$tf" -f '%e %M' "$@" > /dev/null 2>&1 || true
        out=$(tail -n 1 "$tf")
        rm -f "$tf"
        local s=${out% *} kb=${out#* }
        if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; fi
        if [ -z "$best_kb" ] || [ "$kb" -lt "$best_kb" ]; then best_kb=$kb; fi
    done
    echo "$best_s $best_kb"
}
read -r ex_s ex_kb < <(measure "$EXPORT" -r "$PCAP" -q)
read -r nd_s nd_kb < <(measure ndpiReader -i "$PCAP" -q -t)

awk -v p="$packets" -v ours="$ours" -v ndms="$best_ndpi_ms" -v exs="$ex_s" -v exkb="$ex_kb" \
    -v nds="$nd_s" -v ndkb="$nd_kb" 'BEGIN {
    ndpps = ndms > 0 ? p / (ndms / 1000.0) : 0
    printf "\nDPI against ndpiReader (nDPI 4.2), %d packets, best of runs\n", p
    printf "  processing only:  libntopcore %.2f M pkt/s   ndpiReader %.2f M pkt/s   ratio %.2fx (target >= 2.5x)\n", ours/1e6, ndpps/1e6, (ndpps > 0 ? ours/ndpps : 0)
    printf "  whole program:    ntop-export %.2f s, %.1f MiB peak RSS   ndpiReader %.2f s, %.1f MiB peak RSS\n", exs, exkb/1024, nds, ndkb/1024
    printf "                    speed %.2fx, memory %.1f%% of ndpiReader (target <= 10%%)\n", (exs > 0 ? nds/exs : 0), (ndkb > 0 ? 100*exkb/ndkb : 0)
    printf "RESULT_DPI packets=%d ours_pps=%.0f ndpireader_pps=%.0f pps_ratio=%.3f export_s=%s export_rss_kb=%s ndpireader_s=%s ndpireader_rss_kb=%s rss_ratio=%.4f\n", p, ours, ndpps, (ndpps > 0 ? ours/ndpps : 0), exs, exkb, nds, ndkb, (ndkb > 0 ? exkb/ndkb : 0)
}'
