#!/usr/bin/env bash
# Acceptance: bad input exits 2 with one clear line on stderr, and no output file appears.
# Cases: unbalanced table, negative flow, NaN, non-productive A, unknown config key, unknown
# label, missing file (config, table), plus bad usage.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

good="$tmp/good"
mkdir "$good"
/usr/bin/python3 "$here/mktable.py" "$good" 2 3 11

# variant DIR 'python expression editing Z (numpy array) and x'
variant() {
  local name=$1 code=$2
  cp -r "$good" "$tmp/$name"
  /usr/bin/python3 - "$tmp/$name" "$code" <<'PY'
import sys, numpy as np
d, code = sys.argv[1], sys.argv[2]
lines = open(f"{d}/Z.csv").read().splitlines()
head, body = lines[:3], [l.split(",") for l in lines[3:]]
Z = np.array([[float(v) for v in r[2:]] for r in body])
exec(code)
with open(f"{d}/Z.csv", "w") as f:
    f.write("\n".join(head) + "\n")
    for r, row in zip(body, Z):
        f.write(",".join(r[:2] + [repr(float(v)) if np.isfinite(v) else str(v) for v in row]) + "\n")
PY
}
variant unbalanced 'Z[0,1] *= 1.5'
variant negative 'Z[1,2] = -Z[1,2]'
variant nan 'Z[2,0] = float("nan")'
# a column whose inputs exceed its output: x and VA are kept, so also rebalance to isolate the check
variant nonproductive 'pass'
/usr/bin/python3 - "$tmp/nonproductive" <<'PY' || { echo "FAIL: building the non-productive table"; exit 1; }
# make column 1 use inputs worth 1.2 x its output, keeping both balances (VA goes negative)
import sys, numpy as np
d = sys.argv[1]
def rd(p):
    L = open(p).read().splitlines(); return L[:3], [l.split(",") for l in L[3:]]
hz, bz = rd(f"{d}/Z.csv"); Z = np.array([[float(v) for v in r[2:]] for r in bz])
x = np.array([float(l.split(",")[2]) for l in open(f"{d}/x.csv").read().splitlines()[1:]])
hy, by = rd(f"{d}/Y.csv"); Y = np.array([[float(v) for v in r[2:]] for r in by])
slack = Y.sum(axis=1) + Z[:, 1]          # what each row can give to column 1
Z[:, 1] = 1.2 * x[1] * slack / slack.sum()
Y *= ((x - Z.sum(axis=1)) / Y.sum(axis=1))[:, None]
assert (Y > 0).all(), "could not build the non-productive variant"
assert abs(Z[:, 1].sum() / x[1] - 1.2) < 1e-12
for p, h, b, M in ((f"{d}/Z.csv", hz, bz, Z), (f"{d}/Y.csv", hy, by, Y)):
    with open(p, "w") as f:
        f.write("\n".join(h) + "\n")
        for r, row in zip(b, M): f.write(",".join(r[:2] + [repr(float(v)) for v in row]) + "\n")
import os; os.remove(f"{d}/VA.csv")
PY

cat > "$tmp/ok.yaml" <<YAML
table: $good
scenarios: 10
shocks:
  - {name: s, type: final_demand, change: -0.1}
YAML
sed 's/^scenarios:/secnarios:/' "$tmp/ok.yaml" > "$tmp/badkey.yaml"
cat > "$tmp/badlabel.yaml" <<YAML
table: $good
scenarios: 10
shocks:
  - {name: s, type: final_demand, regions: [XX], change: -0.1}
YAML
sed "s#^table: .*#table: $tmp/nonexistent_dir#" "$tmp/ok.yaml" > "$tmp/missingtable.yaml"
cat > "$tmp/badprob.yaml" <<YAML
table: $good
shocks:
  - {name: s, type: final_demand, change: -0.1, probability: 1.5}
YAML
cat > "$tmp/badsd.yaml" <<YAML
table: $good
shocks:
  - {name: s, type: final_demand, change: {dist: normal, mean: -0.1, sd: -1}}
