#!/usr/bin/env bash
# Issue 15: the dynamic models on table: builtin_world with their world defaults (docs/models.md,
# "On the world table"). Properties that can fail:
#  1. steady state: no active shock (probability 0) and a shock of size 0 give zero loss, GDP loss
#     and trajectory (ARIO and DIIM) to 1e-9 relative;
#  2. a capacity loss of a service industry alone (US finance, c28, non-stockable) is not amplified
#     by inventories: ARIO's total output loss lies between the direct loss and the Leontief
#     backward-linkage (mixed-model) loss of the same outage, within 2 %; with a finite stock of
#     finance (2 steps) it is far above (the check discriminates);
#  3. the Taiwan scenario (configs/scenarios/taiwan_outage.yaml, --table builtin_world): in every
#     scenario the world's GDP loss is at least the value added the earthquake removes from
#     Taiwan's fabs (its direct loss, from the stored parameters and the schedule of
#     INTERFACE.md) and at most the world's GDP over the horizon; every region's GDP share
#     lies in [-1e-9, T/52];
#  4. a full outage of Taiwan's fabs for L = 1, 4, 8, 13 weeks: world GDP loss grows with L and is
#     at least L weeks of those fabs' value added;
#  5. DIIM on builtin_world (chain recovery times from dynamics.csv, 26 steps for the frame): the
#     13-week outage gives a finite loss between the direct loss and the world's GDP over the
#     horizon, inoperability in [0, 1], and every region recovered within the horizon.
set -euo pipefail
: "${ICS:?path to the icstress binary}"
: "${ICS_SOURCE_DIR:?path to the source tree}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

outage() { # FILE MODEL WEEKS EXTRA-SHOCK-KEYS
  cat > "$1" <<YAML
table: builtin_world
model: $2
scenarios: 1
horizon: 104
shocks:
  - {name: outage, type: capacity_loss, regions: [TW], segments: [fab_advanced, fab_mature], loss: 1, start: 0, duration: $3$4}
output:
  store: [total_output_loss, va_loss_by_region, trajectory, recovery_time]
YAML
}

# 1. steady state
outage "$tmp/p0.yaml" ario 13 ", probability: 0"
sed 's/loss: 1,/loss: 0,/' "$tmp/p0.yaml" | sed 's/, probability: 0//' > "$tmp/l0.yaml"
sed 's/model: ario/model: diim/' "$tmp/p0.yaml" > "$tmp/d0.yaml"
for c in p0 l0 d0; do "$ICS" run "$tmp/$c.yaml" -o "$tmp/$c.h5" --quiet; done

# 2. a service industry alone
cat > "$tmp/svc.yaml" <<'YAML'
table: builtin_world
model: ario
scenarios: 1
horizon: 52
shocks:
  - {name: finance, type: capacity_loss, regions: [US], segments: [c28], loss: 0.5, start: 0, duration: 13}
output:
  store: [total_output_loss]
YAML
sed 's/^horizon: 52$/horizon: 52\nario: {inventory: {c28: 2}}/' "$tmp/svc.yaml" > "$tmp/svc_fin.yaml"
"$ICS" run "$tmp/svc.yaml" -o "$tmp/svc.h5" --quiet
"$ICS" run "$tmp/svc_fin.yaml" -o "$tmp/svc_fin.h5" --quiet

# 3. the Taiwan scenario on the world table (64 of its scenarios: quakes and blockades occur)
"$ICS" run "$ICS_SOURCE_DIR/configs/scenarios/taiwan_outage.yaml" --table builtin_world \
  --scenarios 64 -o "$tmp/tw.h5" --quiet

# 4. outage lengths; 5. DIIM
for L in 1 4 8 13; do
  outage "$tmp/o$L.yaml" ario "$L" ""
  "$ICS" run "$tmp/o$L.yaml" -o "$tmp/o$L.h5" --quiet
done
outage "$tmp/diim.yaml" diim 13 ""
"$ICS" run "$tmp/diim.yaml" -o "$tmp/diim.h5" --quiet

/usr/bin/python3 - "$tmp" <<'PY'
import sys
import h5py
import numpy as np

tmp = sys.argv[1]
bad = []


