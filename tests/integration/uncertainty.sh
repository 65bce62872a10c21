#!/usr/bin/env bash
# Calibration uncertainty (config `uncertainty:`, issue 16 point 4) on a Naka-fire-like ARIO
# event (Japan's mature fabs down 4 weeks, 10-week ramp):
#  1. a constant multiplier 1 gives the run without the section bitwise, and 0.5 on targets of
#     8 steps gives the run with targets of 4 steps (to 1e-12): the multiplier scales the targets;
#     multipliers 2 on alpha_max (its headroom alpha_max - 1) and build_lag give the run with
#     alpha_max 2.0 and build lag 8 instead of 1.5 and 4, bitwise;
#  2. with an uncertain multiplier the stored draws follow its law, the loss never grows (beyond
#     1e-6 relative: larger stocks ask for slightly different refilling orders) with
#     the buffers (more stock, no more loss, with the shock fixed) and falls by half over the law, and
#     the 5-95 % band of the total output loss is wide and contains the fixed-calibration result;
#  3. a Sobol' design over the shock's loss and duration and the inventory multiplier ranks the
#     buffers first (ST and S1 above both shock factors; S1 > 0 beyond its interval), as the
#     issue's 0.36 / 7.3 / 120 bn for 8 / 2 / 1-week buffers says they should;
#  4. bad input is refused with exit 2, one line, and no file;
#  5. table draws (leontief, the shock fixed): coefficients 0 gives the fixed table's results to
#     1e-12, every draw index 0..K-1 occurs, and with coefficients 0.2 the 5-95 % band of each
#     region's output loss contains the fixed-table result and is not empty; a Sobol' design
#     over the shock and the table draw gives the table a non-zero share for a regional loss;
#  6. table draws with ARIO: coefficients 0 gives the fixed table's run bitwise (the block's
#     scenarios grouped by draw and put back; DIIM to 1e-12), and with 2 ranks the same file as with 1; an
#     ensemble over the inventory targets AND the table (the shock fixed) has every reported
#     5-95 % band (total and by region) containing the fixed-table, fixed-inventory result; a
#     Sobol' design over the shock, the inventory targets and the table ranks the buffers first
#     and the table last (a coefficient's draw scales a buyer's stock and its use alike, as targets
#     are steps of use, and RAS keeps x, so the direct loss does not move), the table's ST > 0;
#  7. a requalification multiplier 2 gives the run with twice the requalification lag, bitwise.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}"
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

base() { # LOSS DURATION
  cat <<EOF
table: builtin
model: ario
scenarios: 64
seed: 2021
horizon: 52
shocks:
  - {name: naka, type: capacity_loss, regions: [JP], segments: [fab_mature], loss: $1, duration: $2, recovery: 10}
output:
  store: [output_change, total_output_loss]
EOF
}
run() { "$ICS" run "$1" -o "$2" --quiet --force; }

# 1. constants
base 0.8 4 > "$tmp/fixed.yaml"
{ base 0.8 4; printf 'uncertainty:\n  inventory: 1\n'; } > "$tmp/one.yaml"
{ base '{dist: uniform, min: 0.5, max: 1.0}' 4; echo 'ario: {inventory: 4}'; } > "$tmp/t4.yaml"
{ base '{dist: uniform, min: 0.5, max: 1.0}' 4; echo 'ario: {inventory: 8}'
  printf 'uncertainty:\n  inventory: 0.5\n'; } > "$tmp/t8h.yaml"
{ base 0.8 4; echo 'ario: {alpha_max: 1.5, build_lag: 4}'; } > "$tmp/l1.yaml"
{ base 0.8 4; echo 'ario: {alpha_max: 2.0, build_lag: 8}'; } > "$tmp/l2.yaml"
{ base 0.8 4; echo 'ario: {alpha_max: 1.5, build_lag: 4}'
  printf 'uncertainty:\n  alpha_max: 2\n  build_lag: 2\n'; } > "$tmp/l1x2.yaml"
{ base 0.8 4; echo 'ario: {alpha_max: 1.5, build_lag: 4}'
  printf 'uncertainty:\n  alpha_max: 1\n  build_lag: 1\n  inventory: 1\n'; } > "$tmp/l1x1.yaml"
for c in fixed one t4 t8h l1 l2 l1x2 l1x1; do run "$tmp/$c.yaml" "$tmp/$c.h5"; done
$PY - "$tmp" <<'EOF'
import sys, h5py, numpy as np
d = sys.argv[1]
r = lambda n, k: h5py.File(f"{d}/{n}.h5", "r")[f"scenarios/{k}"][:]
for k in ("output_change", "total_output_loss"):
    assert np.array_equal(r("one", k), r("fixed", k)), f"multiplier 1 changed {k}"
