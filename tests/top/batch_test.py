#!/usr/bin/python3
"""ntop-top -b --json on the project's sample capture, checked field by field against what
ntop-export prints for the same capture and settings: every flow (addresses, ports, VLAN,
application, packets and bytes each way), every host (bytes and packets each way), the
application table (flows, bytes, percentages). Long idle timeouts keep every flow and host in the
tables to the end, so the final frame holds them all. Then the batch contract (frames, -d in
packet time, text frames, usage errors), and, when ../shared/pcaps/teams.pcap exists, the
applications of a real capture.
Usage: batch_test.py NTOP_TOP NTOP_EXPORT SAMPLE_PCAP SHARED_PCAPS_DIR"""
import json
import os
import subprocess
import sys

top, export, sample, pcaps = sys.argv[1:5]
KEEP = ['--set', 'flow.idle_timeout=3600', '--set', 'flow.closed_idle_timeout=3600',
        '--set', 'host.local_idle_timeout=3600', '--set', 'host.remote_idle_timeout=3600',
        '-m', '192.168.1.0/24']
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print('FAIL:', what)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


def jsonl(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def fkey(f):
    src = f.get('IPV4_SRC_ADDR') or f.get('IPV6_SRC_ADDR')
    dst = f.get('IPV4_DST_ADDR') or f.get('IPV6_DST_ADDR')
    return (src, f['L4_SRC_PORT'], dst, f['L4_DST_PORT'], f['PROTOCOL'], f.get('SRC_VLAN', 0))


r = run([top, '-b', '--json', '-n', '1', '-r', sample] + KEEP)
check(r.returncode == 0, 'ntop-top exit %d: %s' % (r.returncode, r.stderr))
frames = jsonl(r.stdout)
check(len(frames) == 1, '-n 1: one frame, got %d' % len(frames))
fr = frames[-1]
ex = run([export, '-q', '-r', sample] + KEEP)
flows = {fkey(f): f for f in jsonl(ex.stdout)}
exh = {(h['IP_ADDR'], h.get('VLAN', 0)): h for h in jsonl(run([export, '-q', '--what', 'hosts', '-r', sample] + KEEP).stdout)}
exa = {a['L7_PROTO_NAME']: a for a in jsonl(run([export, '-q', '--what', 'apps', '-r', sample] + KEEP).stdout)}

# Header.
check(fr['FRAME'] == 1 and fr['LIVE'] is False, 'frame number / LIVE')
check(fr['PACKETS'] == 82, 'PACKETS %s != 82' % fr['PACKETS'])
check(fr['FLOWS_ACTIVE'] == len(flows) == len(fr['FLOWS']), 'flows: top %d/%d, export %d' % (
    fr['FLOWS_ACTIVE'], len(fr['FLOWS']), len(flows)))
check(fr['HOSTS_ACTIVE'] == len(exh) == len(fr['HOSTS']), 'hosts: top %d, export %d' % (fr['HOSTS_ACTIVE'], len(exh)))
check(abs(fr['UPTIME_S'] - 150.0) < 1.5, 'UPTIME_S %s' % fr['UPTIME_S'])

# Flows, field by field. A flow whose inspection is still pending at the end of the input is
# Unknown on screen (ntop-export's final flush completes it), so its application is not compared.
for f in fr['FLOWS']:
    k = fkey(f)
    e = flows.get(k)
    check(e is not None, 'flow %s not in ntop-export' % (k,))
    if not e:
        continue
    for fld in ('IN_PKTS', 'IN_BYTES', 'OUT_PKTS', 'OUT_BYTES'):
        check(f[fld] == e[fld], 'flow %s %s: %s != %s' % (k, fld, f[fld], e[fld]))
    check(f['BYTES'] == e['IN_BYTES'] + e['OUT_BYTES'], 'flow %s BYTES' % (k,))
    if f['L7_DETECTION'] != 'pending':
        check(f['L7_PROTO_NAME'] == e['L7_PROTO_NAME'], 'flow %s app %s != %s' % (k, f['L7_PROTO_NAME'], e['L7_PROTO_NAME']))
    for meta in ('TLS_SERVER_NAME', 'DNS_QUERY'):
        if meta in e:
            check(e[meta] in f['INFO'], 'flow %s INFO %r lacks %s %r' % (k, f['INFO'], meta, e[meta]))
    if 'HTTP_URL' in e:
        check(f['INFO'].endswith(e['HTTP_URL']), 'flow %s INFO %r lacks HTTP_URL' % (k, f['INFO']))
# What a person sees on the sample: the applications of its conversations.
apps = sorted(f['L7_PROTO_NAME'] for f in fr['FLOWS'])
for want in ('TLS.ntop', 'HTTP', 'ICMP', 'NTP', 'DNS.Google', 'DNS.ntop'):
    check(want in apps, 'flow application %s missing (%s)' % (want, apps))
check(sum(1 for f in fr['FLOWS'] if 'IPV6_SRC_ADDR' in f) >= 2, 'IPv6 flows')
check(any(f['SRC_VLAN'] == 10 and f['L4_DST_PORT'] == 22 for f in fr['FLOWS']), 'SSH flow in VLAN 10')
tls = [f for f in fr['FLOWS'] if f['L7_PROTO_NAME'] == 'TLS.ntop']
check(tls and tls[0]['INFO'] == 'www.ntop.org', 'TLS flow INFO is the SNI')
# Sorted by throughput then bytes, descending (the default sort).
keyv = [(f['THROUGHPUT_BPS'], f['BYTES']) for f in fr['FLOWS']]
check(keyv == sorted(keyv, reverse=True), 'flows sorted by throughput, bytes')

# Hosts.
for h in fr['HOSTS']:
    k = (h['IP_ADDR'], h['VLAN'])
    e = exh.get(k)
    check(e is not None, 'host %s not in ntop-export' % (k,))
    if not e:
        continue
    for fld in ('PKTS_SENT', 'BYTES_SENT', 'PKTS_RCVD', 'BYTES_RCVD', 'IS_LOCAL'):
        check(int(h[fld]) == int(e[fld]), 'host %s %s: %s != %s' % (k, fld, h[fld], e[fld]))
    if 'NAME' in e:
        check(h.get('NAME') == e['NAME'], 'host %s NAME %s != %s' % (k, h.get('NAME'), e['NAME']))
check(sum(h['IS_LOCAL'] for h in fr['HOSTS']) == fr['HOSTS_LOCAL'], 'HOSTS_LOCAL')

# Applications: what is classified at the end of the input is counted (pending flows are not
# yet); every row agrees with ntop-export's row, and percentages are of the total.
total = sum(a['BYTES'] for a in fr['APPS'])
check(abs(sum(a['BYTES_PERCENT'] for a in fr['APPS']) - 100.0) < 0.1, 'percentages sum to 100')
pending = {f['L7_PROTO_NAME'] for f in fr['FLOWS'] if f['L7_DETECTION'] == 'pending'}
for a in fr['APPS']:
    e = exa.get(a['L7_PROTO_NAME'])
    check(e is not None, 'app %s not in ntop-export' % a['L7_PROTO_NAME'])
    check(abs(a['BYTES_PERCENT'] - 100.0 * a['BYTES'] / total) < 0.01, 'app %s percent' % a['L7_PROTO_NAME'])
    if e and not pending:
        check(a['BYTES'] == e['IN_BYTES'] + e['OUT_BYTES'] and a['FLOWS'] == e['FLOWS'],
              'app %s bytes/flows %s/%s != %s/%s' % (a['L7_PROTO_NAME'], a['BYTES'], a['FLOWS'],
                                                   e['IN_BYTES'] + e['OUT_BYTES'], e['FLOWS']))
byname = {a['L7_PROTO_NAME']: a for a in fr['APPS']}
check(byname.get('HTTP', {}).get('L7_PROTO_CATEGORY') == 'Web', 'HTTP category Web')
check(byname.get('HTTP', {}).get('FLOWS') == 3, 'HTTP: 3 flows')
check(byname.get('ICMP', {}).get('BYTES') == 672, 'ICMP: 672 bytes')
# With the default timeouts the SSH flow has ended by the last frame: the application row still
# has nDPI's category and breed for it (ntc_engine_app_info), as every classified row does.
r = run([top, '-b', '--json', '-n', '1', '-r', sample])
for a in jsonl(r.stdout)[0]['APPS']:
    if a['L7_PROTO_NAME'] != 'Unknown':
        check(a.get('L7_PROTO_CATEGORY') and a.get('L7_PROTO_BREED'),
              'app %s has a category and a breed: %s' % (a['L7_PROTO_NAME'], a))
ssh = {a['L7_PROTO_NAME']: a for a in jsonl(r.stdout)[0]['APPS']}.get('SSH', {})
check(ssh.get('L7_PROTO_CATEGORY') == 'RemoteAccess' and ssh.get('L7_PROTO_BREED') == 'Acceptable',
      'SSH (its flow ended): RemoteAccess, Acceptable: %s' % ssh)
check([a['BYTES'] for a in fr['APPS']] == sorted((a['BYTES'] for a in fr['APPS']), reverse=True),
      'apps sorted by bytes')

# Default timeouts: the final frame holds only what is still active; the same every run.
r1 = run([top, '-b', '--json', '-n', '1', '-r', sample])
r2 = run([top, '-b', '--json', '-n', '1', '-r', sample])
check(r1.stdout == r2.stdout and r1.stdout, 'batch output is deterministic')
check(jsonl(r1.stdout)[0]['FLOWS_ACTIVE'] == 2, 'default timeouts: 2 flows active at the end')

# -d in packet time: 150 s of capture, a frame every 60 s, the last at the end: 3 frames.
r = run([top, '-b', '--json', '-d', '60', '-r', sample] + KEEP)
fs = jsonl(r.stdout)
check([f['FRAME'] for f in fs] == [1, 2, 3], '-d 60: frames %s' % [f['FRAME'] for f in fs])
check(len(fs) == 3 and fs[0]['TIME'] < fs[1]['TIME'] < fs[2]['TIME'], 'frame times increase')
check(len(fs) == 3 and fs[-1] == {**fr, 'FRAME': 3}, 'the last frame is the end-of-input frame')
r = run([top, '-b', '--json', '-d', '60', '-n', '2', '-r', sample] + KEEP)
check(len(jsonl(r.stdout)) == 2, '-n 2 -d 60: two frames')

# Text frames: header and the three tables, one row per flow/host/app.
r = run([top, '-b', '-n', '1', '-r', sample] + KEEP)
t = r.stdout
check(r.returncode == 0 and '--- frame 1' in t and 'FLOWS (%d)' % len(flows) in t and
      'HOSTS (%d)' % len(exh) in t and 'APPLICATIONS (' in t, 'text frame sections')
check('www.ntop.org' in t and 'TLS.ntop' in t and 'GET example.com/' in t, 'text frame rows')

# Usage and runtime errors.
check(run([top, '-b', '-n', 'x', '-r', sample]).returncode == 2, '-n x: exit 2')
check(run([top, '--json', '-r', sample]).returncode == 2, '--json without -b: exit 2')
check(run([top, '-b']).returncode == 2, 'no source: exit 2')
check(run([top, '-b', '--speed', '-1', '-r', sample]).returncode == 2, '--speed -1: exit 2')
r = run([top, '-b', '-r', '/nonexistent.pcap'])
check(r.returncode == 1 and '/nonexistent.pcap' in r.stderr, 'missing file: exit 1 naming it')
r = run([top, '-r', sample], stdin=subprocess.DEVNULL)
check(r.returncode == 1 and '-b' in r.stderr, 'no terminal: exit 1 suggesting -b')

# Paced replay: 150 s of capture at 100x takes about 1.5 s.
import time
t0 = time.monotonic()
r = run([top, '-b', '--json', '-d', '0.5', '--speed', '100', '-r', sample] + KEEP)
took = time.monotonic() - t0
fs = jsonl(r.stdout)
check(r.returncode == 0 and 1.2 < took < 6, '--speed 100 took %.2f s' % took)
check(len(fs) >= 3 and fs[-1]['PACKETS'] == 82, 'paced frames: %d, last %s packets' % (
    len(fs), fs[-1]['PACKETS'] if fs else None))
check(len(fs) >= 3 and fs[0]['PACKETS'] < 82, 'paced: early frames show part of the capture')

# A real capture: known applications appear.
teams = os.path.join(pcaps, 'teams.pcap')
if os.path.exists(teams):
    r = run([top, '-b', '--json', '-n', '1', '-r', teams] + KEEP[:4])
    fr = jsonl(r.stdout)[-1]
    names = {a['L7_PROTO_NAME'] for a in fr['APPS']}
    fl = {f['L7_PROTO_NAME'] for f in fr['FLOWS']}
    print('teams.pcap apps:', sorted(names))
    check('Teams' in names or any('Teams' in n for n in fl), 'teams.pcap: Teams')
    check(any(n in names for n in ('TLS', 'DNS', 'STUN', 'Microsoft', 'Skype_Teams')), 'teams.pcap: usual apps')
    ex = {fkey(f): f for f in jsonl(run([export, '-q', '-r', teams] + KEEP[:4]).stdout)}
    for f in fr['FLOWS']:
        e = ex.get(fkey(f))
        check(e is not None and e['IN_BYTES'] == f['IN_BYTES'] and e['OUT_BYTES'] == f['OUT_BYTES'],
              'teams flow %s bytes' % (fkey(f),))
else:
    print('note: %s absent, real-capture check skipped' % teams)

if failures:
    print('%d failures' % len(failures))
    sys.exit(1)
print('PASS')
