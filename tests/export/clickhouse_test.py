#!/usr/bin/python3
"""clickhouse: outputs against Debian's clickhouse-server, started here on loopback.

  clickhouse_test.py NTOP_EXPORT EXPORT_WRITER SAMPLE_PCAP SHARED_PCAPS_DIR

The server runs from a temporary directory (its own config, data, logs; ports picked free on
127.0.0.1) and is stopped at the end. Skipped (exit 77) when clickhouse-server is not installed
(scripts/setup.sh installs it).
- rows: ntop-export on the sample capture (and teams.pcap from ../shared/pcaps when present)
  with -o clickhouse: and -o jsonl: — SELECT count() equals the flows exported, and every flow's
  addresses, ports, counters, times and application read back equal its JSON line; hosts and
  application rows land in NAME_hosts / NAME_apps;
- outage: the server is killed (SIGKILL) while a writer pushes 20000 flows and started again: nothing
  crashes, offered = written + dropped, some records were dropped (the queue is small), the sink
  reconnected, and SELECT count() equals what the sink says it wrote.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

EXPORT, WRITER, SAMPLE, PCAPS = sys.argv[1:5]
SERVER = shutil.which('clickhouse-server') or ('/usr/sbin/clickhouse-server'
                                              if os.path.exists('/usr/sbin/clickhouse-server') else None)
if not SERVER:
    print('SKIP: clickhouse-server is not installed (Debian: apt-get install clickhouse-server; '
          'scripts/setup.sh does it)')
    sys.exit(77)

fails = 0


def check(cond, what):
    global fails
    print(('ok   - ' if cond else 'FAIL - ') + what)
    if not cond:
        fails += 1
    return cond


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


tmp = tempfile.mkdtemp(prefix='ntc-clickhouse-test.')
http_port, tcp_port = free_port(), free_port()
CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{d}/server.log</log><errorlog>{d}/err.log</errorlog></logger>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <user_files_path>{d}/user_files/</user_files_path>
  <format_schema_path>{d}/format_schemas/</format_schema_path>
  <users_config>{d}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
""".format(d=tmp, http=http_port, tcp=tcp_port)
USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
"""
open(os.path.join(tmp, 'config.xml'), 'w').write(CONFIG)
open(os.path.join(tmp, 'users.xml'), 'w').write(USERS)
URL = 'http://127.0.0.1:%d/' % http_port
server = None


def start():
    global server
    server = subprocess.Popen([SERVER, '--config-file=' + os.path.join(tmp, 'config.xml')],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(URL + 'ping', timeout=1).read().strip() == b'Ok.':
                return True
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.1)
    return False


def stop(hard=False):
    if server and server.poll() is None:
        if hard:
            server.kill()  # a crash: connections reset, nothing flushed
        else:
            server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def query(sql):
    req = urllib.request.Request(URL, data=sql.encode())
    return urllib.request.urlopen(req, timeout=30).read().decode()


def done(code):
    stop()
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(code)


t0 = time.time()
if not start():
    print('FAIL - clickhouse-server did not answer /ping within 30 s; its log:')
    for f in ('err.log', 'server.log'):
        p = os.path.join(tmp, f)
        if os.path.exists(p):
            print(open(p).read()[-2000:])
    done(1)
print('ok   - clickhouse-server %s up on 127.0.0.1:%d in %.1f s' % (
    query('SELECT version()').strip(), http_port, time.time() - t0))

# ---- rows ----
captures = [SAMPLE] + [os.path.join(PCAPS, 'teams.pcap')] * os.path.exists(os.path.join(PCAPS, 'teams.pcap'))
NUM = ('L4_SRC_PORT', 'L4_DST_PORT', 'PROTOCOL', 'IN_PKTS', 'IN_BYTES', 'OUT_PKTS', 'OUT_BYTES',
       'FLOW_START_MILLISECONDS', 'FLOW_END_MILLISECONDS')
for n, cap in enumerate(captures):
    name = os.path.basename(cap)
    table = 'flows%d' % n
    jl = os.path.join(tmp, 'flows%d.json' % n)
    r = subprocess.run([EXPORT, '-q', '-r', cap, '--what', 'flows,hosts,apps',
                        '-o', 'clickhouse:%s?table=%s' % (URL, table), '-o', 'jsonl:' + jl],
                       capture_output=True, text=True)
    check(r.returncode == 0, '%s: ntop-export -o clickhouse: exit 0 %s' % (name, r.stderr.strip()))
    lines = [json.loads(l) for l in open(jl)]
    flows = [l for l in lines if 'L4_SRC_PORT' in l]
    hosts = [l for l in lines if 'IP_ADDR' in l]
    apps = [l for l in lines if 'BYTES_PERCENT' in l]
    count = int(query('SELECT count() FROM %s' % table))
    check(count == len(flows) > 0, '%s: SELECT count() = %d, %d flows exported' % (name, count, len(flows)))
    got = [json.loads(l) for l in query(
        "SELECT IPv4NumToString(IPV4_SRC_ADDR) AS S4, IPv4NumToString(IPV4_DST_ADDR) AS D4, "
        "IPV6_SRC_ADDR, IPV6_DST_ADDR, toUInt32(FIRST_SWITCHED) AS FS, toUInt32(LAST_SWITCHED) AS LS, "
        "L7_PROTO_NAME, TLS_SERVER_NAME, %s FROM %s FORMAT JSONEachRow" % (', '.join(NUM), table)).splitlines()]

    def key_json(f):
        return json.dumps([f.get('IPV4_SRC_ADDR', '0.0.0.0'), f.get('IPV4_DST_ADDR', '0.0.0.0'),
                           f.get('IPV6_SRC_ADDR', ''), f.get('IPV6_DST_ADDR', ''), f['FIRST_SWITCHED'],
                           f['LAST_SWITCHED'], f.get('L7_PROTO_NAME', ''), f.get('TLS_SERVER_NAME', '')]
                          + [f[k] for k in NUM])

    def key_ch(g):
        return json.dumps([g['S4'], g['D4'], g['IPV6_SRC_ADDR'], g['IPV6_DST_ADDR'], int(g['FS']), int(g['LS']),
                           g['L7_PROTO_NAME'], g['TLS_SERVER_NAME']] + [int(g[k]) for k in NUM])

    want, have = sorted(key_json(f) for f in flows), sorted(key_ch(g) for g in got)
    check(want == have, '%s: every flow reads back equal (addresses, ports, counters, times, application, SNI)' % name)
    if want != have:
        print('       JSON only:', [w for w in want if w not in have][:2])
        print('       ClickHouse only:', [h for h in have if h not in want][:2])
    hc = int(query('SELECT count() FROM %s_hosts' % table))
    ac = int(query('SELECT count() FROM %s_apps' % table))
    check(hc == len(hosts) and ac == len(apps), '%s: %s_hosts has %d rows (%d hosts), %s_apps %d (%d apps)' % (
        name, table, hc, len(hosts), table, ac, len(apps)))

ddl = query('SHOW CREATE TABLE flows0')
check('PARTITION BY toYYYYMMDD(FIRST_SWITCHED)' in ddl and 'DateTime' in ddl and 'UInt32' in ddl,
      'table created with day partitions, DateTime times, numeric IPv4')

# ---- outage: stop the server while a writer pushes, then start it again ----
w = subprocess.Popen([WRITER, '-n', '20000', '-b', '200', '-p', '40',
                      'clickhouse:%s?table=outage&queue=2000&batch=200&flush_ms=50&timeout_ms=2000' % URL],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(1.0)
stop(hard=True)
time.sleep(1.5)
restarted = start()
check(restarted, 'clickhouse-server restarted')
out, err = w.communicate(timeout=120)
check(w.returncode == 0, 'writer survived the outage (exit %d)' % w.returncode)
st = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
dropped = st.get('dropped_full', 0) + st.get('dropped_error', 0)
check(st.get('offered') == 20000 and st.get('written', 0) + dropped == 20000,
      'offered %s = written %s + dropped %d' % (st.get('offered'), st.get('written'), dropped))
check(dropped > 0 and st.get('errors', 0) > 0 and st.get('reconnects', 0) >= 1,
      'the outage shows: %d dropped, %s failed writes, %s reconnects' % (dropped, st.get('errors'), st.get('reconnects')))
count = int(query('SELECT count() FROM outage')) if restarted else -1
# A batch the server stored just before it was killed, whose reply never came, is counted as
# failed by the sink yet is in the table: at most one batch (200 rows) more than written.
w_ = st.get('written', 0)
check(w_ <= count <= w_ + 200,
      'SELECT count() = %d: the records the sink says it wrote (%d), plus at most the one batch '
      'in flight when the server was killed' % (count, w_))
check('retrying' in err, 'the outage was logged: %s' % (err.strip().splitlines() or [''])[0][:160])

print('%d failed' % fails)
done(1 if fails else 0)
