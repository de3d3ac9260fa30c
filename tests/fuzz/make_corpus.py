#!/usr/bin/python3
"""Write the seed corpus of the fuzz targets: tests/fuzz/corpus/<target>/seed-*.

Every seed is crafted here, byte by byte (no capture is copied): small frames covering the link
types, encapsulations and protocols the decoder and nDPI know, short sessions for the engine,
pcap/pcapng files for the file reader, configuration text for the config parser. The output is
deterministic; run again after changing this script and commit the result:

    /usr/bin/python3 tests/fuzz/make_corpus.py

Crash reproducers added as regressions live beside the seeds as crash-*/leak-*/... files and are
left alone by this script (it only rewrites seed-* files).
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

# ---- checksums and layers ----------------------------------------------------------------------


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


def eth(payload, ethertype, dst=MAC_B, src=MAC_A):
    return dst + src + struct.pack("!H", ethertype) + payload


def vlan(vid, ethertype, payload, tpid=0x8100):
    return struct.pack("!HH", vid, ethertype) + payload  # caller prepends TPID as ethertype


def ipv4(src, dst, proto, payload, ident=1, frag=0, mf=0, df=1, total=None, ttl=64):
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | frag
    tl = total if total is not None else 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tl, ident, flags, ttl, proto, 0, ip4(src), ip4(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload, plen=None):
    pl = plen if plen is not None else len(payload)
    return struct.pack("!IHBB16s16s", 0x60000000, pl, nh, 64, ip6(src), ip6(dst)) + payload


def l4sum(src, dst, proto, seg, v6=False):
    if v6:
        ph = ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(seg), proto)
    else:
        ph = ip4(src) + ip4(dst) + struct.pack("!xBH", proto, len(seg))
    return csum(ph + seg)


def tcp(sport, dport, flags, payload=b"", seq=1000, ack=0, src=None, dst=None, v6=False):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    seg = h + payload
    if src:
        c = l4sum(src, dst, 6, seg, v6)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    return seg


def udp(sport, dport, payload, src=None, dst=None, v6=False):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if src:
        c = l4sum(src, dst, 17, seg, v6) or 0xFFFF
        seg = seg[:6] + struct.pack("!H", c) + seg[8:]
    return seg


def icmp_echo(ident, seq, req=True, v6=False):
    t = (128 if req else 129) if v6 else (8 if req else 0)
    h = struct.pack("!BBHHH", t, 0, 0, ident, seq) + b"pingpong"
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16

C4, S4 = "192.168.1.10", "93.184.216.34"
C6, S6 = "fd00::10", "2001:db8::34"


def tcp4(sport, dport, flags, payload=b"", seq=1000, ack=0, src=C4, dst=S4):
    return ipv4(src, dst, 6, tcp(sport, dport, flags, payload, seq, ack, src, dst))


def udp4(sport, dport, payload, src=C4, dst=S4):
    return ipv4(src, dst, 17, udp(sport, dport, payload, src, dst))


def tcp6(sport, dport, flags, payload=b"", seq=1000, ack=0, src=C6, dst=S6):
    return ipv6(src, dst, 6, tcp(sport, dport, flags, payload, seq, ack, src, dst, True))


def udp6(sport, dport, payload, src=C6, dst=S6):
    return ipv6(src, dst, 17, udp(sport, dport, payload, src, dst, True))


# ---- application payloads ----------------------------------------------------------------------


def dns_name(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".")) + b"\0"


def dns_query(name, qtype=1, ident=0x1234):
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + dns_name(name) + struct.pack("!HH", qtype, 1)


def dns_answer(name, addr, ident=0x1234):
    q = dns_name(name) + struct.pack("!HH", 1, 1)
    a = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + ip4(addr)
    return struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + q + a


def tls_client_hello(sni):
    name = sni.encode()
    sni_ext = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    alpn = b"\x02h2\x08http/1.1"
    alpn_ext = struct.pack("!HHH", 16, len(alpn) + 2, len(alpn)) + alpn
    vers_ext = struct.pack("!HHB", 43, 5, 4) + b"\x03\x04\x03\x03"
    exts = sni_ext + alpn_ext + vers_ext
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + struct.pack("!H", 4) + b"\x13\x01\xc0\x2f"
            + b"\x01\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def tls_server_hello():
    exts = struct.pack("!HHH", 43, 2, 0x0304)
    body = (b"\x03\x03" + bytes(range(32, 64)) + b"\x00" + b"\x13\x01" + b"\x00"
            + struct.pack("!H", len(exts)) + exts)
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


HTTP_REQ = (b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: fuzz/1.0\r\n"
            b"Accept: */*\r\n\r\n")
HTTP_RSP = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n"
            b"Server: x\r\n\r\nhello")


def dhcp_discover(hostname):
    opts = b"\x63\x82\x53\x63" + b"\x35\x01\x01" + bytes([12, len(hostname)]) + hostname.encode() + b"\xff"
    return (struct.pack("!BBBBIHH", 1, 1, 6, 0, 0xABCD, 0, 0) + b"\0" * 16 + MAC_A + b"\0" * 10
            + b"\0" * 192 + opts)


# ---- decoder frames: (name, link type selector, frame) -----------------------------------------

# Selector bytes of fuzz_decode/fuzz_engine: index into
# ETHERNET, RAW, LINUX_SLL, LINUX_SLL2, NULL, LOOP, IPV4, IPV6.
L_ETH, L_RAW, L_SLL, L_SLL2, L_NULL, L_LOOP, L_IPV4, L_IPV6 = range(8)


def sll(proto, payload):
    return struct.pack("!HHH", 0, 1, 6) + MAC_A + b"\0\0" + struct.pack("!H", proto) + payload


def sll2(proto, payload):
    return struct.pack("!HHIHBB", proto, 0, 2, 1, 0, 6) + MAC_A + b"\0\0" + payload


def gre(proto, payload, flags=0):
    return struct.pack("!HH", flags, proto) + payload


def vxlan(inner):
    return struct.pack("!II", 0x08000000, 42 << 8) + inner


def gtpu(inner, ext=False):
    if ext:  # E flag, a PDU session container extension
        h = struct.pack("!BBHI", 0x34, 0xFF, len(inner) + 8, 7) + struct.pack("!HBB", 0, 0, 0x85)
        h += b"\x01\x00\x01\x00"
        return h + inner
    return struct.pack("!BBHI", 0x30, 0xFF, len(inner), 7) + inner


def capwap_8023(inner_eth):
    # preamble 0, HLEN 2 (8 bytes), WBID 1, T=0 (802.3)
    return struct.pack("!BBHHH", 0, 0x10, 0x0200, 0, 0) + inner_eth


def capwap_80211(inner_ip):
    # T=1 (native 802.11), WBID 1; 802.11 data frame to DS, then LLC/SNAP
    hdr = struct.pack("!BBHHH", 0, 0x10, 0x0300, 0, 0)
    wlan = b"\x08\x01" + b"\0\0" + MAC_B + MAC_A + MAC_B + b"\0\0"
    snap = b"\xaa\xaa\x03\x00\x00\x00\x08\x00"
    return hdr + wlan + snap + inner_ip


def pppoe(ppp_proto, payload):
    return struct.pack("!BBHH", 0x11, 0, 0x1234, len(payload) + 2) + struct.pack("!H", ppp_proto) + payload


def mpls(payload, labels=(100, 200)):
    out = b""
    for i, lab in enumerate(labels):
        bos = 1 if i == len(labels) - 1 else 0
        out += struct.pack("!I", lab << 12 | bos << 8 | 64)
    return out + payload


def ipv6_frag(src, dst, nh, payload, offset=0, mf=1, ident=77):
    fh = struct.pack("!BBHI", nh, 0, offset << 3 | mf, ident)
    return ipv6(src, dst, 44, fh + payload)


def ipv6_hbh(src, dst, nh, payload):
    hbh = struct.pack("!BB", 60, 0) + b"\x01\x04\0\0\0\0"  # -> destination options
    dst_opts = struct.pack("!BB", nh, 0) + b"\x01\x04\0\0\0\0"
    return ipv6(src, dst, 0, hbh + dst_opts + payload)


def decode_frames():
    syn = tcp4(40000, 80, SYN)
    f = []
    f.append(("eth-ipv4-tcp-syn", L_ETH, eth(syn, 0x0800)))
    f.append(("eth-ipv4-http", L_ETH, eth(tcp4(40000, 80, PSH | ACK, HTTP_REQ, 1001, 1), 0x0800)))
    f.append(("eth-ipv6-udp-dns", L_ETH, eth(udp6(5353, 53, dns_query("example.org", 28)), 0x86DD)))
    f.append(("eth-qinq-ipv4-udp", L_ETH, eth(struct.pack("!HHH", 10, 0x8100, 20) + struct.pack("!H", 0x0800)
                                                + udp4(1234, 53, dns_query("a.b")), 0x88A8)))
    f.append(("eth-vlan-ipv6-icmp6", L_ETH, eth(struct.pack("!HH", 30, 0x86DD)
                                                 + ipv6(C6, S6, 58, icmp_echo(7, 1, v6=True)), 0x8100)))
    f.append(("eth-mpls-ipv4-icmp", L_ETH, eth(mpls(ipv4(C4, S4, 1, icmp_echo(9, 2))), 0x8847)))
    f.append(("eth-pppoe-ipv4-tcp", L_ETH, eth(pppoe(0x0021, tcp4(5555, 443, SYN)), 0x8864)))
    f.append(("eth-pppoe-ipv6-udp", L_ETH, eth(pppoe(0x0057, udp6(1000, 2000, b"x" * 8)), 0x8864)))
    f.append(("eth-arp", L_ETH, eth(struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + MAC_A + ip4(C4)
                                    + b"\0" * 6 + ip4(S4), 0x0806)))
    f.append(("eth-8023-llc-stp", L_ETH, MAC_B + MAC_A + struct.pack("!H", 38) + b"\x42\x42\x03"
              + b"\0" * 35))
    f.append(("eth-8023-snap-ipv4", L_ETH, MAC_B + MAC_A + struct.pack("!H", 8 + 28)
              + b"\xaa\xaa\x03\0\0\0\x08\x00" + ipv4(C4, S4, 1, icmp_echo(1, 1))))
    inner = ipv4("10.0.0.1", "10.0.0.2", 17, udp(53, 53, dns_query("in.gre")))
    f.append(("eth-ipv4-gre-ipv4", L_ETH, eth(ipv4(C4, S4, 47, gre(0x0800, inner)), 0x0800)))
    f.append(("eth-ipv4-gre-key-seq", L_ETH, eth(ipv4(C4, S4, 47, gre(0x0800, b"\0\0\0\x01\0\0\0\x02" + inner,
                                                                        0x3000)), 0x0800)))
    pptp = struct.pack("!HHHHI", 0x3001, 0x880B, len(inner) + 2, 1, 5) + b"\x00\x21" + inner
    f.append(("eth-ipv4-pptp-gre", L_ETH, eth(ipv4(C4, S4, 47, pptp), 0x0800)))
    f.append(("eth-ipv4-gre-teb", L_ETH, eth(ipv4(C4, S4, 47, gre(0x6558, eth(inner, 0x0800))), 0x0800)))
    f.append(("eth-ipv4-ipip", L_ETH, eth(ipv4(C4, S4, 4, inner), 0x0800)))
    f.append(("eth-ipv4-6in4", L_ETH, eth(ipv4(C4, S4, 41, udp6(1, 2, b"six")), 0x0800)))
    f.append(("eth-ipv6-ipv4in6", L_ETH, eth(ipv6(C6, S6, 4, inner), 0x86DD)))
    f.append(("eth-vxlan", L_ETH, eth(udp4(50000, 4789, vxlan(eth(inner, 0x0800))), 0x0800)))
    f.append(("eth-vxlan-arp", L_ETH, eth(udp4(50000, 4789, vxlan(eth(b"\0\1\x08\0\6\4\0\1" + b"\0" * 20,
                                                                     0x0806))), 0x0800)))
    f.append(("eth-gtpu", L_ETH, eth(udp4(2152, 2152, gtpu(inner)), 0x0800)))
    f.append(("eth-gtpu-ext", L_ETH, eth(udp4(2152, 2152, gtpu(inner, True)), 0x0800)))
    f.append(("eth-capwap-8023", L_ETH, eth(udp4(5246, 5247, capwap_8023(eth(inner, 0x0800))), 0x0800)))
    f.append(("eth-capwap-80211", L_ETH, eth(udp4(5246, 5247, capwap_80211(inner)), 0x0800)))
    f.append(("eth-ipv4-frag-first", L_ETH, eth(ipv4(C4, S4, 17, udp(7000, 7001, b"A" * 24)[:16], ident=99,
                                                     mf=1, df=0, total=36), 0x0800)))
    f.append(("eth-ipv4-frag-later", L_ETH, eth(ipv4(C4, S4, 17, b"B" * 16, ident=99, frag=2, df=0), 0x0800)))
    f.append(("eth-ipv4-options", L_ETH, eth(b"\x46" + ipv4(C4, S4, 6, b"\x01\x01\x01\x00"
                                                          + tcp(1, 2, ACK))[1:], 0x0800)))
    f.append(("eth-ipv6-frag-first", L_ETH, eth(ipv6_frag(C6, S6, 17, udp(8000, 8001, b"C" * 32)[:24]), 0x86DD)))
    f.append(("eth-ipv6-frag-later", L_ETH, eth(ipv6_frag(C6, S6, 17, b"D" * 16, offset=3, mf=0), 0x86DD)))
    f.append(("eth-ipv6-ext-tcp", L_ETH, eth(ipv6_hbh(C6, S6, 6, tcp(3000, 22, SYN)), 0x86DD)))
    f.append(("eth-ipv4-overstated", L_ETH, eth(ipv4(C4, S4, 17, udp(1, 2, b"zz"), total=1400), 0x0800)))
    f.append(("eth-truncated-tcp", L_ETH, eth(syn, 0x0800)[:14 + 20 + 7]))
    f.append(("raw-ipv6-tcp", L_RAW, tcp6(40001, 443, SYN)))
    f.append(("raw-ipv4-sctp", L_RAW, ipv4(C4, S4, 132, b"\x0b\x59\x0b\x59" + b"\0" * 8)))
    f.append(("sll-ipv4-udp", L_SLL, sll(0x0800, udp4(123, 123, b"\x1b" + b"\0" * 47))))
    f.append(("sll-llc", L_SLL, sll(0x0004, b"\x42\x42\x03" + b"\0" * 10)))
    f.append(("sll2-ipv6-icmp6", L_SLL2, sll2(0x86DD, ipv6(C6, S6, 58, icmp_echo(3, 4, False, True)))))
    f.append(("null-le-ipv4", L_NULL, struct.pack("<I", 2) + udp4(9, 9, b"discard")))
    f.append(("null-be-ipv6", L_NULL, struct.pack(">I", 30) + udp6(9, 9, b"discard")))
    f.append(("loop-ipv6", L_LOOP, struct.pack(">I", 24) + tcp6(1, 2, RST)))
    f.append(("ipv4-linktype", L_IPV4, ipv4(C4, S4, 1, icmp_echo(5, 6, False))))
    f.append(("ipv6-linktype", L_IPV6, ipv6(C6, S6, 59, b"")))
    return f


# ---- engine sessions: lists of (ctl, frame) on one link type ---------------------------------------


def session_tcp(sport, dport, c2s, s2c, mk=tcp4, cli=C4, srv=S4):
    fr = []
    fr.append(mk(sport, dport, SYN, b"", 100, 0, cli, srv))
    fr.append(mk(dport, sport, SYN | ACK, b"", 500, 101, srv, cli))
    fr.append(mk(sport, dport, ACK, b"", 101, 501, cli, srv))
    fr.append(mk(sport, dport, PSH | ACK, c2s, 101, 501, cli, srv))
    fr.append(mk(dport, sport, PSH | ACK, s2c, 501, 101 + len(c2s), srv, cli))
    fr.append(mk(sport, dport, FIN | ACK, b"", 101 + len(c2s), 501 + len(s2c), cli, srv))
    fr.append(mk(dport, sport, FIN | ACK, b"", 501 + len(s2c), 102 + len(c2s), srv, cli))
    return fr


def engine_sessions():
    s = []
    http = [eth(p, 0x0800) for p in session_tcp(40000, 80, HTTP_REQ, HTTP_RSP)]
    s.append(("http", L_ETH, [(1, p) for p in http]))
    tls = [eth(p, 0x0800) for p in session_tcp(40001, 443, tls_client_hello("www.example.com"),
                                                tls_server_hello())]
    s.append(("tls", L_ETH, [(2, p) for p in tls]))
    tls6 = [eth(p, 0x86DD) for p in session_tcp(40002, 443, tls_client_hello("v6.example.net"),
                                                 tls_server_hello(), tcp6, C6, S6)]
    s.append(("tls-ipv6", L_ETH, [(2, p) for p in tls6]))
    dns = [udp4(5353, 53, dns_query("www.example.com")),
           udp4(53, 5353, dns_answer("www.example.com", S4), S4, C4)]
    # The DNS answer names S4, then a TCP flow to S4 (host named from the cache); snapshot read.
    s.append(("dns-then-flow", L_RAW, [(1, dns[0]), (1, dns[1]), (0x41, tcp4(40003, 8080, SYN))]))
    ssh = [eth(p, 0x0800) for p in session_tcp(40004, 22, b"SSH-2.0-OpenSSH_9.0\r\n",
                                                b"SSH-2.0-OpenSSH_8.4p1 Debian\r\n")]
    s.append(("ssh", L_ETH, [(3, p) for p in ssh]))
    dhcp = eth(ipv4("0.0.0.0", "255.255.255.255", 17, udp(68, 67, dhcp_discover("fuzzhost"),
                                                               "0.0.0.0", "255.255.255.255")), 0x0800,
               dst=b"\xff" * 6)
    s.append(("dhcp", L_ETH, [(1, dhcp)]))
    mdns = udp4(5353, 5353, dns_answer("printer.local", "192.168.1.20"), "192.168.1.20", "224.0.0.251")
    s.append(("mdns", L_RAW, [(1, mdns)]))
    # Fragments: first, later, a reordered pair, then the clock jumps (advance) past every timeout.
    f1 = ipv4(C4, S4, 17, udp(7000, 53, dns_query("frag.example"))[:16], ident=5, mf=1, df=0, total=36)
    f2 = ipv4(C4, S4, 17, dns_query("frag.example")[8:], ident=5, frag=2, df=0)
    s.append(("fragments", L_RAW, [(1, f1), (1, f2), (1, f2), (0x11, f1)]))
    # Many short flows: eviction (flow.max 64 in the fuzz engine), host purges, active timeout.
    many = []
    for i in range(70):
        many.append((0x20 if i % 10 == 0 else 1,
                     udp4(10000 + i, 53, dns_query("h%d.example" % i), "10.0.%d.%d" % (i // 8, i % 8 + 1))))
    many.append((0x4e, udp4(10000, 53, b"late")))
    s.append(("many-flows", L_RAW, many))
    # Link type switches (ctl bit 7) and a clock step backwards (ctl 15).
    s.append(("linktype-switch", L_ETH, [(1, eth(tcp4(1, 2, SYN), 0x0800)),
                                         (0x81, tcp4(2, 1, SYN | ACK, b"", 1, 1, S4, C4)),
                                         (0x8f, sll(0x0800, tcp4(1, 2, ACK)))]))
    # A packet two hours behind the clock (ctl 0x1f: engine.clock_resync), then back to the present.
    s.append(("clock-resync", L_RAW, [(1, tcp4(5000, 80, SYN)), (1, udp4(5001, 53, dns_query("a.example"))),
                                      (0x1f, tcp4(5000, 80, ACK)), (1, tcp4(5000, 80, FIN | ACK))]))
    s.append(("icmp", L_IPV4, [(1, ipv4(C4, S4, 1, icmp_echo(1, 1))),
                               (1, ipv4(S4, C4, 1, icmp_echo(1, 1, False))),
                               (0x5f, ipv4(C4, S4, 1, b"\x03\x03\0\0\0\0\0\0" + udp4(1, 2, b"")[:28]))]))
    quicish = udp4(50001, 443, b"\xc3\0\0\0\x01\x08" + bytes(8) + b"\0\0\x44\xd0" + bytes(60))
    s.append(("udp-443", L_RAW, [(1, quicish), (1, udp4(443, 50001, bytes(40), S4, C4))]))
    s.append(("tunnels", L_ETH, [(1, p) for _, lt, p in decode_frames() if lt == L_ETH][10:22]))
    return s


def engine_input(lt, frames):
    out = bytes([lt])
    for ctl, fr in frames:
        out += bytes([ctl]) + struct.pack("!H", len(fr)) + fr
    return out


# ---- capture files ---------------------------------------------------------------------------------


def pcap(linktype, pkts, magic=0xA1B2C3D4, endian="<", snaplen=65535, t0=1700000000):
    out = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    nano = magic == 0xA1B23C4D
    for i, p in enumerate(pkts):
        sub = (i * 1500) * (1000 if nano else 1)
        out += struct.pack(endian + "IIII", t0 + i, sub, len(p), len(p)) + p
    return out


def pcapng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    ln = 12 + len(body)
    return struct.pack("<II", btype, ln) + body + struct.pack("<I", ln)


def pcapng(interfaces, pkts, simple=False):
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out = shb
    for lt in interfaces:
        # if_tsresol = 6 (microseconds), then end of options
        opts = struct.pack("<HHB", 9, 1, 6) + b"\0\0\0" + struct.pack("<HH", 0, 0)
        out += pcapng_block(1, struct.pack("<HHI", lt, 0, 65535) + opts)
    for i, (ifc, p) in enumerate(pkts):
        if simple:
            out += pcapng_block(3, struct.pack("<I", len(p)) + p)
            continue
        ts = (1700000000 + i) * 1000000 + i * 250
        out += pcapng_block(6, struct.pack("<IIIII", ifc, ts >> 32, ts & 0xFFFFFFFF, len(p), len(p)) + p)
    return out


def capture_files():
    http = [eth(p, 0x0800) for p in session_tcp(40000, 80, HTTP_REQ, HTTP_RSP)]
    dns = [udp4(5353, 53, dns_query("www.example.com")),
           udp4(53, 5353, dns_answer("www.example.com", S4), S4, C4)]
    c = []
    c.append(("pcap-le-eth-http", pcap(1, http)))
    c.append(("pcap-be-eth", pcap(1, http[:3], endian=">")))
    c.append(("pcap-nsec-raw-dns", pcap(101, dns, magic=0xA1B23C4D)))
    c.append(("pcap-sll", pcap(113, [sll(0x0800, d) for d in dns])))
    c.append(("pcap-sll2", pcap(276, [sll2(0x0800, d) for d in dns])))
    c.append(("pcap-null", pcap(0, [struct.pack("<I", 2) + d for d in dns])))
    c.append(("pcap-loop", pcap(108, [struct.pack(">I", 2) + d for d in dns])))
    c.append(("pcap-ipv4-ipv6", pcap(228, dns[:1]) ))
    c.append(("pcap-linktype-80211", pcap(105, [b"\x08\x00" + b"\0" * 30])))
    c.append(("pcap-dlt-raw-12", pcap(12, dns)))
    c.append(("pcap-truncated-record", pcap(1, http[:2])[:-10]))
    c.append(("pcap-caplen-over-snaplen", pcap(1, http[:2], snaplen=40)))
    big = pcap(1, http[:1])
    big = big[:24 + 8] + struct.pack("<II", 0x7FFFFFF0, 0x7FFFFFF0) + big[24 + 16:]
    c.append(("pcap-huge-caplen", big))
    c.append(("pcap-header-only", pcap(1, [])))
    c.append(("pcapng-eth-http", pcapng([1], [(0, p) for p in http])))
    c.append(("pcapng-spb", pcapng([101], [(0, d) for d in dns], simple=True)))
    c.append(("pcapng-two-idb", pcapng([1, 1], [(0, http[0]), (1, http[1]), (0, http[2])])))
    c.append(("pcapng-truncated", pcapng([1], [(0, p) for p in http[:2]])[:-7]))
    return c


# ---- configuration ---------------------------------------------------------------------------------

CONFIG_FILES = {
    "full": """# every option, as a configuration file
