#!/usr/bin/env bash
# A run killed with SIGKILL mid-way under mpirun with 2 ranks, then resumed with --resume,
# gives datasets identical to an uninterrupted run's; the log says how many blocks were reused.
# The static runs clip a sixth of one shock's draws (truncate: true): an uninterrupted run counts
# them as it writes its blocks, a resumed one from the file, and h5diff compares the counts (the
# datasets' attributes) too.
# Once for a static run (leontief) with block_size 512, again with 1024 (whole 1024-row windows:
# the window moments of the statistics are stored with each block, so the reused blocks' come
# from the file), and once for each dynamic model (diim with random durations; ario).
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_MPIEXEC:?path to mpiexec}"
tmp=$(mktemp -d)
trap 'pkill -9 -f "$tmp/run.yaml" 2>/dev/null || true; rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=1

static_yaml() {
cat <<YAML
table: builtin
model: leontief
scenarios: 300000
seed: 5
block_size: ${1:-512}
shocks:
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: cn, type: final_demand, regions: [CN], change: {dist: uniform, min: -1.2, max: 0, truncate: true}, probability: 0.5}
output:
  store: [output_change, total_output_loss, va_loss_by_region]
YAML
}
dynamic_yaml() {
cat <<YAML
table: builtin
model: ${1:-diim}
horizon: 26
scenarios: ${2:-40000}
seed: 6
block_size: 128
shocks:
  - {name: tw, type: capacity_loss, regions: [TW], segments: [fab_advanced], loss: {dist: uniform, min: 0.2, max: 0.9}, duration: {dist: uniform, min: 1, max: 8}, recovery: 4}
output:
  store: [output_change, recovery_time]
YAML
}

one_case() {
  start=$(date +%s.%N)
  "$ICS_MPIEXEC" --oversubscribe -np 2 "$ICS" run "$tmp/run.yaml" -o "$tmp/ref.h5" --force --quiet
  full=$(echo "$(date +%s.%N) - $start" | bc)
  echo "uninterrupted run: ${full}s"

  # The kill is timed from the moment the run's .partial file appears, not from the launch:
  # start-up time varies far more under a loaded CI machine than the compute does, and a kill
  # timed from the launch can land before the file exists or after the run has finished.
  reused=0
  for frac in 0.1 0.05 0.2 0.02 0.3 0.01 0.4 0; do
    rm -f "$tmp/cut.h5" "$tmp/cut.h5.partial"
    "$ICS_MPIEXEC" --oversubscribe -np 2 "$ICS" run "$tmp/run.yaml" -o "$tmp/cut.h5" --quiet &
    pid=$!
    waited=0
    while [ ! -e "$tmp/cut.h5.partial" ] && [ ! -e "$tmp/cut.h5" ] && kill -0 $pid 2>/dev/null \
          && [ $waited -lt 6000 ]; do
      sleep 0.01; waited=$((waited + 1))
    done
    sleep "$(echo "$full * $frac" | bc)"
    pkill -9 -f "$ICS run $tmp/run.yaml" || true
    wait $pid 2>/dev/null || true
    if [ -e "$tmp/cut.h5" ]; then echo "run finished before the kill at ${frac} of a run after the file appeared; trying earlier"; continue; fi
    [ -e "$tmp/cut.h5.partial" ] || { echo "killed before the file existed (${frac}); trying again"; continue; }
    "$ICS_MPIEXEC" --oversubscribe -np 2 "$ICS" run "$tmp/run.yaml" -o "$tmp/cut.h5" --resume 2> "$tmp/log" || { cat "$tmp/log"; exit 1; }
    cat "$tmp/log"
    reused=$(sed -n 's/.*: \([0-9]*\) of \([0-9]*\) blocks already done and reused.*/\1/p' "$tmp/log")
    [ -n "$reused" ] && [ "$reused" -gt 0 ] && break
    echo "killed at ${frac} of a run after the file appeared, before any block was done; trying later"
  done
  [ -n "$reused" ] && [ "$reused" -gt 0 ] || { echo "FAIL: could not kill the run mid-way"; exit 1; }
  [ ! -e "$tmp/cut.h5.partial" ]
  for g in /scenarios /statistics /table; do h5diff "$tmp/ref.h5" "$tmp/cut.h5" $g; done
  if grep -q 'truncate: true' "$tmp/run.yaml"; then
    /usr/bin/python3 - "$tmp/ref.h5" "$tmp/cut.h5" <<'PY'
import sys, h5py, numpy as np
for name in sys.argv[1:]:
    with h5py.File(name, "r") as f:
        d = f["/scenarios/parameters/cn/change"]
        n = int(np.sum(d[:] <= -1.0))
        assert n > 0 and d.attrs["truncated"] == n and f.attrs["truncated_draws"] == n, \
            f"{name}: truncated {d.attrs['truncated']}, root {f.attrs['truncated_draws']}, stored at -1: {n}"
print(f"truncated draws counted alike ({n})")
PY
  fi
  if h5ls "$tmp/ref.h5/progress/moments" >/dev/null 2>&1; then
    h5diff "$tmp/ref.h5" "$tmp/cut.h5" /progress/moments
    echo "window moments identical, reused ones included"
  fi
  echo "resumed file identical to the uninterrupted run ($reused blocks reused)"
}

static_yaml > "$tmp/run.yaml"
one_case
static_yaml 1024 > "$tmp/run.yaml"
one_case
dynamic_yaml > "$tmp/run.yaml"
one_case
dynamic_yaml ario 6000 > "$tmp/run.yaml"
one_case
