#!/usr/bin/python3
"""alert.syslog against a real syslog daemon: Debian's rsyslogd, started here with a temporary
configuration that listens only on loopback (UDP 127.0.0.1) and on a unix socket in a temporary
directory, parses RFC 5424 and writes every field it parsed to a file.

ntop-export reads a capture crafted here (a SYN flood: two engaged alerts, two released) twice,
sending its alerts once over UDP and once over the unix socket; every alert it prints (--what
alerts) must arrive exactly once, and rsyslog must read back: facility and severity (PRI), host
name, APP-NAME ntopcore, PROCID, MSGID = the alert type, the timestamp = the alert's packet time,
the structured data, and MSG = the description.

Usage: syslog_rsyslog.py NTOP_EXPORT
Exit status: 0 pass, 1 fail, 77 skip (rsyslogd not installed: Debian package rsyslog).
"""
import datetime
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SKIP = 77
RSYSLOGD = shutil.which('rsyslogd') or ('/usr/sbin/rsyslogd'
                                         if os.access('/usr/sbin/rsyslogd', os.X_OK) else None)
T0 = 1700000100  # a whole number of flood windows (3 s)


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_syn(src, dst, sport, dport):
    tcp = struct.pack('!HHIIBBHHH', sport, dport, 1000, 0, 5 << 4, 0x02, 65535, 0, 0)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return b'\x02\x00\x00\x00\x00\x02' + b'\x02\x00\x00\x00\x00\x01' + b'\x08\x00' + ip + tcp


def write_pcap(path):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        pkts = [(T0 * 10**6 + 100000 + i * 20000, tcp_syn('10.0.0.1', '10.0.0.2', 40000 + i, 80))
                for i in range(60)]
        pkts.append(((T0 + 10) * 10**6, tcp_syn('10.0.0.3', '10.0.0.4', 40000, 81)))
        for ts, frame in pkts:
            f.write(struct.pack('<IIII', ts // 10**6, ts % 10**6, len(frame), len(frame)) + frame)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


FIELDS = ('pri', 'facility', 'severity', 'hostname', 'app', 'procid', 'msgid', 'time', 'sd', 'msg')
TEMPLATE = '\\t'.join(['%pri%', '%syslogfacility%', '%syslogseverity%', '%hostname%',
                       '%app-name%', '%procid%', '%msgid%', '%timereported:::date-rfc3339%',
                       '%structured-data%', '%msg%'])


def main():
    if len(sys.argv) != 2:
        print('usage: syslog_rsyslog.py NTOP_EXPORT', file=sys.stderr)
        return 2
    ntop_export = sys.argv[1]
    if not RSYSLOGD:
        print('SKIP: rsyslogd not found (Debian package rsyslog)')
        return SKIP
    d = tempfile.mkdtemp(prefix='ntc-alert-rsyslog-')
    proc = None
    try:
        port = free_udp_port()
        sock = os.path.join(d, 'log.sock')
        conf = os.path.join(d, 'rsyslog.conf')
        with open(conf, 'w') as f:
            f.write('''global(workDirectory="{d}")
module(load="imudp")
module(load="imuxsock" SysSock.Use="off")
template(name="fields" type="string" string="{t}\\n")
ruleset(name="udp") {{ action(type="omfile" file="{d}/udp.txt" template="fields") }}
ruleset(name="unix") {{ action(type="omfile" file="{d}/unix.txt" template="fields") }}
input(type="imudp" address="127.0.0.1" port="{p}" ruleset="udp")
input(type="imuxsock" Socket="{s}" UseSpecialParser="off" ParseHostname="on"
      IgnoreTimestamp="off" ruleset="unix")
'''.format(d=d, t=TEMPLATE, p=port, s=sock))
        proc = subprocess.Popen([RSYSLOGD, '-n', '-f', conf, '-i', os.path.join(d, 'pid')],
                                stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, 'err'), 'w'))
        for _ in range(100):
            if os.path.exists(sock) or proc.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(sock):
            print('FAIL: rsyslogd did not start: ' + open(os.path.join(d, 'err')).read()[-500:])
            return 1
        time.sleep(0.3)  # imudp starts with imuxsock; give it a moment
        pcap = os.path.join(d, 'flood.pcap')
        write_pcap(pcap)
        host = socket.gethostname()
        failures = []
        for kind, target in (('udp', 'udp:127.0.0.1:%d' % port), ('unix', 'unix:' + sock)):
            r = subprocess.run([ntop_export, '-q', '-r', pcap, '--what', 'alerts',
                                '--set', 'alert.syslog=' + target,
                                '--set', 'alert.syslog_facility=16'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            if r.returncode != 0:
                failures.append('%s: ntop-export failed: %s' % (kind, r.stderr.decode()[-300:]))
                continue
            alerts = [json.loads(x) for x in r.stdout.decode().splitlines() if x.strip()]
            if [a['ALERT_TYPE'] + '/' + a['STATE'] for a in alerts] != [
                    'syn_flood_attacker/engaged', 'syn_flood_victim/engaged',
                    'syn_flood_attacker/released', 'syn_flood_victim/released']:
                failures.append('%s: unexpected alerts: %s' % (kind, alerts))
                continue
            out = os.path.join(d, kind + '.txt')
            lines = []
            for _ in range(100):
                if os.path.exists(out):
                    lines = [x for x in open(out, encoding='utf-8').read().split('\n') if x]
                if len(lines) >= len(alerts):
                    break
                time.sleep(0.05)
            time.sleep(0.2)
            lines = [x for x in open(out, encoding='utf-8').read().split('\n') if x] \
                if os.path.exists(out) else []
            if len(lines) != len(alerts):
                failures.append('%s: rsyslog logged %d messages for %d alerts' %
                                (kind, len(lines), len(alerts)))
                continue
            for a, line in zip(alerts, lines):
                got = dict(zip(FIELDS, line.split('\t')))
                when = datetime.datetime.fromisoformat(got['time'].replace('Z', '+00:00'))
                want_sd = ('[ntopcore@35632 id="%d" state="%s" severity="%s" entity="%s" '
                           'entity_id="%s"]' % (a['ALERT_ID'], a['STATE'], a['SEVERITY'],
                                                a['ENTITY'], a['ENTITY_ID']))
                checks = [('pri', got['pri'], '131'), ('facility', got['facility'], '16'),
                          ('severity', got['severity'], '3'), ('hostname', got['hostname'], host),
                          ('app', got['app'], 'ntopcore'), ('msgid', got['msgid'], a['ALERT_TYPE']),
                          ('time', when.timestamp(), float(a['ALERT_TIME'])),
                          ('sd', got['sd'], want_sd),
                          ('msg', got['msg'].strip(), a['DESCRIPTION'])]
                if not got['procid'].isdigit():
                    failures.append('%s: PROCID %r' % (kind, got['procid']))
                for what, g, w in checks:
                    if g != w:
                        failures.append('%s alert %d: %s is %r, expected %r' %
                                        (kind, a['ALERT_ID'], what, g, w))
            print('%s: %d alerts received and parsed by rsyslogd' % (kind, len(lines)))
        if failures:
            print('\n'.join('FAIL: ' + f for f in failures))
            return 1
        print('PASS')
        return 0
    finally:
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
