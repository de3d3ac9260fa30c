#!/bin/bash
# Set up, build with AddressSanitizer + UndefinedBehaviorSanitizer and -Werror, run every test;
# then a ThreadSanitizer build runs the multi-threaded (snapshot) tests.
# Tests that need ../shared/pcaps (real captures) skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

meson setup build-asan --wipe -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true \
  -Dbuildtype=debugoptimized >/dev/null 2>&1 || \
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true \
  -Dbuildtype=debugoptimized >/dev/null
ninja -C build-asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
meson test -C build-asan --print-errorlogs --num-processes 2

meson setup build-tsan --wipe -Db_sanitize=thread -Dwerror=true -Dbuildtype=debugoptimized \
  >/dev/null 2>&1 || meson setup build-tsan -Db_sanitize=thread -Dwerror=true >/dev/null
ninja -C build-tsan
TSAN_OPTIONS="halt_on_error=1 exitcode=66" meson test -C build-tsan --suite tsan --print-errorlogs
