#!/usr/bin/env bash
# Smoke test of `icstress bench --quick --json FILE` (not a timed test: no speed is checked).
# The suite runs, prints its table with the BLAS core, and appends one JSON object per case
# carrying the fields of INTERFACE.md and issue 7; under mpirun only rank 0 prints and writes.
set -euo pipefail
: "${ICS:?path to the icstress binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"
out=$("$ICS" bench --quick --json "$tmp/b.jsonl")
echo "$out"
grep -q "^BLAS core:" <<<"$out"
grep -q "^propagate_builtin " <<<"$out"
python3 - "$tmp/b.jsonl" <<'PY'
import json, sys
recs = [json.loads(line) for line in open(sys.argv[1])]
need = ["case", "n", "block", "scenarios_per_s", "gflops", "dgemm_gflops", "ratio", "blas_core",
        "ranks", "threads", "machine", "blas", "commit", "timestamp", "peak_rss_mib"]
for r in recs:
    missing = [k for k in need if k not in r]
    assert not missing, (r["case"], missing)
    assert r["ranks"] == 1 and r["threads"] >= 1, r
cases = {r["case"] for r in recs}
for c in ["propagate_builtin", "propagate_random", "pipeline_static", "diim_step", "ario_step",
          "ario_state_bw", "coefficient_smw", "hdf5_write_independent", "uncertainty_table",
          "whole_aggregates", "whole_store_only"]:
    assert c in cases, (c, sorted(cases))
unc = [r for r in recs if r["case"] == "uncertainty_table"][0]
assert unc["draws"] >= 1 and 0 < unc["ratio"] and unc["fixed_table_scenarios_per_s"] > 0, unc
assert {r["n"] for r in recs if r["case"] == "propagate_random"} >= {128, 512, 2048}
# issue 17: the ARIO state-bandwidth target, one record beside each ario_step
st = [r for r in recs if r["case"] == "ario_state_bw"]
assert len(st) == len([r for r in recs if r["case"] == "ario_step"]), sorted(cases)
for r in st:
    assert r["target"] == 0.8 and r["ratio_vs"] == "stream_triad" and "what" in r, r
    assert r["bytes_per_step"] > 0 and r["stream_triad_gbs"] > 0, r
    assert abs(r["ratio"] - r["gbytes_per_s"] / r["stream_triad_gbs"]) <= 2e-3 * r["ratio"], r
coef = [r for r in recs if r["case"] == "coefficient_smw"][0]
assert coef["max_rel_err_vs_direct"] <= 1e-10, coef
print(len(recs), "records OK")
PY
# under MPI: one table, records say 2 ranks
if [ -n "${ICS_MPIEXEC:-}" ]; then
  mout=$(OMP_NUM_THREADS=1 "$ICS_MPIEXEC" -np 2 "$ICS" bench --quick --cases propagate,coefficient \
         --json "$tmp/m.jsonl")
  [ "$(grep -c '^BLAS core:' <<<"$mout")" = 1 ]
  python3 -c "
import json, sys
recs = [json.loads(l) for l in open('$tmp/m.jsonl')]
assert recs and all(r['ranks'] == 2 for r in recs), recs
"
fi
# usage errors exit 2 and create nothing
set +e
"$ICS" bench --bogus >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ "$rc" = 2 ] && grep -q "bench" "$tmp/err"
echo "bench smoke test passed"
