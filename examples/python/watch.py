#!/usr/bin/python3
"""Watch a live interface (or replay a file) with callbacks: every second of packet time the
packet rate, and each flow that ends with more than 100 kB.

    sudo PYTHONPATH=build/bindings/python examples/python/watch.py eth0
    PYTHONPATH=build/bindings/python examples/python/watch.py trace.pcap
"""
import signal
import sys

import ntopcore

if len(sys.argv) != 2:
    sys.exit("usage: watch.py IFACE|FILE.pcap")

engine = ntopcore.Engine(sys.argv[1])


def on_tick(tick, now):
    if tick == "second":
        st = engine.stats()
        print("%.0f: %.0f packets/s, %d flows open" % (now, st["pps"], st["flows_active"]))


def on_flow_end(flow, reason):
    size = flow.IN_BYTES + flow.OUT_BYTES
    if size > 100000:
        print("  %s -> %s %s %d bytes (%s)" % (flow.get("IPV4_SRC_ADDR", flow.get("IPV6_SRC_ADDR")),
              flow.get("IPV4_DST_ADDR", flow.get("IPV6_DST_ADDR")), flow.get("L7_PROTO_NAME", "?"),
              size, reason))


engine.on_tick = on_tick
engine.on_flow_end = on_flow_end
signal.signal(signal.SIGINT, lambda *a: engine.stop())  # Ctrl-C: stop, then report what is open
engine.run()            # the engine runs in C with the GIL released; callbacks come back here
engine.flush()
