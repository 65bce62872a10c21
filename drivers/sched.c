/* Shared block counter (see ics_sched.h). On one node Open MPI serves the window from shared
 * memory (osc/sm), so taking a block costs an atomic, not a message to a busy rank 0. */
#include "ics_sched.h"

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
