#!/usr/bin/env bash
# Run each libFuzzer target on its seed corpus for a bounded time (CI; a crash, leak or hang
# fails). Usage: tests/fuzz/run.sh BUILD_DIR [target ...]; ICS_FUZZ_SECONDS (default 60) per
# target. New inputs go to a scratch directory, never into the committed seed corpus; a crashing
# input is kept as BUILD_DIR/fuzz-artifacts/crash-* (reproduce: BUILD_DIR/tests/fuzz/fuzz_<t> FILE).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [target ...]}" && pwd)
shift
targets=("$@")
((${#targets[@]})) || targets=(config table_csv table_h5)
secs=${ICS_FUZZ_SECONDS:-60}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$build/fuzz-artifacts"
for t in "${targets[@]}"; do
  work="$build/fuzz-corpus/$t"
  mkdir -p "$work"
  dict=()
  [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
  # inputs up to 4 KB (libFuzzer would otherwise stop at the largest seed); raw HDF5 files as seeded
  len=(-max_len=4096)
  [ "$t" = h5_bytes ] && len=()
  echo "== fuzz_$t: ${secs}s on tests/fuzz/corpus/$t =="
  "$build/tests/fuzz/fuzz_$t" "${dict[@]}" "${len[@]}" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/" "$work" "$here/corpus/$t"
done
