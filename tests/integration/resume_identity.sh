#!/usr/bin/env bash
# Acceptance (issue 11, resume identity): a run killed with SIGKILL mid-way leaves a partial whose
# run_identity records what its numbers depend on. --resume after ONE number of the table
# directory changed, or the config text, the seed or the scenario count, is refused: exit 2, one
# stderr line naming what differs, and the partial untouched (same mtime and checksum: it is only
# opened read-only). A partial without a run_identity (older icstress) is refused too; an
# unreadable one is replaced with one warning line. Then the unchanged resume completes and its
# /scenarios and /statistics equal those of an uninterrupted run.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}" "${ICS_MPIEXEC:?path to mpiexec}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=1
fail=0

# a table whose x and VA are derived (no x.csv, VA.csv): any change of Y keeps it balanced
mkdir "$tmp/tab"
/usr/bin/python3 "$here/mktable.py" "$tmp/tab" 6 12 3 || exit 1
rm "$tmp/tab/x.csv" "$tmp/tab/VA.csv"
# diim: heavy enough per scenario (and its file small) that the run can be killed mid-way
cat > "$tmp/run.yaml" <<YAML
table: $tmp/tab
model: diim
horizon: 52
scenarios: 80000
seed: 5
block_size: 128
shocks:
  - {name: out, type: capacity_loss, regions: [r1], segments: [s0, s3], loss: {dist: uniform, min: 0.2, max: 0.9}, duration: {dist: uniform, min: 1, max: 8}, recovery: 4}
  - {name: down, type: final_demand, regions: [r0, r2], change: {dist: uniform, min: -0.2, max: 0}}
output:
  store: [total_output_loss, va_loss_by_region]
YAML

"$ICS" run "$tmp/run.yaml" -o "$tmp/ref.h5" --quiet || { echo "FAIL: the uninterrupted run"; exit 1; }

# blocks done in a partial file, read while it is written (its layout is flushed first)
done_blocks() {
  HDF5_USE_FILE_LOCKING=FALSE /usr/bin/python3 - "$1" <<'PY' 2>/dev/null || echo 0
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    print(int(f["/progress/block_done"][...].sum()))
PY
}

# kill the run once it has finished some blocks (625 in all)
killed=0
for attempt in 1 2 3; do
  rm -f "$tmp/cut.h5" "$tmp/cut.h5.partial" "$tmp/cut.h5.lock"
  "$ICS" run "$tmp/run.yaml" -o "$tmp/cut.h5" --quiet &
  pid=$!
  for _ in $(seq 1 600); do
    sleep 0.05
    [ -e "$tmp/cut.h5.partial" ] || continue
    n=$(done_blocks "$tmp/cut.h5.partial")
    [ "$n" -ge 5 ] && break
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
  [ -e "$tmp/cut.h5" ] && { echo "the run finished before the kill; again"; continue; }
  n=$(done_blocks "$tmp/cut.h5.partial")
  if [ "$n" -gt 0 ] && [ "$n" -lt 625 ]; then killed=1; echo "killed with $n of 625 blocks done"; break; fi
done
[ "$killed" = 1 ] || { echo "FAIL: could not kill the run mid-way"; exit 1; }
sig() { stat -c '%Y %s' "$tmp/cut.h5.partial"; sha256sum < "$tmp/cut.h5.partial"; }
before=$(sig)
# the killed run's lock file (its fcntl lock died with it); a refused resume leaves it as it is
lock_before=$(stat -c '%Y %s' "$tmp/cut.h5.lock" 2>/dev/null || echo none)

# refused CASE FRAGMENT [command...]: exit 2, one stderr line containing FRAGMENT, partial intact
refused() {
  local name=$1 frag=$2
  shift 2
  local t0 t1 rc
  t0=$(date +%s.%N)
  "$@" 2> "$tmp/err" > "$tmp/out"; rc=$?
  t1=$(date +%s.%N)
  local lines
  # (under mpiexec, count our lines only: Open MPI adds its own notice of the exit status)
  if [ "$1" = "$ICS_MPIEXEC" ]; then lines=$(not_env "$tmp/err" | grep -c '^icstress'); else lines=$(err_lines "$tmp/err"); fi
  if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -qF -- "$frag" "$tmp/err"; then
    echo "FAIL: $name: exit $rc, $lines stderr line(s), expected 2 and 1 line with '$frag':"
    cat "$tmp/err"; fail=1
  elif [ "$(sig)" != "$before" ]; then
    echo "FAIL: $name: the partial file changed"; fail=1
  elif [ -e "$tmp/cut.h5" ] || [ "$(stat -c '%Y %s' "$tmp/cut.h5.lock" 2>/dev/null || echo none)" != "$lock_before" ]; then
    echo "FAIL: $name: made cut.h5 or touched the lock file"; fail=1
  else
    echo "ok $name ($(echo "$t1 - $t0" | bc) s): $(grep '^icstress' "$tmp/err")"
  fi
}

# one number of the table directory: Y of the first node, first column, 1 % larger
cp "$tmp/tab/Y.csv" "$tmp/Y.orig"
/usr/bin/python3 - "$tmp/tab/Y.csv" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().splitlines()
cells = lines[3].split(",")
cells[2] = repr(float(cells[2]) * 1.01)
lines[3] = ",".join(cells)
open(p, "w").write("\n".join(lines) + "\n")
PY
refused "changed table number" "cut.h5.partial: cannot resume: the table's numbers differ (sha256" \
  "$ICS" run "$tmp/run.yaml" -o "$tmp/cut.h5" --resume --quiet
cp "$tmp/Y.orig" "$tmp/tab/Y.csv"

