#!/usr/bin/env bash
# Acceptance (issue 11, bounded inputs): inputs that crashed, wrote terabytes or ran to a NaN are
# refused by `run` and by `validate` alike, before any file exists: exit 2, exactly one stderr
# line, nothing created, in seconds. A `truncate: true` law runs and its count of clipped draws
# equals the count of stored parameters at the bound and the law's expectation.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}"
logs=$(mktemp -d)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$logs"' EXIT
fail=0
cd "$tmp"

# expect_refused NAME FRAGMENT CMD...: exit 2, one stderr line holding FRAGMENT, no new file, < 30 s
expect_refused() {
  local name=$1 frag=$2
  shift 2
  local before after t0 t1 rc lines
  before=$(find "$tmp" | sort)
  t0=$(date +%s)
  "$@" >"$logs/out" 2>"$logs/err"
  rc=$?
  t1=$(date +%s)
  after=$(find "$tmp" | sort)
  lines=$(err_lines "$logs/err")
  [ "$rc" -eq 2 ] || { echo "FAIL: $name: exit $rc, expected 2"; cat "$logs/err"; fail=1; }
  [ "$lines" -eq 1 ] || { echo "FAIL: $name: $lines stderr lines, expected 1"; cat "$logs/err"; fail=1; }
  grep -qF -- "$frag" "$logs/err" || { echo "FAIL: $name: no '$frag' in: $(cat "$logs/err")"; fail=1; }
  [ "$before" = "$after" ] || { echo "FAIL: $name: files created:"; diff <(echo "$before") <(echo "$after"); fail=1; }
  [ $((t1 - t0)) -lt 30 ] || { echo "FAIL: $name: took $((t1 - t0)) s"; fail=1; }
}

# config NAME SCENARIOS CHANGE: a Leontief config with one final-demand shock
config() {
  printf 'scenarios: %s\noutput:\n  file: %s.h5\nshocks:\n  - {name: d, type: final_demand, regions: [CN], change: %s}\n' \
    "$2" "$1" "$3" >"$1.yaml"
}
mkdir -p in && cd in
config huge 1e15 "{dist: uniform, min: -0.3, max: -0.1}"
config tera 1e12 "{dist: uniform, min: -0.3, max: -0.1}"
config ok 2000 "{dist: uniform, min: -0.3, max: -0.1}"
config big_change 100 1e308
config big_sd 100 "{dist: normal, mean: 0, sd: 1e308}"
config big_mu 100 "{dist: lognormal, mu: 1000, sigma: 1}"
config deep_cut 100 "{dist: uniform, min: -1.5, max: -0.5}"
config deep_cut_normal 100 "{dist: normal, mean: -0.5, sd: 0.3}"
config cut_const 100 -1.2
/usr/bin/python3 - <<'PY'
d = 100000
open("deep.yaml", "w").write("model: leontief\nx: " + "[" * d + "]" * d + "\n")
import os
os.makedirs("hdr", exist_ok=True)
n = 100000
open("hdr/Z.csv", "w").write("region," + ",".join(f"R{i}" for i in range(n)) + "\nsector,"
                             + ",".join(f"S{i}" for i in range(n)) + "\nregion,sector\n")
open("hdr/Y.csv", "w").write("region,R0\ncategory,c\nregion,sector\n")
open("hdr.yaml", "w").write("table: hdr\n")
PY
cd ..

for verb in run validate; do
  expect_refused "$verb scenarios 1e15" "need about" "$ICS" $verb in/huge.yaml
  expect_refused "$verb scenarios 1e12" "free (store fewer" "$ICS" $verb in/tera.yaml
  expect_refused "$verb --scenarios 9e18" "2^53" "$ICS" $verb in/ok.yaml --scenarios 9000000000000000000
  expect_refused "$verb change 1e308" "overflow" "$ICS" $verb in/big_change.yaml
  expect_refused "$verb sd 1e308" "non-finite" "$ICS" $verb in/big_sd.yaml
  expect_refused "$verb lognormal mu 1000" "non-finite" "$ICS" $verb in/big_mu.yaml
  expect_refused "$verb final demand below -100%" "key 'change' must lie in [-1, inf)" "$ICS" $verb in/deep_cut.yaml
  expect_refused "$verb normal reaching below -100%" "fall outside" "$ICS" $verb in/deep_cut_normal.yaml
  expect_refused "$verb constant below -100%" "got -1.2" "$ICS" $verb in/cut_const.yaml
  expect_refused "$verb deep YAML" "nested more than 64 levels" "$ICS" $verb in/deep.yaml
  expect_refused "$verb Z header without rows" "hdr/Z.csv:3:" "$ICS" $verb in/hdr.yaml
done
expect_refused "no arguments" "see icstress --help" "$ICS"
# the 1e15 message carries the estimate (bytes), and it comes before any file exists (checked above)
msg=$("$ICS" validate in/huge.yaml 2>&1)
grep -q "1000000000000000 scenarios need about .*iB of output" <<<"$msg" || { echo "FAIL: 1e15 message lacks the size: $msg"; fail=1; }

