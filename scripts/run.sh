#!/bin/bash
# Quick start: set up, build, and run the main job.
#   scripts/run.sh              flows of the project's own sample capture (crafted at build time)
#   scripts/run.sh -i IFACE     live on IFACE (root), until Ctrl-C
#   scripts/run.sh ARGS...      any ntop-export arguments
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -d build ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
if [ $# -eq 0 ]; then
  set -- -r build/tests/data/sample.pcap -m 192.168.1.0/24 -v
fi
exec build/tools/ntop-export "$@"
