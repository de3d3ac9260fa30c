#!/usr/bin/python3
"""ntop-dump as a user sees it (standard library only; tshark/capinfos when installed).

  dump_tool_test.py cli NTOP_DUMP
      On a capture crafted here (contents known): exit codes and messages, files that capinfos
      and tshark read, exact packets per file and rotation boundaries (packets, seconds, size),
      the ring (files, bytes) never above its budget, pcapng, snaplen, host and first-N.

  dump_tool_test.py pcaps NTOP_DUMP NTOP_EXPORT PCAP_DIR
      On the reference captures: --l7 (exact and either part), --unknown, --host and --first pick
      exactly the packets of the flows ntop-export reports for the same capture (flow keys of
      every packet written compared with the flow records); rotation and the ring on a real
      capture. Exit 77 (skip) when PCAP_DIR is absent.

  dump_tool_test.py tap NTOP_DUMP
      --tap inside a network namespace created here (named ntc-dump-PID, interfaces dumptap*):
      dumpcap on the TAP sees exactly the frames written to the file (Ethernet as is, raw IP
      with a made-up Ethernet header), selections apply, a missing TAP is created. Exit 77
      (skip) without root, ip netns, /dev/net/tun or dumpcap.

Prints one line per check; exit 0 if all pass, 1 otherwise.
"""

import collections
import ipaddress
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

failures = 0
T0 = 1700000000  # 2023-11-14 22:13:20 UTC
ENV = dict(os.environ, TZ='UTC')


def check(ok, what, detail=''):
    global failures
    print(('ok   - ' if ok else 'FAIL - ') + what + ('' if ok or not detail else ': ' + detail))
    if not ok:
        failures += 1
    return ok


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, **kw)


# ---- reading captures (pcap with any byte order and resolution, pcapng) ----