# the config text: one shock parameter
cp "$tmp/run.yaml" "$tmp/run.orig"
sed -i 's/min: -0.2, max: 0}/min: -0.25, max: 0}/' "$tmp/run.yaml"
refused "changed config" "cannot resume: the config text differs (sha256" \
  "$ICS" run "$tmp/run.yaml" -o "$tmp/cut.h5" --resume --quiet
cp "$tmp/run.orig" "$tmp/run.yaml"

refused "changed seed" "cannot resume: the seed differs (5 in the partial, 6 now)" \
  "$ICS" run "$tmp/run.yaml" -o "$tmp/cut.h5" --resume --seed 6 --quiet
refused "changed seed, 2 ranks" "cannot resume: the seed differs (5 in the partial, 6 now)" \
  "$ICS_MPIEXEC" --oversubscribe -np 2 "$ICS" run "$tmp/run.yaml" -o "$tmp/cut.h5" --resume --seed 6 --quiet
refused "changed scenario count" "cannot resume: the scenario count differs (80000 in the partial, 81000 now)" \
  "$ICS" run "$tmp/run.yaml" -o "$tmp/cut.h5" --resume --scenarios 81000 --quiet

# a partial of an older icstress (no run_identity): refused, not guessed at
cp "$tmp/cut.h5.partial" "$tmp/old.h5.partial"
/usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); del f.attrs['run_identity']" "$tmp/old.h5.partial"
"$ICS" run "$tmp/run.yaml" -o "$tmp/old.h5" --resume --quiet 2> "$tmp/err"; rc=$?
if [ "$rc" -eq 2 ] && [ "$(err_lines "$tmp/err")" -eq 1 ] && grep -q "old.h5.partial: cannot resume: it records no run_identity" "$tmp/err"; then
  echo "ok older partial: $(cat "$tmp/err")"
else echo "FAIL: older partial: exit $rc"; cat "$tmp/err"; fail=1; fi

# an unreadable partial holds no finished block: one warning line naming it, then a new run
head -c 4096 /dev/urandom > "$tmp/junk.h5.partial"
"$ICS" run "$tmp/run.yaml" -o "$tmp/junk.h5" --scenarios 2000 --resume --quiet 2> "$tmp/err"; rc=$?
if [ "$rc" -eq 0 ] && [ "$(err_lines "$tmp/err")" -eq 1 ] && grep -q "junk.h5.partial is not a readable HDF5 file" "$tmp/err" && [ -e "$tmp/junk.h5" ]; then
  echo "ok unreadable partial: $(cat "$tmp/err")"
else echo "FAIL: unreadable partial: exit $rc"; cat "$tmp/err"; fail=1; fi

# unchanged: the resume completes, equal to the uninterrupted run
"$ICS" run "$tmp/run.yaml" -o "$tmp/cut.h5" --resume 2> "$tmp/log" > /dev/null || { echo "FAIL: the unchanged resume"; cat "$tmp/log"; exit 1; }
grep "already done and reused" "$tmp/log"
for g in /scenarios /statistics /table; do
  h5diff "$tmp/ref.h5" "$tmp/cut.h5" $g || { echo "FAIL: $g differs from the uninterrupted run"; fail=1; }
done
[ -e "$tmp/cut.h5.partial" ] && { echo "FAIL: the partial is still there"; fail=1; }
[ -e "$tmp/cut.h5.lock" ] && { echo "FAIL: the lock file is still there"; fail=1; }
/usr/bin/python3 - "$tmp/ref.h5" "$tmp/cut.h5" <<'PY' || fail=1
import sys, h5py
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
for k in ("run_identity", "table_sha256", "config_sha256"):
    assert a.attrs[k] == b.attrs[k], k
print("run_identity of the resumed file equals the uninterrupted run's")
PY
# table_sha256 recomputed from the file's /table with Python's hashlib, following the byte layout
# of docs/output-format.md (independently of core/table/table_digest.c); config_sha256 likewise
/usr/bin/python3 - "$tmp/ref.h5" <<'PY' || fail=1
import sys, struct, hashlib, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
t = f["/table"]
s = lambda d: [v.decode() if isinstance(v, bytes) else str(v) for v in t[d][...]]
regions, segments = s("regions"), s("segments")
nr, ns, yr, yc = s("node_region"), s("node_segment"), s("y_region"), s("y_category")
Z, Y, x, va = (np.asarray(t[k][...], dtype="<f8") for k in ("Z", "Y", "x", "va"))
n, k = Z.shape[0], Y.shape[1]
u64 = lambda v: struct.pack("<Q", v)
lab = lambda v: u64(len(v.encode())) + v.encode()
num = lambda a: (np.where(a == 0, 0.0, a)).astype("<f8").tobytes()
m = b"icstress-table-sha256-v1\n" + u64(n) + u64(k) + u64(len(regions)) + u64(len(segments))
m += b"".join(map(lab, regions)) + b"".join(map(lab, segments))
m += b"".join(u64(regions.index(a)) + u64(segments.index(b)) for a, b in zip(nr, ns))
m += b"".join(lab(a) + lab(b) for a, b in zip(yr, yc))
m += num(Z.T.ravel()) + num(Y.T.ravel()) + num(x) + num(va)   # column-major
got = f.attrs["table_sha256"]
got = got.decode() if isinstance(got, bytes) else got
want = hashlib.sha256(m).hexdigest()
assert got == want, (got, want)
cfg = f.attrs["config"]
cfg = cfg.encode() if isinstance(cfg, str) else cfg
c = f.attrs["config_sha256"]
assert (c.decode() if isinstance(c, bytes) else c) == hashlib.sha256(cfg).hexdigest()
print("table_sha256 and config_sha256 equal hashlib's digests of the documented bytes")
PY
[ "$fail" = 0 ] && echo "resume identity: all cases ok"
exit $fail
