-- For ntop-dump: keep every packet of the hosts of SSH sessions, from the second the session is
-- classified until ten minutes (packet time) after it was last seen.
--   ntop-dump -i eth0 --under-attack --script dump_ssh_hosts.lua -w 'ssh-%Y%m%d-%H%M.pcap'
-- (--under-attack writes only marked hosts: the ones this script marks, and those of alerts.)
local KEEP = 600          -- seconds a host stays marked after its last SSH session
local until_t = {}        -- address -> time its mark ends

local function keep(addr, now)
  if not until_t[addr] then
    local ok, why = ntop.dump_host(addr)
    print(string.format("dump %s from %d: %s", addr, math.floor(now), ok and "marked" or why))
  end
  until_t[addr] = now + KEEP
end

function on_second(now)
  for f in interface.flows() do
    if f.L7_PROTO_NAME == "SSH" then
      keep(f.IPV4_SRC_ADDR or f.IPV6_SRC_ADDR, now)
      keep(f.IPV4_DST_ADDR or f.IPV6_DST_ADDR, now)
    end
  end
  for addr, t in pairs(until_t) do
    if now >= t then
      ntop.dump_host(addr, false)
      until_t[addr] = nil
      print(string.format("dump %s: unmarked at %d", addr, math.floor(now)))
    end
  end
end
