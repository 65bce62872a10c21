#!/usr/bin/env bash
# The same config gives bitwise-identical /scenarios and /statistics for 1, 2 and 4 processes
# and 1 or 2 threads each, and 8 and 16 processes with one thread (all oversubscribed on 2
# cores), for the mc, lhs and sobol samplers: scenario i depends only on the seed and i, BLAS runs
# single-threaded per block, and statistics are computed from fixed row segments (4 of 1024 rows
# at N = 4096, so 8 and 16 ranks leave some ranks without rows) merged in segment order.
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
  OMP_NUM_THREADS=1 "$ICS" run "$tmp/$model.yaml" -o "$tmp/ref.h5" --force --quiet
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
  for np in 1 2 4 8 16; do
    for th in 1 2; do
      [ $np -gt 4 ] && [ $th = 2 ] && continue # 8 and 16 ranks: one thread
      OMP_NUM_THREADS=$th "$ICS_MPIEXEC" --oversubscribe -np $np "$ICS" run "$tmp/$model.yaml" \
        -o "$tmp/np${np}t${th}.h5" --force --quiet
      h5diff "$tmp/ref.h5" "$tmp/np${np}t${th}.h5" /scenarios
      h5diff "$tmp/ref.h5" "$tmp/np${np}t${th}.h5" /statistics
      echo "ok $model/$sampler: $np rank(s) x $th thread(s) identical to the single-process run"
    done
  done
done

# block_size 1024 (whole 1024-row windows per block): the window moments are computed while the
# blocks are, stored under /progress/moments, and the statistics of each column are computed by
# one of the ranks at the end. /statistics must equal, bit for bit, those of a block_size 512 run,
# whose moments come from the stored data, for any number of ranks and threads; and numpy must
# agree. That needs scenario i to have the same bits in blocks of 512 and of 1024, which holds
# when OpenBLAS computes every block's products with the same kernel: it picks them by shape
# (the SKYLAKEX core switches to its small-matrix kernel below M*N*K = 10^6, 432 columns of the
# 17-row aggregate product; Haswell's edge kernel for an odd width sums in another order).
# 5096 scenarios: a partial last window and block of 1000 rows, and 488 in the 512-row run, so
# every block is even and at least 450 wide (docs/models.md, "Random numbers").
sed -e 's/block_size: 256/block_size: 1024/' -e 's/scenarios: 4096/scenarios: 5096/' \
    -e 's/store: \[output_change, /store: [output_change, output_loss_by_region, /' \
    "$tmp/leontief.yaml" > "$tmp/w1024.yaml"
grep -q "block_size: 1024" "$tmp/w1024.yaml" && grep -q output_loss_by_region "$tmp/w1024.yaml"
sed 's/block_size: 1024/block_size: 512/' "$tmp/w1024.yaml" > "$tmp/w512.yaml"
OMP_NUM_THREADS=1 "$ICS" run "$tmp/w512.yaml" -o "$tmp/ref.h5" --force --quiet
/usr/bin/python3 - "$tmp/ref.h5" <<'PY'
import sys, h5py
assert "/progress/moments" not in h5py.File(sys.argv[1], "r"), "block_size 512 stored window moments"
PY
for np in 1 2 4 8 16; do
  for th in 1 2; do
    [ $np -gt 4 ] && [ $th = 2 ] && continue
    OMP_NUM_THREADS=$th "$ICS_MPIEXEC" --oversubscribe -np $np "$ICS" run "$tmp/w1024.yaml" \
      -o "$tmp/w.h5" --force --quiet
    /usr/bin/python3 - "$tmp/w.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
for name in ("output_change", "total_output_loss", "va_loss_by_region", "output_loss_by_region"):
    d = f[f"/progress/moments/{name}"]
    assert d.shape[0] == 5 and d[:, :, 0].sum() == 5096 * d.shape[1], (name, d.shape)
PY
    h5diff "$tmp/ref.h5" "$tmp/w.h5" /scenarios
    h5diff "$tmp/ref.h5" "$tmp/w.h5" /statistics
    echo "ok leontief, moments while running: $np rank(s) x $th thread(s) identical to the moments from the file"
  done
done
/usr/bin/python3 "$(dirname "$0")/check_stats.py" "$tmp/w.h5" output_change total_output_loss \
  va_loss_by_region output_loss_by_region

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
  OMP_NUM_THREADS=1 "$ICS" run "$tmp/$model.yaml" -o "$tmp/ref.h5" --force --quiet
  for np in 1 2 4; do
    for th in 1 2; do
      OMP_NUM_THREADS=$th "$ICS_MPIEXEC" --oversubscribe -np $np "$ICS" run "$tmp/$model.yaml" \
        -o "$tmp/np${np}t${th}.h5" --force --quiet
      h5diff "$tmp/ref.h5" "$tmp/np${np}t${th}.h5" /scenarios
      h5diff "$tmp/ref.h5" "$tmp/np${np}t${th}.h5" /statistics
      echo "ok $model/lhs: $np rank(s) x $th thread(s) identical to the single-process run"
    done
  done
done