assert np.all(h5py.File(f"{d}/one.h5", "r")["scenarios/parameters/uncertainty/inventory"][:] == 1.0)
a, b = r("t4", "total_output_loss"), r("t8h", "total_output_loss")
assert np.all(a > 0), "the event must cost something"
rel = np.max(np.abs(a - b) / a)
assert rel < 1e-12, f"0.5 x 8 steps differs from 4 steps by {rel:g}"
# alpha_max: 1 + 2 (1.5 - 1) = 2.0 and build lag 2 x 4 = 8 steps, both exact
assert np.array_equal(r("l1x2", "output_change"), r("l2", "output_change")), "limits x 2"
assert np.array_equal(r("l1x1", "output_change"), r("l1", "output_change")), "limits x 1"
assert not np.allclose(r("l1", "total_output_loss"), r("l2", "total_output_loss"))
print(f"constants ok: multiplier 1 bitwise, 0.5 x 8 steps = 4 steps to {rel:.1e}; alpha_max and "
      "build_lag multipliers 2 = the doubled limits bitwise")
EOF

# 2. bands
{ base 0.8 4; printf 'uncertainty:\n  inventory: {dist: uniform, min: 0.5, max: 2.0}\n'; } > "$tmp/band.yaml"
sed -i 's/scenarios: 64/scenarios: 256/' "$tmp/band.yaml"
run "$tmp/band.yaml" "$tmp/band.h5"
$PY - "$tmp" <<'EOF'
import sys, h5py, numpy as np
d = sys.argv[1]
f = h5py.File(f"{d}/band.h5", "r")
m = f["scenarios/parameters/uncertainty/inventory"][:]
L = f["scenarios/total_output_loss"][:]
x0 = h5py.File(f"{d}/fixed.h5", "r")["scenarios/total_output_loss"][0]
assert m.min() >= 0.5 and m.max() <= 2.0 and m.max() - m.min() > 1.4, (m.min(), m.max())
assert abs(np.mean(m) - 1.25) < 0.06, np.mean(m)
o = np.argsort(m)
rise = np.max(np.diff(L[o]) / L[o][1:])
assert rise < 1e-6, f"loss should not grow with the buffers (relative rise {rise:g})"
assert L[o][0] > 2 * L[o][-1], (L[o][0], L[o][-1])
q = f["statistics/total_output_loss/quantiles"]
lev = list(np.round(q.attrs["levels"], 6))
lo, hi = q[lev.index(0.05)].item(), q[lev.index(0.95)].item()
assert hi > 1.2 * lo, f"band [{lo:g}, {hi:g}] is too narrow to test anything"
assert lo <= x0 <= hi, f"fixed-calibration loss {x0:g} outside the 5-95% band [{lo:g}, {hi:g}]"
print(f"band ok: fixed {x0:.4g} in [{lo:.4g}, {hi:.4g}]; loss non-increasing in the multiplier")
EOF

# 3. Sobol' ranking
{ base '{dist: uniform, min: 0.5, max: 1.0}' '{dist: uniform, min: 2, max: 6}'
  printf 'uncertainty:\n  inventory: {dist: uniform, min: 0.25, max: 2.0}\n'
  printf 'sensitivity: {method: sobol, targets: [total_output_loss], samples: 256, bootstrap: 0}\n'
} > "$tmp/sens.yaml"
"$ICS" sensitivity "$tmp/sens.yaml" -o "$tmp/sens.h5" --force > "$tmp/sens.txt" 2>&1
$PY - "$tmp" <<'EOF'
import sys, h5py, numpy as np
d = sys.argv[1]
f = h5py.File(f"{d}/sens.h5", "r")
names = [x.decode() if isinstance(x, bytes) else x for x in f["sensitivity/factors"][:]]
assert "uncertainty/inventory" in names, names
g = f["sensitivity/total_output_loss"]
S1, ST, c1 = g["S1"][:], g["ST"][:], g["S1_conf"][:]
i = names.index("uncertainty/inventory")
others = [j for j in range(len(names)) if j != i]
assert S1[i] - c1[i] > 0, f"S1(inventory) {S1[i]:.3f} +- {c1[i]:.3f} not above 0"
assert all(ST[i] > ST[j] and S1[i] > S1[j] for j in others), list(zip(names, S1, ST))
print("sobol ok: " + ", ".join(f"{n} S1 {a:.3f} ST {b:.3f}" for n, a, b in zip(names, S1, ST)))
EOF
grep -q "uncertainty/inventory" "$tmp/sens.txt"

