#!/bin/bash
# Set up, build with AddressSanitizer + UndefinedBehaviorSanitizer and -Werror, run every test;
# then run the multi-threaded snapshot, exporter and Python-helper tests under ThreadSanitizer.
# Tests that need ../shared/pcaps (real captures) skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# The bindings are required here (they are 'auto' by default): CI must build and test them.
meson setup build-asan --wipe -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true \
  -Dbuildtype=debugoptimized -Dlua=enabled -Dpython=enabled >/dev/null 2>&1 || \
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true \
  -Dbuildtype=debugoptimized -Dlua=enabled -Dpython=enabled >/dev/null
ninja -C build-asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
meson test -C build-asan --print-errorlogs --num-processes 2

# ThreadSanitizer cannot share a build with ASan: a plain configuration builds the snapshot test
# with its own TSan-instrumented copy of the library (tests/api/meson.build) and runs it.
meson setup build-tsan --wipe -Dwerror=true -Dbuildtype=debugoptimized >/dev/null 2>&1 || \
  meson setup build-tsan -Dwerror=true -Dbuildtype=debugoptimized >/dev/null
ninja -C build-tsan tests/api/snapshot_tsan tests/export/export_tsan tests/bindings/helper_tsan
meson test -C build-tsan --no-rebuild --print-errorlogs snapshot-tsan export-tsan python-helper-tsan