# --no-space-check turns the refusal into a warning; validate prints the estimate
"$ICS" validate in/tera.yaml --no-space-check >out.txt 2>err.txt || { echo "FAIL: validate --no-space-check"; fail=1; }
grep -q "warning" err.txt || { echo "FAIL: no warning under --no-space-check"; fail=1; }
grep -q "output .*: about" out.txt || { echo "FAIL: validate prints no estimate"; cat out.txt; fail=1; }
rm -f out.txt err.txt

# the full 64-bit seed range, as the config accepts it
"$ICS" validate in/ok.yaml --seed 18446744073709551615 >/dev/null || { echo "FAIL: --seed 2^64-1 refused"; fail=1; }
printf 'seed: 18446744073709551615\n' | cat - in/ok.yaml >in/seed.yaml
"$ICS" validate in/seed.yaml >/dev/null || { echo "FAIL: seed 2^64-1 in the config refused"; fail=1; }
expect_refused "--seed 2^64" "--seed needs" "$ICS" run in/ok.yaml --seed 18446744073709551616

# an .h5 table whose node_region is one short is reported as node_region
"$ICS" run in/ok.yaml -o full.h5 --quiet || { echo "FAIL: a plain run"; fail=1; }
/usr/bin/python3 - <<'PY'
import h5py
src = h5py.File("full.h5", "r")
with h5py.File("short.h5", "w") as dst:
    src.copy("table", dst)
    nr = dst["table/node_region"][:]
    del dst["table/node_region"]
    dst["table/node_region"] = nr[:-1]
PY
expect_refused "short node_region" "/table/node_region has" "$ICS" validate short.h5

# truncate: true: runs, stores the count, and the count is the stored parameters at the bound
cat >trunc.yaml <<'YAML'
scenarios: 4096
shocks:
  - {name: d, type: final_demand, regions: [CN], change: {dist: uniform, min: -1.5, max: -0.5, truncate: true}}
  - {name: c, type: capacity_loss, regions: [TW], segments: [fab_advanced], loss: {dist: normal, mean: 0.9, sd: 0.2, truncate: true}}
  - {name: e, type: final_demand, regions: [US], change: {dist: uniform, min: -0.2, max: 0.1}}
YAML
"$ICS" validate trunc.yaml >/dev/null || { echo "FAIL: validate truncate: true"; fail=1; }
"$ICS" run trunc.yaml -o trunc.h5 >out.txt 2>/dev/null || { echo "FAIL: run truncate: true"; fail=1; }
grep -v "name: c," trunc.yaml | sed 's/4096/1024/' >trunc2.yaml
"$ICS" run trunc2.yaml -o trunc2.h5 --quiet || { echo "FAIL: run trunc2"; fail=1; }
reported=$(sed -n 's/.*truncated: \([0-9]*\) draws.*/\1/p' out.txt)
/usr/bin/python3 - "$reported" <<'PY' || fail=1
import sys, math, h5py, numpy as np
from statistics import NormalDist
f = h5py.File("trunc.h5", "r")
d = f["/scenarios/parameters/d/change"]; c = f["/scenarios/parameters/c/loss"]
e = f["/scenarios/parameters/e/change"]
nd = int(np.sum(d[:] == -1.0)); nc = int(np.sum((c[:] == 0.0) | (c[:] == 1.0)))
ok = True
def check(cond, what):
    global ok
    if not cond:
        print("FAIL:", what); ok = False
check(d[:].min() >= -1.0 and c[:].min() >= 0.0 and c[:].max() <= 1.0, "a stored draw outside its domain")
check(d.attrs["truncated"] == nd, f"d: attribute {d.attrs['truncated']} != {nd} stored at -1")
check(c.attrs["truncated"] == nc, f"c: attribute {c.attrs['truncated']} != {nc} stored at 0 or 1")
check(e.attrs["truncated"] == 0, "e: a law inside its domain has truncated draws")
check(f.attrs["truncated_draws"] == nd + nc, "root truncated_draws != the sum")
check(int(sys.argv[1] or -1) == nd + nc, f"summary says {sys.argv[1]!r}, file {nd + nc}")
# the law's expectation: P(U(-1.5,-0.5) < -1) = 1/2; P(N(0.9,0.2) outside [0,1]) = ...
N = 4096
pc = NormalDist(0.9, 0.2).cdf(0.0) + 1 - NormalDist(0.9, 0.2).cdf(1.0)
for n, p, name in ((nd, 0.5, "d"), (nc, pc, "c")):
    check(abs(n - N * p) < 5 * math.sqrt(N * p * (1 - p)), f"{name}: {n} truncated, expected about {N * p:.0f}")
check(np.isfinite(f["/scenarios/output_change"][:]).all(), "non-finite outputs")
# with final-demand changes >= -1 only, x + dx = L (y + dy) >= 0 (L >= 0): no negative output
f = h5py.File("trunc2.h5", "r")
dx = f["/scenarios/output_change"][:]; x = f["/table/x"][:]
check((x[None, :] + dx >= -1e-9 * x.max()).all(), "negative outputs")
sys.exit(0 if ok else 1)
PY

[ $fail -eq 0 ] && echo "input_bounds: all checks passed"
exit $fail
