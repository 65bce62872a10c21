#!/usr/bin/env bash
# icstress sensitivity end to end (issue 6 acceptance):
#  1. Leontief with independent demand shocks d_s of variance s_s^2, target total_output_loss =
#     -1'L dy: S_s = ST_s = (1'L p_s)^2 s_s^2 / sum_t (1'L p_t)^2 s_t^2, computed in numpy from the
#     table in the result file, matched within the intervals;
#  2. the 23-factor export-control study (configs/sensitivity_export_controls.yaml): /scenarios and
#     /sensitivity bitwise identical for 1, 2 and 4 ranks (and 2 threads);
#  3. Morris on the same study screens the leading factors of Sobol';
#  4. the stopping rule (doubling N, copying the scenarios already run) gives the same file as a
#     direct run at the final N; --resume of a finished file redoes only the analysis;
#  5. input errors exit 2.
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_MPIEXEC:?path to mpiexec}" "${ICS_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3

# ---- 1. the linear oracle ----
mkdir -p "$tmp/tab"
$PY "$ICS_SOURCE_DIR/tests/integration/mktable.py" "$tmp/tab" 3 4 17
cat > "$tmp/lin.yaml" <<YAML
table: $tmp/tab
model: leontief
seed: 5
balance_tolerance: 1e-4
shocks:
  - {name: d0, type: final_demand, regions: [r0], change: {dist: normal, mean: -0.1, sd: 0.05}}
  - {name: d1, type: final_demand, regions: [r1], segments: [s0, s1], change: {dist: uniform, min: -0.3, max: 0.1}}
  - {name: d2, type: final_demand, regions: [r2], segments: [s3], change: {dist: uniform, min: -0.5, max: 0.5}}
  - {name: d3, type: final_demand, segments: [s2], change: {dist: normal, mean: 0, sd: 0.02}}
output:
  store: [total_output_loss]
sensitivity:
  method: sobol
  samples: 4096
  targets: [total_output_loss]
YAML
OMP_NUM_THREADS=1 "$ICS" sensitivity "$tmp/lin.yaml" -o "$tmp/lin.h5" --quiet
$PY - "$tmp/lin.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
Z = f["/table/Z"][...]; Y = f["/table/Y"][...]; x = f["/table/x"][...]
n = x.size
# the stored matrices may be (n, n) row-major copies of column-major data: use the orientation
# whose row sums plus final demand give x
if not np.allclose(Z.sum(1) + Y.reshape(n, -1).sum(1), x, rtol=1e-6):
    Z = Z.T; Y = Y.T
y = Y.reshape(n, -1).sum(1)
A = Z / x[None, :]
L = np.linalg.inv(np.eye(n) - A)
regs = [r.decode() if isinstance(r, bytes) else str(r) for r in f["/table/regions"][...]]
segs = [s.decode() if isinstance(s, bytes) else str(s) for s in f["/table/segments"][...]]
def labels(ds, names):
    v = f[ds][...]
    return [names[int(i)] if np.issubdtype(v.dtype, np.integer) or np.issubdtype(v.dtype, np.floating)
            else (i.decode() if isinstance(i, bytes) else str(i)) for i in v]
nr, ns = labels("/table/node_region", regs), labels("/table/node_segment", segs)
sel = [lambda r, s: r == "r0", lambda r, s: r == "r1" and s in ("s0", "s1"),
       lambda r, s: r == "r2" and s == "s3", lambda r, s: s == "s2"]
var = np.array([0.05**2, 0.4**2 / 12, 1.0**2 / 12, 0.02**2])
w = np.array([(np.ones(n) @ L @ (y * np.array([1.0 if fn(nr[i], ns[i]) else 0.0 for i in range(n)])))**2
              for fn in sel]) * var
S = w / w.sum()
g = f["/sensitivity/total_output_loss"]
S1, ST, c1, cT = g["S1"][...], g["ST"][...], g["S1_conf"][...], g["ST_conf"][...]
names = [s.decode() for s in f["/sensitivity/factors"][...]]
assert names == ["d0/change", "d1/change", "d2/change", "d3/change"], names
for i in range(4):
    print(f"{names[i]}: exact {S[i]:.4f}  S1 {S1[i]:.4f} +- {c1[i]:.4f}  ST {ST[i]:.4f} +- {cT[i]:.4f}")
    assert abs(S1[i] - S[i]) <= c1[i] + 1e-9, (i, S1[i], S[i], c1[i])
    assert abs(ST[i] - S[i]) <= cT[i] + 1e-9, (i, ST[i], S[i], cT[i])
assert abs(g.attrs["variance"] - (w.sum())) < 0.05 * w.sum(), (g.attrs["variance"], w.sum())
print("ok linear Leontief oracle: S1 = ST = (1'L p_s)^2 var_s / sum, within the intervals")
PY

# ---- 2. 23 factors: identical for 1, 2 and 4 ranks ----
cfg="$ICS_SOURCE_DIR/configs/sensitivity_export_controls.yaml"
sed -e 's/samples: 1024/samples: 256/' -e 's/^  file: .*/  file: out.h5/' "$cfg" > "$tmp/ec.yaml"
echo "block_size: 500" >> "$tmp/ec.yaml"
OMP_NUM_THREADS=1 "$ICS" sensitivity "$tmp/ec.yaml" -o "$tmp/ec1.h5" > "$tmp/ec1.txt" 2>&1
cat "$tmp/ec1.txt" | sed -n '1,40p'
for np in 2 4; do
  OMP_NUM_THREADS=$((np == 2 ? 2 : 1)) "$ICS_MPIEXEC" --oversubscribe -np $np "$ICS" sensitivity \
    "$tmp/ec.yaml" -o "$tmp/ec$np.h5" --quiet
  h5diff "$tmp/ec1.h5" "$tmp/ec$np.h5" /scenarios
  h5diff "$tmp/ec1.h5" "$tmp/ec$np.h5" /sensitivity
  h5diff "$tmp/ec1.h5" "$tmp/ec$np.h5" /statistics
  echo "ok export controls: $np ranks identical to 1 (/scenarios, /statistics, /sensitivity)"
done
$PY - "$tmp/ec1.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
s = f["/sensitivity"]
assert s.attrs["k"] == 23 and s.attrs["N"] == 256 and s.attrs["scenarios"] == 256 * 25, dict(s.attrs)
assert f.attrs["scenarios"] == 256 * 25
assert len(f["/sensitivity/factors"]) == 23
print("ok provenance: k = 23, N = 256, 6400 scenarios")
PY

# ---- 3. Morris screens the same leading factors ----
sed -e 's/method: sobol/method: morris/' -e 's/samples: 256/samples: 64/' "$tmp/ec.yaml" > "$tmp/ecm.yaml"
OMP_NUM_THREADS=1 "$ICS" sensitivity "$tmp/ecm.yaml" -o "$tmp/ecm.h5" --quiet
$PY - "$tmp/ec1.h5" "$tmp/ecm.h5" <<'PY'
import sys, h5py, numpy as np
fs, fm = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = [s.decode() for s in fs["/sensitivity/factors"][...]]
assert names == [s.decode() for s in fm["/sensitivity/factors"][...]]
for t in ["total_output_loss", "va_loss_by_region/CN", "va_loss_by_region/TW"]:
    st = fs[f"/sensitivity/{t}/ST"][...]
    mu = fm[f"/sensitivity/{t}/mu_star"][...]
    top_s = list(np.argsort(-st)[:3]); top_m = list(np.argsort(-mu)[:5])
    print(t, "Sobol' top 3:", [names[i] for i in top_s], " Morris top 5:", [names[i] for i in top_m])
    assert set(top_s) <= set(top_m), t
    # and the factors Sobol' finds negligible (ST < 0.001) are in Morris' lower half
    low = [i for i in range(len(st)) if st[i] < 1e-3]
    order = list(np.argsort(-mu))
    assert all(order.index(i) >= 5 for i in low), t
print("ok Morris screens the leading Sobol' factors")
PY

# ---- 4. stopping rule: doubling reuses the scenarios already run ----
cat > "$tmp/stop.yaml" <<YAML
table: builtin
model: leontief
seed: 9
block_size: 100
shocks:
  - {name: a, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: b, type: final_demand, regions: [CN], change: {dist: uniform, min: -0.3, max: 0}, probability: 0.5}
output:
  store: [total_output_loss]
sensitivity:
  samples: 64
  ci_target: 0.0001
  max_samples: 256
YAML
OMP_NUM_THREADS=1 "$ICS_MPIEXEC" -np 2 "$ICS" sensitivity "$tmp/stop.yaml" -o "$tmp/stop.h5" > "$tmp/stop.txt" 2>&1
grep -q "stage 3" "$tmp/stop.txt"
sed -e 's/  ci_target: .*//' -e 's/  max_samples: .*//' -e 's/samples: 64/samples: 256/' "$tmp/stop.yaml" > "$tmp/direct.yaml"
# the config text is stored, so compare with a direct run of the final N by data only
OMP_NUM_THREADS=1 "$ICS" sensitivity "$tmp/direct.yaml" -o "$tmp/direct.h5" --quiet
h5diff "$tmp/stop.h5" "$tmp/direct.h5" /scenarios
h5diff "$tmp/stop.h5" "$tmp/direct.h5" /sensitivity
echo "ok stopping rule: 64 -> 128 -> 256 base samples equal a direct run of 256"
# --resume on a finished file: analysis only, same indices
OMP_NUM_THREADS=1 "$ICS" sensitivity "$tmp/direct.yaml" -o "$tmp/direct.h5" --resume --quiet
h5diff "$tmp/stop.h5" "$tmp/direct.h5" /sensitivity
echo "ok --resume of a finished file"

# ---- 5. input errors ----
set +e
printf 'table: builtin\nshocks:\n  - {name: a, type: final_demand, change: -0.1}\n' > "$tmp/nosens.yaml"
"$ICS" sensitivity "$tmp/nosens.yaml" -o "$tmp/x.h5" 2> "$tmp/err.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "no 'sensitivity' section" "$tmp/err.txt" || { cat "$tmp/err.txt"; exit 1; }
printf 'sensitivity: {targets: [va_loss_by_region/XX]}\n' >> "$tmp/nosens.yaml"
sed -i 's/change: -0.1/change: {dist: uniform, min: -0.2, max: 0}/' "$tmp/nosens.yaml"
"$ICS" sensitivity "$tmp/nosens.yaml" -o "$tmp/x.h5" 2> "$tmp/err.txt"; rc=$?
[ $rc -eq 2 ] && grep -q "no column 'XX'" "$tmp/err.txt" || { cat "$tmp/err.txt"; exit 1; }
[ ! -e "$tmp/x.h5" ] || { echo "a failed run left a file"; exit 1; }
set -e
echo "ok input errors"
