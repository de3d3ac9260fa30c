#!/usr/bin/python3
"""Bindings benchmark: packets/s of Python (and Lua) iterating every flow of a capture, against
ntop-export writing the same flows as JSON lines, in the same run; and the memory of a Python flow
iterator over a million flows.

    bench/bindings_bench.py BUILD_DIR [PCAP] [--repeat N] [--flows N]

BUILD_DIR is a build with tools and both bindings (release: see bench/README.md). PCAP defaults
to /tmp/ntc-bench.pcap (made by ../shared/tools/make-bench-pcap.sh). Each round runs, one after
the other, in separate processes: ntop-export -o jsonl:/dev/null; Python
`for f in ntopcore.Engine(PCAP): n += 1; b += f.IN_BYTES`; Lua the same with e:flows(). Every
stage is timed from process start to exit (the interpreters' start-up included); the figures are
each stage's best time over the rounds, and its median (this machine's speed varies between
runs: the median says how typical the best is). The target (issue 10): Python within 1.5x of
ntop-export's packets/s by wall time, i.e. python_ratio = python_pps / export_pps >= 0.667 with
the best times (target_met), and python_median_ratio with the medians.

The memory stage writes a capture of --flows single-packet UDP flows (1000 new flows per second
of packet time, so about 60000 are open at once with the default 60 s idle timeout) and iterates
them in Python, sampling VmRSS every 50000 flows: bounded memory means the RSS after a million
flows is that after the first 200000, not ten times it. The last line is machine-readable:
RESULT key=value ...
"""

import argparse
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time

PY_ITER = r"""
import sys, time
import ntopcore
e = ntopcore.Engine(sys.argv[1])
n = b = 0
for f in e:
    n += 1
    b += f.IN_BYTES
st = e.stats()
print(n, b, st["packets"])
"""

LUA_ITER = r"""
local ntopcore = require "ntopcore"
local e <close> = ntopcore.engine()
e:open_file(arg[1])
local n, b = 0, 0
for f in e:flows() do n = n + 1; b = b + f.IN_BYTES end
print(n, b, e:stats().packets)
"""

PY_MEMORY = r"""
import sys
import ntopcore

def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

e = ntopcore.Engine(sys.argv[1], dpi_enable=False)
samples = []
n = 0
for f in e:
    n += 1
    if n % 50000 == 0:
        samples.append((n, rss_kb()))
print(n, " ".join("%d:%d" % s for s in samples))
"""


def timed(cmd, env=None):
    """Wall time and CPU time (user + system) of a child process, and its output."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    dt = time.monotonic() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d): %s" % (cmd[0], p.returncode, p.stderr[-500:]))
    return dt, cpu, p.stdout


def write_many_flows(path, nflows):
    """nflows single-packet UDP flows, 1000 per second of packet time (raw IPv4 link type)."""
    t0 = 1700000000 * 1000000
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        rec = struct.Struct("<IIII")
        ip = struct.Struct("!BBHHHBBH4s4sHHHH")
        for i in range(nflows):
            ts = t0 + i * 1000
            src = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
            data = ip.pack(0x45, 0, 29, 1, 0, 64, 17, 0, src, b"\x0a\xff\x00\x01",
                           40000, 53, 9, 0) + b"x"
            f.write(rec.pack(ts // 1000000, ts % 1000000, len(data), len(data)))
            f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("pcap", nargs="?", default="/tmp/ntc-bench.pcap")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--flows", type=int, default=1000000)
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    export = os.path.join(build, "tools", "ntop-export")
    env = dict(os.environ, PYTHONPATH=os.path.join(build, "bindings", "python"),
               LUA_CPATH=os.path.join(build, "bindings", "lua", "?.so"))
    if not os.path.exists(a.pcap):
        sys.exit("bench: %s is missing (../shared/tools/make-bench-pcap.sh makes it)" % a.pcap)
    # Read the file once so that every stage finds it in the page cache.
    with open(a.pcap, "rb") as f:
        while f.read(1 << 22):
            pass

    best = {}
    best_cpu = {}
    walls = {}
    out = {}
    for r in range(a.repeat):
        for name, cmd in [("export", [export, "-q", "-r", a.pcap, "-o", "jsonl:/dev/null"]),
                          ("python", ["/usr/bin/python3", "-c", PY_ITER, a.pcap]),
                          ("lua", ["lua5.4", "-e", LUA_ITER.replace("arg[1]", repr(a.pcap).replace("'", '"'))])]:
            dt, cpu, stdout = timed(cmd, env)
            best[name] = min(best.get(name, dt), dt)
            walls.setdefault(name, []).append(dt)
            best_cpu[name] = min(best_cpu.get(name, cpu), cpu)
            out[name] = stdout.split()
            print("round %d %-7s %.3f s wall, %.3f s CPU" % (r + 1, name, dt, cpu), flush=True)
    nflows, nbytes, packets = map(int, out["python"])
    check = subprocess.run([export, "-q", "-r", a.pcap, "-o", "jsonl:-"], capture_output=True,
                           check=True).stdout.count(b"\n")
    assert check == nflows == int(out["lua"][0]), (check, nflows, out["lua"])
    # Packets per second of wall time, and per second of CPU time (what one core does; less
    # sensitive to other load on the machine). Both include the interpreters' start-up.
    pps = {k: packets / v for k, v in best.items()}
    median = {k: sorted(v)[len(v) // 2] for k, v in walls.items()}
    cpu_pps = {k: packets / v for k, v in best_cpu.items()}
    print("capture: %s, %d packets, %d flows" % (a.pcap, packets, nflows))
    for k in ("export", "python", "lua"):
        print("%-7s %.3f s wall %.0f packets/s (%.2f of ntop-export; median %.3f s, %.2f); "
              "%.3f s CPU %.0f packets/s (%.2f)" % (
                  k, best[k], pps[k], pps[k] / pps["export"], median[k],
                  median["export"] / median[k], best_cpu[k], cpu_pps[k],
                  cpu_pps[k] / cpu_pps["export"]))

    with tempfile.TemporaryDirectory(prefix="ntc-bench-") as tmp:
        many = os.path.join(tmp, "many.pcap")
        write_many_flows(many, a.flows)
        dt, _, stdout = timed(["/usr/bin/python3", "-c", PY_MEMORY, many], env)
        n, *samples = stdout.split()
        samples = [tuple(map(int, s.split(":"))) for s in samples]
        rss = dict(samples)
        first = rss.get(200000) or samples[0][1]
        last = samples[-1][1]
        peak = max(v for _, v in samples)
        print("memory: %s flows iterated in %.1f s; VmRSS at 200k flows %d kB, at the end %d kB, "
              "peak %d kB" % (n, dt, first, last, peak))
    ratio = pps["python"] / pps["export"]
    cpu_ratio = cpu_pps["python"] / cpu_pps["export"]
    print("RESULT export_pps=%.0f python_pps=%.0f lua_pps=%.0f python_ratio=%.3f lua_ratio=%.3f "
          "python_median_ratio=%.3f python_cpu_ratio=%.3f lua_cpu_ratio=%.3f flows=%d "
          "iter_flows=%s rss_200k_kb=%d rss_end_kb=%d rss_peak_kb=%d target_met=%s" % (
              pps["export"], pps["python"], pps["lua"], ratio, pps["lua"] / pps["export"],
              median["export"] / median["python"], cpu_ratio, cpu_pps["lua"] / cpu_pps["export"],
              nflows, n, first, last, peak,
              "yes" if ratio >= 1 / 1.5 and peak < 2 * first else "no"))


if __name__ == "__main__":
    main()
