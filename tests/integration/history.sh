#!/usr/bin/env bash
# Historical back-tests (configs/history/*.yaml, docs/validation.md "Historical events"): every
# event config validates, runs on the built-in table with exit 0 and a complete result, and its
# figures print (recovery of each hit node and its plants, lost output, end-market losses for
# ARIO). The printed figures are checked for what must hold whatever the calibration: a hit node
# loses output, its plants are back to 90 % no later than to 99 %, and both within the horizon.
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
n=0
for cfg in "$ICS_SOURCE_DIR"/configs/history/*.yaml; do
  name=$(basename "$cfg" .yaml)
  "$ICS" validate "$cfg" > "$tmp/validate.txt" 2>&1 || { cat "$tmp/validate.txt"; exit 1; }
  grep -q '^valid$' "$tmp/validate.txt" || { echo "$name: validate did not say valid"; exit 1; }
  grep -q '^# Recorded facts' "$cfg" || { echo "$name: no recorded facts in its comments"; exit 1; }
  grep -q 'https://' "$cfg" || { echo "$name: no source cited"; exit 1; }
  OMP_NUM_THREADS=1 "$ICS" run "$cfg" -o "$tmp/$name.h5" --quiet
  [ -s "$tmp/$name.h5" ] && [ ! -e "$tmp/$name.h5.partial" ] || { echo "$name: no complete output"; exit 1; }
  echo "== $name"
  "$py" "$ICS_SOURCE_DIR/tests/integration/history_figures.py" "$tmp/$name.h5" | tee "$tmp/$name.txt"
  grep -q '^total output loss [0-9.]* M USD$' "$tmp/$name.txt"
  "$py" - "$tmp/$name.txt" <<'PY'
import re, sys
lines = [l for l in open(sys.argv[1]) if "plants at 90 %" in l]
assert lines, "no hit node printed"
for l in lines:
    t90, t99 = (int(v) for v in re.findall(r"after (\d+) weeks", l))
    lost = float(re.search(r"lost output ([0-9.]+) M USD", l).group(1))
    assert 0 < t90 <= t99 <= 52 and lost > 0, l
PY
  n=$((n + 1))
done
[ "$n" -ge 4 ] || { echo "expected at least four historical events, found $n"; exit 1; }
echo "history: $n events ran"
