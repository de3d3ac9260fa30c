-- The installable module: Debian's lua5.4 finds ntopcore.so on LUA_CPATH and it works there.
--   lua5.4 test_require.lua SAMPLE_PCAP
local ntopcore = require "ntopcore"
assert(package.loaded.ntopcore == ntopcore)
assert(ntopcore.version():match("^%d+%.%d+%.%d+"), "version")
local e <close> = ntopcore.engine{ ["dpi.enable"] = false }
e:open_file(arg[1])
local n, bytes = 0, 0
for flow in e:flows() do
  n = n + 1
  bytes = bytes + flow.IN_BYTES + flow.OUT_BYTES
end
local st = e:stats()
assert(n == st.flows_total and n > 0, "flows " .. n .. " vs " .. st.flows_total)
assert(bytes > 0 and bytes <= st.ip_bytes, "bytes")
print(string.format("1 passed, 0 failed (%d flows through require \"ntopcore\")", n))
