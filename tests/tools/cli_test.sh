#!/bin/bash
# User-facing behaviour of ntop-export: exit codes and messages, truncated input, BPF filters,
# --what hosts with -m, --format nprobe, -o jsonl:PATH, JSON validity, exact flow numbers.
#
#   cli_test.sh NTOP_EXPORT MAKE_CLI_PCAP_PY [SAMPLE_PCAP]
#
# Exact numbers come from a capture crafted here (make_cli_pcap.py, whose contents are known).
# When the project's sample capture (tests/data, meson's sample_pcap) is given, the checks that do
# not depend on its contents run on it too (truncation, -c, nprobe ids, -o, hosts vs -m, JSON).
set -u
PY=/usr/bin/python3
T=${1:?usage: cli_test.sh NTOP_EXPORT MAKE_CLI_PCAP_PY [SAMPLE_PCAP]}
MK=${2:?usage: cli_test.sh NTOP_EXPORT MAKE_CLI_PCAP_PY [SAMPLE_PCAP]}
SAMPLE=${3:-}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ntc-cli-test.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
nfail=0
nok=0
ok() { nok=$((nok + 1)); echo "ok   - $*"; }
bad() { nfail=$((nfail + 1)); echo "FAIL - $*"; }

# run ARGS...: sets $rc, $tmp/out, $tmp/err
run() {
    "$T" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
show() { echo "       exit $rc; stderr: $(head -c 400 "$tmp/err" | tr '\n' ' ')"; }
lines() { local n; n=$(wc -l <"$1"); echo "${n// /}"; }

# expect_fail CODE "description" "needle" ARGS...: exit CODE, stderr names NEEDLE, stdout empty.
expect_fail() {
    local code=$1 what=$2 needle=$3
    shift 3
    run "$@"
    if [ "$rc" -ne "$code" ]; then
        bad "$what: exit $rc, want $code"; show
    elif ! grep -qiF -- "$needle" "$tmp/err"; then
        bad "$what: message does not name '$needle'"; show
    elif [ -s "$tmp/out" ]; then
        bad "$what: wrote to stdout on error"
    else
        ok "$what: exit $code, message names '$needle'"
    fi
}

# pycheck "description" SCRIPT ARGS...: runs python SCRIPT with ARGS; it prints a reason to fail.
pycheck() {
    local what=$1 script=$2
    shift 2
    local msg
    msg=$("$PY" -c "$script" "$@" 2>&1)
    if [ $? -eq 0 ] && [ -z "$msg" ]; then ok "$what"; else bad "$what: $msg"; fi
}

JSON_LINES='
import json, sys
for path in sys.argv[1:]:
    for n, line in enumerate(open(path), 1):
        try:
            v = json.loads(line)
        except ValueError as e:
            print("%s:%d: not JSON (%s): %s" % (path, n, e, line[:120])); sys.exit(1)
        if not isinstance(v, dict):
            print("%s:%d: not a JSON object" % (path, n)); sys.exit(1)
'

# Flows in OUT must be exactly the expected ones (make_cli_pcap.py --expect [N]).
FLOWS_EQUAL='
import json, sys
got, want = [json.loads(l) for l in open(sys.argv[1])], json.loads(sys.argv[2])
if len(got) != len(want):
    print("%d flows, want %d" % (len(got), len(want))); sys.exit(1)
def key(r):
    v = "6" if "IPV6_SRC_ADDR" in r else "4"
    return (r["IPV%s_SRC_ADDR" % v], r["IPV%s_DST_ADDR" % v], r["L4_SRC_PORT"], r["L4_DST_PORT"], r["PROTOCOL"])
have = {key(r): r for r in got}
for name, w in sorted(want.items()):
    r = have.get((w["src"], w["dst"], w["sport"], w["dport"], w["proto"]))
    if r is None:
        print("flow %s (%s:%d -> %s:%d) missing" % (name, w["src"], w["sport"], w["dst"], w["dport"])); sys.exit(1)
    for k in ("in_pkts", "in_bytes", "out_pkts", "out_bytes"):
        if r[k.upper()] != w[k]:
            print("flow %s: %s %d, want %d" % (name, k.upper(), r[k.upper()], w[k])); sys.exit(1)
    if r["SRC_VLAN"] != 0:
        print("flow %s: SRC_VLAN %d" % (name, r["SRC_VLAN"])); sys.exit(1)
'

# nprobe output (argv[2]) carries the same records as names output (argv[1]): every element that
# has a NetFlow/IPFIX or ntop (PEN 35632) id is keyed by that numeric id with the same value, and
# never by its name; fields without an id may keep their names (ntopng's collector accepts both).
NPROBE_SAME='
import json, sys
ids = {"IPV4_SRC_ADDR": "8", "IPV4_DST_ADDR": "12", "IPV6_SRC_ADDR": "27", "IPV6_DST_ADDR": "28",
       "L4_SRC_PORT": "7", "L4_DST_PORT": "11", "PROTOCOL": "4", "IN_BYTES": "1", "IN_PKTS": "2",
       "OUT_BYTES": "23", "OUT_PKTS": "24", "SRC_VLAN": "58", "FIRST_SWITCHED": "22",
       "LAST_SWITCHED": "21", "IP_PROTOCOL_VERSION": "60", "TCP_FLAGS": "6",
       "FLOW_START_MILLISECONDS": "152", "FLOW_END_MILLISECONDS": "153",
       "CLIENT_TCP_FLAGS": "57550", "SERVER_TCP_FLAGS": "57551", "L7_PROTO": "57590",
       "L7_PROTO_NAME": "57591", "TLS_SERVER_NAME": "57660", "DNS_QUERY": "57677"}
names = [json.loads(l) for l in open(sys.argv[1])]
nums = [json.loads(l) for l in open(sys.argv[2])]
if len(names) != len(nums) or not names:
    print("%d nprobe records, %d named ones" % (len(nums), len(names))); sys.exit(1)
for i, (a, b) in enumerate(zip(names, nums), 1):
    named = [k for k in b if k in ids]
    if named:
        print("record %d: %s keyed by name, not by id" % (i, named)); sys.exit(1)
    v4 = "IPV4_SRC_ADDR" in a
    need = ["8", "12"] if v4 else ["27", "28"]
    need += ["7", "11", "4", "1", "2"]
    miss = [k for k in need if k not in b]
    if miss:
        print("record %d: keys %s missing in %s" % (i, miss, sorted(b))); sys.exit(1)
    for name, num in ids.items():
        if name in a and b.get(num) != a[name]:
            print("record %d: \"%s\"=%r but %s=%r" % (i, num, b.get(num), name, a[name])); sys.exit(1)
    if len(a) != len(b):
        print("record %d: %d fields, %d with names" % (i, len(b), len(a))); sys.exit(1)
'

# Hosts (argv[1]) have IS_LOCAL=1 exactly for addresses inside the networks argv[2] (comma list);
# argv[3] (optional): the exact host count; argv[4]: the exact comma list of local addresses.
HOSTS_LOCAL='
import ipaddress, json, sys
nets = [ipaddress.ip_network(n) for n in sys.argv[2].split(",")]
hosts = [json.loads(l) for l in open(sys.argv[1])]
if not hosts:
    print("no hosts"); sys.exit(1)
for h in hosts:
    if "IP_ADDR" not in h or "IS_LOCAL" not in h:
        print("not a host record: %s" % h); sys.exit(1)
    a = ipaddress.ip_address(h["IP_ADDR"])
    inside = any(a.version == n.version and a in n for n in nets)
    if h["IS_LOCAL"] != int(inside):
        print("%s: IS_LOCAL=%s but it is %s %s" % (a, h["IS_LOCAL"], "inside" if inside else "outside", sys.argv[2])); sys.exit(1)
if len(sys.argv) > 3 and len(hosts) != int(sys.argv[3]):
    print("%d hosts, want %s" % (len(hosts), sys.argv[3])); sys.exit(1)
if len(sys.argv) > 4:
    loc = sorted(h["IP_ADDR"] for h in hosts if h["IS_LOCAL"])
    if loc != sorted(sys.argv[4].split(",")):
        print("local hosts %s, want %s" % (loc, sys.argv[4])); sys.exit(1)
'

[ -x "$T" ] || { echo "ntop-export not executable: $T"; exit 99; }
[ -x "$PY" ] || { echo "SKIP: $PY not found"; exit 77; }

C=$tmp/cli.pcap
"$PY" "$MK" "$C" || { echo "cannot craft the test capture"; exit 99; }
WANT=$("$PY" "$MK" --expect) || exit 99
WANT9=$("$PY" "$MK" --expect 9) || exit 99

echo "# usage errors: exit 2, the message names the problem"
expect_fail 2 "unknown option" "--no-such-option" --no-such-option -r "$C"
expect_fail 2 "-c abc" "abc" -c abc -r "$C"
expect_fail 2 "--set unknown key" "nosuch.key" --set nosuch.key=1 -r "$C"
expect_fail 2 "--set flow.max=0 (out of range)" "flow.max" --set flow.max=0 -r "$C"
if grep -qi 'range' "$tmp/err"; then ok "flow.max=0 message says out of range"; else bad "flow.max=0 message does not say range: $(cat "$tmp/err")"; fi
expect_fail 2 "-m 300.1.1.1/8" "300.1.1.1" -m 300.1.1.1/8 -r "$C"
expect_fail 2 "-o bogus:x" "bogus:x" -o bogus:x -r "$C"
expect_fail 2 "no input" "input"

echo "# runtime errors: exit 1, the message names the file"
expect_fail 1 "missing file" "$tmp/missing.pcap" -r "$tmp/missing.pcap"
printf 'this is not a capture file, just some text\n%.0s' {1..20} >"$tmp/garbage.pcap"
expect_fail 1 "garbage file" "$tmp/garbage.pcap" -r "$tmp/garbage.pcap"

echo "# the crafted capture: 16 frames, 5 flows"
run -r "$C" -q
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ]; then ok "clean run: exit 0, nothing on stderr with -q"; else bad "clean run"; show; fi
cp "$tmp/out" "$tmp/all.jsonl"
pycheck "every output line is a JSON object" "$JSON_LINES" "$tmp/all.jsonl"
pycheck "exactly the 5 expected flows with their packet and IP byte counts" "$FLOWS_EQUAL" "$tmp/all.jsonl" "$WANT"

