#!/usr/bin/python3
"""Python on a live interface: `for flow in ntopcore.Engine("ntcp0", ...)` inside a network
namespace, on one end of a veth pair the test creates, while the other namespace sends 20 UDP
flows of 3 packets each. The iteration (the read-ahead thread polling a live source) yields each
flow once it idles out, with exact packet and byte counts, and stop() from a timer ends it.
Nothing touches the host's interfaces.

    python_live_test.py
Exit 0 pass, 1 fail, 77 skip (not root, no namespaces or veth). PYTHONPATH has the package.
"""

import json
import os
import shutil
import subprocess
import sys
import time

NS_A = "ntc-py-%d-a" % os.getpid()
NS_B = "ntc-py-%d-b" % os.getpid()
FLOWS, PKTS, PAYLOAD = 20, 3, 40

ITERATE = r"""
import json, sys, threading, time
import ntopcore
e = ntopcore.Engine("ntcp0", local_networks="10.79.0.0/24", flow_idle_timeout=1, dpi_enable=False)
print("open", flush=True)
seen = []
timer = threading.Timer(15.0, e.stop)  # the test's deadline: stop() ends the loop
timer.start()
for f in e:
    if f.get("L4_DST_PORT") == 9999:
        seen.append({k: f[k] for k in ("L4_SRC_PORT", "IN_PKTS", "IN_BYTES", "OUT_PKTS")})
        if len(seen) == int(sys.argv[1]):
            break
timer.cancel()
print(json.dumps({"flows": seen, "packets": e.stats()["packets"]}), flush=True)
"""

SEND = r"""
import socket, sys, time
n, pkts, size = map(int, sys.argv[1:4])
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.79.0.2", 20000 + i))
    for _ in range(pkts):
        s.sendto(b"x" * size, ("10.79.0.1", 9999))
        time.sleep(0.01)
    s.close()
"""


def skip(why):
    print("SKIP:", why)
    sys.exit(77)


# The commands around the engine run without the sanitizer runtimes the test command preloads
# into interpreters (only the engine's process needs them).
PLAIN_ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


def sh(*args):
    return subprocess.run(list(args), capture_output=True, text=True, check=False,
                          env=PLAIN_ENV).returncode == 0


def main():
    if os.geteuid() != 0:
        skip("needs root (network namespaces)")
    if not shutil.which("ip"):
        skip("ip (iproute2) not installed")
    if not sh("ip", "netns", "add", NS_A):
        skip("cannot create a network namespace")
    proc = None
    try:
        if not sh("ip", "netns", "add", NS_B):
            skip("cannot create a network namespace")
        if not sh("ip", "-n", NS_A, "link", "add", "ntcp0", "type", "veth", "peer", "name",
                  "ntcp1", "netns", NS_B):
            skip("cannot create a veth pair")
        ok = all(sh(*c) for c in [
            ("ip", "-n", NS_A, "addr", "add", "10.79.0.1/24", "dev", "ntcp0"),
            ("ip", "-n", NS_B, "addr", "add", "10.79.0.2/24", "dev", "ntcp1"),
            ("ip", "-n", NS_A, "link", "set", "ntcp0", "up"),
            ("ip", "-n", NS_B, "link", "set", "ntcp1", "up")])
        if not ok:
            print("FAIL: namespace setup")
            return 1
        py = "/usr/bin/python3"
        proc = subprocess.Popen(["ip", "netns", "exec", NS_A, py, "-c", ITERATE, str(FLOWS)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ))
        first = proc.stdout.readline()
        if first.strip() != "open":
            print("FAIL: the engine did not open ntcp0: %s %s" % (first, proc.stderr.read()))
            return 1
        time.sleep(0.3)
        sent = subprocess.run(["ip", "netns", "exec", NS_B, py, "-c", SEND, str(FLOWS), str(PKTS),
                               str(PAYLOAD)], capture_output=True, text=True, check=False,
                              env=PLAIN_ENV)
        if sent.returncode != 0:
            print("FAIL: sending: %s" % sent.stderr)
            return 1
        out, err = proc.communicate(timeout=60)
        proc = None
        res = json.loads(out.strip().splitlines()[-1]) if out.strip() else None
        if not res:
            print("FAIL: no result: %s" % err[-1000:])
            return 1
        flows = sorted(res["flows"], key=lambda f: f["L4_SRC_PORT"])
        want = [{"L4_SRC_PORT": 20000 + i, "IN_PKTS": PKTS, "IN_BYTES": PKTS * (20 + 8 + PAYLOAD),
                 "OUT_PKTS": 0} for i in range(FLOWS)]
        if flows != want:
            print("FAIL: flows seen live:\n  %s\nexpected:\n  %s\n%s" % (flows, want, err[-500:]))
            return 1
        print("ok: %d flows of %d packets seen live through the read-ahead, %d packets in all"
              % (len(flows), PKTS, res["packets"]))
        return 0
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        sh("ip", "netns", "del", NS_A)
        sh("ip", "netns", "del", NS_B)


if __name__ == "__main__":
    sys.exit(main())
