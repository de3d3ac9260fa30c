#!/usr/bin/python3
"""Write the small capture cli_test.sh checks exact numbers against (standard library only).

  make_cli_pcap.py OUT.pcap          write the capture (pcap, Ethernet, microseconds)
  make_cli_pcap.py --expect          print the expected flows as JSON (what OUT.pcap holds)
  make_cli_pcap.py --cut IN OUT K    copy IN (pcap or pcapng) keeping K whole packets and half
                                     of packet K+1 (a capture cut in the middle of a record)
  make_cli_pcap.py --count IN        print the number of packet records in IN (pcap or pcapng)

Contents: 16 frames, 5 flows (TCP with handshake and FIN, two DNS over UDP/IPv4, one ICMP echo
exchange, one UDP/IPv6 datagram) and one ARP frame. Hosts 192.168.1.10 and 192.168.1.20 are the
only ones in 192.168.1.0/24.
"""

import ipaddress
import json
import struct
import sys

T0 = 1700000000
MAC_A = bytes.fromhex('020000000001')
MAC_B = bytes.fromhex('020000000002')


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(payload, ethertype):
    return MAC_B + MAC_A + struct.pack('!H', ethertype) + payload


def ipv4(src, dst, proto, l4, ident=1):
    total = 20 + len(l4)
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, total, ident, 0, 64, proto, 0,
                      ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    return eth(hdr + l4, 0x0800)


def ipv6(src, dst, nh, l4):
    hdr = struct.pack('!IHBB16s16s', 6 << 28, len(l4), nh, 64,
                      ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed)
    return eth(hdr + l4, 0x86dd)


def tcp(sport, dport, seq, ack, flags, payload=b''):
    return struct.pack('!HHIIBBHHH', sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sport, dport, payload):
    return struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload


def icmp_echo(typ, ident, seq, payload):
    body = struct.pack('!BBHHH', typ, 0, 0, ident, seq) + payload
    return body[:2] + struct.pack('!H', csum(body)) + body[4:]


SYN, ACK, FIN, PSH = 0x02, 0x10, 0x01, 0x08
C, S = ('192.168.1.10', 40000), ('93.184.216.34', 80)
GET = b'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'
RESP = b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'
Q = b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01'
R = Q[:2] + b'\x81\x80' + Q[4:6] + b'\x00\x01' + Q[8:] + b'\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\x5d\xb8\xd8\x22'

# (frame, flow name, direction: 'in' client->server / 'out', IP bytes) ; None flow = not IP
FRAMES = [
    (ipv4(C[0], S[0], 6, tcp(C[1], S[1], 1000, 0, SYN)), 'tcp', 'in'),
    (ipv4(S[0], C[0], 6, tcp(S[1], C[1], 5000, 1001, SYN | ACK)), 'tcp', 'out'),
    (ipv4(C[0], S[0], 6, tcp(C[1], S[1], 1001, 5001, ACK)), 'tcp', 'in'),
    (ipv4(C[0], S[0], 6, tcp(C[1], S[1], 1001, 5001, PSH | ACK, GET)), 'tcp', 'in'),
    (ipv4(S[0], C[0], 6, tcp(S[1], C[1], 5001, 1001 + len(GET), PSH | ACK, RESP)), 'tcp', 'out'),
    (ipv4(C[0], S[0], 6, tcp(C[1], S[1], 1001 + len(GET), 5001 + len(RESP), FIN | ACK)), 'tcp', 'in'),
    (ipv4(S[0], C[0], 6, tcp(S[1], C[1], 5001 + len(RESP), 1002 + len(GET), FIN | ACK)), 'tcp', 'out'),
    (ipv4(C[0], S[0], 6, tcp(C[1], S[1], 1002 + len(GET), 5002 + len(RESP), ACK)), 'tcp', 'in'),
    (ipv4('192.168.1.10', '8.8.8.8', 17, udp(50000, 53, Q)), 'dns1', 'in'),
    (ipv4('8.8.8.8', '192.168.1.10', 17, udp(53, 50000, R)), 'dns1', 'out'),
    (ipv4('192.168.1.20', '8.8.4.4', 17, udp(50001, 53, Q)), 'dns2', 'in'),
    (ipv4('8.8.4.4', '192.168.1.20', 17, udp(53, 50001, R)), 'dns2', 'out'),
    (ipv4('10.0.0.5', '192.168.1.10', 1, icmp_echo(8, 0x1234, 1, b'ping' * 8)), 'icmp', 'in'),
    (ipv4('192.168.1.10', '10.0.0.5', 1, icmp_echo(0, 0x1234, 1, b'ping' * 8)), 'icmp', 'out'),
    (ipv6('2001:db8::1', '2001:db8::2', 17, udp(5353, 53, Q)), 'v6', 'in'),
    (eth(struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, MAC_A,
                     ipaddress.IPv4Address('192.168.1.10').packed, b'\0' * 6,
                     ipaddress.IPv4Address('192.168.1.1').packed), 0x0806), None, None),
]

