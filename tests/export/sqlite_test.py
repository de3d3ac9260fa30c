#!/usr/bin/python3
"""sqlite: outputs, read back with Python's sqlite3 module.

  sqlite_test.py NTOP_EXPORT EXPORT_WRITER SAMPLE_PCAP SHARED_PCAPS_DIR

- rows: for the sample capture (and a few of ../shared/pcaps when present) the flows, hosts,
  applications and categories tables hold exactly the records ntop-export writes as JSON lines,
  field for field (a field a record lacks is NULL);
- kill -9: a writer flushing every 50 flows is killed with SIGKILL at random moments,
  continuing on one database and on fresh ones: every database passes
  PRAGMA integrity_check and holds a gap-free run of flows that includes every flow the writer
  had seen acknowledged (at most the batch in flight is missing);
- retention by age (retention_s) keeps exactly the flows within the window before the newest;
- retention by size (max_mb) keeps the file within the limit and keeps the newest flows.
"""
import atexit
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

EXPORT, WRITER, SAMPLE, PCAPS = sys.argv[1:5]
BASE_MS = 1700000000000
fails = 0


def check(cond, what):
    global fails
    if cond:
        print('ok   - ' + what)
    else:
        fails += 1
        print('FAIL - ' + what)
    return cond


def rows(db, table):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    out = [{k: r[k] for k in r.keys() if r[k] is not None} for r in con.execute('SELECT * FROM ' + table)]
    con.close()
    return out


def canon(rec):
    """A record in a form both outputs agree on: numbers as floats (SQLite REAL columns read back
    as 840.0 where JSON says 840), JSON-valued fields (APPS, FIRST_PKTS_*) parsed."""
    r = {}
    for k, v in rec.items():
        if isinstance(v, str) and v[:1] in '[{':
            try:
                v = json.loads(v)
            except ValueError:
                pass
        if isinstance(v, (int, float)):
            v = float(v)
        r[k] = v
    return json.dumps(r, sort_keys=True)


tmp = tempfile.mkdtemp(prefix='ntc-sqlite-test.',
                       dir='/dev/shm' if os.access('/dev/shm', os.W_OK) else None)
atexit.register(shutil.rmtree, tmp, True)

# ---- rows equal the exported records ----
captures = [SAMPLE] + [os.path.join(PCAPS, p) for p in ('teams.pcap', 'http_ipv6.pcap')
                       if os.path.exists(os.path.join(PCAPS, p))]
def kind_of(rec):
    """The record kind of a JSON line written with --what flows,hosts,apps,categories."""
    if 'L7_PROTO_CATEGORY_ID' in rec:
        return 'categories'
    if 'BYTES_PERCENT' in rec:
        return 'applications'
    return 'hosts' if 'IP_ADDR' in rec else 'flows'


for cap in captures:
    name = os.path.basename(cap)
    db = os.path.join(tmp, name + '.db')
    jl = os.path.join(tmp, name + '.json')
    # One run, two outputs: every record goes to both.
    r = subprocess.run([EXPORT, '-q', '-r', cap, '-m', '192.168.0.0/16,10.0.0.0/8',
                        '--what', 'flows,hosts,apps,categories', '-o', 'sqlite:' + db,
                        '-o', 'jsonl:' + jl], capture_output=True, text=True)
    if not check(r.returncode == 0, '%s: ntop-export -o sqlite: -o jsonl: exit 0 (%s)' % (name, r.stderr.strip())):
        continue
    by_kind = {}
    for line in open(jl):
        rec = json.loads(line)
        by_kind.setdefault(kind_of(rec), []).append(canon(rec))
    for table in ('flows', 'hosts', 'applications', 'categories'):
        want = sorted(by_kind.get(table, []))
        got = sorted(canon(x) for x in rows(db, table))
        same = want == got
        check(same and len(want) > 0, '%s: table %s equals the JSON lines (%d records)' % (
            name, table, len(want)))
        if not same:
            print('       only in JSON:', [w for w in want if w not in got][:2])
            print('       only in SQLite:', [g for g in got if g not in want][:2])
    con = sqlite3.connect(db)
    check(con.execute('PRAGMA journal_mode').fetchone()[0] == 'wal', '%s: WAL journal' % name)
    idx = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    check({'flows_FIRST_SWITCHED', 'flows_IPV4_SRC_ADDR', 'flows_L7_PROTO_NAME'} <= idx,
          '%s: indexes on time, addresses and application' % name)
    con.close()


