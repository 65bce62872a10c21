/* Dynamic distribution of scenario blocks over MPI ranks: a shared counter on rank 0 (MPI-3
 * one-sided fetch-and-add), so fast ranks take more blocks, in batches of about
 * ICS_SCHED_BATCH_S of a rank's work, shrinking to single blocks at the end (guided
 * self-scheduling; sched.c). Which rank computes a block never changes its numbers (they depend
 * on the global block index only). Collective create/destroy. */
#ifndef ICS_SCHED_H
#define ICS_SCHED_H

#include "ics_error.h"

#include <mpi.h>
#include <stdint.h>

/* seconds of a rank's work per batch taken from the counter; with P ranks at least
 * P x ICS_SCHED_BATCH_PER_RANK_S, so that the counter serves about 2 / ICS_SCHED_BATCH_PER_RANK_S
 * = 20,000 atomics a second at most while batches are full, however many ranks there are */
#define ICS_SCHED_BATCH_S 0.01
#define ICS_SCHED_BATCH_PER_RANK_S 1e-4

typedef struct ics_sched {
    MPI_Win win;
    int64_t *mem;      /* the counter, on rank 0 */
    int64_t total;     /* number of work items */
    int64_t nranks;    /* ranks sharing the counter */
    int64_t seen;      /* the counter as this rank last saw it (a lower bound) */
    int64_t fetches;   /* atomics this rank issued on the counter (ics_sched_take) */
    int64_t min_batch; /* the smallest batch while enough is left (ics_sched_run: its threads,
                          so that they all get a block; 1 after create) */
    /* set by ics_sched_run: CPU seconds of its busiest thread and of all its threads (the
     * master thread: its whole loop, computing, writing and polling; the others: the blocks
     * they computed, not the OpenMP runtime's waits). cpu_busiest_s is about the loop's wall
     * time on dedicated cores (`icstress bench`, ario_threads). */
    double cpu_busiest_s, cpu_sum_s;
} ics_sched;

/* Collective: a counter over items 0..total-1, starting at 0. */
int ics_sched_create(ics_sched *s, int64_t total, MPI_Comm comm);
/* Take a batch of consecutive items: min(want, max(ceil(R / 2P), min_batch)) of the R left;
 * returns how many (0 when all are taken) and the first. Each item is handed out once. */
int64_t ics_sched_take(ics_sched *s, int64_t want, int64_t *first);
/* Items handed out so far (approximate progress; cheap). */
int64_t ics_sched_peek(ics_sched *s);
/* Collective. */
void ics_sched_destroy(ics_sched *s);

/* What ics_sched_run does with a block: compute it into workspace slot `slot` (any thread;
 * slots are never shared between blocks in flight), write it from that slot (the calling,
 * master thread only: HDF5 and MPI stay on one thread), and show progress from the number of
 * blocks handed out over all ranks (master thread; NULL: no progress, no counter reads). */
typedef struct ics_sched_ops {
    void (*compute)(void *ctx, int64_t blockid, int slot);
    ics_status (*write)(void *ctx, int64_t blockid, int slot, ics_error *err);
    void (*progress)(void *ctx, int64_t handed_blocks);
} ics_sched_ops;

/* The block loop of one rank over nslots (2 nthreads - 1) workspace slots: takes batches of
 * items from the counter (at least nthreads, about ICS_SCHED_BATCH_S of its work while many
 * are left), item i being block pending[i]; the master thread hands
 * blocks to the other threads as OpenMP tasks (two per worker queued or running), computes
 * blocks itself in between (with none of its own, a handed block no task has started yet) and
 * writes each as soon as it is done. Stops taking blocks on
 * ics_stop_requested() (blocks in flight are written). *nwritten counts written blocks. On a
 * write failure the blocks still in tasks are left unwritten; returns the failure. */
ics_status ics_sched_run(ics_sched *s, int nthreads, int nslots, const int64_t *pending,
                         const ics_sched_ops *ops, void *ctx, int64_t *nwritten, ics_error *err);

#endif