run -r "$C" -q -c 9
cp "$tmp/out" "$tmp/c9.jsonl"
if [ "$rc" -eq 0 ]; then ok "-c 9: exit 0"; else bad "-c 9"; show; fi
pycheck "-c 9: exactly the 2 flows of the first 9 packets" "$FLOWS_EQUAL" "$tmp/c9.jsonl" "$WANT9"

"$PY" "$MK" --cut "$C" "$tmp/cut.pcap" 9 || exit 99
run -r "$tmp/cut.pcap" -q
if [ "$rc" -ne 1 ]; then bad "truncated capture: exit $rc, want 1"; show
elif ! grep -qF -- "$tmp/cut.pcap" "$tmp/err"; then bad "truncated capture: message does not name the file"; show
elif ! grep -qF "after 9 packets" "$tmp/err"; then bad "truncated capture: message does not say 'after 9 packets'"; show
else ok "truncated capture: exit 1, names the file and 'after 9 packets'"; fi
if [ "$(lines "$tmp/out")" -eq 2 ] && cmp -s <(sort "$tmp/out") <(sort "$tmp/c9.jsonl"); then
    ok "truncated capture: the 2 flows read before the cut are printed, identical to -c 9"
else
    bad "truncated capture: flows differ from -c 9 ($(lines "$tmp/out") vs $(lines "$tmp/c9.jsonl") lines)"
