/* GRAS balancing of a matrix with entries of any sign to row and column targets (see ics_gras.h).
 * Column-major throughout: the row update accumulates over columns into m-vectors, the column
 * update runs down contiguous columns, so both sweeps read the prior once. */
#include "ics_gras.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct ics_gras {
    int m, n;
    double *r, *s;      /* [m], [n] current factors */
    double *pr, *nr;    /* [m] row sums of P diag(s) and N diag(s)^-1 */
};

ics_gras *ics_gras_create(int m, int n, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_gras *g = NULL;
    if (m < 1 || n < 1)
        ICS_FAIL(err, ICS_EINPUT, "GRAS: matrix is %d x %d: both dimensions must be at least 1", m,
                 n);
    ICS_ALLOC(g, 1, err, "GRAS workspace");
    g->m = m;
    g->n = n;
    ICS_ALLOC(g->r, m, err, "GRAS row factors");
    ICS_ALLOC(g->s, n, err, "GRAS column factors");
    ICS_ALLOC(g->pr, m, err, "GRAS row sums");
    ICS_ALLOC(g->nr, m, err, "GRAS row sums");
done:
    if (st != ICS_OK) ics_gras_destroy(&g);
    return g;
}

void ics_gras_destroy(ics_gras **g)
{
    if (!g || !*g) return;
    free((*g)->r);
    free((*g)->s);
    free((*g)->pr);
    free((*g)->nr);
    free(*g);
    *g = NULL;
}

/* Name of row/column k for messages, into buf. */
static const char *name_of(const char *const *labels, const char *kind, int k, char *buf,
                           size_t len)
{
    if (labels && labels[k]) snprintf(buf, len, "%s %d '%s'", kind, k, labels[k]);
    else snprintf(buf, len, "%s %d", kind, k);
    return buf;
}

/* The factor f >= 0 with f p - n / f = t (p = positive mass, n = negative mass, both >= 0).
 * Returns 0 on success; 1 when p = n = 0 and t != 0; 2 when the sign pattern cannot reach t
 * (only positive mass and t < 0, or only negative mass and t >= 0); 3 when f is not finite.
 * `zero` is the magnitude below which a target counts as 0 for an empty line. The two roots of
 * the quadratic p f^2 - t f - n = 0 are written so that neither subtracts nearly equal numbers. */
static int gras_factor(double p, double n, double t, double zero, double *f)
{
    if (p == 0.0 && n == 0.0) {
        *f = 1.0;
        return fabs(t) <= zero ? 0 : 1;
    }
    if (n == 0.0) {
        if (t < 0.0) return 2;
        *f = t / p;
    } else if (p == 0.0) {
        if (t >= 0.0) return 2;
        *f = n / -t;
    } else {
        const double d = sqrt(t * t + 4.0 * p * n);
        *f = t >= 0.0 ? (t + d) / (2.0 * p) : (2.0 * n) / (d - t);
    }
    return isfinite(*f) ? 0 : 3;
}

/* The error record for a failed factor of line k (row or column). */
static ics_status factor_error(int code, int dynamic, const char *what, double t, double p,
                               double n, ics_error *err)
{
    if (code == 1 && !dynamic)
        return ics_error_set(err, ICS_EINPUT,
                             "GRAS: %s: all prior entries are zero but its target is %.17g "
                             "(a zero line can only have target 0)",
                             what, t);
    if (code == 2 && !dynamic) {
        if (n == 0.0)
            return ics_error_set(err, ICS_EINPUT,
                                 "GRAS: %s: infeasible: its prior entries are all >= 0 (sum "
                                 "%.17g) but its target is negative (%.17g)",
                                 what, p, t);
        return ics_error_set(err, ICS_EINPUT,
                             "GRAS: %s: infeasible: its prior entries are all <= 0 (sum %.17g) "
                             "but its target is %.17g (must be negative)",
                             what, -n, t);
    }
    return ics_error_set(err, ICS_EINPUT,
                         "GRAS: %s: infeasible: target %.17g cannot be reached because the "
                         "entries that could carry it are forced to zero by other targets "
                         "(remaining positive mass %.17g, negative mass %.17g)",
                         what, t, p, n);
}

