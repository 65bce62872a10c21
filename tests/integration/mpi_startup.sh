#!/usr/bin/env bash
# Open MPI start-up setting (drivers/main.c, docs/hpc.md "MPI start-up"). A process that no
# launcher started, and the ranks of an mpirun on one node, run with pml ob1, as Open MPI itself
# reports it through MPI_T (`icstress info`, "in effect"); a setting the user made and
# ICS_MPI_DEFAULTS=0 are kept; and the results are the same bits with and without the setting, for
# one and two ranks. (Two runs side by side, one refused at once, are integration_exclusive_output:
# it failed when icstress also made single processes isolated singletons sharing one session
# directory.)
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_MPIEXEC:?path to mpiexec}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset OMPI_MCA_pml ICS_MPI_DEFAULTS \
      OMPI_COMM_WORLD_SIZE OMPI_COMM_WORLD_RANK PMIX_RANK PMI_RANK PMI_SIZE SLURM_PROCID

startup() { "$@" info | grep '^MPI start-up:'; }
expect() { # expect LINE PATTERN...: every pattern is in LINE
  local line=$1; shift
  for p in "$@"; do
    grep -qF -- "$p" <<<"$line" || { echo "FAIL: '$p' not in: $line"; exit 1; }
  done
}

line=$(startup "$ICS"); echo "$line"
expect "$line" "pml=ob1 set by icstress for a single process" "in effect: pml ob1"
line=$(ICS_MPI_DEFAULTS=0 startup "$ICS"); echo "$line"
expect "$line" "Open MPI's own (ICS_MPI_DEFAULTS=0)"
grep -qF "pml ob1" <<<"$line" && { echo "FAIL: ICS_MPI_DEFAULTS=0 still runs pml ob1"; exit 1; }
# the user's own choice stands
line=$(OMPI_MCA_pml='^cm' startup "$ICS"); echo "$line"
expect "$line" "Open MPI's own (OMPI_MCA_pml is set)" "in effect: pml ^cm"
# ranks of mpirun on this one node: pml ob1 on every rank (rank 0 prints; all must agree, or
# Open MPI's PML check fails the run below)
line=$(startup "$ICS_MPIEXEC" --oversubscribe -np 2 "$ICS"); echo "$line"
expect "$line" "pml=ob1 set by icstress for ranks on one node" "in effect: pml ob1"
line=$(startup "$ICS_MPIEXEC" --oversubscribe -x ICS_MPI_DEFAULTS=0 -np 2 "$ICS"); echo "$line"
expect "$line" "Open MPI's own (ICS_MPI_DEFAULTS=0)"

# the same numbers either way
cat > "$tmp/c.yaml" <<YAML
table: builtin
model: leontief
scenarios: 3000
seed: 5
block_size: 256
shocks:
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: tw, type: final_demand, regions: [TW], change: {dist: beta, a: 2, b: 5, min: -0.5, max: 0}}
output:
  store: [output_change, total_output_loss]
YAML
"$ICS" run "$tmp/c.yaml" -o "$tmp/set.h5" --quiet
ICS_MPI_DEFAULTS=0 "$ICS" run "$tmp/c.yaml" -o "$tmp/own.h5" --quiet
"$ICS_MPIEXEC" --oversubscribe -np 2 "$ICS" run "$tmp/c.yaml" -o "$tmp/set2.h5" --quiet
"$ICS_MPIEXEC" --oversubscribe -x ICS_MPI_DEFAULTS=0 -np 2 "$ICS" run "$tmp/c.yaml" \
  -o "$tmp/own2.h5" --quiet
for f in own set2 own2; do
  h5diff "$tmp/set.h5" "$tmp/$f.h5" /scenarios
  h5diff "$tmp/set.h5" "$tmp/$f.h5" /statistics
done
echo "ok: /scenarios and /statistics identical with and without the start-up setting, 1 and 2 ranks"