def s_(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def labels(f):
    segs = [s_(v) for v in f["/table/segments"][:]]
    regs = [s_(v) for v in f["/table/regions"][:]]
    ns = [s_(v) for v in f["/table/node_segment"][:]]
    nr = [s_(v) for v in f["/table/node_region"][:]]
    if ns[0].isdigit():
        ns = [segs[int(v)] for v in ns]
    if nr[0].isdigit():
        nr = [regs[int(v)] for v in nr]
    return regs, nr, ns


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        bad.append(what)


# 1. steady state
for c in ["p0", "l0", "d0"]:
    f = h5py.File(f"{tmp}/{c}.h5", "r")
    x = f["/table/x"][:]
    scale = x.sum() * 2.0  # two years of world output
    worst = max(float(np.max(np.abs(f[f"/scenarios/{k}"][:]))) for k in
                ["total_output_loss", "gdp_loss_by_region", "va_loss_by_region"])
    tr = float(np.max(np.abs(f["/scenarios/trajectory"][:])))
    check(worst <= 1e-9 * scale and tr <= 1e-9, f"{c}: zero loss without an active shock "
          f"(largest |loss| {worst:.3g}, |trajectory| {tr:.3g})")

# 2. a service industry alone: direct <= ARIO <= 1.02 x Leontief mixed-model loss
f = h5py.File(f"{tmp}/svc.h5", "r")
Z = f["/table/Z"][:]
y = f["/table/Y"][:].sum(axis=1)
xb = Z.sum(axis=1) + y  # ARIO's baseline (docs/models.md, "Units")
regs, nr, ns = labels(f)
e = [i for i in range(len(xb)) if nr[i] == "US" and ns[i] == "c28"][0]
A = Z / np.where(xb > 0, xb, 1.0)[None, :]
N = [i for i in range(len(xb)) if i != e]
dxE = -0.5 * xb[e]
dxN = np.linalg.solve(np.eye(len(N)) - A[np.ix_(N, N)], A[N, e] * dxE)
weeks = 13 / 52
leontief = -(dxE + dxN.sum()) * weeks
direct = -dxE * weeks
ario = float(f["/scenarios/total_output_loss"][0])
fin = float(h5py.File(f"{tmp}/svc_fin.h5", "r")["/scenarios/total_output_loss"][0])
check(direct <= ario <= 1.02 * leontief,
      f"service shock: direct {direct:.6g} <= ARIO {ario:.6g} <= 1.02 x Leontief {leontief:.6g}")
check(fin > 2 * leontief, f"the same with 2 steps of finance in stock is amplified: {fin:.6g}")

# 3. the Taiwan scenario
f = h5py.File(f"{tmp}/tw.h5", "r")
va = f["/table/va"][:]
regs, nr, ns = labels(f)
T = 104
gdp_world = va.sum()
fabs = np.array([nr[i] == "TW" and ns[i] in ("fab_advanced", "fab_mature") for i in range(len(va))])
va_fabs = va[fabs].sum()
g = f["/scenarios/gdp_loss_by_region"][:]
gs = f["/scenarios/gdp_loss_share_by_region"][:]
P = f["/scenarios/parameters/earthquake"]
loss, occ, start, dur = (P[k][:] for k in ["loss", "occurs", "start", "duration"])
world = g.sum(axis=1)
quakes = 0
for j in range(len(world)):
    direct = 0.0
    if occ[j] > 0.5:  # INTERFACE.md schedule: full strength for `duration`, 6-step linear ramp
        quakes += 1
        for t in range(T):
            if t < start[j]:
                f_t = 0.0
            elif t < start[j] + dur[j]:
                f_t = 1.0
            elif t < start[j] + dur[j] + 6:
                f_t = 1.0 - (t - (start[j] + dur[j]) + 1) / 7.0
            else:
                f_t = 0.0
            direct += min(1.0, loss[j] * f_t) * va_fabs / 52.0
    if not (direct * (1 - 1e-9) <= world[j] <= gdp_world * T / 52.0):
        bad.append(f"taiwan scenario {j}: world GDP loss {world[j]:.6g} outside [{direct:.6g}, "
                   f"{gdp_world * T / 52.0:.6g}]")
check(not any(b.startswith("taiwan scenario") for b in bad),
      f"taiwan_outage on builtin_world: 64 scenarios ({quakes} with a quake, "
      f"{int(f['/scenarios/parameters/blockade_exports/occurs'][:].sum())} with a blockade): "
      f"direct <= world GDP loss <= world GDP x T/52 (largest {world.max():.6g}, "
      f"{100 * world.max() / gdp_world:.3g} % of a year's world GDP)")
check(bool(np.all(gs >= -1e-9) and np.all(gs <= T / 52.0)), "every region's GDP share in [0, T/52]")
check(quakes > 0, "some scenario has a quake")

# 4. outage lengths
prev = -1.0
for L in [1, 4, 8, 13]:
    f = h5py.File(f"{tmp}/o{L}.h5", "r")
    w = float(f["/scenarios/gdp_loss_by_region"][0].sum())
    direct = va_fabs * L / 52.0
    check(w > prev and direct <= w <= gdp_world * T / 52.0,
          f"outage {L} weeks: world GDP loss {w:.6g} >= direct {direct:.6g}, above the shorter outage")
    prev = w

# 5. DIIM
f = h5py.File(f"{tmp}/diim.h5", "r")
w = float(f["/scenarios/gdp_loss_by_region"][0].sum())
q = f["/scenarios/trajectory"][:]
rt = f["/scenarios/recovery_time_by_region"][0] if "/scenarios/recovery_time_by_region" in f else None
direct = va_fabs * 13 / 52.0
check(np.isfinite(w) and direct <= w <= gdp_world * T / 52.0,
      f"diim: world GDP loss {w:.6g} in [{direct:.6g}, {gdp_world * T / 52.0:.6g}]")
check(bool(np.all(q >= 0) and np.all(q <= 1)), "diim: inoperability in [0, 1]")
if rt is not None:
    check(bool(np.all(rt <= T)), f"diim: every region recovered within the horizon ({rt})")
sys.exit(1 if bad else 0)
PY
