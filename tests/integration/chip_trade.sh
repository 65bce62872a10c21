#!/usr/bin/env bash
# Issue 15, acceptance 3: chip flows of `table: builtin_physical` against customs
# (docs/data.md, "Trade"; the figures from core/table/builtin/data/trade.csv).
#  1. builtin_physical is valid and keeps what the relocation must keep: every non-chip node's
#     output, the world output of each segment and world value added equal builtin's;
#  2. its China exports and Taiwan's exports (total, to the US) are within 25 % of customs, and
#     China's imports are, or China's share of world IC trade is (chip_trade.py --check);
#  3. the headquarters table (builtin) fails the same check: the check can fail.
set -euo pipefail
: "${ICS:?path to the icstress binary}"
: "${ICS_SOURCE_DIR:?path to the source tree}"
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TRADE="$ICS_SOURCE_DIR/core/table/builtin/data/trade.csv"
CHECK="$ICS_SOURCE_DIR/tests/integration/chip_trade.py"

"$ICS" validate builtin_physical | tee "$tmp/v.log"
grep -q "^valid" "$tmp/v.log"
"$ICS" table convert builtin -o "$tmp/hq.h5" >/dev/null
"$ICS" table convert builtin_physical -o "$tmp/ph.h5" >/dev/null

# 1. what the relocation keeps
$PY - "$tmp/hq.h5" "$tmp/ph.h5" <<'PYEOF'
import sys
import h5py, numpy as np
def rd(p):
    with h5py.File(p, "r") as f:
        t = f["table"]
        return t["x"][()], t["va"][()], t["node_segment"][()], t["Z"][()], t["Y"][()]
x0, va0, s0, Z0, Y0 = rd(sys.argv[1])
x1, va1, s1, Z1, Y1 = rd(sys.argv[2])
assert (s0 == s1).all()
seg = np.array([v.decode() if isinstance(v, bytes) else str(v) for v in s0])
chips = np.isin(seg, ["design_logic", "memory", "dao"])
assert np.array_equal(x0[~chips], x1[~chips]), "a non-chip node's output changed"
for s in np.unique(seg):
    a, b = x0[seg == s].sum(), x1[seg == s].sum()
    assert abs(a - b) <= 1e-12 * a, (s, a, b)
assert abs(va0.sum() - va1.sum()) <= 1e-9 * va0.sum()
moved = np.abs(x0[chips] - x1[chips]).sum() / 2 / x0[chips].sum()
print(f"relocation: non-chip outputs and world output by segment unchanged; "
      f"{100 * moved:.1f} % of chip output moved to another region")
assert moved > 0.2
PYEOF

# 2. the physical view against customs
$PY "$CHECK" "$tmp/ph.h5" "$TRADE" --check

# 3. the headquarters view fails the same check
if $PY "$CHECK" "$tmp/hq.h5" "$TRADE" --check >"$tmp/hq.log" 2>&1; then
  echo "the headquarters table passed the customs check: the check cannot fail" >&2
  exit 1
fi
cat "$tmp/hq.log"
echo "builtin (headquarters view) fails the check as expected"
