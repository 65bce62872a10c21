#!/usr/bin/env bash
# The default config on the built-in table: the file has the INTERFACE.md layout, the result
# file is itself a valid table, and the stored totals equal an independent numpy solve built
# from the /table group and the stored parameters (linearity of the Leontief model); with
# output.store_only it holds only what store lists.
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_SOURCE_DIR:?source tree}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ICS" validate builtin
"$ICS" validate "$ICS_SOURCE_DIR/configs/default.yaml"
"$ICS" run "$ICS_SOURCE_DIR/configs/default.yaml" -o "$tmp/out.h5" --scenarios 3000 > "$tmp/stdout"
cat "$tmp/stdout"
grep -q "wrote $tmp/out.h5" "$tmp/stdout"
"$ICS" validate "$tmp/out.h5"
for cfg in ghosh iim; do
  "$ICS" run "$ICS_SOURCE_DIR/configs/$cfg.yaml" -o "$tmp/$cfg.h5" --scenarios 500 --quiet
done
# output.store_only: the file holds total_output_loss alone (no va_loss_by_region, its
# statistics or its summary line), with the same totals as the run that stores everything
sed -e 's/^  store: .*/  store: [total_output_loss]\n  store_only: true/' \
  "$ICS_SOURCE_DIR/configs/default.yaml" > "$tmp/only.yaml"
grep -q "store_only: true" "$tmp/only.yaml"
"$ICS" run "$tmp/only.yaml" -o "$tmp/only.h5" --scenarios 3000 > "$tmp/only.out"
cat "$tmp/only.out"
grep -q "total output loss" "$tmp/only.out"
if grep -q "value-added loss by region" "$tmp/only.out"; then
  echo "store_only: the summary still prints value added by region"; exit 1
fi
/usr/bin/python3 - "$tmp/out.h5" "$tmp/only.h5" <<'PY'
import sys, h5py, numpy as np
full, only = (h5py.File(p, "r") for p in sys.argv[1:3])
assert sorted(k for k in only["/scenarios"] if k not in ("parameters", "scenario")) == ["total_output_loss"], list(only["/scenarios"])
assert sorted(only["/statistics"]) == ["total_output_loss"], list(only["/statistics"])
assert "va_loss_by_region" in full["/scenarios"] and "va_loss_by_region" in full["/statistics"]
a, b = full["/scenarios/total_output_loss"][...], only["/scenarios/total_output_loss"][...]
err = np.abs(a - b).max() / np.abs(a).max()
print(f"store_only: total_output_loss vs the full run, max rel diff {err:.1e}")
assert err < 1e-12
for k in ("mean", "quantiles", "cvar"):
    x, y = full[f"/statistics/total_output_loss/{k}"][...], only[f"/statistics/total_output_loss/{k}"][...]
    assert np.allclose(x, y, rtol=1e-12, atol=0), k
PY
/usr/bin/python3 - "$tmp/out.h5" <<'PY'
import sys, fnmatch, h5py, numpy as np, yaml
f = h5py.File(sys.argv[1], "r")
for a in ["icstress_version", "config", "model", "seed", "sampler", "scenarios", "mpi_ranks",
          "omp_threads", "blas", "created", "complete"]:
    assert a in f.attrs, a
assert f.attrs["complete"] == 1
Z, Y, x, va = (f[f"/table/{k}"][...] for k in ("Z", "Y", "x", "va"))
n = len(x)
assert Z.shape == (n, n) and n == 136
assert list(f["/table/regions"].asstr()[...]) == "US CN TW KR JP EU SEA ROW".split()
regs = list(f["/table/node_region"].asstr()[...]); segs = list(f["/table/node_segment"].asstr()[...])
assert np.allclose(Z.sum(1) + Y.sum(1), x, rtol=1e-9) and np.allclose(Z.sum(0) + va, x, rtol=1e-9)
N = int(f.attrs["scenarios"])
assert f["/scenarios/output_change"].shape == (N, n)
assert f["/scenarios/va_loss_by_region"].shape == (N, 8)
cfg = yaml.safe_load(f.attrs["config"])
y = Y.sum(1)
dY = np.zeros((N, n))
for sh in cfg["shocks"]:
    th = f[f"/scenarios/parameters/{sh['name']}/change"][...]
    occ = f.get(f"/scenarios/parameters/{sh['name']}/occurs")
    if occ is not None:
        th = th * occ[...]
    sel = lambda lab, pats: pats is None or any(fnmatch.fnmatchcase(lab, p) for p in pats)
    mask = np.array([sel(r, sh.get("regions")) and sel(s, sh.get("segments")) for r, s in zip(regs, segs)])
    dY += th[:, None] * (y * mask)[None, :]
A = Z / x[None, :]
dX = np.linalg.solve(np.eye(n) - A, dY.T).T
tot = f["/scenarios/total_output_loss"][...]
err = np.abs(tot + dX.sum(1)).max() / np.abs(tot).max()
print(f"built-in table: total_output_loss vs numpy solve, max rel err {err:.2e}")
assert err < 1e-10
# a demand cut loses output: every scenario's loss is positive here
assert (tot > 0).all()
print("builtin layout and values OK")
PY
