#!/usr/bin/python3
"""Flows of a capture in a pandas DataFrame: traffic per application.

    PYTHONPATH=build/bindings/python examples/python/flows_to_pandas.py trace.pcap
"""
import sys

import ntopcore

if len(sys.argv) != 2:
    sys.exit("usage: flows_to_pandas.py FILE.pcap")

df = ntopcore.Engine(sys.argv[1], local_networks="192.168.0.0/16").to_pandas()
df["BYTES"] = df["IN_BYTES"] + df["OUT_BYTES"]
by_app = (df.groupby("L7_PROTO_NAME")
            .agg(flows=("BYTES", "size"), bytes=("BYTES", "sum"))
            .sort_values("bytes", ascending=False))
print("%d flows, %d bytes" % (len(df), df["BYTES"].sum()))
print(by_app.head(10).to_string())
