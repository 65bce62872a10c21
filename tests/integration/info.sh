#!/usr/bin/env bash
# Acceptance: `icstress info` prints the OpenBLAS core; the generic-core warning appears when a
# generic core runs on a CPU with AVX2/AVX-512, and names OPENBLAS_CORETYPE. The commit the binary
# reports is the checkout's current one (regenerated at every build, not frozen at configure).
set -euo pipefail
: "${ICS:?path to the icstress binary}"
out=$("$ICS" info)
echo "$out"
grep -q "^BLAS core:" <<<"$out"
grep -q "^HDF5:" <<<"$out"
grep -q "^MPI:" <<<"$out"
"$ICS" --version | grep -q "^icstress "
src=$(cd "$(dirname "$0")/../.." && pwd)
if head=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null); then
  got=$("$ICS" --version | sed -n 's/.*(commit \([^)]*\)).*/\1/p')
  # a clean build names the checkout's commit; a "-dirty" one was built from changes on top of
  # its commit, which may have been committed since: that commit must be HEAD or an ancestor
  if [ "${got%-dirty}" = "$got" ]; then ok=$([ "$got" = "$head" ] && echo y || echo n)
  else ok=$(git -C "$src" merge-base --is-ancestor "${got%-dirty}" HEAD 2>/dev/null && echo y || echo n)
  fi
  [ "$ok" = y ] || { echo "icstress reports commit $got, the checkout is at $head"; exit 1; }
fi
if grep -qE 'avx2|avx512f' /proc/cpuinfo; then
  forced=$(OPENBLAS_CORETYPE=PRESCOTT "$ICS" info)
  grep -q "BLAS core:.*Prescott" <<<"$forced"
  grep -q "OPENBLAS_CORETYPE" <<<"$forced"
  grep -qi "warning" <<<"$forced"
  if grep -q avx512f /proc/cpuinfo; then
    good=$(OPENBLAS_CORETYPE=SKYLAKEX "$ICS" info)
    grep -q "BLAS core:.*SkylakeX" <<<"$good"
    ! grep -qi "warning" <<<"$good"
  fi
fi
