#!/usr/bin/env bash
# Acceptance (issue 11, exclusive and safe outputs):
# - two runs started at once on one output (same config, different seeds): one is refused at once
#   (exit 2, one line naming the other run's pid), the other's file equals a lone run with its seed;
# - -o equal to the config (also spelled differently), to the table .h5 the config reads, to a file
#   of the table directory, a directory, "", FILE/x.h5, a 300-character path (deep directories, or
#   one long relative name), an existing complete result without --force: each exit 2 with one
#   stderr line, nothing created or changed, and before any computation (the config asks for 10^9
#   scenarios, so a refusal after computing would time out);
# - --force overwrites a complete result; a lock file left by a killed run does not block;
# - the same checks in `sensitivity` and `chokepoints`.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d) errd=$(mktemp -d)   # stderr goes outside $tmp, whose state is compared
trap 'rm -rf "$tmp" "$errd"' EXIT
export OMP_NUM_THREADS=1
fail=0

cat > "$tmp/run.yaml" <<YAML
table: builtin
model: leontief
scenarios: 300000
seed: 1
shocks:
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
output:
  store: [total_output_loss, va_loss_by_region]
YAML

# ---- two runs at once on one output ----
"$ICS" run "$tmp/run.yaml" -o "$tmp/both.h5" --seed 11 --quiet 2> "$tmp/errA" & pa=$!
"$ICS" run "$tmp/run.yaml" -o "$tmp/both.h5" --seed 22 --quiet 2> "$tmp/errB" & pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
echo "run A (seed 11, pid $pa): exit $ra; run B (seed 22, pid $pb): exit $rb"
if [ "$ra" = 0 ] && [ "$rb" = 2 ]; then win=11; winpid=$pa; loser="$tmp/errB"
elif [ "$ra" = 2 ] && [ "$rb" = 0 ]; then win=22; winpid=$pb; loser="$tmp/errA"
else echo "FAIL: expected one run to succeed and one to be refused"; cat "$tmp/errA" "$tmp/errB"; exit 1; fi
# (the winner describes itself in the lock file just after taking it; a refusal that still
# finds the file empty after 50 ms names the pid alone)
if [ "$(err_lines "$loser")" -ne 1 ] || ! grep -Eq "both.h5: another icstress run is writing this output \(pid $winpid( on |;)" "$loser"; then
  echo "FAIL: the refusal is not one line naming pid $winpid:"; cat "$loser"; fail=1
else echo "ok refused: $(cat "$loser")"; fi
"$ICS" run "$tmp/run.yaml" -o "$tmp/lone.h5" --seed $win --quiet || exit 1
for g in /scenarios /statistics; do
  h5diff "$tmp/lone.h5" "$tmp/both.h5" $g || { echo "FAIL: $g of the winner differs from a lone run with seed $win"; fail=1; }
done
/usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); assert f.attrs['seed']==int(sys.argv[2]) and f.attrs['complete']==1" "$tmp/both.h5" $win \
  && echo "ok the winner's file equals a lone run with seed $win" || fail=1
ls "$tmp" | grep -q "both.h5\." && { echo "FAIL: a partial or lock file was left: $(ls "$tmp")"; fail=1; }

