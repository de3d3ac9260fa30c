#!/bin/bash
# ntop-top live, inside two private network namespaces joined by a veth pair the test creates
# (nothing touches the host's interfaces): `ntop-top -b --json -i` in one namespace sees the pings
# sent from the other, with the right packet and byte counts.
# Exit 0 pass, 1 fail, 77 skip (not root, no namespaces/veth, no ping).
#   live_test.sh NTOP_TOP
set -u
top=${1:?usage: live_test.sh NTOP_TOP}
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null 2>&1 || skip "ip (iproute2) not installed"
command -v ping >/dev/null 2>&1 || skip "ping not installed"
nsa=ntc-top-$$-a; nsb=ntc-top-$$-b
work=$(mktemp -d "${TMPDIR:-/tmp}/ntc-top-live-XXXXXX") || exit 1
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    ip netns del "$nsa" 2>/dev/null; ip netns del "$nsb" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$nsa" 2>/dev/null || skip "cannot create a network namespace"
ip netns add "$nsb" 2>/dev/null || skip "cannot create a network namespace"
for ns in "$nsa" "$nsb"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
done
ip -n "$nsa" link add ntct0 type veth peer name ntct1 netns "$nsb" 2>/dev/null || skip "cannot create a veth pair"
ip -n "$nsa" link set ntct0 address 02:00:00:78:00:01 &&
ip -n "$nsb" link set ntct1 address 02:00:00:78:00:02 &&
ip -n "$nsa" addr add 10.78.0.1/24 dev ntct0 &&
ip -n "$nsb" addr add 10.78.0.2/24 dev ntct1 &&
ip -n "$nsa" link set ntct0 up && ip -n "$nsb" link set ntct1 up &&
ip -n "$nsa" neigh replace 10.78.0.2 lladdr 02:00:00:78:00:02 dev ntct0 nud permanent &&
ip -n "$nsb" neigh replace 10.78.0.1 lladdr 02:00:00:78:00:01 dev ntct1 nud permanent ||
    { echo "FAIL: namespace setup"; exit 1; }

out=$work/out.json
# Frame 1 is printed as soon as the interface is open; then one a second, 4 in all.
ip netns exec "$nsa" "$top" -b --json -d 1 -n 4 -i ntct0 -m 10.78.0.0/24 >"$out" 2>"$work/err" &
pid=$!
for i in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
[ -s "$out" ] || { echo "FAIL: no first frame: $(cat "$work/err")"; exit 1; }
ip netns exec "$nsb" ping -q -c 5 -i 0.2 -s 56 10.78.0.1 >/dev/null || echo "note: ping reported losses"
wait "$pid"; rc=$?; pid=
echo "exit $rc, $(wc -l <"$out") frames"
/usr/bin/python3 - "$out" "$rc" <<'PY'
import json, sys
frames = [json.loads(l) for l in open(sys.argv[1])]
ok = True
def check(c, what):
    global ok
    if not c:
        ok = False
        print('FAIL:', what)
check(sys.argv[2] == '0', 'exit status %s' % sys.argv[2])
check(len(frames) == 4, '4 frames, got %d' % len(frames))
last = frames[-1]
check(last['LIVE'] is True and last['SOURCES'] == ['ntct0'], 'live source ntct0')
icmp = [f for f in last['FLOWS'] if f['PROTOCOL'] == 1]
check(len(icmp) == 1, 'one ICMP flow: %s' % icmp)
if icmp:
    f = icmp[0]
    print('flow:', {k: f[k] for k in ('IPV4_SRC_ADDR', 'IPV4_DST_ADDR', 'L7_PROTO_NAME', 'IN_PKTS', 'IN_BYTES', 'OUT_PKTS', 'OUT_BYTES')})
    check(f['IPV4_SRC_ADDR'] == '10.78.0.2' and f['IPV4_DST_ADDR'] == '10.78.0.1', 'client/server')
    check(f['IN_PKTS'] == 5 and f['OUT_PKTS'] == 5, 'packets 5/5')
    check(f['IN_BYTES'] == 5 * 84 and f['OUT_BYTES'] == 5 * 84, 'bytes 420/420')
    check(f['L7_PROTO_NAME'] == 'ICMP', 'application ICMP')
hosts = {h['IP_ADDR']: h for h in last['HOSTS']}
check(hosts.get('10.78.0.1', {}).get('PKTS_RCVD') == 5 and hosts.get('10.78.0.1', {}).get('IS_LOCAL') == 1,
      'host 10.78.0.1: 5 packets received, local')
check(last['PACKETS'] == 10, 'interface packets %s != 10' % last['PACKETS'])
check(frames[0]['PACKETS'] == 0, 'frame 1 before the pings')
sys.exit(0 if ok else 1)
PY
st=$?
[ $st -eq 0 ] && echo PASS
exit $st