# 4. bad input: exit 2, one line naming the place, no file
bad() { # NAME EXPECTED-TEXT, config on stdin
  cat > "$tmp/$1.yaml"
  set +e
  "$ICS" run "$tmp/$1.yaml" -o "$tmp/$1.h5" --quiet 2> "$tmp/$1.err"
  local rc=$?
  set -e
  [ "$rc" -eq 2 ] || { echo "$1: exit $rc, expected 2"; cat "$tmp/$1.err"; exit 1; }
  [ "$(err_lines "$tmp/$1.err")" -eq 1 ] || { echo "$1: not one line"; cat "$tmp/$1.err"; exit 1; }
  grep -q -- "$2" "$tmp/$1.err" || { echo "$1: '$2' not in:"; cat "$tmp/$1.err"; exit 1; }
  [ ! -e "$tmp/$1.h5" ] && [ ! -e "$tmp/$1.h5.partial" ] || { echo "$1: wrote a file"; exit 1; }
}
{ base 0.8 4; printf 'uncertainty:\n  inventori: 1.5\n'; } | bad unknown "did you mean 'inventory'"
{ base 0.8 4; printf 'uncertainty:\n  inventory: -1\n'; } | bad negative "must be > 0"
{ base 0.8 4; printf 'uncertainty:\n  inventory: {dist: normal, mean: 1, sd: 0.2}\n'; } |
  bad normal "normal law reaches below 0"
{ base 0.8 4; printf 'uncertainty:\n  inventory: {dist: uniform, min: 0, max: 2}\n'; } |
  bad zero "must be > 0"
{ base 0.8 4 | sed 's/model: ario/model: leontief/; s/, duration: 4, recovery: 10//'
  printf 'uncertainty:\n  inventory: 1.5\n'; } | bad leontief "model leontief has no inventory"
{ base 0.8 4; printf 'uncertainty:\n  inventory: 1.5\n  inventory_segments: [fab_matur]\n'; } |
  bad label "did you mean 'fab_mature'"
{ base 0.8 4; printf 'uncertainty:\n  inventory_segments: [fab_mature]\n'; } |
  bad alone "needs 'inventory'"
{ base 0.8 4 | sed 's/name: naka/name: uncertainty/'; printf 'uncertainty:\n  inventory: 1.5\n'; } |
  bad clash "name is taken"
{ base 0.8 4 | sed 's/model: ario/model: diim/'; printf 'uncertainty:\n  build_lag: 2\n'; } |
  bad diimlag "model diim has no build lag"
{ base 0.8 4 | sed 's/model: ario/model: diim/'; printf 'uncertainty:\n  requalification: 2\n'; } |
  bad diimrq "model diim has no requalification lag"
{ base 0.8 4; printf 'uncertainty:\n  requalification: {dist: uniform, min: 0, max: 2}\n'; } |
  bad rqzero "must be > 0"
{ base 0.8 4; printf 'uncertainty:\n  table: {coefficients: 1.5, draws: 4}\n'; } |
  bad cvbig "in \\[0, 1\\]"
{ base 0.8 4; printf 'uncertainty:\n  alpha_max: {dist: normal, mean: 1, sd: 0.1}\n'; } |
  bad amaxnormal "normal law reaches below 0"
echo "bad inputs ok"

# 5. table draws
tb() { # COEFFICIENTS (empty: no section) LOSS
  cat <<EOF
table: builtin
model: leontief
scenarios: 256
seed: 5
shocks:
  - {name: tw, type: capacity_loss, regions: [TW], segments: [fab_advanced], loss: $2}
output:
  store: [output_change, total_output_loss, output_loss_by_region]
EOF
  [ -z "$1" ] || printf 'uncertainty:\n  table: {coefficients: %s, draws: 8}\n' "$1"
}
tb "" 0.5 > "$tmp/tb0.yaml"; tb 0 0.5 > "$tmp/tbz.yaml"; tb 0.2 0.5 > "$tmp/tb.yaml"
for c in tb0 tbz tb; do run "$tmp/$c.yaml" "$tmp/$c.h5"; done
$PY - "$tmp" <<'EOF'
import sys, h5py, numpy as np
d = sys.argv[1]
f = {n: h5py.File(f"{d}/{n}.h5", "r") for n in ("tb0", "tbz", "tb")}
for k in ("output_change", "total_output_loss", "output_loss_by_region"):
    a, b = f["tb0"]["scenarios/" + k][:], f["tbz"]["scenarios/" + k][:]
    err = np.max(np.abs(a - b)) / np.max(np.abs(a))
    assert err < 1e-12, f"coefficients 0 changed {k} by {err:g}"
