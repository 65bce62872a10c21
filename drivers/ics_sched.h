/* Dynamic distribution of scenario blocks over MPI ranks: a shared counter on rank 0 (MPI-3
 * one-sided Fetch_and_op), so fast ranks take more blocks. Which rank computes a block never
 * changes its numbers (they depend on the global block index only). Collective create/destroy. */
#ifndef ICS_SCHED_H
#define ICS_SCHED_H

#include <mpi.h>
#include <stdint.h>

typedef struct ics_sched {
    MPI_Win win;
    int64_t *mem;      /* the counter, on rank 0 */
    int64_t total;     /* number of work items */
} ics_sched;

/* Collective: a counter over items 0..total-1, starting at 0. */
int ics_sched_create(ics_sched *s, int64_t total, MPI_Comm comm);
/* Take up to `want` consecutive items; returns how many (0 when all are taken) and the first. */
int ics_sched_take(ics_sched *s, int want, int64_t *first);
/* Items handed out so far (approximate progress; cheap). */
int64_t ics_sched_peek(ics_sched *s);
/* Collective. */
void ics_sched_destroy(ics_sched *s);

#endif
