#!/usr/bin/env bash
# `icstress chokepoints`: the shipped config runs, the /chokepoints group is identical for 1 and
# 2 ranks (nodes are distributed round-robin and gathered in node order; each node's ensemble
# depends only on the seed and the node), the ranked table is printed, and an input error exits
# 2 before anything is written.
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_MPIEXEC:?path to mpiexec}" "${ICS_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cfg="$ICS_SOURCE_DIR/configs/chokepoints.yaml"

OMP_NUM_THREADS=1 "$ICS" chokepoints "$cfg" --scenarios-per-node 16 -o "$tmp/np1.h5" \
  > "$tmp/out1.txt" 2> "$tmp/err1.txt" || { cat "$tmp/err1.txt"; exit 1; }
grep -q "^rank  node" "$tmp/out1.txt"
rows=$(grep -cE '^ +[0-9]+  [A-Z]+/' "$tmp/out1.txt")
[ "$rows" -eq 20 ] || { echo "expected 20 table rows, got $rows"; cat "$tmp/out1.txt"; exit 1; }
echo "ok: the ranked table has 20 rows"
for d in node_region node_segment backward_linkage forward_linkage key_class extraction_total \
         extraction_backward extraction_forward expected_loss cvar95_loss loss_q05 loss_q95 \
         rank_expected rank_cvar95; do
  h5ls "$tmp/np1.h5/chokepoints/$d" > /dev/null || { echo "missing /chokepoints/$d"; exit 1; }
done
echo "ok: every /chokepoints dataset is there"

OMP_NUM_THREADS=2 "$ICS_MPIEXEC" --oversubscribe -np 2 "$ICS" chokepoints "$cfg" \
  --scenarios-per-node 16 -o "$tmp/np2.h5" --quiet
h5diff "$tmp/np1.h5" "$tmp/np2.h5" /chokepoints
echo "ok: 2 ranks x 2 threads give the same /chokepoints as 1 process"

cat > "$tmp/bad.yaml" <<'YAML'
table: builtin
chokepoints:
  loss: {dist: uniform, min: 0.5, max: 1.5}
YAML
set +e
"$ICS" chokepoints "$tmp/bad.yaml" -o "$tmp/bad.h5" 2> "$tmp/bad.txt"
code=$?
set -e
[ "$code" -eq 2 ] || { echo "expected exit 2, got $code"; cat "$tmp/bad.txt"; exit 1; }
grep -q "bad.yaml:3:" "$tmp/bad.txt"
[ ! -e "$tmp/bad.h5" ] && [ ! -e "$tmp/bad.h5.partial" ]
echo "ok: an input error exits 2 naming the line, and writes nothing"
