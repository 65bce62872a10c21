#!/usr/bin/env bash
# Acceptance (issue 5): the built-in table is rebuilt from core/table/builtin/data with the just-built
# icstress (prior -> `icstress table balance` -> generated C) and compared with the embedded
# core/table/builtin/table_builtin_data.c: byte for byte, or, if the platform's floating point differs in the
# last bits (e.g. FMA contraction), every number to 1e-12 relative. Also the `table balance`
# command's input errors (exit 2, one line, no OUT_DIR or OUT_DIR.partial left behind).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}"
: "${ICS_SOURCE_DIR:?path to the source tree}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! "$ICS" table balance --help >"$tmp/help" 2>&1; then
  echo "icstress has no working 'table balance' command (is the dispatch line in drivers/main.c?)" >&2
  cat "$tmp/help" >&2
  exit 1
fi
grep -q "GRAS" "$tmp/help"

# 1. rebuild and compare
python3 "$ICS_SOURCE_DIR/core/table/builtin/make_builtin_table.py" "$ICS" -o "$tmp/table_builtin_data.c" \
  --keep "$tmp/keep" >"$tmp/gen.log"
grep -q "GRAS: [0-9]* iterations" "$tmp/gen.log"
if cmp -s "$tmp/table_builtin_data.c" "$ICS_SOURCE_DIR/core/table/builtin/table_builtin_data.c"; then
  echo "rebuilt table is byte-identical to core/table/builtin/table_builtin_data.c"
else
  python3 - "$tmp/table_builtin_data.c" "$ICS_SOURCE_DIR/core/table/builtin/table_builtin_data.c" <<'EOF'
import re, sys
def arrays(path):
    text = open(path, encoding='utf-8').read()
    out = {}
    for m in re.finditer(r'static const double (\w+)\[(\d+)\] = \{(.*?)\};', text, re.S):
        vals = [float(v) for v in m.group(3).replace('\n', ' ').split(',') if v.strip()]
        assert len(vals) == int(m.group(2)), m.group(1)
        out[m.group(1)] = vals
    return out
a, b = arrays(sys.argv[1]), arrays(sys.argv[2])
assert sorted(a) == sorted(b) and a, 'different arrays: %s vs %s' % (sorted(a), sorted(b))
worst = 0.0
for name in a:
    for u, v in zip(a[name], b[name]):
        scale = max(abs(u), abs(v))
        if scale > 0:
            worst = max(worst, abs(u - v) / scale)
        assert (u == 0) == (v == 0), '%s: zero pattern differs' % name
print('rebuilt table differs in the last bits only: max relative difference %.3g' % worst)
assert worst <= 1e-12, 'rebuilt table differs from core/table/builtin/table_builtin_data.c by %g' % worst
EOF
fi
"$ICS" validate builtin | tee "$tmp/validate.log"
grep -q "^valid" "$tmp/validate.log"
# the balanced directory the script kept is itself a valid table
"$ICS" validate "$tmp/keep/balanced" | grep -q "^valid"

# 2. balancing a small table and re-balancing its output (a fixed point)
"$ICS" table balance "$ICS_SOURCE_DIR/tests/data/ario_small" -o "$tmp/b1" | grep -q "GRAS:"
"$ICS" table balance "$tmp/b1" -o "$tmp/b2" >/dev/null
for f in Z.csv Y.csv x.csv VA.csv; do cmp "$tmp/b1/$f" "$tmp/b2/$f"; done
test ! -e "$tmp/b1.partial"

# 3. input errors: exit 2, one line naming the problem, nothing written
expect2() {
  local want=$1; shift
  set +e
  "$ICS" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  set -e
  if [ "$rc" != 2 ]; then echo "expected exit 2 from: $*, got $rc" >&2; cat "$tmp/err" >&2; exit 1; fi
  [ "$(err_lines "$tmp/err")" = 1 ] || { echo "expected one error line from: $*" >&2; cat "$tmp/err" >&2; exit 1; }
  grep -q -- "$want" "$tmp/err" || { echo "error of '$*' lacks '$want':" >&2; cat "$tmp/err" >&2; exit 1; }
}
mkdir "$tmp/nox"
cp "$ICS_SOURCE_DIR/tests/data/ario_small/Z.csv" "$ICS_SOURCE_DIR/tests/data/ario_small/Y.csv" "$tmp/nox/"
expect2 "no x.csv" table balance "$tmp/nox" -o "$tmp/o1"
expect2 "not a table directory" table balance "$tmp/missing" -o "$tmp/o1"
expect2 "already exists" table balance "$ICS_SOURCE_DIR/tests/data/ario_small" -o "$tmp/b1"
expect2 "usage" table balance "$ICS_SOURCE_DIR/tests/data/ario_small"
expect2 "unknown option" table balance "$ICS_SOURCE_DIR/tests/data/ario_small" -o "$tmp/o1" --bogus
expect2 "max-iter" table balance "$ICS_SOURCE_DIR/tests/data/ario_small" -o "$tmp/o1" --max-iter 0
expect2 "unknown subcommand" table frobnicate
# a negative gross output (a target no non-negative row can reach)
cp -r "$ICS_SOURCE_DIR/tests/data/ario_small" "$tmp/inf"
python3 - "$tmp/inf/x.csv" <<'EOF'
import sys
lines = open(sys.argv[1]).read().split('\n')
f = lines[1].split(',')
f[2] = '-5'
lines[1] = ','.join(f)
open(sys.argv[1], 'w').write('\n'.join(lines))
EOF
expect2 "gross output -5" table balance "$tmp/inf" -o "$tmp/o1"
# a row of Z and Y that is all zero while its gross output is positive
cp -r "$ICS_SOURCE_DIR/tests/data/ario_small" "$tmp/zr"
python3 - "$tmp/zr" <<'EOF'
import sys
for name in ('Z.csv', 'Y.csv'):
    p = sys.argv[1] + '/' + name
    lines = open(p).read().split('\n')
    f = lines[3].split(',')
    lines[3] = ','.join(f[:2] + ['0'] * (len(f) - 2))
    open(p, 'w').write('\n'.join(lines))
EOF
expect2 "all prior entries are zero" table balance "$tmp/zr" -o "$tmp/o1"
test ! -e "$tmp/o1" && test ! -e "$tmp/o1.partial"
# the dynamic-model parameters of the built-in table: regenerate and compare byte for byte
/usr/bin/python3 "$ICS_SOURCE_DIR/core/dynamics/builtin/make_builtin_dynamics.py" "$tmp/builtin_dynamics.c"
cmp "$tmp/builtin_dynamics.c" "$ICS_SOURCE_DIR/core/dynamics/builtin/builtin_dynamics.c"
echo "table_rebuild: ok"
