#!/bin/bash
# Build the libFuzzer targets of tests/fuzz with clang, independently of the compiler the main
# build uses (gcc has no libFuzzer): the library sources are compiled a second time with
# -fsanitize=fuzzer-no-link,address,undefined into a private archive, and each fuzz_*.c is linked
# against it with -fsanitize=fuzzer,address,undefined.
#
#   tests/fuzz/build.sh OUTDIR [LIBRARY_SOURCE.c ...]
#
# Without sources, every lib/*/*.c is compiled (meson's test passes the exact `ntc_sources` list).
# Incremental: nothing is rebuilt while the sources, headers, fuzz targets and flags are unchanged
# (a hash of all of them is kept in OUTDIR/.stamp). Concurrent invocations on the same OUTDIR
# serialise on a lock, so the meson tests of the suite can start together.
#
# Exit status: 0 built (or up to date), 77 when clang or its libFuzzer/ASan/UBSan runtimes are not
# available (libclang-rt-NN-dev on Debian), 1 when compilation fails.
# Environment: CC (default: clang), FUZZ_EXTRA_CFLAGS (appended), FUZZ_JOBS (parallel compiles),
# FUZZ_NDPI_SRC (an nDPI source tree built with sanitizers, to link instead of the system libndpi).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [SOURCE.c ...]" >&2; exit 2; }
out="$1"
shift
mkdir -p "$out"
out="$(cd "$out" && pwd)"

if [ $# -gt 0 ]; then
  srcs=("$@")
else
  srcs=("$root"/lib/*/*.c)
fi

CC="${CC:-clang}"
case "$(basename "$CC")" in
  clang*) ;;
  *) CC=clang ;;   # the main build's CC (gcc) is no use here
esac
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "fuzz: SKIP: $CC not found (apt-get install clang libclang-rt-14-dev)"
  exit 77
fi

targets=(fuzz_decode fuzz_engine fuzz_pcap_file fuzz_config fuzz_netflow fuzz_zmq)

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-std=c11 -g -O1 -D_GNU_SOURCE -fvisibility=hidden $san
  -I$root/include -I$root/lib ${FUZZ_EXTRA_CFLAGS:-}"

# Exclusive lock for the rest of the script (fd 9).
exec 9>"$out/.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

# libFuzzer present? (clang without compiler-rt links nothing with -fsanitize=fuzzer.)
probe="$out/.probe"
mkdir -p "$probe"
cat >"$probe/p.c" <<'PROBE'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
PROBE
if ! "$CC" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1; then
  echo "fuzz: SKIP: $CC cannot link -fsanitize=fuzzer,address,undefined (libclang-rt-NN-dev missing?):"
  sed 's/^/  /' "$probe/log" | head -5
  exit 77
fi

# The collectors (lib/collect) and exporters need libzmq, json-c and zlib as well.
coll_pkgs="libzmq json-c zlib"
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists libndpi libpcap $coll_pkgs; then
  echo "fuzz: SKIP: pkg-config cannot find libndpi, libpcap, $coll_pkgs"
  exit 77
fi
dep_cflags="$(pkg-config --cflags libndpi libpcap $coll_pkgs)"
dep_libs="$(pkg-config --libs libndpi libpcap $coll_pkgs) -lpthread -lm"
# The system libndpi is not instrumented: the fuzzer gets no coverage from inside nDPI and ASan
# sees only what passes through its interceptors (malloc/free, mem*/str*). FUZZ_NDPI_SRC names an
# nDPI 4.2 source tree built with the same sanitizers (README.md): link its static library instead.
if [ -n "${FUZZ_NDPI_SRC:-}" ]; then
  [ -f "$FUZZ_NDPI_SRC/src/lib/libndpi.a" ] || { echo "fuzz: no $FUZZ_NDPI_SRC/src/lib/libndpi.a" >&2; exit 1; }
  mkdir -p "$out/ndpi-include"
  ln -sfn "$FUZZ_NDPI_SRC/src/include" "$out/ndpi-include/ndpi"
  dep_cflags="-I$out/ndpi-include $(pkg-config --cflags libpcap $coll_pkgs)"
  dep_libs="$FUZZ_NDPI_SRC/src/lib/libndpi.a $(pkg-config --libs libpcap libgcrypt 2>/dev/null || echo -lpcap -lgcrypt) $(pkg-config --libs $coll_pkgs) -lpthread -lm"
fi

# Up to date?
stamp="$(
  {
    echo "$CC $("$CC" --version | head -1)"
    echo "$cflags $dep_cflags $dep_libs"
    [ -z "${FUZZ_NDPI_SRC:-}" ] || stat -c '%Y %s' "$FUZZ_NDPI_SRC/src/lib/libndpi.a"
    printf '%s\n' "${srcs[@]}"
    cat "${srcs[@]}"
    find "$root/include" "$root/lib" -name '*.h' -print0 | sort -z | xargs -0 cat
    cat "$here"/fuzz_*.c "$here"/fuzz_common.h
  } | sha256sum | cut -d' ' -f1
)"
all_there=1
for t in "${targets[@]}"; do [ -x "$out/$t" ] || all_there=0; done
if [ "$all_there" = 1 ] && [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
  echo "fuzz: targets in $out are up to date"
  exit 0
fi
rm -f "$out/.stamp"

start=$(date +%s)
obj="$out/obj"
rm -rf "$obj"
mkdir -p "$obj"
jobs="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}"
export CC cflags dep_cflags obj root
# One object per source; the name keeps the path so lib/a/x.c and lib/b/x.c cannot collide.
if ! printf '%s\0' "${srcs[@]}" | xargs -0 -P "$jobs" -I{} sh -c '
    src="$1"; rel="${src#"$root"/}"; o="$obj/$(printf %s "$rel" | tr / _).o"
    exec $CC $cflags -fsanitize=fuzzer-no-link $dep_cflags -c "$src" -o "$o"' _ {}; then
  echo "fuzz: compiling the library failed" >&2
  exit 1
fi
rm -f "$out/libntopcore-fuzz.a"
ar rcs "$out/libntopcore-fuzz.a" "$obj"/*.o

for t in "${targets[@]}"; do
  # shellcheck disable=SC2086
  "$CC" $cflags -fsanitize=fuzzer $dep_cflags "$here/$t.c" "$out/libntopcore-fuzz.a" $dep_libs \
    -o "$out/$t" &
done
fail=0
for _ in "${targets[@]}"; do wait -n || fail=1; done
[ "$fail" = 0 ] || { echo "fuzz: linking a target failed" >&2; exit 1; }
echo "$stamp" >"$out/.stamp"
echo "fuzz: built ${targets[*]} in $out ($(( $(date +%s) - start )) s)"
