#!/bin/bash
# Build ntc-bench (release, in its own build directory), make the large benchmark capture if it is
# not there yet, run the benchmark on it and print the results.
#
# Usage: bench/run.sh [CAPTURE.pcap] [ntc-bench options...]
#   CAPTURE.pcap   capture to benchmark on (default /tmp/ntc-bench.pcap); made with
#                  ../shared/tools/make-bench-pcap.sh when missing. It must stay outside the
#                  repository: never commit it.
#   options        passed to ntc-bench (default: --repeat 3), e.g. --repeat 5 --set flow.max=1000000
# Environment:
#   NTC_BENCH_BUILD   build directory (default /tmp/ntc-bench-build)
#   NTC_SHARED        the shared folder with tools/ and pcaps/ (default: ../shared beside the
#                     repository, then /work/shared)
#   NTC_BENCH_COPIES  copies chained by make-bench-pcap.sh (its default: 60, about 0.45 GB)
#   NTC_BENCH_REMAKE  1: make the capture again even if it exists
#
# Without the shared folder: says so, and runs on the project's small sample capture when
# tests/data can generate one (figures then say little about DESIGN §5); otherwise exits 0.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${NTC_BENCH_BUILD:-/tmp/ntc-bench-build}
PCAP=/tmp/ntc-bench.pcap
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    PCAP=$1
    shift
fi
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(--repeat 3)

say() { printf '%s\n' "run.sh: $*" >&2; }

# The capture must not land in the repository.
case "$(realpath -m "$PCAP")/" in
    "$SRC"/*) say "refusing to write or read the capture inside the repository ($PCAP): use /tmp"; exit 1 ;;
esac

if [ -n "${NTC_SHARED:-}" ]; then
    SHARED=$NTC_SHARED
elif [ -d "$SRC/../shared" ]; then
    SHARED=$(cd "$SRC/../shared" && pwd)
else
    SHARED=/work/shared
fi
MAKER=$SHARED/tools/make-bench-pcap.sh

# ---- build ----
build() {
    local extra=("$@")
    if [ ! -f "$BUILD/build.ninja" ]; then
        say "configuring a release build in $BUILD"
        meson setup "$BUILD" "$SRC" -Dbuildtype=release -Dbench=true -Dtests=false \
            -Dexamples=false -Dtools=false "${extra[@]}" >/dev/null
    elif [ ${#extra[@]} -gt 0 ]; then
        meson configure "$BUILD" "${extra[@]}" >/dev/null
    fi
    local bt
    bt=$(meson introspect --buildoptions "$BUILD" 2>/dev/null |
         python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))' \
         2>/dev/null || echo unknown)
    [ "$bt" = release ] || say "warning: $BUILD has buildtype '$bt', not release"
    ninja -C "$BUILD" bench/ntc-bench >/dev/null
}

# ---- capture ----
need_tools() {
    local missing=()
    for t in editcap mergecap capinfos tcprewrite; do
        command -v "$t" >/dev/null || missing+=("$t")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "missing ${missing[*]}: installing wireshark-common and tcpreplay"
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        say "cannot install them here: apt-get install wireshark-common tcpreplay"
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wireshark-common tcpreplay >/dev/null
}

if [ ! -x "$MAKER" ] || [ ! -d "$SHARED/pcaps" ]; then
    say "the shared folder ($SHARED, with tools/make-bench-pcap.sh and pcaps/) is absent:"
    say "cannot make the benchmark capture."
    if [ -s "$PCAP" ]; then
        say "an existing capture is there, using it: $PCAP"
    elif [ -f "$SRC/tests/data/meson.build" ] && grep -q "sample.pcap" "$SRC/tests/data/meson.build" &&
         [ -f "$SRC/tests/data/make_sample.c" ]; then
        say "falling back to the project's sample capture (tiny: the figures say little about DESIGN §5)"
        if ! (build -Dtests=true && ninja -C "$BUILD" tests/data/sample.pcap >/dev/null); then
            say "could not build the sample capture; not running the benchmark."
            exit 0
        fi
        PCAP=$BUILD/tests/data/sample.pcap
    else
        say "nothing to run on; not running the benchmark."
        exit 0
    fi
else
    if [ ! -s "$PCAP" ] || [ "${NTC_BENCH_REMAKE:-0}" = 1 ]; then
        need_tools
        say "making the benchmark capture $PCAP (60 copies by default: about 0.5 GB, under a minute)"
        "$MAKER" "$PCAP" ${NTC_BENCH_COPIES:+"$NTC_BENCH_COPIES"} >/dev/null
    else
        say "reusing $PCAP (NTC_BENCH_REMAKE=1 makes it again)"
    fi
fi

build
say "running: $BUILD/bench/ntc-bench $PCAP ${ARGS[*]}"
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
say "load average $load on $(nproc) cores (other work on the machine skews the figures)"
"$BUILD/bench/ntc-bench" "$PCAP" "${ARGS[@]}"
# The one table of DESIGN §5: bare loop, flows only, DPI, ndpiReader, same file, same run.
NTC_BENCH_BUILD=$BUILD "$SRC/bench/compare.sh" "$PCAP"
