/* The physical-trade view of the built-in chain (ics_physical.h; docs/data.md, "Trade") and the
 * loader of `table: builtin_physical`. */
#include "ics_gras.h"
#include "ics_physical.h"
#include "ics_table_loader_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NREG = 8, NCHIP = 3, NIC = 6 };
static const char *const reg_label[NREG] = {"US", "CN", "TW", "KR", "JP", "EU", "SEA", "ROW"};
/* the chip vendors, then the fabs and ATP: the rows HS 8542 covers (chips, dies, wafers) */
static const char *const ic_label[NIC] = {"design_logic", "memory", "dao",
                                          "fab_advanced", "fab_mature", "atp"};

/* Taiwan's exports of HS 8542 in 2022 by destination, USD bn: Taiwan Customs export data by
 * country, aggregated to the model regions (core/table/builtin/data/trade.csv, rows
 * "Taiwan_customs_HS8542 ... 2022"; total 184.136). Hong Kong/Macao (49.211) is a re-export hub:
 * HK_TO_CN of it is counted as exports to mainland China (the origin's exports to the buyer),
 * the rest as ROW (Hong Kong itself and its other destinations). HK_TO_CN = 0.854: re-exports
 * through Hong Kong from and to the Mainland were 85.4 % of Hong Kong's re-export trade in 2022
 * (HK Census and Statistics Department, all goods, as quoted by inspexion.com, "Hong Kong
 * exports"); the share for chips alone and for "to" alone was not found. */
#define TW_TO_HK 49.211
#define HK_TO_CN 0.854
static const double tw_exports[NREG] = {
    3.234,                       /* US */
    57.546 + HK_TO_CN * TW_TO_HK, /* CN: mainland + Hong Kong's re-exports to it */
    0.0,                         /* TW itself */
    13.997,                      /* KR */
    15.782,                      /* JP */
    4.049,                       /* EU: EU + EFTA + UK */
    38.257,                      /* SEA: ASEAN */
    1.237 + 0.824 + (1.0 - HK_TO_CN) * TW_TO_HK, /* ROW: rest of world + India + rest of HK */
};

typedef struct {
    int reg[NREG];        /* region index of each label */
    int node[NREG][NIC];  /* node of (region, IC segment) */
    int atp[NREG];        /* node of (region, atp) */
    int *yreg;            /* [ny] region of each final-demand column */
} chain_map;

static ics_status map_chain(const ics_table *t, chain_map *m, ics_error *err)
{
    ics_status st = ICS_OK;
    const char *src = t->source ? t->source : "table";
    int seg[NIC];
    for (int r = 0; r < NREG; ++r) {
        m->reg[r] = ics_table_find_region(t, reg_label[r]);
        if (m->reg[r] < 0)
            ICS_FAIL(err, ICS_EINPUT, "%s: the physical-trade view needs region '%s'", src,
                     reg_label[r]);
    }
    for (int k = 0; k < NIC; ++k) {
        seg[k] = ics_table_find_segment(t, ic_label[k]);
        if (seg[k] < 0)
            ICS_FAIL(err, ICS_EINPUT, "%s: the physical-trade view needs segment '%s'", src,
                     ic_label[k]);
    }
    for (int r = 0; r < NREG; ++r)
        for (int k = 0; k < NIC; ++k) m->node[r][k] = -1;
    for (int i = 0; i < t->n; ++i)
        for (int r = 0; r < NREG; ++r)
            for (int k = 0; k < NIC; ++k)
                if (t->node_region[i] == m->reg[r] && t->node_segment[i] == seg[k])
                    m->node[r][k] = i;
    for (int r = 0; r < NREG; ++r) {
        for (int k = 0; k < NIC; ++k)
            if (m->node[r][k] < 0)
                ICS_FAIL(err, ICS_EINPUT, "%s: the physical-trade view needs node %s/%s", src,
                         reg_label[r], ic_label[k]);
        m->atp[r] = m->node[r][NIC - 1];
    }
    ICS_ALLOC(m->yreg, t->ny, err, "final-demand regions");
    for (int k = 0; k < t->ny; ++k) {
        const int g = ics_table_find_region(t, t->y_region[k]);
        m->yreg[k] = -1;
        for (int r = 0; r < NREG; ++r)
            if (g == m->reg[r]) m->yreg[k] = r;
    }
done:
    return st;
}

/* Step 1: relocate the chip vendors to their ATP sites. R (n x n, row-stochastic) is the
 * identity except on the chip nodes; Z <- R'ZR, Y <- R'Y, x <- R'x, va <- vaR, then each new
 * chip node buys its ATP in its own region (the column and row sums do not change). */
