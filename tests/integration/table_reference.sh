#!/usr/bin/env bash
# output.table: reference (issue 17): the result holds no /table/Z but the table's absolute path
# and the SHA-256 of its numbers; the Python reader loads Z from there (a text directory or an
# .h5 table) equal to what output.table: copy stores, and refuses a table whose numbers changed.
# A bad value of the key is an input error (exit 2, one line naming the key).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}"
: "${ICS_SOURCE_DIR:?source directory}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$ICS_SOURCE_DIR/tests/data/mb2" "$tmp/mb2"
"$ICS" table convert "$tmp/mb2" -o "$tmp/mb2.h5" > /dev/null

conf() { # TABLE MODE
  cat <<EOF2
table: $1
model: leontief
scenarios: 200
seed: 5
shocks:
  - {name: fd, type: final_demand, change: {dist: uniform, min: -0.5, max: 0.0}}
output:
  table: $2
  store: [total_output_loss]
EOF2
}
for t in "$tmp/mb2" "$tmp/mb2.h5"; do
  b=$(basename "$t")
  for mode in copy reference; do
    conf "$t" $mode > "$tmp/$b.$mode.yaml"
    "$ICS" run "$tmp/$b.$mode.yaml" -o "$tmp/$b.$mode.out.h5" --quiet
  done
  PYTHONPATH="$ICS_SOURCE_DIR/python" /usr/bin/python3 - "$tmp/$b.copy.out.h5" "$tmp/$b.reference.out.h5" <<'PY'
import sys, h5py, numpy as np, icstress
with h5py.File(sys.argv[2]) as f:
    assert "Z" not in f["table"], "reference mode stored Z"
    assert len(f["table"].attrs["Z_reference_sha256"]) == 64
with icstress.open(sys.argv[1]) as a, icstress.open(sys.argv[2]) as b:
    ta, tb = a.table(), b.table()
    assert np.array_equal(ta.Z.values, tb.Z.values)
    assert np.array_equal(ta.Y.values, tb.Y.values)
PY
done
# a changed table is refused by the reader
sed -i '4s/150/151/' "$tmp/mb2/Z.csv"
PYTHONPATH="$ICS_SOURCE_DIR/python" /usr/bin/python3 - "$tmp/mb2.reference.out.h5" <<'PY'
import sys, icstress
with icstress.open(sys.argv[1]) as r:
    try:
        r.table()
    except icstress.FormatError as e:
        assert "SHA-256" in str(e), e
    else:
        raise SystemExit("a changed table was accepted")
PY
conf "$tmp/mb2.h5" link > "$tmp/bad.yaml"
set +e
"$ICS" validate "$tmp/bad.yaml" > /dev/null 2> "$tmp/err"
rc=$?
set -e
[ "$rc" -eq 2 ] && [ "$(err_lines "$tmp/err")" -eq 1 ] && grep -q "output: key 'table'" "$tmp/err"
echo "output.table: reference stores path + SHA-256, the reader loads and checks Z"
