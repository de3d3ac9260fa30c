-- A script for the tools:  ntop-export -r trace.pcap --script heavy_flows_script.lua -o jsonl:/dev/null
--                          ntop-top -i eth0 --script heavy_flows_script.lua
-- Reports flows above a size when they end, and once a minute (packet time) the busiest
-- applications and how many flows are open. Runs sandboxed: no os/io, limited instructions and
-- memory per call; print() goes to standard error.
local LIMIT = 1000000 -- bytes

function on_flow_end(flow, reason)
  local bytes = flow.IN_BYTES + flow.OUT_BYTES
  if bytes >= LIMIT then
    print(string.format("heavy flow: %s:%d -> %s:%d %s, %d bytes (%s)",
      flow.IPV4_SRC_ADDR or flow.IPV6_SRC_ADDR, flow.L4_SRC_PORT,
      flow.IPV4_DST_ADDR or flow.IPV6_DST_ADDR, flow.L4_DST_PORT,
      flow.L7_PROTO_NAME or "?", bytes, reason))
  end
end

function on_minute(now)
  local open = 0
  for _ in interface.flows() do open = open + 1 end
  local apps = {}
  for a in interface.apps() do apps[#apps + 1] = a end
  table.sort(apps, function(a, b) return a.IN_BYTES + a.OUT_BYTES > b.IN_BYTES + b.OUT_BYTES end)
  local top = {}
  for i = 1, math.min(3, #apps) do top[i] = apps[i].L7_PROTO_NAME end
  print(string.format("minute %d: %d flows open, top applications: %s",
    math.floor(now / 60) % 60, open, table.concat(top, ", ")))
end