static ics_status relocate(ics_table *t, const chain_map *m, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = t->n, ny = t->ny;
    double *R = NULL, *W = NULL, *atp_own = NULL;
    ICS_ALLOC(R, (size_t)n * n, err, "relocation matrix");  /* R[i + j*n] */
    ICS_ALLOC(W, (size_t)n * (n > ny ? n : ny), err, "relocation workspace");
    ICS_ALLOC(atp_own, (size_t)NREG * NCHIP, err, "ATP by site");
    for (int i = 0; i < n; ++i) R[i + (size_t)i * n] = 1.0;
    for (int c = 0; c < NCHIP; ++c)
        for (int h = 0; h < NREG; ++h) {
            const int j = m->node[h][c];
            double a = 0.0;
            for (int l = 0; l < NREG; ++l) a += t->Z[m->atp[l] + (size_t)j * n];
            for (int l = 0; l < NREG; ++l) atp_own[l * NCHIP + c] += t->Z[m->atp[l] + (size_t)j * n];
            if (!(a > 0.0)) continue; /* buys no ATP: stays where it is */
            R[j + (size_t)j * n] = 0.0;
            for (int l = 0; l < NREG; ++l)
                R[j + (size_t)m->node[l][c] * n] += t->Z[m->atp[l] + (size_t)j * n] / a;
        }
    /* Z <- R' (Z R): W = Z R, then Z = R' W */
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
            double s = 0.0;
            for (int k = 0; k < n; ++k) s += t->Z[i + (size_t)k * n] * R[k + (size_t)j * n];
            W[i + (size_t)j * n] = s;
        }
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
            double s = 0.0;
            for (int k = 0; k < n; ++k) s += R[k + (size_t)i * n] * W[k + (size_t)j * n];
            t->Z[i + (size_t)j * n] = s;
        }
    for (int k = 0; k < ny; ++k)
        for (int i = 0; i < n; ++i) {
            double s = 0.0;
            for (int q = 0; q < n; ++q) s += R[q + (size_t)i * n] * t->Y[q + (size_t)k * n];
            W[i + (size_t)k * n] = s;
        }
    memcpy(t->Y, W, sizeof *W * (size_t)n * ny);
    for (int i = 0; i < n; ++i) {
        double sx = 0.0, sv = 0.0;
        for (int q = 0; q < n; ++q) {
            sx += R[q + (size_t)i * n] * t->x[q];
            sv += t->va[q] * R[q + (size_t)i * n];
        }
        W[i] = sx;
        W[n + i] = sv;
    }
    memcpy(t->x, W, sizeof *W * (size_t)n);
    memcpy(t->va, W + n, sizeof *W * (size_t)n);
    /* ATP inputs of the new chip nodes: all from their own region (same column total, and
     * every ATP row still sells what it sold to the chip segment) */
    for (int c = 0; c < NCHIP; ++c)
        for (int l = 0; l < NREG; ++l) {
            const size_t col = (size_t)m->node[l][c] * n;
            for (int k = 0; k < NREG; ++k) t->Z[m->atp[k] + col] = 0.0;
            t->Z[m->atp[l] + col] = atp_own[l * NCHIP + c];
        }
done:
    free(R);
    free(W);
    free(atp_own);
    return st;
}

/* Step 2: Taiwan's sales abroad of each IC row spread over the destinations like its customs
 * exports (regions the row does not sell to are left out and the shares renormalised). */
static void reroute_taiwan(ics_table *t, const chain_map *m)
{
    const int n = t->n, tw = 2; /* TW in reg_label */
    for (int k = 0; k < NIC; ++k) {
        const int i = m->node[tw][k];
        double cur[NREG] = {0}, abroad = 0.0, w = 0.0;
        for (int j = 0; j < n; ++j)
            for (int r = 0; r < NREG; ++r)
                if (t->node_region[j] == m->reg[r]) cur[r] += t->Z[i + (size_t)j * n];
        for (int c = 0; c < t->ny; ++c)
            if (m->yreg[c] >= 0) cur[m->yreg[c]] += t->Y[i + (size_t)c * n];
        for (int r = 0; r < NREG; ++r)
            if (r != tw && cur[r] > 0.0) {
                abroad += cur[r];
                w += tw_exports[r];
            }
        if (!(abroad > 0.0) || !(w > 0.0)) continue;
        double g[NREG];
        for (int r = 0; r < NREG; ++r)
            g[r] = (r != tw && cur[r] > 0.0) ? abroad * tw_exports[r] / w / cur[r] : 1.0;
        for (int j = 0; j < n; ++j)
            for (int r = 0; r < NREG; ++r)
                if (t->node_region[j] == m->reg[r]) t->Z[i + (size_t)j * n] *= g[r];
        for (int c = 0; c < t->ny; ++c)
            if (m->yreg[c] >= 0) t->Y[i + (size_t)c * n] *= g[m->yreg[c]];
    }
}

