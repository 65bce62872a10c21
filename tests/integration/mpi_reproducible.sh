#!/usr/bin/env bash
# The same config gives bitwise-identical /scenarios and /statistics for 1, 2 and 4 processes
# (4 oversubscribed on 2 cores) and 1 or 2 threads each: scenario i depends only on the seed and
# i, BLAS runs single-threaded per block, and statistics merge in global block order.
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_MPIEXEC:?path to mpiexec}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for model in leontief iim; do
  store="[output_change, total_output_loss, va_loss_by_region]"
  [ "$model" = iim ] && store="[inoperability, total_output_loss]"
  cat > "$tmp/$model.yaml" <<YAML
table: builtin
model: $model
scenarios: 3000
seed: 99
block_size: 256
shocks:
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: cn, type: final_demand, regions: [CN], change: {dist: triangular, min: -0.4, mode: -0.1, max: 0}, probability: 0.3}
output:
  store: $store
YAML
  OMP_NUM_THREADS=1 "$ICS" run "$tmp/$model.yaml" -o "$tmp/ref.h5" --quiet
  for np in 1 2 4; do
    for th in 1 2; do
      OMP_NUM_THREADS=$th "$ICS_MPIEXEC" --oversubscribe -np $np "$ICS" run "$tmp/$model.yaml" \
        -o "$tmp/np${np}t${th}.h5" --quiet
      h5diff "$tmp/ref.h5" "$tmp/np${np}t${th}.h5" /scenarios
      h5diff "$tmp/ref.h5" "$tmp/np${np}t${th}.h5" /statistics
      echo "ok $model: $np rank(s) x $th thread(s) identical to the single-process run"
    done
  done
done
