#!/usr/bin/env bash
# Regenerates the figures of docs/reading-results.md (run from anywhere; ICS = the binary,
# default build/icstress). Small runs of the built-in table: a few minutes on 2 cores.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
ICS=${ICS:-$src/build/icstress}
out=$src/docs/img
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
export PYTHONPATH="$src/python${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
cat > tw_fabs.yaml <<'YAML'
# A capacity loss of Taiwan's fabs of uncertain depth and duration, ARIO, one year of weeks.
table: builtin
model: ario
horizon: 52
scenarios: 512
seed: 7
sampler: sobol
shocks:
  - {name: tw_fabs, type: capacity_loss, regions: [TW], segments: ["fab_*"],
     loss: {dist: uniform, min: 0.2, max: 0.8}, duration: {dist: uniform, min: 2, max: 12}, recovery: 4}
output:
  store: [total_output_loss, output_change, trajectory]
YAML
"$ICS" run "$src/configs/default.yaml" -o default.h5 --quiet
"$ICS" run tw_fabs.yaml -o tw_fabs.h5 --quiet
"$ICS" sensitivity "$src/configs/sensitivity_export_controls.yaml" -o sens.h5 --quiet
"$ICS" chokepoints "$src/configs/chokepoints.yaml" -o choke.h5 --scenarios-per-node 64 --quiet
plot() { /usr/bin/python3 -m icstress plot "$@" --dpi 72; }
plot loss default.h5 -o "$out/loss.png"
plot exceedance default.h5 -o "$out/exceedance.png"
plot heatmap default.h5 -o "$out/heatmap.png"
plot recovery tw_fabs.h5 --by region -o "$out/recovery.png"
plot sensitivity sens.h5 --target total_output_loss -o "$out/sobol.png"
plot chokepoints choke.h5 -o "$out/chokepoints.png"
# the report's first screen
/usr/bin/python3 -m icstress report tw_fabs.h5 -o report.html
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$tmp/chromium" --screenshot="$tmp/shot.png" --window-size=1000,1100 \
  "file://$tmp/report.html" 2>/dev/null
/usr/bin/python3 - "$tmp/shot.png" "$out/report.png" <<'PY'
import sys, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
img = plt.imread(sys.argv[1])
plt.imsave(sys.argv[2], img[:, :, :3][::1, ::1])
PY
ls -l "$out"/*.png
