/* Histograms streamed with the blocks (see ics_stream_hist.h). */
#include "ics_stream_hist.h"
#include "ics_prepare.h"
#include "ics_rowstats.h"

#include <stdlib.h>

#define BUDGET_BYTES ((int64_t)256 << 20) /* all slots of one rank */
#define MAXD 64

struct ics_stream_hist {
    int nd, nslots, nagg;
    int q[MAXD];             /* dataset: OUT_* index, or OUT_COUNT + aggregate */
    int64_t wd[MAXD], stride[MAXD], row[MAXD], off[MAXD + 1];
    int64_t **slot;          /* [nslots][off[nd] * BINS] */
    const int64_t **res;     /* [nres] */
};

ics_status ics_stream_hist_create(const ics_aggset *as, const int *store, const int64_t *width,
                                  int nslots, ics_stream_hist **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_stream_hist *h = NULL;
    *out = NULL;
    const int extra[2] = {OUT_RECREG, OUT_UNMET};
    int nd = as->nout;
    for (int i = 0; i < 2; ++i) nd += store[extra[i]] != 0;
    if (nd > MAXD) return ICS_OK;
    ICS_ALLOC(h, 1, err, "histograms");
    h->nslots = nslots;
    h->nagg = as->nout;
    for (int a = 0; a < as->nout; ++a) {
        h->q[h->nd] = OUT_COUNT + a, h->wd[h->nd] = as->out[a].width;
        h->stride[h->nd] = as->m, h->row[h->nd] = as->out[a].row, ++h->nd;
    }
    for (int i = 0; i < 2; ++i)
        if (store[extra[i]]) {
            h->q[h->nd] = extra[i], h->wd[h->nd] = width[extra[i]];
            h->stride[h->nd] = width[extra[i]], h->row[h->nd] = 0, ++h->nd;
        }
    for (int d = 0; d < h->nd; ++d) h->off[d + 1] = h->off[d] + h->wd[d];
    if (h->off[h->nd] * ICS_KEYHIST_BINS * 8 * nslots > BUDGET_BYTES || h->nd == 0) {
        free(h);
        return ICS_OK; /* the finalization histograms the stored data */
    }
    ICS_ALLOC(h->slot, nslots, err, "histograms");
    for (int s = 0; s < nslots; ++s)
        ICS_ALLOC(h->slot[s], h->off[h->nd] * ICS_KEYHIST_BINS, err, "histograms");
    *out = h;
    h = NULL;
done:
    ics_stream_hist_destroy(&h);
    return st;
}

void ics_stream_hist_block(ics_stream_hist *h, int s, const double *const *out, const double *agg,
                           int bb)
{
    for (int d = 0; d < h->nd; ++d) {
        const double *x = h->q[d] >= OUT_COUNT ? agg + h->row[d] : out[h->q[d]];
        for (int64_t c = 0; c < h->wd[d]; ++c)
            ics_keyhist_add(h->slot[s] + (h->off[d] + c) * ICS_KEYHIST_BINS, x + c, bb,
                            h->stride[d]);
    }
}

const int64_t *const *ics_stream_hist_finish(ics_stream_hist *h, int nres)
{
    if (!h->res) h->res = calloc((size_t)(nres > 0 ? nres : 1), sizeof *h->res);
    if (!h->res || nres < h->nd) return NULL;
    const int64_t len = h->off[h->nd] * ICS_KEYHIST_BINS;
    /* integer sums: the same for any split over the threads; only nonzero counts are moved, so
     * that the pages no value reached (most of each column's 2^16 bins) stay untouched */
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < len; ++i)
        for (int s = 1; s < h->nslots; ++s) {
            const int64_t c = h->slot[s][i];
            if (c) h->slot[0][i] += c, h->slot[s][i] = 0;
        }
    for (int d = 0; d < h->nd; ++d) h->res[d] = h->slot[0] + h->off[d] * ICS_KEYHIST_BINS;
    return h->res;
}

void ics_stream_hist_destroy(ics_stream_hist **hp)
{
    if (!hp || !*hp) return;
    ics_stream_hist *h = *hp;
    if (h->slot)
        for (int s = 0; s < h->nslots; ++s) free(h->slot[s]);
    free(h->slot);
    free(h->res);
    free(h);
    *hp = NULL;
}
