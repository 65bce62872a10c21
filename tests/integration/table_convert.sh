#!/usr/bin/env bash
# Large-table paths of issue 17 on small tables: `icstress table convert DIR -o T.h5` writes a
# table that validates and runs to the same results as the text table it came from (bitwise:
# the numbers are the parsed doubles); it refuses an existing output (exit 2, nothing written);
# `validate TABLE` prints the column-sum proof and a spectral-radius interval that holds the
# exact radius of Miller & Blair's two-sector example (0.1 + sqrt(0.0525) = 0.32913), never
# the "-1" of "not computed".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}"
: "${ICS_SOURCE_DIR:?source directory}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mb2="$ICS_SOURCE_DIR/tests/data/mb2"

"$ICS" table convert "$mb2" -o "$tmp/mb2.h5" > "$tmp/out"
grep -q "2 nodes" "$tmp/out"
set +e
"$ICS" table convert "$mb2" -o "$tmp/mb2.h5" 2> "$tmp/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "convert over an existing file: exit $rc, expected 2"; exit 1; }
[ "$(err_lines "$tmp/err")" -eq 1 ] && grep -q "exists" "$tmp/err"
[ ! -e "$tmp/mb2.h5.partial" ]

for t in "$mb2" "$tmp/mb2.h5"; do
  "$ICS" validate "$t" > "$tmp/v"
  grep -q "max column sum of A 0.3500" "$tmp/v"
  if grep -q -- "-1.0000" "$tmp/v"; then echo "validate prints a not-computed -1"; exit 1; fi
  /usr/bin/python3 - "$tmp/v" <<'PY'
import math, re, sys
text = open(sys.argv[1]).read()
lo, hi = map(float, re.search(r"spectral radius of A in \[([0-9.]+), ([0-9.]+)\]", text).groups())
rho = 0.1 + math.sqrt(0.0525)
assert lo - 5e-5 <= rho <= hi + 5e-5, (lo, hi, rho)
PY
done

for t in "$mb2" "$tmp/mb2.h5"; do
  cat > "$tmp/c.yaml" <<EOF2
table: $t
model: leontief
scenarios: 500
seed: 3
shocks:
  - {name: fd, type: final_demand, change: {dist: uniform, min: -0.5, max: 0.0}}
output:
  store: [output_change, total_output_loss]
EOF2
  "$ICS" run "$tmp/c.yaml" -o "$tmp/$(basename "$t").out.h5" --quiet
done
h5diff "$tmp/mb2.out.h5" "$tmp/mb2.h5.out.h5" /scenarios /scenarios
echo "table convert: h5 table validates and runs identically to its text source"
