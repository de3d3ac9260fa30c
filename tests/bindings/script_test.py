#!/usr/bin/python3
"""The tools' --script: Lua callbacks on packet time, sandbox, limits, errors with file:line.

    script_test.py NTOP_EXPORT NTOP_TOP [NTOP_DUMP]

A crafted capture (one UDP packet every 10 s for two hours, each its own flow) gives exact
callback counts: 720 on_second, 120 on_minute, 24 on_5minutes, 2 on_hour, 1 on_day, 721
on_flow_end. Scripts that loop forever or allocate without end are stopped with an error naming
the file and line, and the capture goes on: every flow is still exported. With NTOP_DUMP, a
script marks a host for the dump (ntop.dump_host) at a given second: ntop-dump --under-attack
writes exactly that host's packets from then on. Standard library only.
"""

import json
import os
import re
import struct
import subprocess
import sys
import tempfile

T0 = 1700000000
N = 721
LAST = T0 + 10 * (N - 1)
EXPECTED_TICKS = {"second": N - 1, "minute": LAST // 60 - T0 // 60,
                  "5minutes": LAST // 300 - T0 // 300, "hour": LAST // 3600 - T0 // 3600,
                  "day": LAST // 86400 - T0 // 86400}

failures = 0
checks = 0


def check(cond, msg):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", msg)


def udp_packet(sport):
    payload = b"x"
    udp = struct.pack("!HHHH", sport, 53, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                      bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return hdr + udp


def write_pcap(path):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for i in range(N):
            data = udp_packet(10000 + i)
            f.write(struct.pack("<IIII", T0 + 10 * i, 0, len(data), len(data)))
            f.write(data)


def syn_packet(dport):
    tcp = struct.pack("!HHIIBBHHH", 40000, dport, 1000, 0, 5 << 4, 0x02, 1024, 0, 0)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                      bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return hdr + tcp


def write_scan_pcap(path, late=()):
    """SYNs from 10.0.0.1 to 6 ports of 10.0.0.2, never answered (a port scan); then a packet
    of another flow at each second of `late` (seconds after T0)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for i in range(6):
            data = syn_packet(1 + i)
            f.write(struct.pack("<IIII", T0 + i, 0, len(data), len(data)))
            f.write(data)
        for t in late:
            data = udp_packet(20000 + t)
            f.write(struct.pack("<IIII", T0 + t, 0, len(data), len(data)))
            f.write(data)


ALERTS = r"""
function on_alert(a)
  print(string.format("ALERT %s %s %s %s", a.ALERT_TYPE, a.ENTITY_ID, a.STATE, a.DETAILS ~= nil))
end
"""

ENGAGED = r"""
function on_second(now)
  for a in interface.alerts() do
    print(string.format("ENGAGED %d %s %s %s", now, a.ALERT_TYPE, a.ENTITY_ID, a.STATE))
  end
end
"""

RAISER = r"""
local done = false
function on_second(now)
  if done then return end
  done = true
  local ok = ntop.raise_alert("warning", "scripted check failed", "host", "10.0.0.66")
  local bad, why = pcall(ntop.raise_alert, "loud", "x")
  print(string.format("RAISED %s %s", tostring(ok), tostring(not bad)))
end
"""


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)
    return p.returncode, p.stdout, p.stderr


COUNTER = r"""
local n = {}
local function count(what, now)
  n[what] = (n[what] or 0) + 1
  print(string.format("TICK %s %d", what, math.floor(now)))
end
function on_second(now) count("second", now) end
function on_5minutes(now) count("5minutes", now) end
function on_hour(now) count("hour", now) end
function on_day(now) count("day", now) end
function on_minute(now)
  count("minute", now)
  local active = 0
  for f in interface.flows() do active = active + 1 end
  local hosts = 0
  for h in interface.hosts() do hosts = hosts + 1 end
  local st = interface.stats()
  print(string.format("ACTIVE %d %d HOSTS %d %d", active, st.flows_active, hosts, st.hosts_active))
end
function on_flow_end(flow, reason)
  print(string.format("FLOW %d %s %d", flow.L4_SRC_PORT, reason, flow.IN_PKTS))
end
"""

LOOPER = r"""
local calls = 0
function on_second(now)
  calls = calls + 1
  if calls == 3 then
    while true do end                                   -- line 6
  elseif calls == 5 then
    while true do pcall(function() while true do end end) end   -- line 8
  elseif calls == 7 then
    local co = coroutine.wrap(function() while true do end end)
    co()                                                -- runs inside the coroutine
  end
  if calls % 100 == 0 then print("LOOPER alive " .. calls) end
end
"""

HOG = r"""
keep = {}
function on_hour(now)
  local t = {}
  while true do t[#t + 1] = string.rep("x", 1000) .. #t end   -- line 5
end
function on_second(now)
  if #keep < 20 then keep[#keep + 1] = string.rep("y", 100000) .. now end
  if math.floor(now) % 600 == 0 then print("HOG alive") end
end
"""

SANDBOX = r"""
local done = false
function on_second(now)
  if done then return end
  done = true
  local ok = os == nil and io == nil and require == nil and dofile == nil and loadfile == nil
             and debug == nil and package == nil
  local bin = string.dump(function() return 1 end)
  local f, err = load(bin)
  ok = ok and f == nil and tostring(err):find("binary")
  ok = ok and load("return 40 + 2")() == 42
  local costly = pcall(string.find, string.rep("a", 5000), string.rep("a*", 30) .. "b")
  ok = ok and not costly and ("GET /x"):match("^(%u+) (.*)$") == "GET"
  ok = ok and string.find(string.rep("a", 5000), "a*b", 1, true) == nil
  local g = pcall(setmetatable, {}, {__gc = function() while true do end end})
  ok = ok and not g and setmetatable({}, {__index = {v = 5}}).v == 5
  local w = pcall(function() interface.stats = nil end)
  local w2 = pcall(function() ntop.version = 1 end)
  ok = ok and not w and not w2 and getmetatable(interface) == false
  ok = ok and ntop.version():match("^%d") and ntop.app_name(7) == "HTTP"
  print(ok and "SANDBOX ok" or "SANDBOX broken")
end
"""

ALLOWED = r"""
function on_hour(now)
  print(string.format("OS ok %s %s", type(os.time()), type(io.write)))
end
"""

FLOOD = r"""
function on_flow_end(flow)
  error("flow " .. flow.L4_SRC_PORT .. " is not welcome")     -- line 3
end
function on_day(now)
  for f in interface.flows() do end
  print("WALK ok")
end
"""

WALK_IN_FLOW_END = r"""
local reported = false
function on_flow_end(flow)
  if reported then return end
  reported = true
  for f in interface.flows() do end                            -- line 6
end
"""


MARKER = """
-- Marks 10.0.0.3 for the dump at second 30 of the capture (written as an alert's ENTITY_ID of
-- VLAN 7 traffic would be) and unmarks it at second 50; marks 10.0.0.4 at second 40, written as
-- an IPv4-mapped IPv6 address.
function on_second(now)
  if now == 1700000030 then
    print("MARK", ntop.dump_host("10.0.0.3@7"))
    print("BAD", ntop.dump_host("nope"))
  elseif now == 1700000040 then
    print("MAPPED", ntop.dump_host("::ffff:10.0.0.4"))
  elseif now == 1700000050 then
    print("UNMARK", ntop.dump_host("10.0.0.3", false))
  end
end
"""


def write_two_hosts_pcap(path):
    """10.0.0.3 and 10.0.0.4 each send one UDP packet a second for 60 s (not DNS: no risks)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for i in range(60):
            for k, src in enumerate((3, 4)):
                payload = b"hello world"
                udp = struct.pack("!HHHH", 40000, 9999, 8 + len(payload), 0) + payload
                hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                                  bytes([10, 0, 0, src]), bytes([10, 0, 0, 9]))
                data = hdr + udp
                f.write(struct.pack("<IIII", T0 + i, k * 500, len(data), len(data)))
                f.write(data)


def read_pcap_sources(path):
    """(second since T0, source address) of each packet of a raw-IP pcap file."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    i = 24
    while i + 16 <= len(data):
        sec, _, caplen, _ = struct.unpack("<IIII", data[i:i + 16])
        pkt = data[i + 16:i + 16 + caplen]
        out.append((sec - T0, ".".join(str(b) for b in pkt[12:16])))
        i += 16 + caplen
    return out


def script_file(tmp, name, text):
    """Write a script into tmp as NAME.lua; its path."""
    path = os.path.join(tmp, name + ".lua")
    with open(path, "w") as f:
        f.write(text)
    return path


def main():
    ntop_export, ntop_top = sys.argv[1], sys.argv[2]
    ntop_dump = sys.argv[3] if len(sys.argv) > 3 else None
    with tempfile.TemporaryDirectory(prefix="ntc-script-") as tmp:
        pcap = os.path.join(tmp, "ticking.pcap")
        write_pcap(pcap)
        scripts = {}
        for name, text in [("counter", COUNTER), ("looper", LOOPER), ("hog", HOG),
                           ("sandbox", SANDBOX), ("allowed", ALLOWED), ("flood", FLOOD),
                           ("walk", WALK_IN_FLOW_END)]:
            scripts[name] = script_file(tmp, name, text)

        # 1. Callback counts on packet time, with every misbehaving script in the same run.
        out = os.path.join(tmp, "flows.json")
        rc, _, err = run([ntop_export, "-q", "-r", pcap, "-o", "jsonl:" + out,
                          "--script", scripts["counter"], "--script", scripts["looper"],
                          "--script", scripts["hog"], "--script", scripts["sandbox"],
                          "--script", scripts["flood"], "--script", scripts["walk"],
                          "--script-budget", "200000", "--script-memory", "16"])
        check(rc == 0, "ntop-export with scripts: exit %d\n%s" % (rc, err[-2000:]))
        flows = [json.loads(line) for line in open(out)]
        check(len(flows) == N, "%d flows exported (capture went on), expected %d" % (len(flows), N))
        ticks = {}
        for m in re.finditer(r"^TICK (\S+) (\d+)$", err, re.M):
            ticks[m.group(1)] = ticks.get(m.group(1), 0) + 1
            check(T0 <= int(m.group(2)) <= LAST, "tick time %s" % m.group(2))
        check(ticks == EXPECTED_TICKS, "ticks %s, expected %s" % (ticks, EXPECTED_TICKS))
        ended = re.findall(r"^FLOW (\d+) (\w+) (\d+)$", err, re.M)
        check([int(p) for p, _, _ in ended] == [f["L4_SRC_PORT"] for f in flows],
              "on_flow_end saw the exported flows in order (%d)" % len(ended))
        check({r for _, r, _ in ended} == {"idle", "flush"}, "reasons %s" % {r for _, r, _ in ended})
        actives = re.findall(r"^ACTIVE (\d+) (\d+) HOSTS (\d+) (\d+)$", err, re.M)
        check(len(actives) == EXPECTED_TICKS["minute"] and
              all(a == b and c == d for a, b, c, d in actives) and
              any(int(a) > 0 for a, _, _, _ in actives),
              "interface.flows()/hosts() in on_minute agree with the counters: %s" % actives[:3])
        base = os.path.basename
        # (the third one is raised inside a coroutine: coroutine.wrap adds its caller's position)
        budget_errs = re.findall(r"^ntop-export: (\S+):(\d+): (?:\S+:\d+: )?instruction budget of "
                                 r"200000 exceeded \(in on_second\)", err, re.M)
        check([(base(f), int(l)) for f, l in budget_errs][:2] == [("looper.lua", 6), ("looper.lua", 8)]
              and len(budget_errs) == 3,
              "looping script stopped with file:line, three times: %s" % budget_errs)
        check("LOOPER alive 700" in err, "the looping script is still called after its errors")
        mem_errs = re.findall(r"^ntop-export: (\S+?)(?::(\d+))?: (?:memory cap of 16 MB reached|"
                              r"not enough memory \(memory cap of 16 MB\)) \(in on_hour\)", err, re.M)
        check(len(mem_errs) == 2 and base(mem_errs[0][0]) == "hog.lua",
              "allocating script stopped: %s" % mem_errs[:2])
        check(err.count("HOG alive") >= 10, "the allocating script is still called after its errors")
        check("SANDBOX ok" in err, "sandbox: no os/io/require/dofile/binary chunks, read-only views")
        flood = re.findall(r"^ntop-export: \S+flood\.lua:3: flow \d+ is not welcome \(in on_flow_end\)",
                           err, re.M)
        check(len(flood) == 10, "10 errors of a flooding script shown (%d)" % len(flood))
        check("flood.lua: 721 errors in callbacks (10 shown)" in err, "error total at the end")
        check("WALK ok" in err, "interface.flows() in on_day")
        check(re.search(r"walk\.lua:6: interface\.flows\(\) is available in on_second \.\. on_day only "
                        r"\(in on_flow_end\)", err), "interface.flows() refused in on_flow_end")

        # 2. Same counts from ntop-top in batch mode (its own tick callback runs first).
        rc, outp, err = run([ntop_top, "-b", "--json", "-q", "-r", pcap, "--script", scripts["counter"]])
        check(rc == 0 and outp.count('"FRAME"') >= 2, "ntop-top -b with a script: exit %d" % rc)
        ticks = {}
        for m in re.finditer(r"^TICK (\S+) \d+$", err, re.M):
            ticks[m.group(1)] = ticks.get(m.group(1), 0) + 1
        check(ticks == EXPECTED_TICKS, "ntop-top ticks %s" % ticks)
        # ntop-top shows what is still open at the end: it does not flush, so no "flush" ends.
        check(re.findall(r"^FLOW \d+ (\w+)", err, re.M) == [r for _, r, _ in ended if r == "idle"],
              "ntop-top on_flow_end: the idle ends")

        # 3. os/io only when allowed.
        rc, _, err = run([ntop_export, "-q", "-r", pcap, "-o", "jsonl:/dev/null",
                          "--script", scripts["allowed"]])
        check(rc == 0 and "attempt to index a nil value (global 'os')" in err and "allowed.lua:3:" in err,
              "os is absent by default: %s" % err[-300:])
        rc, _, err = run([ntop_export, "-q", "-r", pcap, "-o", "jsonl:/dev/null",
                          "--script", scripts["allowed"], "--script-allow", "os,io"])
        check(rc == 0 and err.count("OS ok number function") == EXPECTED_TICKS["hour"],
              "--script-allow os,io: %s" % err[-300:])

        # 4. Scripts that cannot start are usage errors naming file and line.
        bad = os.path.join(tmp, "bad.lua")
        with open(bad, "w") as f:
            f.write("function on_second(now)\n  x = = 1\nend\n")
        rc, _, err = run([ntop_export, "-r", pcap, "--script", bad])
        check(rc == 2 and "bad.lua:2:" in err, "syntax error: exit %d %s" % (rc, err))
        spin = os.path.join(tmp, "spin.lua")
        with open(spin, "w") as f:
            f.write("local x = 0\nwhile true do x = x + 1 end\n")
        rc, _, err = run([ntop_export, "-r", pcap, "--script", spin, "--script-budget", "100000"])
        check(rc == 2 and re.search(r"spin\.lua:2: instruction budget of 100000 exceeded", err),
              "top-level loop: exit %d %s" % (rc, err))
        rc, _, err = run([ntop_export, "-r", pcap, "--script", os.path.join(tmp, "missing.lua")])
        check(rc == 2 and "missing.lua" in err and "cannot read" in err, "missing script: %s" % err)
        rc, _, err = run([ntop_export, "-r", pcap, "--script-allow", "net"])
        check(rc == 2 and "--script-allow" in err, "bad --script-allow: %s" % err)
        rc, _, err = run([ntop_export, "-r", pcap, "--script-memory", "0"])
        check(rc == 2 and "--script-memory" in err, "bad --script-memory: %s" % err)

        # 5. on_alert sees every alert ntop-export writes, with the same fields.
        scan = os.path.join(tmp, "scan.pcap")
        write_scan_pcap(scan)
        alerts_lua = script_file(tmp, "alerts", ALERTS)
        aout = os.path.join(tmp, "alerts.json")
        rc, _, err = run([ntop_export, "-q", "-r", scan, "--what", "alerts", "-o", "jsonl:" + aout,
                          "--set", "alert.port_scan_threshold=5", "--script", alerts_lua])
        check(rc == 0, "ntop-export --what alerts with an on_alert script: exit %d %s" % (rc, err))
        written = [json.loads(line) for line in open(aout)]
        seen = re.findall(r"^ALERT (\S+) (\S+) (\S+) (\S+)$", err, re.M)
        check(any(a["ALERT_TYPE"] == "port_scan" for a in written), "a port_scan alert: %s" % written)
        check([(a["ALERT_TYPE"], a["ENTITY_ID"], a["STATE"], "true") for a in written] == seen,
              "on_alert saw the alerts ntop-export wrote: %s vs %s" % (seen, written))

        # 5b. interface.alerts(): the port scan engages when its window ends (T0 + 40; T0 % 60 ==
        # 20) and is listed engaged by on_second (called once per packet that moves the clock a
        # second or more) until the next window ends (T0 + 100).
        scan_late = os.path.join(tmp, "scan-late.pcap")
        write_scan_pcap(scan_late, late=(30, 50, 70, 99, 110))
        rc, _, err = run([ntop_export, "-q", "-r", scan_late, "-o", "jsonl:/dev/null",
                          "--set", "alert.port_scan_threshold=5", "--script",
                          script_file(tmp, "engaged", ENGAGED)])
        listed = re.findall(r"^ENGAGED (\d+) port_scan 10\.0\.0\.1 engaged$", err, re.M)
        check(rc == 0 and [int(t) - T0 for t in listed] == [50, 70, 99],
              "interface.alerts() in on_second: %s %s" % (listed[:3], err[-300:]))

        # 6. ntop.raise_alert: a "user" alert in the outputs (a bad severity is a Lua error).
        raiser = script_file(tmp, "raiser", RAISER)
        rc, _, err = run([ntop_export, "-q", "-r", scan, "--what", "alerts", "-o", "jsonl:" + aout,
                          "--script", raiser])
        written = [json.loads(line) for line in open(aout)]
        user = [a for a in written if a["ALERT_TYPE"] == "user"]
        check(rc == 0 and "RAISED true true" in err and len(user) == 1 and
              user[0]["DESCRIPTION"] == "scripted check failed" and
              user[0]["ENTITY_ID"] == "10.0.0.66" and user[0]["SEVERITY"] == "warning",
              "ntop.raise_alert: %s %s" % (user, err[-300:]))

        # 7. ntop.dump_host: ntop-dump writes a host's packets from the second a script marks it
        # until it unmarks it; in ntop-export (no dumper) the call returns false and says why.
        if ntop_dump:
            two = os.path.join(tmp, "two-hosts.pcap")
            write_two_hosts_pcap(two)
            marker = script_file(tmp, "marker", MARKER)
            dumped = os.path.join(tmp, "dumped.pcap")
            rc, _, err = run([ntop_dump, "-v", "-r", two, "--under-attack", "--script", marker,
                              "-w", dumped])
            got = read_pcap_sources(dumped) if os.path.exists(dumped) else []
            want = sorted([(t, "10.0.0.3") for t in range(30, 50)] +
                          [(t, "10.0.0.4") for t in range(40, 60)])
            check(rc == 0 and got == want,
                  "ntop-dump wrote %s, expected 10.0.0.3 from second 30 to 49 and 10.0.0.4 from "
                  "40 to 59: %s" % (got, err[-500:]))
            check(re.search(r"^MARK\ttrue$", err, re.M) and re.search(r"^UNMARK\ttrue$", err, re.M)
                  and re.search(r"^MAPPED\ttrue$", err, re.M)
                  and "BAD\tfalse\tnot an IPv4 or IPv6 address: 'nope'" in err and "marks=1" in err,  # 10.0.0.4 is still marked at the end
                  "ntop.dump_host results: %s" % err[-800:])
            # Without --under-attack marks select nothing: the call says so.
            rc, _, err = run([ntop_dump, "-q", "-r", two, "--script", marker, "-w", dumped])
            check(rc == 0 and "MARK\tfalse\tmarks select packets only with --under-attack" in err,
                  "ntop.dump_host without --under-attack: %s" % err[-300:])
            rc, _, err = run([ntop_export, "-q", "-r", two, "-o", "jsonl:/dev/null", "--script",
                              marker])
            check(rc == 0 and "MARK\tfalse\tthis tool writes no packets" in err,
                  "ntop.dump_host in ntop-export: %s" % err[-300:])

    print("%d passed, %d failed" % (checks - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
