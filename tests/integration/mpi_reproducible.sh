#!/usr/bin/env bash
# The same config gives bitwise-identical /scenarios and /statistics for 1, 2 and 4 processes
# (4 oversubscribed on 2 cores) and 1 or 2 threads each, for the mc, lhs and sobol samplers:
# scenario i depends only on the seed and i, BLAS runs single-threaded per block, and statistics
# are computed in scenario order from the stored data.
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_MPIEXEC:?path to mpiexec}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for case in leontief:mc iim:lhs leontief:sobol ghosh:mc; do
  model=${case%%:*} sampler=${case##*:}
  store="[output_change, total_output_loss, va_loss_by_region]"
  [ "$model" = iim ] && store="[inoperability, total_output_loss]"
  type=final_demand
  [ "$model" = ghosh ] && type=value_added
  cat > "$tmp/$model.yaml" <<YAML
table: builtin
model: $model
sampler: $sampler
scenarios: 4096
seed: 99
block_size: 256
shocks:
  - {name: down, type: $type, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: cn, type: $type, regions: [CN], change: {dist: triangular, min: -0.4, mode: -0.1, max: 0}, probability: 0.3}
  - {name: tw, type: $type, regions: [TW], change: {dist: beta, a: 2, b: 5, min: -0.5, max: 0}}
correlation:
  factors: [down, tw]
  matrix: [[1, 0.6], [0.6, 1]]
output:
  store: $store
YAML
  OMP_NUM_THREADS=1 "$ICS" run "$tmp/$model.yaml" -o "$tmp/ref.h5" --quiet
  # the Gaussian copula with rho = 0.6 gives Spearman's rho = (6/pi) asin(rho/2) = 0.5824
  /usr/bin/python3 - "$tmp/ref.h5" <<'PY'
import sys, math, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
a = f["/scenarios/parameters/down/change"][...]; b = f["/scenarios/parameters/tw/change"][...]
ra = np.argsort(np.argsort(a)); rb = np.argsort(np.argsort(b))
rs = np.corrcoef(ra, rb)[0, 1]
want = 6 / math.pi * math.asin(0.3)
print(f"copula: Spearman rho {rs:.4f}, expected {want:.4f}")
assert abs(rs - want) < 0.04, rs
PY
  for np in 1 2 4; do
    for th in 1 2; do
      OMP_NUM_THREADS=$th "$ICS_MPIEXEC" --oversubscribe -np $np "$ICS" run "$tmp/$model.yaml" \
        -o "$tmp/np${np}t${th}.h5" --quiet
      h5diff "$tmp/ref.h5" "$tmp/np${np}t${th}.h5" /scenarios
      h5diff "$tmp/ref.h5" "$tmp/np${np}t${th}.h5" /statistics
      echo "ok $model/$sampler: $np rank(s) x $th thread(s) identical to the single-process run"
    done
  done
done

# dynamic models: the same for diim (and ario), with trajectories and recovery times stored
for model in diim ario; do
  cat > "$tmp/$model.yaml" <<YAML
table: builtin
model: $model
sampler: lhs
scenarios: 600
seed: 3
block_size: 64
horizon: 30
shocks:
  - {name: tw_out, type: capacity_loss, regions: [TW], segments: [fab_advanced], loss: {dist: uniform, min: 0.2, max: 0.8}, duration: 4, recovery: 8, probability: 0.7}
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}, start: 2, duration: 6}
output:
  store: [output_change, recovery_time, peak_loss, trajectory]
YAML
  OMP_NUM_THREADS=1 "$ICS" run "$tmp/$model.yaml" -o "$tmp/ref.h5" --quiet
  for np in 1 2 4; do
    for th in 1 2; do
      OMP_NUM_THREADS=$th "$ICS_MPIEXEC" --oversubscribe -np $np "$ICS" run "$tmp/$model.yaml" \
        -o "$tmp/np${np}t${th}.h5" --quiet
      h5diff "$tmp/ref.h5" "$tmp/np${np}t${th}.h5" /scenarios
      h5diff "$tmp/ref.h5" "$tmp/np${np}t${th}.h5" /statistics
      echo "ok $model/lhs: $np rank(s) x $th thread(s) identical to the single-process run"
    done
  done
done
