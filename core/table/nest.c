/* Nesting a chain table into a full-economy frame (ics_nest.h; method in docs/nesting.md). */
#define _POSIX_C_SOURCE 200809L

#include "ics_nest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUP(dst, src)                                                                          \
    do {                                                                                       \
        if (!((dst) = ics_strdup((src), err))) {                                               \
            st = ICS_ENOMEM;                                                                   \
            goto done;                                                                         \
        }                                                                                      \
    } while (0)

/* ---------------------------------------------------------------------------------------------
 * Aggregation (the inverse check)
 * ------------------------------------------------------------------------------------------- */

ics_status ics_table_aggregate_segments(const ics_table *t, const char *const *segs, int nsegs,
                                        const char *label, ics_table **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_table *a = NULL;
    int *segmap = NULL, *nodemap = NULL, *firstnode = NULL, *newseg_of = NULL;
    *out = NULL;
    if (nsegs < 1 || !label) ICS_FAIL(err, ICS_EINPUT, "aggregate: no segments given");
    ICS_ALLOC(segmap, t->nseg, err, "segment map");
    for (int s = 0; s < t->nseg; ++s) segmap[s] = -2; /* -2: kept as is */
    int first = -1;
    for (int k = 0; k < nsegs; ++k) {
        int s = ics_table_find_segment(t, segs[k]);
        if (s < 0)
            ICS_FAIL(err, ICS_EINPUT, "%s: no segment '%s' to aggregate",
                     t->source ? t->source : "table", segs[k]);
        segmap[s] = -1; /* merged */
        if (first < 0 || s < first) first = s;
    }
    /* new segment indices */
    ICS_ALLOC(newseg_of, t->nseg, err, "segment map");
    int nseg2 = 0;
    for (int s = 0; s < t->nseg; ++s) {
        if (segmap[s] == -2 || s == first) newseg_of[s] = nseg2++;
        else newseg_of[s] = -1;
    }
    for (int s = 0; s < t->nseg; ++s)
        if (segmap[s] == -1) newseg_of[s] = newseg_of[first];
    /* nodes: by first appearance of (region, new segment) */
    ICS_ALLOC(nodemap, t->n, err, "node map");
    ICS_ALLOC(firstnode, t->n, err, "node map");
    int n2 = 0;
    for (int i = 0; i < t->n; ++i) {
        const int r = t->node_region[i], s2 = newseg_of[t->node_segment[i]];
        int found = -1;
        for (int m = 0; m < n2 && found < 0; ++m) {
            const int f = firstnode[m];
            if (t->node_region[f] == r && newseg_of[t->node_segment[f]] == s2) found = m;
        }
        if (found < 0) {
            firstnode[n2] = i;
            found = n2++;
        }
        nodemap[i] = found;
    }
    a = ics_table_create(t->nreg, nseg2, n2, t->ny, err);
    if (!a) {
        st = err && err->code ? err->code : ICS_ENOMEM;
        goto done;
    }
    for (int r = 0; r < t->nreg; ++r) DUP(a->regions[r], t->regions[r]);
    for (int s = 0; s < t->nseg; ++s)
        if (newseg_of[s] >= 0 && (segmap[s] == -2 || s == first))
            DUP(a->segments[newseg_of[s]], s == first ? label : t->segments[s]);
    for (int k = 0; k < t->ny; ++k) {
        DUP(a->y_region[k], t->y_region[k]);
        DUP(a->y_category[k], t->y_category[k]);
    }
    for (int m = 0; m < n2; ++m) {
        a->node_region[m] = t->node_region[firstnode[m]];
        a->node_segment[m] = newseg_of[t->node_segment[firstnode[m]]];
    }
    const size_t n = (size_t)t->n, nn = (size_t)n2;
    for (size_t j = 0; j < n; ++j) {
        const size_t jj = (size_t)nodemap[j];
        for (size_t i = 0; i < n; ++i) a->Z[(size_t)nodemap[i] + jj * nn] += t->Z[i + j * n];
        a->x[jj] += t->x[j];
        a->va[jj] += t->va[j];
    }
    for (size_t k = 0; k < (size_t)t->ny; ++k)
        for (size_t i = 0; i < n; ++i) a->Y[(size_t)nodemap[i] + k * nn] += t->Y[i + k * n];
    DUP(a->source, t->source ? t->source : "aggregated");
    if (t->unit) DUP(a->unit, t->unit);
    a->base_year = t->base_year;
done:
    free(segmap);
    free(newseg_of);
    free(nodemap);
    free(firstnode);
    if (st != ICS_OK) ics_table_destroy(&a);
    *out = a;
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * The GRAS update of one constraint: positive entries times f, negative ones divided by f, with
 * f > 0 solving f p - m / f = T (p = sum of positive entries, m = sum of |negative| ones).
 * Returns 0, or -1 when the signs cannot reach T.
 * ------------------------------------------------------------------------------------------- */
static int gras_factor(double p, double m, double T, double *f)
{
    if (p > 0 && m > 0) {
        const double d = sqrt(T * T + 4.0 * p * m);
        *f = T >= 0 ? (T + d) / (2.0 * p) : 2.0 * m / (d - T);
        return 0;
    }
    if (p > 0) {
        if (T < 0) return -1;
        *f = T / p;
        return 0;
    }
    if (m > 0) {
        if (T > 0) return -1;
        *f = T == 0 ? INFINITY : -m / T;
        return 0;
    }
    *f = 1.0;
    return T == 0 ? 0 : -1;
}

static inline void scale_cell(double *c, double f)
{
    if (*c > 0) *c *= f;
    else if (*c < 0) *c /= f;
}

static inline void acc(double c, double *p, double *m)
{
    if (c > 0) *p += c;
    else if (c < 0) *m -= c;
}

/* ---------------------------------------------------------------------------------------------
 * Nesting
 * ------------------------------------------------------------------------------------------- */

typedef struct nest_ws {
    int nreg, K, n, ny;      /* regions, chain segments, nested nodes, Y columns */
    int *cnode;              /* [nreg*K] nested index of chain node (r,k) */
    int *is_chain;           /* [n] 1 when a nested node is a chain node */
    int *chain_reg;          /* [n] region of a chain node, -1 else */
    int *other_of_frame;     /* [frame n] nested index of a non-SECTOR frame node, -1 for SECTOR */
    int *frame_of_other;     /* [n] frame index of a non-chain nested node */
    int *fsec;               /* [nreg] frame node of (r, SECTOR) */
    int *yreg;               /* [ny] region index of each Y column (-1 when not a region) */
} nest_ws;

static void ws_free(nest_ws *w)
{
    free(w->cnode);
    free(w->is_chain);
    free(w->chain_reg);
    free(w->other_of_frame);
    free(w->frame_of_other);
    free(w->fsec);
    free(w->yreg);
}

#define ZN(i, j) N->Z[(size_t)(i) + (size_t)(j) * (size_t)n]
#define YN(i, c) N->Y[(size_t)(i) + (size_t)(c) * (size_t)n]
#define ZF(i, j) F->Z[(size_t)(i) + (size_t)(j) * (size_t)F->n]
#define YF(i, c) F->Y[(size_t)(i) + (size_t)(c) * (size_t)F->n]

/* One sweep of the frame-cell family (makes aggregation back to the frame exact). */
static ics_status fit_groups(const ics_table *F, ics_table *N, const nest_ws *w, ics_error *err)
{
    const int n = w->n, K = w->K, R = w->nreg;
    char lb[256];
    double f;
    for (int r = 0; r < R; ++r) {
        const int *rk = w->cnode + (size_t)r * K;
        /* (a) the chain of r selling to a non-chain node j; (d) to final demand */
        for (int j = 0; j < n; ++j) {
            if (w->is_chain[j]) continue;
            double p = 0, m = 0;
            for (int k = 0; k < K; ++k) acc(ZN(rk[k], j), &p, &m);
            const double T = ZF(w->fsec[r], w->frame_of_other[j]);
            if (gras_factor(p, m, T, &f))
                return ics_error_set(err, ICS_EINPUT, "nest: the chain's prior sales from %s to "
                                     "%s (%g) cannot reach the frame's %g", F->regions[r],
                                     ics_table_node_label(N, j, lb, sizeof lb), p - m, T);
            for (int k = 0; k < K; ++k) scale_cell(&ZN(rk[k], j), f);
        }
        for (int c = 0; c < w->ny; ++c) {
            double p = 0, m = 0;
            for (int k = 0; k < K; ++k) acc(YN(rk[k], c), &p, &m);
            const double T = YF(w->fsec[r], c);
            if (gras_factor(p, m, T, &f))
                return ics_error_set(err, ICS_EINPUT, "nest: the chain's prior final demand from "
                                     "%s in column %s/%s (%g) cannot reach the frame's %g",
                                     F->regions[r], F->y_region[c], F->y_category[c], p - m, T);
            for (int k = 0; k < K; ++k) scale_cell(&YN(rk[k], c), f);
        }
        /* (c) chain block r -> q */
        for (int q = 0; q < R; ++q) {
            const int *ql = w->cnode + (size_t)q * K;
            double p = 0, m = 0;
            for (int l = 0; l < K; ++l)
                for (int k = 0; k < K; ++k) acc(ZN(rk[k], ql[l]), &p, &m);
            const double T = ZF(w->fsec[r], w->fsec[q]);
            if (gras_factor(p, m, T, &f))
                return ics_error_set(err, ICS_EINPUT, "nest: the chain's flows %s -> %s (%g) "
                                     "cannot reach the frame's %g", F->regions[r],
                                     F->regions[q], p - m, T);
            for (int l = 0; l < K; ++l)
                for (int k = 0; k < K; ++k) scale_cell(&ZN(rk[k], ql[l]), f);
        }
    }
    /* (b) non-chain node i selling to the chain of q; (e) value added of the chain of q */
    for (int q = 0; q < R; ++q) {
        const int *ql = w->cnode + (size_t)q * K;
        for (int i = 0; i < n; ++i) {
            if (w->is_chain[i]) continue;
            double p = 0, m = 0;
            for (int l = 0; l < K; ++l) acc(ZN(i, ql[l]), &p, &m);
            const double T = ZF(w->frame_of_other[i], w->fsec[q]);
            if (gras_factor(p, m, T, &f))
                return ics_error_set(err, ICS_EINPUT, "nest: the chain's prior purchases in %s "
                                     "from %s (%g) cannot reach the frame's %g", F->regions[q],
                                     ics_table_node_label(N, i, lb, sizeof lb), p - m, T);
            for (int l = 0; l < K; ++l) scale_cell(&ZN(i, ql[l]), f);
        }
        double p = 0, m = 0;
        for (int l = 0; l < K; ++l) acc(N->va[ql[l]], &p, &m);
        const double T = F->va[w->fsec[q]];
        if (gras_factor(p, m, T, &f))
            return ics_error_set(err, ICS_EINPUT, "nest: the chain's prior value added in %s (%g) "
                                 "cannot reach the frame's %g", F->regions[q], p - m, T);
        for (int l = 0; l < K; ++l) scale_cell(&N->va[ql[l]], f);
    }
    return ICS_OK;
}

/* Row (rows = 1) or column sums of the chain's nodes to their outputs. */
static ics_status fit_margins(ics_table *N, const nest_ws *w, int rows, ics_error *err)
{
    const int n = w->n, ny = w->ny;
    char lb[256];
    for (int a = 0; a < w->nreg * w->K; ++a) {
        const int i = w->cnode[a];
        double p = 0, m = 0, f;
        if (rows) {
            for (int j = 0; j < n; ++j) acc(ZN(i, j), &p, &m);
            for (int c = 0; c < ny; ++c) acc(YN(i, c), &p, &m);
        } else {
            for (int j = 0; j < n; ++j) acc(ZN(j, i), &p, &m);
            acc(N->va[i], &p, &m);
        }
        if (gras_factor(p, m, N->x[i], &f))
            return ics_error_set(err, ICS_EINPUT, "nest: the prior %s of %s (%g) cannot reach "
                                 "its output %g", rows ? "sales" : "inputs",
                                 ics_table_node_label(N, i, lb, sizeof lb), p - m, N->x[i]);
        if (rows) {
            for (int j = 0; j < n; ++j) scale_cell(&ZN(i, j), f);
            for (int c = 0; c < ny; ++c) scale_cell(&YN(i, c), f);
        } else {
            for (int j = 0; j < n; ++j) scale_cell(&ZN(j, i), f);
            scale_cell(&N->va[i], f);
        }
    }
    return ICS_OK;
}

/* Worst relative row or column imbalance over the chain's nodes. */
static double chain_balance(const ics_table *N, const nest_ws *w, double scale)
{
    const int n = w->n, ny = w->ny;
    double worst = 0;
    for (int a = 0; a < w->nreg * w->K; ++a) {
        const int i = w->cnode[a];
        double rs = 0, cs = N->va[i];
        for (int j = 0; j < n; ++j) rs += ZN(i, j), cs += ZN(j, i);
        for (int c = 0; c < ny; ++c) rs += YN(i, c);
        const double d = fmax(fabs(N->x[i]), scale);
        worst = fmax(worst, fmax(fabs(rs - N->x[i]), fabs(cs - N->x[i])) / d);
    }
    return worst;
}

/* Share vector v[0..K-1] normalised to sum 1; fallback when its sum is not positive. */
static void normalise(double *v, int K, const double *fallback)
{
    double s = 0;
    for (int k = 0; k < K; ++k) s += v[k] > 0 ? v[k] : 0;
    for (int k = 0; k < K; ++k) v[k] = s > 0 ? (v[k] > 0 ? v[k] / s : 0) : fallback[k];
}

ics_status ics_table_nest(const ics_table *F, const ics_table *C, const char *sector,
                          const ics_nest_opts *opts, ics_table **out, ics_nest_report *rep,
                          ics_error *err)
{
    ics_status st = ICS_OK;
    ics_table *N = NULL, *A = NULL;
    nest_ws w = {0};
    int *fnode = NULL, *cn_chain = NULL, *creg = NULL;
    double *sx = NULL, *sin = NULL, *sout = NULL;
    ics_nest_opts o = ICS_NEST_DEFAULTS;
    ics_nest_report rp = {0};
    const char *fsrc = F->source ? F->source : "frame", *csrc = C->source ? C->source : "chain";
    char lb[256];
    if (opts) o = *opts;
    *out = NULL;
    if (!(o.tol > 0) || o.max_iter < 1 || !(o.mix >= 0 && o.mix < 1))
        ICS_FAIL(err, ICS_EINPUT, "nest: tolerance must be > 0, max_iter >= 1 and mix in [0, 1)");

    /* ---- the frame: every (region, sector) once; SECTOR present ---- */
    const int R = F->nreg, S = F->nseg, K = C->nseg;
    const int ssec = ics_table_find_segment(F, sector);
    if (ssec < 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: no sector '%s' to nest into (--into names a sector label "
                 "of the frame)", fsrc, sector);
    ICS_ALLOC(fnode, (size_t)R * S, err, "frame index");
    for (int a = 0; a < R * S; ++a) fnode[a] = -1;
    for (int i = 0; i < F->n; ++i) {
        int *p = &fnode[(size_t)F->node_region[i] * S + F->node_segment[i]];
        if (*p >= 0)
            ICS_FAIL(err, ICS_EINPUT, "%s: node %s appears twice", fsrc,
                     ics_table_node_label(F, i, lb, sizeof lb));
        *p = i;
    }
    for (int r = 0; r < R; ++r)
        for (int s = 0; s < S; ++s)
            if (fnode[(size_t)r * S + s] < 0)
                ICS_FAIL(err, ICS_EINPUT, "%s: region %s has no sector %s (nesting needs every "
                         "region to hold every sector)", fsrc, F->regions[r], F->segments[s]);
    /* ---- the chain: the frame's regions, full grid, labels not clashing ---- */
    if (C->nreg != R)
        ICS_FAIL(err, ICS_EINPUT, "%s: has %d regions, the frame %s has %d (the chain's regions "
                 "must be the frame's)", csrc, C->nreg, fsrc, R);
    ICS_ALLOC(creg, C->nreg, err, "region map");
    for (int r = 0; r < C->nreg; ++r) {
        creg[r] = ics_table_find_region(F, C->regions[r]);
        if (creg[r] < 0)
            ICS_FAIL(err, ICS_EINPUT, "%s: region '%s' is not a region of the frame %s", csrc,
                     C->regions[r], fsrc);
    }
    for (int k = 0; k < K; ++k) {
        const int s = ics_table_find_segment(F, C->segments[k]);
        if (s >= 0 && s != ssec)
            ICS_FAIL(err, ICS_EINPUT, "%s: segment '%s' is also a sector of the frame %s (labels "
                     "of the nested table must be unique)", csrc, C->segments[k], fsrc);
    }
    ICS_ALLOC(cn_chain, (size_t)R * K, err, "chain index"); /* chain node of (frame region, k) */
    for (int a = 0; a < R * K; ++a) cn_chain[a] = -1;
    for (int i = 0; i < C->n; ++i) {
        int *p = &cn_chain[(size_t)creg[C->node_region[i]] * K + C->node_segment[i]];
        if (*p >= 0)
            ICS_FAIL(err, ICS_EINPUT, "%s: node %s appears twice", csrc,
                     ics_table_node_label(C, i, lb, sizeof lb));
        *p = i;
    }
    for (int a = 0; a < R * K; ++a)
        if (cn_chain[a] < 0)
            ICS_FAIL(err, ICS_EINPUT, "%s: region %s has no segment %s (the chain must hold "
                     "every segment in every region)", csrc, F->regions[a / K],
                     C->segments[a % K]);
    {
        ics_validate_opts vo = ICS_VALIDATE_DEFAULTS;
        ics_validate_report vr;
        ICS_TRY(ics_table_validate(F, &vo, &vr, err));
        ICS_TRY(ics_table_validate(C, &vo, &vr, err));
    }

    /* ---- the nested table's layout ---- */
    const int n = F->n - R + R * K, ny = F->ny;
    w.nreg = R, w.K = K, w.n = n, w.ny = ny;
    ICS_ALLOC(w.cnode, (size_t)R * K, err, "nest index");
    ICS_ALLOC(w.is_chain, n, err, "nest index");
    ICS_ALLOC(w.chain_reg, n, err, "nest index");
    ICS_ALLOC(w.other_of_frame, F->n, err, "nest index");
    ICS_ALLOC(w.frame_of_other, n, err, "nest index");
    ICS_ALLOC(w.fsec, R, err, "nest index");
    ICS_ALLOC(w.yreg, ny > 0 ? ny : 1, err, "nest index");
    N = ics_table_create(R, S - 1 + K, n, ny, err);
    if (!N) {
        st = err && err->code ? err->code : ICS_ENOMEM;
        goto done;
    }
    for (int r = 0; r < R; ++r) DUP(N->regions[r], F->regions[r]);
    for (int s = 0, t = 0; s < S; ++s) {
        if (s == ssec)
            for (int k = 0; k < K; ++k) DUP(N->segments[t++], C->segments[k]);
        else
            DUP(N->segments[t++], F->segments[s]);
    }
    for (int c = 0; c < ny; ++c) {
        DUP(N->y_region[c], F->y_region[c]);
        DUP(N->y_category[c], F->y_category[c]);
        w.yreg[c] = ics_table_find_region(F, F->y_region[c]);
    }
    {
        const int segoff = ssec; /* nested segment index of chain segment k: ssec + k */
        int m = 0;
        for (int i = 0; i < F->n; ++i) {
            const int r = F->node_region[i], s = F->node_segment[i];
            if (s == ssec) {
                w.fsec[r] = i;
                w.other_of_frame[i] = -1;
                for (int k = 0; k < K; ++k, ++m) {
                    w.cnode[(size_t)r * K + k] = m;
                    w.is_chain[m] = 1;
                    w.chain_reg[m] = r;
                    w.frame_of_other[m] = -1;
                    N->node_region[m] = r;
                    N->node_segment[m] = segoff + k;
                }
            } else {
                w.other_of_frame[i] = m;
                w.is_chain[m] = 0;
                w.chain_reg[m] = -1;
                w.frame_of_other[m] = i;
                N->node_region[m] = r;
                N->node_segment[m] = s < ssec ? s : s - 1 + K;
                ++m;
            }
        }
    }

    /* ---- shares from the chain: output, outside inputs + VA, outside sales by destination ---- */
    ICS_ALLOC(sx, (size_t)R * K, err, "shares");
    ICS_ALLOC(sin, (size_t)R * K, err, "shares");
    ICS_ALLOC(sout, (size_t)R * K * (R + 1), err, "shares"); /* [r][q][k]; q = R: not a region */
    for (int r = 0; r < R; ++r) {
        double *x = sx + (size_t)r * K, *v = sin + (size_t)r * K;
        for (int k = 0; k < K; ++k) {
            const int ci = cn_chain[(size_t)r * K + k];
            x[k] = C->x[ci];
            v[k] = C->va[ci];
        }
        double *uniform = NULL;
        ICS_ALLOC(uniform, K, err, "shares");
        for (int k = 0; k < K; ++k) uniform[k] = 1.0 / K;
        normalise(x, K, uniform);
        free(uniform);
        normalise(v, K, x);
        for (int k = 0; k < K; ++k) v[k] = (1 - o.mix) * v[k] + o.mix * x[k];
        for (int q = 0; q <= R; ++q) {
            double *so = sout + ((size_t)r * (R + 1) + q) * K;
            for (int k = 0; k < K; ++k) {
                const int ci = cn_chain[(size_t)r * K + k];
                so[k] = 0;
                for (int c = 0; c < C->ny; ++c) {
                    const int cq = ics_table_find_region(F, C->y_region[c]);
                    if (q == R || cq == q) so[k] += C->Y[(size_t)ci + (size_t)c * C->n];
                }
            }
            normalise(so, K, x);
            for (int k = 0; k < K; ++k) so[k] = (1 - o.mix) * so[k] + o.mix * x[k];
        }
    }

    /* ---- the prior ---- */
    for (int j = 0; j < n; ++j) {
        const int fj = w.frame_of_other[j];
        for (int i = 0; i < n; ++i) {
            const int fi = w.frame_of_other[i];
            double v;
            if (fi >= 0 && fj >= 0) {
                v = ZF(fi, fj);
            } else if (fi < 0 && fj >= 0) { /* chain of r sells to other node j in region q */
                const int r = w.chain_reg[i], k = N->node_segment[i] - ssec;
                const int q = N->node_region[j];
                v = ZF(w.fsec[r], fj) * sout[((size_t)r * (R + 1) + q) * K + k];
            } else if (fi >= 0) { /* other node i sells to the chain of q */
                const int q = w.chain_reg[j], l = N->node_segment[j] - ssec;
                v = ZF(fi, w.fsec[q]) * sin[(size_t)q * K + l];
            } else {
                const int r = w.chain_reg[i], k = N->node_segment[i] - ssec;
                const int q = w.chain_reg[j], l = N->node_segment[j] - ssec;
                v = C->Z[(size_t)cn_chain[(size_t)r * K + k] +
                         (size_t)cn_chain[(size_t)q * K + l] * (size_t)C->n];
            }
            ZN(i, j) = v;
        }
    }
    /* chain blocks: the chain's flows r -> q scaled to the frame's cell, mixed with the outer
     * product of output shares (weight mix); a region pair with frame flows but no chain flows
     * gets the outer product alone */
    for (int r = 0; r < R; ++r)
        for (int q = 0; q < R; ++q) {
            const double T = ZF(w.fsec[r], w.fsec[q]);
            double s = 0;
            for (int l = 0; l < K; ++l)
                for (int k = 0; k < K; ++k) s += ZN(w.cnode[r * K + k], w.cnode[q * K + l]);
            double a = o.mix;
            if (!(s > 0)) {
                if (T != 0) ++rp.filled_blocks;
                a = 1.0, s = 1.0;
            }
            for (int l = 0; l < K; ++l)
                for (int k = 0; k < K; ++k) {
                    double *c = &ZN(w.cnode[r * K + k], w.cnode[q * K + l]);
                    *c = (1 - a) * *c * (T / s) + a * T * sx[r * K + k] * sx[q * K + l];
                }
        }
    for (int i = 0; i < n; ++i) {
        const int fi = w.frame_of_other[i];
        if (fi >= 0) {
            for (int c = 0; c < ny; ++c) YN(i, c) = YF(fi, c);
            N->x[i] = F->x[fi];
            N->va[i] = F->va[fi];
        } else {
            const int r = w.chain_reg[i], k = N->node_segment[i] - ssec;
            for (int c = 0; c < ny; ++c) {
                const int q = w.yreg[c] >= 0 ? w.yreg[c] : R;
                YN(i, c) = YF(w.fsec[r], c) * sout[((size_t)r * (R + 1) + q) * K + k];
            }
            N->x[i] = F->x[w.fsec[r]] * sx[r * K + k];
            N->va[i] = F->va[w.fsec[r]] * sin[r * K + k];
        }
    }

    /* ---- fit: rows, columns, frame cells; stop when the chain's nodes balance ---- */
    double xmax = 0;
    for (int i = 0; i < F->n; ++i) xmax = fmax(xmax, fabs(F->x[i]));
    const double tiny = 1e-12 * xmax;
    for (rp.iterations = 0; rp.iterations < o.max_iter;) {
        ICS_TRY(fit_margins(N, &w, 1, err));
        ICS_TRY(fit_margins(N, &w, 0, err));
        ICS_TRY(fit_groups(F, N, &w, err));
        ++rp.iterations;
        rp.max_rel_balance = chain_balance(N, &w, tiny);
        if (rp.max_rel_balance <= o.tol) break;
    }
    if (rp.max_rel_balance > o.tol)
        ICS_FAIL(err, ICS_EINPUT, "nest: %s into %s/%s: no fit within %d sweeps (worst chain "
                 "balance %.3g > %.3g): the frame's totals are not reachable from the chain's "
                 "pattern of zeros%s", csrc, fsrc, sector, o.max_iter, rp.max_rel_balance, o.tol,
                 o.mix > 0 ? "" : " (a mix weight > 0, e.g. --mix 0.1, fills it; docs/nesting.md)");

    DUP(N->source, fsrc);
    if (F->unit) DUP(N->unit, F->unit);
    N->base_year = F->base_year;

    /* ---- check: aggregated back, the frame ---- */
    {
        const char **segs = NULL;
        ICS_ALLOC(segs, K, err, "labels");
        for (int k = 0; k < K; ++k) segs[k] = C->segments[k];
        st = ics_table_aggregate_segments(N, segs, K, sector, &A, err);
        free(segs);
        if (st != ICS_OK) goto done;
        double worst = 0;
        const size_t fn = (size_t)F->n;
        for (size_t a = 0; a < fn * fn; ++a)
            worst = fmax(worst, fabs(A->Z[a] - F->Z[a]) / fmax(fabs(F->Z[a]), tiny));
        for (size_t a = 0; a < fn * (size_t)ny; ++a)
            worst = fmax(worst, fabs(A->Y[a] - F->Y[a]) / fmax(fabs(F->Y[a]), tiny));
        for (size_t a = 0; a < fn; ++a) {
            worst = fmax(worst, fabs(A->x[a] - F->x[a]) / fmax(fabs(F->x[a]), tiny));
            worst = fmax(worst, fabs(A->va[a] - F->va[a]) / fmax(fabs(F->va[a]), tiny));
        }
        rp.max_rel_aggregate = worst;
    }
done:
    if (rep) *rep = rp;
    ws_free(&w);
    free(fnode);
    free(cn_chain);
    free(creg);
    free(sx);
    free(sin);
    free(sout);
    ics_table_destroy(&A);
    if (st != ICS_OK) ics_table_destroy(&N);
    *out = N;
    return st;
}

ics_status ics_table_close_rows_on_final_demand(ics_table *t, double *worst, ics_error *err)
{
    const size_t n = (size_t)t->n;
    char lb[256];
    double w = 0;
    for (size_t i = 0; i < n; ++i) {
        double target = t->x[i];
        for (size_t j = 0; j < n; ++j) target -= t->Z[i + j * n];
        double p = 0, m = 0, f;
        for (int c = 0; c < t->ny; ++c) acc(t->Y[i + (size_t)c * n], &p, &m);
        const double gap = target - (p - m);
        if (t->x[i] != 0) w = fmax(w, fabs(gap) / fabs(t->x[i]));
        if (gap == 0) continue;
        if (gras_factor(p, m, target, &f))
            return ics_error_set(err, ICS_EINPUT, "%s: node %s: final demand %g cannot be scaled "
                                 "to x - Z1 = %g", t->source ? t->source : "table",
                                 ics_table_node_label(t, (int)i, lb, sizeof lb), p - m, target);
        for (int c = 0; c < t->ny; ++c) scale_cell(&t->Y[i + (size_t)c * n], f);
    }
    if (worst) *worst = w;
    return ICS_OK;
}