def read_capture(path):
    """[(ts_us, linktype, caplen, wirelen, data)], file format"""
    data = open(path, 'rb').read()
    out = []
    magic = data[:4]
    if magic == b'\x0a\x0d\x0d\x0a':
        off, lts, tsres, e = 0, [], [], '<'
        while off + 12 <= len(data):
            btype = struct.unpack_from(e + 'I', data, off)[0]
            if btype == 0x0A0D0D0A:
                e = '<' if data[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' else '>'
                lts, tsres = [], []
            blen = struct.unpack_from(e + 'I', data, off + 4)[0]
            if blen < 12 or off + blen > len(data):
                raise ValueError('%s: bad pcapng block at %d' % (path, off))
            body = data[off + 8:off + blen - 4]
            if btype == 1:
                lts.append(struct.unpack_from(e + 'H', body, 0)[0])
                res = 1000000
                o = 8
                while o + 4 <= len(body):
                    code, ln = struct.unpack_from(e + 'HH', body, o)
                    if code == 0:
                        break
                    if code == 9:
                        v = body[o + 4]
                        res = 2 ** (v & 0x7f) if v & 0x80 else 10 ** v
                    o += 4 + (ln + 3) // 4 * 4
                tsres.append(res)
            elif btype == 6:
                iface, hi, lo, cap, wire = struct.unpack_from(e + 'IIIII', body, 0)
                ts = (hi << 32 | lo) * 1000000 // tsres[iface]
                out.append((ts, lts[iface], cap, wire, body[20:20 + cap]))
            off += blen
        return out, 'pcapng'
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        raise ValueError('%s: not a capture file' % path)
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    lt = struct.unpack_from(e + 'I', data, 20)[0]
    off = 24
    while off + 16 <= len(data):
        s, us, cap, wire = struct.unpack_from(e + 'IIII', data, off)
        out.append((s * 1000000 + (us // 1000 if nano else us), lt, cap, wire,
                    data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return out, 'pcap'


def flow_key(lt, frame):
    """(proto, addr, addr[, port, port]) of the innermost-free IP packet, endpoints sorted;
    None for frames without IP. ICMP keys have no ports (the engine uses the echo id)."""
    p = frame
    if lt == 1:
        et, o = struct.unpack_from('!H', p, 12)[0], 14
        while et in (0x8100, 0x88a8, 0x9100) and len(p) >= o + 4:
            et, o = struct.unpack_from('!H', p, o + 2)[0], o + 4
    elif lt == 113:
        et, o = struct.unpack_from('!H', p, 14)[0], 16
    elif lt == 276:
        et, o = struct.unpack_from('!H', p, 0)[0], 20
    elif lt in (101, 228, 229):
        et, o = (0x0800 if p[0] >> 4 == 4 else 0x86dd), 0
    elif lt in (0, 108):
        et, o = (0x0800 if p[4] >> 4 == 4 else 0x86dd), 4
    else:
        return None
    if et == 0x0800 and len(p) >= o + 20:
        ihl = (p[o] & 15) * 4
        proto = p[o + 9]
        src, dst = p[o + 12:o + 16], p[o + 16:o + 20]
        l4 = o + ihl
    elif et == 0x86dd and len(p) >= o + 40:
        proto = p[o + 6]
        src, dst = p[o + 8:o + 24], p[o + 24:o + 40]
        l4 = o + 40
        while proto in (0, 43, 60) and len(p) >= l4 + 2:
            proto, l4 = p[l4], l4 + (p[l4 + 1] + 1) * 8
    else:
        return None
    a, b = ipaddress.ip_address(bytes(src)), ipaddress.ip_address(bytes(dst))
    if proto in (6, 17) and len(p) >= l4 + 4:
        sp, dp = struct.unpack_from('!HH', p, l4)
        return (proto,) + tuple(sorted([(a, sp), (b, dp)]))
    return (proto,) + tuple(sorted([(a,), (b,)]))


def record_key(r):
    v = '6' if 'IPV6_SRC_ADDR' in r else '4'
    a = ipaddress.ip_address(r['IPV%s_SRC_ADDR' % v])
    b = ipaddress.ip_address(r['IPV%s_DST_ADDR' % v])
    if r['PROTOCOL'] in (6, 17):
        return (r['PROTOCOL'],) + tuple(sorted([(a, r['L4_SRC_PORT']), (b, r['L4_DST_PORT'])]))
    return (r['PROTOCOL'],) + tuple(sorted([(a,), (b,)]))


def files_in(d):
    return sorted(f for f in os.listdir(d))


def capinfos_counts(paths):
    """{basename: packets} from capinfos (None when capinfos is not installed)."""
    if not shutil.which('capinfos'):
        return None
    r = run(['capinfos', '-c', '-M'] + paths)
    if r.returncode != 0:
        return {'error': r.stderr.strip()}
    counts, name = {}, None
    for line in r.stdout.splitlines():
        m = re.match(r'File name:\s+(.*)', line)
        if m:
            name = os.path.basename(m.group(1).strip())
        m = re.match(r'Number of packets:\s+(\d+)', line)
        if m:
            counts[name] = int(m.group(1))
    return counts


# ---- the crafted capture ----

def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def udp_frame(src, sport, dst, dport, size, stamp):
    """An Ethernet/IPv4/UDP frame of exactly `size` bytes whose last byte is `stamp`."""
    pay = bytes(size - 42 - 1) + bytes([stamp])
    l4 = struct.pack('!HHHH', sport, dport, 8 + len(pay), 0) + pay
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, 0, 64, 17, 0,
                     ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return bytes.fromhex('020000000002020000000001') + b'\x08\x00' + ip + l4


def arp_frame():
    return (b'\xff' * 6 + bytes.fromhex('020000000001') + b'\x08\x06' +
            struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + bytes.fromhex('020000000001') +
            bytes([10, 0, 0, 1]) + bytes(6) + bytes([10, 0, 0, 2]))


FLOWS = [('10.0.0.1', 41001, '10.0.0.2', 42001), ('10.0.1.1', 41002, '198.51.100.8', 42002),
         ('192.168.5.5', 41003, '10.0.0.9', 42003)]


def crafted(path):
    """26 frames one second apart: flows 0, 1, 2 in turn (both directions), an ARP frame at
    index 12. Frame i is 60 + i bytes, its last byte i. Returns [(flow or None, size)]."""
    recs, meta = [], []
    for i in range(26):
        if i == 12:
            frame, k = arp_frame(), None
        else:
            k = i % 3
            s, sp, d, dp = FLOWS[k]
            frame = udp_frame(s, sp, d, dp, 60 + i, i) if i % 2 == 0 else \
                udp_frame(d, dp, s, sp, 60 + i, i)
        recs.append(struct.pack('<IIII', T0 + i, 0, len(frame), len(frame)) + frame)
        meta.append((k, len(frame)))
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1) + b''.join(recs))
    return meta


def tcp_syn_frame(src, dst, dport, stamp):
    """An Ethernet/IPv4/TCP SYN from src:40000 to dst:dport; its IP id is `stamp`."""
    l4 = struct.pack('!HHIIBBHHH', 40000, dport, 1000, 0, 5 << 4, 0x02, 1024, 0, 0)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), stamp, 0, 64, 6, 0,
                     ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return bytes.fromhex('020000000002020000000001') + b'\x08\x00' + ip + l4


def attack(path):
    """10.0.0.66 scans 6 ports of 10.0.0.2 (SYNs, never answered) in the first minute-aligned
    window; in the next window it and an innocent host 10.0.0.1 send UDP (frames stamped 100 +
    i, innocent ones 200 + i). Returns the window start."""
    w = (T0 // 60 + 1) * 60
    recs = []
    for i in range(6):
        recs.append((w + i, 0, tcp_syn_frame('10.0.0.66', '10.0.0.2', 1 + i, i)))
    for i in range(4):
        recs.append((w + 61 + i, 0, udp_frame('10.0.0.66', 5000, '10.0.0.2', 9999, 80, 100 + i)))
        recs.append((w + 61 + i, 500000, udp_frame('10.0.0.1', 5001, '10.0.0.2', 9999, 80, 200 + i)))
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for sec, usec, frame in recs:
            f.write(struct.pack('<IIII', sec, usec, len(frame), len(frame)) + frame)
    return w


def stamps(path):
    return [d[-1] if len(d) >= 60 else -1 for _, _, _, _, d in read_capture(path)[0]]


def cli_tests(tool):
    tmp = tempfile.mkdtemp(prefix='ntc-dump-cli-')
    try:
        cap = os.path.join(tmp, 'in.pcap')
        meta = crafted(cap)
        out = os.path.join(tmp, 'out')

        def dump(*args):
            shutil.rmtree(out, ignore_errors=True)
            os.mkdir(out)
            args = list(args)
            if not set(args) & {'--l7', '--category', '--unknown', '--risky'}:
                args += ['--set', 'dpi.enable=false']  # starts faster; DPI is not needed
            return run([tool, '-r', cap] + args)

        # usage and runtime errors
        for args, code, needle, what in [
                ([], 2, 'no output', 'no -w or --tap'),
                (['-w', 'x', '--l7', 'NoSuchApp'], 2, 'NoSuchApp', 'unknown application'),
                (['-w', 'x', '--category', 'NoSuchCat'], 2, 'NoSuchCat', 'unknown category'),
                (['-w', 'x', '--l7', 'TLS', '--set', 'dpi.enable=false'], 2, 'dpi.enable',
                 'application selector without DPI'),
                (['-w', 'x', '--rotate-size', '10X'], 2, '--rotate-size', 'bad size'),
                (['-w', 'x', '--host', '10.0.0.0/33'], 2, '--host', 'bad network'),
                (['-w', 'x', '--l7', 'TLS,DNS'], 2, '--l7', 'comma in a repeatable option'),
                (['-w', 'x', '--first', '-1'], 2, 'dump.flow_packets', 'negative --first'),
                (['-w', '/nonexistent-dir/x.pcap'], 1, '/nonexistent-dir/x.pcap',
                 'unwritable file')]:
            r = dump(*args)
            check(r.returncode == code and needle in r.stderr,
                  '%s: exit %d, message names %s' % (what, code, needle),
                  'exit %d, stderr %r' % (r.returncode, r.stderr[:300]))
        r = run([tool, '-w', 'x'])
        check(r.returncode == 2 and '-r FILE' in r.stderr, 'no input: exit 2')

        # rotation by packets: 10, 10, 6; names from the first packet's time, -N on repeats
        r = dump('-w', os.path.join(out, '%H%M%S.pcap'), '--rotate-packets', '10', '-v')
        names = files_in(out)
        check(r.returncode == 0 and names == ['221320.pcap', '221330.pcap', '221340.pcap'],
              'rotate-packets 10: files named from their first packet', '%s %s' % (names, r.stderr))
        counts = capinfos_counts([os.path.join(out, n) for n in names])
        if counts is not None:
            check(counts == {'221320.pcap': 10, '221330.pcap': 10, '221340.pcap': 6},
                  'capinfos reads 10, 10 and 6 packets', str(counts))
        got = [stamps(os.path.join(out, n)) for n in names]
        check(got == [list(range(0, 10)), list(range(10, 12)) + [-1] + list(range(13, 20)),
                      list(range(20, 26))], 'every packet in order, rotation exactly at 10',
              str(got))
        if shutil.which('tshark'):
            t = run(['tshark', '-r', os.path.join(out, names[1]), '-T', 'fields', '-e',
                     'frame.len'])
            lens = [int(x) for x in t.stdout.split()]
            check(t.returncode == 0 and lens == [70, 71, len(arp_frame())] + list(range(73, 80)),
                  'tshark reads the frames back with their lengths', str(lens))
        m = re.search(r'written=(\d+)', r.stderr)
        check(m and int(m.group(1)) == 26, '-v reports 26 packets written', r.stderr)

        r = dump('-w', os.path.join(out, 'same.pcap'), '--rotate-packets', '10')
        check(files_in(out) == ['same-1.pcap', 'same-2.pcap', 'same.pcap'],
              'a pattern without time fields gets -1, -2', str(files_in(out)))

        # rotation by seconds: files start at 0, 7, 14, 21 s
        r = dump('-w', os.path.join(out, '%M%S.pcap'), '--rotate-seconds', '7',
                 '--rotate-packets', '0')
        names = files_in(out)
        want = {'1320.pcap': 7, '1327.pcap': 7, '1334.pcap': 7, '1341.pcap': 5}
        got = {n: len(read_capture(os.path.join(out, n))[0]) for n in names}
        check(got == want, 'rotate-seconds 7: 7, 7, 7, 5 packets at exact boundaries', str(got))

        # rotation by size: a 24-byte header plus 16 + frame bytes per packet
        r = dump('-w', os.path.join(out, '%M%S.pcap'), '--rotate-size', '400')
        sizes = [os.path.getsize(os.path.join(out, n)) for n in files_in(out)]
        per = [len(read_capture(os.path.join(out, n))[0]) for n in files_in(out)]
        check(all(s <= 400 for s in sizes) and sum(per) == 26 and per[0] == 4,
              'rotate-size 400: every file within 400 bytes, none lost', '%s %s' % (sizes, per))

        # the ring: at most 2 files, the newest; at most 600 bytes
        r = dump('-w', os.path.join(out, '%M%S.pcap'), '--rotate-packets', '4', '--ring-files',
                 '2', '-v')
        names = files_in(out)
        got = [stamps(os.path.join(out, n)) for n in names]
        check(names == ['1340.pcap', '1344.pcap'] and got == [[20, 21, 22, 23], [24, 25]],
              'ring-files 2: the two newest files remain', '%s %s' % (names, got))
        check('deleted=5' in r.stderr, '-v reports 5 files deleted', r.stderr)
        r = dump('-w', os.path.join(out, '%M%S.pcap'), '--ring-size', '600', '-v')
        total = sum(os.path.getsize(os.path.join(out, n)) for n in files_in(out))
        peak = re.search(r'ring_peak=(\d+)', r.stderr)
        flat = [s for n in files_in(out) for s in stamps(os.path.join(out, n))]
        check(r.returncode == 0 and total <= 600 and peak and int(peak.group(1)) <= 600,
              'ring-size 600: files within 600 bytes at the end and at their peak',
              '%d %s' % (total, r.stderr))
        check(flat and flat == list(range(26 - len(flat), 26)),
              'ring-size: what remains is the newest packets without a gap', str(flat))

        # pcapng, snaplen
        r = dump('-w', os.path.join(out, 'a.pcapng'), '--pcapng', '-s', '50')
        pk, fmt = read_capture(os.path.join(out, 'a.pcapng'))
        check(fmt == 'pcapng' and len(pk) == 26 and all(c <= 50 for _, _, c, _, _ in pk) and
              [w for _, _, _, w, _ in pk] == [s for _, s in meta], 'pcapng with -s 50: caplen '
              'cut, original lengths kept')
        counts = capinfos_counts([os.path.join(out, 'a.pcapng')])
        if counts is not None:
            check(counts == {'a.pcapng': 26}, 'capinfos reads the pcapng file', str(counts))

        # selectors on the crafted flows
        r = dump('-w', os.path.join(out, 'h.pcap'), '--host', '10.0.0.0/24')
        want = [i for i, (k, _) in enumerate(meta) if k in (0, 2)]
        check(stamps(os.path.join(out, 'h.pcap')) == want,
              '--host 10.0.0.0/24: flows 0 and 2 only, no ARP')
        r = dump('-w', os.path.join(out, 'f.pcap'), '--first', '3', '-v')
        seen, want = collections.Counter(), []
        for i, (k, _) in enumerate(meta):
            seen[k] += 1
            if k is None or seen[k] <= 3:
                want.append(i if k is not None else -1)
        check(stamps(os.path.join(out, 'f.pcap')) == want and 'over_first=16' in r.stderr,
              '--first 3: 3 packets of each flow, the ARP frame, 16 counted')
        r = dump('-w', os.path.join(out, 'u.pcap'), '--unknown', '-v')
        check(len(read_capture(os.path.join(out, 'u.pcap'))[0]) == 25,
              '--unknown: every UDP packet of these unnamed flows, held then written', r.stderr)
        r = dump('-w', os.path.join(out, 'x.pcap'), '--host', '172.16.0.0/12')
        check(r.returncode == 0 and files_in(out) == [], 'nothing selected: no file created',
              str(files_in(out)))

        # --under-attack: the scanner's packets once its port-scan alert engaged (at the end of
        # the scan window), not the scan itself, not the innocent host's
        acap = os.path.join(tmp, 'attack.pcap')
        attack(acap)
        shutil.rmtree(out, ignore_errors=True)
        os.mkdir(out)
        r = run([tool, '-r', acap, '-w', os.path.join(out, 'a.pcap'), '--under-attack',
                 '--set', 'alert.port_scan_threshold=5', '--set', 'dpi.enable=false'])
        check(r.returncode == 0, '--under-attack runs', r.stderr)
        got = stamps(os.path.join(out, 'a.pcap')) if files_in(out) else []
        check(got == [100, 101, 102, 103],
              '--under-attack: the 4 packets of the scanning host after its alert engaged', str(got))
        shutil.rmtree(out, ignore_errors=True)
        os.mkdir(out)
        r = run([tool, '-r', acap, '-w', os.path.join(out, 'b.pcap'), '--under-attack',
                 '--alert-sampling', '2', '--set', 'alert.port_scan_threshold=5',
                 '--set', 'dpi.enable=false'])
        got = stamps(os.path.join(out, 'b.pcap')) if files_in(out) else []
        check(r.returncode == 0 and len(got) == 2 and set(got) <= {100, 101, 102, 103},
              '--alert-sampling 2: 1 of 2 of those packets', str(got))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- the reference captures ----

# The selections run on each capture (a few each: every run costs an engine start): Ethernet,
# Linux cooked, raw IP, IPv6 only, pcapng with VLANs.
CAPTURES = [('teams.pcap', ['l7', 'l7part', 'unknown', 'host', 'first']),
            ('KakaoTalk_chat.pcap', ['l7part', 'first']),
            ('ocs.pcap', ['l7', 'host']),
            ('http_ipv6.pcap', ['unknown', 'first']),
            ('whois.pcapng', ['l7', 'host'])]


def pcaps_tests(tool, export, pdir):
    tmp = tempfile.mkdtemp(prefix='ntc-dump-pcaps-')
    try:
        for name, kinds in CAPTURES:
            cap = os.path.join(pdir, name)
            r = run([export, '-v', '-r', cap])
            if not check(r.returncode == 0, '%s: ntop-export runs' % name, r.stderr):
                continue
            recs = [json.loads(line) for line in r.stdout.splitlines()]
            m = re.search(r'packets (\d+) \(\d+ bytes\), IP (\d+)', r.stderr)
            flowless = int(m.group(1)) - int(m.group(2))
            names = collections.Counter()
            for rec in recs:
                names[rec['L7_PROTO_NAME']] += rec['IN_PKTS'] + rec['OUT_PKTS']
            top = names.most_common(1)[0][0]
            hosts = collections.Counter()
            for rec in recs:
                v = '6' if 'IPV6_SRC_ADDR' in rec else '4'
                for side in ('SRC', 'DST'):
                    hosts[rec['IPV%s_%s_ADDR' % (v, side)]] += rec['IN_PKTS'] + rec['OUT_PKTS']
            host = hosts.most_common(1)[0][0]
            part = top.split('.')[-1]

            def either(n, p=part):
                return n == p or n.startswith(p + '.') or n.endswith('.' + p)

            def has_host(rec, h=host):
                v = '6' if 'IPV6_SRC_ADDR' in rec else '4'
                return h in (rec['IPV%s_SRC_ADDR' % v], rec['IPV%s_DST_ADDR' % v])

            cases = {'l7': ('--l7 %s' % top, ['--l7', top],
                            lambda rec, t=top: rec['L7_PROTO_NAME'] == t, None),
                     'l7part': ('--l7 %s' % part, ['--l7', part],
                                lambda rec: either(rec['L7_PROTO_NAME']), None),
                     'unknown': ('--unknown', ['--unknown'],
                                 lambda rec: rec['L7_PROTO_NAME'] == 'Unknown', None),
                     'host': ('--host %s' % host, ['--host', host], has_host, None),
                     'first': ('--first 3', ['--first', '3'], lambda rec: True, 3)}
            for what, args, pick, first in [cases[k] for k in kinds]:
                want = collections.Counter()
                for rec in recs:
                    if pick(rec):
                        n = rec['IN_PKTS'] + rec['OUT_PKTS']
                        want[record_key(rec)] += min(n, first) if first else n
                if first:
                    want[None] += flowless
                want = +want
                out = os.path.join(tmp, 'o.pcap')
                if os.path.exists(out):
                    os.unlink(out)
                r = run([tool, '-q', '-r', cap, '-w', out, '--rotate-packets', '0',
                         '--rotate-seconds', '0'] + args)
                if not check(r.returncode == 0, '%s %s: exit 0' % (name, what), r.stderr):
                    continue
                pk = read_capture(out)[0] if os.path.exists(out) else []
                got = +collections.Counter(flow_key(lt, d) for _, lt, _, _, d in pk)
                diff = [(k, want.get(k, 0), got.get(k, 0)) for k in set(want) | set(got)
                        if want.get(k, 0) != got.get(k, 0)]
                check(not diff, '%s %s: %d packets, exactly those of the %d flows ntop-export '
                      'reports' % (name, what, sum(got.values()),
                                   len([k for k in want if k is not None])), str(diff[:5]))

        # rotation and the ring on a real capture
        cap = os.path.join(pdir, 'teams.pcap')
        total = len(read_capture(cap)[0])
        out = os.path.join(tmp, 'rot')
        os.mkdir(out)
        r = run([tool, '-q', '-r', cap, '-w', os.path.join(out, 't-%H%M%S.pcap'),
                 '--rotate-packets', '500', '--rotate-seconds', '0'])
        names = files_in(out)
        counts = capinfos_counts([os.path.join(out, n) for n in names]) or \
            {n: len(read_capture(os.path.join(out, n))[0]) for n in names}
        want = [500] * (total // 500) + ([total % 500] if total % 500 else [])
        check(r.returncode == 0 and [counts.get(n) for n in names] == want,
              'teams.pcap, rotate-packets 500: files of %s packets' % want, str(counts))
        shutil.rmtree(out)
        os.mkdir(out)
        r = run([tool, '-v', '-r', cap, '-w', os.path.join(out, 't-%H%M%S.pcap'),
                 '--ring-size', '300k'])
        size = sum(os.path.getsize(os.path.join(out, n)) for n in files_in(out))
        peak = re.search(r'ring_peak=(\d+)', r.stderr)
        last = read_capture(os.path.join(out, files_in(out)[-1]))[0][-1]
        orig_last = read_capture(cap)[0][-1]
        check(r.returncode == 0 and size <= 300 * 1024 and peak and
              int(peak.group(1)) <= 300 * 1024 and last[4] == orig_last[4],
              'teams.pcap, ring-size 300k: within budget at the end and at its peak, ends with '
              'the capture\'s last packet', '%d %s' % (size, r.stderr[-300:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- the TAP output ----

def raw_ip_capture(path):
    """The crafted flows as a raw-IP (LINKTYPE_RAW) capture: 6 packets."""
    recs = []
    for i in range(6):
        s, sp, d, dp = FLOWS[i % 3]
        ip = udp_frame(s, sp, d, dp, 70 + i, i)[14:]
        recs.append(struct.pack('<IIII', T0 + i, 0, len(ip), len(ip)) + ip)
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101) + b''.join(recs))


def tap_tests(tool):
    if os.geteuid() != 0:
        print('SKIP: needs root (network namespace, TAP interface)')
        sys.exit(77)
    for prog in ('ip', 'dumpcap'):
        if not shutil.which(prog):
            print('SKIP: %s not installed' % prog)
            sys.exit(77)
    if not os.path.exists('/dev/net/tun'):
        print('SKIP: no /dev/net/tun')
        sys.exit(77)
    ns = 'ntc-dump-%d' % os.getpid()
    tmp = tempfile.mkdtemp(prefix='ntc-dump-tap-')
    procs = []
    try:
        if run(['ip', 'netns', 'add', ns]).returncode != 0:
            print('SKIP: cannot create a network namespace')
            sys.exit(77)

        def in_ns(*cmd):
            return ['ip', 'netns', 'exec', ns] + list(cmd)

        # No IPv6 (router solicitations, MLD): the TAP carries only what ntop-dump writes.
        for key in ('all', 'default'):
            run(in_ns('sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=1' % key))
        r = run(in_ns('ip', 'tuntap', 'add', 'dev', 'dumptap0', 'mode', 'tap'))
        if r.returncode != 0:
            print('SKIP: cannot create a TAP interface: ' + r.stderr.strip())
            sys.exit(77)
        run(in_ns('ip', 'link', 'set', 'dumptap0', 'up'))
        eth_cap, raw_cap = os.path.join(tmp, 'eth.pcap'), os.path.join(tmp, 'raw.pcap')
        meta = crafted(eth_cap)
        raw_ip_capture(raw_cap)

        def watch_and_dump(name, args):
            """dumpcap on dumptap0 while ntop-dump runs; (frames seen on the TAP, ntop-dump's
            result, frames it wrote to its file)."""
            seen = os.path.join(tmp, name + '-tap.pcap')
            err = open(os.path.join(tmp, name + '-dumpcap.err'), 'w+')
            p = subprocess.Popen(in_ns('dumpcap', '-i', 'dumptap0', '-P', '-w', seen),
                                 stdout=subprocess.DEVNULL, stderr=err)
            procs.append(p)
            for _ in range(200):  # wait until it captures
                err.seek(0)
                if 'Capturing on' in err.read() or p.poll() is not None:
                    break
                subprocess.run(['sleep', '0.05'])
            out = os.path.join(tmp, name + '-out.pcap')
            r = run(in_ns(tool, '-v', '-w', out, '--tap', 'dumptap0', *args))
            subprocess.run(['sleep', '0.3'])
            p.send_signal(2)
            p.wait(timeout=10)
            tap = read_capture(seen)[0] if os.path.exists(seen) else []
            wrote = read_capture(out)[0] if os.path.exists(out) else []
            return tap, r, wrote

        tap, r, wrote = watch_and_dump('eth', ['-r', eth_cap])
        check(r.returncode == 0 and 'tap_sent=26 tap_dropped=0' in r.stderr,
              'Ethernet capture: 26 frames sent to the TAP', r.stderr[-400:])
        check([d for _, _, _, _, d in tap] == [d for _, _, _, _, d in wrote] and len(tap) == 26,
              'dumpcap on the TAP sees exactly the 26 frames of the file, byte for byte',
              '%d frames on the TAP' % len(tap))

        tap, r, wrote = watch_and_dump('host', ['-r', eth_cap, '--host', '10.0.1.1'])
        want = [i for i, (k, _) in enumerate(meta) if k == 1]
        check(r.returncode == 0 and [d[-1] for _, _, _, _, d in tap] == want,
              '--host selection applies to the TAP', str([d[-1] for _, _, _, _, d in tap]))

        tap, r, wrote = watch_and_dump('raw', ['-r', raw_cap])
        ok = len(tap) == 6 and len(wrote) == 6
        for (_, _, _, _, t), (_, _, _, _, w) in zip(tap, wrote):
            ok = ok and t[14:] == w and t[12:14] == b'\x08\x00'
        dirs = [t[6:12].hex() for _, _, _, _, t in tap]
        check(ok and dirs == ['020000000001'] * 6,
              'raw IP capture: each packet on the TAP behind a made-up Ethernet header '
              '(client MAC as source)', '%d frames, sources %s' % (len(tap), dirs))

        r = run(in_ns(tool, '-v', '-r', eth_cap, '--tap', 'dumptap1'))
        check(r.returncode == 0 and 'tap_sent=26' in r.stderr,
              'a missing TAP is created and brought up', r.stderr[-300:])
        check(run(in_ns('ip', 'link', 'show', 'dumptap1')).returncode != 0,
              'and it goes away with ntop-dump (not persistent)')
        r = run([tool, '-r', eth_cap, '--tap', 'bad/name'])
        check(r.returncode == 2 and 'dump.tap' in r.stderr, 'a bad interface name: exit 2',
              r.stderr)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        run(['ip', 'netns', 'del', ns])
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == 'cli':
        cli_tests(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == 'tap':
        tap_tests(sys.argv[2])
    elif len(sys.argv) >= 5 and sys.argv[1] == 'pcaps':
        if not os.path.isdir(sys.argv[4]):
            print('SKIP: %s not found (the reference captures live in ../shared/pcaps)'
                  % sys.argv[4])
            sys.exit(77)
        pcaps_tests(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
    print('%d failure(s)' % failures)
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
