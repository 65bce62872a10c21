#!/usr/bin/env bash
# Peak memory of a statistics-only run does not grow with the number of scenarios: runs the
# built-in table with 10^5 and 10^7 scenarios (about 1 GB of per-scenario aggregates on disk for
# the latter) and prints the peak RSS that icstress reports for each, and their ratio.
# Usage: benchmarks/bench_memory.sh [BUILD_DIR] [SMALL] [LARGE]
set -euo pipefail
build=${1:-build}
small=${2:-100000}
large=${3:-10000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/stats.yaml" <<'YAML'
table: builtin
shocks:
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: cn, type: final_demand, regions: [CN], change: {dist: normal, mean: -0.2, sd: 0.1}, probability: 0.5}
output:
  store: [total_output_loss]
YAML
echo "BLAS core: $("$build/icstress" info | sed -n 's/^BLAS core: *//p')"
declare -A rss
for N in "$small" "$large"; do
  line=$("$build/icstress" run "$tmp/stats.yaml" -o "$tmp/out.h5" --scenarios "$N" 2>&1 | grep "peak RSS")
  rss[$N]=$(sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p' <<<"$line")
  printf "%12s scenarios: peak RSS %s MiB   (%s)\n" "$N" "${rss[$N]}" "$(sed -n 's/.*computed in \([^)]*)\).*/\1/p' <<<"$line")"
  rm -f "$tmp/out.h5"
done
awk -v a="${rss[$large]}" -v b="${rss[$small]}" 'BEGIN { printf "ratio large/small: %.3f (target <= 1.10)\n", a / b }'
