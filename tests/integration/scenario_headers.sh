#!/usr/bin/env bash
# The scenario library's headers (configs/scenarios/*.yaml): the headline and aggregates blocks
# are exactly what the full runs print (configs/scenarios/run_all.sh --check), for every scenario
# that tests/integration/scenario_library.sh does not already check (mature_expansion,
# service_cutoff), so that the two tests together check the whole library. Runs under MPI with
# 2 ranks of 1 thread (the statistics are bitwise the same for any number of ranks).
# In the sanitizer build (6-7 times slower: the whole library would take about an hour) only
# taiwan_outage is checked, the scenario whose header used to differ between builds (the
# rounding residue of its unshocked scenarios, now exactly 0).
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_MPIEXEC:?path to mpiexec}" "${ICS_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
dir="$ICS_SOURCE_DIR/configs/scenarios"

names=()
if ldd "$ICS" 2>/dev/null | grep -q 'libasan'; then
  names=(taiwan_outage)
  echo "sanitizer build: checking taiwan_outage only"
else
  for f in "$dir"/*.yaml; do
    n=$(basename "$f" .yaml)
    case "$n" in mature_expansion | service_cutoff) continue ;; esac
    names+=("$n")
  done
fi
[ ${#names[@]} -ge 1 ]
OMP_NUM_THREADS=1 ICS="$ICS" ICS_OUTDIR="$tmp" ICS_NP=2 ICS_MPIEXEC="$ICS_MPIEXEC" \
  ICS_MPI_ARGS=--oversubscribe "$dir/run_all.sh" --check "${names[@]}"
echo "ok: the headers of ${#names[@]} scenario(s) are what their commands print"
