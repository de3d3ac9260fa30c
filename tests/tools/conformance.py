#!/usr/bin/python3
"""Flow-level and DPI (L7) conformance of ntop-export against ndpiReader (nDPI 4.2) on the
reference captures.

For every capture in --pcaps both tools are run; their flows are matched by an unordered key
(protocol, VLAN, {addr:port, addr:port}) and compared per direction:

  * packet counts must be equal;
  * ndpiReader counts whole captured frames, we count IP bytes (innermost IP header included),
    so per direction  theirs - ours == pkts * k  for a constant per-packet overhead
    0 <= k <= MAX_OVERHEAD (link header, VLAN tags, decapsulated tunnel headers).

Per matched flow the application verdict is compared too (DPI conformance):

  * proto      our L7_PROTO_NAME vs ndpiReader's [proto: ID/NAME] name (a tunnel prefix such as
               "CAPWAP:" before the id is dropped);
  * hostname   our host name (TLS_SERVER_NAME, HTTP_HOST, DHCP_HOST_NAME, HOST_NAME, or for SSH
               SSH_CLIENT_SIGNATURE: whichever the flow has) vs its [Hostname/SNI: ...];
  * dns-query  the same for DNS flows: our DNS_QUERY vs its [Hostname/SNI: ...];
  * url        our HTTP_URL vs its [URL: ...].

A value absent on one side and present on the other is a disagreement; absent on both is not.
A flow agrees on L7 when none of these differ. The L7 agreement is printed per file and in total,
over the flows both tools report, and also over every flow ndpiReader reports (those we do not
report count as disagreeing there).

ICMP/ICMPv6: ndpiReader 4.2 keys them with ports 0, we use the echo identifier for echo
messages, so our ICMP flows are aggregated by (protocol, VLAN, address pair) first.  Flows that
appear more than once under one key in the same tool (split by idle timeouts) are summed.

Every disagreement is a finding, one stable line  FILE<TAB>KIND<TAB>FLOWKEY.  The expectations
file lists the accepted ones, each explained by a '# reason' comment (a comment block applies
to the entries below it up to the next blank line; an inline '# ...' after an entry also
counts).  Flow-level and L7 findings share that file.  The test fails on findings not listed
and on listed entries that no longer occur.

Exit status: 0 pass, 1 fail, 77 skip (captures or ndpiReader absent), 99 harness error.
Standard library only; run with /usr/bin/python3.
"""

import argparse
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
HARD_ERROR = 99
MAX_OVERHEAD = 100
CAPTURE_EXT = ('.pcap', '.pcapng', '.cap')

FLOW_KINDS = ('only-ndpireader', 'only-ours', 'vlan-mismatch', 'pkts-mismatch', 'bytes-mismatch')
L7_KINDS = ('proto', 'hostname', 'dns-query', 'url')
KINDS = FLOW_KINDS + L7_KINDS

# ndpiReader 4.2 printFlow(): "[proto: " [TUNNEL ":"] ID "/" NAME "]", "[Hostname/SNI: %s]",
# "[URL: %s][StatusCode: %u]".
ND_PROTO_RE = re.compile(r'\[proto: (?:[A-Za-z_]+:)?[0-9.]+/([^\]]+)\]')
ND_HOST_RE = re.compile(r'\[Hostname/SNI: (.*?)\]\[')
ND_URL_RE = re.compile(r'\[URL: (.*?)\]\[StatusCode: \d+\]')
# Our record fields carrying the name nDPI read for the flow (at most one is present).  For SSH
# ndpiReader's reader_util.c copies the client banner into the flow's host_server_name, which it
# prints as [Hostname/SNI: ...]; we export it as SSH_CLIENT_SIGNATURE.
OUR_HOST_FIELDS = ('TLS_SERVER_NAME', 'HTTP_HOST', 'DNS_QUERY', 'DHCP_HOST_NAME', 'HOST_NAME',
                   'SSH_CLIENT_SIGNATURE')

