#!/usr/bin/env bash
# A scenario without an active shock is the baseline: every stored per-scenario output (output
# change, losses, value-added loss, inoperability, trajectories, peaks, recovery times, unmet
# demand, aggregates) is exactly 0.0, in all five models and with all three samplers, both when
# the config has no shock at all or only shocks of probability 0, and for the scenarios of an
# ensemble in which a shock of probability 0.5 does not occur (the others must show a loss, so
# the check is not vacuous). And an ARIO inventory target below one step is refused (exit 2,
# one line naming the key, the value and the minimum), by validate as by run.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shocks of every type a model takes (types of INTERFACE.md), as YAML list items; PROB is
# replaced by the probability
shocks_for() { # MODEL
  local fd='  - {name: fd, type: final_demand, regions: [TW, CN], segments: ["end_*"], change: {dist: uniform, min: -0.6, max: -0.1}, probability: PROB}'
  local va='  - {name: va, type: value_added, regions: [TW], change: {dist: uniform, min: -0.6, max: -0.1}, probability: PROB}'
  local cap='  - {name: cap, type: capacity_loss, regions: [TW], segments: [fab_advanced, atp], loss: {dist: uniform, min: 0.2, max: 0.9}, probability: PROB}'
  local tr='  - {name: tr, type: trade_restriction, from: [US, JP, EU], segments: ["equip_*"], to: [CN], change: {dist: uniform, min: -0.9, max: -0.2}, probability: PROB}'
  local co='  - {name: co, type: coefficient, change: {dist: uniform, min: -0.3, max: -0.1}, probability: PROB}'
  case "$1" in
    leontief) printf '%s\n' "$fd" "$cap" "$tr" "$co" ;;
    ghosh) printf '%s\n' "$va" "$cap" "$tr" "$co" ;;
    iim) printf '%s\n' "$fd" "$cap" "$tr" "$co" ;;
    diim | ario) printf '%s\n' "$fd" "$cap" "$tr" ;;
  esac
}

write_config() { # FILE MODEL SAMPLER MODE(none|zero|half)
  local f=$1 model=$2 sampler=$3 mode=$4 store="output_change, total_output_loss, va_loss_by_region"
  case "$model" in
    iim) store="$store, inoperability" ;;
    diim | ario) store="$store, trajectory, recovery_time, peak_loss" ;;
  esac
  {
    echo "table: builtin"
    echo "model: $model"
    echo "scenarios: 32"
    echo "seed: 7"
    echo "sampler: $sampler"
    echo "horizon: 20"
    echo "aggregates:"
    echo "  - {name: tw_all, regions: [TW]}"
    echo "output:"
    echo "  store: [$store]"
    case "$mode" in
      none) ;;
      zero) echo "shocks:"; shocks_for "$model" | sed 's/PROB/0/' ;;
      half)
        echo "shocks:"
        # one shock type at a time would be more tests; all at 0.5 leaves ~6% of scenarios with none
        shocks_for "$model" | sed 's/PROB/0.5/' | sed 's/, type: capacity_loss/, type: capacity_loss, start: 2, duration: 4/' ;;
    esac
  } > "$f"
}

for model in leontief ghosh iim diim ario; do
  for sampler in mc lhs sobol; do
    for mode in none zero half; do
      cfg="$tmp/$model-$sampler-$mode.yaml"
      write_config "$cfg" "$model" "$sampler" "$mode"
      if [ "$mode" = half ]; then n=128; else n=32; fi
      "$ICS" run "$cfg" -o "$tmp/$model-$sampler-$mode.h5" --scenarios "$n" --quiet ||
        { echo "FAIL: $model $sampler $mode: run failed"; cat "$cfg"; exit 1; }
    done
  done
done

