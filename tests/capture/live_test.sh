#!/bin/bash
# Live capture test of lib/capture, inside two private network namespaces joined by veth pairs.
# Nothing touches the host's interfaces and no packet leaves the namespaces.
#
#   live_test.sh PATH/TO/live_probe
#
# Exit 0 pass, 1 fail, 77 skip (not root, no network namespaces, no veth).
set -u

probe=${1:?usage: live_test.sh PATH/TO/live_probe}
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; failed=1; }

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not installed"
[ -x "$probe" ] || { echo "FAIL: $probe not executable"; exit 1; }

nsa=ntc-t-$$-a
nsb=ntc-t-$$-b
work=$(mktemp -d "${TMPDIR:-/tmp}/ntc-live-XXXXXX") || exit 1
pids=()
failed=0

cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    ip netns del "$nsa" 2>/dev/null
    ip netns del "$nsb" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$nsa" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
ip netns add "$nsb" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"

# No IPv6 (router solicitations, MLD) so that an idle interface stays silent.
for ns in "$nsa" "$nsb"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
done
# Two pairs: A:ntca0 10.77.0.1 <-> B:ntcb0 10.77.0.2, A:ntca1 10.77.1.1 <-> B:ntcb1 10.77.1.2.
# Fixed MACs and permanent neighbour entries: no ARP, only the datagrams we send.
for i in 0 1; do
    ip -n "$nsa" link add ntca$i type veth peer name ntcb$i netns "$nsb" 2>/dev/null ||
        skip "cannot create a veth pair"
    ip -n "$nsa" link set ntca$i address 02:00:00:77:0$i:01 &&
    ip -n "$nsb" link set ntcb$i address 02:00:00:77:0$i:02 &&
    ip -n "$nsa" addr add 10.77.$i.1/24 dev ntca$i &&
    ip -n "$nsb" addr add 10.77.$i.2/24 dev ntcb$i &&
    ip -n "$nsa" link set ntca$i up &&
    ip -n "$nsb" link set ntcb$i up &&
    ip -n "$nsa" neigh replace 10.77.$i.2 lladdr 02:00:00:77:0$i:02 dev ntca$i nud permanent &&
    ip -n "$nsb" neigh replace 10.77.$i.1 lladdr 02:00:00:77:0$i:01 dev ntcb$i nud permanent ||
        { echo "FAIL: namespace setup"; exit 1; }
done
ip -n "$nsa" link set lo up
ip -n "$nsb" link set lo up

wait_ready() { # file
    local n=0
    while [ ! -e "$1" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
    [ -e "$1" ]
}
field() { # name line
    sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"
}

# 1. one interface: exactly the datagrams sent, kernel counters agree, no drops.
out=$work/cap1.out
ip netns exec "$nsa" "$probe" capture ntca0 40001 50 5000 "$work/ready1" >"$out" 2>&1 &
pids+=($!)
if wait_ready "$work/ready1"; then
    ip netns exec "$nsb" "$probe" send 10.77.0.1 40001 50 >/dev/null || fail "sender"
else
    fail "capture did not start: $(cat "$out")"
fi
wait "${pids[-1]}"
line=$(cat "$out")
echo "one interface: $line"
[ "$(field port "$line")" = 50 ] || fail "one interface: expected 50 datagrams to port 40001"
[ "$(field linktype "$line")" = 1 ] || fail "one interface: linktype should be 1 (Ethernet)"
recv=$(field recv "$line")
[ -n "$recv" ] && [ "$recv" -ge 50 ] || fail "one interface: kernel received $recv < 50"
[ "$(field drop "$line")" = 0 ] || fail "one interface: kernel drops"

# 2. two interfaces polled together.
out=$work/cap2.out
ip netns exec "$nsa" "$probe" capture ntca0,ntca1 40002 60 5000 "$work/ready2" >"$out" 2>&1 &
pids+=($!)
if wait_ready "$work/ready2"; then
    ip netns exec "$nsb" "$probe" send 10.77.0.1 40002 30 >/dev/null || fail "sender 0"
    ip netns exec "$nsb" "$probe" send 10.77.1.1 40002 30 >/dev/null || fail "sender 1"
else
    fail "capture did not start: $(cat "$out")"
fi
wait "${pids[-1]}"
line=$(cat "$out")
echo "two interfaces: $line"
[ "$(field port "$line")" = 60 ] || fail "two interfaces: expected 60 datagrams to port 40002"
recv=$(field recv "$line")
[ -n "$recv" ] && [ "$recv" -ge 60 ] || fail "two interfaces: kernel received $recv < 60"

# 3. idle interface: poll(0) returns at once, poll(300) returns 0 after about 300 ms.
line=$(timeout 10 ip netns exec "$nsa" "$probe" idle ntca0 300 2>&1)
echo "idle: $line"
[ "$(field ret0 "$line")" = 0 ] || fail "idle: poll(0) should return 0"
ms0=$(field ms0 "$line")
[ -n "$ms0" ] && [ "$ms0" -lt 100 ] || fail "idle: poll(0) took ${ms0:-?} ms"
[ "$(field ret "$line")" = 0 ] || fail "idle: poll(300) should return 0"
ms=$(field ms "$line")
[ -n "$ms" ] && [ "$ms" -ge 250 ] && [ "$ms" -le 1500 ] || fail "idle: poll(300) took ${ms:-?} ms"

# 4. the interface disappears: the source fails with an error naming it, then EOF.
out=$work/gone.out
ip netns exec "$nsa" "$probe" gone ntca1 5000 "$work/ready4" >"$out" 2>&1 &
pids+=($!)
if wait_ready "$work/ready4"; then
    sleep 0.1
    ip -n "$nsb" link del ntcb1 || fail "cannot delete the veth"
else
    fail "capture did not start: $(cat "$out")"
fi
wait "${pids[-1]}"
line=$(cat "$out")
echo "interface gone: $(tr '\n' ' ' <"$out")"
[ "$(field rc "$line")" = -3 ] || fail "gone: expected NTC_EIO (-3)"
grep -q "err=ntca1: " "$out" || fail "gone: the error should name ntca1"
[ "$(field live "$line")" = 0 ] || fail "gone: the source should be closed"
grep -q "^next=-9" "$out" || fail "gone: the next poll should return NTC_EOF"

[ $failed -eq 0 ] && echo "PASS"
exit $failed