/* Step 3: GRAS of [[Z, Y], [va, 0]] to rows [x; F], columns [x; y_col], F = sum va. */
static ics_status rebalance(ics_table *t, const double *ycol, ics_physical_report *rep,
                            ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = t->n, ny = t->ny, m = n + 1, nc = n + ny;
    double *A = NULL, *u = NULL, *v = NULL;
    ics_gras *g = NULL;
    ICS_ALLOC(A, (size_t)m * nc, err, "balancing matrix");
    ICS_ALLOC(u, (size_t)m, err, "row targets");
    ICS_ALLOC(v, (size_t)nc, err, "column targets");
    double F = 0.0, fy = 0.0;
    for (int j = 0; j < n; ++j) {
        for (int i = 0; i < n; ++i) A[i + (size_t)j * m] = t->Z[i + (size_t)j * n];
        A[n + (size_t)j * m] = t->va[j];
        u[j] = v[j] = t->x[j];
        F += t->va[j];
    }
    for (int k = 0; k < ny; ++k) {
        for (int i = 0; i < n; ++i) A[i + (size_t)(n + k) * m] = t->Y[i + (size_t)k * n];
        fy += ycol[k];
    }
    u[n] = F;
    for (int k = 0; k < ny; ++k) v[n + k] = ycol[k] * (F / fy); /* the same total to 1e-15 */
    if (!(g = ics_gras_create(m, nc, err))) {
        st = err && err->code != ICS_OK ? err->code : ICS_ENOMEM;
        goto done;
    }
    ics_gras_opts o = ICS_GRAS_DEFAULTS;
    ics_gras_report gr;
    ICS_TRY(ics_gras_solve(g, A, m, u, v, &o, A, m, NULL, NULL, &gr, err));
    for (int j = 0; j < n; ++j) {
        for (int i = 0; i < n; ++i) t->Z[i + (size_t)j * n] = A[i + (size_t)j * m];
        t->va[j] = A[n + (size_t)j * m];
    }
    for (int k = 0; k < ny; ++k)
        for (int i = 0; i < n; ++i) t->Y[i + (size_t)k * n] = A[i + (size_t)(n + k) * m];
    if (rep) {
        rep->gras_iterations = gr.iterations;
        rep->gras_error = gr.max_rel_error;
    }
done:
    ics_gras_destroy(&g);
    free(A);
    free(u);
    free(v);
    return st;
}

ics_status ics_table_physical_trade(ics_table *t, ics_physical_report *rep, ics_error *err)
{
    ics_status st = ICS_OK;
    chain_map m = {.yreg = NULL};
    double *ycol = NULL;
    ICS_TRY(map_chain(t, &m, err));
    ICS_TRY(relocate(t, &m, err));
    ICS_ALLOC(ycol, (size_t)t->ny, err, "final-demand totals");
    for (int k = 0; k < t->ny; ++k)
        for (int i = 0; i < t->n; ++i) ycol[k] += t->Y[i + (size_t)k * t->n];
    reroute_taiwan(t, &m);
    ICS_TRY(rebalance(t, ycol, rep, err));
done:
    free(m.yreg);
    free(ycol);
    return st;
}

/* The source "builtin_physical" as a loader of ics_table_load (table_loaders.c). */
static int claims_physical(const char *path, int is_dir)
{
    (void)is_dir;
    return strcmp(path, "builtin_physical") == 0;
}

static ics_status load_physical(const char *path, ics_table **out, ics_error *err)
{
    ics_status st = ICS_OK;
    (void)path;
    ICS_TRY(ics__table_loader_builtin.load("builtin", out, err));
    ICS_TRY(ics_table_physical_trade(*out, NULL, err));
    free((*out)->source);
    if (!((*out)->source = ics_strdup("builtin_physical", err)))
        ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    return ICS_OK;
done:
    ics_table_destroy(out);
    return st;
}

const ics__table_loader ics__table_loader_builtin_physical = {"builtin_physical", 0,
                                                              claims_physical, load_physical};