flow.max = 1024
flow.idle_timeout = 60
flow.closed_idle_timeout = 15
flow.active_timeout = 0
host.max = 512
host.local_idle_timeout = 300
host.remote_idle_timeout = 60
host.local_networks = "192.168.0.0/16, 10.0.0.0/8,fd00::/8"
host.name_cache = 4096
decode.frag_max = 4096
decode.frag_timeout = 30
capture.snaplen = 65535
capture.promisc = yes
capture.buffer_mb = 0
capture.filter = "tcp port 80 or udp"   
dpi.enable = on
dpi.tcp_max_packets = 80
dpi.udp_max_packets = 24
dpi.other_max_packets = 8
dpi.guess = true
dpi.protocols_file =
dpi.categories_file = ""
snapshot.max_flows = 10000
snapshot.max_hosts = 10000
engine.hash_seed = 0
""",
    "comments": "\n  # comment\n\t\nflow.max=1 # trailing comment\nhost.local_networks = 1.2.3.4 , ::1/128\n",
    "bad-key": "flow.max = 10\nno.such.key = 1\nflow.max = 20\n",
    "bad-int": "flow.idle_timeout = 12x\n",
    "out-of-range": "flow.max = 0\n",
    "bad-bool": "dpi.enable = maybe\n",
    "bad-cidr": "host.local_networks = 10.0.0.0/33\n",
    "no-equals": "flow.max\n",
    "quotes": 'capture.filter = "\n"dpi.protocols_file = "a # b"\ncapture.filter = """\n',
    "int-extremes": "engine.hash_seed = 9223372036854775807\nflow.max = -9223372036854775808\n",
    "long-line": "capture.filter = " + "x" * 4200 + "\n",
}


