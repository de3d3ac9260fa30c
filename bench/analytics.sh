#!/bin/bash
# The cost of flow analytics (issue 4): packets/s of the engine with flow.analytics on (the
# default) and off, flows only and with DPI, on the same capture, measured in alternating runs of
# ntc-bench (release build, as bench/run.sh makes it) so both settings see the same machine state.
# Each run also measures the bare libpcap loop, so every figure comes with its ratio to it.
#
# Usage: bench/analytics.sh [CAPTURE.pcap] [ROUNDS]
#   CAPTURE.pcap  default /tmp/ntc-bench.pcap (bench/run.sh makes it when missing; never commit it)
#   ROUNDS        alternating on/off runs, each --repeat 2, best kept (default 3)
# Prints one line per setting and the on/off ratios; the last line is machine-readable (RESULT).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NTC_BENCH_BUILD:-/tmp/ntc-bench-build}
PCAP=${1:-/tmp/ntc-bench.pcap}
ROUNDS=${2:-3}

if [ ! -x "$BUILD/bench/ntc-bench" ] || [ ! -f "$PCAP" ]; then
    # run.sh builds ntc-bench and makes the capture; one short pass is enough for that.
    "$SRC/bench/run.sh" "$PCAP" --only bare >/dev/null
fi
ninja -C "$BUILD" bench/ntc-bench >/dev/null
BENCH=$BUILD/bench/ntc-bench

best() { # best value of key $1 over RESULT lines on stdin
    sed -n 's/^RESULT //p' | tr ' ' '\n' | sed -n "s/^$1=//p" | sort -g | tail -1
}

declare -A pps
for ((i = 1; i <= ROUNDS; i++)); do
    for ana in true false; do
        out=$("$BENCH" "$PCAP" --repeat 2 --dpi --set flow.analytics=$ana 2>/dev/null)
        for k in bare_pps ingest_pps dpi_pps; do
            v=$(best "$k" <<<"$out")
            [ -n "$v" ] || { echo "analytics.sh: ntc-bench printed no $k" >&2; exit 1; }
            cur=${pps[$ana.$k]:-0}
            pps[$ana.$k]=$(awk -v a="$v" -v b="$cur" 'BEGIN { print (a > b) ? a : b }')
        done
    done
done

fmt() { awk -v v="$1" 'BEGIN { printf "%.2f M", v / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f %%", 100 * a / b }'; }
echo "capture: $PCAP ($ROUNDS alternating rounds, best of each)"
for ana in true false; do
    echo "analytics=$ana: bare $(fmt "${pps[$ana.bare_pps]}") pkt/s," \
         "flows only $(fmt "${pps[$ana.ingest_pps]}") ($(ratio "${pps[$ana.ingest_pps]}" "${pps[$ana.bare_pps]}") of bare)," \
         "with DPI $(fmt "${pps[$ana.dpi_pps]}") ($(ratio "${pps[$ana.dpi_pps]}" "${pps[$ana.bare_pps]}") of bare)"
done
echo "analytics on / off: flows only $(ratio "${pps[true.ingest_pps]}" "${pps[false.ingest_pps]}")," \
     "with DPI $(ratio "${pps[true.dpi_pps]}" "${pps[false.dpi_pps]}")"
echo "RESULT on_ingest_pps=${pps[true.ingest_pps]} off_ingest_pps=${pps[false.ingest_pps]}" \
     "on_dpi_pps=${pps[true.dpi_pps]} off_dpi_pps=${pps[false.dpi_pps]}" \
     "on_bare_pps=${pps[true.bare_pps]} off_bare_pps=${pps[false.bare_pps]}"