FLOWS = {
    'tcp': {'src': C[0], 'dst': S[0], 'sport': C[1], 'dport': S[1], 'proto': 6},
    'dns1': {'src': '192.168.1.10', 'dst': '8.8.8.8', 'sport': 50000, 'dport': 53, 'proto': 17},
    'dns2': {'src': '192.168.1.20', 'dst': '8.8.4.4', 'sport': 50001, 'dport': 53, 'proto': 17},
    'icmp': {'src': '10.0.0.5', 'dst': '192.168.1.10', 'sport': 0x1234, 'dport': 0x1234, 'proto': 1},
    'v6': {'src': '2001:db8::1', 'dst': '2001:db8::2', 'sport': 5353, 'dport': 53, 'proto': 17},
}


def expected(upto=None):
    flows = {}
    for i, (frame, name, d) in enumerate(FRAMES):
        if upto is not None and i >= upto:
            break
        if name is None:
            continue
        f = flows.setdefault(name, dict(FLOWS[name], in_pkts=0, in_bytes=0, out_pkts=0,
                                         out_bytes=0))
        f[d + '_pkts'] += 1
        f[d + '_bytes'] += len(frame) - 14
    return flows


def write(path):
    with open(path, 'wb') as fh:
        fh.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, (frame, _, _) in enumerate(FRAMES):
            fh.write(struct.pack('<IIII', T0 + i // 4, (i % 4) * 250000, len(frame), len(frame)))
            fh.write(frame)


def records(data):
    """Yield (start, end) of each packet record; the file header/other blocks are skipped."""
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    elif magic == b'\x0a\x0d\x0d\x0a':
        bom = data[8:12]
        end = '<' if bom == b'\x4d\x3c\x2b\x1a' else '>'
        pos = 0
        while pos + 12 <= len(data):
            btype, blen = struct.unpack(end + 'II', data[pos:pos + 8])
            if blen < 12 or pos + blen > len(data):
                raise ValueError('bad pcapng block at %d' % pos)
            if btype in (3, 6):  # simple / enhanced packet block
                yield pos, pos + blen
            pos += blen
        return
    else:
        raise ValueError('not a pcap or pcapng file')
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack(end + 'I', data[pos + 8:pos + 12])[0]
        yield pos, pos + 16 + incl
        pos += 16 + incl


def cut(src, dst, keep):
    data = open(src, 'rb').read()
    recs = list(records(data))
    if keep >= len(recs):
        raise SystemExit('--cut: %s has only %d packets' % (src, len(recs)))
    start, end = recs[keep]
    # Keep everything before packet keep+1 (including any non-packet blocks) and half of it.
    with open(dst, 'wb') as fh:
        fh.write(data[:start + (end - start) // 2])


def main(argv):
    if len(argv) == 2 and argv[1] == '--expect':
        print(json.dumps(expected(), sort_keys=True))
    elif len(argv) == 3 and argv[1] == '--expect':
        print(json.dumps(expected(int(argv[2])), sort_keys=True))
    elif len(argv) == 5 and argv[1] == '--cut':
        cut(argv[2], argv[3], int(argv[4]))
    elif len(argv) == 3 and argv[1] == '--count':
        print(len(list(records(open(argv[2], 'rb').read()))))
    elif len(argv) == 2 and not argv[1].startswith('-'):
        write(argv[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
