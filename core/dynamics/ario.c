/* ARIO-type supply-constrained dynamics (Hallegatte 2008; BoARIO's ARIOPsiModel, Juhel et al.)
 * over a block of b scenarios: capacity with overproduction, inventories of each input product
 * per node with the psi constraint, proportional rationing, inventory-refilling orders allocated
 * to suppliers by base or capacity-weighted shares, trade restrictions with substitution.
 * Equations, units and the differences from BoARIO: docs/models.md, "ARIO-type supply-constrained
 * model". Each step is two segment products on the block (matrix x block, the inner or outer
 * dimension a product's supplying regions: kernels/segment.c, or grouped DGEMMs with
 * ics__ario_set_blas) plus fused elementwise passes, vectorised per CPU (kernels/ics_simd.h).
 *
 * Internal node order is segment-sorted (perm[ii] = table node), so that the suppliers of each
 * product p are the contiguous rows segoff[p] .. segoff[p]+segn[p]-1 of Z and the per-product
 * products are plain DGEMMs on row blocks. Per-product arrays of one block are s blocks of
 * n x b column-major matrices: element (p, j, scenario c) at p*n*b + j + c*n.
 *
 * Chunks: ics_ario_block runs the whole horizon for one chunk of 8-64 scenarios at a time
 * (default_chunk: the chunk's 2 s n (links: 2 L) inventory and order values per scenario plus z within 1 MiB
 * of L2), so the state stays in cache across steps; the workspace holds one chunk (ws_cols),
 * reused by the next; any block size works, and results do not depend on it. Per step each s x n x b array is read
 * once: the orders pass also folds the next step's input bound (min over products of kappa
 * omega) into one n x b array, and each product's received and order weights are computed for
 * a group of 8 scenarios and consumed from L1 by the orders pass.
 * Links (issue 17): ics_ario_block keeps the inventory and order state only for the (product p,
 * client j) pairs with some z_ij != 0, i in p (20.1 % of s n on the built-in table), L x P per
 * chunk with the chunk's scenarios as lanes (P: the chunk rounded up to 8), and takes the two
 * products over Z's nonzeros (kernels/segment.c's sparse forms, vectorised over scenarios): the
 * dense sums without their zero terms, in the same order, so the results are the dense path's
 * bit for bit (tests/test_ario_links.c). A product whose rows supply at least half of its
 * (row, link) pairs (every product with links on the built-in table) takes both products over
 * a dense row block instead (bzoff, bz: ics_kernel_block_rows, _cols): the same sums in the same
 * order with the zero terms added, as the dense path adds them. The dense state
 * (ics__ario_set_dense, set_blas, and the probe of ics__ario_begin/step) stays as the reference.
 * Bounds and measurements: docs/performance.md. */
#include "ics_dynamic.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ics_ario_internal.h"
#include "ics_kernels.h"
#include "ics_simd.h"
#include "ics_uncertainty.h"

#include <float.h>

/* A trade restriction: suppliers (internal indices, ascending, so grouped by segment) and
 * buyers, and the restricted flows Z[sup, buy] per step. */
typedef struct ario_trade {
    int shock;
    int nsup, nbuy, ngrp;
    int *sup, *buy;
    int *gseg, *goff, *gcnt; /* [ngrp] segment, first row in sup, count */
    double *Z;               /* [nsup * nbuy] column-major */
    /* the link state: the buyers jj of group g that have a link (gseg[g], buy[jj]), as
     * kjj[k], kl[k] for k = koff[g] .. koff[g+1]-1 (links_create) */
    int *koff, *kjj, *kl;
} ario_trade;

struct ics_ario {
    int n, s, k, T;
    int *perm, *segoff, *segn;
    double *Z, *ZT;     /* [ldp*n] flows per step, internal order, and their transpose (a
                           supplier's row contiguous), both with leading dimension ldp */
    int ldp;            /* n, or n + 8 where n doubles are a multiple of 512 bytes */
    double *xbar, *y;   /* [n] baseline output Z1 + y and final demand, per step */
    double *rs;         /* [n] Z1, so that xbar = rs + y bitwise */
    double *zero;       /* [n] zeros: the order-weight deviation when weights are W0 */
    double *U;          /* [s*n] A^S_pj = sum_{i in p} z_ij / xbar_j at p*n + j */
    double *W0;         /* [s*n] sum_{i in p} z_ij: baseline order weights */
    double *kappa;      /* [s*n] 1 / (max(psi s_p, 1) A^S_pj); 0 = no inventory constraint */
    double *tgt;        /* [s*n] s_p A^S_pj (inventory target per unit of x^Opt) */
    unsigned char *inf; /* [s] unlimited inventory (s_p = inf) */
    double alpha_max, itau_alpha, itau_inv, subst_share, subst_ramp;
    double *amax;       /* [n] overproduction cap alpha_max of each node's segment */
    double *lag;        /* [n] build lag (steps): alpha > 1 only from the decision step + lag + 1 */
    double *requal;     /* [s] requalification lag (steps) of a substitute supplier of product p */
    int base;
    int recovery_curve; /* 0 linear, 1 convex, 2 concave (applied to capacity-loss schedules) */
    double *mask;       /* [k*n] 0/1 in internal order */
    int nq, maxsup, maxbuy;
    ario_trade *tr;
    /* calibration uncertainty (ics_uncertainty.h): row of the inventory multiplier in a block's
     * factors (-1: none), the products it scales, their targets (steps) and psi */
    int unc_row, nunc;
    int amax_row, lag_row;  /* rows of the alpha_max and build_lag multipliers (-1: none) */
    int rq_row;             /* row of the requalification multiplier (-1: none) */
    unsigned char *unc_seg; /* [s] */
    double *steps;          /* [s] inventory target of each product, steps of use */
    double psi;
    int chunk;          /* scenarios per chunk in ics_ario_block (ics__ario_chunk) */
    ics__ario_rebuild *rb; /* rebuilding of destroyed capacity (ario_rebuild.c), NULL: off */
    int blas;           /* segment products by DGEMM, not kernels/segment.c (ics__ario_set_blas) */
    /* Links (issue 17): the (product p, client j) pairs with some z_ij != 0, i in p. Only they
     * carry state in ics_ario_block (unless dense): elsewhere the inventory stays 0, the orders
     * per unit of weight -1, and every term they enter is z_ij x (finite) = 0. */
    int dense;          /* ics_ario_block keeps the dense s x n state (ics__ario_set_dense) */
    int L, maxl;        /* links, most links of one product */
    int *loff;          /* [s+1] links of product p: loff[p] .. loff[p+1]-1, clients ascending */
    int *lcli;          /* [L] client (internal node) of each link */
    int *lof;           /* [s*n] link of (p, j), -1: none */
    double *lU, *lT, *lW0, *lK; /* [L] U, tgt, W0, kappa of each link */
    int nnz;            /* nonzeros of Z */
    int *rptr, *ridx;   /* [n+1], [nnz]: row i's nonzeros z_ij, j ascending, as links (p(i), j) */
    double *rval;
    int *cptr, *cidx;   /* [L+1], [nnz]: link (p, j)'s suppliers i in p with z_ij != 0, ascending */
    double *cval;
    /* products whose rows supply at least half of the (row, link) pairs of the product: their
     * GEMM 1 rows as a dense block (kernels/segment.c, ics_kernel_block_rows), link-major with
     * leading dimension segn[p] rounded up to 8, at bzoff[p]; bzoff[p] = -1: the sparse rows */
    ptrdiff_t *bzoff;
    double *bz;
};

/* Scenarios whose received and order weights of one product are computed and consumed together
 * in a step (2 n ARIO_GROUP values, in L1 for n up to a few hundred). */
#define ARIO_GROUP 8

/* Per-product state (inventories, orders, the probe's records) of the chunk of scenarios
 * c0 .. c0+cb-1: s contiguous n x cb blocks at c0 s n, so that a chunk's state is one piece of
 * memory (strided slices would compete for the same cache sets). ics_ario_block passes c0 = 0
 * (its workspace holds one chunk); for a single chunk (the probe) it is the block's s x n x bb
 * layout. Offset of (product p, scenario j, node 0): */
static inline size_t st_at(int n, int s, int c0, int cb, int p, int j)
{
    return (size_t)c0 * s * n + ((size_t)p * cb + (size_t)(j - c0)) * n;
}

/* ------------------------------------------------------------------------------------------ */
/* Plan                                                                                        */

/* The remaining share of a capacity loss for the linear schedule value f (1 at full strength,
 * falling linearly to 0 over `recovery`): linear f, convex f^2 (fast first), concave 1-(1-f)^2. */
static double curve(int kind, double f)
{
    switch (kind) {
    case 1: return f * f;
    case 2: return f * (2.0 - f);
    default: return f;
    }
}

/* Scenarios per chunk of ics_ario_block: the chunk's state (inventories and orders, s n values
 * each, and the n-vectors) plus the segment kernels' copies of z should fit in a core's L2
 * (ARIO_CACHE_BYTES, fixed rather than probed so that every host makes the same choice); 8 to
 * 64 scenarios (measured: 8 and 16 equally fast at n = 128 and 512, 32 slower by 5-10 %). */
#define ARIO_CACHE_BYTES (1024.0 * 1024.0)
static int default_chunk(const struct ics_ario *a)
{
    const double n = a->n, s = a->s;
    /* the link state (2 L values per scenario) and the two index copies of Z's nonzeros */
    const double per = 8.0 * (2.0 * (a->dense ? s * n : a->L) + 16.0 * n);
    const double zb = a->dense ? 2.0 * 8.0 * n * n : 2.0 * 12.0 * a->nnz;
    double avail = ARIO_CACHE_BYTES - zb;
    if (avail < ARIO_CACHE_BYTES / 4) avail = ARIO_CACHE_BYTES / 4;
    const int cb = (int)(avail / per) & ~7;
    return cb < 8 ? 8 : cb > 64 ? 64 : cb;
}

void ics_ario_destroy(struct ics_ario **ap)
{
    if (!ap || !*ap) return;
    struct ics_ario *a = *ap;
    free(a->perm), free(a->segoff), free(a->segn), free(a->Z), free(a->ZT);
    free(a->xbar), free(a->y), free(a->rs), free(a->zero);
    free(a->U), free(a->W0), free(a->kappa), free(a->tgt), free(a->inf);
    free(a->mask), free(a->amax), free(a->lag), free(a->requal);
    free(a->unc_seg), free(a->steps);
    free(a->loff), free(a->lcli), free(a->lof), free(a->lU), free(a->lT), free(a->lW0);
    free(a->lK), free(a->rptr), free(a->ridx), free(a->rval), free(a->cptr), free(a->cidx);
    free(a->cval), free(a->bzoff), free(a->bz);
    ics__ario_rebuild_destroy(&a->rb);
    for (int q = 0; q < a->nq; ++q) {
        ario_trade *r = &a->tr[q];
        free(r->sup), free(r->buy), free(r->gseg), free(r->goff), free(r->gcnt), free(r->Z);
        free(r->koff), free(r->kjj), free(r->kl);
    }
    free(a->tr);
    free(a);
    *ap = NULL;
}

/* The links of the plan (after Z, U, W0, tgt and kappa): their lists, plan values and the two
 * index forms of Z's nonzeros (struct ics_ario). */
