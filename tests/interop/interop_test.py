#!/usr/bin/python3
"""Interoperability on loopback, against the Debian packages of the reference tools.

  interop_test.py zmq       NTOP_EXPORT SAMPLE_PCAP SHARED_PCAPS_DIR
  interop_test.py nfdump    NTOP_EXPORT SAMPLE_PCAP SHARED_PCAPS_DIR
  interop_test.py softflowd NTOP_EXPORT SAMPLE_PCAP SHARED_PCAPS_DIR

zmq: A reads a capture and exports over ZMQ (TLV, JSON, TLV+zlib, JSON+zlib, and TLV with the
  collector binding); B collects and prints JSON lines: every flow of A's own JSON lines, with every
  field equal (B adds FLOW_SOURCE). Then a hierarchy A -> B -> C: C's flows and totals are A's.
nfdump: A exports IPFIX and NetFlow v9 (biflow and two uniflows) to nfcapd started here; nfdump
  reads back the same flows, packets, bytes and start times as A's JSON lines.
softflowd: softflowd -r CAPTURE -v 5|9|10 exports to nfcapd, which repeats every datagram to B
  (nfcapd -R); B reports, direction by direction, the flows nfdump reads from nfcapd's file: the
  flows softflowd sent.

The capture is the project's sample; with ../shared/pcaps present, larger ones too (otherwise
said, and the sample alone is used). Exit 77 (skipped) when a reference tool is missing.
Only the standard library of /usr/bin/python3 is used.
"""
import collections
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
TIMEOUT = 30


class Fail(Exception):
    pass


def need(*tools):
    for t in tools:
        if not shutil.which(t):
            print('SKIP: %s not found (Debian packages: see scripts/setup.sh)' % t)
            sys.exit(SKIP)


def free_port(kind):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if kind == 'udp' else socket.SOCK_STREAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_udp_bound(port, proc, what):
    """Wait until something has bound the UDP port (nfcapd, a collector)."""
    deadline = time.time() + 10
    while time.time() < deadline:
        if proc.poll() is not None:
            raise Fail('%s exited early: %s' % (what, proc.stderr.read() if proc.stderr else ''))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(('127.0.0.1', port))
        except OSError:
            return
        finally:
            s.close()
        time.sleep(0.05)
    raise Fail('%s did not bind UDP port %d' % (what, port))


# The reference tools run without MALLOC_PERTURB_ (meson sets it for tests): nfdump 1.7.1 reads
# memory it did not initialise and loses records when malloc fills it with garbage.
REF_TOOLS = ('nfcapd', 'nfdump', 'softflowd', 'softflowctl')
REF_ENV = {k: v for k, v in os.environ.items() if k != 'MALLOC_PERTURB_'}


def start(cmd):
    env = REF_ENV if os.path.basename(cmd[0]) in REF_TOOLS else None
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(p, what, sig=None, timeout=TIMEOUT):
    if sig is not None and p.poll() is None:
        p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise Fail('%s did not finish within %d s; stderr:\n%s' % (what, timeout, err))
    if p.returncode != 0:
        raise Fail('%s failed (exit %d):\n%s' % (what, p.returncode, err))
    return out, err


def run(cmd, what):
    return finish(start(cmd), what)


