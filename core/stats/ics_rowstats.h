/* Exact statistics of a stored per-scenario dataset computed by P processes together, each
 * reading only its own rows, with the definitions of ics_finalstats.h:
 * moments, extremes, R-7 quantiles, VaR, CVaR, return-period losses and the exceedance curve.
 * The work per process falls as 1/P; the result is the same bits for any P and any number of
 * threads, and every process gets all of it.
 *
 * The scheme (docs/performance.md, "Statistics"):
 *  - Rows are cut into S segments of 2^l moment windows (l <= 6: at most ICS_STATS_SEGMENT rows;
 *    the smallest l with at most 64 segments, so l depends on N only); process p owns
 *    segments [S p / P, S (p + 1) / P). Everything that is summed in floating point is
 *    summed inside a segment in row order and then over segments in segment order, so the
 *    decomposition never shows in the bits. Window moments merge as the binary counter of
 *    the moments; a full segment is exactly one node of that counter (level l).
 *  - Order statistics start from a fixed-grid histogram that needs no range: bin = the top 16
 *    bits of the order-preserving 64-bit key of the double (16 bins per binade, both signs),
 *    so histograms of any rows merge by integer addition (the run accumulates them with each
 *    block: ics_keyhist_add). A needed rank lands in one bin; narrow passes then histogram only
 *    the values inside the bracketing bins on the next 12 key bits (exact integer merges again)
 *    until a bin holds at most a few thousand values, which are gathered from every process
 *    and sorted. With 10^7 values over a few binades that is one refining and one gathering
 *    pass, each touching only the rows of the bracketing bins.
 *  - Exceedance counts at the thresholds: the first narrow pass counts, for every value, how
 *    many thresholds lie below it (an O(1) guess from their even spacing, corrected exactly).
 *  - The passes read batches of whole segments and share (column, segment) pairs over the
 *    threads with private integer counts; gathered values are sorted by a total order (-0
 *    before +0), so neither the thread count nor the gathering order shows in the bits.
 *  - CVaR's tail sum: the values above the gathered cell summed per segment during the
 *    gathering pass, plus the gathered values above the order statistic, in sorted order. */
#ifndef ICS_ROWSTATS_H
#define ICS_ROWSTATS_H

#include "ics_error.h"
#include "ics_finalstats.h"

#include <hdf5.h>
#include <stdint.h>
#include <string.h>

#define ICS_STATS_SEGMENT 65536 /* rows of the largest segment: 64 windows */
#define ICS_KEYHIST_BITS 16
#define ICS_KEYHIST_BINS (1 << ICS_KEYHIST_BITS)

/* The order-preserving key of a double (-0 and +0 share one): x < y <=> key(x) < key(y) for
 * finite x, y. */
static inline uint64_t ics_stats_key(double x)
{
    x += 0.0; /* -0 -> +0 */
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

/* hist[ICS_KEYHIST_BINS] (one column) += the fixed-grid histogram of x[0], x[stride], ...,
 * x[(rows - 1) stride]. Pure and allocation-free; thread-safe on distinct hist. */
void ics_keyhist_add(int64_t *hist, const double *x, int64_t rows, int64_t stride);

/* The collectives a caller provides (drivers/ wraps MPI; a single process passes NULL for
 * sum_i64 and allgather_f64, meaning P = 1). Each returns 0 on success. */
typedef struct ics_stats_comm {
    void *ctx;
    int nprocs, proc;
    /* v[n] <- the elementwise sum of every process's v[n] (same n everywhere) */
    int (*sum_i64)(void *ctx, int64_t *v, int64_t n);
    /* *all <- every process's mine[n_p] one after the other in process order (malloc'd, the
     * caller frees it), *total <- the sum of the n_p */
    int (*allgather_f64)(void *ctx, const double *mine, int64_t n, double **all,
                         int64_t *total);
} ics_stats_comm;

/* Collective over comm: the statistics of dataset `dataset` (shape (N) or (N, m)) of `file`,
 * every process reading only its own segments, as req asks (ics_finalstats.h). req->moments_dataset,
 * when given, supplies the window moments (ics_finalstats.h) so the data are read only for the
 * order statistics. hist: NULL, or this process's share of the fixed-grid histograms of every
 * column (m x ICS_KEYHIST_BINS, ics_keyhist_add over rows that the processes together cover
 * exactly once), which saves the histogram pass; it must be NULL on every process or on none.
 * Every process gets the whole result in *out (set only on success). On failure every process
 * returns an error; *peer_failed is then 1 on a process whose own part went well (its message
 * only says another process failed), so that the driver reports the failing process's message.
 * Not thread-safe with other HDF5 calls on the same file. */
ics_status ics_rowstats(hid_t file, const char *dataset, const ics_stats_request *req,
                        const int64_t *hist, const ics_stats_comm *comm,
                        ics_column_stats_result **out, int *peer_failed, ics_error *err);

/* Internal, for the tests: how many datasets ics_rowstats has read with direct reads (pread of
 * the dataset's bytes: native doubles, unfiltered, contiguous or chunked by whole rows) rather
 * than through H5Dread. */
int64_t ics__rowstats_direct(void);

#endif