ics_status ics_gras_solve(ics_gras *g, const double *A0, int lda, const double *u,
                          const double *v, const ics_gras_opts *opts, double *X, int ldx,
                          double *r_out, double *s_out, ics_gras_report *rep, ics_error *err)
{
    ics_status st = ICS_OK;
    char nb[256];
    const ics_gras_opts def = ICS_GRAS_DEFAULTS;
    if (!opts) opts = &def;
    ics_gras_report rp = {0, INFINITY, -1, 0};
    if (!g || !A0 || !u || !v || !X)
        ICS_FAIL(err, ICS_EINTERNAL, "ics_gras_solve: NULL argument");
    const int m = g->m, n = g->n;
    if (lda < m || ldx < m)
        ICS_FAIL(err, ICS_EINTERNAL, "ics_gras_solve: leading dimension %d/%d < m = %d", lda, ldx,
                 m);
    if (!(opts->tol > 0.0) || !isfinite(opts->tol))
        ICS_FAIL(err, ICS_EINPUT, "GRAS: tolerance %g must be a positive number", opts->tol);
    if (opts->max_iter < 1)
        ICS_FAIL(err, ICS_EINPUT, "GRAS: max_iter %d must be at least 1", opts->max_iter);
    double *r = g->r, *s = g->s, *pr = g->pr, *nr = g->nr;
    const char *const *rl = opts->row_labels, *const *cl = opts->col_labels;
#define A(i, j) A0[(size_t)(i) + (size_t)(j) * (size_t)lda]

    /* targets and prior: finite; margin totals consistent */
    double su = 0.0, sv = 0.0, au = 0.0, av = 0.0, umax = 0.0, vmax = 0.0;
    for (int i = 0; i < m; ++i) {
        if (!isfinite(u[i]))
            ICS_FAIL(err, ICS_EINPUT, "GRAS: %s: target %g is not a finite number",
                     name_of(rl, "row", i, nb, sizeof nb), u[i]);
        su += u[i];
        au += fabs(u[i]);
        if (fabs(u[i]) > umax) umax = fabs(u[i]);
    }
    for (int j = 0; j < n; ++j) {
        if (!isfinite(v[j]))
            ICS_FAIL(err, ICS_EINPUT, "GRAS: %s: target %g is not a finite number",
                     name_of(cl, "column", j, nb, sizeof nb), v[j]);
        sv += v[j];
        av += fabs(v[j]);
        if (fabs(v[j]) > vmax) vmax = fabs(v[j]);
    }
    const double tscale = umax > vmax ? umax : vmax;
    const double zero = opts->tol * tscale; /* |target| below this counts as 0 for empty lines */
    const double tot = au > av ? au : av;
    if (fabs(su - sv) > opts->tol * tot)
        ICS_FAIL(err, ICS_EINPUT,
                 "GRAS: the row targets sum to %.17g and the column targets to %.17g: they must "
                 "be equal (relative difference %.3g > tolerance %.3g)",
                 su, sv, fabs(su - sv) / (tot > 0 ? tot : 1.0), opts->tol);

    /* prior row masses (into pr/nr) and column masses, with the static sign checks */
    for (int i = 0; i < m; ++i) pr[i] = nr[i] = 0.0;
    for (int j = 0; j < n; ++j) {
        double pc = 0.0, nc = 0.0;
        for (int i = 0; i < m; ++i) {
            const double a = A(i, j);
            if (!isfinite(a))
                ICS_FAIL(err, ICS_EINPUT, "GRAS: prior entry (%d, %d) is %g: must be finite", i,
                         j, a);
            if (a > 0) {
                pc += a;
                pr[i] += a;
            } else if (a < 0) {
                nc -= a;
                nr[i] -= a;
            }
        }
        double f;
        const int code = gras_factor(pc, nc, v[j], zero, &f);
        if (code == 1 || code == 2)
            ICS_TRY(factor_error(code, 0, name_of(cl, "column", j, nb, sizeof nb), v[j], pc, nc,
                                 err));
    }
    for (int i = 0; i < m; ++i) {
        double f;
        const int code = gras_factor(pr[i], nr[i], u[i], zero, &f);
        if (code == 1 || code == 2)
            ICS_TRY(factor_error(code, 0, name_of(rl, "row", i, nb, sizeof nb), u[i], pr[i],
                                 nr[i], err));
    }

    /* iterate: pr/nr hold the row masses for the current s (s = 1 to start) */
    for (int j = 0; j < n; ++j) s[j] = 1.0;
    int converged = 0, it = 0;
    for (;;) {
        if (it > 0) {
            /* columns are exact after the column update; test the rows */
            double worst = 0.0;
            int wi = 0;
            for (int i = 0; i < m; ++i) {
                const double sum = r[i] * pr[i] - (nr[i] != 0.0 ? nr[i] / r[i] : 0.0);
                const double sc = fabs(u[i]) > 0 ? fabs(u[i]) : (tscale > 0 ? tscale : 1.0);
                const double e = fabs(sum - u[i]) / sc;
                if (!(e <= worst)) {
                    worst = e;
                    wi = i;
                }
            }
            rp.max_rel_error = worst;
            rp.worst_index = wi;
            rp.worst_is_column = 0;
            if (worst <= opts->tol) {
                converged = 1;
                break;
            }
            if (it >= opts->max_iter) break;
        }
        for (int i = 0; i < m; ++i) {
            const int code = gras_factor(pr[i], nr[i], u[i], zero, &r[i]);
            if (code)
                ICS_TRY(factor_error(code, 1, name_of(rl, "row", i, nb, sizeof nb), u[i], pr[i],
                                     nr[i], err));
        }
        for (int j = 0; j < n; ++j) {
            double pc = 0.0, nc = 0.0;
            for (int i = 0; i < m; ++i) {
                const double a = A(i, j);
                if (a > 0) pc += a * r[i];
                else if (a < 0) nc -= a / r[i];
            }
            const int code = gras_factor(pc, nc, v[j], zero, &s[j]);
            if (code)
                ICS_TRY(factor_error(code, 1, name_of(cl, "column", j, nb, sizeof nb), v[j], pc,
                                     nc, err));
        }
        ++it;
        for (int i = 0; i < m; ++i) pr[i] = nr[i] = 0.0;
        for (int j = 0; j < n; ++j) {
            const double sj = s[j];
            for (int i = 0; i < m; ++i) {
                const double a = A(i, j);
                if (a > 0) pr[i] += a * sj;
                else if (a < 0) nr[i] -= a / sj;
            }
        }
    }
    rp.iterations = it;

    /* the result, and its margins measured on X itself */
    for (int i = 0; i < m; ++i) pr[i] = 0.0;
    double worst = 0.0;
    for (int j = 0; j < n; ++j) {
        double cs = 0.0;
        for (int i = 0; i < m; ++i) {
            const double a = A(i, j);
            double x = 0.0;
            if (a > 0) x = r[i] * a * s[j];
            else if (a < 0) x = a / (r[i] * s[j]);
            X[(size_t)i + (size_t)j * (size_t)ldx] = x;
            cs += x;
            pr[i] += x;
        }
        const double sc = fabs(v[j]) > 0 ? fabs(v[j]) : (tscale > 0 ? tscale : 1.0);
        const double e = fabs(cs - v[j]) / sc;
        if (!(e <= worst)) {
            worst = e;
            rp.worst_index = j;
            rp.worst_is_column = 1;
        }
    }
    for (int i = 0; i < m; ++i) {
        const double sc = fabs(u[i]) > 0 ? fabs(u[i]) : (tscale > 0 ? tscale : 1.0);
        const double e = fabs(pr[i] - u[i]) / sc;
        if (!(e <= worst)) {
            worst = e;
            rp.worst_index = i;
            rp.worst_is_column = 0;
        }
    }
    rp.max_rel_error = worst;
    if (r_out)
        for (int i = 0; i < m; ++i) r_out[i] = r[i];
    if (s_out)
        for (int j = 0; j < n; ++j) s_out[j] = s[j];
    if (!converged) {
        const int k = rp.worst_index;
        if (rp.worst_is_column)
            name_of(cl, "column", k, nb, sizeof nb);
        else
            name_of(rl, "row", k, nb, sizeof nb);
        ICS_FAIL(err, ICS_EINPUT,
                 "GRAS: no convergence in %d iterations: max relative margin error %.3g at %s "
                 "(target %.17g); the targets may be infeasible for the prior's pattern of "
                 "zeros and signs, or more iterations are needed",
                 it, worst, nb, rp.worst_is_column ? v[k] : u[k]);
    }
#undef A
done:
    if (rep) *rep = rp;
    return st;
}
