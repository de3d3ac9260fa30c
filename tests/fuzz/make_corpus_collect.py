#!/usr/bin/python3
"""Write the seed corpus of the collector fuzz targets: tests/fuzz/corpus/fuzz_netflow/seed-* and
tests/fuzz/corpus/fuzz_zmq/seed-* (crafted here; see fuzz_netflow.c and fuzz_zmq.c for the input
formats). Files not named seed-* (regressions, exports captured from the project's sample) are
left alone. Run: /usr/bin/python3 tests/fuzz/make_corpus_collect.py"""
import os
import socket
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def ip4(s):
    return socket.inet_pton(socket.AF_INET, s)


def ip6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def dgram(sel, d):
    return struct.pack(">BH", sel, len(d)) + d


# ---- NetFlow v5 ----

def v5(seq, recs, uptime=100000, secs=1700000000):
    h = struct.pack(">HHIIIIBBH", 5, len(recs), uptime, secs, 0, seq, 0, 1, 0)
    body = b""
    for (src, dst, pkts, byts, first, last, sp, dp, flags, proto) in recs:
        body += ip4(src) + ip4(dst) + b"\0" * 4 + struct.pack(">HHIIIIHHBBBBHHBBH", 1, 2, pkts, byts,
                                                            first, last, sp, dp, 0, flags, proto,
                                                            0, 0, 0, 24, 24, 0)
    return h + body


# ---- NetFlow v9 ----

def v9(seq, sets, source=1, uptime=50000, secs=1700000000):
    return struct.pack(">HHIIII", 9, len(sets), uptime, secs, seq, source) + b"".join(sets)


def fset(sid, body):
    pad = (-len(body)) % 4
    return struct.pack(">HH", sid, 4 + len(body) + pad) + body + b"\0" * pad


def v9_template(tid, fields):
    return struct.pack(">HH", tid, len(fields)) + b"".join(struct.pack(">HH", t, l) for t, l in fields)


V9_FIELDS = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (1, 4), (2, 4), (22, 4), (21, 4),
             (57590, 12), (57591, 32)]


def v9_record(src, dst, sp, dp, proto, flags, byts, pkts, first, last, l7=b"7", name=b"HTTP"):
    return (ip4(src) + ip4(dst) + struct.pack(">HHBBIIII", sp, dp, proto, flags, byts, pkts, first,
                                              last) + l7.ljust(12, b"\0") + name.ljust(32, b"\0"))


# ---- IPFIX ----

def ipfix(seq, sets, domain=0, secs=1700000000):
    body = b"".join(sets)
    return struct.pack(">HHIII", 10, 16 + len(body), secs, seq, domain) + body


def iset(sid, body):
    return struct.pack(">HH", sid, 4 + len(body)) + body


def ie(eid, length, pen=0):
    if pen:
        return struct.pack(">HHI", 0x8000 | eid, length, pen)
    return struct.pack(">HH", eid, length)


def varlen(b):
    if len(b) < 255:
        return bytes([len(b)]) + b
    return b"\xff" + struct.pack(">H", len(b)) + b


IPFIX_T6 = struct.pack(">HH", 300, 11) + b"".join([
    ie(27, 16), ie(28, 16), ie(7, 2), ie(11, 2), ie(4, 1), ie(1, 8), ie(2, 8), ie(1, 8, 29305),
    ie(152, 8), ie(153, 8), ie(118, 65535, 35632)])


def ipfix_rec6(l7):
    return (ip6("2001:db8::1") + ip6("2001:db8::2") + struct.pack(">HHBQQQQQ", 50000, 443, 6, 1500, 12,
                                                                 9000, 1700000000123, 1700000004567)
            + varlen(l7))


