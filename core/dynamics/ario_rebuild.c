/* The plan of ARIO's rebuilding of destroyed capacity (issue 16; docs/models.md, "Rebuilding"):
 * which shocks destroy capital, the capital of each node, who supplies its reconstruction and
 * in which shares. The step's part (destroyed share, reconstruction orders, deliveries) is in
 * ario.c, on the arrays built here. */
#include "ics_ario_internal.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void ics__ario_rebuild_destroy(ics__ario_rebuild **rbp)
{
    if (!rbp || !*rbp) return;
    ics__ario_rebuild *rb = *rbp;
    free(rb->shock), free(rb->sup), free(rb->keep), free(rb->kcap), free(rb->E);
    free(rb->eoff), free(rb->enode), free(rb->esup), free(rb->eval);
    free(rb);
    *rbp = NULL;
}

/* w[nseg]: the normalised weights of `sectors` (0 for a segment no entry matches). */
static ics_status sector_weights(const ics_config *cfg, const ics_table *t, double *w,
                                 ics_error *err)
{
    const char *cfgname = cfg->path ? cfg->path : "config";
    const ics_segvals *sv = &cfg->ario_rb_sectors;
    int *by = calloc(t->nseg ? t->nseg : 1, sizeof *by); /* entry + 1 that set a segment */
    if (!by) return ics_error_set(err, ICS_ENOMEM, "out of memory (rebuilding sectors)");
    ics_status st = ICS_OK;
    double sum = 0.0;
    for (int q = 0; q < sv->n && st == ICS_OK; ++q) {
        int hit = 0;
        for (int p = 0; p < t->nseg && st == ICS_OK; ++p) {
            if (fnmatch(sv->seg[q], t->segments[p], 0)) continue;
            hit = 1;
            if (by[p])
                st = ics_error_set(err, ICS_EINPUT, "%s:%d: ario: rebuilding: sectors: segment "
                                   "'%s' is matched by '%s' and by '%s'; give each segment one "
                                   "weight", cfgname, sv->line[q], t->segments[p],
                                   sv->seg[by[p] - 1], sv->seg[q]);
            by[p] = q + 1;
            w[p] = sv->val[q];
            sum += sv->val[q];
        }
        if (!hit && st == ICS_OK) {
            const char *near = ics_nearest(sv->seg[q], (const char *const *)t->segments, t->nseg);
            st = ics_error_set(err, ICS_EINPUT, "%s:%d: ario: rebuilding: sectors: '%s' matches no "
                               "segment of the table%s%s%s", cfgname, sv->line[q], sv->seg[q],
                               near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        }
    }
    for (int p = 0; p < t->nseg && st == ICS_OK; ++p) w[p] = by[p] ? w[p] / sum : 0.0;
    free(by);
    return st;
}

/* m[ii] over the suppliers of segment p (internal order; others 0): how damaged node i (internal)
 * spreads its order for product p across regions. `purchases`: as its own purchases of p in the
 * table (z_ui / sum over p of z_.i); when it buys none of p, or with `local`: the node of p in its
 * own region; when that has no output, the world's producers of p by output. Returns 0, or -1
 * when p has no output anywhere. */
static int spread(const ics_config *cfg, const ics_table *t, const int *perm, const double *xbar,
                  int p, int ii, double *m)
{
    const int n = t->n, ti = perm[ii];
    double den = 0.0;
    for (int u = 0; u < n; ++u) m[u] = 0.0;
    if (cfg->ario_rb_origin == 0) {
        for (int u = 0; u < n; ++u)
            if (t->node_segment[perm[u]] == p) den += t->Z[perm[u] + (size_t)ti * n];
        if (den > 0.0) {
            for (int u = 0; u < n; ++u)
                if (t->node_segment[perm[u]] == p) m[u] = t->Z[perm[u] + (size_t)ti * n] / den;
            return 0;
        }
    }
    for (int u = 0; u < n; ++u)
        if (t->node_segment[perm[u]] == p && t->node_region[perm[u]] == t->node_region[ti] &&
            xbar[u] > 0.0) {
            m[u] = 1.0;
            return 0;
        }
    den = 0.0;
    for (int u = 0; u < n; ++u)
        if (t->node_segment[perm[u]] == p && xbar[u] > 0.0) den += xbar[u];
    if (!(den > 0.0)) return -1;
    for (int u = 0; u < n; ++u)
        if (t->node_segment[perm[u]] == p && xbar[u] > 0.0) m[u] = xbar[u] / den;
    return 0;
}

ics_status ics__ario_rebuild_create(const ics_config *cfg, const ics_table *t, const ics_dyn *d,
                                    const int *perm, const double *xbar, double spy,
                                    ics__ario_rebuild **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics__ario_rebuild *rb = NULL;
    double *share = NULL, *cap = NULL, *w = NULL, *m = NULL;
    int *slot = NULL;
    const int n = t->n, s = t->nseg, k = d->k;
    const char *cfgname = cfg->path ? cfg->path : "config";
    *out = NULL;
    if (!cfg->ario_rb_line) return ICS_OK;
    ICS_ALLOC(share, s ? s : 1, err, "the rebuilding plan");
    ICS_ALLOC(cap, s ? s : 1, err, "the rebuilding plan");
    ICS_ALLOC(w, s ? s : 1, err, "the rebuilding plan");
    ICS_ALLOC(m, n, err, "the rebuilding plan");
    ICS_ALLOC(slot, n, err, "the rebuilding plan");
    ICS_TRY(ics__ario_segment_values(cfg, t, &cfg->ario_rb_share, "rebuilding.share", 0.0, NULL,
                                     1.0, share, err));
    /* capital per unit of annual output: the config's, else -1 = 4 x value added (below) */
    ICS_TRY(ics__ario_segment_values(cfg, t, &cfg->ario_rb_capital, "rebuilding.capital_ratio",
                                     -1.0, NULL, 1.0, cap, err));
    ICS_TRY(sector_weights(cfg, t, w, err));

    ICS_ALLOC(rb, 1, err, "the rebuilding plan");
    rb->itau = 1.0 / (cfg->ario_rb_tau > 0 ? cfg->ario_rb_tau : fmax(1.0, 60.0 * spy / 365.0));
    ICS_ALLOC(rb->keep, n, err, "the rebuilding plan");
    ICS_ALLOC(rb->kcap, n, err, "the rebuilding plan");
    for (int ii = 0; ii < n; ++ii) {
        const int ti = perm[ii], p = t->node_segment[ti];
        rb->keep[ii] = 1.0 - share[p];
        /* Hallegatte (2008) and BoARIO: capital = 4 x value added, when the config gives none */
        const double kr = cap[p] >= 0.0 ? cap[p]
                        : (xbar[ii] > 0.0 ? 4.0 * t->va[ti] / (xbar[ii] * spy) : 0.0);
        rb->kcap[ii] = kr * xbar[ii] * spy;
    }
    /* suppliers: every node of a segment with weight */
    ICS_ALLOC(rb->sup, n, err, "the rebuilding plan");
    for (int ii = 0; ii < n; ++ii) {
        slot[ii] = -1;
        if (w[t->node_segment[perm[ii]]] > 0.0) slot[ii] = rb->nsup, rb->sup[rb->nsup++] = ii;
    }
    /* destroying shocks and their entries (count, then fill) */
    ICS_ALLOC(rb->shock, k ? k : 1, err, "the rebuilding plan");
    ICS_ALLOC(rb->eoff, k + 1, err, "the rebuilding plan");
    size_t ne = 0;
    for (int q = 0; q < k; ++q) {
        if (d->type[q] != ICS_SHOCK_CAPACITY_LOSS) continue;
        int any = 0;
        for (int ii = 0; ii < n; ++ii) {
            const int ti = perm[ii];
            /* a node without output has no capacity to lose */
            if (!d->mask[(size_t)q * n + ti] || !(share[t->node_segment[ti]] > 0.0) ||
                !(xbar[ii] > 0.0))
                continue;
            any = 1;
            if (!(rb->kcap[ii] > 0.0))
                ICS_FAIL(err, ICS_EINPUT, "%s:%d: ario: rebuilding: shock '%s' destroys capacity "
                         "of %s/%s, which has no capital to rebuild (value added %g; capital is 4 "
                         "x value added unless rebuilding.capital_ratio gives segment '%s' one)",
                         cfgname, cfg->ario_rb_line, cfg->shocks[q].name,
                         t->regions[t->node_region[ti]], t->segments[t->node_segment[ti]],
                         t->va[ti], t->segments[t->node_segment[ti]]);
            for (int p = 0; p < s; ++p) {
                if (!(w[p] > 0.0)) continue;
                if (spread(cfg, t, perm, xbar, p, ii, m))
                    ICS_FAIL(err, ICS_EINPUT, "%s:%d: ario: rebuilding: sectors: segment '%s' has "
                             "no output in any region, so it cannot rebuild anything", cfgname,
                             cfg->ario_rb_line, t->segments[p]);
                for (int u = 0; u < n; ++u) ne += m[u] > 0.0;
            }
        }
        if (any) rb->shock[rb->nk++] = q;
    }
    if (!rb->nk) { /* nothing is destroyed: the run is the one without rebuilding */
        ics__ario_rebuild_destroy(&rb);
        goto done;
    }
    ICS_ALLOC(rb->enode, ne ? ne : 1, err, "the rebuilding plan");
    ICS_ALLOC(rb->esup, ne ? ne : 1, err, "the rebuilding plan");
    ICS_ALLOC(rb->eval, ne ? ne : 1, err, "the rebuilding plan");
    ICS_ALLOC(rb->E, (size_t)rb->nk * (rb->nsup ? rb->nsup : 1), err, "the rebuilding plan");
    size_t e = 0;
    for (int kk = 0; kk < rb->nk; ++kk) {
        const int q = rb->shock[kk];
        rb->eoff[kk] = (int)e;
        double *Ek = rb->E + (size_t)kk * rb->nsup;
        for (int ii = 0; ii < n; ++ii) {
            const int ti = perm[ii];
            const double sh = share[t->node_segment[ti]];
            if (!d->mask[(size_t)q * n + ti] || !(sh > 0.0) || !(xbar[ii] > 0.0)) continue;
            for (int p = 0; p < s; ++p) {
                if (!(w[p] > 0.0)) continue;
                (void)spread(cfg, t, perm, xbar, p, ii, m); /* succeeded above */
                for (int u = 0; u < n; ++u) {
                    if (!(m[u] > 0.0)) continue;
                    rb->enode[e] = ii;
                    rb->esup[e] = slot[u];
                    rb->eval[e] = sh * w[p] * m[u];
                    Ek[slot[u]] += rb->eval[e] * rb->kcap[ii];
                    ++e;
                }
            }
        }
    }
    rb->eoff[rb->nk] = (int)e;
    *out = rb;
    rb = NULL;
done:
    free(share), free(cap), free(w), free(m), free(slot);
    ics__ario_rebuild_destroy(&rb);
    return st;
}
