-- Tests of the Lua module "ntopcore" (run by lua-run, or by /usr/bin/lua5.4 with LUA_CPATH).
--
--   test_module.lua NTOP_EXPORT SAMPLE_PCAP crafted     always runs: records and counters equal
--                                                       ntop-export's on the project's sample
--                                                       capture; ticks and flow ends on crafted
--                                                       packets; errors, callbacks, lifetime
--   test_module.lua NTOP_EXPORT PCAPS_DIR pcaps         every capture of ../shared/pcaps read at
--                                                       once; exit 77 (skip) when absent
local ntopcore = require "ntopcore"

local ntop_export, input, mode = arg[1], arg[2], arg[3]
local failures, checks = 0, 0

local function check(cond, msg, ...)
  checks = checks + 1
  if not cond then
    failures = failures + 1
    io.stderr:write("FAIL: ", string.format(msg, ...), "\n")
  end
  return cond
end

-- First difference between two values (nil when equal).
local function diff(a, b, path)
  path = path or ""
  if type(a) ~= type(b) then return path .. ": " .. type(a) .. " vs " .. type(b) end
  if type(a) ~= "table" then
    if a ~= b then return path .. ": " .. tostring(a) .. " vs " .. tostring(b) end
    return nil
  end
  for k, v in pairs(a) do
    local d = diff(v, b[k], path .. "." .. tostring(k))
    if d then return d end
  end
  for k in pairs(b) do
    if a[k] == nil then return path .. "." .. tostring(k) .. ": missing on the left" end
  end
  return nil
end

