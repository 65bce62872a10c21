#!/usr/bin/env bash
# Strong and weak scaling of `icstress run` over MPI ranks x OpenMP threads (1-2 x 1-2 on the
# cores at hand, plus 4 ranks x 1 thread oversubscribed, for information) for two workloads on the
# built-in table (136 nodes), each storing the per-scenario aggregates and computing exact
# statistics at the end:
#   static  leontief, full propagation (fast_aggregates: false), blocks of 1024
#   diim    DIIM over 52 steps, blocks of 256
#   agg     leontief with the aggregate shortcut (one normal final-demand shock, the aggregates
#           stored), weak scaling 1 -> 2 ranks x 1 thread only, SCEN_AGG per rank (issue 17:
#           the whole command at 10^7 scenarios per rank, target 0.9)
#   aggonly the same with output.store_only: total_output_loss alone instead of 9 columns
#           (not in the default set: WORKLOADS="agg aggonly")
# Weak scaling: SCEN x workers scenarios (workers = ranks x threads), efficiency
#   E_w = rate(p) / (p x rate(1)); strong scaling: a fixed 2 x SCEN scenarios, E_s = T(1) / (p T(p)).
# For each run: the compute phase (sample, propagate, aggregates, writes; icstress's own
# "computed in" line) and the wall time of the whole command (plus plan, file layout and the
# statistics, whose columns the ranks share at the end). The two together fit the cost model of
# docs/performance.md. Prints a table; appends JSON records to $JSON (default bench-scaling.jsonl).
# Usage: benchmarks/bench_scaling.sh [BUILD_DIR] [SCEN_STATIC] [SCEN_DIIM] [SCEN_AGG]
#        (defaults: build, 1000000, 40000, 10000000; about 4 minutes on 2 cores)
#        WORKLOADS="agg" (default "static diim agg") runs a subset; REPS (default 2) runs each
#        configuration that many times, each after a `sync`, and keeps the fastest whole command.
set -euo pipefail
build=${1:-build}
per_static=${2:-1000000}
per_diim=${3:-40000}
per_agg=${4:-10000000}
workloads=${WORKLOADS:-static diim agg}
reps=${REPS:-2}
json=${JSON:-bench-scaling.jsonl}
ics="$build/icstress"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/static.yaml" <<'YAML'
table: builtin
model: leontief
seed: 1
block_size: 1024
fast_aggregates: false
shocks:
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: cn, type: final_demand, regions: [CN], change: {dist: normal, mean: -0.2, sd: 0.1}, probability: 0.5}
output:
  store: [total_output_loss]