# ndpiReader 4.2 ipProto2Name()
PROTO_BY_NAME = {'TCP': 6, 'UDP': 17, 'ICMP': 1, 'ICMPV6': 58, 'IGMP': 2, 'VRRP': 112}
NAME_BY_PROTO = {v: k for k, v in PROTO_BY_NAME.items()}
ICMP_PROTOS = (1, 58)

ADDR = r'(\[[0-9A-Fa-f:.]+\]|[0-9.]+)'
FLOW_RE = re.compile(
    r'^\t\d+\t(?P<proto>\S+) ' + ADDR.replace('(', '(?P<a>', 1) + r':(?P<ap>\d+) (?P<arrow><->|->) '
    + ADDR.replace('(', '(?P<b>', 1) + r':(?P<bp>\d+) '
    r'(?:\[VLAN: (?P<vlan>\d+)\])?'
    r'.*?\[(?P<ap_pkts>\d+) pkts/(?P<ap_bytes>\d+) bytes (?:<->|->) '
    r'(?P<bp_pkts>\d+) pkts/(?P<bp_bytes>\d+) bytes\]')


def die(msg, code=HARD_ERROR):
    print('conformance: ' + msg, file=sys.stderr)
    sys.exit(code)


def norm_addr(text):
    return ipaddress.ip_address(text.strip('[]'))


def ndpi_patch_ipv6(text):
    """ndpiReader's ndpi_patchIPv6Address(): every ':0:' becomes '::' (which can yield text that
    is no longer a valid address, e.g. 2001:db8::1::1 for 2001:db8:0:1::1)."""
    out, i = [], 0
    while i < len(text):
        if text[i:i + 3] == ':0:':
            out.append('::')
            i += 3
        else:
            out.append(text[i])
            i += 1
    return ''.join(out)


class Unparsed(str):
    """An ndpiReader address we could not map back to an address (never matches ours)."""
    version = 9

    def __int__(self):
        return 0


def ep_str(ep):
    addr, port = ep
    return ('[%s]' % addr if addr.version != 4 else str(addr)) + ':%d' % port


def ep_sort_key(ep):
    return (ep[0].version, int(ep[0]), str(ep[0]), ep[1])


def proto_str(p):
    return NAME_BY_PROTO.get(p, str(p))


def key_str(key):
    proto, vlan, eps = key
    a, b = sorted(eps, key=ep_sort_key)
    return '%s vlan=%d %s <-> %s' % (proto_str(proto), vlan, ep_str(a), ep_str(b))


class Flow:
    """Per-direction totals for one key: dirs[(src_ep, dst_ep)] = [pkts, bytes]."""

    def __init__(self, key):
        self.key = key
        self.dirs = {}
        self.first = None       # endpoint the tool lists first (client for us)
        self.records = 0        # records summed into this entry
        self.orient = set()     # first-listed endpoints across records
        self.l7 = []            # one L7 (verdict and names) per record

    def add(self, src, dst, pkts, nbytes):
        d = self.dirs.setdefault((src, dst), [0, 0])
        d[0] += pkts
        d[1] += nbytes

    def get(self, src, dst):
        return self.dirs.get((src, dst), [0, 0])


class L7:
    """Application verdict of one flow record."""
    __slots__ = ('name', 'host', 'url', 'dns')

    def __init__(self, name, host, url, dns):
        self.name, self.host, self.url, self.dns = name, host or '', url or '', dns


def add_record(table, proto, vlan, src, dst, fwd, rev, l7=None):
    if proto in ICMP_PROTOS:
        src, dst = (src[0], 0), (dst[0], 0)
    key = (proto, vlan, frozenset((src, dst)))
    f = table.get(key)
    if f is None:
        f = table[key] = Flow(key)
        f.first = src
    f.records += 1
    f.orient.add(src)
    if l7 is not None:
        f.l7.append(l7)
    f.add(src, dst, *fwd)
    f.add(dst, src, *rev)