# ---- refusals: one line, exit 2, nothing created or changed, before computing ----
sed 's/^scenarios: .*/scenarios: 1000000000/' "$tmp/run.yaml" > "$tmp/big.yaml"
"$ICS" run "$tmp/run.yaml" -o "$tmp/tab.h5" --scenarios 2000 --quiet || exit 1   # an .h5 table
sed "s#^table: .*#table: $tmp/tab.h5#" "$tmp/big.yaml" > "$tmp/bigh5.yaml"
mkdir "$tmp/tabdir"
/usr/bin/python3 "$here/mktable.py" "$tmp/tabdir" 2 3 7 || exit 1
sed "s#^table: .*#table: $tmp/tabdir#; s/segments: .*\]/regions: [r0]/" "$tmp/big.yaml" > "$tmp/bigdir.yaml"
echo "not a directory" > "$tmp/plainfile"
mkdir "$tmp/sub"
deep="$tmp/$(printf 'd%.0s' $(seq 1 120))/$(printf 'e%.0s' $(seq 1 120))"
mkdir -p "$deep"
long="$deep/$(printf 'f%.0s' $(seq 1 $((300 - ${#deep} - 4)))).h5"
longrel=$(printf 'g%.0s' $(seq 1 297)).h5
[ ${#long} -eq 300 ] && [ ${#longrel} -eq 300 ] || { echo "FAIL: test set-up: path lengths ${#long} ${#longrel}"; exit 1; }

state() { (cd "$tmp" && find . -printf '%p %s %T@\n' | sort | sha256sum); }
refused() {
  local name=$1 frag=$2
  shift 2
  local before after t0 t1 rc lines
  before=$(state)
  t0=$(date +%s.%N)
  (cd "$tmp" && timeout 120 "$@") > /dev/null 2> "$errd/err"; rc=$?
  t1=$(date +%s.%N)
  lines=$(err_lines "$errd/err")
  after=$(state)
  if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -qF -- "$frag" "$errd/err"; then
    echo "FAIL: $name: exit $rc, $lines line(s), expected 2 and one line with '$frag':"
    cat "$errd/err"; fail=1
  elif [ "$before" != "$after" ]; then
    echo "FAIL: $name: files were created or changed"; fail=1
  else
    echo "ok $name ($(printf '%.2f' "$(echo "$t1 - $t0" | bc)") s): $(cut -c1-200 "$errd/err")"
  fi
}

refused "-o the config" "the output would replace the config file" \
  "$ICS" run "$tmp/big.yaml" -o "$tmp/big.yaml"
refused "-o the config, spelled otherwise, --force" "the output would replace the config file" \
  "$ICS" run "$tmp/big.yaml" -o "sub/../big.yaml" --force
refused "-o the table .h5, --force" "the output would replace the table file $tmp/tab.h5" \
  "$ICS" run "$tmp/bigh5.yaml" -o "$tmp/tab.h5" --force
refused "-o a file of the table directory" "a file of the table directory the config reads" \
  "$ICS" run "$tmp/bigdir.yaml" -o "$tmp/tabdir/Y.csv" --force
refused "-o a directory" "the output is a directory" \
  "$ICS" run "$tmp/big.yaml" -o "$tmp/sub"
refused "-o ''" "the output file name is empty" \
  "$ICS" run "$tmp/big.yaml" -o ""
refused "-o FILE/x.h5" "'$tmp/plainfile' is not a directory" \
  "$ICS" run "$tmp/big.yaml" -o "$tmp/plainfile/x.h5"
refused "-o in a missing directory" "does not exist" \
  "$ICS" run "$tmp/big.yaml" -o "$tmp/nodir/x.h5"
refused "300-character path (deep directories)" "the output path is 300 characters long; icstress accepts at most 230" \
  "$ICS" run "$tmp/big.yaml" -o "$long"
refused "300-character relative name" "the output path is 300 characters long; icstress accepts at most 230" \
  "$ICS" run "$tmp/big.yaml" -o "$longrel"
refused "existing complete result" "lone.h5: a complete result is already there (created " \
  "$ICS" run "$tmp/big.yaml" -o "$tmp/lone.h5"
refused "existing complete result, --resume" "add --force (-f) to overwrite it" \
  "$ICS" run "$tmp/big.yaml" -o "$tmp/lone.h5" --resume
refused "existing other file" "the file already exists (not a complete icstress result)" \
  "$ICS" run "$tmp/big.yaml" -o "$tmp/plainfile"

# the same guard in sensitivity and chokepoints
cat > "$tmp/sens.yaml" <<YAML
table: builtin
model: leontief
seed: 3
shocks:
  - {name: a, type: final_demand, regions: [CN], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: b, type: final_demand, regions: [US], change: {dist: uniform, min: -0.2, max: 0}}
sensitivity: {method: sobol, targets: [total_output_loss], samples: 100000000}
YAML
refused "sensitivity -o the config" "the output would replace the config file" \
  "$ICS" sensitivity "$tmp/sens.yaml" -o "$tmp/sens.yaml" --force
refused "sensitivity existing result" "a complete result is already there" \
  "$ICS" sensitivity "$tmp/sens.yaml" -o "$tmp/lone.h5"
refused "sensitivity 300-character path" "icstress accepts at most 230" \
  "$ICS" sensitivity "$tmp/sens.yaml" -o "$long"
cp "$ICS_SOURCE_DIR/configs/chokepoints.yaml" "$tmp/cp.yaml"
refused "chokepoints -o a directory" "the output is a directory" \
  "$ICS" chokepoints "$tmp/cp.yaml" -o "$tmp/sub"
refused "chokepoints existing result" "a complete result is already there" \
  "$ICS" chokepoints "$tmp/cp.yaml" -o "$tmp/lone.h5"
refused "chokepoints 300-character path" "icstress accepts at most 230" \
  "$ICS" chokepoints "$tmp/cp.yaml" -o "$long"

# ---- --force overwrites; a lock file left by a killed run does not block ----
"$ICS" run "$tmp/run.yaml" -o "$tmp/lone.h5" --scenarios 3000 --seed 4 --force --quiet \
  && /usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); assert f.attrs['scenarios']==3000 and f.attrs['seed']==4" "$tmp/lone.h5" \
  && echo "ok --force overwrote the complete result" || { echo "FAIL: --force"; fail=1; }
echo "pid 999999 on $(hostname) since 2026-01-01T00:00:00Z" > "$tmp/stale.h5.lock"
"$ICS" run "$tmp/run.yaml" -o "$tmp/stale.h5" --scenarios 3000 --quiet && [ -e "$tmp/stale.h5" ] && [ ! -e "$tmp/stale.h5.lock" ] \
  && echo "ok a stale lock file (no process holds its lock) is taken over and removed" || { echo "FAIL: stale lock"; fail=1; }

[ "$fail" = 0 ] && echo "exclusive outputs: all cases ok"
exit $fail
