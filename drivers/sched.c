/* Shared block counter and the block loop of a rank (see ics_sched.h). On one node Open MPI 4.1
 * serves the window through shared memory (osc/rdma over btl/vader, whose atomics it emulates).
 *
 * Batches (issue 17, "beyond one node"): one fetch per T blocks made the counter's traffic grow
 * as P N0 / b, 10^7 serialised atomics on rank 0 for 1,024 ranks of the aggregate shortcut.
 * Now a rank asks for as many items as it computes in ICS_SCHED_BATCH_S (at least its T threads'
 * worth; more ranks: longer batches, P x 0.1 ms, so the counter's load P / batch time stays
 * bounded), and the counter gives at most max(ceil(R / 2P), T) of the R items left (guided
 * self-scheduling, Polychronopoulos and Kuck, IEEE Trans. Comput. 36(12), 1987, with factoring's
 * halving, Hummel, Schonberg and Flynn, CACM 35(8), 1992): large batches while much is left,
 * a block per thread at the end, so the ranks still finish together (not a single block: the
 * master would compute it alone while the other threads wait). A batch is sized from the
 * counter read just before (on one rank, from its own last batch) and claimed by one
 * fetch-and-add, so every item is handed out exactly once; when other ranks took items between
 * the read and the add the batch is at most the size computed from the read (a compare-and-swap
 * would be exact, but Open MPI 4.1's emulated one, btl/vader, crashed here). Which rank
 * computes an item never changes its numbers (they depend on the global block index only). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include "ics_sched.h"
#include "ics_stop.h"

#include <omp.h>
#include <stdlib.h>
#include <time.h>

/* the batch claimed with `left` items left: min(want, max(ceil(left / 2P), least)), at least 1
 * (the caller clips it to what is left). `least` keeps every thread of the rank supplied: a
 * batch of one block on a rank of T threads would be computed by the master alone. */
static int64_t batch_size(int64_t left, int64_t nranks, int64_t want, int64_t least)
{
    if (left <= 0) return 0;
    const int64_t P = nranks > 0 ? nranks : 1, guided = (left + 2 * P - 1) / (2 * P);
    const int64_t g = guided > least ? guided : least;
    int64_t n = want < g ? want : g;
    return n < 1 ? 1 : n;
}

int ics_sched_create(ics_sched *s, int64_t total, MPI_Comm comm)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    s->total = total;
    s->nranks = size;
    s->seen = 0;
    s->fetches = 0;
    s->min_batch = 1;
    s->mem = NULL;
    s->cpu_busiest_s = s->cpu_sum_s = 0.0;
    int rc = MPI_Win_allocate(rank == 0 ? (MPI_Aint)sizeof(int64_t) : 0, sizeof(int64_t),
                              MPI_INFO_NULL, comm, &s->mem, &s->win);
    if (rc != MPI_SUCCESS) return rc;
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, s->win);
        *s->mem = 0;
        MPI_Win_unlock(0, s->win);
    }
    return MPI_Barrier(comm);
}

int64_t ics_sched_take(ics_sched *s, int64_t want, int64_t *first)
{
    /* where the counter is: read it (one rank alone knows it) */
    const int64_t cur = s->nranks > 1 ? ics_sched_peek(s) : s->seen;
    if (cur >= s->total) return 0;
    int64_t n = batch_size(s->total - cur, s->nranks, want, s->min_batch), old = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, s->win);
    MPI_Fetch_and_op(&n, &old, MPI_INT64_T, 0, 0, MPI_SUM, s->win);
    MPI_Win_unlock(0, s->win);
    s->fetches += 1 + (s->nranks > 1);
    if (old >= s->total) return 0;
    if (n > s->total - old) n = s->total - old;
    s->seen = old + n;
    *first = old;
    return n;
}

int64_t ics_sched_peek(ics_sched *s)
{
    int64_t zero = 0, old = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, s->win);
    MPI_Fetch_and_op(&zero, &old, MPI_INT64_T, 0, 0, MPI_NO_OP, s->win);
    MPI_Win_unlock(0, s->win);
    return old < s->total ? old : s->total;
}

void ics_sched_destroy(ics_sched *s)
{
    MPI_Win_free(&s->win);
}

/* The block loop of one rank (ics_sched_run), over R = 2T - 1 workspace slots. The master
 * thread hands blocks to the other threads as OpenMP tasks (keeping two per worker queued or running, so none waits),
 * computes blocks itself in between, and writes every block as soon as it is done, so writes
 * overlap the computation and only the master thread calls HDF5 and MPI. A slot is free,
 * handed to a task (done[s] set by the task when the block is computed), or being computed by
 * the master; blocks may be written in any order (each has its own rows and flag).
 * A task's block is claimed (claim[s]) by whoever starts it first: the task, or the master
 * when it has no block of its own (the last blocks of the rank, or a run of fewer blocks than
 * queue places), so that it never waits while a handed block has not started (issue 17: with
 * 2 blocks both went to the worker's queue and the master spun; 1 x 2 ran at 1 x 1's rate).
 * A slot whose block the master took stays taken until its task has run and found it claimed
 * (SLOT_TAKEN), so that the task never computes into a slot reused for another block. With
 * nothing left to take or claim the master polls the tasks asleep (every 0.1 ms). */
enum { SLOT_FREE, SLOT_TASK, SLOT_MASTER, SLOT_TAKEN };

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

