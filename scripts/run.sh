#!/bin/bash
# Quick start: set up, build, and run the main job.
#   scripts/run.sh              ntop-top on the project's own sample capture (crafted at build
#                               time), replayed at 10x its pace, then its final state until q
#   scripts/run.sh -i IFACE     ntop-top live on IFACE (root), until q
#   scripts/run.sh ARGS...      any ntop-top arguments (-b for batch frames on a pipe)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -d build ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
tty=1
[ -t 0 ] && [ -t 1 ] || tty=0
if [ $# -eq 0 ]; then
  set -- -r build/tests/data/sample.pcap -m 192.168.1.0/24
  # On a terminal, replay at ten times the recorded pace; in batch, read it at once.
  [ $tty = 1 ] && set -- "$@" --speed 10
fi
# Without a terminal (CI, a pipe) the screen cannot open: print one batch frame (the end of a
# capture file, or the first seconds of a live interface) instead.
if [ $tty = 0 ]; then
  case " $* " in *" -b "*) ;; *) set -- -b -n 1 "$@" ;; esac
fi
exec build/tools/ntop-top "$@"
