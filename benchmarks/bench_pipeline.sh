#!/usr/bin/env bash
# Full static pipeline (sample, propagate, write, exact statistics) on the built-in table:
# scenarios/s for 1 and 2 MPI ranks x 1 and 2 OpenMP threads, and weak-scaling efficiency
# (work per process fixed). Two variants: "propagate" runs the n x n product for every block
# (fast_aggregates: false); "shortcut" computes the aggregates as (S L P) Theta and is bound by
# writing the per-scenario scalars (about 100 bytes per scenario) into one file. Prints a table; appends JSON records to $JSON (default
# bench-pipeline.jsonl). Usage: benchmarks/bench_pipeline.sh [BUILD_DIR] [SCENARIOS_PER_WORKER]
set -euo pipefail
build=${1:-build}
per=${2:-1000000}
json=${JSON:-bench-pipeline.jsonl}
ics="$build/icstress"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/propagate.yaml" <<'YAML'
fast_aggregates: false
table: builtin
model: leontief
seed: 1
block_size: 1024
shocks:
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: cn, type: final_demand, regions: [CN], change: {dist: normal, mean: -0.2, sd: 0.1}, probability: 0.5}
output:
  store: [total_output_loss]
YAML
sed 's/^fast_aggregates: false/fast_aggregates: true/' "$tmp/propagate.yaml" > "$tmp/shortcut.yaml"
core=$("$ics" info | sed -n 's/^BLAS core: *//p')
cpu=$("$ics" info | sed -n 's/^CPU: *//p')
commit=$(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "BLAS core: $core   CPU: $cpu   commit: $commit"
echo "statistics-only pipeline (per-scenario scalars stored, exact statistics at the end)"
printf "%-10s %-6s %-8s %-12s %-14s %-10s %s\n" variant ranks threads scenarios "scenarios/s" "RSS MiB" "weak eff."
declare -A rate
for variant in propagate shortcut; do
for th in 1 2; do
  for np in 1 2; do
    N=$((per * np))
    [ $variant = shortcut ] && N=$((N * 10))
    # each rank gets th cores of its own; oversubscribed cases let the OS place the threads
    place="--map-by slot:PE=$th --bind-to core"
    [ $((np * th)) -gt "$(nproc)" ] && place="--bind-to none"
    line=$(OMP_NUM_THREADS=$th mpiexec $place -np $np "$ics" run "$tmp/$variant.yaml" \
           -o "$tmp/out.h5" --force --scenarios $N 2>&1 | grep "scenarios computed")
    r=$(sed -n 's/.*(\([0-9.e+]*\) scenarios\/s.*/\1/p' <<<"$line")
    rss=$(sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p' <<<"$line")
    rate[$variant.$np.$th]=$r
    eff=""
    if [ "$np" = 2 ]; then eff=$(awk -v a="$r" -v b="${rate[$variant.1.$th]}" 'BEGIN { printf "%.3f", a / (2 * b) }'); fi
    printf "%-10s %-6s %-8s %-12s %-14s %-10s %s\n" $variant $np $th $N "$r" "$rss" "$eff"
    echo "{\"case\": \"pipeline_static_$variant\", \"n\": 136, \"block\": 1024, \"scenarios\": $N, \"scenarios_per_s\": $r, \"ranks\": $np, \"threads\": $th, \"peak_rss_mib\": $rss, \"weak_efficiency\": \"${eff}\", \"blas_core\": \"$core\", \"commit\": \"$commit\", \"timestamp\": \"$(date -u +%FT%TZ)\"}" >> "$json"
  done
done
done
echo "weak-scaling efficiency = rate(2 ranks, 2N) / (2 x rate(1 rank, N)); JSON appended to $json"
