#!/usr/bin/env bash
# The bad-input corpus (tests/bad-inputs/, format in its README.md): every case runs in a scratch
# copy of its directory and must end with its expected exit status (2), exactly one stderr line
# holding each expected fragment, and no file created, removed or changed anywhere in the scratch
# tree (the case, the shared inputs and the output directory). Cases listed in PENDING are
# expected to fail until other branches are merged: their failures are XFAIL, their passes XPASS
# (both reported, neither fails the test). Any other failure fails the test.
# usage: ICS=path/to/icstress bash bad_inputs.sh [CASE...]    (default: every case)
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
: "${ICS:?path to the icstress binary}"
here=$(cd "$(dirname "$0")" && pwd)
corpus=${ICS_SOURCE_DIR:-$here/../..}/tests/bad-inputs
[ -d "$corpus/cases" ] || { echo "FAIL: no corpus at $corpus"; exit 1; }
ICS=$(cd "$(dirname "$ICS")" && pwd)/$(basename "$ICS")
export ICS corpus
# A singleton MPI process without the daemon and the network transports starts in a quarter of
# the time; the cases exercise input checks, not MPI.
export OMPI_MCA_ess_singleton_isolated=${OMPI_MCA_ess_singleton_isolated:-1}
export OMPI_MCA_btl=${OMPI_MCA_btl:-self} OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
export ICS_CASE_TIMEOUT=${ICS_CASE_TIMEOUT:-15}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
export tmp
mkdir "$tmp/res"

# snapshot DIR: every entry's type, path, size and mtime, and every file's checksum (files of
# 64 MiB and more, such as the sparse multi-terabyte files of a runaway run, by size and mtime only)
snapshot() {
  (cd "$1" && find . -printf '%y %p %s %T@\n' -type f -size -64M -exec md5sum {} +)
}

# run_one NAME: writes "STATUS NAME: detail" to $tmp/res/NAME
run_one() {
  local name=$1 c="$corpus/cases/$1" w="$tmp/w/$1" res="$tmp/res/$1" log="$tmp/log/$1"
  local why=""
  mkdir -p "$w/out" "$log/tmp"
  # Open MPI's session directory goes under TMPDIR: one per case, so that parallel singletons
  # (which all take the same job id) do not share and remove each other's.
  export TMPDIR="$log/tmp"
  cp -r "$c" "$w/case" && cp -r "$corpus/common" "$w/common" || { echo "FAIL $name: cannot copy" > "$res"; return; }
  export CASE="$w/case" COMMON="$w/common" OUTDIR="$w/out" OUT="$w/out/result.h5"
  if [ -f "$w/case/setup" ]; then
    if ! (cd "$w/case" && bash ./setup) > "$log/setup" 2>&1; then
      echo "FAIL $name: setup failed: $(tail -n 3 "$log/setup" | tr '\n' ' ')" > "$res"
      return
    fi
  fi
  local cmd="" line want rc lines err frag
  while IFS= read -r line; do
    case $line in ''|'#'*) ;; *) cmd+="$line"$'\n' ;; esac
  done < "$c/cmd"
  read -r want < "$c/expect"
  snapshot "$w" > "$log/before"
  local t0=$SECONDS
  # (the braces keep the shell's own "Segmentation fault" notices out of the report)
  { (cd "$w/case" && exec timeout -k 5 "$ICS_CASE_TIMEOUT" bash -c "$cmd") \
      > "$log/stdout" 2> "$log/stderr" < /dev/null; rc=$?; } 2> /dev/null
  local secs=$((SECONDS - t0))
  snapshot "$w" > "$log/after"
  mapfile -t err < <(not_env "$log/stderr")
  lines=${#err[@]}
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then why="timed out after ${ICS_CASE_TIMEOUT}s"
  elif [ "$rc" != "$want" ]; then why="exit $rc, want $want"
  elif [ "$lines" != 1 ]; then why="$lines stderr lines, want 1"
  fi
  if [ -z "$why" ]; then
    { read -r _; while IFS= read -r frag; do
        [ -z "$frag" ] || [[ ${err[0]} == *"$frag"* ]] || { why="message lacks '$frag'"; break; }
      done; } < "$c/expect"
  fi
  if [ -z "$why" ] && [[ "$(< "$log/before")" != "$(< "$log/after")" ]]; then
    why="files changed: $(diff "$log/before" "$log/after" | grep '^[<>] [a-z-] ' |
                          awk '{ print $1 $3 }' | sort -u | head -n 4 | tr '\n' ' ')"
  fi
  local msg=${err[0]:-}
  msg=${msg:0:300}
  if [ -z "$why" ]; then echo "PASS $name (${secs}s): $msg" > "$res"
  else
    echo "FAIL $name (${secs}s): $why | $msg" > "$res"
    [ "$lines" -gt 1 ] && head -n 5 "$log/stderr" | sed 's/^/       | /' >> "$res"
  fi
  rm -rf "$w"
}
export -f run_one snapshot not_env
export ICS_ENV_WARNING

if [ $# -gt 0 ]; then printf '%s\n' "$@" > "$tmp/list"
else (cd "$corpus/cases" && ls -1) > "$tmp/list"
fi
start=$(date +%s)
xargs -P "${ICS_JOBS:-$(( $(nproc) > 2 ? $(nproc) : 2 ))}" -I{} bash -c 'run_one "$1"' _ {} < "$tmp/list"
elapsed=$(( $(date +%s) - start ))

pending=" $(grep -v '^[[:space:]]*#' "$corpus/PENDING" 2>/dev/null | tr '\n' ' ') "
npass=0 nfail=0 nxfail=0 nxpass=0
while IFS= read -r name; do
  r=$(cat "$tmp/res/$name" 2>/dev/null || echo "FAIL $name: no result")
  case "$pending" in
    *" $name "*)
      if [ "${r%% *}" = PASS ]; then r="XPASS${r#PASS} (listed in PENDING: remove it)"; nxpass=$((nxpass + 1))
      else r="XFAIL${r#FAIL}"; nxfail=$((nxfail + 1)); fi ;;
    *) if [ "${r%% *}" = PASS ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi ;;
  esac
  echo "$r"
done < "$tmp/list"
echo "bad inputs: $npass passed, $nfail failed, $nxfail expected failures (PENDING), $nxpass unexpected passes, ${elapsed}s"
[ "$nfail" -eq 0 ]
