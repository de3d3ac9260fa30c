#!/bin/bash
# Live-capture rate test: a veth pair between two network namespaces this script creates; a packet
# socket in one sends a known number of UDP frames at a stated rate, an engine in the other captures
# them (ntc_engine_open_live, DPI on). Every frame must be counted, and the kernel's counters
# (ntc_iface_stats kernel_received / kernel_dropped / ifdrops) must say nothing was dropped.
# Nothing touches the host's interfaces and no packet leaves the namespaces.
#
#   live_rate_test.sh PATH/TO/live-rate [RATE [COUNT]]     (default 20000 frames/s, 20000 frames)
#
# Exit 0 pass, 1 fail, 77 skip (not root, no `ip netns`, no veth).
set -u

bin=${1:?usage: live_rate_test.sh PATH/TO/live-rate [RATE [COUNT]]}
rate=${2:-20000}
count=${3:-20000}
skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, packet sockets)"
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not installed"
ip netns list >/dev/null 2>&1 || skip "ip netns is not available"
[ -x "$bin" ] || { echo "FAIL: $bin not executable"; exit 1; }

nsa=ntc-robust-$$-a
nsb=ntc-robust-$$-b
work=$(mktemp -d "${TMPDIR:-/tmp}/ntc-robust-live-XXXXXX") || exit 1
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    ip netns del "$nsa" 2>/dev/null
    ip netns del "$nsb" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$nsa" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
ip netns add "$nsb" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
for ns in "$nsa" "$nsb"; do
    # No IPv6 (router solicitations, MLD): the link carries only the frames we send.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
done
# A:robust0 02:00:00:88:00:01  <->  B:robust1 02:00:00:88:00:02 (no addresses: the frames are
# addressed to 10.88.0.2, which B does not have, so its stack drops them quietly after capture).
ip -n "$nsa" link add robust0 type veth peer name robust1 netns "$nsb" 2>/dev/null ||
    skip "cannot create a veth pair"
ip -n "$nsa" link set robust0 address 02:00:00:88:00:01 &&
ip -n "$nsb" link set robust1 address 02:00:00:88:00:02 &&
ip -n "$nsa" link set robust0 up &&
ip -n "$nsb" link set robust1 up || { echo "FAIL: namespace setup"; exit 1; }

port=40100
ip netns exec "$nsb" "$bin" capture robust1 "$port" "$count" $((count * 1000 / rate + 10000)) \
    "$work/ready" >"$work/cap.out" 2>&1 &
pid=$!
n=0
while [ ! -e "$work/ready" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
[ -e "$work/ready" ] || { echo "FAIL: the capture did not start: $(cat "$work/cap.out")"; exit 1; }
sent=$(ip netns exec "$nsa" "$bin" send robust0 02:00:00:88:00:02 "$port" "$count" "$rate") ||
    { echo "FAIL: sender: $sent"; exit 1; }
wait "$pid"
pid=""
got=$(cat "$work/cap.out")
rx_dropped=$(ip -n "$nsb" -s -o link show robust1 2>/dev/null |
             sed -n 's/.*RX:[^\\]*\\ *[0-9]* *[0-9]* *[0-9]* *\([0-9]*\).*/\1/p')
echo "stated rate $rate frames/s, $count frames"
echo "sender:   $sent"
echo "capture:  $got"
echo "veth robust1 rx_dropped: ${rx_dropped:-?}"

field() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"; }
failed=0
fail() { echo "FAIL: $*"; failed=1; }
[ "$(field sent "$sent")" = "$count" ] || fail "the sender sent $(field sent "$sent") of $count"
[ "$(field udp "$got")" = "$count" ] || fail "the engine counted $(field udp "$got") UDP frames of $count"
[ "$(field packets "$got")" = "$count" ] || fail "the engine counted $(field packets "$got") frames"
[ "$(field flows "$got")" = 16 ] || fail "expected 16 flows, got $(field flows "$got")"
[ "$(field kernel_received "$got")" = "$count" ] ||
    fail "kernel_received $(field kernel_received "$got"), expected $count"
[ "$(field kernel_dropped "$got")" = 0 ] || fail "the kernel dropped $(field kernel_dropped "$got")"
[ "$(field ifdrops "$got")" = 0 ] || fail "the interface dropped $(field ifdrops "$got")"
[ $failed -eq 0 ] && echo "PASS"
exit $failed