idx = f["tb"]["scenarios/parameters/uncertainty/table"][:]
assert set(np.unique(idx)) == set(range(8)), np.unique(idx)
fixed = f["tb0"]["scenarios/output_loss_by_region"][0]
L = f["tb"]["scenarios/output_loss_by_region"][:]
lo, hi = np.percentile(L, [5, 95], axis=0)
assert np.all((lo <= fixed) & (fixed <= hi)), (lo, fixed, hi)
assert np.all(hi - lo > 0.02 * fixed), (lo, hi)
print("table draws ok: coefficients 0 = fixed table; regional bands contain the fixed result, "
      f"relative widths {np.round((hi - lo) / fixed, 3)}")
EOF
{ tb 0.2 '{dist: uniform, min: 0.3, max: 0.7}'
  printf 'sensitivity: {method: sobol, targets: [output_loss_by_region/US], samples: 128, bootstrap: 0}\n'
} > "$tmp/tbs.yaml"
"$ICS" sensitivity "$tmp/tbs.yaml" -o "$tmp/tbs.h5" --quiet --force
$PY - "$tmp" <<'EOF'
import sys, h5py, numpy as np
f = h5py.File(f"{sys.argv[1]}/tbs.h5", "r")
names = [x.decode() if isinstance(x, bytes) else x for x in f["sensitivity/factors"][:]]
groups = [k for k in f["sensitivity"] if isinstance(f["sensitivity"][k], h5py.Group)]
g = f["sensitivity"][groups[0]]
if "ST" not in g:  # a target with a column: one more level
    g = g[list(g.keys())[0]]
i = names.index("uncertainty/table")
assert g["ST"][i] - g["ST_conf"][i] > 0, (g["ST"][i], g["ST_conf"][i])
print(f"table factor ok: ST(uncertainty/table) {g['ST'][i]:.3f} +- {g['ST_conf'][i]:.3f}")
EOF

# 6. table draws with ARIO, alone and with the inventory targets
ab() { # UNCERTAINTY-LINES (empty: no section)
  cat <<EOF
table: builtin
model: ario
scenarios: 128
seed: 2021
horizon: 52
shocks:
  - {name: naka, type: capacity_loss, regions: [JP], segments: [fab_mature], loss: 0.8, duration: 4, recovery: 10}
output:
  store: [output_change, total_output_loss, output_loss_by_region]
EOF
  [ -z "$1" ] || printf 'uncertainty:\n%s\n' "$1"
}
ab "" > "$tmp/af.yaml"
ab "  table: {coefficients: 0, draws: 4}" > "$tmp/az.yaml"
ab "  table: {coefficients: 0.2, draws: 4}" > "$tmp/at.yaml"
ab "  inventory: {dist: uniform, min: 0.5, max: 2.0}
  table: {coefficients: 0.2, draws: 4}" > "$tmp/ab.yaml"
for c in af az at ab; do run "$tmp/$c.yaml" "$tmp/$c.h5"; done
for c in af az; do sed 's/model: ario/model: diim/' "$tmp/$c.yaml" > "$tmp/d$c.yaml"; run "$tmp/d$c.yaml" "$tmp/d$c.h5"; done
if [ -n "${ICS_MPIEXEC:-}" ]; then
  OMP_NUM_THREADS=1 "$ICS_MPIEXEC" -q --oversubscribe -np 2 "$ICS" run "$tmp/ab.yaml" -o "$tmp/ab2.h5" --quiet --force
fi
$PY - "$tmp" <<'EOF'
import sys, os, h5py, numpy as np
d = sys.argv[1]
f = {n: h5py.File(f"{d}/{n}.h5", "r") for n in ("af", "az", "at", "ab")}
for k in ("output_change", "total_output_loss", "output_loss_by_region"):
    assert np.array_equal(f["af"]["scenarios/" + k][:], f["az"]["scenarios/" + k][:]), k
assert set(np.unique(f["az"]["scenarios/parameters/uncertainty/table"][:])) == set(range(4))
for k in ("output_change", "total_output_loss"):  # DIIM: the GEMM of a smaller group may round
    a = h5py.File(f"{d}/daf.h5", "r")["scenarios/" + k][:]
    b = h5py.File(f"{d}/daz.h5", "r")["scenarios/" + k][:]
    assert np.max(np.abs(a - b)) <= 1e-12 * np.max(np.abs(a)), ("diim", k)