YAML
cat > "$tmp/diim.yaml" <<'YAML'
table: builtin
model: diim
seed: 1
horizon: 52
block_size: 256
shocks:
  - {name: fab, type: capacity_loss, regions: [TW], segments: [fab_advanced], loss: {dist: uniform, min: 0.1, max: 0.6}, duration: 8}
  - {name: dem, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
output:
  store: [total_output_loss]
YAML
cat > "$tmp/agg.yaml" <<'YAML'
table: builtin
model: leontief
seed: 1
block_size: 1024
shocks:
  - {name: demand, type: final_demand, segments: ["end_*"], change: {dist: normal, mean: -0.1, sd: 0.05}}
output:
  store: [total_output_loss]
YAML
sed -e '$a\  store_only: true' "$tmp/agg.yaml" > "$tmp/aggonly.yaml"
info=$("$ics" info)
core=$(sed -n 's/^BLAS core: *//p' <<<"$info")
cpu=$(sed -n 's/^CPU: *//p' <<<"$info")
commit=$("$ics" --version | sed -n 's/.*commit \([^)]*\).*/\1/p')
echo "BLAS core: $core   CPU: $cpu   commit: $commit   cores: $(nproc)"
printf "%-7s %-6s %-5s %-7s %-9s %-9s %-12s %-8s %-12s %-8s %s\n" model mode ranks threads scenarios \
  "compute s" "compute sc/s" "wall s" "wall sc/s" "eff." "eff.(wall)"
declare -A tc tw
# one untimed warm-up run per workload (loads the binary, libraries and table into the page cache;
# the first timed run paid ~1.5 s for that)
for model in $workloads; do
  OMP_NUM_THREADS=1 mpiexec --bind-to none -np 1 "$ics" run "$tmp/$model.yaml" -o "$tmp/out.h5" \
    --scenarios 2048 --quiet >/dev/null 2>&1 || true
  rm -f "$tmp/out.h5"
done
for model in $workloads; do
  per=$per_static
  [ $model = diim ] && per=$per_diim
  [ $model = agg ] || [ $model = aggonly ] && per=$per_agg
  modes="weak strong" cfgs="1x1 2x1 1x2 2x2 4x1"
  [ $model = agg ] || [ $model = aggonly ] && modes=weak cfgs="1x1 2x1"
  for mode in $modes; do
    for cfg in $cfgs; do
      np=${cfg%x*}
      th=${cfg#*x}
      p=$((np * th))
      if [ $mode = weak ]; then N=$((per * p)); else N=$((2 * per)); fi
      # each rank gets th cores of its own; oversubscribed runs let the OS place the threads
      place="--map-by slot:PE=$th --bind-to core"
      [ $p -gt "$(nproc)" ] && place="--bind-to none"
      w=""
      for rep in $(seq "$reps"); do
        # no dirty pages of the run before: their writeback would otherwise run on this one's
        # clock (on a 2-core VM it takes a core and throttles the writers)
        sync
        t0=$(date +%s.%N)
        # CPU seconds of all ranks (user + system, from mpiexec's children): a loaded machine
        # stretches the wall time but hardly the CPU time (cost_model.py fits from it)
        line1=$(OMP_NUM_THREADS=$th /usr/bin/time -f "%U %S" -o "$tmp/cpu" mpiexec $place -np "$np" \
                "$ics" run "$tmp/$model.yaml" -o "$tmp/out.h5" --scenarios "$N" 2>&1 |
                tr '\r' '\n' | grep "scenarios computed")
        t1=$(date +%s.%N)
        w1=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        bytes=$(stat -c %s "$tmp/out.h5")
        rm -f "$tmp/out.h5"
        # the fastest of the repetitions (whole command), with its own compute time and CPU
        if [ -z "$w" ] || awk -v a="$w1" -v b="$w" 'BEGIN { exit !(a < b) }'; then
          w=$w1 line=$line1
          cpus=$(awk '{ printf "%.3f", $1 + $2 }' "$tmp/cpu")
        fi
      done
      c=$(sed -n 's/.*computed in \([0-9.e+-]*\) s.*/\1/p' <<<"$line")
      tc[$model.$mode.$cfg]=$c
      tw[$model.$mode.$cfg]=$w
      # efficiency against 1 x 1 (weak: equal times are perfect; strong: p-fold speed-up)
      e=$(awk -v t="$c" -v t1="${tc[$model.$mode.1x1]}" -v p=$p -v m=$mode \
          'BEGIN { printf "%.3f", m == "weak" ? t1 / t : t1 / (p * t) }')
      ew=$(awk -v t="$w" -v t1="${tw[$model.$mode.1x1]}" -v p=$p -v m=$mode \
           'BEGIN { printf "%.3f", m == "weak" ? t1 / t : t1 / (p * t) }')
      rc=$(awk -v n="$N" -v t="$c" 'BEGIN { printf "%.4g", n / t }')
      rw=$(awk -v n="$N" -v t="$w" 'BEGIN { printf "%.4g", n / t }')
      printf "%-7s %-6s %-5s %-7s %-9s %-9s %-12s %-8s %-12s %-8s %s\n" $model $mode $np $th $N \
        "$c" "$rc" "$w" "$rw" "$e" "$ew"
      echo "{\"case\": \"scaling_${model}_$mode\", \"n\": 136, \"block\": $([ $model = diim ] && echo 256 || echo 1024), \"scenarios\": $N, \"ranks\": $np, \"threads\": $th, \"compute_s\": $c, \"wall_s\": $w, \"cpu_s\": $cpus, \"file_bytes\": $bytes, \"scenarios_per_s\": $rc, \"wall_scenarios_per_s\": $rw, \"efficiency\": $e, \"efficiency_wall\": $ew, \"oversubscribed\": $([ $p -gt "$(nproc)" ] && echo true || echo false), \"reps\": $reps, \"loadavg_1min\": $(cut -d" " -f1 /proc/loadavg), \"blas_core\": \"$core\", \"machine\": \"$cpu\", \"commit\": \"$commit\", \"timestamp\": \"$(date -u +%FT%TZ)\"}" >> "$json"
    done
  done
done
echo "efficiency vs 1 x 1: weak = T(1)/T(p) at p-fold work; strong = T(1)/(p T(p)); 4x1 oversubscribes $(nproc) cores"
echo "JSON appended to $json"
