/* Checks a table must pass before a model is built from it: consistent labels, finite numbers,
 * non-negative flows, both accounting balances, isolated zero-output nodes and the
 * Hawkins-Simon condition (column sums and spectral radius of A below 1). */
#include "ics_table.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Guard for relative errors at x = 0 (where the isolation check makes the numerator 0). */
#define VALIDATE_TINY 1e-300

/* Power iteration of the spectral-radius bounds: stop when the bracket is this narrow
 * (relative to its upper end), or after this many steps or this much work (one step reads Z
 * once: n^2 multiply-adds; 2.5e9 is about 20 steps at n = 11,000, a second here). */
#define SPECTRAL_RTOL 1e-3
#define SPECTRAL_MAX_STEPS 200
#define SPECTRAL_MAX_WORK 2.5e9

void ics_table_spectral_bounds(const ics_table *t, double *lower, double *upper, int *steps)
{
    const int n = t->n;
    const size_t nz = (size_t)n;
    double lo = 0.0, hi = 0.0;
    int k = 0, maxk = SPECTRAL_MAX_STEPS;
    double *v = malloc(nz * sizeof *v), *w = malloc(nz * sizeof *w);
    if ((double)n * n * maxk > SPECTRAL_MAX_WORK) maxk = (int)(SPECTRAL_MAX_WORK / ((double)n * n));
    if (maxk < 5) maxk = 5;
    if (!v || !w) goto done;
    for (int i = 0; i < n; ++i) v[i] = 1.0;
    hi = HUGE_VAL;
    /* Collatz-Wielandt on A^T (same spectrum): for v > 0, min_j (A^T v)_j / v_j <= rho(A) <=
     * max_j (A^T v)_j / v_j; (A^T v)_j = Z(:, j) . v / x_j reads Z by columns. Isolated nodes
     * (x = 0) are left out: their rows and columns of A are zero. */
    for (k = 1; k <= maxk; ++k) {
        double kl = HUGE_VAL, kh = 0.0, wmax = 0.0;
#pragma omp parallel for schedule(static) reduction(min : kl) reduction(max : kh, wmax)
        for (int j = 0; j < n; ++j) {
            if (!(t->x[j] > 0.0)) {
                w[j] = 0.0;
                continue;
            }
            const double *zc = t->Z + (size_t)j * nz;
            double s = 0.0;
            for (int i = 0; i < n; ++i) s += zc[i] * v[i];
            w[j] = s / t->x[j];
            const double r = w[j] / v[j];
            kl = r < kl ? r : kl;
            kh = r > kh ? r : kh;
            wmax = w[j] > wmax ? w[j] : wmax;
        }
        if (kl == HUGE_VAL) kl = 0.0; /* only isolated nodes */
        if (kl > lo) lo = kl;
        if (kh < hi) hi = kh;
        if (hi - lo <= SPECTRAL_RTOL * hi || wmax == 0.0) break;
        /* the next vector, kept positive so that both bounds stay valid */
        for (int j = 0; j < n; ++j) v[j] = w[j] / wmax + 1e-12;
    }
    if (k > maxk) k = maxk;
done:
    if (hi == HUGE_VAL) hi = 0.0;
    *lower = lo, *upper = hi, *steps = k;
    free(v), free(w);
}

ics_status ics_table_spectral_radius(int n, const double *A, int lda, double *radius,
                                     ics_error *err)
{
    ics_status st = ICS_OK;
    double *B = NULL, *wr = NULL, *wi = NULL;
    if (radius) *radius = -1.0;
    if (n <= 0 || lda < n || !A || !radius)
        ICS_FAIL(err, ICS_EINTERNAL, "ics_table_spectral_radius: bad arguments (n=%d, lda=%d)", n,
                 lda);
    ICS_ALLOC(B, (size_t)n * (size_t)n, err, "a copy of A for dgeev");
    ICS_ALLOC(wr, n, err, "eigenvalues");
    ICS_ALLOC(wi, n, err, "eigenvalues");
    for (size_t j = 0; j < (size_t)n; ++j)
        memcpy(B + j * (size_t)n, A + j * (size_t)lda, (size_t)n * sizeof *B);
    lapack_int info =
        LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', n, B, n, wr, wi, NULL, 1, NULL, 1);
    if (info != 0)
        ICS_FAIL(err, ICS_ENUMERIC,
                 "LAPACK dgeev failed computing the eigenvalues of a %d x %d matrix (info = %d)", n,
                 n, (int)info);
    double r = 0.0;
    for (int i = 0; i < n; ++i) {
        double m = hypot(wr[i], wi[i]);
        if (m > r) r = m;
    }
    *radius = r;
done:
    free(B);
    free(wr);
    free(wi);
    return st;
}