local function shell_quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- ntop-export's flows (decoded JSON lines) and its -v summary (stderr).
local function run_export(args)
  local errfile = os.tmpname()
  local cmd = shell_quote(ntop_export) .. " -v " .. args .. " -o jsonl:- 2>" .. shell_quote(errfile)
  local p = assert(io.popen(cmd, "r"))
  local flows = {}
  for line in p:lines() do flows[#flows + 1] = ntopcore.json_decode(line) end
  local ok, _, code = p:close()
  local f = assert(io.open(errfile)); local err = f:read("a"); f:close(); os.remove(errfile)
  return flows, err, ok and 0 or code
end

local function summary_counters(text)
  local c = {}
  c.packets, c.bytes, c.ip_packets, c.nonip_packets, c.decode_errors_total =
    text:match("packets (%d+) %((%d+) bytes%), IP (%d+), non%-IP (%d+), decode errors (%d+)")
  c.flows_total, c.flows_active, c.flows_evicted, c.hosts_total, c.hosts_active, c.hosts_local =
    text:match("flows (%d+) %((%d+) still open, (%d+) evicted%), hosts (%d+) %((%d+) in the table, (%d+) of them local%)")
  for k, v in pairs(c) do c[k] = math.tointeger(tonumber(v)) end
  return c
end

-- Read files with the module: every flow from flows(); and, from a second engine run to the end
-- of the input without the final flush, the counters as ntop-export -v prints them.
local function run_module(files, cfg)
  local flows = {}
  local e <close> = ntopcore.engine(cfg)
  for _, f in ipairs(files) do e:open_file(f) end
  local ok, err = pcall(function()
    for flow in e:flows() do flows[#flows + 1] = flow end
  end)
  local after = e:stats()
  local e2 <close> = ntopcore.engine(cfg)
  for _, f in ipairs(files) do e2:open_file(f) end
  pcall(e2.run, e2)
  return flows, e2:stats(), after, ok, err
end

local function compare_with_export(files, export_args, cfg, label)
  local exp, err_text, code = run_export(export_args)
  local flows, before, after, ok, err = run_module(files, cfg)
  check(code == 0 or not ok, "%s: ntop-export exit %s but the module raised no error", label, tostring(code))
  if code == 0 then check(ok, "%s: module raised: %s", label, tostring(err)) end
  check(#flows == #exp, "%s: %d flows from the module, %d from ntop-export", label, #flows, #exp)
  local nd = 0
  for i = 1, math.min(#flows, #exp) do
    local d = diff(flows[i], exp[i])
    if d then
      nd = nd + 1
      if nd <= 3 then check(false, "%s: flow %d differs: %s", label, i, d) end
    end
  end
  check(nd == 0, "%s: %d flows differ", label, nd)
  local s = summary_counters(err_text)
  check(s.packets ~= nil, "%s: no summary from ntop-export -v: %s", label, err_text)
  for k, v in pairs(s) do
    check(before[k] == v, "%s: counter %s: module %s, ntop-export %s", label, k, tostring(before[k]), tostring(v))
  end
  check(after.flows_active == 0 and after.flows_total == s.flows_total,
        "%s: after the flush: %d active of %d", label, after.flows_active, after.flows_total)
  return flows
end

-- ---- crafted packets: raw IPv4/UDP ----

local function csum(s)
  local sum = 0
  for i = 1, #s - 1, 2 do sum = sum + (s:byte(i) << 8 | s:byte(i + 1)) end
  if #s % 2 == 1 then sum = sum + (s:byte(#s) << 8) end
  while sum > 0xffff do sum = (sum & 0xffff) + (sum >> 16) end
  return ~sum & 0xffff
end

local function ip4(a, b, c, d) return string.char(a, b, c, d) end

local function udp_packet(src, dst, sport, dport, payload)
  local udp = string.pack(">I2I2I2I2", sport, dport, 8 + #payload, 0) .. payload
  local hdr = string.pack(">BBI2I2I2BBI2", 0x45, 0, 20 + #udp, 1, 0, 64, 17, 0) .. src .. dst
  hdr = hdr:sub(1, 10) .. string.pack(">I2", csum(hdr)) .. hdr:sub(13)
  return hdr .. udp
end

local T0 = 1700000000 -- seconds; T0 % 60 == 20

local function test_ticks_and_flow_ends()
  local e <close> = ntopcore.engine{ ["dpi.enable"] = false }
  local ticks = { second = 0, minute = 0, ["5minutes"] = 0, hour = 0, day = 0 }
  local reasons, ended = {}, 0
  e:on_tick(function(t, now)
    ticks[t] = ticks[t] + 1
    check(now >= T0, "tick %s at %s", t, now)
  end)
  e:on_flow_end(function(flow, why)
    ended = ended + 1
    reasons[why] = (reasons[why] or 0) + 1
    check(flow.IN_PKTS == 1 and flow.PROTOCOL == 17, "crafted flow record %s", tostring(flow.IN_PKTS))
  end)
  -- One packet every 10 s for two hours, each its own flow (source port 10000 + i).
  local n = 721
  for i = 0, n - 1 do
    assert(e:ingest(udp_packet(ip4(10, 0, 0, 1), ip4(10, 0, 0, 2), 10000 + i, 53, "x"),
                    (T0 + 10 * i) * 1000000, ntopcore.linktype.RAW))
  end
  local last = T0 + 10 * (n - 1)
  check(ticks.second == n - 1, "on_second %d times, expected %d", ticks.second, n - 1)
  check(ticks.minute == last // 60 - T0 // 60, "on_minute %d", ticks.minute)
  check(ticks["5minutes"] == last // 300 - T0 // 300, "on_5minutes %d", ticks["5minutes"])
  check(ticks.hour == last // 3600 - T0 // 3600, "on_hour %d", ticks.hour)
  check(ticks.day == last // 86400 - T0 // 86400 and ticks.day == 1, "on_day %d", ticks.day)
  local active = e:stats().flows_active
  check(ended + active == n, "%d ended + %d active ~= %d", ended, active, n)
  check(reasons.idle == ended, "before the flush every end is idle (%s)", tostring(reasons.idle))
  -- Walk the table from the tick callback (allowed there), and from outside.
  local seen_in_tick
  e:on_tick(function(t) if t == "second" then
    seen_in_tick = 0
    for _ in e:active_flows() do seen_in_tick = seen_in_tick + 1 end
  end end)
  e:advance((last + 1) * 1000000)
  check(seen_in_tick == e:stats().flows_active, "walk from on_tick: %s flows", tostring(seen_in_tick))
  local n_active = 0
  for f in e:active_flows() do n_active = n_active + 1; check(f.L4_DST_PORT == 53, "active flow port") end
  check(n_active == e:stats().flows_active, "active_flows() %d", n_active)
  e:flush()
  check(reasons.flush == n_active, "flush ended %s flows", tostring(reasons.flush))
  check(ended == n, "%d flows ended in all", ended)
  -- Walking from on_flow_end is refused with a clear error.
  e:on_flow_end(function() for _ in e:active_flows() do end end)
  e:ingest(udp_packet(ip4(10, 0, 0, 3), ip4(10, 0, 0, 4), 1, 2, "y"), (last + 2) * 1000000, ntopcore.linktype.RAW)
  local ok, err = pcall(e.flush, e)
  check(not ok and tostring(err):find("on_flow_end callback") and tostring(err):find("not available"),
        "walk from on_flow_end: %s", tostring(err))
end

local function test_errors_and_lifetime(sample)
  -- Configuration errors name the key.
  local ok, err = pcall(ntopcore.engine, { ["flow.no_such_key"] = 1 })
  check(not ok and tostring(err):find("flow.no_such_key", 1, true), "unknown key: %s", tostring(err))
  ok, err = pcall(ntopcore.engine, { ["flow.idle_timeout"] = -5 })
  check(not ok and tostring(err):find("flow.idle_timeout", 1, true), "out of range: %s", tostring(err))
  ok, err = pcall(ntopcore.engine, { ["host.local_networks"] = "not-a-network" })
  check(not ok and tostring(err):find("host.local_networks", 1, true), "bad networks: %s", tostring(err))
  local e = ntopcore.engine{ ["flow.idle_timeout"] = 30, ["dpi.enable"] = "false" }
  ok, err = pcall(e.open_file, e, "/nonexistent/x.pcap")
  check(not ok and tostring(err):find("/nonexistent/x.pcap", 1, true), "missing file: %s", tostring(err))
  -- A callback error stops the run (after the slice of packets being read) and is raised with
  -- its message; the engine stays usable and every flow still comes out of the iterator.
  e:open_file(sample)
  local total = e:stats().flows_total
  e:on_flow_end(function(f) if f.PROTOCOL == 1 then error("boom on ICMP") end end)
  local got = 0
  ok, err = pcall(function() for _ in e:flows() do got = got + 1 end end)
  check(not ok and tostring(err):find("boom on ICMP", 1, true) and tostring(err):find("test_module.lua:%d+"),
        "callback error: %s", tostring(err))
  e:on_flow_end(nil)
  for _ in e:flows() do got = got + 1 end
  check(got == e:stats().flows_total and got > total and got >= 10, "all %d flows out after the error", got)
  -- Calling back into the engine from its callbacks is refused.
  local e5 <close> = ntopcore.engine()
  e5:open_file(sample)
  e5:on_flow_end(function() e5:run() end)
  ok, err = pcall(function() for _ in e5:flows() do end end)
  check(not ok and tostring(err):find("already running", 1, true), "re-entry: %s", tostring(err))
  e:close()
  ok, err = pcall(e.stats, e)
  check(not ok and tostring(err):find("closed"), "closed engine: %s", tostring(err))
  -- <close> frees at the end of the block; the config table is read once.
  do
    local e2 <close> = ntopcore.engine()
    check(tostring(e2):find("ntopcore.engine"), "tostring")
  end
  -- Breaking out of flows() and calling it again goes on where it stopped.
  local e3 <close> = ntopcore.engine()
  e3:open_file(sample)
  local first = {}
  for f in e3:flows() do first[#first + 1] = f; if #first == 3 then break end end
  for f in e3:flows() do first[#first + 1] = f end
  local whole = {}
  local e4 <close> = ntopcore.engine()
  e4:open_file(sample)
  for f in e4:flows() do whole[#whole + 1] = f end
  check(#first == #whole and diff(first, whole) == nil, "break and resume: %d vs %d", #first, #whole)
  -- Configuration options come from the library's table.
  local opts = ntopcore.config_options()
  local found
  for _, o in ipairs(opts) do if o.key == "flow.idle_timeout" then found = o end end
  check(found and found.type == "int" and found.default == 60, "config_options")
end

local function test_sample(sample)
  compare_with_export({ sample }, "-r " .. shell_quote(sample), nil, "sample")
  compare_with_export({ sample }, "-r " .. shell_quote(sample) .. " -m 192.168.1.0/24 --set flow.idle_timeout=20",
                      { ["host.local_networks"] = "192.168.1.0/24", ["flow.idle_timeout"] = 20 }, "sample+config")
  -- Hosts and applications are read before the flush empties the host table.
  local e <close> = ntopcore.engine{ ["host.local_networks"] = "192.168.1.0/24" }
  e:open_file(sample)
  e:run()
  local hosts, locals = 0, 0
  for h in e:hosts() do
    hosts = hosts + 1
    if h.IS_LOCAL == 1 then locals = locals + 1; check(h.MAC ~= nil, "local host %s has a MAC", h.IP_ADDR) end
  end
  local st = e:stats()
  check(hosts == st.hosts_active and locals == st.hosts_local, "hosts %d/%d local %d/%d", hosts,
        st.hosts_active, locals, st.hosts_local)
  local apps = {}
  for a in e:apps() do apps[a.L7_PROTO_NAME] = a end
  check(apps.HTTP and apps.HTTP.FLOWS == 3, "HTTP in the application table")
  check(e:app_name(apps.HTTP.L7_PROTO) == "HTTP", "app_name")
  local cats = 0
  for c in e:apps(true) do cats = cats + 1; check(c.L7_PROTO_CATEGORY ~= nil, "category row") end
  check(cats > 0, "category table")
end

-- SYNs from 10.0.0.66 to 6 ports of 10.0.0.2, never answered, with alert.port_scan_threshold 5:
-- e:on_alert sees the port scan engaged when the scan window ends.
local function tcp_syn(src, dst, sport, dport)
  local tcp = string.pack(">I2I2I4I4BBI2I2I2", sport, dport, 1000, 0, 5 << 4, 0x02, 1024, 0, 0)
  local hdr = string.pack(">BBI2I2I2BBI2", 0x45, 0, 20 + #tcp, 1, 0, 64, 6, 0) .. src .. dst
  hdr = hdr:sub(1, 10) .. string.pack(">I2", csum(hdr)) .. hdr:sub(13)
  return hdr .. tcp
end

local function test_on_alert()
  local e <close> = ntopcore.engine{ ["dpi.enable"] = false, ["alert.port_scan_threshold"] = 5 }
  local seen = {}
  e:on_alert(function(a) seen[#seen + 1] = a end)
  for i = 0, 5 do
    assert(e:ingest(tcp_syn(ip4(10, 0, 0, 66), ip4(10, 0, 0, 2), 40000, 1 + i), (T0 + i) * 1000000,
                    ntopcore.linktype.RAW))
  end
  -- T0 % 60 == 20: the scan window [T0 - 20, T0 + 40) ends, the scan engages and stays engaged
  -- through the next window: e:alerts() lists it, then not once it is released.
  e:advance((T0 + 50) * 1000000)
  local engaged = {}
  for a in e:alerts() do engaged[#engaged + 1] = a end
  check(#engaged >= 1 and engaged[1].ALERT_TYPE == "port_scan" and engaged[1].STATE == "engaged"
        and engaged[1].ENTITY_ID == "10.0.0.66", "e:alerts(): the engaged port scan (%d)", #engaged)
  e:advance((T0 + 300) * 1000000)
  local after = 0
  for _ in e:alerts() do after = after + 1 end
  check(after == 0, "e:alerts() after the release: %d", after)
  local scan
  for _, a in ipairs(seen) do if a.ALERT_TYPE == "port_scan" then scan = scan or a end end
  check(scan ~= nil, "on_alert: a port_scan alert (%d alerts)", #seen)
  if scan then
    check(scan.STATE == "engaged" and scan.ENTITY_ID == "10.0.0.66" and scan.SEVERITY ~= nil and
          type(scan.DETAILS) == "table", "on_alert record: %s %s", tostring(scan.STATE),
          tostring(scan.ENTITY_ID))
  end
end

if mode == "pcaps" then
  local files = {}
  local p = io.popen("ls " .. shell_quote(input) .. " 2>/dev/null")
  for name in p:lines() do
    if name:match("%.pcapn?g?$") then files[#files + 1] = input .. "/" .. name end
  end
  p:close()
  if #files == 0 then
    print("SKIP: no captures in " .. input)
    os.exit(77)
  end
  table.sort(files)
  local args = {}
  for _, f in ipairs(files) do args[#args + 1] = "-r " .. shell_quote(f) end
  -- All the captures at once (merged in time order), as one engine reads them.
  local flows = compare_with_export(files, table.concat(args, " "), nil, #files .. " captures")
  check(#flows > 100, "%d flows from the captures", #flows)
else
  test_sample(input)
  test_ticks_and_flow_ends()
  test_on_alert()
  test_errors_and_lifetime(input)
end

print(string.format("%d passed, %d failed", checks - failures, failures))
os.exit(failures == 0 and 0 or 1)