RULES_FILES = {
    "all-kinds": """# thresholds and blacklist
host 192.168.1.92 bytes > 10M per minute
host 10.0.0.0/8 packets > 1k per 5min severity error
host local flows > 100 per hour
host remote dns_bytes > 1Mi per day
host any p2p_bytes > 0 per minute severity critical
host fd00::/8 app:YouTube > 1.5G per hour
host 2001:db8::1 category:Streaming < 10 per day severity info
network 192.168.0.0/16 bytes > 2T per 5min
interface flows > 5000 per minute
interface category:Web > 64Ki per hour
blacklist app Tor
blacklist category Mining severity warning
""",
    "errors": """hots 1.2.3.4 bytes > 1 per minute
host 300.1.1.1 bytes > 1 per minute
network 10.0.0.1 bytes > 1 per minute
host any byts > 1 per minute
host any app:Nope > 1 per minute
host any bytes >= 1 per minute
host any bytes > 1.05 per minute
host any bytes > 1 each minute
host any bytes > 1 per week
host any bytes > 1 per minute severity high extra
host any bytes > 1 per minute
host any bytes > 1 per minute
blacklist protocol Tor
blacklist app
host "any bytes
""",
    "quotes-case-crlf": 'HOST "local" Bytes > 1 PER Minute # c\r\nInterface PACKETS < 99999999999999999 per DAY\r\n',
    "numbers": "".join("interface bytes > %s per minute\n" % v for v in
                       ("0", "18446744073709551615", "18446744073709551616", "1.8446744073709551615T",
                        "999999999999999999T", "1.5", "1.", ".5", "5Ki", "5ki", "1e6")),
    "long-line": "host any bytes > " + "9" * 2000 + " per minute\n",
}