static ics_status links_create(struct ics_ario *a, const ics_table *t, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = a->n, s = a->s;
    const size_t ld = (size_t)a->ldp;
    ICS_ALLOC(a->loff, s + 1, err, "the ARIO links");
    ICS_ALLOC(a->lof, (size_t)s * n + 1, err, "the ARIO links");
    ICS_ALLOC(a->rptr, n + 1, err, "the ARIO links");
    a->L = a->nnz = 0;
    for (int p = 0; p < s; ++p) {
        a->loff[p] = a->L;
        for (int jj = 0; jj < n; ++jj) {
            int nz = 0;
            for (int ii = a->segoff[p]; ii < a->segoff[p + 1]; ++ii) nz += a->Z[ii + jj * ld] != 0.0;
            a->lof[(size_t)p * n + jj] = nz ? a->L++ : -1;
            a->nnz += nz;
        }
        if (a->L - a->loff[p] > a->maxl) a->maxl = a->L - a->loff[p];
    }
    a->loff[s] = a->L;
    const int L1 = a->L ? a->L : 1, z1 = a->nnz ? a->nnz : 1;
    ICS_ALLOC(a->lcli, L1, err, "the ARIO links");
    ICS_ALLOC(a->lU, L1, err, "the ARIO links");
    ICS_ALLOC(a->lT, L1, err, "the ARIO links");
    ICS_ALLOC(a->lW0, L1, err, "the ARIO links");
    ICS_ALLOC(a->lK, L1, err, "the ARIO links");
    ICS_ALLOC(a->cptr, a->L + 1, err, "the ARIO links");
    ICS_ALLOC(a->ridx, z1, err, "the ARIO links");
    ICS_ALLOC(a->rval, z1, err, "the ARIO links");
    ICS_ALLOC(a->cidx, z1, err, "the ARIO links");
    ICS_ALLOC(a->cval, z1, err, "the ARIO links");
    int e = 0;
    for (int p = 0; p < s; ++p)
        for (int jj = 0; jj < n; ++jj) {
            const int l = a->lof[(size_t)p * n + jj];
            if (l < 0) continue;
            const size_t pj = (size_t)p * n + jj;
            a->lcli[l] = jj;
            a->lU[l] = a->U[pj], a->lT[l] = a->tgt[pj], a->lW0[l] = a->W0[pj];
            a->lK[l] = a->kappa[pj];
            a->cptr[l] = e;
            for (int ii = a->segoff[p]; ii < a->segoff[p + 1]; ++ii)
                if (a->Z[ii + jj * ld] != 0.0) a->cidx[e] = ii, a->cval[e++] = a->Z[ii + jj * ld];
        }
    a->cptr[a->L] = e;
    e = 0;
    for (int ii = 0; ii < n; ++ii) {
        const int p = t->node_segment[a->perm[ii]];
        a->rptr[ii] = e;
        for (int jj = 0; jj < n; ++jj)
            if (a->Z[ii + jj * ld] != 0.0)
                a->ridx[e] = a->lof[(size_t)p * n + jj], a->rval[e++] = a->Z[ii + jj * ld];
    }
    a->rptr[n] = e;
    /* the dense row blocks (bzoff) */
    ICS_ALLOC(a->bzoff, s, err, "the ARIO links");
    size_t nb = 0;
    for (int p = 0; p < s; ++p) {
        const int nl = a->loff[p + 1] - a->loff[p], nr = a->segn[p];
        const size_t nz = nr ? (size_t)(a->rptr[a->segoff[p] + nr] - a->rptr[a->segoff[p]]) : 0;
        a->bzoff[p] = -1;
        if (nl && nr && 2 * nz >= (size_t)nr * nl)
            a->bzoff[p] = (ptrdiff_t)nb, nb += (size_t)((nr + 7) & ~7) * nl;
    }
    ICS_ALLOC(a->bz, nb ? nb : 1, err, "the ARIO links");
    for (int p = 0; p < s; ++p) {
        if (a->bzoff[p] < 0) continue;
        const int ldz = (a->segn[p] + 7) & ~7, l0 = a->loff[p];
        double *zb = a->bz + a->bzoff[p];
        for (int l = l0; l < a->loff[p + 1]; ++l)
            for (int r = 0; r < a->segn[p]; ++r)
                zb[(size_t)(l - l0) * ldz + r] = a->Z[a->segoff[p] + r + (size_t)a->lcli[l] * ld];
    }
    for (int q = 0; q < a->nq; ++q) {
        ario_trade *r = &a->tr[q];
        const size_t nk = (size_t)(r->ngrp ? r->ngrp : 1) * (r->nbuy ? r->nbuy : 1);
        ICS_ALLOC(r->koff, r->ngrp + 1, err, "a trade restriction");
        ICS_ALLOC(r->kjj, nk, err, "a trade restriction");
        ICS_ALLOC(r->kl, nk, err, "a trade restriction");
        int k = 0;
        for (int g = 0; g < r->ngrp; ++g) {
            r->koff[g] = k;
            for (int jj = 0; jj < r->nbuy; ++jj) {
                const int l = a->lof[(size_t)r->gseg[g] * n + r->buy[jj]];
                if (l >= 0) r->kjj[k] = jj, r->kl[k++] = l;
            }
        }
        r->koff[r->ngrp] = k;
    }
done:
    return st;
}

