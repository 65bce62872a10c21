#!/usr/bin/env bash
# The batched block counter (drivers/sched.c: a rank takes about 10 ms of its work per fetch, at
# most ceil(R/2P) of the R blocks left, single blocks at the end) hands out every block exactly
# once: 2,048 blocks of 64 scenarios on 1 rank, 2 ranks x 2 threads, and 8 and 16 ranks
# oversubscribing the cores (ranks of unequal speed, so batches of many sizes and the final
# single-block ones race for the counter). A lost block leaves a /progress/block_done flag at 0
# and too few values in the histograms streamed with the blocks; a block computed twice puts its
# values into those histograms twice: either way the finalisation's check (the histograms hold
# exactly the dataset's N values, core/stats/rowstats.c) fails the run. The files must also be
# identical to the single-process run's.
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_MPIEXEC:?path to mpiexec}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/run.yaml" <<'YAML'
table: builtin
model: leontief
scenarios: 131072
seed: 17
block_size: 64
shocks:
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: cn, type: final_demand, regions: [CN], change: {dist: normal, mean: -0.2, sd: 0.1}, probability: 0.5}
output:
  store: [total_output_loss, va_loss_by_region]
YAML
check_flags() {
  /usr/bin/python3 - "$1" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    d = np.asarray(f["/progress/block_done"])
    assert d.size == 2048, "expected 2048 block flags, found %d" % d.size
    assert np.all(d == 1), "blocks not flagged done: %s" % np.flatnonzero(d != 1)[:10]
PY
}
OMP_NUM_THREADS=1 "$ICS" run "$tmp/run.yaml" -o "$tmp/ref.h5" --force --quiet
check_flags "$tmp/ref.h5"
for cfg in 2x2 8x1 16x1; do
  np=${cfg%x*} th=${cfg#*x}
  OMP_NUM_THREADS=$th "$ICS_MPIEXEC" --oversubscribe -np "$np" "$ICS" run "$tmp/run.yaml" \
    -o "$tmp/np$np.h5" --force --quiet
  check_flags "$tmp/np$np.h5"
  h5diff "$tmp/ref.h5" "$tmp/np$np.h5" /scenarios
  h5diff "$tmp/ref.h5" "$tmp/np$np.h5" /statistics
  echo "ok $np rank(s) x $th thread(s): 2048 blocks each done once, files identical to 1 rank"
done