def config_pairs():
    def pairs(*kv):
        return b"".join(k + b"\0" + v + b"\0" for k, v in kv)
    return {
        "pairs-by-index": pairs((b"\x00", b"100"), (b"\x07", b"10.0.0.0/8,::/0"), (b"\x0c", b"off"),
                                (b"\x0e", b"port 53")),
        "pairs-by-name": pairs((b"flow.idle_timeout", b"  42"), (b"dpi.guess", b"NO"),
                               (b"host.local_networks", b"192.168.1.0/24 fe80::/10,"),
                               (b"engine.hash_seed", b"+7")),
        "pairs-bad": pairs((b"nope", b"1"), (b"flow.max", b"99999999999999999999"),
                           (b"host.local_networks", b"1.2.3.4/-1"), (b"dpi.enable", b"")),
    }


# ---- nDPI rule files (fuzz_dpi_files) ----------------------------------------------------------

# The grammar of nDPI 4.2's example files (example/protos.txt, example/categories.txt), written
# here from its documented format, with the hosts, ports and addresses fuzz_dpi_files' packets use.
PROTOS_FULL = b"""#  Format:
#  <tcp|udp>:<port>,<tcp|udp>:<port>,.....@<proto>

tcp:81,tcp:8181@HTTP
udp:5061-5062@SIP
tcp:860,udp:860,tcp:3260,udp:3260@iSCSI
tcp:3000@ntop

host:"disneyplus.com",host:"cdn.registerdisney.go.com"@DisneyPlus
host:"*.lvlt.dash.us.aiv-cdn.net.c.footprint.net"@AmazonVideo
host:"api-global.netflix.com"@Netflix
host:"www.example.com"@ExampleWeb

ip:213.75.170.11/32:443@CustomProtocol
ip:8.248.73.247:443@AmazonPrime
ip:54.80.47.130@AmazonPrime
ip:10.1.2.0/24@LabNet

host_risk_mask:".home"=0
ip_risk_mask:192.168.1.0/24=0
trusted_issuer_dn:"CN=813845657003339838, O=Code42, OU=TEST, ST=MN, C=US"
"""

