#!/usr/bin/env bash
# The OpenMP thread count: OMP_NUM_THREADS if set, else SLURM_CPUS_PER_TASK, else the CPUs of the
# affinity mask, never more; `icstress info` names the rule that chose.
set -euo pipefail
line() { env -u OMP_NUM_THREADS -u SLURM_CPUS_PER_TASK "$@" | grep '^threads:'; }
expect() { # expect PATTERN COMMAND...
  local pat=$1; shift
  local got; got=$(line "$@")
  [[ $got =~ $pat ]] || { echo "threads_rule: '$got' does not match '$pat' for: $*" >&2; exit 1; }
  echo "threads_rule: $got"
}
expect 'OpenMP 3 \(chosen by OMP_NUM_THREADS\)' OMP_NUM_THREADS=3 "$ICS" info
expect 'OpenMP 1 \(chosen by SLURM_CPUS_PER_TASK\)' SLURM_CPUS_PER_TASK=1 "$ICS" info
expect 'OpenMP 1 \(chosen by CPUs in the affinity mask\)' taskset -c 0 "$ICS" info
expect 'OpenMP 1 \(chosen by SLURM_CPUS_PER_TASK=64, capped at the 1 CPUs' SLURM_CPUS_PER_TASK=64 taskset -c 0 "$ICS" info
expect 'OpenMP 2 \(chosen by OMP_NUM_THREADS\)' OMP_NUM_THREADS=2 SLURM_CPUS_PER_TASK=1 "$ICS" info