def load(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def addr(r, side):
    return r.get('IPV4_%s_ADDR' % side) or r.get('IPV6_%s_ADDR' % side)


def fkey(r):
    return (addr(r, 'SRC'), r['L4_SRC_PORT'], addr(r, 'DST'), r['L4_DST_PORT'], r['PROTOCOL'],
            r['SRC_VLAN'], r['FLOW_START_MILLISECONDS'])


def captures(sample, shared):
    caps = [sample]
    extra = [os.path.join(shared, n) for n in ('synscan.pcap', 'iphone.pcap')]
    extra = [p for p in extra if os.path.exists(p)]
    if extra:
        caps += extra
    else:
        print('note: %s absent: the sample capture alone is used' % shared)
    return caps


def reference(export, pcap, tmp):
    a_json = os.path.join(tmp, 'a.json')
    run([export, '-r', pcap, '-q', '-o', 'jsonl:' + a_json], 'A (reference JSON lines)')
    a = load(a_json)
    if not a:
        raise Fail('%s: no flows' % pcap)
    return a


def packets(flows):
    return sum(r['IN_PKTS'] + r['OUT_PKTS'] for r in flows)


# ---- ZMQ ----------------------------------------------------------------------------------------

# Flow analytics (TCP health, latency, statistics, state, Community ID) are computed from the
# packets: a collected flow has none, and the exporters do not carry them yet.
ANALYTICS_PREFIXES = ('FLOW_STATE', 'CONN_STATE', 'CONN_HISTORY', 'COMMUNITY_ID', 'RETRANSMITTED_',
                      'OOORDER_', 'TCP_LOST_', 'TCP_ZERO_WINDOW_', 'TCP_KEEPALIVE_', 'TCP_DUP_ACK_',
                      'CLIENT_NW_LATENCY', 'SERVER_NW_LATENCY', 'APPL_LATENCY', 'TLS_HANDSHAKE',
                      'LONGEST_FLOW_PKT', 'SHORTEST_FLOW_PKT', 'SRC_TO_DST_', 'DST_TO_SRC_',
                      'FIRST_PKTS_')


def without_analytics(r):
    return {k: v for k, v in r.items() if not k.startswith(ANALYTICS_PREFIXES)}


def compare_same(a, b, source, what):
    a = [without_analytics(r) for r in a]
    ka = collections.Counter(fkey(r) for r in a)
    kb = collections.Counter(fkey(r) for r in b)
    if ka != kb:
        raise Fail('%s: flows differ: only in A %s, only in B %s' %
                   (what, list((ka - kb).elements())[:5], list((kb - ka).elements())[:5]))
    bmap = {}
    for r in b:
        bmap.setdefault(fkey(r), []).append(r)
    for r in a:
        cands = bmap[fkey(r)]
        want = dict(r)
        match = None
        for c in cands:
            got = {k: v for k, v in c.items() if k != 'FLOW_SOURCE'}
            if got == want:
                match = c
                break
        if match is None:
            c = cands[0]
            diff = {k: (want.get(k), c.get(k)) for k in set(want) | set(c)
                    if k != 'FLOW_SOURCE' and want.get(k) != c.get(k)}
            raise Fail('%s: flow %s differs (A, B): %s' % (what, fkey(r), diff))
        if source is not None and match.get('FLOW_SOURCE') != source:
            raise Fail('%s: FLOW_SOURCE %r, expected %r' % (what, match.get('FLOW_SOURCE'), source))
        cands.remove(match)


def zmq_roundtrip(export, pcap, a, tmp, opts, bind_at_collector, what):
    port = free_port('tcp')
    ep = 'tcp://127.0.0.1:%d%s' % (port, 'c' if bind_at_collector else '')
    b_json = os.path.join(tmp, 'b.json')
    b = start([export, '-i', 'zmq:' + ep, '-c', str(packets(a)), '-q', '-o', 'jsonl:' + b_json])
    run([export, '-r', pcap, '-q', '-o', 'zmq:' + ep, '--set', 'export.zmq_wait=5000'] + opts,
        what + ': A')
    finish(b, what + ': B (collector)')
    compare_same(a, load(b_json), 'zmq:%s/0' % ep, what)


def zmq_hierarchy(export, pcap, a, tmp, what):
    p1, p2 = free_port('tcp'), free_port('tcp')
    n = str(packets(a))
    c_json = os.path.join(tmp, 'c.json')
    c = start([export, '-i', 'zmq:tcp://127.0.0.1:%d' % p2, '-c', n, '-q', '-o', 'jsonl:' + c_json])
    b = start([export, '-i', 'zmq:tcp://127.0.0.1:%d' % p1, '-c', n, '-q',
               '-o', 'zmq:tcp://127.0.0.1:%d' % p2, '--set', 'export.zmq_wait=5000',
               '--set', 'export.source_id=2'])
    run([export, '-r', pcap, '-q', '-o', 'zmq:tcp://127.0.0.1:%d' % p1,
         '--set', 'export.zmq_wait=5000'], what + ': A')
    finish(b, what + ': B (collects A, exports to C)')
    finish(c, what + ': C (collects B)')
    cflows = load(c_json)
    for k in ('IN_PKTS', 'IN_BYTES', 'OUT_PKTS', 'OUT_BYTES'):
        ta, tc = sum(r[k] for r in a), sum(r[k] for r in cflows)
        if ta != tc:
            raise Fail('%s: total %s: A %d, C %d' % (what, k, ta, tc))
    if len(cflows) != len(a):
        raise Fail('%s: A has %d flows, C %d' % (what, len(a), len(cflows)))
    compare_same(a, cflows, 'zmq:tcp://127.0.0.1:%d/2' % p2, what)


def test_zmq(export, caps, tmp):
    # Every mode on the sample; the larger captures (many messages, IPv6, ICMP) through the
    # hierarchy and in one mode. The runs are independent (own ports and files): they run
    # concurrently, most of their time is spent starting up.
    modes = [('TLV', [], False), ('JSON', ['--zmq-format', 'json'], False),
             ('TLV+zlib', ['--zmq-compress'], False),
             ('JSON+zlib, collector binds', ['--zmq-format', 'json', '--zmq-compress'], True)]
    jobs = []
    for i, pcap in enumerate(caps):
        a = reference(export, pcap, tmp)
        name = os.path.basename(pcap)
        for mname, opts, bind in (modes if i == 0 else [modes[i % len(modes)]]):
            what = '%s over ZMQ %s' % (name, mname)
            jobs.append((what, zmq_roundtrip, (export, pcap, a), (opts, bind),
                         '%d flows, %d packets' % (len(a), packets(a))))
        if i < 2:
            jobs.append(('%s through A -> B -> C' % name, zmq_hierarchy, (export, pcap, a), (),
                         '%d flows, totals kept' % len(a)))

    def one(job):
        what, fn, args, extra, _ = job
        d = tempfile.mkdtemp(dir=tmp)
        fn(*args, d, *extra, what) if fn is zmq_roundtrip else fn(*args, d, what)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        futures = [ex.submit(one, j) for j in jobs]
        for j, f in zip(jobs, futures):
            f.result()  # raises Fail
            print('ok: %s: %s' % (j[0], j[4]))


# ---- nfcapd / nfdump ----------------------------------------------------------------------------

NFDUMP_FMT = 'fmt:%pr|%sa|%sp|%da|%dp|%ipkt|%ibyt|%opkt|%obyt|%tsr'


def nfdump_read(flowdir):
    out, _ = run(['nfdump', '-R', flowdir, '-q', '-N', '-6', '-o', NFDUMP_FMT], 'nfdump')
    recs = []
    for line in out.splitlines():
        f = [x.strip() for x in line.split('|')]
        if len(f) != 10 or not f[0].isdigit():
            continue
        proto = int(f[0])
        icmp = proto in (1, 58)
        recs.append((proto, f[1], None if icmp else int(f[2]), f[3], None if icmp else int(f[4]),
                     int(f[5]), int(f[6]), int(f[7]), int(f[8]), round(float(f[9]) * 1000)))
    return recs


def start_nfcapd(flowdir, port, repeat_to=None):
    # A large socket buffer (-B; beyond net.core.rmem_max only as root): exports of a whole capture
    # arrive in one burst, which the default buffer does not hold.
    cmd = ['nfcapd', '-w', flowdir, '-p', str(port), '-b', '127.0.0.1', '-B', '8388608']
    if repeat_to:
        cmd += ['-R', '127.0.0.1/%d' % repeat_to]
    p = start(cmd)
    wait_udp_bound(port, p, 'nfcapd')
    return p


def expected_records(a, biflow):
    out = []
    for r in a:
        icmp = r['PROTOCOL'] in (1, 58)
        sa, da = addr(r, 'SRC'), addr(r, 'DST')
        sp = None if icmp else r['L4_SRC_PORT']
        dp = None if icmp else r['L4_DST_PORT']
        t = r['FLOW_START_MILLISECONDS']
        if biflow:
            out.append((r['PROTOCOL'], sa, sp, da, dp, r['IN_PKTS'], r['IN_BYTES'], r['OUT_PKTS'],
                        r['OUT_BYTES'], t))
        else:
            out.append((r['PROTOCOL'], sa, sp, da, dp, r['IN_PKTS'], r['IN_BYTES'], 0, 0, t))
            if r['OUT_PKTS'] or r['OUT_BYTES']:
                out.append((r['PROTOCOL'], da, dp, sa, sp, r['OUT_PKTS'], r['OUT_BYTES'], 0, 0, t))
    return out


def test_nfdump(export, caps, tmp):
    combos = [(s, b) for s in ('ipfix', 'netflow9') for b in (True, False)]
    for i, pcap in enumerate(caps):
        a = reference(export, pcap, tmp)
        # Every combination on the sample, two on each larger capture (suite time).
        for scheme, biflow in (combos if i == 0 else [combos[(i - 1) % 2], combos[3 - (i - 1) % 2]]):
            if True:
                what = '%s as %s %s' % (os.path.basename(pcap), scheme,
                                        'biflows' if biflow else 'uniflows')
                flowdir = tempfile.mkdtemp(dir=tmp)
                port = free_port('udp')
                nf = start_nfcapd(flowdir, port)
                try:
                    run([export, '-r', pcap, '-q', '-o', '%s:udp://127.0.0.1:%d' % (scheme, port),
                         '--set', 'export.biflow=%s' % ('true' if biflow else 'false')],
                        what + ': A')
                    time.sleep(0.2)
                finally:
                    finish(nf, 'nfcapd', signal.SIGTERM)
                got = collections.Counter(nfdump_read(flowdir))
                want = collections.Counter(expected_records(a, biflow))
                if got != want:
                    raise Fail('%s: nfdump reads other flows than A exported:\n  only in nfdump: %s'
                               '\n  only in A: %s' % (what, list((got - want).elements())[:5],
                                                      list((want - got).elements())[:5]))
                print('ok: %s: nfdump reads %d records, %d packets, %d bytes' %
                      (what, sum(got.values()), sum(r[5] + r[7] for r in got.elements()),
                       sum(r[6] + r[8] for r in got.elements())))


# ---- softflowd ----------------------------------------------------------------------------------

def run_softflowd(pcap, version, port, tmp):
    """softflowd 1.1.0 reading a file blocks in accept() on its control socket before each
    batch of packets (Debian 12's build); a control command lets it go on. So: poke it until it has
    read the file, expired its flows and exported them (it exits then)."""
    ctl = os.path.join(tmp, 'sf-%d.ctl' % port)
    pid = os.path.join(tmp, 'sf-%d.pid' % port)
    p = start(['softflowd', '-d', '-r', pcap, '-v', str(version), '-n', '127.0.0.1:%d' % port,
               '-c', ctl, '-p', pid])
    deadline = time.time() + TIMEOUT
    while p.poll() is None and time.time() < deadline:
        if os.path.exists(ctl):
            subprocess.run(['softflowctl', '-c', ctl, 'statistics'], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=5, env=REF_ENV)
        time.sleep(0.01)
    finish(p, 'softflowd -v %d' % version, timeout=5)


def directions(flows):
    out = []
    for r in flows:
        icmp = r['PROTOCOL'] in (1, 58)
        sa, da = addr(r, 'SRC'), addr(r, 'DST')
        sp = None if icmp else r['L4_SRC_PORT']
        dp = None if icmp else r['L4_DST_PORT']
        if r['IN_PKTS'] or r['IN_BYTES']:
            out.append((r['PROTOCOL'], sa, sp, da, dp, r['IN_PKTS'], r['IN_BYTES']))
        if r['OUT_PKTS'] or r['OUT_BYTES']:
            out.append((r['PROTOCOL'], da, dp, sa, sp, r['OUT_PKTS'], r['OUT_BYTES']))
    return out


def test_softflowd(export, caps, tmp):
    prefix = {5: 'netflow5:', 9: 'netflow9:', 10: 'ipfix:'}
    for i, pcap in enumerate(caps):
        # Every version on the sample; on the larger captures, two and one (suite time).
        for version in ((5, 9, 10) if i == 0 else (5, 10) if i == 1 else (9,)):
            what = 'softflowd -v %d on %s' % (version, os.path.basename(pcap))
            flowdir = tempfile.mkdtemp(dir=tmp)
            bport, nport = free_port('udp'), free_port('udp')
            b_json = os.path.join(tmp, 'b.json')
            b = start([export, '-i', 'netflow:udp://127.0.0.1:%d' % bport, '-v',
                       '-o', 'jsonl:' + b_json])
            wait_udp_bound(bport, b, 'B (collector)')
            nf = start_nfcapd(flowdir, nport, repeat_to=bport)
            try:
                run_softflowd(pcap, version, nport, tmp)
                time.sleep(0.3)
            finally:
                finish(nf, 'nfcapd', signal.SIGTERM)
            time.sleep(0.3)
            _, berr = finish(b, 'B (collector)', signal.SIGTERM)
            ref = nfdump_read(flowdir)
            # nfdump: one record per direction as softflowd sent it (a reverse half, if any,
            # in the out columns).
            want = collections.Counter()
            for (pr, sa, sp, da, dp, ip, ib, op, ob, _t) in ref:
                if ip or ib:
                    want[(pr, sa, sp, da, dp, ip, ib)] += 1
                if op or ob:
                    want[(pr, da, dp, sa, sp, op, ob)] += 1
            bflows = load(b_json)
            got = collections.Counter(directions(bflows))
            if not want:
                raise Fail('%s: nfdump read nothing' % what)
            if got != want:
                raise Fail('%s: B and nfdump disagree:\n  only in B: %s\n  only in nfdump: %s\n'
                           'B said:\n%s' % (what, list((got - want).elements())[:5],
                                            list((want - got).elements())[:5], berr))
            bad = [r.get('FLOW_SOURCE') for r in bflows
                   if not str(r.get('FLOW_SOURCE', '')).startswith(prefix[version])]
            if bad:
                raise Fail('%s: FLOW_SOURCE %s' % (what, bad[:3]))
            if ' 0 malformed' not in berr:
                raise Fail('%s: the collector counted malformed input:\n%s' % (what, berr))
            print('ok: %s: %d directional records, %d packets, as nfdump reads them' %
                  (what, sum(want.values()), sum(k[5] * v for k, v in want.items())))


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ('zmq', 'nfdump', 'softflowd'):
        print(__doc__)
        return 2
    what, export, sample, shared = sys.argv[1:]
    if what == 'nfdump':
        need('nfcapd', 'nfdump')
    elif what == 'softflowd':
        need('nfcapd', 'nfdump', 'softflowd', 'softflowctl')
    caps = captures(sample, shared)
    tmp = tempfile.mkdtemp(prefix='ntc-interop-')
    try:
        {'zmq': test_zmq, 'nfdump': test_nfdump, 'softflowd': test_softflowd}[what](export, caps, tmp)
    except Fail as e:
        print('FAIL: %s' % e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