def parse_ndpireader(path, our_addrs=()):
    """our_addrs: our IPv6 addresses, to undo ndpi_patchIPv6Address() where it broke one."""
    patched = {ndpi_patch_ipv6(str(a)): a for a in our_addrs if a.version == 6}

    def addr(text):
        try:
            return norm_addr(text)
        except ValueError:
            return patched.get(text.strip('[]')) or Unparsed(text.strip('[]'))

    flows = {}
    with open(path, encoding='utf-8', errors='replace') as fh:
        for line in fh:
            if not re.match(r'^\t\d+\t\S+ [\[0-9]', line):
                continue
            m = FLOW_RE.match(line)
            if not m:
                # JA3/host statistics tables also start with \tN\t; flows always have pkts/bytes.
                if ' pkts/' in line:
                    die('%s: cannot parse ndpiReader flow line: %s' % (path, line.strip()))
                continue
            p = m.group('proto')
            proto = PROTO_BY_NAME.get(p)
            if proto is None:
                if not p.isdigit():
                    die('%s: unknown protocol name %r in: %s' % (path, p, line.strip()))
                proto = int(p)
            a = (addr(m.group('a')), int(m.group('ap')))
            b = (addr(m.group('b')), int(m.group('bp')))
            vlan = int(m.group('vlan') or 0)
            pm = ND_PROTO_RE.search(line)
            if not pm:
                die('%s: no [proto: ...] in ndpiReader flow line: %s' % (path, line.strip()))
            name = pm.group(1)
            hm, um = ND_HOST_RE.search(line), ND_URL_RE.search(line)
            dns = name == 'DNS' or name.startswith('DNS.')
            add_record(flows, proto, vlan, a, b,
                       (int(m.group('ap_pkts')), int(m.group('ap_bytes'))),
                       (int(m.group('bp_pkts')), int(m.group('bp_bytes'))),
                       L7(name, hm and hm.group(1), um and um.group(1), dns))
    return flows


def parse_ours(text, what):
    flows = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            if 'IPV4_SRC_ADDR' in r:
                sa, da = r['IPV4_SRC_ADDR'], r['IPV4_DST_ADDR']
            else:
                sa, da = r['IPV6_SRC_ADDR'], r['IPV6_DST_ADDR']
            src = (norm_addr(sa), int(r['L4_SRC_PORT']))
            dst = (norm_addr(da), int(r['L4_DST_PORT']))
            host = next((r[k] for k in OUR_HOST_FIELDS if r.get(k)), '')
            l7 = L7(r.get('L7_PROTO_NAME', ''), host, r.get('HTTP_URL'), 'DNS_QUERY' in r)
            add_record(flows, int(r['PROTOCOL']), int(r.get('SRC_VLAN', 0)), src, dst,
                       (int(r['IN_PKTS']), int(r['IN_BYTES'])),
                       (int(r['OUT_PKTS']), int(r['OUT_BYTES'])), l7)
        except (ValueError, KeyError, TypeError) as e:
            die('%s: ntop-export output line %d is not a flow record (%s): %s'
                % (what, n, e, line[:200]))
    return flows


def describe(f):
    if f is None:
        return '-'
    a, b = sorted(f.key[2], key=ep_sort_key)
    pa, pb = f.get(a, b), f.get(b, a)
    s = '%s->%s %d pkts/%d B, %s->%s %d pkts/%d B' % (
        ep_str(a), ep_str(b), pa[0], pa[1], ep_str(b), ep_str(a), pb[0], pb[1])
    if f.records > 1:
        s += ' (%d records)' % f.records
    return s


