#!/usr/bin/python3
"""Run examples/embed-ingest and check what it prints.

Usage: run_example.py EMBED_INGEST [CAPTURE]

With CAPTURE (the project's sample capture) it checks that the program exits 0 and prints a
"top flows" table with at least one well-formed row, sorted by bytes, and the interface totals.
Without it, it writes a small Ethernet capture of three known flows and also checks the numbers.
Also checks the usage (exit 2) and a missing file (exit 1, file named).
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

ROW = re.compile(r"^(\S+):(\d+)\s+->\s+(\S+):(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$")
T0 = 1700000000


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, l4):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0,
                      bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + l4


def ipv6_udp(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 64, bytes(src), bytes(dst)) + udp


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def eth(ethertype, payload):
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", ethertype) + payload


def write_capture(path):
    """Three flows; returns the expected rows, largest first: (client, server, proto, pkts, bytes)."""
    a, b, dns = [10, 0, 0, 1], [10, 0, 0, 2], [192, 0, 2, 53]
    v6a = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1]
    v6b = [0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [2]
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    pkts = [
        eth(0x0800, ipv4(a, b, 6, tcp(40000, 80, 1, 0, SYN))),
        eth(0x0800, ipv4(b, a, 6, tcp(80, 40000, 9, 2, SYN | ACK))),
        eth(0x0800, ipv4(a, b, 6, tcp(40000, 80, 2, 10, ACK))),
        eth(0x0800, ipv4(a, b, 6, tcp(40000, 80, 2, 10, PSH | ACK, b"G" * 100))),
        eth(0x0800, ipv4(b, a, 6, tcp(80, 40000, 10, 102, PSH | ACK, b"R" * 1000))),
        eth(0x0800, ipv4(a, dns, 17, udp(50000, 53, b"q" * 30))),
        eth(0x0800, ipv4(dns, a, 17, udp(53, 50000, b"r" * 80))),
        eth(0x86DD, ipv6_udp(v6a, v6b, 40001, 123, b"n" * 48)),
        eth(0x0800, ipv4(a, b, 6, tcp(40000, 80, 102, 1010, FIN | ACK))),
        eth(0x0800, ipv4(b, a, 6, tcp(80, 40000, 1010, 103, FIN | ACK))),
    ]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # LINKTYPE_ETHERNET
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", T0, i * 1000, len(p), len(p)) + p)
    tcp_bytes = 5 * 40 + 140 + 1040
    return [("10.0.0.1:40000", "10.0.0.2:80", 6, 7, tcp_bytes),
            ("10.0.0.1:50000", "192.0.2.53:53", 17, 2, 58 + 108),
            ("[2001:db8::1]:40001", "[2001:db8::2]:123", 17, 1, 40 + 56)]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    prog = sys.argv[1]
    errors = []

    r = subprocess.run([prog], capture_output=True, text=True)
    if r.returncode != 2 or "usage" not in r.stderr:
        errors.append("without arguments: exit %d, stderr %r (want 2 and a usage line)"
                      % (r.returncode, r.stderr))
    missing = "/nonexistent/ntc-example.pcap"
    r = subprocess.run([prog, "-r", missing], capture_output=True, text=True)
    if r.returncode != 1 or missing not in r.stderr:
        errors.append("missing file: exit %d, stderr %r (want 1, naming the file)"
                      % (r.returncode, r.stderr))

    with tempfile.TemporaryDirectory(prefix="ntc-example-") as tmp:
        expected = None
        if len(sys.argv) == 3:
            capture = sys.argv[2]
        else:
            capture = os.path.join(tmp, "three-flows.pcap")
            expected = write_capture(capture)
        r = subprocess.run([prog, "-r", capture], capture_output=True, text=True, timeout=300)
    print(r.stdout)
    if r.stderr:
        print(r.stderr, file=sys.stderr)
    if r.returncode != 0:
        errors.append("embed-ingest -r %s exited %d" % (capture, r.returncode))

    lines = r.stdout.splitlines()
    start = next((i for i, l in enumerate(lines) if "top flows" in l.lower()), None)
    rows = []
    if start is None:
        errors.append('no "top flows" table in the output')
    else:
        for l in lines[start + 2:]:
            m = ROW.match(l)
            if not m:
                break
            rows.append(m)
        if not rows:
            errors.append("the top flows table has no rows")
        if len(rows) > 10:
            errors.append("%d rows, more than the top 10" % len(rows))
        sizes = [int(m.group(7)) for m in rows]
        if sizes != sorted(sizes, reverse=True):
            errors.append("rows not sorted by bytes: %s" % sizes)
    if not any("interface totals" in l for l in lines):
        errors.append("no interface totals")

    if expected is not None and rows:
        got = [("%s:%s" % (m.group(1), m.group(2)), "%s:%s" % (m.group(3), m.group(4)),
                int(m.group(5)), int(m.group(6)), int(m.group(7))) for m in rows]
        if got != expected:
            errors.append("rows %s, expected %s" % (got, expected))
        if not re.search(r"packets 10, bytes \d+ \(IP: 10 packets", r.stdout):
            errors.append("interface totals do not count the 10 packets")

    for e in errors:
        print("FAIL: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