def netflow_seeds():
    s = {}
    s["v5-two-records"] = dgram(0, v5(0, [("10.0.0.1", "10.0.0.2", 5, 700, 90000, 95500, 40000, 80, 0x1b, 6),
                                          ("10.0.0.2", "10.0.0.1", 4, 3000, 90010, 95400, 80, 40000, 0x1b, 6)]))
    s["v5-icmp-echo"] = dgram(1, v5(7, [("10.0.0.3", "8.8.8.8", 4, 336, 1000, 4000, 0, 0x0800, 0, 1),
                                        ("8.8.8.8", "10.0.0.3", 4, 336, 1000, 4000, 0, 0, 0, 1)]))
    tmpl = fset(0, v9_template(256, V9_FIELDS))
    data = fset(256, v9_record("10.1.0.1", "10.1.0.2", 1234, 80, 6, 0x1b, 800, 6, 40000, 41000)
                + v9_record("10.1.0.2", "10.1.0.1", 80, 1234, 6, 0x1b, 3000, 4, 40010, 41000, b"", b""))
    s["v9-template-data"] = dgram(0, v9(0, [tmpl, data]))
    s["v9-data-then-template"] = dgram(2, v9(0, [data])) + dgram(2, v9(1, [tmpl])) + dgram(2, v9(2, [data]))
    opt = fset(1, struct.pack(">HHH", 257, 4, 8) + struct.pack(">HH", 1, 4) + struct.pack(">HHHH", 34, 4, 35, 1))
    optdata = fset(257, struct.pack(">IIB", 1, 100, 1))
    s["v9-options"] = dgram(0, v9(0, [opt, optdata, tmpl, data]))
    s["v9-two-exporters"] = dgram(0, v9(0, [tmpl, data])) + dgram(1, v9(0, [fset(0, v9_template(256, [(8, 4), (12, 4)]))])) + dgram(1, v9(1, [fset(256, ip4("1.1.1.1") + ip4("2.2.2.2"))]))
    t6 = iset(2, IPFIX_T6)
    d6 = iset(300, ipfix_rec6(b"91.124") + ipfix_rec6(b"x" * 300))
    s["ipfix-v6-varlen"] = dgram(4, ipfix(0, [t6, d6], domain=5))
    opt = iset(3, struct.pack(">HHH", 301, 2, 1) + ie(149, 4) + ie(160, 8))
    optd = iset(301, struct.pack(">IQ", 5, 1699990000000))
    t4 = iset(2, struct.pack(">HH", 302, 6) + ie(8, 4) + ie(12, 4) + ie(4, 1) + ie(22, 4) + ie(21, 4) + ie(2, 4))
    d4 = iset(302, ip4("10.9.0.1") + ip4("10.9.0.2") + struct.pack(">BIII", 17, 1000, 2500, 3))
    s["ipfix-options-init-time"] = dgram(0, ipfix(0, [opt, optd, t4, d4]))
    withdraw = iset(2, struct.pack(">HH", 300, 0))
    s["ipfix-withdraw"] = dgram(4, ipfix(0, [t6, d6])) + dgram(4, ipfix(2, [withdraw, d6]))
    s["ipfix-expire"] = dgram(0, ipfix(0, [t4, d4])) + dgram(0x40, ipfix(1, [d4]))
    return s


# ---- ZMQ ----

def zhdr(version, topic=b"flow", vbyte=4, flags=0, msg_id=1, source=0):
    t = topic.ljust(16, b"\0")
    if version == 0:
        return topic.ljust(32, b"\0") + struct.pack("<II", 0, 0)
    if version == 1:
        return t + struct.pack(">BBHI", vbyte, source, 0, msg_id)
    if version == 2:
        return t + struct.pack(">BBHI", vbyte, 0, 0, msg_id) + struct.pack("<I", source)
    return t + struct.pack("<BBHII", vbyte, flags, 0, 0, 0) + struct.pack(">I", msg_id) + struct.pack("<I", source)


J1 = (b'{"8":"192.12.193.11","12":"192.168.1.92","7":3000,"11":55174,"4":6,"1":406,"2":5,'
      b'"22":1700000000,"21":1700000003}')
