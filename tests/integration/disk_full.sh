#!/usr/bin/env bash
# A real full disk in each phase of a run: a small tmpfs is mounted and filled up to a chosen
# free space, so that the run runs out of space while writing blocks, or (with room for every
# block) when it comes to the statistics. Each time: exit 1, one stderr line naming the file and
# saying "no space left on device", no crash, the partial kept; after the filler is removed,
# `--resume` completes it identical to an uninterrupted run (h5diff /scenarios /statistics).
# With 1 and 2 processes. Mounting needs root and a sandbox that allows it; where it is refused,
# the same checks run with the fault-injection build's ICS_FAULT_H5WRITE (an injected full disk),
# and without either the test is skipped (exit 77).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}" "${ICS_MPIEXEC:?path to mpiexec}"
tmp=$(mktemp -d)
mnt="$tmp/mnt"
mkdir "$mnt"
trap 'umount "$mnt" 2>/dev/null || true; rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=1

cat > "$tmp/run.yaml" <<YAML
table: builtin
model: leontief
scenarios: 20000
seed: 5
block_size: 1024
shocks:
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
output:
  store: [output_change, total_output_loss, va_loss_by_region]
YAML
"$ICS" run "$tmp/run.yaml" -o "$tmp/ref.h5" --quiet

launch() { # launch NP ARGS...: status in rc, stderr in $tmp/err
  local np=$1; shift
  set +e
  if [ "$np" = 1 ]; then "$ICS" "$@" 2> "$tmp/err"; else "$ICS_MPIEXEC" -q -np "$np" "$ICS" "$@" 2> "$tmp/err"; fi
  rc=$?
  set -e
  # --no-space-check (below) lets a run start on a disk too small for it, with one warning line
  # about that; Open MPI's MPI-IO (fbtl/posix) may print a line of its own for the failed write
  # with 2 processes, which icstress cannot silence: the failure's own line is what is checked
  grep -v -e '^icstress: warning: .*--no-space-check' -e '^mca_fbtl_posix_pwritev: error' \
    "$tmp/err" > "$tmp/err.1" || true
  mv "$tmp/err.1" "$tmp/err"
}

# check NP PHASE: the failed run's status and message, then --resume once space is back
check() {
  local np=$1 phase=$2 out=$3
  cat "$tmp/err"
  [ "$rc" = 1 ] || { echo "FAIL ($phase, $np): exit $rc, expected 1"; exit 1; }
  [ "$(err_lines "$tmp/err")" = 1 ] || { echo "FAIL ($phase, $np): not one stderr line"; exit 1; }
  grep -qF "$out.partial" "$tmp/err" || { echo "FAIL ($phase, $np): the file is not named"; exit 1; }
  grep -q "no space left on device" "$tmp/err" || { echo "FAIL ($phase, $np): no reason"; exit 1; }
  [ -e "$out.partial" ] && [ ! -e "$out" ] || { echo "FAIL ($phase, $np): partial not kept"; exit 1; }
  rm -f "$mnt/filler"
  launch "$np" run "$tmp/run.yaml" -o "$out" --resume --quiet
  [ "$rc" = 0 ] || { cat "$tmp/err"; echo "FAIL ($phase, $np): --resume exit $rc"; exit 1; }
  for g in /scenarios /statistics; do h5diff "$tmp/ref.h5" "$out" $g; done
  echo "$phase phase, $np process(es): resumed file identical to the uninterrupted run"
  rm -f "$out"
}

if mount -t tmpfs -o size=48m tmpfs "$mnt" 2>/dev/null; then
  echo "disk full on a 48 MiB tmpfs"
  need=$(du -B1 "$tmp/ref.h5" | cut -f1)   # what a complete result takes on disk
  fill() { # leave about $1 bytes free
    rm -f "$mnt/filler"
    local avail; avail=$(df -B1 --output=avail "$mnt" | tail -1)
    dd if=/dev/zero of="$mnt/filler" bs=4096 count=$(( (avail - $1) / 4096 )) status=none 2>/dev/null || true
  }
  for np in 1 2; do
    fill $((need / 2))                    # half the blocks fit
    launch "$np" run "$tmp/run.yaml" -o "$mnt/out.h5" --quiet --no-space-check
    grep -q "/scenarios\|/progress" "$tmp/err" || { cat "$tmp/err"; echo "FAIL: not in the blocks phase"; exit 1; }
    check "$np" blocks "$mnt/out.h5"
    fill $((need + 100000))               # every block fits, the statistics' reserve does not
    launch "$np" run "$tmp/run.yaml" -o "$mnt/out.h5" --quiet --no-space-check
    grep -q "statistics" "$tmp/err" || { cat "$tmp/err"; echo "FAIL: not in the statistics phase"; exit 1; }
    check "$np" statistics "$mnt/out.h5"
  done
else
  # no mount here: an injected full disk (fault-injection build) at a block write and at a
  # statistics write, found by scanning N
  probe() { ICS_FAULT_H5WRITE=$1 "$ICS" run "$tmp/run.yaml" -o "$tmp/probe.h5" --quiet 2>&1 || true; rm -f "$tmp"/probe.h5*; }
  probe 1 | grep -q "injected fault" || { echo "SKIP: cannot mount a tmpfs and no fault-injection build"; exit 77; }
  echo "mounting a tmpfs is not allowed here: the full disk is injected (ICS_FAULT_H5WRITE)"
  nb=0; ns=0
  for n in $(seq 1 3 400); do
    msg=$(probe "$n")
    [ -n "$msg" ] || break
    if [ "$nb" = 0 ] && echo "$msg" | grep -q "writing rows"; then nb=$n; fi
    if echo "$msg" | grep -q "/statistics"; then ns=$n; break; fi
  done
  [ "$nb" -gt 0 ] && [ "$ns" -gt 0 ] || { echo "FAIL: no block or statistics write found"; exit 1; }
  for np in 1 2; do
    for ph in "blocks $nb" "statistics $ns"; do
      set -- $ph
      set +e
      if [ "$np" = 1 ]; then ICS_FAULT_H5WRITE=$2 "$ICS" run "$tmp/run.yaml" -o "$tmp/out.h5" --quiet 2> "$tmp/err"
      else ICS_FAULT_H5WRITE=$2 "$ICS_MPIEXEC" -q -x ICS_FAULT_H5WRITE -np "$np" "$ICS" run "$tmp/run.yaml" -o "$tmp/out.h5" --quiet 2> "$tmp/err"; fi
      rc=$?
      set -e
      check "$np" "$1" "$tmp/out.h5"
    done
  done
fi
echo "disk-full test passed"