fi

run -r "$C" -q udp
cp "$tmp/out" "$tmp/udp.jsonl"
pycheck "BPF 'udp': exactly the 3 UDP flows" "$FLOWS_EQUAL" "$tmp/udp.jsonl" \
    "$("$PY" -c 'import json,sys; w=json.loads(sys.argv[1]); print(json.dumps({k: v for k, v in w.items() if v["proto"] == 17}))' "$WANT")"
run -r "$C" -q host 8.8.4.4 and udp port 53
cp "$tmp/out" "$tmp/host.jsonl"
pycheck "BPF 'host 8.8.4.4 and udp port 53': exactly that 1 flow" "$FLOWS_EQUAL" "$tmp/host.jsonl" \
    "$("$PY" -c 'import json,sys; w=json.loads(sys.argv[1]); print(json.dumps({"dns2": w["dns2"]}))' "$WANT")"

run -r "$C" -q --what hosts -m 192.168.1.0/24
cp "$tmp/out" "$tmp/hosts.jsonl"
if [ "$rc" -eq 0 ]; then ok "--what hosts: exit 0"; else bad "--what hosts"; show; fi
pycheck "--what hosts: JSON" "$JSON_LINES" "$tmp/hosts.jsonl"
pycheck "--what hosts -m 192.168.1.0/24: 8 hosts, IS_LOCAL=1 exactly for 192.168.1.10 and .20" \
    "$HOSTS_LOCAL" "$tmp/hosts.jsonl" 192.168.1.0/24 8 192.168.1.10,192.168.1.20
run -r "$C" -q --what hosts -m 10.0.0.5/32,2001:db8::/127
cp "$tmp/out" "$tmp/hosts2.jsonl"
pycheck "--what hosts -m 10.0.0.5/32,2001:db8::/127: IS_LOCAL=1 exactly for 10.0.0.5 and 2001:db8::1" \
    "$HOSTS_LOCAL" "$tmp/hosts2.jsonl" 10.0.0.5/32,2001:db8::/127 8 10.0.0.5,2001:db8::1

