#!/usr/bin/python3
"""es: outputs against a small Elasticsearch bulk endpoint run here (Debian has no Elasticsearch
package, so the test plays the server: it checks what a real one would be sent).

  es_test.py NTOP_EXPORT SAMPLE_PCAP

- the first bulk request is answered 503: the sink retries the same body, which then succeeds;
- every request is POST /_bulk with Content-Type application/x-ndjson, newline-terminated, made
  of action/document pairs;
- each action is {"index":{"_index":NAME}} with NAME the pattern ntop-%Y.%m.%d applied to the
  flow's FIRST_SWITCHED in UTC (hosts: NAME_hosts from FIRST_SEEN);
- each document equals the record ntop-export writes as a JSON line, plus "@timestamp" (the same
  time, ISO 8601 UTC);
- a response with "errors":true drops the batch and says so.
"""
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

EXPORT, SAMPLE = sys.argv[1:3]
fails = 0


def check(cond, what):
    global fails
    print(('ok   - ' if cond else 'FAIL - ') + what)
    if not cond:
        fails += 1
    return cond


class Bulk(BaseHTTPRequestHandler):
    requests = []       # (path, content type, body) of every request
    answer_503 = 1      # answer this many requests with 503 first
    refuse = False      # answer 200 with "errors":true

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode()
        Bulk.requests.append((self.path, self.headers.get('Content-Type'), body))
        if Bulk.answer_503 > 0:
            Bulk.answer_503 -= 1
            code, out = 503, b'{"error":"unavailable"}'
        elif Bulk.refuse:
            code, out = 200, b'{"took":1,"errors":true,"items":[{"index":{"status":400,"error":{"type":"mapper_parsing_exception"}}}]}'
        else:
            code, out = 200, b'{"took":1,"errors":false,"items":[]}'
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


srv = HTTPServer(('127.0.0.1', 0), Bulk)
threading.Thread(target=srv.serve_forever, daemon=True).start()
url = 'http://127.0.0.1:%d/_bulk?index=ntop-%%Y.%%m.%%d' % srv.server_address[1]

r = subprocess.run([EXPORT, '-r', SAMPLE, '--what', 'flows,hosts', '-o', 'es:' + url,
                    '-o', 'jsonl:-', '-v'], capture_output=True, text=True)
check(r.returncode == 0, 'ntop-export -o es: exit 0 (%s)' % r.stderr.strip().splitlines()[-1:])
records = [json.loads(l) for l in r.stdout.splitlines()]
check(len(Bulk.requests) >= 2 and Bulk.requests[0][2] == Bulk.requests[1][2],
      'the 503 answer was retried with the same body (%d requests)' % len(Bulk.requests))
check('1 reconnects' in r.stderr, 'the sink counts the reconnect')


def index_for(rec):
    t = rec.get('FIRST_SWITCHED', rec.get('FIRST_SEEN'))
    name = time.strftime('ntop-%Y.%m.%d', time.gmtime(t))
    return name if 'FIRST_SWITCHED' in rec else name + '_hosts', time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


docs, shape_ok = [], True
for path, ctype, body in Bulk.requests[1:]:
    shape_ok &= path.startswith('/_bulk') and ctype == 'application/x-ndjson' and body.endswith('\n')
    lines = body.split('\n')[:-1]
    shape_ok &= len(lines) % 2 == 0
    for a, d in zip(lines[0::2], lines[1::2]):
        docs.append((json.loads(a), json.loads(d)))
check(shape_ok, 'POST /_bulk, application/x-ndjson, action/document pairs, final newline')
check(len(docs) == len(records) > 0, '%d documents for %d records' % (len(docs), len(records)))
want = sorted(json.dumps([{'index': {'_index': index_for(x)[0]}}, dict(x, **{'@timestamp': index_for(x)[1]})],
                         sort_keys=True) for x in records)
got = sorted(json.dumps([a, d], sort_keys=True) for a, d in docs)
check(want == got, 'index names from each record\'s time (ntop-%Y.%m.%d, _hosts), documents = JSON lines + @timestamp')
if want != got:
    print('       want', want[:1])
    print('       got ', got[:1])

# Refused documents: the batch is dropped and counted, and the tool exits 1.
Bulk.requests, Bulk.refuse = [], True
r = subprocess.run([EXPORT, '-q', '-r', SAMPLE, '-o', 'es:' + url], capture_output=True, text=True)
check(r.returncode == 1 and 'refused' in r.stderr and '13 dropped' in r.stderr,
      'refused documents: exit %d, %s' % (r.returncode, ' / '.join(r.stderr.strip().splitlines())[:200]))

srv.shutdown()
print('%d failed' % fails)
sys.exit(1 if fails else 0)
