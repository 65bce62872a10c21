/* `ario_threads` (see ics_bench_threads.h): `icstress run` of an ARIO config on the built-in
 * table with T threads per rank against the same run with 1 thread per rank, in one process,
 * interleaved (best of 3 each, order swapped). The scenarios are T blocks per rank, one per
 * thread: the case where the block loop used to hand every block to the workers' task queue
 * and leave the master thread polling (issue 17: 1 x 2 ran at 1 x 1's rate with twice the CPU).
 * ratio = the CPU seconds of the 1-thread block loop / (T x those of the busiest of the T
 * threads' loop, ics_ctx.run_loop_cpu_s): the speed-up T threads give on dedicated cores, over T
 * (a thread that spins or does the work of two, or one left idle, shows; sched.c's threads never
 * wait for each other while a block is left), which a shared machine lowers far less than the
 * wall rates (preempted threads lose cached state, and the busiest of T takes the worst). The
 * plain ratio of the compute phases' wall rates is recorded beside it (wall_ratio): on a machine
 * whose other jobs hold the cores (the kernel shares CPU per session) it falls towards 1/T.
 * Each record names the BLAS core, ranks, threads and the 1-minute load average. */
#include "ics_bench_threads.h"
#include "ics_bench_whole.h"
#include "ics_sysinfo.h"

#include <math.h>
#include <mpi.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char ario_yaml[] =
    "table: builtin\nmodel: ario\nseed: 3\nscenarios: 1024\nblock_size: 512\nhorizon: 104\n"
    "shocks:\n"
    "  - {name: fabs, type: capacity_loss, regions: [TW], segments: [\"fab_*\"], loss: {dist: uniform, min: 0.1, max: 0.6}, duration: {dist: uniform, min: 1, max: 8}, recovery: 6}\n"
    "output:\n  store: [total_output_loss]\n";

/* One `icstress run` with th threads per rank: its compute phase (s), the CPU seconds of the
 * whole command over all ranks, and the CPU seconds of the busiest thread of the block loop
 * (max over ranks: about the loop's wall time on dedicated cores). */
static int one_run(const ics_ctx *ctx, int th, const char *cfg, const char *out, int64_t N,
                   double *compute_s, double *cpu_s, double *busiest_s, ics_error *err)
{
    char nbuf[32];
    snprintf(nbuf, sizeof nbuf, "%lld", (long long)N);
    char *argv[] = {"run", (char *)cfg, "-o", (char *)out, "--scenarios", nbuf, "--quiet",
                    "--force", NULL};
    ics_ctx c2 = *ctx;
    omp_set_num_threads(th);
    MPI_Barrier(MPI_COMM_WORLD);
    const double c0 = ics_bench_cpu_all();
    const int code = ics_cmd_run(&c2, 8, argv, err);
    *cpu_s = ics_bench_cpu_all() - c0;
    *compute_s = c2.run_compute_s;
    MPI_Allreduce(&c2.run_loop_cpu_s, busiest_s, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (ctx->rank == 0) unlink(out);
    return code;
}

int ics_bench_ario_threads(const ics_ctx *ctx, int quick, const char *tmpdir, FILE *json,
                           int *met, int *missed, ics_error *err)
{
    const int nth = omp_get_max_threads(), b = 512;
    if (nth < 2) {
        if (ctx->rank == 0)
            printf("%-22s %5d %5d %12s   skipped: 1 thread per rank (set OMP_NUM_THREADS >= 2)\n",
                   "ario_threads", 136, b, "-");
        return 0;
    }
    const int64_t N = (int64_t)nth * b * ctx->size; /* one block per thread */
    int code = 0;
    char cfgpath[320], outpath[320];
    snprintf(cfgpath, sizeof cfgpath, "%s/ario_threads.yaml", tmpdir);
    snprintf(outpath, sizeof outpath, "%s/ario_threads.h5", tmpdir);
    if (ctx->rank == 0) {
        FILE *f = fopen(cfgpath, "w");
        if (!f || fputs(ario_yaml, f) < 0 || fclose(f)) code = 1;
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (code) return ics_error_set(err, ICS_EIO, "%s: cannot write the bench config", cfgpath), 1;
    double t1 = INFINITY, tT = INFINITY, cpu1 = 0, cpuT = 0, l1 = INFINITY, lT = INFINITY;
    const double load0 = ics_bench_loadavg();
    for (int rep = 0; rep < (quick ? 2 : 3) && !code; ++rep)
        for (int k = 0; k < 2 && !code; ++k) {
            const int th = (k ^ (rep & 1)) ? nth : 1;
            double tc, cpu, busy;
            code = one_run(ctx, th, cfgpath, outpath, N, &tc, &cpu, &busy, err);
            if (th == 1 && tc < t1) t1 = tc, cpu1 = cpu;
            if (th == nth && tc < tT) tT = tc, cpuT = cpu;
            if (th == 1 && busy < l1) l1 = busy;
            if (th == nth && busy < lT) lT = busy;
        }
    omp_set_num_threads(nth);
    if (ctx->rank == 0) unlink(cfgpath);
    if (code) return code;
    const long rss_kb = ics_bench_peak_rss_kb();
    if (ctx->rank == 0) {
        const double r1 = (double)N / t1, rT = (double)N / tT, wall_ratio = rT / (nth * r1);
        const double ratio = l1 / (nth * lT);
        const double target = 0.9, load = ics_bench_loadavg();
        const int ok = ratio >= target;
        ok ? ++*met : ++*missed;
        printf("%-22s %5d %5d %12.4g %8s %8s %7.3f %-12s %-6s %s (load %.1f; block loop CPU: "
               "busiest of %d threads %.3g s, 1 thread %.3g s; wall rate ratio %.3f%s: %d "
               "thread(s) %.4g scenarios/s, %.3g CPU s, 1 thread %.4g scenarios/s, %.3g CPU s)\n",
               "ario_threads", 136, b, rT, "-", "-", ratio, "T x 1 thread", ">= 0.9",
               ok ? "met" : "MISSED", load, nth, lT, l1, wall_ratio,
               load > 2.0 * ctx->size * nth ? ", machine busy" : "", nth, rT, cpuT, r1, cpu1);
        fflush(stdout);
        if (json) {
            ics_bench_json_open(json, "ario_threads", 136, b, rT, ratio, "threads x 1-thread rate",
                                target, rss_kb, ctx->size, nth, (long long)N);
            fprintf(json, ", \"steps\": 104, \"one_thread_scenarios_per_s\": %.6g, "
                    "\"compute_s\": %.4g, \"one_thread_compute_s\": %.4g, \"cpu_s\": %.4g, "
                    "\"one_thread_cpu_s\": %.4g, \"wall_ratio\": %.6g, "
                    "\"loop_busiest_thread_cpu_s\": %.4g, \"one_thread_loop_cpu_s\": %.4g, "
                    "\"loadavg_1min\": [%.2f, %.2f]", r1, tT, t1, cpuT, cpu1, wall_ratio, lT, l1,
                    load0, load);
            ics_bench_json_close(json, "icstress run, builtin table, ario, 104 steps, one block "
                                 "per thread; ratio = the 1-thread block loop's CPU s / (T x the "
                                 "CPU s of the busiest of T threads), i.e. the T-thread speed-up "
                                 "on dedicated cores over T; wall_ratio = compute-phase rate with "
                                 "T threads / (T x the 1-thread rate), same ranks, which a busy "
                                 "machine lowers", quick);
            fflush(json);
        }
    }
    return 0;
}