run -r "$C" -q --format nprobe
cp "$tmp/out" "$tmp/nprobe.jsonl"
if [ "$rc" -eq 0 ] && [ "$(lines "$tmp/nprobe.jsonl")" -eq 5 ]; then ok "--format nprobe: exit 0, 5 records"; else bad "--format nprobe: exit $rc, $(lines "$tmp/nprobe.jsonl") records"; fi
pycheck "--format nprobe: JSON" "$JSON_LINES" "$tmp/nprobe.jsonl"
pycheck "--format nprobe: the same records keyed by numeric ids (8,12,7,11,4,1,2 ...)" \
    "$NPROBE_SAME" "$tmp/all.jsonl" "$tmp/nprobe.jsonl"

run -r "$C" -q -o "jsonl:$tmp/o.jsonl"
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && [ -f "$tmp/o.jsonl" ] && cmp -s "$tmp/o.jsonl" "$tmp/all.jsonl" \
    && [ "$(lines "$tmp/o.jsonl")" -eq 5 ]; then
    ok "-o jsonl:PATH writes the 5 records to PATH (same bytes as stdout) and nothing to stdout"
else
    bad "-o jsonl:PATH: exit $rc, stdout $(lines "$tmp/out") lines, file $( [ -f "$tmp/o.jsonl" ] && lines "$tmp/o.jsonl" || echo missing)"
fi

if [ -n "$SAMPLE" ]; then
    echo "# the project's sample capture: $SAMPLE"
    if [ ! -f "$SAMPLE" ]; then
        bad "sample capture $SAMPLE does not exist"
    else
        run -r "$SAMPLE" -q
        cp "$tmp/out" "$tmp/s.jsonl"
        nflows=$(lines "$tmp/s.jsonl")
        if [ "$rc" -eq 0 ] && [ "$nflows" -gt 0 ]; then ok "sample: exit 0, $nflows flows"; else bad "sample: exit $rc, $nflows flows"; show; fi
        pycheck "sample: every line is a JSON object" "$JSON_LINES" "$tmp/s.jsonl"
        run -r "$SAMPLE" -q --format nprobe
        cp "$tmp/out" "$tmp/sn.jsonl"
        pycheck "sample: --format nprobe has the same $nflows records keyed by numeric ids" "$NPROBE_SAME" "$tmp/s.jsonl" "$tmp/sn.jsonl"
        run -r "$SAMPLE" -q -o "jsonl:$tmp/so.jsonl"
        if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && cmp -s "$tmp/so.jsonl" "$tmp/s.jsonl"; then ok "sample: -o jsonl:PATH equals stdout ($nflows records)"; else bad "sample: -o jsonl:PATH"; fi
        npk=$("$PY" "$MK" --count "$SAMPLE") || npk=0
        if [ "$npk" -ge 2 ]; then
            k=$((npk / 2))
            "$PY" "$MK" --cut "$SAMPLE" "$tmp/scut.pcap" "$k" || exit 99
            run -r "$SAMPLE" -q -c "$k"
            cp "$tmp/out" "$tmp/sk.jsonl"
            run -r "$tmp/scut.pcap" -q
            if [ "$rc" -eq 1 ] && grep -qF -- "$tmp/scut.pcap" "$tmp/err" && grep -qF "after $k packets" "$tmp/err"; then
                ok "sample cut in packet $((k + 1)) of $npk: exit 1, names the file and 'after $k packets'"
            else
                bad "sample cut in packet $((k + 1)) of $npk"; show
            fi
            if cmp -s <(sort "$tmp/out") <(sort "$tmp/sk.jsonl"); then
                ok "sample cut: the $(lines "$tmp/sk.jsonl") flows read before the cut equal -c $k"
            else
                bad "sample cut: $(lines "$tmp/out") flows printed, -c $k gives $(lines "$tmp/sk.jsonl")"
            fi
        else
            bad "sample: cannot count its packets ($npk)"
        fi
        net=$("$PY" -c '
import ipaddress, json, sys
r = json.loads(open(sys.argv[1]).readline())
a = ipaddress.ip_address(r.get("IPV4_SRC_ADDR") or r["IPV6_SRC_ADDR"])
print(ipaddress.ip_network("%s/%d" % (a, 24 if a.version == 4 else 64), strict=False))' "$tmp/s.jsonl" 2>/dev/null)
        if [ -n "$net" ]; then
            run -r "$SAMPLE" -q --what hosts -m "$net"
            cp "$tmp/out" "$tmp/sh.jsonl"
            pycheck "sample: --what hosts -m $net: IS_LOCAL=1 exactly for the hosts inside" "$HOSTS_LOCAL" "$tmp/sh.jsonl" "$net"
        else
            bad "sample: no flow to take a local network from"
        fi
    fi
fi

echo "# $nok passed, $nfail failed"
[ "$nfail" -eq 0 ]