YAML
cat > "$tmp/notpd.yaml" <<YAML
table: $good
shocks:
  - {name: a, type: final_demand, change: {dist: uniform, min: -0.2, max: 0}}
  - {name: b, type: final_demand, change: {dist: uniform, min: -0.2, max: 0}}
  - {name: c, type: final_demand, change: {dist: uniform, min: -0.2, max: 0}}
correlation:
  factors: [a, b, c]
  matrix: [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]
YAML
for v in unbalanced negative nan nonproductive; do
  sed "s#^table: .*#table: $tmp/$v#" "$tmp/ok.yaml" > "$tmp/$v.yaml"
done

expect2() { # name, then the command
  local name=$1; shift
  local out="$tmp/out_$name.h5"
  rm -f "$out"
  "$@" -o "$out" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$?
  local lines
  lines=$(err_lines "$tmp/stderr")
  if [ "$rc" -ne 2 ]; then echo "FAIL $name: exit $rc, want 2"; cat "$tmp/stderr"; fail=1; return; fi
  if [ "$lines" -ne 1 ]; then echo "FAIL $name: $lines stderr lines, want 1"; cat "$tmp/stderr"; fail=1; return; fi
  if ls "$tmp"/out_"$name".h5* >/dev/null 2>&1; then echo "FAIL $name: output file appeared"; fail=1; return; fi
  echo "ok   $name: $(cat "$tmp/stderr")"
}
expect2 unbalanced "$ICS" run "$tmp/unbalanced.yaml"
expect2 negative "$ICS" run "$tmp/negative.yaml"
expect2 nan "$ICS" run "$tmp/nan.yaml"
expect2 nonproductive "$ICS" run "$tmp/nonproductive.yaml"
expect2 unknown_key "$ICS" run "$tmp/badkey.yaml"
expect2 unknown_label "$ICS" run "$tmp/badlabel.yaml"
expect2 missing_config "$ICS" run "$tmp/no_such_config.yaml"
expect2 missing_table "$ICS" run "$tmp/missingtable.yaml"
expect2 bad_option "$ICS" run "$tmp/ok.yaml" --scenarios zero
expect2 probability_1_5 "$ICS" run "$tmp/badprob.yaml"
expect2 negative_sd "$ICS" run "$tmp/badsd.yaml"
expect2 correlation_not_pd "$ICS" run "$tmp/notpd.yaml"
grep -q "positive definite" <("$ICS" run "$tmp/notpd.yaml" 2>&1) || { echo "FAIL: PD not named"; fail=1; }

# the messages name what was wrong
grep -q "did you mean 'scenarios'" <("$ICS" run "$tmp/badkey.yaml" 2>&1) || { echo "FAIL: no key hint"; fail=1; }
grep -q "XX" <("$ICS" run "$tmp/badlabel.yaml" 2>&1) || { echo "FAIL: label not named"; fail=1; }
# validate: exit 0 on the good table, 2 on each bad one
"$ICS" validate "$good" >/dev/null || { echo "FAIL: validate good table"; fail=1; }
for v in unbalanced negative nan nonproductive; do
  "$ICS" validate "$tmp/$v" >/dev/null 2>&1; rc=$?
  [ $rc -eq 2 ] || { echo "FAIL: validate $v exit $rc"; fail=1; }
done
# a good run does produce the file, and only under its final name
"$ICS" run "$tmp/ok.yaml" -o "$tmp/good.h5" --quiet || { echo "FAIL: good run"; fail=1; }
[ -f "$tmp/good.h5" ] && [ ! -e "$tmp/good.h5.partial" ] && [ ! -e "$tmp/good.h5.lock" ] || { echo "FAIL: good output"; fail=1; }
# ... and is not overwritten by the next run without --force (tests/integration/exclusive_output.sh has the rest)
"$ICS" run "$tmp/ok.yaml" -o "$tmp/good.h5" --quiet 2>"$tmp/stderr"; rc=$?
[ $rc -eq 2 ] && [ "$(err_lines "$tmp/stderr")" -eq 1 ] && grep -q "add --force (-f) to overwrite it" "$tmp/stderr" \
  || { echo "FAIL: existing result: exit $rc"; cat "$tmp/stderr"; fail=1; }
exit $fail
