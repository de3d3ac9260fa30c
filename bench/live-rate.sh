#!/bin/bash
# The highest rate at which live capture loses nothing, on this machine: a veth pair between two
# network namespaces this script creates (names with "robust"), a packet socket in one sending
# 60-byte UDP frames (16 flows) at a stated rate, an engine in the other capturing them
# (ntc_engine_open_live, default configuration: DPI on, libpcap's default buffer). A trial at rate R
# sends R * SECONDS frames; it is loss-free when the engine counted every frame and the kernel's
# counters (kernel_dropped, ifdrops) and the receiving veth's rx_dropped say nothing was dropped.
# The rate doubles from START until a trial loses frames (or the sender cannot keep up), then is
# bisected to within 5 %. Both programs share the machine's cores, as they would on a small box.
#
# Usage: bench/live-rate.sh [KEY=VALUE...]      (engine settings for the capture, e.g. dpi.enable=false)
# Environment: NTC_LIVE_BUILD (default /tmp/ntc-live-build: a release build), NTC_LIVE_START
# (default 50000 frames/s), NTC_LIVE_SECONDS (default 3), NTC_LIVE_MAX (default 4000000).
# Needs root and `ip netns`. Not a test: nothing asserts; the last line is machine-readable.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NTC_LIVE_BUILD:-/tmp/ntc-live-build}
START=${NTC_LIVE_START:-50000}
SECS=${NTC_LIVE_SECONDS:-3}
MAX=${NTC_LIVE_MAX:-4000000}
say() { printf '%s\n' "live-rate: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { say "needs root (network namespaces, packet sockets)"; exit 1; }
ip netns list >/dev/null 2>&1 || { say "ip netns is not available"; exit 1; }
if [ ! -f "$BUILD/build.ninja" ]; then
    say "configuring a release build in $BUILD"
    meson setup "$BUILD" "$SRC" -Dbuildtype=release -Dtests=true -Dtools=false -Dexamples=false \
        -Dbench=false >/dev/null || exit 1
fi
ninja -C "$BUILD" tests/robust/live-rate >/dev/null || exit 1
BIN=$BUILD/tests/robust/live-rate

nsa=ntc-robust-bench-$$-a
nsb=ntc-robust-bench-$$-b
work=$(mktemp -d "${TMPDIR:-/tmp}/ntc-robust-bench-XXXXXX") || exit 1
cleanup() { ip netns del "$nsa" 2>/dev/null; ip netns del "$nsb" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$nsa" && ip netns add "$nsb" || exit 1
for ns in "$nsa" "$nsb"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
done
ip -n "$nsa" link add robust0 type veth peer name robust1 netns "$nsb" &&
ip -n "$nsa" link set robust0 address 02:00:00:88:00:01 &&
ip -n "$nsb" link set robust1 address 02:00:00:88:00:02 &&
ip -n "$nsa" link set robust0 up && ip -n "$nsb" link set robust1 up || exit 1

field() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"; }
rx_dropped() {
    ip -n "$nsb" -s -o link show robust1 | sed -n 's/.*RX:[^\\]*\\ *[0-9]* *[0-9]* *[0-9]* *\([0-9]*\).*/\1/p'
}

# trial RATE: prints "ok|loss|slow got/count dropped achieved" and returns 0 when loss-free.
trial() {
    local rate=$1 count=$(( $1 * SECS )) port=$((40200 + RANDOM % 1000))
    rm -f "$work/ready"
    local d0; d0=$(rx_dropped)
    ip netns exec "$nsb" "$BIN" capture robust1 "$port" "$count" $((SECS * 1000 + 5000)) \
        "$work/ready" "${SETTINGS[@]}" >"$work/cap.out" 2>&1 &
    local pid=$! n=0
    while [ ! -e "$work/ready" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
    local sent; sent=$(ip netns exec "$nsa" "$BIN" send robust0 02:00:00:88:00:02 "$port" "$count" "$rate")
    wait "$pid"
    local got; got=$(cat "$work/cap.out")
    local d1; d1=$(rx_dropped)
    local udp kd ifd ach
    udp=$(field udp "$got"); kd=$(field kernel_dropped "$got"); ifd=$(field ifdrops "$got")
    ach=$(field rate "$sent")
    local veth=$(( ${d1:-0} - ${d0:-0} ))
    local verdict=ok
    if [ "${udp:-0}" != "$count" ] || [ "${kd:-1}" != 0 ] || [ "${ifd:-1}" != 0 ] || [ "$veth" != 0 ]; then
        verdict=loss
    elif [ "${ach%.*}" -lt $(( rate * 95 / 100 )) ]; then
        verdict=slow
    fi
    printf '  %9d frames/s stated, %9s achieved: %s  counted %s/%d, kernel_dropped %s, ifdrops %s, veth rx_dropped %d\n' \
        "$rate" "${ach:-?}" "$verdict" "${udp:-?}" "$count" "${kd:-?}" "${ifd:-?}" "$veth" >&2
    LAST=$verdict
    ACHIEVED=${ach%.*}
    [ "$verdict" = ok ]
}

SETTINGS=("$@")
say "capture settings: ${SETTINGS[*]:-defaults (DPI on)}; $SECS s per trial; $(nproc) cores; load $(cut -d' ' -f1 /proc/loadavg)"
good=0; bad=0; r=$START; limit=""
while [ "$r" -le "$MAX" ]; do
    if trial "$r"; then good=$r; r=$((r * 2)); else
        if [ "$LAST" = slow ]; then
            # Nothing lost, but the sender fell short: what it achieved was captured loss-free.
            limit="sender"; [ "${ACHIEVED:-0}" -gt "$good" ] && good=$ACHIEVED
        fi
        bad=$r; break
    fi
done
if [ "$bad" -gt 0 ] && [ -z "$limit" ]; then
    while [ $((bad - good)) -gt $((bad / 20)) ]; do
        mid=$(( (good + bad) / 2 ))
        if trial "$mid"; then good=$mid; else
            if [ "$LAST" = slow ]; then
                limit="sender"; [ "${ACHIEVED:-0}" -gt "$good" ] && good=$ACHIEVED; break
            fi
            bad=$mid
        fi
    done
fi
printf 'highest loss-free rate: %d frames/s (60-byte frames, %s)%s\n' "$good" \
    "${SETTINGS[*]:-defaults, DPI on}" \
    "${limit:+; nothing was lost, the sender could not go faster (on a veth pair the sending CPU also runs the receiving kernel path)}"
printf 'RESULT_LIVE loss_free_pps=%d first_failing_pps=%d limit=%s\n' "$good" "$bad" "${limit:-capture}"