/usr/bin/python3 - "$tmp" <<'PY'
import sys, h5py, numpy as np
tmp = sys.argv[1]
bad = 0
for model in ["leontief", "ghosh", "iim", "diim", "ario"]:
    for sampler in ["mc", "lhs", "sobol"]:
        for mode in ["none", "zero", "half"]:
            f = h5py.File(f"{tmp}/{model}-{sampler}-{mode}.h5", "r")
            N = int(f.attrs["scenarios"])
            calm = np.ones(N, bool)          # scenarios in which no shock occurs
            if "parameters" in f["/scenarios"]:
                for sh in f["/scenarios/parameters"].values():
                    if "occurs" in sh:
                        calm &= sh["occurs"][...] == 0
                    else:
                        calm[:] = False
            if mode != "half":
                assert calm.all(), (model, sampler, mode)
            else:
                assert 0 < calm.sum() < N, (model, sampler, calm.sum())
            names = []
            # the results, not the netCDF dimension scales (labels, coordinates) beside them
            f["/scenarios"].visititems(lambda k, v: names.append(k)
                                       if isinstance(v, h5py.Dataset) and not k.startswith("parameters")
                                       and v.attrs.get("CLASS", b"") not in (b"DIMENSION_SCALE", "DIMENSION_SCALE")
                                       else None)
            assert "total_output_loss" in names and "va_loss_by_region" in names, names
            for k in names:
                v = f["/scenarios/" + k][...]
                rows = v[calm]
                if rows.size and not (np.all(rows == 0.0) and not np.signbit(rows).any()):
                    nz = rows[(rows != 0) | np.signbit(rows)]
                    print(f"FAIL {model} {sampler} {mode}: /scenarios/{k}: {nz.size} non-zero "
                          f"values in unshocked scenarios, e.g. {nz.ravel()[:3]}")
                    bad += 1
                if mode == "half" and k == "total_output_loss" and not np.any(v[~calm] != 0):
                    print(f"FAIL {model} {sampler} {mode}: no shocked scenario shows a loss")
                    bad += 1
            if mode != "half":
                def chk(k, v):
                    if isinstance(v, h5py.Dataset) and k.split("/")[-1] in ("mean", "sd", "min", "max", "quantiles"):
                        a = v[...]
                        if not np.all(a == 0.0):
                            print(f"FAIL {model} {sampler} {mode}: /statistics/{k} not 0: {a.ravel()[:3]}")
                            nonlocal_bad.append(1)
                nonlocal_bad = []
                f["/statistics"].visititems(chk)
                bad += len(nonlocal_bad)
print("zero shock:", "5 models x 3 samplers x {no shock, probability 0, not occurring}:",
      "all outputs exactly 0.0" if not bad else f"{bad} failures")
sys.exit(1 if bad else 0)
PY

# ARIO: an inventory target below one step is an input error, from validate and from run
for inv in "0.7" "{default: 13, fab_advanced: 0.7}"; do
  cfg="$tmp/inv.yaml"
  printf 'table: builtin\nmodel: ario\nscenarios: 8\nhorizon: 104\nario:\n  inventory: %s\n' "$inv" > "$cfg"
  for cmd in validate run; do
    set +e
    if [ "$cmd" = run ]; then "$ICS" run "$cfg" -o "$tmp/inv.h5" > "$tmp/out" 2> "$tmp/err"; else
      "$ICS" validate "$cfg" > "$tmp/out" 2> "$tmp/err"; fi
    code=$?
    set -e
    [ "$code" -eq 2 ] || { echo "FAIL: inventory $inv: $cmd exit $code, expected 2"; cat "$tmp/err"; exit 1; }
    [ "$(err_lines "$tmp/err")" -eq 1 ] || { echo "FAIL: inventory $inv: $cmd: not one line:"; cat "$tmp/err"; exit 1; }
    grep -q "inventory" "$tmp/err" && grep -q "0.7" "$tmp/err" && grep -q "at least 1 step" "$tmp/err" ||
      { echo "FAIL: inventory $inv: $cmd: message lacks key, value or minimum:"; cat "$tmp/err"; exit 1; }
    [ ! -e "$tmp/inv.h5" ] && [ ! -e "$tmp/inv.h5.partial" ] || { echo "FAIL: inventory: a file was written"; exit 1; }
  done
  echo "ok: ario inventory $inv refused: $(cat "$tmp/err")"
done
# exactly one step is the smallest target and keeps the unshocked run at baseline
printf 'table: builtin\nmodel: ario\nscenarios: 8\nhorizon: 104\nario:\n  inventory: 1\n  psi: 1\noutput:\n  store: [output_change, total_output_loss, trajectory]\n' > "$tmp/inv1.yaml"
"$ICS" run "$tmp/inv1.yaml" -o "$tmp/inv1.h5" --quiet
/usr/bin/python3 - "$tmp/inv1.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
for k in ["output_change", "total_output_loss", "trajectory", "unmet_final_demand"]:
    v = f["/scenarios/" + k][...]
    assert np.all(v == 0.0), (k, v[v != 0][:5])
print("ok: ario with a 1-step inventory target and psi 1, no shock: exactly at baseline")
PY
