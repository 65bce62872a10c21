/* How many OpenMP threads a process runs, decided once at start-up: OMP_NUM_THREADS when set
 * (the user's word); else SLURM_CPUS_PER_TASK under Slurm (srun -c N gives each task N CPUs,
 * whether or not Slurm also binds the task); else the CPUs this process may run on (its
 * affinity mask, which mpirun's binding and cgroups narrow), never more. */
#define _GNU_SOURCE
#include "ics_driver.h"

#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

static int positive_int(const char *s)
{
    if (!s || !*s) return 0;
    char *end;
    long v = strtol(s, &end, 10);
    return *end == '\0' && v > 0 && v <= 4096 ? (int)v : 0;
}

void ics_threads_configure(ics_ctx *ctx)
{
    cpu_set_t set;
    const int affinity = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
    int n = 0;
    if (getenv("OMP_NUM_THREADS")) {
        snprintf(ctx->threads_rule, sizeof ctx->threads_rule, "OMP_NUM_THREADS");
        return; /* the OpenMP runtime has read it */
    }
    if ((n = positive_int(getenv("SLURM_CPUS_PER_TASK"))) > 0) {
        if (affinity > 0 && n > affinity) {
            snprintf(ctx->threads_rule, sizeof ctx->threads_rule,
                     "SLURM_CPUS_PER_TASK=%d, capped at the %d CPUs of the affinity mask", n,
                     affinity);
            n = affinity;
        } else {
            snprintf(ctx->threads_rule, sizeof ctx->threads_rule, "SLURM_CPUS_PER_TASK");
        }
    } else if (affinity > 0) {
        n = affinity;
        snprintf(ctx->threads_rule, sizeof ctx->threads_rule, "CPUs in the affinity mask");
    } else {
        snprintf(ctx->threads_rule, sizeof ctx->threads_rule, "OpenMP default");
        return;
    }
    omp_set_num_threads(n);
}