J2 = (b'[{"IPV4_SRC_ADDR":"10.0.0.1","IPV4_DST_ADDR":"10.0.0.2","L4_SRC_PORT":"1234",'
      b'"L4_DST_PORT":80,"PROTOCOL":"6","IN_BYTES":100,"OUT_BYTES":200,"35632.118":"7",'
      b'"57591":"HTTP","35632.180":"a.b/c","HTTP_HOST":"a.b","L7_PROTO_CATEGORY":"Web"},'
      b'{"IPV6_SRC_ADDR":"2001:db8::1","IPV6_DST_ADDR":"2001:db8::2","L7_PROTO_NAME":"TLS.YouTube",'
      b'"FLOW_START_MILLISECONDS":1700000000123,"FLOW_END_MILLISECONDS":1700000000456}]')


def tlv_u(key, v, w):
    kt, kw = (2, 1) if key <= 0xff else (3, 2) if key <= 0xffff else (4, 4)
    vt = {1: 2, 2: 3, 4: 4, 8: 5}[w]
    return bytes([kt << 4 | vt]) + key.to_bytes(kw, "big") + v.to_bytes(w, "big")


def tlv_s(key, v):
    if isinstance(key, str):
        k = key.encode()
        return bytes([11 << 4 | 11]) + struct.pack(">H", len(k)) + k + struct.pack(">H", len(v)) + v
    return bytes([2 << 4 | 11, key]) + struct.pack(">H", len(v)) + v


TLV = (b"\x01\x01" + tlv_s(8, b"10.5.0.1") + tlv_s("IPV4_DST_ADDR", b"10.5.0.2") + tlv_u(7, 5353, 2)
       + tlv_u(11, 53, 1) + tlv_u(4, 17, 1) + tlv_u(1, 70000, 4) + tlv_u(2, 3, 8)
       + tlv_u(57590, 5, 1) + tlv_s("L7_PROTO_NAME", b"DNS") + tlv_u(22, 1700000000, 4) + b"\x01"
       + tlv_s(8, b"10.5.0.3") + tlv_s(12, b"10.5.0.4") + bytes([3 << 4 | 6]) + b"\x00\x02\xff")


def zmq_seeds():
    s = {}
    for v in range(4):
        s["hdr-v%d-json" % v] = bytes([v]) + zhdr(v, vbyte=4 if v == 3 else 2) + J1
    s["hdr-v3-json-array"] = bytes([3]) + zhdr(3) + J2
    s["hdr-v3-tlv"] = bytes([3]) + zhdr(3, flags=2) + TLV
    s["hdr-v3-tlv-zlib"] = bytes([3]) + zhdr(3, flags=6) + zlib.compress(TLV)
    s["hdr-v2-tlv-zlib-marker"] = bytes([2]) + zhdr(2, vbyte=3) + b"\0" + zlib.compress(TLV)
    s["hdr-v1-counter-topic"] = bytes([1]) + zhdr(1, topic=b"counter") + b'{"x":1}'
    s["payload-json"] = b"\x04" + J2
    s["payload-tlv"] = b"\x05" + TLV
    s["zlib-tlv"] = b"\x06" + zlib.compress(TLV)
    s["zlib-json"] = b"\x07" + zlib.compress(J2)
    return s


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as fh:
        fh.write(data)


def main():
    for target in ("fuzz_netflow", "fuzz_zmq"):
        d = os.path.join(CORPUS, target)
        if os.path.isdir(d):
            for n in os.listdir(d):
                if n.startswith("seed-"):
                    os.unlink(os.path.join(d, n))
    for name, data in netflow_seeds().items():
        write("fuzz_netflow", name, data)
    for name, data in zmq_seeds().items():
        write("fuzz_zmq", name, data)
    print("corpus: %d netflow seeds, %d zmq seeds" % (len(netflow_seeds()), len(zmq_seeds())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