def compare_flow(ours, theirs):
    """Return (kinds, overheads, detail) for a key present in both tools."""
    kinds, ks, notes = [], set(), []
    a, b = sorted(ours.key[2], key=ep_sort_key)
    for src, dst in ((a, b), (b, a)):
        op, ob = ours.get(src, dst)
        tp, tb = theirs.get(src, dst)
        if op != tp:
            if 'pkts-mismatch' not in kinds:
                kinds.append('pkts-mismatch')
            notes.append('%s->%s pkts ours %d ndpiReader %d' % (ep_str(src), ep_str(dst), op, tp))
            continue
        if op == 0:
            if ob or tb:
                kinds.append('bytes-mismatch')
            continue
        diff = tb - ob
        if diff < 0 or diff % op or diff // op > MAX_OVERHEAD:
            if 'bytes-mismatch' not in kinds:
                kinds.append('bytes-mismatch')
            notes.append('%s->%s bytes ours %d ndpiReader %d over %d pkts (%+.2f/pkt)'
                         % (ep_str(src), ep_str(dst), ob, tb, op, diff / op))
        else:
            ks.add(diff // op)
    return kinds, ks, notes


def _values(recs, attr):
    return sorted({getattr(r, attr) for r in recs if getattr(r, attr)})


def _show(vals):
    return ' + '.join(repr(v) for v in vals) if vals else '(none)'


def compare_l7(ours, theirs):
    """Return [(kind, detail)] for the L7 disagreements of a key both tools report.  A key may
    hold several records per tool (idle splits, ICMP aggregation): their sets of values are
    compared."""
    out = []
    on, tn = sorted({r.name for r in ours.l7}), sorted({r.name for r in theirs.l7})
    if on != tn:
        out.append(('proto', 'ours %s | ndpiReader %s' % (_show(on), _show(tn))))
    dns = any(r.dns for r in ours.l7 + theirs.l7)
    oh, th = _values(ours.l7, 'host'), _values(theirs.l7, 'host')
    if oh != th:
        out.append(('dns-query' if dns else 'hostname',
                    'ours %s | ndpiReader %s (ours: %s | ndpiReader: %s)'
                    % (_show(oh), _show(th), '/'.join(on), '/'.join(tn))))
    ou, tu = _values(ours.l7, 'url'), _values(theirs.l7, 'url')
    if ou != tu:
        out.append(('url', 'ours %s | ndpiReader %s' % (_show(ou), _show(tu))))
    return out


def compare_file(name, ours, theirs):
    """Return (findings{line: detail}, stats dict, info list)."""
    findings, info = {}, []
    only_o = set(ours) - set(theirs)
    only_t = set(theirs) - set(ours)
    both = set(ours) & set(theirs)
    stats = {'compared': 0, 'agree': 0, 'overheads': set(), 'orient': 0,
             'l7_compared': 0, 'l7_agree': 0, 'theirs': len(theirs)}

    # Pair leftovers that differ only by VLAN: one finding instead of two.
    pairs = []
    for kt in sorted(only_t, key=key_str):
        cands = [ko for ko in only_o if ko[0] == kt[0] and ko[2] == kt[2]]
        if len(cands) == 1:
            pairs.append((cands[0], kt))
            only_o.discard(cands[0])
            only_t.discard(kt)

    def add(kind, key, detail):
        findings['%s\t%s\t%s' % (name, kind, key_str(key))] = detail

    def add_l7(o, t, key):
        stats['l7_compared'] += 1
        diffs = compare_l7(o, t)
        if not diffs:
            stats['l7_agree'] += 1
        for kind, detail in diffs:
            add(kind, key, detail)

    for key in sorted(both, key=key_str):
        stats['compared'] += 1
        o, t = ours[key], theirs[key]
        add_l7(o, t, key)
        kinds, ks, notes = compare_flow(o, t)
        if not kinds:
            stats['agree'] += 1
            stats['overheads'] |= ks
        for k in kinds:
            add(k, key, 'ours: %s | ndpiReader: %s | %s' % (describe(o), describe(t), '; '.join(notes)))
        if o.first != t.first or len(o.orient) > 1 or len(t.orient) > 1:
            stats['orient'] += 1
            info.append('orientation %s: our client %s, ndpiReader lists %s first'
                        % (key_str(key), '/'.join(ep_str(e) for e in o.orient),
                           '/'.join(ep_str(e) for e in t.orient)))
        if o.records > 1 or t.records > 1:
            info.append('merged %s: %d of our records, %d ndpiReader records'
                        % (key_str(key), o.records, t.records))
    for ko, kt in pairs:
        stats['compared'] += 1
        kinds, _, notes = compare_flow(ours[ko], theirs[kt])
        add_l7(ours[ko], theirs[kt], kt)
        add('vlan-mismatch', kt, 'our SRC_VLAN %d, ndpiReader VLAN %d; ours: %s | ndpiReader: %s%s'
            % (ko[1], kt[1], describe(ours[ko]), describe(theirs[kt]),
               ('; counts also differ: ' + '; '.join(notes)) if kinds else '; counts agree'))
    for key in sorted(only_t, key=key_str):
        stats['compared'] += 1
        add('only-ndpireader', key, 'ndpiReader: ' + describe(theirs[key]))
    for key in sorted(only_o, key=key_str):
        stats['compared'] += 1
        add('only-ours', key, 'ours: ' + describe(ours[key]))
    return findings, stats, info


def l7_summary(st):
    """L7 agreement over the flows both tools report, and over every flow ndpiReader reports
    (its flows we do not report count as disagreeing there)."""
    n, ok, theirs = st['l7_compared'], st['l7_agree'], st['theirs']
    return ('flows compared %d, agreeing %d, %.2f%%; of the %d flows ndpiReader reports %.2f%%'
            % (n, ok, 100.0 * ok / n if n else 100.0, theirs,
               100.0 * ok / theirs if theirs else 100.0))


def load_expectations(path):
    """Return {line: reason}; every entry needs a '# reason' (block above or inline)."""
    entries, problems = {}, []
    reason = None
    with open(path, encoding='utf-8') as fh:
        for n, raw in enumerate(fh, 1):
            line = raw.rstrip('\n')
            if not line.strip():
                reason = None
                continue
            if line.lstrip().startswith('#'):
                text = line.lstrip()[1:].strip()
                reason = text if reason is None else reason + ' ' + text
                continue
            entry, _, inline = line.partition('#')
            entry = entry.rstrip()
            fields = entry.split('\t')
            if len(fields) != 3 or fields[1] not in KINDS:
                problems.append('%s:%d: not FILE<TAB>KIND<TAB>FLOWKEY: %r' % (path, n, line))
                continue
            why = inline.strip() or reason
            if not why:
                problems.append('%s:%d: entry without a # reason: %s' % (path, n, entry))
            if entry in entries:
                problems.append('%s:%d: duplicate entry: %s' % (path, n, entry))
            entries[entry] = why
    return entries, problems


def find_ndpireader(explicit):
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which('ndpiReader') or (
        '/usr/bin/ndpiReader' if os.access('/usr/bin/ndpiReader', os.X_OK) else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--ntop-export', required=True)
    ap.add_argument('--pcaps', required=True)
    ap.add_argument('--expect', required=True)
    ap.add_argument('--ndpireader', help='ndpiReader binary (default: from PATH)')
    ap.add_argument('--only', action='append', default=[], help='only this capture (repeatable)')
    ap.add_argument('--verbose', '-v', action='store_true', help='print info lines and details')
    ap.add_argument('--keep', metavar='DIR', help='keep both tools\' outputs in DIR')
    args = ap.parse_args()

    pcaps = os.path.abspath(args.pcaps)
    if not os.path.isdir(pcaps):
        print('SKIP: reference captures not found at %s (see DESIGN: ../shared/pcaps)' % pcaps)
        return SKIP
    files = sorted(f for f in os.listdir(pcaps) if f.endswith(CAPTURE_EXT)
                   and os.path.isfile(os.path.join(pcaps, f)))
    if not files:
        print('SKIP: no capture files in %s' % pcaps)
        return SKIP
    ndpi = find_ndpireader(args.ndpireader)
    if not ndpi:
        print('SKIP: ndpiReader not found (install Debian package libndpi-bin, nDPI 4.2)')
        return SKIP
    if not os.access(args.ntop_export, os.X_OK):
        die('ntop-export not executable: %s' % args.ntop_export)
    if args.only:
        missing = [f for f in args.only if f not in files]
        if missing:
            die('--only: not in %s: %s' % (pcaps, ', '.join(missing)))
        files = [f for f in files if f in args.only]

    expected, problems = load_expectations(args.expect)
    if problems:
        print('\n'.join(problems))
        print('FAIL: malformed expectations file %s' % args.expect)
        return 1

    workdir = args.keep or tempfile.mkdtemp(prefix='ntc-conformance-')
    os.makedirs(workdir, exist_ok=True)
    env = dict(os.environ, LC_ALL='C')
    all_findings = {}
    tot = {'compared': 0, 'agree': 0, 'l7_compared': 0, 'l7_agree': 0, 'theirs': 0}
    rows = []
    try:
        for name in files:
            path = os.path.join(pcaps, name)
            nd_out = os.path.join(workdir, name + '.ndpiReader.txt')
            r = subprocess.run([ndpi, '-q', '-t', '-v', '2', '-i', path, '-w', nd_out],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                               timeout=300)
            if r.returncode != 0 or not os.path.exists(nd_out):
                die('ndpiReader failed on %s (exit %d): %s'
                    % (name, r.returncode, r.stderr.decode(errors='replace')[-500:]))
            r = subprocess.run([args.ntop_export, '-r', path, '-q'], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, timeout=300)
            if r.returncode != 0:
                die('ntop-export failed on %s (exit %d): %s'
                    % (name, r.returncode, r.stderr.decode(errors='replace')[-500:]))
            text = r.stdout.decode('utf-8')
            if args.keep:
                with open(os.path.join(workdir, name + '.ntop-export.jsonl'), 'w') as fh:
                    fh.write(text)
            ours = parse_ours(text, name)
            theirs = parse_ndpireader(nd_out, {ep[0] for k in ours for ep in k[2]})
            findings, st, info = compare_file(name, ours, theirs)
            all_findings.update(findings)
            for k in tot:
                tot[k] += st[k]
            pct = 100.0 * st['agree'] / st['compared'] if st['compared'] else 100.0
            ks = ','.join(str(k) for k in sorted(st['overheads'])) or '-'
            rows.append(name)
            print('%-28s flows %5d  agreeing %5d  %6.2f%%  findings %3d  orientation-differs %3d'
                  '  overhead/pkt %s' % (name, st['compared'], st['agree'], pct, len(findings),
                                         st['orient'], ks))
            print('%-28s L7: %s' % ('', l7_summary(st)))
            if args.verbose:
                for i in info:
                    print('    info: ' + i)
                for line, detail in sorted(findings.items()):
                    print('    %s\n        %s' % (line.replace('\t', '  '), detail))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    pct = 100.0 * tot['agree'] / tot['compared'] if tot['compared'] else 100.0
    print('TOTAL %d files: flows compared %d, agreeing %d, agreement %.2f%%, findings %d'
          % (len(rows), tot['compared'], tot['agree'], pct, len(all_findings)))
    print('TOTAL L7: %s' % l7_summary(tot))

    in_scope = {e: w for e, w in expected.items() if e.split('\t', 1)[0] in files}
    new = sorted(set(all_findings) - set(in_scope))
    stale = sorted(set(in_scope) - set(all_findings))
    accepted = len(set(all_findings) & set(in_scope))
    print('expected findings: %d accepted, %d new, %d stale' % (accepted, len(new), len(stale)))
    if new:
        print('\nNEW findings (not in %s) — investigate; add with a # reason only if ntop-export'
              ' is right:' % args.expect)
        for line in new:
            print('+' + line)
            print('#   ' + all_findings[line])
    if stale:
        print('\nSTALE expectations (no longer occur; remove them from %s):' % args.expect)
        for line in stale:
            print('-' + line)
    if new or stale:
        print('FAIL')
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