ics_status ics_sched_run(ics_sched *sched, int nthreads, int nslots, const int64_t *pending,
                         const ics_sched_ops *ops, void *ctx, int64_t *nwritten, ics_error *err)
{
    ics_status st = ICS_OK;
    const int T = nthreads, R = nslots, want_tasks = 2 * (T - 1);
    int64_t *slot_block = calloc((size_t)R, sizeof *slot_block);
    int *state = calloc((size_t)R, sizeof *state), *done = calloc((size_t)R, sizeof *done);
    int *claim = calloc((size_t)R, sizeof *claim);
    /* CPU seconds per thread: the master thread its whole loop, the others the blocks they
     * computed (not the OpenMP runtime's waits) */
    double *cpu = calloc((size_t)T, sizeof *cpu);
    if (!slot_block || !state || !done || !claim || !cpu) {
        free(slot_block), free(state), free(done), free(claim), free(cpu);
        return ics_error_set(err, ICS_ENOMEM, "out of memory for the block slots");
    }
#pragma omp parallel num_threads(T)
#pragma omp master
    {
        const double cpu0 = thread_cpu_s();
        int64_t next = 0, left = 0, ntaken = 0, want = T;
        sched->min_batch = T;
        int ntasks = 0, more = 1;
        /* a batch: what this rank computes in batch_s (from its rate so far; at least T, at
         * most twice the last), see the top of this file */
        const double per_p = ICS_SCHED_BATCH_PER_RANK_S * (double)sched->nranks;
        const double batch_s = ICS_SCHED_BATCH_S > per_p ? ICS_SCHED_BATCH_S : per_p;
        double wall0 = 0.0;
        while (st == ICS_OK) {
            /* write the blocks the tasks have finished; free the slots of the blocks the
             * master took once their tasks have run */
            for (int s = 0; s < R && st == ICS_OK; ++s) {
                if (state[s] != SLOT_TASK && state[s] != SLOT_TAKEN) continue;
                int fin;
#pragma omp atomic read seq_cst
                fin = done[s];
                if (!fin) continue;
                /* an urgent stop (SIGTERM, SIGINT) drops the blocks in flight: the models may
                 * have left them unfinished, and nothing of them is written or flagged */
                if (state[s] == SLOT_TASK && !ics_stop_urgent()) {
                    st = ops->write(ctx, slot_block[s], s, err);
                    *nwritten += st == ICS_OK;
                }
                state[s] = SLOT_FREE, --ntasks;
            }
            if (st != ICS_OK) break;
            /* a stop (signal, --max-time): take no more blocks; those taken but not started
             * stay unflagged, so a resume computes them; the ones in flight are written, or
             * dropped after SIGTERM and SIGINT (drivers/stop.c) */
            if (more && ics_stop_requested()) more = 0, left = 0;
            /* blocks for this rank */
            if (more && left == 0) {
                const double now = wall_s();
                if (ntaken == 0) {
                    wall0 = now;
                } else {
                    const double rate = (double)ntaken / (now - wall0 > 1e-6 ? now - wall0 : 1e-6);
                    const double w = rate * batch_s < (double)(2 * want) ? rate * batch_s
                                                                         : (double)(2 * want);
                    want = w > (double)T ? (int64_t)w : T;
                }
                left = ics_sched_take(sched, want, &next);
                ntaken += left;
                more = left > 0;
                if (ops->progress) ops->progress(ctx, ics_sched_peek(sched));
            }
            if (!more && ntasks == 0) break;
            /* keep the workers supplied, then compute one block here */
            int mine = -1;
            for (int s = 0; s < R && left > 0; ++s) {
                if (state[s] != SLOT_FREE) continue;
                slot_block[s] = pending[next++], --left;
                if (ntasks < want_tasks) {
                    state[s] = SLOT_TASK, ++ntasks;
#pragma omp atomic write seq_cst
                    done[s] = 0;
#pragma omp atomic write seq_cst
                    claim[s] = 0;
                    const int64_t blockid = slot_block[s];
#pragma omp task firstprivate(blockid, s)
                    {
                        int taken;
#pragma omp atomic capture seq_cst
                        {
                            taken = claim[s];
                            claim[s] = 1;
                        }
                        if (!taken) {
                            const double c0 = thread_cpu_s();
                            ops->compute(ctx, blockid, s);
                            const int me = omp_get_thread_num();
                            if (me > 0 && me < T) cpu[me] += thread_cpu_s() - c0;
                        }
#pragma omp atomic write seq_cst
                        done[s] = 1;
                    }
                } else {
                    state[s] = SLOT_MASTER, mine = s;
                    break;
                }
            }
            /* none to start here: take a handed block that no task has started */
            for (int s = 0; s < R && mine < 0; ++s) {
                if (state[s] != SLOT_TASK) continue;
                int taken;
#pragma omp atomic capture seq_cst
                {
                    taken = claim[s];
                    claim[s] = 1;
                }
                if (!taken) state[s] = SLOT_TAKEN, mine = s;
            }
            if (mine >= 0) {
                ops->compute(ctx, slot_block[mine], mine);
                if (!ics_stop_urgent()) {
                    st = ops->write(ctx, slot_block[mine], mine, err);
                    *nwritten += st == ICS_OK;
                }
                if (state[mine] == SLOT_MASTER) state[mine] = SLOT_FREE;
            } else if (!more) {
                /* every block left is being computed by a task: poll them asleep (the OpenMP
                 * runtime's waits spin first, which a shared or virtual machine pays for) */
                nanosleep(&(struct timespec){0, 100000}, NULL);
            }
        }
#pragma omp taskwait
        /* after a failure: the blocks still in tasks are left unwritten (and unflagged) */
        cpu[0] += thread_cpu_s() - cpu0;
    }
    free(slot_block);
    free(state);
    free(done);
    free(claim);
    sched->cpu_busiest_s = sched->cpu_sum_s = 0.0;
    for (int t = 0; t < T; ++t) {
        sched->cpu_sum_s += cpu[t];
        if (cpu[t] > sched->cpu_busiest_s) sched->cpu_busiest_s = cpu[t];
    }
    free(cpu);
    return st;
}