CATEGORIES_FULL = b"""#  Format: name\\tcategory_id
internetbadguys.com\t100
144.139.247.220\t100
10.1.2.0/24\t101
www.example.com\t5
"""


def dpi_files_input(flags, protos, cats=b""):
    return bytes([flags]) + struct.pack("!H", len(protos)) + protos + cats


def dpi_files():
    return {
        "full": dpi_files_input(7, PROTOS_FULL, CATEGORIES_FULL),
        "protocols-only": dpi_files_input(5, PROTOS_FULL),
        "categories-only": dpi_files_input(6, b"", CATEGORIES_FULL),
        "ports": dpi_files_input(5, b"tcp:80,tcp:8080-8090,udp:5000@MyWeb\nudp:1-10@Low\n"),
        "hosts": dpi_files_input(5, b'host:"a.example",host:b.example@Two\nhost:"x.home"@Home\n'),
        "crlf-comments": dpi_files_input(7, b"# c\r\n\r\ntcp:3000@ntop\r\n", b"# c\r\nexample.org\t3\r\n"),
        "no-final-newline": dpi_files_input(7, b"tcp:3000@ntop", b"example.org\t3"),
        "empty": dpi_files_input(7, b"", b""),
        "bad-element": dpi_files_input(5, b"tcp:80,bogus@X\n"),
        "bad-category": dpi_files_input(6, b"", b"example.org\n"),
    }


