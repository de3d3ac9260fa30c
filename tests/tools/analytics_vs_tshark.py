#!/usr/bin/python3
"""Compare ntop-export's flow analytics with tshark (Wireshark 4.0) on real captures.

For every capture in PCAPS_DIR, per flow (5-tuple, both directions):
  - TCP retransmissions and out-of-order segments per direction against the packets tshark flags
    tcp.analysis.retransmission / tcp.analysis.out_of_order;
  - handshake latency: CLIENT_NW_LATENCY_MS + SERVER_NW_LATENCY_MS against tcp.analysis.initial_rtt,
    to 0.1 ms;
  - APPL_LATENCY_MS against http.time (first response; HTTP bodies not reassembled) and dns.time
    (the answer to the flow's first query id), to 0.1 ms;
  - COMMUNITY_ID against tshark's communityid of the flow's packets.
Every difference must be listed in the expectations file (file, flow, metric, ours, tshark, reason);
a difference not listed, or a listed one that no longer happens, fails the test.

Usage: analytics_vs_tshark.py NTOP_EXPORT PCAPS_DIR EXPECT_FILE [--update]
Exit 77 (skip) when PCAPS_DIR or tshark is missing.
"""
import collections
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys

SKIP = 77


def last(v):
    return v.split(',')[-1] if v else ''


def canon(proto, a, pa, b, pb):
    x, y = (a, pa), (b, pb)
    return (proto,) + (x + y if x <= y else y + x)