typedef struct node_key {
    int r, s, i;
} node_key;

static int cmp_node_key(const void *pa, const void *pb)
{
    const node_key *a = pa, *b = pb;
    if (a->r != b->r) return a->r < b->r ? -1 : 1;
    if (a->s != b->s) return a->s < b->s ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static ics_status check_labels(const ics_table *t, const char *src, ics_error *err)
{
    ics_status st = ICS_OK;
    node_key *keys = NULL;
    char la[512];
    const int n = t->n;
    for (int r = 0; r < t->nreg; ++r) {
        if (!t->regions[r] || !t->regions[r][0])
            ICS_FAIL(err, ICS_EINPUT, "%s: region %d has an empty label", src, r);
        for (int q = 0; q < r; ++q)
            if (strcmp(t->regions[q], t->regions[r]) == 0)
                ICS_FAIL(err, ICS_EINPUT, "%s: region label '%s' appears twice (regions %d and %d)",
                         src, t->regions[r], q, r);
    }
    for (int s = 0; s < t->nseg; ++s) {
        if (!t->segments[s] || !t->segments[s][0])
            ICS_FAIL(err, ICS_EINPUT, "%s: segment %d has an empty label", src, s);
        for (int q = 0; q < s; ++q)
            if (strcmp(t->segments[q], t->segments[s]) == 0)
                ICS_FAIL(err, ICS_EINPUT,
                         "%s: segment label '%s' appears twice (segments %d and %d)", src,
                         t->segments[s], q, s);
    }
    for (int k = 0; k < t->ny; ++k)
        if (!t->y_region[k] || !t->y_category[k])
            ICS_FAIL(err, ICS_EINPUT, "%s: final-demand column %d has no label", src, k);
    for (int i = 0; i < n; ++i) {
        if (t->node_region[i] < 0 || t->node_region[i] >= t->nreg)
            ICS_FAIL(err, ICS_EINPUT, "%s: node %d has region index %d, outside 0..%d", src,
                     i + 1, t->node_region[i], t->nreg - 1);
        if (t->node_segment[i] < 0 || t->node_segment[i] >= t->nseg)
            ICS_FAIL(err, ICS_EINPUT, "%s: node %d has segment index %d, outside 0..%d", src,
                     i + 1, t->node_segment[i], t->nseg - 1);
    }
    /* duplicate (region, segment) pairs: sort, then compare neighbours */
    ICS_ALLOC(keys, n, err, "node keys");
    for (int i = 0; i < n; ++i) keys[i] = (node_key){t->node_region[i], t->node_segment[i], i};
    qsort(keys, (size_t)n, sizeof *keys, cmp_node_key);
    for (int k = 1; k < n; ++k)
        if (keys[k].r == keys[k - 1].r && keys[k].s == keys[k - 1].s)
            ICS_FAIL(err, ICS_EINPUT,
                     "%s: duplicate node %s (nodes %d and %d): each region/segment pair may "
                     "appear once",
                     src, ics_table_node_label(t, keys[k].i, la, sizeof la), keys[k - 1].i + 1,
                     keys[k].i + 1);
done:
    free(keys);
    return st;
}

static ics_status check_finite(const ics_table *t, const char *src, ics_error *err)
{
    ics_status st = ICS_OK;
    char la[512], lb[512];
    const size_t n = (size_t)t->n;
    for (size_t j = 0; j < n; ++j)
        for (size_t i = 0; i < n; ++i) {
            double v = t->Z[i + j * n];
            if (!isfinite(v))
                ICS_FAIL(err, ICS_EINPUT, "%s: Z[%s -> %s] = %g is not a finite number", src,
                         ics_table_node_label(t, (int)i, la, sizeof la),
                         ics_table_node_label(t, (int)j, lb, sizeof lb), v);
        }
    for (size_t k = 0; k < (size_t)t->ny; ++k)
        for (size_t i = 0; i < n; ++i) {
            double v = t->Y[i + k * n];
            if (!isfinite(v))
                ICS_FAIL(err, ICS_EINPUT, "%s: Y[%s, %s/%s] = %g is not a finite number", src,
                         ics_table_node_label(t, (int)i, la, sizeof la), t->y_region[k],
                         t->y_category[k], v);
        }
    for (size_t i = 0; i < n; ++i) {
        if (!isfinite(t->x[i]))
            ICS_FAIL(err, ICS_EINPUT, "%s: x[%s] = %g is not a finite number", src,
                     ics_table_node_label(t, (int)i, la, sizeof la), t->x[i]);
        if (!isfinite(t->va[i]))
            ICS_FAIL(err, ICS_EINPUT, "%s: va[%s] = %g is not a finite number", src,
                     ics_table_node_label(t, (int)i, la, sizeof la), t->va[i]);
    }
done:
    return st;
}

/* A node without output must neither buy nor sell nor face final demand nor create value. */
static ics_status check_zero_output(const ics_table *t, const char *src, int *count,
                                    ics_error *err)
{
    ics_status st = ICS_OK;
    char la[512], lb[512];
    const size_t n = (size_t)t->n;
    *count = 0;
    for (size_t i = 0; i < n; ++i) {
        if (t->x[i] != 0.0) continue;
        ++*count;
        ics_table_node_label(t, (int)i, la, sizeof la);
        for (size_t j = 0; j < n; ++j) {
            if (t->Z[i + j * n] != 0.0)
                ICS_FAIL(err, ICS_EINPUT,
                         "%s: node %s has x = 0 but sells Z[%s -> %s] = %g (a node without output "
                         "must have no flows)",
                         src, la, la, ics_table_node_label(t, (int)j, lb, sizeof lb),
                         t->Z[i + j * n]);
            if (t->Z[j + i * n] != 0.0)
                ICS_FAIL(err, ICS_EINPUT,
                         "%s: node %s has x = 0 but buys Z[%s -> %s] = %g (a node without output "
                         "must have no flows)",
                         src, la, ics_table_node_label(t, (int)j, lb, sizeof lb), la,
                         t->Z[j + i * n]);
        }
        for (size_t k = 0; k < (size_t)t->ny; ++k)
            if (t->Y[i + k * n] != 0.0)
                ICS_FAIL(err, ICS_EINPUT,
                         "%s: node %s has x = 0 but final demand Y[%s, %s/%s] = %g", src, la, la,
                         t->y_region[k], t->y_category[k], t->Y[i + k * n]);
        if (t->va[i] != 0.0)
            ICS_FAIL(err, ICS_EINPUT, "%s: node %s has x = 0 but value added va = %g", src, la,
                     t->va[i]);
    }
done:
    return st;
}

ics_status ics_table_density(const ics_table *t, int64_t *nnz, int64_t *links, ics_error *err)
{
    ics_status st = ICS_OK;
    const size_t n = (size_t)t->n;
    unsigned char *seen = NULL; /* the segments already counted for client j */
    *nnz = *links = 0;
    ICS_ALLOC(seen, t->nseg > 0 ? t->nseg : 1, err, "the table's density");
    for (size_t j = 0; j < n; ++j) {
        memset(seen, 0, (size_t)t->nseg);
        for (size_t i = 0; i < n; ++i)
            if (t->Z[i + j * n] != 0.0) {
                const int p = t->node_segment[i];
                ++*nnz;
                *links += !seen[p];
                seen[p] = 1;
            }
    }
done:
    free(seen);
    return st;
}

ics_status ics_table_validate(const ics_table *t, const ics_validate_opts *opts,
                              ics_validate_report *rep, ics_error *err)
{
    ics_status st = ICS_OK;
    const ics_validate_opts defaults = ICS_VALIDATE_DEFAULTS;
    ics_validate_report local;
    double *rowsum = NULL, *zcol = NULL;
    char la[512], lb[512];
    if (!rep) rep = &local;
    *rep = (ics_validate_report){.worst_row_node = -1, .worst_col_node = -1,
                                 .max_colsum_node = -1, .spectral_radius = -1.0};
    if (!opts) opts = &defaults;
    if (!t) ICS_FAIL(err, ICS_EINTERNAL, "ics_table_validate: no table");
    const char *src = t->source ? t->source : "table";
    const double rtol = opts->balance_rtol;
    if (!(rtol >= 0.0) || isinf(rtol))
        ICS_FAIL(err, ICS_EINPUT, "%s: balance tolerance %g must be a finite number >= 0", src,
                 rtol);

    /* dimensions and labels */
    if (t->n <= 0) ICS_FAIL(err, ICS_EINPUT, "%s: the table has no nodes", src);
    if (t->nreg <= 0 || t->nseg <= 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: the table has %d regions and %d segments (need at least 1)",
                 src, t->nreg, t->nseg);
    if (t->ny < 0) ICS_FAIL(err, ICS_EINPUT, "%s: negative number of final-demand columns", src);
    if (!t->regions || !t->segments || !t->node_region || !t->node_segment || !t->Z || !t->x ||
        !t->va || (t->ny > 0 && (!t->Y || !t->y_region || !t->y_category)))
        ICS_FAIL(err, ICS_EINTERNAL, "%s: table arrays are missing", src);
    ICS_TRY(check_labels(t, src, err));

    /* numbers */
    ICS_TRY(check_finite(t, src, err));
    const int n = t->n;
    const size_t nz = (size_t)n;
    for (size_t j = 0; j < nz; ++j)
        for (size_t i = 0; i < nz; ++i)
            if (t->Z[i + j * nz] < 0.0)
                ICS_FAIL(err, ICS_EINPUT,
                         "%s: Z[%s -> %s] = %g: intermediate flows must be >= 0", src,
                         ics_table_node_label(t, (int)i, la, sizeof la),
                         ics_table_node_label(t, (int)j, lb, sizeof lb), t->Z[i + j * nz]);
    for (int i = 0; i < n; ++i)
        if (t->x[i] < 0.0)
            ICS_FAIL(err, ICS_EINPUT, "%s: x[%s] = %g: gross output must be >= 0", src,
                     ics_table_node_label(t, i, la, sizeof la), t->x[i]);
    ICS_TRY(check_zero_output(t, src, &rep->zero_output_nodes, err));

    /* balances: x = Z1 + Y1 (rows) and x = 1'Z + va (columns) */
    ICS_ALLOC(rowsum, n, err, "row sums");
    ICS_ALLOC(zcol, n, err, "column sums");
    for (size_t j = 0; j < nz; ++j) {
        const double *col = t->Z + j * nz;
        double s = 0.0;
        for (size_t i = 0; i < nz; ++i) {
            rowsum[i] += col[i];
            s += col[i];
        }
        zcol[j] = s;
    }
    for (size_t k = 0; k < (size_t)t->ny; ++k) {
        const double *col = t->Y + k * nz;
        for (size_t i = 0; i < nz; ++i) rowsum[i] += col[i];
    }
    for (int i = 0; i < n; ++i) {
        const double scale = fmax(fabs(t->x[i]), VALIDATE_TINY);
        const double er = fabs(t->x[i] - rowsum[i]) / scale;
        const double ec = fabs(t->x[i] - (zcol[i] + t->va[i])) / scale;
        if (rep->worst_row_node < 0 || er > rep->worst_row_balance) {
            rep->worst_row_balance = er;
            rep->worst_row_node = i;
        }
        if (rep->worst_col_node < 0 || ec > rep->worst_col_balance) {
            rep->worst_col_balance = ec;
            rep->worst_col_node = i;
        }
    }
    if (rep->worst_row_balance > rtol) {
        const int i = rep->worst_row_node;
        ICS_FAIL(err, ICS_EINPUT,
                 "%s: row balance fails at node %s: x = %.10g but Z row sum + Y row sum = %.10g "
                 "(relative error %.3g > tolerance %g)",
                 src, ics_table_node_label(t, i, la, sizeof la), t->x[i], rowsum[i],
                 rep->worst_row_balance, rtol);
    }
    if (rep->worst_col_balance > rtol) {
        const int j = rep->worst_col_node;
        ICS_FAIL(err, ICS_EINPUT,
                 "%s: column balance fails at node %s: x = %.10g but Z column sum + va = %.10g "
                 "(relative error %.3g > tolerance %g)",
                 src, ics_table_node_label(t, j, la, sizeof la), t->x[j], zcol[j] + t->va[j],
                 rep->worst_col_balance, rtol);
    }

    /* A = Z diag(x)^-1, with 0 columns where x = 0 */
    for (int j = 0; j < n; ++j) {
        const double s = t->x[j] > 0.0 ? zcol[j] / t->x[j] : 0.0;
        if (rep->max_colsum_node < 0 || s > rep->max_colsum_A) {
            rep->max_colsum_A = s;
            rep->max_colsum_node = j;
        }
    }
    if (rep->max_colsum_A >= 1.0) {
        const int j = rep->max_colsum_node;
        ICS_FAIL(err, ICS_EINPUT,
                 "%s: column sum of A at node %s is %.6g >= 1: its intermediate inputs (%g) are "
                 "not below its output (%g), so I - A has no non-negative inverse",
                 src, ics_table_node_label(t, j, la, sizeof la), rep->max_colsum_A, zcol[j],
                 t->x[j]);
    }
    /* rho(A) <= max column sum < 1 already; the power iteration reports how far below 1 */
    ics_table_spectral_bounds(t, &rep->spectral_lower, &rep->spectral_radius,
                              &rep->spectral_steps);
done:
    free(rowsum);
    free(zcol);
    return st;
}
