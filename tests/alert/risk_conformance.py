#!/usr/bin/python3
"""Flow-risk alerts of ntop-export against the risks ndpiReader (nDPI 4.2) prints, per flow, on
the reference captures.

For every capture in --pcaps:
  * ndpiReader -v 2 lists every flow; a flow with risks carries "[Risk: ** A **** B **][Risk
    Score: N]";
  * ntop-export --what alerts (alert.repeat_interval=0, so that no repeat is held back) raises one
    flow_risk alert per flow with risks: L7_PROTO_RISK_NAME (names separated by commas) and
    L7_RISK_SCORE in its details.
Flows are matched as tests/tools/conformance.py matches them (protocol, VLAN, unordered pair of
address:port; ICMP by address pair; records under one key are merged) and compared:

  risk-only-ndpireader  ndpiReader prints risks for the flow, we raised no flow_risk alert
  risk-only-ours        we raised one, ndpiReader prints no risk for the flow
  risk-mismatch         both, with different sets of risk names
  score-mismatch        same risks, different total score

Each finding is one line FILE<TAB>KIND<TAB>FLOWKEY; the expectations file lists the accepted ones,
each with a '# reason' (a comment block applies to the entries below it up to a blank line). The
test fails on findings not listed and on listed ones that no longer occur.

Exit status: 0 pass, 1 fail, 77 skip (captures or ndpiReader absent), 99 harness error.
Standard library only; run with /usr/bin/python3.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import conformance as C  # noqa: E402  (flow line parsing shared with the tools' conformance test)

KINDS = ('risk-only-ndpireader', 'risk-only-ours', 'risk-mismatch', 'score-mismatch')
ND_RISK_RE = re.compile(r'\[Risk: ((?:\*\* .*? \*\*)+)\]\[Risk Score: (\d+)\]')
ND_RISK_NAME_RE = re.compile(r'\*\* (.*?) \*\*')


class Risks:
    def __init__(self):
        self.names = set()
        self.scores = set()
        self.records = 0


def add(table, proto, vlan, src, dst, names, score):
    if proto in C.ICMP_PROTOS:
        src, dst = (src[0], 0), (dst[0], 0)
    key = (proto, vlan, frozenset((src, dst)))
    r = table.setdefault(key, Risks())
    r.names |= set(names)
    r.scores.add(score)
    r.records += 1


def parse_ndpireader(path, our_addrs):
    patched = {C.ndpi_patch_ipv6(str(a)): a for a in our_addrs if a.version == 6}

    def addr(text):
        try:
            return C.norm_addr(text)
        except ValueError:
            return patched.get(text.strip('[]')) or C.Unparsed(text.strip('[]'))

    out = {}
    with open(path, encoding='utf-8', errors='replace') as fh:
        for line in fh:
            if not re.match(r'^\t\d+\t\S+ [\[0-9]', line):
                continue
            m = C.FLOW_RE.match(line)
            if not m:
                continue
            rm = ND_RISK_RE.search(line)
            if not rm:
                continue
            p = m.group('proto')
            proto = C.PROTO_BY_NAME.get(p, int(p) if p.isdigit() else -1)
            a = (addr(m.group('a')), int(m.group('ap')))
            b = (addr(m.group('b')), int(m.group('bp')))
            add(out, proto, int(m.group('vlan') or 0), a, b,
                ND_RISK_NAME_RE.findall(rm.group(1)), int(rm.group(2)))
    return out


def parse_ours(text, what):
    out = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            if r['ALERT_TYPE'] != 'flow_risk':
                continue
            d = r['DETAILS']
            if 'IPV4_SRC_ADDR' in d:
                sa, da = d['IPV4_SRC_ADDR'], d['IPV4_DST_ADDR']
            else:
                sa, da = d['IPV6_SRC_ADDR'], d['IPV6_DST_ADDR']
            add(out, int(d['PROTOCOL']), int(d.get('SRC_VLAN', 0)),
                (C.norm_addr(sa), int(d['L4_SRC_PORT'])), (C.norm_addr(da), int(d['L4_DST_PORT'])),
                d['L7_PROTO_RISK_NAME'].split(','), int(d['L7_RISK_SCORE']))
        except (ValueError, KeyError, TypeError) as e:
            C.die('%s: ntop-export output line %d is not an alert (%s): %s'
                  % (what, n, e, line[:200]))
    return out


def show(r):
    if r is None:
        return '(none)'
    return '%s [score %s]%s' % (', '.join(sorted(r.names)), '/'.join(map(str, sorted(r.scores))),
                                ' (%d records)' % r.records if r.records > 1 else '')


def compare(name, ours, theirs):
    findings = {}
    for key in sorted(set(ours) | set(theirs), key=C.key_str):
        o, t = ours.get(key), theirs.get(key)
        if o is None:
            kind = 'risk-only-ndpireader'
        elif t is None:
            kind = 'risk-only-ours'
        elif o.names != t.names:
            kind = 'risk-mismatch'
        elif o.scores != t.scores:
            kind = 'score-mismatch'
        else:
            continue
        findings['%s\t%s\t%s' % (name, kind, C.key_str(key))] = \
            'ours: %s | ndpiReader: %s' % (show(o), show(t))
    agree = sum(1 for k in set(ours) & set(theirs)
                if ours[k].names == theirs[k].names and ours[k].scores == theirs[k].scores)
    return findings, agree


def load_expectations(path):
    entries, problems, reason = {}, [], None
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
            if not (inline.strip() or reason):
                problems.append('%s:%d: entry without a # reason: %s' % (path, n, entry))
            entries[entry] = inline.strip() or reason
    return entries, problems


def run_one(ndpi, ntop_export, path, workdir, env):
    name = os.path.basename(path)
    nd_out = os.path.join(workdir, name + '.ndpiReader.txt')
    r = subprocess.run([ndpi, '-q', '-t', '-v', '2', '-i', path, '-w', nd_out],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=300)
    if r.returncode != 0 or not os.path.exists(nd_out):
        return name, None, 'ndpiReader failed (exit %d): %s' % (
            r.returncode, r.stderr.decode(errors='replace')[-300:])
    r = subprocess.run([ntop_export, '-q', '-r', path, '--what', 'alerts',
                        '--set', 'alert.repeat_interval=0'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=300)
    if r.returncode != 0:
        return name, None, 'ntop-export failed (exit %d): %s' % (
            r.returncode, r.stderr.decode(errors='replace')[-300:])
    ours = parse_ours(r.stdout.decode('utf-8'), name)
    theirs = parse_ndpireader(nd_out, {ep[0] for k in ours for ep in k[2]})
    return name, (ours, theirs), None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--ntop-export', required=True)
    ap.add_argument('--pcaps', required=True)
    ap.add_argument('--expect', required=True)
    ap.add_argument('--ndpireader')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--verbose', '-v', action='store_true')
    args = ap.parse_args()

    pcaps = os.path.abspath(args.pcaps)
    if not os.path.isdir(pcaps):
        print('SKIP: reference captures not found at %s (see DESIGN: ../shared/pcaps)' % pcaps)
        return C.SKIP
    files = sorted(f for f in os.listdir(pcaps) if f.endswith(C.CAPTURE_EXT))
    ndpi = C.find_ndpireader(args.ndpireader)
    if not files or not ndpi:
        print('SKIP: %s' % ('no captures in ' + pcaps if not files else
                            'ndpiReader not found (Debian package libndpi-bin, nDPI 4.2)'))
        return C.SKIP
    expected, problems = load_expectations(args.expect)
    if problems:
        print('\n'.join(problems))
        return 1
    workdir = tempfile.mkdtemp(prefix='ntc-risk-conformance-')
    env = dict(os.environ, LC_ALL='C')
    findings, flows, agree = {}, 0, 0
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
            jobs = [pool.submit(run_one, ndpi, args.ntop_export, os.path.join(pcaps, f), workdir, env)
                    for f in files]
            for j in jobs:
                name, res, err = j.result()
                if err:
                    C.die('%s: %s' % (name, err))
                ours, theirs = res
                f, ag = compare(name, ours, theirs)
                findings.update(f)
                flows += len(set(ours) | set(theirs))
                agree += ag
                print('%-28s flows with risks: ours %3d, ndpiReader %3d, agreeing %3d, findings %d'
                      % (name, len(ours), len(theirs), ag, len(f)))
                if args.verbose:
                    for line, detail in sorted(f.items()):
                        print('    %s\n        %s' % (line.replace('\t', '  '), detail))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print('TOTAL %d files: %d flows with risks on either side, %d agreeing (%.2f%%), %d findings'
          % (len(files), flows, agree, 100.0 * agree / flows if flows else 100.0, len(findings)))
    new = sorted(set(findings) - set(expected))
    stale = sorted(e for e in set(expected) - set(findings) if e.split('\t')[0] in files)
    for line in new:
        print('+' + line + '\n#   ' + findings[line])
    for line in stale:
        print('-' + line + '   (stale expectation)')
    if new or stale:
        print('FAIL: %d new findings, %d stale expectations (%s)' % (len(new), len(stale),
                                                                      args.expect))
        return 1
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
