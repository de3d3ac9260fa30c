#!/bin/bash
# Meson test of suite 'fuzz': replay the target's corpus (seeds and regression files), then fuzz for
# a bounded time from that corpus with a fixed seed. Fails on any crash, leak, sanitizer report,
# timeout or out-of-memory; the input that failed is kept and its replay command is printed.
#
#   tests/fuzz/run.sh [--seconds N] OUTDIR TARGET [LIBRARY_SOURCE.c ...]
#       builds the targets first with clang (build.sh, shared by the tests of the suite,
#       incremental) into OUTDIR: the way when the meson build does not build them (gcc);
#   tests/fuzz/run.sh --built PATH/TO/fuzz_<what> [--seconds N]
#       runs a target the meson build made (meson option fuzz); its directory holds the work files.
#
# --seconds N: fuzzing time after the replay (default 20; 0: replay only).
# Environment (wins over the arguments):
#   FUZZ_SECONDS  fuzzing time after the replay
#   FUZZ_SEED     libFuzzer -seed (default 1: the same mutations on every run)
# Exit status: 0 passed, 1 failed, 77 skipped (no clang with libFuzzer; see build.sh).
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
usage() { echo "usage: $0 [--seconds N] OUTDIR TARGET [SOURCE.c ...] | --built BINARY [--seconds N]" >&2; exit 2; }
built=""
secs_arg=20
while [ $# -gt 0 ]; do
  case "$1" in
    --built) [ $# -ge 2 ] || usage; built="$2"; shift 2 ;;
    --seconds) [ $# -ge 2 ] || usage; secs_arg="$2"; shift 2 ;;
    *) break ;;
  esac
done

if [ -n "$built" ]; then
  [ -x "$built" ] || { echo "fuzz: no such target: $built" >&2; exit 1; }
  out="$(cd "$(dirname "$built")" && pwd)"
  target="$(basename "$built")"
else
  [ $# -ge 2 ] || usage
  out="$1"
  target="$2"
  shift 2
  "$here/build.sh" "$out" "$@"
  rc=$?
  [ "$rc" = 0 ] || exit "$rc"
  out="$(cd "$out" && pwd)"
fi

bin="$out/$target"
corpus="$here/corpus/$target"
work="$out/work/$target"        # inputs found in this run (the source tree is never written)
artifacts="$out/artifacts"
[ -x "$bin" ] || { echo "fuzz: no such target: $bin" >&2; exit 1; }
[ -d "$corpus" ] || { echo "fuzz: no corpus: $corpus" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work" "$artifacts"

# Our options win over whatever the caller exported (meson sets abort_on_error=1 by default).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:abort_on_error=0:halt_on_error=1:print_summary=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1:abort_on_error=0"
if [ -f "$here/lsan.supp" ]; then
  export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$here/lsan.supp:print_suppressions=0"
fi

common=(-rss_limit_mb=2048 -timeout=25 -print_final_stats=1 "-artifact_prefix=$artifacts/$target-")
log="$out/$target.log"

report() {
  echo "fuzz: $target FAILED ($1); last lines of $log:"
  grep -E "ERROR|SUMMARY|runtime error|check failed|Test unit written|^    #[0-9]" "$log" | head -40
  local a
  a="$(grep -o '^Running: .*' "$log" | tail -n 1 | sed 's/^Running: //')"
  [ -z "$a" ] || echo "fuzz: failing corpus file: $a (reproduce with: $bin $a)"
  for a in $(grep -o "Test unit written to [^ ]*" "$log" | sed 's/Test unit written to //'); do
    echo "fuzz: reproduce with: $bin $a"
    echo "fuzz: keep it as a regression: cp $a $corpus/"
  done
  exit 1
}

# 1. Replay every file of the corpus, in order, in one process.
mapfile -t files < <(find "$corpus" -type f | LC_ALL=C sort)
start=$(date +%s)
if ! "$bin" "${common[@]}" "${files[@]}" >"$log" 2>&1; then
  report "replaying the corpus"
fi
echo "fuzz: $target: replayed ${#files[@]} corpus files"

# 2. Fuzz from the corpus.
secs="${FUZZ_SECONDS:-$secs_arg}"
if [ "$secs" -gt 0 ]; then
  if ! "$bin" "${common[@]}" -seed="${FUZZ_SEED:-1}" -max_total_time="$secs" \
       "$work" "$corpus" >"$log" 2>&1; then
    report "fuzzing, -seed=${FUZZ_SEED:-1}"
  fi
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+[[:space:]]+DONE" "$log" | \
    sed "s/^/fuzz: $target: /"
fi
echo "fuzz: $target: passed in $(( $(date +%s) - start )) s"
