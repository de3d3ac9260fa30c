-- Top talkers of a capture with the Lua module:  lua5.4 top_talkers.lua trace.pcap [N]
-- (the module is ntopcore.so in Lua's C module path; from a build tree:
--  LUA_CPATH='build/bindings/lua/?.so' lua5.4 examples/lua/top_talkers.lua trace.pcap)
local ntopcore = require "ntopcore"

local file, n = arg[1], tonumber(arg[2]) or 10
if not file then
  io.stderr:write("usage: top_talkers.lua FILE.pcap [N]\n")
  os.exit(2)
end

local e <close> = ntopcore.engine{ ["dpi.enable"] = true }
e:open_file(file)

-- Bytes sent by each client, and the applications it used, from every flow as it ends.
local talkers = {}
for flow in e:flows() do
  local who = flow.IPV4_SRC_ADDR or flow.IPV6_SRC_ADDR
  local t = talkers[who] or { bytes = 0, flows = 0, apps = {} }
  t.bytes = t.bytes + flow.IN_BYTES
  t.flows = t.flows + 1
  if flow.L7_PROTO_NAME then t.apps[flow.L7_PROTO_NAME] = true end
  talkers[who] = t
end

local list = {}
for who, t in pairs(talkers) do list[#list + 1] = { who = who, t = t } end
table.sort(list, function(a, b) return a.t.bytes > b.t.bytes end)
local st = e:stats()
print(string.format("%d packets, %d flows, %d clients", st.packets, st.flows_total, #list))
for i = 1, math.min(n, #list) do
  local apps = {}
  for a in pairs(list[i].t.apps) do apps[#apps + 1] = a end
  table.sort(apps)
  print(string.format("%-40s %10d bytes %5d flows  %s", list[i].who, list[i].t.bytes,
                      list[i].t.flows, table.concat(apps, ",")))
end