ics_status ics_ario_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                           ics_dyn *d, ics_error *err)
{
    ics_status st = ICS_OK;
    struct ics_ario *a = NULL;
    double *steps = NULL;
    int *inv = NULL;
    unsigned char *sup = NULL, *ne = NULL;
    const int n = t->n, s = t->nseg, k = d->k, T = d->T;
    const double spy = cfg->steps_per_year > 0 ? cfg->steps_per_year : 52;
    const char *cfgname = cfg->path ? cfg->path : "config";
    ics__ario_params par;
    ics__ario_params_get(cfg, &par);

    ICS_ALLOC(a, 1, err, "the ARIO plan");
    a->n = n, a->s = s, a->k = k, a->T = T;
    a->alpha_max = par.alpha_max;
    a->itau_alpha = 1.0 / par.tau_alpha;
    a->itau_inv = 1.0 / par.tau_inventory;
    a->subst_share = par.subst_share;
    a->subst_ramp = par.subst_ramp;
    a->base = par.order_base;
    ICS_ALLOC(steps, s ? s : 1, err, "inventory targets");
    ICS_TRY(ics__ario_inventory(cfg, t, steps, err));
    /* the inventory multiplier of the uncertainty section scales steps per scenario */
    a->nunc = d->nunc;
    a->unc_row = d->nunc > 0 ? ics_unc_row(cfg, ICS_UNC_INVENTORY) : -1;
    a->amax_row = d->nunc > 0 ? ics_unc_row(cfg, ICS_UNC_ALPHA_MAX) : -1;
    a->lag_row = d->nunc > 0 ? ics_unc_row(cfg, ICS_UNC_BUILD_LAG) : -1;
    a->rq_row = d->nunc > 0 ? ics_unc_row(cfg, ICS_UNC_REQUAL) : -1;
    a->psi = par.psi;
    ICS_ALLOC(a->unc_seg, s ? s : 1, err, "the ARIO plan");
    ICS_ALLOC(a->steps, s ? s : 1, err, "the ARIO plan");
    if (a->unc_row >= 0) ics_unc_inventory_segments(cfg, t, a->unc_seg);
    memcpy(a->steps, steps, sizeof *steps * (size_t)(s ? s : 1));
    ICS_ALLOC(a->requal, s ? s : 1, err, "the ARIO plan");

    /* segment-sorted order */
    ICS_ALLOC(a->perm, n, err, "the ARIO plan");
    ICS_ALLOC(inv, s ? s : 1, err, "the ARIO plan");
    ICS_ALLOC(a->segoff, s + 1, err, "the ARIO plan");
    ICS_ALLOC(a->segn, s ? s : 1, err, "the ARIO plan");
    for (int i = 0; i < n; ++i) a->segn[t->node_segment[i]]++;
    for (int p = 0; p < s; ++p) a->segoff[p + 1] = a->segoff[p] + a->segn[p];
    for (int p = 0; p < s; ++p) inv[p] = a->segoff[p]; /* cursor of each segment's rows */
    for (int i = 0; i < n; ++i) a->perm[inv[t->node_segment[i]]++] = i;

    /* columns a multiple of 512 bytes apart would share L1 sets: the segment kernels walk many
     * columns of Z or ZT together, so pad the stride by one cache line */
    a->ldp = n % 64 == 0 ? n + 8 : n;
    ICS_ALLOC(a->Z, (size_t)a->ldp * n, err, "the ARIO flows");
    ICS_ALLOC(a->ZT, (size_t)a->ldp * n, err, "the ARIO flows");
    ICS_ALLOC(a->xbar, n, err, "the ARIO plan");
    /* physical limits per segment (docs/models.md, "Physical limits and lags"): overproduction
     * cap, build lag (weeks in the built-in data, steps in a config), requalification lag */
    ICS_ALLOC(a->amax, n, err, "the ARIO plan"); /* a->requal is the scratch of the first two */
    ICS_ALLOC(a->lag, n, err, "the ARIO plan");
    ICS_TRY(ics__ario_segment_values(cfg, t, &cfg->ario_amax, "alpha_max", par.alpha_max,
                                     ics__ario_builtin_amax, 1.0, a->requal, err));
    for (int ii = 0; ii < n; ++ii) a->amax[ii] = a->requal[t->node_segment[a->perm[ii]]];
    ICS_TRY(ics__ario_segment_values(cfg, t, &cfg->ario_build_lag, "build_lag", 0.0,
                                     ics__ario_builtin_lag, spy / 52.0, a->requal, err));
    for (int ii = 0; ii < n; ++ii) a->lag[ii] = a->requal[t->node_segment[a->perm[ii]]];
    ICS_TRY(ics__ario_segment_values(cfg, t, &cfg->ario_requal, "requalification", 0.0,
                                     ics__ario_builtin_requal, spy / 52.0, a->requal, err));
    ICS_ALLOC(a->y, n, err, "the ARIO plan");
    ICS_ALLOC(a->rs, n, err, "the ARIO plan");
    ICS_ALLOC(a->zero, n, err, "the ARIO plan");
    const size_t ld = (size_t)a->ldp;
    for (int jj = 0; jj < n; ++jj)
        for (int ii = 0; ii < n; ++ii)
            a->Z[ii + jj * ld] = a->ZT[jj + ii * ld] =
                t->Z[a->perm[ii] + (size_t)a->perm[jj] * n] / spy;
    for (int ii = 0; ii < n; ++ii) {
        double rs = 0.0;
        for (int jj = 0; jj < n; ++jj) rs += a->Z[ii + jj * ld];
        a->y[ii] = m->y[a->perm[ii]] / spy;
        a->rs[ii] = rs;
        a->xbar[ii] = rs + a->y[ii];
    }
    ICS_ALLOC(a->U, (size_t)s * n, err, "the ARIO plan");
    ICS_ALLOC(a->W0, (size_t)s * n, err, "the ARIO plan");
    ICS_ALLOC(a->kappa, (size_t)s * n, err, "the ARIO plan");
    ICS_ALLOC(a->tgt, (size_t)s * n, err, "the ARIO plan");
    ICS_ALLOC(a->inf, s ? s : 1, err, "the ARIO plan");
    ICS_ALLOC(ne, (size_t)s * s + 1, err, "the ARIO plan");
    ICS_TRY(ics__ario_nonessential(cfg, t, ne, err));
    for (int p = 0; p < s; ++p) {
        a->inf[p] = isinf(steps[p]) != 0;
        const double den = fmax(par.psi * steps[p], 1.0);
        for (int jj = 0; jj < n; ++jj) {
            double w = 0.0;
            for (int ii = a->segoff[p]; ii < a->segoff[p + 1]; ++ii) w += a->Z[ii + jj * ld];
            const double u = a->xbar[jj] > 0.0 ? w / a->xbar[jj] : 0.0;
            a->W0[(size_t)p * n + jj] = w;
            a->U[(size_t)p * n + jj] = u;
            double kap = (!a->inf[p] && u > 0.0) ? 1.0 / (den * u) : 0.0;
            if (ne[(size_t)p * s + t->node_segment[a->perm[jj]]]) kap = 0.0; /* not essential */
            a->tgt[(size_t)p * n + jj] = a->inf[p] ? 0.0 : steps[p] * u;
            /* The baseline bound kappa omega0 = s_p / max(psi s_p, 1) xbar is >= xbar (s_p >= 1
             * step, psi <= 1: ics__ario_inventory), = xbar when s_p = max(psi s_p, 1); rounded,
             * it may fall an ulp short and bind in an unshocked run. Raise kappa by ulps until
             * it does not (one multiplication, the same in every build). */
            const double om0 = a->tgt[(size_t)p * n + jj] * a->xbar[jj];
            for (int it = 0; kap > 0.0 && steps[p] >= den && kap * om0 < a->xbar[jj] && it < 8; ++it)
                kap = nextafter(kap, INFINITY);
            a->kappa[(size_t)p * n + jj] = kap;
        }
    }

    /* masks; the schedules are evaluated per scenario (ics_dyn_intensity), with the recovery
     * curve applied to capacity losses */
    a->recovery_curve = par.recovery_curve;
    ICS_ALLOC(a->mask, (size_t)n * (k ? k : 1), err, "the ARIO masks");
    for (int q = 0; q < k; ++q) {
        for (int ii = 0; ii < n; ++ii)
            a->mask[(size_t)q * n + ii] = d->mask[(size_t)q * n + a->perm[ii]] ? 1.0 : 0.0;
        if (d->type[q] == ICS_SHOCK_TRADE_RESTRICTION) a->nq++;
    }

    /* rebuilding of destroyed capacity (docs/models.md, "Rebuilding"); NULL when off */
    ICS_TRY(ics__ario_rebuild_create(cfg, t, d, a->perm, a->xbar, spy, &a->rb, err));

    /* trade restrictions: suppliers from the shock's `from` x `segments`, buyers d->mask */
    ICS_ALLOC(sup, n, err, "a node mask");
    ICS_ALLOC(a->tr, a->nq ? a->nq : 1, err, "the ARIO trade restrictions");
    for (int q = 0, qq = 0; q < k; ++q) {
        if (d->type[q] != ICS_SHOCK_TRADE_RESTRICTION) continue;
        const ics_shock *sh = &cfg->shocks[q];
        ario_trade *r = &a->tr[qq++];
        char owner[300];
        snprintf(owner, sizeof owner, "shock '%s'", sh->name);
        r->shock = q;
        ICS_TRY(ics_select_nodes(cfg->path, sh->line, owner, sh->from, sh->nfrom, sh->segments,
                                 sh->nsegments, t, sup, err));
        for (int ii = 0; ii < n; ++ii) {
            r->nsup += sup[a->perm[ii]] != 0;
            r->nbuy += a->mask[(size_t)q * n + ii] != 0.0;
        }
        ICS_ALLOC(r->sup, r->nsup ? r->nsup : 1, err, "a trade restriction");
        ICS_ALLOC(r->buy, r->nbuy ? r->nbuy : 1, err, "a trade restriction");
        ICS_ALLOC(r->gseg, s ? s : 1, err, "a trade restriction");
        ICS_ALLOC(r->goff, s ? s : 1, err, "a trade restriction");
        ICS_ALLOC(r->gcnt, s ? s : 1, err, "a trade restriction");
        int ns = 0, nb = 0;
        for (int ii = 0; ii < n; ++ii) {
            if (sup[a->perm[ii]]) {
                const int p = t->node_segment[a->perm[ii]];
                if (!r->ngrp || r->gseg[r->ngrp - 1] != p) {
                    r->gseg[r->ngrp] = p;
                    r->goff[r->ngrp++] = ns;
                }
                r->gcnt[r->ngrp - 1]++;
                r->sup[ns++] = ii;
            }
            if (a->mask[(size_t)q * n + ii] != 0.0) r->buy[nb++] = ii;
        }
        ICS_ALLOC(r->Z, (size_t)(ns ? ns : 1) * (nb ? nb : 1), err, "a trade restriction");
        for (int jj = 0; jj < nb; ++jj)
            for (int i2 = 0; i2 < ns; ++i2)
                r->Z[i2 + (size_t)jj * ns] = a->Z[r->sup[i2] + (size_t)r->buy[jj] * a->ldp];
        if (ns > a->maxsup) a->maxsup = ns;
        if (nb > a->maxbuy) a->maxbuy = nb;
    }
    /* restricted share of a flow is -change of one shock: links may not be in two shocks */
    for (int q1 = 0; q1 < a->nq; ++q1)
        for (int q2 = q1 + 1; q2 < a->nq; ++q2) {
            const ario_trade *r1 = &a->tr[q1], *r2 = &a->tr[q2];
            for (int u1 = 0; u1 < r1->nsup; ++u1)
                for (int u2 = 0; u2 < r2->nsup; ++u2) {
                    if (r1->sup[u1] != r2->sup[u2]) continue;
                    for (int b1 = 0; b1 < r1->nbuy; ++b1)
                        for (int b2 = 0; b2 < r2->nbuy; ++b2)
                            if (r1->buy[b1] == r2->buy[b2] &&
                                a->Z[r1->sup[u1] + (size_t)r1->buy[b1] * a->ldp] > 0.0)
                                ICS_FAIL(err, ICS_EINPUT,
                                         "%s:%d: ario: trade restrictions '%s' and '%s' restrict "
                                         "the same flow (%s/%s to %s/%s); merge them into one "
                                         "shock", cfgname, cfg->shocks[r2->shock].line,
                                         cfg->shocks[r1->shock].name, cfg->shocks[r2->shock].name,
                                         t->regions[t->node_region[a->perm[r1->sup[u1]]]],
                                         t->segments[t->node_segment[a->perm[r1->sup[u1]]]],
                                         t->regions[t->node_region[a->perm[r1->buy[b1]]]],
                                         t->segments[t->node_segment[a->perm[r1->buy[b1]]]]);
                }
        }
    ICS_TRY(links_create(a, t, err));
    /* the link state pays where links are few (measured: 1.6-2.9x the dense step at 20 % links,
     * 0.7-0.85x at 100 %; docs/performance.md): dense above half of s n, same results */
    a->dense = (double)a->L > 0.5 * s * (double)n;
    a->chunk = default_chunk(a);
    ics_ario_destroy(&d->ario);
    d->ario = a;
    a = NULL;
done:
    free(steps), free(inv), free(sup), free(ne);
    ics_ario_destroy(&a);
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Workspace                                                                                   */

typedef struct ario_hdr {
    int bb, probe, sp, spare; /* sp: the link state (ics_ario_block unless dense or blas) */
    double pad[6]; /* keeps the doubles after it 64-byte aligned relative to the buffer */
} ario_hdr;

typedef struct aws {
    double *alpha, *rprev, *D, *xopt, *xa, *cf, *yt, *rho; /* n x bb */
    double *lim;            /* n x bb: min over finite inventories of kappa_pj omega_pj */
    double *tinv;           /* n x bb: step of the investment decision (first step with demand
                               above production), INFINITY before it */
    double *omega, *Gm;     /* s x n x bb: inventories, orders per unit of order weight - 1 */
    double *RR;             /* n x 2cb, the chunk's [r_prev rho - 1 | r(t) - 1]: weights of
                               GEMM 2; then n scratch (a column's lost shares) */
    double *VW;             /* n x 2cb, one product's [received weight | order weight W] - W0 */
    double *rq, *rqprev;    /* nq x bb restricted share now and at the last orders */
    double *sig;            /* nq x bb: steps each restriction has been in force (0: not) */
    double *Tg, *Ts, *Tv;   /* trade scratch (chunk) */
    double *Tc;             /* trade: each (restriction, supplier group)'s n_buy x 2cb product */
    double *sum;            /* 5 x bb: produced, final delivered, received, used, stock change */
    double *dxa;            /* n x bb: x^a - xbar, for the orders pass */
    double *recv, *ord;     /* probe: s x n x bb received goods and orders placed */
    const double *unc;      /* nunc x bb calibration-uncertainty factors (ws->Unc), or NULL */
    double *amx, *lagx;     /* n x bb per-scenario alpha_max and build lag (uncertainty), or
                               unused */
    double *rbF;            /* rebuilding: nk x nsup x bb share of each order still to deliver */
    double *rbd, *ytr;      /* rebuilding: n x bb reconstruction orders of the step, and final
                               demand plus them */
    /* link state (sp): lanes are the chunk's scenarios, P = bb rounded up to 8 per row (the
     * lanes beyond bb hold finite baseline values and are never stored) */
    int sp, P;
    double *omS, *gS;       /* L x P: inventories, orders per unit of order weight - 1 */
    double *limT, *dxaT, *xoT; /* n x P: lim, dxa, xopt by node */
    double *R1T, *R2T;      /* n x P: the weights of GEMM 2 by node */
    double *VWs;            /* 2 x maxl x 8: one product's received and order weights - W0, 8 lanes */
    double *tsS, *ksS;      /* s x P: inventory scales of each product and scenario (inv_scales) */
    double *zero8;          /* 8 zeros */
} aws;

static size_t carve(const struct ics_ario *a, int bb, int probe, int sp, double *base, aws *v)
{
    const size_t n = a->n, s = a->s, b = bb, nq = a->nq, P = ((size_t)bb + 7) & ~(size_t)7;
    const size_t sd = sp ? 0 : 1; /* the dense state */
    size_t o = 0, ntc = 0;
    for (int q = 0; q < a->nq; ++q) ntc += (size_t)a->tr[q].ngrp * a->tr[q].nbuy;
#define TAKE(ptr, cnt)                                                                          \
    do {                                                                                       \
        if (v) (v)->ptr = base + o;                                                            \
        o += ((size_t)(cnt) + 7) & ~(size_t)7;                                                 \
    } while (0)
    TAKE(alpha, n * b); TAKE(rprev, n * b); TAKE(D, n * b); TAKE(xopt, n * b);
    TAKE(xa, n * b); TAKE(cf, n * b); TAKE(yt, n * b); TAKE(rho, n * b); TAKE(lim, n * b);
    TAKE(tinv, n * b);
    TAKE(omega, sd * s * n * b); TAKE(Gm, sd * s * n * b);
    TAKE(RR, 2 * n * b + n); TAKE(VW, sd * 2 * n * b);
    TAKE(rq, nq * b); TAKE(rqprev, nq * b); TAKE(sig, nq * b);
    TAKE(Tg, (size_t)a->maxbuy * b); TAKE(Ts, (size_t)a->maxsup * b);
    TAKE(Tv, (size_t)a->maxsup * 2 * b); TAKE(Tc, ntc * 2 * b);
    TAKE(sum, 5 * b);
    TAKE(dxa, n * b);
    TAKE(amx, a->amax_row >= 0 ? n * b : 0);
    TAKE(lagx, a->lag_row >= 0 ? n * b : 0);
    TAKE(rbF, a->rb ? (size_t)a->rb->nk * a->rb->nsup * b : 0);
    TAKE(rbd, a->rb ? n * b : 0);
    TAKE(ytr, a->rb ? n * b : 0);
    if (probe) {
        TAKE(recv, s * n * b);
        TAKE(ord, s * n * b);
    }
    if (sp) {
        const size_t L = a->L;
        if (v) v->sp = 1, v->P = (int)P;
        TAKE(omS, L * P); TAKE(gS, L * P);
        TAKE(limT, n * P); TAKE(dxaT, n * P); TAKE(xoT, n * P);
        TAKE(R1T, n * P); TAKE(R2T, n * P);
        TAKE(VWs, 2 * (size_t)a->maxl * 8);
        TAKE(tsS, s * P); TAKE(ksS, s * P);
        TAKE(zero8, 8);
    }
#undef TAKE
    return o;
}

/* ics_ario_block keeps the state of one chunk at a time (the chunk's columns are dead once it has
 * run the horizon), so a block's workspace holds min(chunk, b) scenarios: 0.4 MiB instead of
 * 27 MiB for the built-in table and b = 512 (issue 17: each fresh workspace cost about 0.1 s of
 * page faults in the block loop on a virtual machine, and threads use more of them than one). */
static int ws_cols(const struct ics_ario *a, int b)
{
    return a->chunk > 0 && a->chunk < b ? a->chunk : b;
}

/* ics_ario_block keeps the link state unless the plan is set dense or to DGEMMs */
static int use_links(const struct ics_ario *a)
{
    return !a->dense && !a->blas;
}

size_t ics_ario_ws_bytes(const ics_dyn *d, int b)
{
    const struct ics_ario *a = d->ario;
    return sizeof(ario_hdr) + carve(a, ws_cols(a, b), 0, use_links(a), NULL, NULL) * sizeof(double);
}

size_t ics__ario_probe_bytes(const ics_dyn *d, int b)
{
    /* also room for ics_ario_block's link state of the whole block */
    const size_t dense = carve(d->ario, b, 1, 0, NULL, NULL), sp = carve(d->ario, b, 0, 1, NULL, NULL);
    return sizeof(ario_hdr) + (dense > sp ? dense : sp) * sizeof(double);
}

static void views(const ics_dyn *d, const ics_dyn_ws *w, aws *v, int *bb)
{
    ario_hdr *h = w->model_ws;
    memset(v, 0, sizeof *v);
    carve(d->ario, h->bb, h->probe, h->sp, (double *)(h + 1), v);
    v->unc = w->Unc;
    *bb = h->bb;
}

/* The scarcest input: x^a_j <= omega_pj / (max(psi s_p, 1) A^S_pj) = kappa_pj omega_pj, the
 * bound of one product p folded into xaj (a running minimum; exact, so the order of p is free) */
ICS_SIMD_CLONES static void input_limit(int n, const double *restrict kp,
                                        const double *restrict om, double *restrict xaj)
{
    for (int i = 0; i < n; ++i) { /* operands loaded unconditionally, so that it if-converts */
        const double k = kp[i], o = om[i], x = xaj[i], ko = k * o;
        const double lim = k > 0.0 ? ko : INFINITY;
        xaj[i] = lim < x ? lim : x;
    }
}

/* The inventory multiplier of scenario j acting on product p (uncertainty section): the scale
 * of the target per unit of use, *ts = s1 / s0, and of kappa, *ks = max(psi s0, 1) / max(psi s1,
 * 1), with s1 the scaled target (ics_unc_scaled_target). Returns 0 (and 1, 1) when the product
 * is not scaled in this scenario. ks is raised by a few ulps so that the baseline bound
 * kappa omega0 = s1 / max(psi s1, 1) xbar >= xbar never binds by rounding (as the plan's kappa). */
static int inv_scales(const struct ics_ario *a, const aws *v, int p, int j, double *ts,
                      double *ks)
{
    *ts = *ks = 1.0;
    if (a->unc_row < 0 || !v->unc || a->inf[p] || !a->unc_seg[p]) return 0;
    const double m = v->unc[a->unc_row + (size_t)j * a->nunc], s0 = a->steps[p];
    const double s1 = ics_unc_scaled_target(s0, m);
    if (s1 == s0) return 0;
    *ts = s1 / s0;
    *ks = fmax(a->psi * s0, 1.0) / fmax(a->psi * s1, 1.0) * (1.0 + 8.0 * DBL_EPSILON);
    return 1;
}

/* One 8 x 8 tile transposed: d[k ld + j] = s[j ls + k] (loads and stores of 8 contiguous
 * doubles, three rounds of shuffles; __builtin_shufflevector: GCC >= 12 and clang). Pointers,
 * not vectors, cross the call: a vector argument would have another calling convention in each
 * clone. */
typedef double lv8 __attribute__((vector_size(64)));
typedef double lv8u __attribute__((vector_size(64), aligned(8), may_alias));
static inline __attribute__((always_inline)) void
tile8(const double *restrict s, size_t ls, double *restrict d, size_t ld)
{
    lv8 r[8], u[8], v[8];
    for (int j = 0; j < 8; ++j) r[j] = *(const lv8u *)(s + (size_t)j * ls);
    for (int j = 0; j < 8; j += 2) { /* u[j], u[j+1]: rows j, j+1 interleaved, even/odd columns */
        u[j] = __builtin_shufflevector(r[j], r[j + 1], 0, 8, 2, 10, 4, 12, 6, 14);
        u[j + 1] = __builtin_shufflevector(r[j], r[j + 1], 1, 9, 3, 11, 5, 13, 7, 15);
    }
    for (int h = 0; h < 8; h += 4) /* four rows, columns {k, k+4} for k = 0..3 */
        for (int q = 0; q < 2; ++q) {
            v[h + q] = __builtin_shufflevector(u[h + q], u[h + q + 2], 0, 1, 8, 9, 4, 5, 12, 13);
            v[h + q + 2] = __builtin_shufflevector(u[h + q], u[h + q + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        }
    for (int k = 0; k < 4; ++k) {
        *(lv8u *)(d + (size_t)k * ld) = __builtin_shufflevector(v[k], v[k + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        *(lv8u *)(d + (size_t)(k + 4) * ld) =
            __builtin_shufflevector(v[k], v[k + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

/* dst[j + i ldd] = src[i + j lds] (i < m, j < k): 8 x 8 tiles, the edges element by element.
 * Copies only: no value changes. */
ICS_SIMD_CLONES static void transpose(int m, int k, const double *restrict src, size_t lds,
                                      double *restrict dst, size_t ldd)
{
    for (int i0 = 0; i0 < m; i0 += 8)
        for (int j0 = 0; j0 < k; j0 += 8) {
            const int ie = i0 + 8 < m ? i0 + 8 : m, je = j0 + 8 < k ? j0 + 8 : k;
            if (ie - i0 == 8 && je - j0 == 8) {
                tile8(src + i0 + j0 * lds, lds, dst + j0 + i0 * ldd, ldd);
                continue;
            }
            for (int j = j0; j < je; ++j)
                for (int i = i0; i < ie; ++i) dst[j + i * ldd] = src[i + j * lds];
        }
}

/* Elementwise loops of the step in their vector-width clones (step_cols itself is not cloned):
 * x[i] = INFINITY; ac[i] += c mk[i] (times keep[i] when keep); the shock effects to capacity
 * factors and final demand. */
ICS_SIMD_CLONES static void fill_inf(size_t m, double *restrict x)
{
    for (size_t e = 0; e < m; ++e) x[e] = INFINITY;
}

ICS_SIMD_CLONES static void add_mask(int n, double c, const double *restrict mk,
                                     const double *restrict keep, double *restrict ac)
{
    if (keep)
        for (int i = 0; i < n; ++i) ac[i] += c * mk[i] * keep[i];
    else
        for (int i = 0; i < n; ++i) ac[i] += c * mk[i];
}

ICS_SIMD_CLONES static void shock_effects(int n, const double *restrict y, double *restrict cf,
                                          double *restrict yt)
{
    for (int i = 0; i < n; ++i) {
        const double loss = cf[i] < 0.0 ? 0.0 : cf[i] > 1.0 ? 1.0 : cf[i];
        const double g = 1.0 + yt[i];
        cf[i] = 1.0 - loss;
        yt[i] = y[i] * (g > 0.0 ? g : 0.0);
    }
}

/* n x cb by column (src[i + c n]) to lanes (dst[i P + c]), and back */
static void to_lanes(int n, int cb, int P, const double *restrict src, double *restrict dst)
{
    transpose(n, cb, src, (size_t)n, dst, (size_t)P);
}

static void from_lanes(int n, int cb, int P, const double *restrict src, double *restrict dst)
{
    transpose(cb, n, src, (size_t)P, dst, (size_t)n);
}

/* The link state's initial values for the chunk's cb scenarios (lanes; c0 = 0), as begin_cols'
 * dense ones (the same expressions, with ts = ks = 1 where a product is not scaled: x 1.0 is
 * exact): inventories at target, orders at baseline, the input bound, and lim by column. The
 * lanes beyond cb hold the unscaled baseline; the node arrays by lane start at 0 there. */
static void begin_links(const struct ics_ario *a, const aws *v, int cb)
{
    const int n = a->n, s = a->s, P = v->P;
    for (int p = 0; p < s; ++p)
        for (int c = 0; c < P; ++c) {
            double ts = 1.0, ks = 1.0;
            if (c < cb) inv_scales(a, v, p, c, &ts, &ks);
            v->tsS[(size_t)p * P + c] = ts, v->ksS[(size_t)p * P + c] = ks;
        }
    memset(v->dxaT, 0, (size_t)n * P * sizeof *v->dxaT);
    memset(v->xoT, 0, (size_t)n * P * sizeof *v->xoT);
    memset(v->R1T, 0, (size_t)n * P * sizeof *v->R1T);
    memset(v->R2T, 0, (size_t)n * P * sizeof *v->R2T);
    memset(v->zero8, 0, 8 * sizeof *v->zero8);
    fill_inf((size_t)n * P, v->limT);
    for (int p = 0; p < s; ++p) {
        const double *ts = v->tsS + (size_t)p * P, *ks = v->ksS + (size_t)p * P;
        for (int l = a->loff[p]; l < a->loff[p + 1]; ++l) {
            const int jj = a->lcli[l];
            double *om = v->omS + (size_t)l * P, *lt = v->limT + (size_t)jj * P;
            for (int c = 0; c < P; ++c) {
                om[c] = a->lT[l] * ts[c] * a->xbar[jj];
                v->gS[(size_t)l * P + c] = 0.0; /* g - 1: baseline orders = W0 */
                if (a->inf[p]) continue;
                const double k = a->lK[l] * ks[c], lim = k > 0.0 ? k * om[c] : INFINITY;
                lt[c] = lim < lt[c] ? lim : lt[c];
            }
        }
    }
    from_lanes(n, cb, P, v->limT, v->lim);
}

/* The dense state's initial values for scenarios c0 .. c0+cb-1: inventories at target, orders
 * at baseline, and the input bound. */
static void begin_dense(const struct ics_ario *a, const aws *v, int c0, int cb)
{
    const int n = a->n, s = a->s;
    for (int p = 0; p < s; ++p)
        for (int j = c0; j < c0 + cb; ++j) {
            const size_t o = st_at(n, s, c0, cb, p, j);
            double ts, ks;
            inv_scales(a, v, p, j, &ts, &ks); /* ts = 1 exactly when not scaled */
            for (int i = 0; i < n; ++i) {
                const size_t pi = (size_t)p * n + i;
                v->omega[o + i] = a->tgt[pi] * ts * a->xbar[i];
                v->Gm[o + i] = 0.0; /* g - 1: baseline orders = W0 */
            }
        }
    for (int j = c0; j < c0 + cb; ++j) {
        double *lj = v->lim + (size_t)j * n;
        for (int i = 0; i < n; ++i) lj[i] = INFINITY;
        for (int p = 0; p < s; ++p) {
            double ts, ks;
            if (a->inf[p]) continue;
            const double *kp = a->kappa + (size_t)p * n, *om = v->omega + st_at(n, s, c0, cb, p, j);
            if (!inv_scales(a, v, p, j, &ts, &ks)) {
                input_limit(n, kp, om, lj);
                continue;
            }
            for (int i = 0; i < n; ++i) { /* input_limit with kappa scaled as in orders_col */
                const double k = kp[i] * ks, lim = k > 0.0 ? k * om[i] : INFINITY;
                lj[i] = lim < lj[i] ? lim : lj[i];
            }
        }
    }
}

/* Initial state of scenarios c0 .. c0+cb-1 of a block of bb. */
static void begin_cols(const struct ics_ario *a, const aws *v, int c0, int cb)
{
    const int n = a->n;
    for (size_t e = (size_t)c0 * n; e < (size_t)(c0 + cb) * n; ++e) {
        v->alpha[e] = v->rprev[e] = 1.0;
        v->tinv[e] = INFINITY;
    }
    if (v->sp) begin_links(a, v, cb);
    else begin_dense(a, v, c0, cb);
    if (a->nq) memset(v->rqprev + (size_t)c0 * a->nq, 0, (size_t)a->nq * cb * sizeof *v->rqprev);
    if (a->rb) {
        const size_t m = (size_t)a->rb->nk * a->rb->nsup;
        for (size_t e = (size_t)c0 * m; e < (size_t)(c0 + cb) * m; ++e) v->rbF[e] = 1.0;
        memset(v->rbd + (size_t)c0 * n, 0, (size_t)n * cb * sizeof *v->rbd);
    }
    /* uncertainty: each scenario's overproduction cap 1 + m (alpha_max - 1) and build lag
     * m lag (the plan's own values, bitwise, when m = 1) */
    for (int j = c0; j < c0 + cb && v->unc; ++j) {
        const size_t oj = (size_t)j * n;
        if (a->amax_row >= 0) {
            const double m = v->unc[a->amax_row + (size_t)j * a->nunc];
            for (int i = 0; i < n; ++i)
                v->amx[oj + i] = m == 1.0 ? a->amax[i] : 1.0 + m * (a->amax[i] - 1.0);
        }
        if (a->lag_row >= 0) {
            const double m = v->unc[a->lag_row + (size_t)j * a->nunc];
            for (int i = 0; i < n; ++i) v->lagx[oj + i] = m * a->lag[i];
        }
    }
}

void ics__ario_begin(const ics_dyn *d, int bb, ics_dyn_ws *w, int probe)
{
    ario_hdr *h = w->model_ws;
    h->bb = bb;
    h->probe = probe;
    h->sp = 0; /* the probe keeps the dense state, which ics__ario_view shows */
    aws v;
    int b2;
    views(d, w, &v, &b2);
    begin_cols(d->ario, &v, 0, bb);
    ics_dyn_reset(d, bb, w);
}

/* ------------------------------------------------------------------------------------------ */
/* One step                                                                                    */

/* Receipts, inventories and new orders of product p for one scenario's column (n clients):
 * receipts g V (orders placed per unit of order weight times the weight received), use x^a A^S,
 * inventory omega += receipts - use (fin: finite target), new orders = use + the inventory gap
 * closed over tau_inv, stored per unit of this step's order weight W (0 where W vanishes).
 * Deviations from the baseline, so that an unshocked column reproduces itself bitwise: g holds
 * g - 1, V and Wv the weights minus W0 (dV, dW), receipts - W0 = (g-1) W0 + g dV, use - W0 =
 * (x^a - xbar) A^S (W0 = A^S xbar), and the new g - 1 = (O - W0 - dW) / W; each is 0 exactly
 * when its inputs are at baseline. restrict-qualified, operands loaded unconditionally, so
 * that it vectorises. probe (a constant at every call, so the production instances keep no
 * trace of it): also store receipts and orders per element in recv and ord, and add the
 * column's receipts, use from finite inventories and change of finite inventories to sums[0..2]
 * (reductions: scalar). */
static inline __attribute__((always_inline)) void
orders_col(int n, int fin, int probe, int scaled, double ts, double ks, double itau,
           const double *restrict V,
           const double *restrict Wv, const double *restrict dxa, const double *restrict xo,
           const double *restrict Up, const double *restrict Tp,
           const double *restrict W0p, const double *restrict kp, double *restrict om,
           double *restrict g, double *restrict lim, double *restrict recv,
           double *restrict ord, double *sums)
{
    double srecv = 0.0, sused = 0.0, sd = 0.0;
    for (int i = 0; i < n; ++i) {
        const double dg = g[i], w0 = W0p[i], dW = Wv[i];
        const double dv = V[i], drc = dg * (w0 + dv) + dv, dused = dxa[i] * Up[i];
        double dO = dused;
        if (fin) {
            const double tp = scaled ? Tp[i] * ts : Tp[i]; /* uncertainty: inv_scales */
            const double wv = om[i] + (drc - dused), gap = tp * xo[i] - wv, gi = gap * itau;
            const double k = scaled ? kp[i] * ks : kp[i], kw = k * wv;
            const double l = k > 0.0 ? kw : INFINITY, lo = lim[i];
            if (probe) sd += wv - om[i], sused += w0 + dused;
            om[i] = wv;
            lim[i] = l < lo ? l : lo; /* the next step's input bound (input_limit) */
            dO = (gap > 0.0 ? gi : 0.0) + dused;
        }
        const double wd = w0 + dW;
        const int ok = wd > 1e-12 * w0;
        const double gq = (dO - dW) / (ok ? wd : 1.0);
        g[i] = ok ? gq : -1.0;
        if (probe) srecv += w0 + drc, recv[i] = w0 + drc, ord[i] = w0 + dO;
    }
    if (probe) sums[0] += srecv, sums[1] += sused, sums[2] += sd;
}

/* Receipts, inventories and new orders of product p for scenarios c0 .. c0+cb-1 of the chunk
 * ch0 .. ch0+chn-1; VW holds their n x cb received weights of p, and wofs further their order
 * weights (useW; else W0). */
ICS_SIMD_CLONES static void orders_pass(const struct ics_ario *a, const aws *v, int p, int bb,
                                        int ch0, int chn, int c0, int cb, const double *VW,
                                        size_t wofs, int useW, int probe)
{
    const int n = a->n, fin = !a->inf[p];
    const double *Up = a->U + (size_t)p * n, *Tp = a->tgt + (size_t)p * n;
    const double *W0p = a->W0 + (size_t)p * n, *kp = a->kappa + (size_t)p * n;
    const double itau = a->itau_inv;
    for (int j = c0; j < c0 + cb; ++j) {
        const size_t o = st_at(n, a->s, ch0, chn, p, j);
        const double *V = VW + (size_t)(j - c0) * n, *Wv = useW ? V + wofs : a->zero;
        const double *xa = v->dxa + (size_t)j * n, *xo = v->xopt + (size_t)j * n;
        double *om = v->omega + o, *g = v->Gm + o, *lim = v->lim + (size_t)j * n;
        double ts, ks;
        const int sc = fin && inv_scales(a, v, p, j, &ts, &ks);
        if (probe) {
            double sums[3] = {0.0, 0.0, 0.0};
            orders_col(n, fin, 1, 1, ts, ks, itau, V, Wv, xa, xo, Up, Tp, W0p, kp, om, g, lim,
                       v->recv + o, v->ord + o, sums);
            for (int q = 0; q < 3; ++q) v->sum[(2 + q) * (size_t)bb + j] += sums[q];
        } else if (sc) {
            orders_col(n, 1, 0, 1, ts, ks, itau, V, Wv, xa, xo, Up, Tp, W0p, kp, om, g, lim,
                       NULL, NULL, NULL);
        } else if (fin) {
            orders_col(n, 1, 0, 0, 1.0, 1.0, itau, V, Wv, xa, xo, Up, Tp, W0p, kp, om, g, lim,
                       NULL, NULL, NULL);
        } else {
            orders_col(n, 0, 0, 0, 1.0, 1.0, itau, V, Wv, xa, xo, Up, Tp, W0p, kp, om, g, lim,
                       NULL, NULL, NULL);
        }
    }
}

/* The elementwise pass over one scenario's column, a function with restrict-qualified
 * arguments and a branch-free body (selections, divisions by a safe divisor) so that it
 * vectorises; the values are those of the plain scalar loop. One pass, so that the arithmetic of
 * demand and capacity overlaps the divisions of rationing.
 * Total demand (alt: the orders of the last step scaled by the suppliers' r at that time),
 * capacity, optimal production, the input bound lim; then rationing rho = x^a / D, the lost
 * share 1 - x^a / xbar, the GEMM-2 weights as deviations [r_prev rho - 1 | r - 1],
 * and overproduction alpha moving towards alpha_max while demand is unmet (zeta > 0) and back
 * to 1 otherwise, with time constant tau_alpha; alpha stays 1 (capacity at most the pre-shock
 * level) until the build lag has passed since the investment decision tiv, the first step with
 * zeta > 0 (tnow: this step). With lag 0 the cap is alpha_max from that step, as in BoARIO. */
ICS_SIMD_CLONES static void column_pass(int n, int alt, const double *restrict rs,
                                        const double *restrict yt, const double *restrict cf,
                                        const double *restrict xbar, const double *restrict lim,
                                        const double *restrict amx, double ita,
                                        const double *restrict lag, double tnow,
                                        double *restrict tiv, double *restrict Dj,
                                        double *restrict xoj, double *restrict xaj,
                                        double *restrict rp, double *restrict alj,
                                        double *restrict rhj, double *restrict shj,
                                        double *restrict R1, double *restrict R2)
{
    for (int i = 0; i < n; ++i) { /* operands loaded unconditionally, so that it if-converts */
        const double xb = xbar[i], c = cf[i], r0 = rp[i], al = alj[i];
        const double Do = rs[i] + Dj[i], rD = r0 * Do; /* Dj: Z (g - 1) */
        double Dv = (alt ? rD : Do) + yt[i];
        Dv = Dv < 0.0 ? 0.0 : Dv;
        const double capx = al * c * xb;
        const double xo = Dv < capx ? Dv : capx, li = lim[i], xv = li < xo ? li : xo;
        Dj[i] = Dv;
        xoj[i] = xo;
        xaj[i] = xv;
        const int pos = Dv > 0.0, xp = xb > 0.0;
        const double Ds = pos ? Dv : 1.0, xs = xp ? xb : 1.0;
        const double rq = xv / Ds, zq = (Dv - xv) / Ds, sq = 1.0 - xv / xs;
        const double rho = pos ? rq : 0.0, zeta = pos ? zq : 0.0;
        rhj[i] = rho;
        shj[i] = xp ? sq : 0.0;
        const double ac = al * c, rnow = alt ? ac : 1.0;
        R1[i] = r0 * rho - 1.0; /* deviations: 0 at baseline, so the weights are W0 exactly */
        R2[i] = rnow - 1.0;
        rp[i] = rnow;
        const double amax = amx[i], ti = tiv[i];
        /* tn = zeta > 0 && ti > tnow ? tnow : ti, as two selections: GCC 12 does not
         * vectorise the loop with the conjunction of the two masks */
        const double tz = zeta > 0.0 ? tnow : INFINITY, tn = ti > tz ? tz : ti;
        const double cap = tnow - tn >= lag[i] ? amax : 1.0;
        tiv[i] = tn;
        const double up = (amax - al) * zeta * ita, down = (1.0 - al) * ita;
        const double an = al + (zeta > 0.0 ? up : down), ac2 = an > cap ? cap : an;
        alj[i] = ac2 < 1.0 ? 1.0 : ac2;
    }
}

/* Substitution share sigma of a restriction on product p that has been in force for el steps
 * (0: not in force): none while the substitute supplier is requalified (requal[p] steps), then
 * substitution.share times a linear ramp over substitution.ramp steps (0: at once). m: the
 * scenario's requalification multiplier (uncertainty section; 1: the plan's lag, bitwise). */
static double subst_at(const struct ics_ario *a, int p, double el, double m)
{
    const double e = el - m * a->requal[p];
    if (!(el > 0.0) || !(e > 0.0)) return 0.0;
    return a->subst_share * (a->subst_ramp > 0.0 ? fmin(1.0, e / a->subst_ramp) : 1.0);
}

/* Trade restriction q in scenario j (global column): cp, the restricted share's weight at the
 * previous step, and cw, the weight its substitutes take (subst_at times the restriction). */
static inline void trade_weights(const struct ics_ario *a, const aws *v, int p, int q, int j,
                                 double *cp, double *cw)
{
    const int nq = a->nq;
    const size_t qj = q + (size_t)j * nq;
    const double rqm = a->rq_row >= 0 && v->unc ? v->unc[a->rq_row + (size_t)j * a->nunc] : 1.0;
    *cp = v->rqprev[qj];
    *cw = subst_at(a, p, v->sig[qj], rqm) * v->rq[qj];
}

/* One restricted buyer's order-weight deviations from W0 (w0): out[e] loses cp t1, out[e + wofs]
 * (the substitutes') cw t2, neither below -w0 (a weight never turns negative). */
static inline void trade_correct(double *out, size_t e, size_t wofs, double w0, double cp,
                                 double cw, double t1, double t2)
{
    out[e] -= cp * t1;
    if (w0 + out[e] < 0.0) out[e] = -w0;
    if (cw > 0.0) {
        const double wv = out[e + wofs] - cw * t2;
        out[e + wofs] = w0 + wv < 0.0 ? -w0 : wv;
    }
}

/* Rebuilding (docs/models.md, "Rebuilding") for scenario j at step t. A destroying shock k
 * removes theta_k share_i of node i's capacity from its start until the reconstruction ordered
 * for it is delivered: the destroyed share sum_k theta_k sum_u share_i c_ui F_ku is added to the
 * capacity-loss sum cf (before it is clipped to [0, 1]). */
static void rebuild_destroyed(const struct ics_ario *a, const ics_dyn *d, const ics_dyn_ws *w,
                              const aws *v, int t, int j, double *cf)
{
    const ics__ario_rebuild *rb = a->rb;
    const double *F = v->rbF + (size_t)j * rb->nk * rb->nsup;
    for (int kk = 0; kk < rb->nk; ++kk, F += rb->nsup) {
        const size_t qj = rb->shock[kk] + (size_t)j * d->k;
        const double th = w->Theta[qj];
        if (th == 0.0 || t < w->Start[qj]) continue;
        for (int e = rb->eoff[kk]; e < rb->eoff[kk + 1]; ++e)
            cf[rb->enode[e]] += th * rb->eval[e] * F[rb->esup[e]];
    }
}

/* The first step at which a destroying shock orders its reconstruction: the end of its
 * full-strength phase (start + duration), or its start when it has no duration (BoARIO starts
 * rebuilding after the event's duration). */
static inline int rebuild_ordering(const ics_dyn_ws *w, size_t qj, int t)
{
    const double from = w->Dur[qj] >= 0 ? w->Start[qj] + w->Dur[qj] : w->Start[qj];
    return t >= from;
}

/* The reconstruction orders of step t, rbd_u = sum_k theta_k E_ku min(F_ku, 1/tau) on each
 * supplier u, and ytr = yt + rbd (the final demand the step serves). Returns 0 when there are
 * none (ytr is then not written, and the step uses yt itself). */
static int rebuild_orders(const struct ics_ario *a, const ics_dyn *d, const ics_dyn_ws *w,
                          const aws *v, int t, int j, const double *yt)
{
    const ics__ario_rebuild *rb = a->rb;
    const int n = a->n;
    double *rbd = v->rbd + (size_t)j * n, *ytr = v->ytr + (size_t)j * n;
    const double *F = v->rbF + (size_t)j * rb->nk * rb->nsup;
    int any = 0;
    memset(rbd, 0, (size_t)n * sizeof *rbd);
    for (int kk = 0; kk < rb->nk; ++kk, F += rb->nsup) {
        const size_t qj = rb->shock[kk] + (size_t)j * d->k;
        const double th = w->Theta[qj];
        if (th == 0.0 || !rebuild_ordering(w, qj, t)) continue;
        const double *Ek = rb->E + (size_t)kk * rb->nsup;
        for (int u = 0; u < rb->nsup; ++u) {
            const double f = F[u], dem = th * Ek[u] * (f < rb->itau ? f : rb->itau);
            rbd[rb->sup[u]] += dem;
            any |= dem > 0.0;
        }
    }
    if (!any) return 0;
    for (int i = 0; i < n; ++i) ytr[i] = yt[i] + rbd[i];
    return 1;
}

/* Deliveries of step t: supplier u serves its reconstruction orders in the proportion rho_u of
 * all its orders (rationing), so F_ku -= rho_u min(F_ku, 1/tau); the capacity they restore is
 * what rebuild_destroyed no longer counts at the next step. */
static void rebuild_deliver(const struct ics_ario *a, const ics_dyn *d, const ics_dyn_ws *w,
                            const aws *v, int t, int j, const double *rho)
{
    const ics__ario_rebuild *rb = a->rb;
    double *F = v->rbF + (size_t)j * rb->nk * rb->nsup;
    for (int kk = 0; kk < rb->nk; ++kk, F += rb->nsup) {
        const size_t qj = rb->shock[kk] + (size_t)j * d->k;
        if (w->Theta[qj] == 0.0 || !rebuild_ordering(w, qj, t)) continue;
        for (int u = 0; u < rb->nsup; ++u) {
            const double f = F[u], r = rho[rb->sup[u]] * (f < rb->itau ? f : rb->itau);
            F[u] = f - r > 0.0 ? f - r : 0.0;
        }
    }
}

/* Receipts, inventories and new orders of one link for 8 lanes: orders_col's arithmetic, with
 * the link's plan values as scalars and the product's inventory scales per lane (1 where not
 * scaled: Tp x 1.0 and kp x 1.0 are Tp and kp). */
static inline __attribute__((always_inline)) void
orders_lanes(int fin, double itau, double U, double Tp, double w0, double kp,
             const double *restrict ts, const double *restrict ks, const double *restrict V,
             const double *restrict Wv, const double *restrict dxa, const double *restrict xo,
             double *restrict om, double *restrict g, double *restrict lim)
{
    for (int c = 0; c < 8; ++c) {
        const double dg = g[c], dW = Wv[c];
        const double dv = V[c], drc = dg * (w0 + dv) + dv, dused = dxa[c] * U;
        double dO = dused;
        if (fin) {
            const double tp = Tp * ts[c];
            const double wv = om[c] + (drc - dused), gap = tp * xo[c] - wv, gi = gap * itau;
            const double k = kp * ks[c], kw = k * wv;
            const double l = k > 0.0 ? kw : INFINITY, lo = lim[c];
            om[c] = wv;
            lim[c] = l < lo ? l : lo;
            dO = (gap > 0.0 ? gi : 0.0) + dused;
        }
        const double wd = w0 + dW;
        const int ok = wd > 1e-12 * w0;
        const double gq = (dO - dW) / (ok ? wd : 1.0);
        g[c] = ok ? gq : -1.0;
    }
}

/* orders_pass over product p's links for the lanes g0 .. g0+7; VW holds their weights (8 lanes
 * per link), W at VW + wofs (useW; else zeros). */
ICS_SIMD_CLONES static void orders_links(const struct ics_ario *a, const aws *v, int p, int g0,
                                         const double *VW, size_t wofs, int useW)
{
    const int P = v->P, fin = !a->inf[p], l0 = a->loff[p];
    const double *ts = v->tsS + (size_t)p * P + g0, *ks = v->ksS + (size_t)p * P + g0;
    const double itau = a->itau_inv;
    for (int l = l0; l < a->loff[p + 1]; ++l) {
        const size_t jo = (size_t)a->lcli[l] * P + g0, lo = (size_t)l * P + g0;
        const double *V = VW + (size_t)(l - l0) * 8, *Wv = useW ? V + wofs : v->zero8;
        if (fin)
            orders_lanes(1, itau, a->lU[l], a->lT[l], a->lW0[l], a->lK[l], ts, ks, V, Wv,
                         v->dxaT + jo, v->xoT + jo, v->omS + lo, v->gS + lo, v->limT + jo);
        else
            orders_lanes(0, itau, a->lU[l], a->lT[l], a->lW0[l], a->lK[l], ts, ks, V, Wv,
                         v->dxaT + jo, v->xoT + jo, v->omS + lo, v->gS + lo, v->limT + jo);
    }
}

/* The second half of a step on the link state (c0 = 0): per product p and group of 8 lanes, the
 * received and order weights of p's links by kernels/segment.c's sparse product (deviations
 * from W0, as the dense GEMM 2), the restricted links' corrections (the dense loop's, on the
 * links only: a buyer without a link receives and orders nothing of p either way), then the
 * orders pass; lim is refolded by lane and written back by column. */
static void links_orders(const ics_dyn *d, const aws *v, int cb, int alt, int trade,
                         int trade_now)
{
    const struct ics_ario *a = d->ario;
    const int n = a->n, s = a->s, nq = a->nq, P = v->P, cb8 = (cb + 7) & ~7;
    const int useW = alt || trade_now;
    fill_inf((size_t)n * P, v->limT);
    /* the weights of GEMM 2 and the orders pass's node values by lane */
    to_lanes(n, cb, P, v->RR, v->R1T);
    if (alt) to_lanes(n, cb, P, v->RR + (size_t)n * cb, v->R2T);
    to_lanes(n, cb, P, v->dxa, v->dxaT);
    to_lanes(n, cb, P, v->xopt, v->xoT);
    double *out = v->VWs;
    for (int p = 0; p < s; ++p) {
        const int l0 = a->loff[p], nl = a->loff[p + 1] - l0;
        const size_t wofs = (size_t)nl * 8;
        if (!nl) continue;
        for (int g0 = 0; g0 < cb8; g0 += 8) {
            const int gs = cb - g0 < 8 ? cb - g0 : 8;
            if (a->bzoff[p] >= 0) {
                const size_t r0 = (size_t)a->segoff[p] * P + g0;
                ics_kernel_block_cols(a->segn[p], nl, a->bz + a->bzoff[p], (a->segn[p] + 7) & ~7,
                                      v->R1T + r0, alt ? v->R2T + r0 : NULL, P, out, out + wofs);
            } else {
                ics_kernel_sparse_cols(nl, a->cptr + l0, a->cidx, a->cval, v->R1T + g0,
                                       alt ? v->R2T + g0 : NULL, P, out, out + wofs);
            }
            if (!alt && trade_now) /* weights W0: deviation 0 */
                memset(out + wofs, 0, wofs * sizeof *out);
            if (trade) {
                size_t to = 0;
                for (int q = 0; q < nq; ++q) {
                    const ario_trade *r = &a->tr[q];
                    for (int g = 0; g < r->ngrp; to += (size_t)r->nbuy * 2 * cb, ++g) {
                        if (r->gseg[g] != p) continue;
                        const double *Tc = v->Tc + to;
                        for (int j = g0; j < g0 + gs; ++j) {
                            const size_t jl = j, jg = j - g0;
                            double cp, cw;
                            trade_weights(a, v, p, q, j, &cp, &cw);
                            for (int kk = r->koff[g]; kk < r->koff[g + 1]; ++kk) {
                                const int l = r->kl[kk], jj = r->kjj[kk];
                                trade_correct(out, (size_t)(l - l0) * 8 + jg, wofs, a->lW0[l], cp,
                                              cw, Tc[jj + jl * r->nbuy],
                                              Tc[jj + (cb + jl) * r->nbuy]);
                            }
                        }
                    }
                }
            }
            orders_links(a, v, p, g0, out, wofs, useW);
        }
    }
    from_lanes(n, cb, P, v->limT, v->lim);
}

/* Step t for scenarios c0 .. c0+cb-1 of a block of bb. Scenarios never interact: every pass is
 * per column, and the chunk only sets which columns share a GEMM call. */
static void step_cols(const ics_dyn *d, int t, ics_dyn_ws *w, const aws *v, int bb, int c0,
                      int cb, int probe)
{
    const struct ics_ario *a = d->ario;
    const int n = a->n, s = a->s, k = a->k, T = a->T, nq = a->nq, c1 = c0 + cb;
    const size_t ncb = (size_t)n * cb, o0 = (size_t)c0 * n;
    const double *Th = w->Theta;
    const int alt = !a->base;

    /* shock effects at t: cf = 1 - capacity loss (clipped to [0, 1]), yt = final demand */
    for (int j = c0; j < c1; ++j) {
        double *cf = v->cf + (size_t)j * n, *yt = v->yt + (size_t)j * n;
        memset(cf, 0, (size_t)n * sizeof *cf);
        memset(yt, 0, (size_t)n * sizeof *yt);
        for (int q = 0; q < k; ++q) {
            if (d->type[q] == ICS_SHOCK_TRADE_RESTRICTION) continue;
            double fq = ics_dyn_intensity(d, q, t, w->Start[q + (size_t)j * k],
                                          w->Dur[q + (size_t)j * k]);
            if (d->type[q] == ICS_SHOCK_CAPACITY_LOSS) fq = curve(a->recovery_curve, fq);
            if (fq == 0.0) continue;
            const double c = Th[q + (size_t)j * k] * fq;
            if (c == 0.0) continue;
            double *ac = d->type[q] == ICS_SHOCK_CAPACITY_LOSS ? cf : yt;
            const double *mk = a->mask + (size_t)q * n;
            /* rebuilding: the part not destroyed follows the schedule */
            add_mask(n, c, mk, a->rb && ac == cf ? a->rb->keep : NULL, ac);
        }
        if (a->rb) rebuild_destroyed(a, d, w, v, t, j, cf);
        shock_effects(n, a->y, cf, yt);
    }
    int trade_now = 0, trade_prev = 0;
    for (int q = 0; q < nq; ++q) {
        const ario_trade *r = &a->tr[q];
        for (int j = c0; j < c1; ++j) {
            const size_t qj = r->shock + (size_t)j * k;
            const double fq = ics_dyn_intensity(d, r->shock, t, w->Start[qj], w->Dur[qj]);
            const double el = t - w->Start[qj] + 1; /* steps in force, this one included */
            v->sig[q + (size_t)j * nq] = fq > 0.0 ? el : 0.0; /* subst_at turns it to sigma */
            double c = -Th[r->shock + (size_t)j * k] * fq;
            c = c < 0.0 ? 0.0 : c > 1.0 ? 1.0 : c;
            v->rq[q + (size_t)j * nq] = c;
            trade_now |= c > 0.0;
            trade_prev |= v->rqprev[q + (size_t)j * nq] > 0.0;
        }
    }

    /* GEMM 1: orders reaching each supplier, D_i = sum_j z_ij G_p(i)j (times r_i below), as
     * Z1 + Z (G - 1): Gm holds G - 1, and column_pass adds Z1 (exactly Z1 at baseline) */
    if (v->sp) /* over the links: gS holds g - 1 by link and lane */
        for (int p = 0; p < s; ++p) {
            const int r0 = a->segoff[p], nr = a->segn[p];
            if (!nr) continue;
            if (a->bzoff[p] >= 0)
                ics_kernel_block_rows(nr, a->loff[p + 1] - a->loff[p], cb, a->bz + a->bzoff[p],
                                      (nr + 7) & ~7, v->gS + (size_t)a->loff[p] * v->P, v->P,
                                      v->D + o0 + r0, n);
            else
                ics_kernel_sparse_rows(nr, cb, a->rptr + r0, a->ridx, a->rval, v->gS, v->P,
                                       v->D + o0 + r0, n);
        }
    else
    for (int p = 0; p < s; ++p)
        if (a->segn[p] && a->blas)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, a->segn[p], cb, n, 1.0,
                        a->Z + a->segoff[p], a->ldp, v->Gm + st_at(n, s, c0, cb, p, c0), n,
                        0.0,
                        v->D + a->segoff[p] + o0, n);
        else if (a->segn[p])
            ics_kernel_segment_rows(n, a->segn[p], cb, a->Z + a->segoff[p], a->ldp,
                                    v->Gm + st_at(n, s, c0, cb, p, c0), n,
                                    v->D + a->segoff[p] + o0, n);
    /* minus the orders of the last step that restricted links did not carry */
    for (int q = 0; q < nq && trade_prev; ++q) {
        const ario_trade *r = &a->tr[q];
        for (int g = 0; g < r->ngrp; ++g) {
            if (v->sp) { /* no link: the dense g - 1 is -1, 1 + g - 1 = 0 */
                memset(v->Tg, 0, (size_t)r->nbuy * cb * sizeof *v->Tg);
                for (int kk = r->koff[g]; kk < r->koff[g + 1]; ++kk) {
                    const double *gl = v->gS + (size_t)r->kl[kk] * v->P;
                    double *tg = v->Tg + r->kjj[kk];
                    for (int c = 0; c < cb; ++c) tg[(size_t)c * r->nbuy] = 1.0 + gl[c];
                }
            } else {
                for (int j = c0; j < c1; ++j) {
                    const double *gj = v->Gm + st_at(n, s, c0, cb, r->gseg[g], j);
                    for (int jj = 0; jj < r->nbuy; ++jj)
                        v->Tg[jj + (size_t)(j - c0) * r->nbuy] = 1.0 + gj[r->buy[jj]];
                }
            }
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, r->gcnt[g], cb, r->nbuy, 1.0,
                        r->Z + r->goff[g], r->nsup, v->Tg, r->nbuy, 0.0, v->Ts, r->gcnt[g]);
            for (int j = c0; j < c1; ++j) {
                const double c = v->rqprev[q + (size_t)j * nq];
                const double *ts = v->Ts + (size_t)(j - c0) * r->gcnt[g];
                for (int u = 0; u < r->gcnt[g]; ++u)
                    v->D[r->sup[r->goff[g] + u] + (size_t)j * n] -= c * ts[u];
            }
        }
    }

    /* Per scenario, one pass over its column (its s n inventories stay in L1): total demand,
     * capacity, optimal production; the scarcest input, x^a_j <= omega_pj / (max(psi s_p, 1)
     * A^S_pj); rationing, records, the GEMM-2 weights, overproduction. */
    double *share = w->Q;
    const double *xbar = a->xbar, ita = a->itau_alpha;
    for (int j = c0; j < c1; ++j) {
        const size_t oj = (size_t)j * n;
        const double *cf = v->cf + oj, *yt = v->yt + oj;
        double *Dj = v->D + oj, *xoj = v->xopt + oj, *xaj = v->xa + oj, *rp = v->rprev + oj;
        double *alj = v->alpha + oj, *rhj = v->rho + oj, *shj = v->RR + 2 * ncb;
        double *R1 = v->RR + (size_t)(j - c0) * n, *R2 = R1 + ncb;
        const double *ytd = a->rb && rebuild_orders(a, d, w, v, t, j, yt) ? v->ytr + oj : yt;
        const double *amx = a->amax_row >= 0 && v->unc ? v->amx + oj : a->amax;
        const double *lgx = a->lag_row >= 0 && v->unc ? v->lagx + oj : a->lag;
        column_pass(n, alt, a->rs, ytd, cf, xbar, v->lim + oj, amx, ita, lgx, (double)t,
                    v->tinv + oj, Dj, xoj, xaj, rp, alj, rhj, shj, R1, R2);
        if (a->rb) rebuild_deliver(a, d, w, v, t, j, rhj);
        double prod = 0.0, fin = 0.0, um = 0.0;
        for (int i = 0; i < n; ++i) {
            const double xv = xaj[i], ry = rhj[i] * yt[i];
            v->dxa[i + oj] = xv - xbar[i];
            share[a->perm[i] + oj] = shj[i];
            prod += xv;
            fin += ry;
            um += yt[i] - ry;
        }
        v->sum[j] = prod;
        v->sum[bb + j] = fin;
        v->sum[2 * bb + j] = v->sum[3 * bb + j] = v->sum[4 * bb + j] = 0.0;
        if (t < T) w->unmet[j] += um;
    }
    {
        ics_dyn_ws sub = *w; /* the chunk's columns of the per-scenario results */
        sub.X += o0, sub.rec += o0, sub.peak += o0, sub.unmet += c0;
        sub.rec_region += (size_t)c0 * d->nreg;
        if (sub.traj) sub.traj += (size_t)c0 * (T + 1) * n;
        ics_dyn_record(d, t, cb, share + o0, &sub);
    }
    if (t == T) return;

    /* restricted links: received flows and order weights of their buyers, per supplier group */
    const int trade = nq && (trade_now || trade_prev);
    if (trade) {
        size_t to = 0;
        for (int q = 0; q < nq; ++q) {
            const ario_trade *r = &a->tr[q];
            for (int c = 0; c < 2 * cb; ++c)
                for (int u = 0; u < r->nsup; ++u)
                    v->Tv[u + (size_t)c * r->nsup] = 1.0 + v->RR[r->sup[u] + (size_t)c * n];
            for (int g = 0; g < r->ngrp; ++g) {
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, r->nbuy, 2 * cb, r->gcnt[g],
                            1.0, r->Z + r->goff[g], r->nsup, v->Tv + r->goff[g], r->nsup, 0.0,
                            v->Tc + to, r->nbuy);
                to += (size_t)r->nbuy * 2 * cb;
            }
        }
    }
    /* Per product p and group of ARIO_GROUP scenarios (their n x 2 weights stay in L1): GEMM 2
     * (transposed), for each client j the received weight sum_{i in p} z_ij r_prev_i rho_i and
     * (alt) the order weight W_pj = sum_{i in p} z_ij r_i, both minus W0_pj (from the deviation
     * weights, so 0 exactly at baseline); the restricted links' corrections;
     * receipts, inventories and new orders per unit of order weight. */
    const int useW = alt || trade_now;
    if (v->sp) {
        links_orders(d, v, cb, alt, trade, trade_now);
        if (nq)
            memcpy(v->rqprev + (size_t)c0 * nq, v->rq + (size_t)c0 * nq,
                   (size_t)nq * cb * sizeof *v->rq);
        return;
    }
    double *out = v->VW; /* [V | W] of one group: n x gs each, W at out + wofs */
    fill_inf(ncb, v->lim + o0); /* refolded by the orders pass */
    for (int p = 0; p < s; ++p) {
        const int K = a->segn[p];
        const double *ZTp = a->ZT + (size_t)a->segoff[p] * a->ldp;
        for (int g0 = 0; g0 < cb; g0 += ARIO_GROUP) {
            const int gs = cb - g0 < ARIO_GROUP ? cb - g0 : ARIO_GROUP;
            const size_t wofs = (size_t)n * gs;
            const double *R1 = v->RR + a->segoff[p] + (size_t)g0 * n, *R2 = R1 + ncb;
            if (!K) {
                memset(out, 0, 2 * wofs * sizeof *out);
            } else if (a->blas) {
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, n, gs, K, 1.0,
                            a->Z + a->segoff[p], a->ldp, R1, n, 0.0, out, n);
                if (alt)
                    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, n, gs, K, 1.0,
                                a->Z + a->segoff[p], a->ldp, R2, n, 0.0, out + wofs, n);
            } else {
                ics_kernel_segment_cols(n, K, gs, ZTp, a->ldp, R1, n, out, n);
                if (alt) ics_kernel_segment_cols(n, K, gs, ZTp, a->ldp, R2, n, out + wofs, n);
            }
            if (K && !alt && trade_now) /* weights W0: deviation 0 */
                memset(out + wofs, 0, wofs * sizeof *out);
            if (trade) {
                size_t to = 0;
                for (int q = 0; q < nq; ++q) {
                    const ario_trade *r = &a->tr[q];
                    for (int g = 0; g < r->ngrp; to += (size_t)r->nbuy * 2 * cb, ++g) {
                        if (r->gseg[g] != p) continue;
                        const double *Tc = v->Tc + to;
                        for (int j = c0 + g0; j < c0 + g0 + gs; ++j) {
                            const size_t jl = j - c0, jg = jl - g0;
                            double cp, cw;
                            trade_weights(a, v, p, q, j, &cp, &cw);
                            for (int jj = 0; jj < r->nbuy; ++jj)
                                trade_correct(out, r->buy[jj] + jg * n, wofs,
                                              a->W0[(size_t)p * n + r->buy[jj]], cp, cw,
                                              Tc[jj + jl * r->nbuy], Tc[jj + (cb + jl) * r->nbuy]);
                        }
                    }
                }
            }
            orders_pass(a, v, p, bb, c0, cb, c0 + g0, gs, out, wofs, useW, probe);
        }
    }
    if (nq)
        memcpy(v->rqprev + (size_t)c0 * nq, v->rq + (size_t)c0 * nq,
               (size_t)nq * cb * sizeof *v->rq);
}

void ics__ario_step(const ics_dyn *d, int t, ics_dyn_ws *w)
{
    aws v;
    int bb;
    views(d, w, &v, &bb);
    step_cols(d, t, w, &v, bb, 0, bb, ((ario_hdr *)w->model_ws)->probe);
}

/* The whole horizon for one chunk of scenarios at a time, so that the chunk's state stays in
 * cache over all steps (the chunk size is the plan's, ics__ario_chunk). The model's workspace
 * holds one chunk (ws_cols); each chunk starts from its initial state at column 0. */
void ics_ario_block(const ics_dyn *d, const ics_plan *p, int64_t first, int bb, ics_dyn_ws *w)
{
    (void)p;
    (void)first;
    ario_hdr *h = w->model_ws;
    const int ch = ws_cols(d->ario, bb);
    h->bb = ch;
    h->probe = 0;
    h->sp = use_links(d->ario); /* as ics_ario_ws_bytes sized the workspace */
    aws v;
    int b2;
    views(d, w, &v, &b2);
    ics_dyn_reset(d, bb, w);
    for (int c0 = 0; c0 < bb; c0 += ch) {
        const int cb = bb - c0 < ch ? bb - c0 : ch;
        ics_dyn_ws cw = ics_dyn_ws_cols(d, w, c0, cb); /* the chunk's columns start at 0 */
        v.unc = cw.Unc;
        begin_cols(d->ario, &v, 0, cb);
        for (int t = 0; t <= d->T; ++t) {
            if (ics_dyn_cancelled(w)) return;
            step_cols(d, t, &cw, &v, ch, 0, cb, 0);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Diagnostics                                                                                 */

int ics__ario_chunk(const ics_dyn *d)
{
    return d->ario->chunk;
}

void ics__ario_set_chunk(const ics_dyn *d, int chunk)
{
    d->ario->chunk = chunk > 0 ? chunk : 0;
}

void ics__ario_set_blas(const ics_dyn *d, int blas)
{
    d->ario->blas = blas != 0;
}

void ics__ario_set_dense(const ics_dyn *d, int dense)
{
    d->ario->dense = dense != 0; /* and the mode's default chunk (set_chunk after this) */
    d->ario->chunk = default_chunk(d->ario);
    for (int q = 0; q < d->ndraws; ++q) {
        d->draws[q]->ario->dense = dense != 0;
        d->draws[q]->ario->chunk = default_chunk(d->draws[q]->ario);
    }
}

int ics__ario_uses_links(const ics_dyn *d)
{
    return use_links(d->ario);
}

int ics__ario_links(const ics_dyn *d, int *nnz)
{
    if (nnz) *nnz = d->ario->nnz;
    return d->ario->L;
}

const int *ics__ario_perm(const ics_dyn *d)
{
    return d->ario->perm;
}

/* Arrays of the last step, internal node order: "D" total demand, "cap" is not kept (use
 * "alpha" and "cf"), "xa" production, "xopt", "rho", "yt", "alpha" (already updated), "cf"
 * (1 - capacity loss), "omega" (s x n x bb), "recv"/"ord" (probe), "sum" (5 x bb: produced,
 * final delivered, received, used from finite inventories, change of finite inventories), "tinv"
 * (n x bb: step of each node's investment decision, INFINITY = none); plan arrays "amax" and
 * "lag" (n, internal order) and "requal" (s, by segment). Rebuilding (NULL when off): "rbd"
 * (n x bb reconstruction orders of the step), "rbF" (nk x nsup x bb share of each order still
 * to deliver, after the step), "kcap" (n, each node's capital value). */
const double *ics__ario_view(const ics_dyn *d, const ics_dyn_ws *w, const char *name)
{
    aws v;
    int bb;
    views(d, w, &v, &bb);
    if (!strcmp(name, "D")) return v.D;
    if (!strcmp(name, "xa")) return v.xa;
    if (!strcmp(name, "xopt")) return v.xopt;
    if (!strcmp(name, "rho")) return v.rho;
    if (!strcmp(name, "yt")) return v.yt;
    if (!strcmp(name, "alpha")) return v.alpha;
    if (!strcmp(name, "cf")) return v.cf;
    if (!strcmp(name, "omega")) return v.omega;
    if (!strcmp(name, "recv")) return v.recv;
    if (!strcmp(name, "ord")) return v.ord;
    if (!strcmp(name, "sum")) return v.sum;
    if (!strcmp(name, "tinv")) return v.tinv;
    if (!strcmp(name, "amax")) return d->ario->amax;
    if (!strcmp(name, "lag")) return d->ario->lag;
    if (!strcmp(name, "requal")) return d->ario->requal;
    if (!strcmp(name, "rbd")) return d->ario->rb ? v.rbd : NULL;
    if (!strcmp(name, "rbF")) return d->ario->rb ? v.rbF : NULL;
    if (!strcmp(name, "kcap")) return d->ario->rb ? d->ario->rb->kcap : NULL;
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Work per step (benchmarks)                                                                  */

/* Counted from the loops of step_cols and the GEMMs for a step of b scenarios in which every
 * shock acts (a trade restriction in force now and at the last orders); each operation of the
 * elementwise passes counts 1 (comparisons and selections do not count), a GEMM M x N x K 2MNK.
 * Bytes: every n x b (or s x n x b) array once per pass that reads it and once per pass that
 * writes it, the flows once per GEMM; O(s n) plan arrays, which stay in cache, do not count. */
static void step_work(const ics_dyn *d, int b, double *flops, double *bytes)
{
    const struct ics_ario *a = d->ario;
    const double n = a->n, s = a->s, nb = n * b;
    const int alt = !a->base, useW = alt || a->nq > 0;
    double fin = 0, kact = 0;
    for (int p = 0; p < a->s; ++p) fin += !a->inf[p];
    for (int q = 0; q < a->k; ++q) kact += d->type[q] != ICS_SHOCK_TRADE_RESTRICTION;
    const double nc = alt ? 2.0 * b : b;
    const int sp = use_links(a);
    double F = 0, B = 0, lfin = 0;
    for (int p = 0; p < a->s; ++p) lfin += a->inf[p] ? 0 : a->loff[p + 1] - a->loff[p];
    F += (2 * kact + 3) * nb, B += 2 * nb;                        /* shock effects */
    if (sp) /* the link state: Z's nonzeros (value and index, 1.5 doubles) once per product */
        F += 2.0 * a->nnz * b, B += 1.5 * a->nnz + a->L * b + nb;
    else
    F += 2 * n * n * b, B += n * n + s * nb + nb;                 /* GEMM 1 */
    F += ((alt ? 4 : 3) + 12 + alt + 5 + 4 + 1) * nb;             /* per-column pass (+4: the
                                                                     deviations Z1 + D, R - 1,
                                                                     x^a - xbar; +1 the build
                                                                     lag's test) */
    B += (5 + 1 + 9 + 1 + 2) * nb;                                /* (+ the input bound, x^a - xbar,
                                                                     the decision steps) */
    F += 3 * nb, B += 5 * nb;                                     /* ics_dyn_record */
    if (sp) { /* node values by lane (4 n x b and lim back), sparse GEMM 2, orders on links */
        B += 2 * 5 * nb;
        F += 2.0 * a->nnz * nc, B += 1.5 * a->nnz + n * nc + a->L * nc;
        if (!alt && a->nq) B += a->L * b;
        F += lfin * 15 * b + (a->L - lfin) * 5 * b;
        B += lfin * (9 + useW) * b + (a->L - lfin) * (3 + useW) * b;
    } else {
    F += 2 * n * n * nc, B += n * n + n * nc + s * n * nc;        /* GEMM 2 */
    if (!alt && a->nq) B += s * nb;                               /* zero deviations of W0 written */
    F += fin * 15 * nb + (s - fin) * 5 * nb;                      /* orders, input bound (in
                                                                     deviations from baseline) */
    B += fin * (9 + useW) * nb + (s - fin) * (3 + useW) * nb;
    }
    for (int q = 0; q < a->nq; ++q) {                             /* trade restrictions */
        const ario_trade *r = &a->tr[q];
        const double ns = r->nsup, nu = r->nbuy, ng = r->ngrp;
        F += 2 * ns * nu * b + 2 * ns * b;                        /* last orders not carried */
        B += ng * 3 * nu * b + ns * nu + 4 * ns * b;
        F += 2 * nu * 2 * b * ns + 4 * ng * nu * b;               /* receipts and weights */
        B += 4 * ns * b + ns * nu + 2 * ns * b + 2 * ng * nu * b + 6 * ng * nu * b;
    }
    *flops = F;
    *bytes = 8.0 * B;
}

double ics__ario_flops_per_step(const ics_dyn *d, int b)
{
    double f, by;
    step_work(d, b, &f, &by);
    return f;
}

double ics__ario_bytes_per_step(const ics_dyn *d, int b)
{
    double f, by;
    step_work(d, b, &f, &by);
    return by;
}

/* ------------------------------------------------------------------------------------------ */
/* Operations for the dynamic plan (ics_dyn_ops; registered in registry.c)                     */

static void ario_destroy_plan(ics_dyn *d) { ics_ario_destroy(&d->ario); }

/* Demand shocks as dy_i per unit change. */
const ics_dyn_ops ics_ario_ops = {"ario", 0, ics_ario_create, ics_ario_ws_bytes, ics_ario_block,
                                  ario_destroy_plan};
