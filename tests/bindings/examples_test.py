#!/usr/bin/python3
"""The binding examples run on the sample capture and print what they promise.

    examples_test.py EXAMPLES_DIR SAMPLE_PCAP NTOP_EXPORT LUA_RUN|-
(PYTHONPATH must reach the built Python package; LUA_RUN '-' skips the Lua examples.)
"""
import os
import re
import subprocess
import sys

examples, sample, ntop_export, lua_run = sys.argv[1:5]
failures = checks = 0


def check(cond, msg):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", msg)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


if lua_run != "-":
    rc, out, err = run([lua_run, os.path.join(examples, "lua", "top_talkers.lua"), sample, "3"])
    check(rc == 0 and re.search(r"^\d+ packets, 13 flows, \d+ clients$", out, re.M)
          and "192.168.1.10" in out, "top_talkers.lua: %d %s %s" % (rc, out, err))
    rc, out, err = run([ntop_export, "-q", "-r", sample, "-o", "jsonl:/dev/null", "--script",
                        os.path.join(examples, "lua", "heavy_flows_script.lua")])
    check(rc == 0 and len(re.findall(r"^minute \d+: \d+ flows open, top applications: ", err, re.M)) == 2,
          "heavy_flows_script.lua: %d %s" % (rc, err))

    # ntop-dump with the SSH script: exactly the 10 packets of the sample's SSH session, whose
    # two hosts have no other traffic (held until the flow's verdict, then written as marked).
    ntop_dump = os.path.join(os.path.dirname(ntop_export), "ntop-dump")
    if os.path.exists(ntop_dump):
        import struct
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            out_pcap = os.path.join(tmp, "ssh.pcap")
            rc, out, err = run([ntop_dump, "-q", "-r", sample, "--under-attack", "--script",
                                os.path.join(examples, "lua", "dump_ssh_hosts.lua"), "-w", out_pcap])
            pkts = []
            if os.path.exists(out_pcap):
                data = open(out_pcap, "rb").read()
                i = 24
                while i + 16 <= len(data):
                    caplen = struct.unpack("<I", data[i + 8:i + 12])[0]
                    pkts.append(data[i + 16:i + 16 + caplen])
                    i += 16 + caplen
            check(rc == 0 and "dump 192.168.1.40 from " in err and
                  "dump 198.51.100.20 from " in err and len(pkts) == 10,
                  "dump_ssh_hosts.lua: %d, %d packets written, %s" % (rc, len(pkts), err))

py = "/usr/bin/python3"
try:
    import pandas  # noqa: F401
    rc, out, err = run([py, os.path.join(examples, "python", "flows_to_pandas.py"), sample])
    check(rc == 0 and out.startswith("13 flows, ") and "HTTP" in out,
          "flows_to_pandas.py: %d %s %s" % (rc, out, err))
except ImportError:
    print("pandas not installed: flows_to_pandas.py not run")
rc, out, err = run([py, os.path.join(examples, "python", "watch.py"), sample])
check(rc == 0 and re.search(r"^\d+: \d+ packets/s, \d+ flows open$", out, re.M),
      "watch.py: %d %s %s" % (rc, out, err))

print("%d passed, %d failed" % (checks - failures, failures))
sys.exit(1 if failures else 0)