# ---- SIGTERM flushes every output ----
# The sample capture (150 s of packet time) replayed at its recorded pace: SIGTERM after 1.5 s
# ends the capture; the flows open then are ended and must reach both outputs before the exit.
db, jl = os.path.join(tmp, 'term.db'), os.path.join(tmp, 'term.json')
p = subprocess.Popen([EXPORT, '-q', '-r', SAMPLE, '--set', 'capture.replay_speed=100',
                      '-o', 'sqlite:' + db, '-o', 'jsonl:' + jl], stderr=subprocess.PIPE, text=True)
time.sleep(1.5)
t_term = time.time()
p.send_signal(signal.SIGTERM)
try:
    err = p.communicate(timeout=20)[1]
except subprocess.TimeoutExpired:
    p.kill()
    err = p.communicate()[1]
took = time.time() - t_term
n_json = sum(1 for _ in open(jl)) if os.path.exists(jl) else -1
ok, n_db = 'missing', -1
if os.path.exists(db):
    con = sqlite3.connect(db)
    ok = con.execute('PRAGMA integrity_check').fetchone()[0]
    n_db = con.execute('SELECT count(*) FROM flows').fetchone()[0]
    con.close()
check(p.returncode == 0 and took < 10 and ok == 'ok' and 0 < n_json == n_db < 13,
      'SIGTERM mid-replay: exit %s after %.1f s, %d flows in JSON lines = %d in SQLite (of 13 in the '
      'whole capture), integrity %s %s' % (p.returncode, took, n_json, n_db, ok, err.strip()[:200]))

# ---- kill -9 ----
def seqs(db, step_ms=1):
    con = sqlite3.connect(db)
    ok = con.execute('PRAGMA integrity_check').fetchone()[0]
    s = sorted((r[0] - BASE_MS) // step_ms for r in con.execute('SELECT FLOW_START_MILLISECONDS FROM flows'))
    con.close()
    return ok, s


def killed_run(db, first, rnd):
    p = subprocess.Popen([WRITER, '-f', str(first), '-n', '1000000', '-b', '50', '-a',
                          'sqlite:%s?batch=50' % db], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first_line = p.stdout.readline().decode()  # the writer is up and has committed once
    time.sleep(rnd.uniform(0.05, 0.6))
    os.kill(p.pid, signal.SIGKILL)
    out = first_line + p.communicate()[0].decode()
    acked = [int(l.split()[1]) for l in out.splitlines() if l.startswith('acked ')]
    return acked[-1] if acked else first


rnd = random.Random(7)
shared = os.path.join(tmp, 'kill-shared.db')
total_ok = True
for k in range(6):
    # Even rounds continue on one database (recovering what the last kill left), odd ones start fresh.
    db = shared if k % 2 == 0 else os.path.join(tmp, 'kill-%d.db' % k)
    first = 0
    if os.path.exists(db):
        ok, s = seqs(db)
        first = len(s)
    acked = killed_run(db, first, rnd)
    ok, s = seqs(db)
    contiguous = s == list(range(len(s)))
    good = ok == 'ok' and contiguous and acked <= len(s) <= acked + 50 and acked > first
    total_ok &= good
    check(good, 'kill -9 #%d: integrity %s, %d flows in a gap-free run, %d acknowledged before the kill'
          % (k + 1, ok, len(s), acked))

# ---- retention by age: flows 3.6 s apart over 5 h, keep one hour before the newest ----
db = os.path.join(tmp, 'age.db')
r = subprocess.run([WRITER, '-n', '5000', '-b', '500', '-s', '3600', 'sqlite:%s?retention_s=3600' % db],
                   capture_output=True, text=True)
check(r.returncode == 0, 'retention_s writer exit 0')
last = [(BASE_MS + i * 3600) // 1000 for i in range(5000)]
want = [i for i in range(5000) if last[i] >= last[-1] - 3600]
ok, s = seqs(db, 3600)
check(ok == 'ok' and s == want, 'retention_s=3600: %d flows kept, want exactly %d (the last hour)' % (len(s), len(want)))

# ---- retention by size ----
db = os.path.join(tmp, 'size.db')
r = subprocess.run([WRITER, '-n', '12000', '-b', '1000', 'sqlite:%s?max_mb=1' % db],
                   capture_output=True, text=True)
check(r.returncode == 0, 'max_mb writer exit 0')
ok, s = seqs(db)
size = os.path.getsize(db)
check(ok == 'ok' and size <= 1.1e6 and s and s[-1] == 11999 and s == list(range(s[0], 12000))
      and len(s) < 12000,
      'max_mb=1: file %d bytes, newest %d flows kept (of 12000), gap-free' % (size, len(s)))

print('%d failed' % fails)
sys.exit(1 if fails else 0)