if os.path.exists(f"{d}/ab2.h5"):
    g = h5py.File(f"{d}/ab2.h5", "r")
    for k in ("output_change", "total_output_loss", "parameters/uncertainty/table",
              "parameters/uncertainty/inventory"):
        assert np.array_equal(f["ab"]["scenarios/" + k][:], g["scenarios/" + k][:]), k
    print("2 ranks = 1 rank bitwise")
# the table alone moves every region's loss
L = f["at"]["scenarios/output_loss_by_region"][:]
assert np.all(np.std(L, axis=0) > 1e-3 * np.mean(L, axis=0)), np.std(L, axis=0)
band = f["ab"]["statistics"]
checked = []
for k in band:
    if "quantiles" not in band[k]:
        continue  # no band reported (e.g. moments only)
    fx = f["af"]["statistics"][k]
    x0 = np.atleast_1d(fx["mean"][()])  # the fixed run: every scenario alike
    assert np.allclose(fx["max"][()], fx["min"][()]), k
    q = band[k]["quantiles"]
    lev = list(np.round(q.attrs["levels"], 6))
    lo, hi = np.atleast_1d(q[lev.index(0.05)]), np.atleast_1d(q[lev.index(0.95)])
    tol = 1e-12 * np.abs(x0)
    assert np.all((lo <= x0 + tol) & (x0 <= hi + tol)), (k, lo, x0, hi)
    checked.append(k)
assert "total_output_loss" in checked and "output_loss_by_region" in checked, checked
q = band["total_output_loss"]["quantiles"]
lev = list(np.round(q.attrs["levels"], 6))
print(f"ario table draws ok: coefficients 0 bitwise; the bands of {', '.join(checked)} contain "
      f"the fixed result (total {f['af']['scenarios/total_output_loss'][0]:.4g} in "
      f"[{q[lev.index(0.05)].item():.4g}, {q[lev.index(0.95)].item():.4g}])")
EOF
{ ab "  inventory: {dist: uniform, min: 0.25, max: 2.0}
  table: {coefficients: 0.2, draws: 4}" |
    sed 's/loss: 0.8, duration: 4/loss: {dist: uniform, min: 0.5, max: 1.0}, duration: {dist: uniform, min: 2, max: 6}/'
  printf 'sensitivity: {method: sobol, targets: [total_output_loss], samples: 256, bootstrap: 0}\n'
} > "$tmp/abs.yaml"
"$ICS" sensitivity "$tmp/abs.yaml" -o "$tmp/abs.h5" --quiet --force
$PY - "$tmp" <<'EOF'
import sys, h5py, numpy as np
f = h5py.File(f"{sys.argv[1]}/abs.h5", "r")
names = [x.decode() if isinstance(x, bytes) else x for x in f["sensitivity/factors"][:]]
g = f["sensitivity/total_output_loss"]
ST = dict(zip(names, g["ST"][:]))
inv, tab = ST["uncertainty/inventory"], ST["uncertainty/table"]
shocks = [ST["naka/loss"], ST["naka/duration"]]
assert all(inv > s for s in shocks), ST
assert all(tab < s for s in shocks), ST
assert tab > 0, ST
print("ario sobol ok: " + ", ".join(f"{n} ST {v:.4f}" for n, v in ST.items()))
EOF

# 7. requalification multiplier (a restriction with substitution)
rq() { # LAG [MULTIPLIER]
  cat <<EOF
table: builtin
model: ario
scenarios: 16
seed: 7
horizon: 52
shocks:
  - {name: ctl, type: trade_restriction, from: [US, JP, EU], to: [CN], segments: ["equip_*"], change: {dist: uniform, min: -1, max: -0.3}, duration: 20}
output:
  store: [output_change]
ario: {requalification: $1, substitution: {share: 0.5, ramp: 4}}
EOF
  [ -z "${2:-}" ] || printf 'uncertainty:\n  requalification: %s\n' "$2"
}
rq 4 > "$tmp/r4.yaml"; rq 8 > "$tmp/r8.yaml"; rq 4 2 > "$tmp/r4x2.yaml"
for c in r4 r8 r4x2; do run "$tmp/$c.yaml" "$tmp/$c.h5"; done
$PY - "$tmp" <<'EOF'
import sys, h5py, numpy as np
r = lambda n: h5py.File(f"{sys.argv[1]}/{n}.h5", "r")["scenarios/output_change"][:]
assert np.array_equal(r("r4x2"), r("r8")), "requalification x 2"
assert not np.array_equal(r("r4"), r("r8")), "the lag must matter here"
print("requalification multiplier ok: x 2 = twice the lag, bitwise")
EOF
