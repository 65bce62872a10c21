/* The shared block counter under contention (drivers/sched.c, compiled in here): the per-operation
 * costs the cost model takes (benchmarks/cost_model.py: sigma, the counter's serialised service
 * time; the latency of one take), and one fetch per block (the scheme before issue 17's batches)
 * against the batches of ics_sched_run, on blocks of U us of CPU work each.
 *   mpiexec -np P bench_counter [--blocks M] [--block-us U] [--json FILE]   (M = 20000, U = 100)
 * 1. raw:     every rank fetch-and-adds 1 until M atomics are done: sigma = wall / M, and the mean
 *             time of one atomic as the ranks saw it.
 * 2. single:  one fetch-and-add per block, then the block (the loop before the batches).
 * 3. batched: ics_sched_run (one thread per rank) over the same M blocks.
 * For 2 and 3: wall time, atomics per rank (mean, max), and the efficiency M U / (C wall), C =
 * min(P, cores) (the blocks burn thread CPU time, so oversubscribed ranks that wait for a core
 * do not finish their blocks early). Prints a table; --json appends one record per scheme. */
#define _POSIX_C_SOURCE 200809L
#include "../drivers/sched.c"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* sched.c's stop checks: this benchmark never stops early */
int ics_stop_requested(void) { return 0; }
int ics_stop_urgent(void) { return 0; }

typedef struct {
    double us;
} bench_ctx;

static void busy_compute(void *ctx, int64_t blockid, int slot)
{
    (void)blockid, (void)slot;
    const double until = thread_cpu_s() + 1e-6 * ((bench_ctx *)ctx)->us;
    while (thread_cpu_s() < until) {
    }
}

static ics_status no_write(void *ctx, int64_t blockid, int slot, ics_error *err)
{
    (void)ctx, (void)blockid, (void)slot, (void)err;
    return ICS_OK;
}

int main(int argc, char **argv)
{
    int64_t M = 20000;
    double U = 100.0;
    const char *json = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--blocks")) M = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--block-us")) U = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--json")) json = argv[i + 1];
    }
    MPI_Init(&argc, &argv);
    int rank, P;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double load = -1.0;
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (fscanf(lf, "%lf", &load) != 1) load = -1.0;
        fclose(lf);
    }
    const double C = (double)(P < cores ? P : cores);
    int64_t *pending = malloc((size_t)M * sizeof *pending);
    for (int64_t i = 0; i < M; ++i) pending[i] = i;
    if (rank == 0)
        printf("%d rank(s), %ld cores, %lld blocks of %.0f us CPU\n%-8s %10s %12s %12s %12s %10s\n",
               P, cores, (long long)M, U, "scheme", "wall s", "atomics/rank", "max/rank",
               "us/atomic", "eff.");
    for (int scheme = 0; scheme < 3; ++scheme) {
        ics_sched s;
        ics_sched_create(&s, M, MPI_COMM_WORLD);
        bench_ctx bc = {U};
        int64_t ops = 0;
        double in_atomic = 0.0;
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        if (scheme < 2) {
            for (;;) {
                int64_t inc = 1, old = 0;
                const double a0 = MPI_Wtime();
                MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, s.win);
                MPI_Fetch_and_op(&inc, &old, MPI_INT64_T, 0, 0, MPI_SUM, s.win);
                MPI_Win_unlock(0, s.win);
                in_atomic += MPI_Wtime() - a0;
                ++ops;
                if (old >= M) break;
                if (scheme == 1) busy_compute(&bc, old, 0);
            }
        } else {
            const ics_sched_ops o = {busy_compute, no_write, NULL};
            int64_t nw = 0;
            ics_error err = {0};
            ics_sched_run(&s, 1, 1, pending, &o, &bc, &nw, &err);
            ops = s.fetches;
        }
        double wall = MPI_Wtime() - t0, wmax = 0.0, ia = 0.0;
        int64_t osum = 0, omax = 0;
        MPI_Reduce(&wall, &wmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
        MPI_Reduce(&in_atomic, &ia, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(&ops, &osum, 1, MPI_INT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(&ops, &omax, 1, MPI_INT64_T, MPI_MAX, 0, MPI_COMM_WORLD);
        ics_sched_destroy(&s);
        if (rank == 0) {
            static const char *names[3] = {"raw", "single", "batched"};
            /* raw: the serialised service time (sigma); else the time one atomic took */
            const double per = scheme == 0 ? 1e6 * wmax / (double)osum
                                           : (scheme == 1 ? 1e6 * ia / (double)osum : 0.0);
            const double eff = scheme == 0 ? 0.0 : (double)M * U * 1e-6 / (C * wmax);
            printf("%-8s %10.4f %12.1f %12lld %12.3f %10.3f\n", names[scheme], wmax,
                   (double)osum / P, (long long)omax, per, eff);
            if (json) {
                FILE *f = fopen(json, "a");
                if (f) {
                    fprintf(f, "{\"case\": \"counter_%s\", \"ranks\": %d, \"cores\": %ld, "
                            "\"blocks\": %lld, \"block_us\": %g, \"wall_s\": %.6f, "
                            "\"atomics_per_rank\": %.2f, "
                            "\"atomics_max\": %lld, \"us_per_atomic\": %.4f, \"efficiency\": %.4f, "
                            "\"loadavg_1min\": %.2f}\n", names[scheme], P, cores, (long long)M, U,
                            wmax, (double)osum / P, (long long)omax, per, eff, load);
                    fclose(f);
                }
            }
        }
    }
    free(pending);
    MPI_Finalize();
    return 0;
}