# ---- output ----------------------------------------------------------------------------------------


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as fh:
        fh.write(data)


def main():
    for target in ("fuzz_decode", "fuzz_engine", "fuzz_pcap_file", "fuzz_config",
                   "fuzz_rules", "fuzz_dpi_files"):
        d = os.path.join(CORPUS, target)
        if os.path.isdir(d):
            for n in os.listdir(d):
                if n.startswith("seed-"):
                    os.unlink(os.path.join(d, n))
    for name, lt, frame in decode_frames():
        # Byte 1: clock step 2 ms; frames cut by the capture get a longer wire length.
        cut = name in ("eth-truncated-tcp", "eth-ipv4-overstated")
        write("fuzz_decode", name, bytes([lt, 0x61 if cut else 0x01]) + frame)
    write("fuzz_decode", "unknown-linktype", b"\xff\x01" + eth(tcp4(1, 2, SYN), 0x0800)[:40])
    for name, lt, frames in engine_sessions():
        write("fuzz_engine", name, engine_input(lt, frames))
    for name, data in capture_files():
        write("fuzz_pcap_file", name, data)
    for name, text in CONFIG_FILES.items():
        write("fuzz_config", name, text.encode())
    for name, data in config_pairs().items():
        write("fuzz_config", name, data)
    for name, text in RULES_FILES.items():
        write("fuzz_rules", name, text.encode())
    for name, data in dpi_files().items():
        write("fuzz_dpi_files", name, data)
    total = 0
    count = 0
    for root, _, files in os.walk(CORPUS):
        for n in files:
            total += os.path.getsize(os.path.join(root, n))
            count += 1
    print("corpus: %d files, %d bytes" % (count, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