def tshark_rows(path):
    fields = ['frame.time_epoch', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport',
              'tcp.dstport', 'udp.srcport', 'udp.dstport', 'icmp.type', 'icmpv6.type',
              'tcp.analysis.retransmission', 'tcp.analysis.out_of_order',
              'tcp.analysis.initial_rtt', 'http.time', 'http.response', 'dns.time', 'dns.id',
              'dns.flags.response', 'communityid', 'tcp.flags.syn', 'tcp.flags.ack']
    cmd = ['tshark', '-r', path, '-n', '--enable-protocol', 'communityid',
           '-o', 'http.desegment_body:FALSE', '-o', 'tcp.analyze_sequence_numbers:TRUE',
           '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a']
    for f in fields:
        cmd += ['-e', f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        v = dict(zip(fields, line.split('\t')))
        yield v


def tshark_flows(path):
    """Per canonical key: counts and values as tshark sees them."""
    flows = collections.defaultdict(lambda: {
        'retrans': collections.Counter(), 'ooo': collections.Counter(), 'irtt': None,
        'http': None, 'dns': [], 'cid': set()})
    for v in tshark_rows(path):
        src = last(v['ip.src']) or last(v['ipv6.src'])
        dst = last(v['ip.dst']) or last(v['ipv6.dst'])
        if not src:
            continue
        icmp = v['icmp.type'] or v['icmpv6.type']
        if icmp:
            key = ('icmp', min(src, dst), max(src, dst))
            flows[key]['cid'].add(last(v['communityid']))
            continue
        if v['tcp.srcport']:
            proto, sp, dp = 6, int(last(v['tcp.srcport'])), int(last(v['tcp.dstport']))
        elif v['udp.srcport']:
            proto, sp, dp = 17, int(last(v['udp.srcport'])), int(last(v['udp.dstport']))
        else:
            continue
        key = canon(proto, src, sp, dst, dp)
        fl = flows[key]
        fl['cid'].add(last(v['communityid']))
        sender = (src, sp)
        if v['tcp.analysis.retransmission']:
            fl['retrans'][sender] += 1
        if v['tcp.analysis.out_of_order']:
            fl['ooo'][sender] += 1
        if v['tcp.analysis.initial_rtt'] and fl['irtt'] is None:
            fl['irtt'] = float(v['tcp.analysis.initial_rtt']) * 1000
        if v['http.time'] and fl['http'] is None:
            fl['http'] = float(last(v['http.time'])) * 1000
        if proto == 17 and v['dns.id']:
            fl['dns'].append((int(last(v['dns.id']), 16), last(v['dns.flags.response']),
                              float(last(v['dns.time'])) * 1000 if v['dns.time'] else None,
                              sender))
    return flows


def our_flows(exe, path):
    out = subprocess.run([exe, '-q', '-r', path], capture_output=True, text=True,
                         check=True).stdout
    flows = collections.defaultdict(list)
    for line in out.splitlines():
        r = json.loads(line)
        a = r.get('IPV4_SRC_ADDR') or r.get('IPV6_SRC_ADDR')
        b = r.get('IPV4_DST_ADDR') or r.get('IPV6_DST_ADDR')
        if r['PROTOCOL'] in (1, 58):
            flows[('icmp', min(a, b), max(a, b))].append(r)
        elif r['PROTOCOL'] in (6, 17):
            flows[canon(r['PROTOCOL'], a, r['L4_SRC_PORT'], b, r['L4_DST_PORT'])].append(r)
    return flows


def fmt_key(k):
    if k[0] == 'icmp':
        return 'icmp %s %s' % (k[1], k[2])
    return '%s %s:%d %s:%d' % ({6: 'tcp', 17: 'udp'}[k[0]], k[1], k[2], k[3], k[4])


def dns_first_answer(rows, client):
    """tshark's dns.time of the answer to the first query the client sent."""
    qid = None
    for qid_, resp, t, sender in rows:
        if qid is None and resp in ('False', '0') and sender == client:
            qid = qid_
        elif qid is not None and resp in ('True', '1') and qid_ == qid and t is not None:
            return t
    return None


def compare(exe, path):
    name = os.path.basename(path)
    ours, theirs = our_flows(exe, path), tshark_flows(path)
    found = []  # (file, key, metric, ours, tshark)
    checked = collections.Counter()
    for key, recs in sorted(ours.items(), key=lambda kv: str(kv[0])):
        ts = theirs.get(key)
        if ts is None:
            continue
        k = fmt_key(key)
        cids = {r['COMMUNITY_ID'] for r in recs if 'COMMUNITY_ID' in r}
        checked['community_id'] += 1
        if not cids or not cids <= ts['cid']:
            found.append((name, k, 'community_id', ','.join(sorted(cids)),
                          ','.join(sorted(ts['cid']))))
        if key[0] == 'icmp':
            continue
        r0 = recs[0]
        cli = (r0.get('IPV4_SRC_ADDR') or r0.get('IPV6_SRC_ADDR'), r0['L4_SRC_PORT'])
        srv = (r0.get('IPV4_DST_ADDR') or r0.get('IPV6_DST_ADDR'), r0['L4_DST_PORT'])
        if key[0] == 6:
            for metric, field in (('retrans', 'RETRANSMITTED'), ('ooo', 'OOORDER')):
                # Sum over our flows of this 5-tuple; IN is what the flow's client sent.
                sent = collections.Counter()
                for r in recs:
                    c = (r.get('IPV4_SRC_ADDR') or r.get('IPV6_SRC_ADDR'), r['L4_SRC_PORT'])
                    s = (r.get('IPV4_DST_ADDR') or r.get('IPV6_DST_ADDR'), r['L4_DST_PORT'])
                    sent[c] += r.get(field + '_IN_PKTS', 0)
                    sent[s] += r.get(field + '_OUT_PKTS', 0)
                for who, tag in ((cli, 'in'), (srv, 'out')):
                    checked[metric] += 1
                    checked[metric + '_pkts_tshark'] += ts[metric][who]
                    checked[metric + '_pkts_ours'] += sent[who]
                    if sent[who] != ts[metric][who]:
                        found.append((name, k, '%s_%s' % (metric, tag), str(sent[who]),
                                      str(ts[metric][who])))
            cl, sl = r0.get('CLIENT_NW_LATENCY_MS'), r0.get('SERVER_NW_LATENCY_MS')
            ours_rtt = cl + sl if cl is not None and sl is not None else None
            if ours_rtt is not None or ts['irtt'] is not None:
                checked['handshake_rtt'] += 1
                if ours_rtt is None or ts['irtt'] is None or abs(ours_rtt - ts['irtt']) > 0.1:
                    found.append((name, k, 'handshake_rtt',
                                  '-' if ours_rtt is None else '%.3f' % ours_rtt,
                                  '-' if ts['irtt'] is None else '%.3f' % ts['irtt']))
            theirs_appl = ts['http']
        else:
            theirs_appl = dns_first_answer(ts['dns'], cli) if ts['dns'] else None
        appl = r0.get('APPL_LATENCY_MS')
        if appl is not None or theirs_appl is not None:
            checked['appl_latency'] += 1
            if appl is None or theirs_appl is None or abs(appl - theirs_appl) > 0.1:
                found.append((name, k, 'appl_latency', '-' if appl is None else '%.3f' % appl,
                              '-' if theirs_appl is None else '%.3f' % theirs_appl))
    return found, checked


def main():
    exe, pcaps, expect = sys.argv[1], sys.argv[2], sys.argv[3]
    update = '--update' in sys.argv
    if not os.path.isdir(pcaps):
        print('SKIP: %s not found (real captures live in ../shared/pcaps)' % pcaps)
        return SKIP
    if not shutil.which('tshark'):
        print('SKIP: tshark not installed')
        return SKIP
    files = sorted(f for f in os.listdir(pcaps) if f.endswith(('.pcap', '.pcapng')))
    found, checked = [], collections.Counter()
    # Two captures at a time: each comparison mostly waits for tshark and ntop-export.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for fd, ck in pool.map(lambda f: compare(exe, os.path.join(pcaps, f)), files):
            found += fd
            checked += ck
    expected = {}
    if os.path.exists(expect):
        for line in open(expect):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            p = line.split('\t')
            expected[tuple(p[:5])] = p[5] if len(p) > 5 else ''
    got = set(found)
    new = [x for x in found if x not in expected]
    stale = [x for x in expected if x not in got]
    print('compared (flow directions, flows, or packets flagged): ' +
          ', '.join('%s %d' % kv for kv in sorted(checked.items())))
    bym = collections.Counter(x[2].split('_')[0] for x in found)
    print('differences (all explained in %s unless listed below): %d %s' % (
        os.path.basename(expect), len(found), dict(bym)))
    if update:
        with open(expect, 'w') as out:
            out.write('# file\tflow\tmetric\tours\ttshark\treason\n')
            for x in found:
                out.write('\t'.join(x) + '\t' + expected.get(x, 'TODO') + '\n')
        return 0
    for x in new:
        print('NEW   ' + '\t'.join(x))
    for x in stale:
        print('STALE ' + '\t'.join(x))
    return 1 if new or stale else 0


if __name__ == '__main__':
    sys.exit(main())
