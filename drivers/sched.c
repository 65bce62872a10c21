/* Shared block counter and the block loop of a rank (see ics_sched.h). On one node Open MPI serves the window from shared
 * memory (osc/sm), so taking a block costs an atomic, not a message to a busy rank 0. */
#include "ics_sched.h"
#include "ics_stop.h"

#include <stdlib.h>

int ics_sched_create(ics_sched *s, int64_t total, MPI_Comm comm)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    s->total = total;
    s->mem = NULL;
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

int ics_sched_take(ics_sched *s, int want, int64_t *first)
{
    int64_t inc = want, old = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, s->win);
    MPI_Fetch_and_op(&inc, &old, MPI_INT64_T, 0, 0, MPI_SUM, s->win);
    MPI_Win_unlock(0, s->win);
    if (old >= s->total) return 0;
    *first = old;
    return (int)(old + want <= s->total ? want : s->total - old);
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
 * the master; blocks may be written in any order (each has its own rows and flag). */
enum { SLOT_FREE, SLOT_TASK, SLOT_MASTER };
ics_status ics_sched_run(ics_sched *sched, int nthreads, int nslots, const int64_t *pending,
                         const ics_sched_ops *ops, void *ctx, int64_t *nwritten, ics_error *err)
{
    ics_status st = ICS_OK;
    const int T = nthreads, R = nslots, want_tasks = 2 * (T - 1);
    int64_t *slot_block = calloc((size_t)R, sizeof *slot_block);
    int *state = calloc((size_t)R, sizeof *state), *done = calloc((size_t)R, sizeof *done);
    if (!slot_block || !state || !done) {
        free(slot_block), free(state), free(done);
        return ics_error_set(err, ICS_ENOMEM, "out of memory for the block slots");
    }
#pragma omp parallel num_threads(T)
#pragma omp master
    {
        int64_t next = 0, left = 0;
        int ntasks = 0, more = 1;
        while (st == ICS_OK) {
            /* write the blocks the tasks have finished */
            for (int s = 0; s < R && st == ICS_OK; ++s) {
                if (state[s] != SLOT_TASK) continue;
                int fin;
#pragma omp atomic read seq_cst
                fin = done[s];
                if (!fin) continue;
                /* an urgent stop (SIGTERM, SIGINT) drops the blocks in flight: the models may
                 * have left them unfinished, and nothing of them is written or flagged */
                if (!ics_stop_urgent()) {
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
                left = ics_sched_take(sched, T, &next);
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
                    const int64_t blockid = slot_block[s];
#pragma omp task firstprivate(blockid, s)
                    {
                        ops->compute(ctx, blockid, s);
#pragma omp atomic write seq_cst
                        done[s] = 1;
                    }
                } else {
                    state[s] = SLOT_MASTER, mine = s;
                    break;
                }
            }
            /* (with nothing to compute here, the loop polls the tasks: only at the end) */
            if (mine >= 0) {
                ops->compute(ctx, slot_block[mine], mine);
                if (!ics_stop_urgent()) {
                    st = ops->write(ctx, slot_block[mine], mine, err);
                    *nwritten += st == ICS_OK;
                }
                state[mine] = SLOT_FREE;
            }
        }
#pragma omp taskwait
        /* after a failure: the blocks still in tasks are left unwritten (and unflagged) */
    }
    free(slot_block);
    free(state);
    free(done);
    return st;
}

