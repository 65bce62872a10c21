/* Linkages and hypothetical extraction (core/analysis/linkages.c) against hand-checked small examples,
 * each reduced system solved in the test by explicit 1x1 / 2x2 formulas (Cramer's rule), plus
 * properties: closed forms equal the explicit LU solves on the built-in table, the ensemble's
 * loss is linear in a constant severity (DIIM without clipping), the summaries follow the
 * definitions of ics_finalstats.h, and the config section's errors name file and line.
 *
 * Example 1: Miller & Blair (2009) §2.3, Z = [[150,500],[200,100]], x = [1000,2000], so
 * A = [[.15,.25],[.2,.05]], y = [350,1700], v = [650,1400], det(I - A) = .7575,
 * L = (1/.7575)[[.95,.25],[.2,.85]], B = [[.15,.5],[.1,.05]], G = (1/.7575)[[.95,.5],[.1,.85]].
 *   Column sums of L: 1.15/.7575, 1.10/.7575, total 2.25/.7575 -> BL = [2.3/2.25, 2.2/2.25]
 *   = [1.0222, 0.9778]. Row sums of G: 1.45, .95 (/.7575), total 2.4 -> FL = [2.9/2.4, 1.9/2.4]
 *   = [1.2083, 0.7917]; row sums of L: 1.2, 1.05 -> FL_L = [2.4/2.25, 2.1/2.25]. Node 1 is key
 *   (both > 1), node 2 weak.
 *   Total extraction of node 1: x2_bar = y2 / (1 - a22) = 1700/.95 = 1789.474, loss
 *   3000 - 1789.474 = 1210.526 (= c1 x1 / L11 = 1150/.95).
 *   Backward (a_.1 = 0): x2 = 1789.474, x1 = 350 + .25 x2 = 797.368, loss 413.158.
 *   Forward (a_1. = 0): x1 = y1 = 350, x2 = (1700 + .2*350)/.95 = 1863.158, loss 786.842.
 *   Forward, Ghosh (b_1. = 0): x2_bar = v2/.95 = 1473.684, x1_bar = 650 + .1 x2_bar = 797.368,
 *   loss 728.947.
 * Example 2 (3 nodes): Z = [[20,30,10],[40,10,50],[10,20,30]], x = [100,200,150], so
 * y = [40,100,90], v = [30,140,60], A = [[.2,.15,1/15],[.4,.05,1/3],[.1,.1,.2]].
 *   Total extraction of node 1: I - A_(23,23) = [[.95,-1/3],[-.1,.8]], det = .76 - 1/30 =
 *   .726667; x2_bar = (.8*100 + 90/3)/.726667 = 151.376, x3_bar = (.95*90 + .1*100)/.726667 =
 *   131.422; loss 450 - 282.798 = 167.202.
 *   Partial extractions split the same way: with a_.j = 0 the other nodes solve the 2x2 system
 *   (I - A_-j,-j) x_-j = y_-j and then x_j = y_j + a_j,-j x_-j; with a_j. = 0, x_j = y_j and
 *   (I - A_-j,-j) x_-j = y_-j + a_-j,j y_j. L itself from the adjugate: det(I - A) = .519333. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_linkages.h"
#include "ics_model.h"
#include "ics_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOL 1e-12

/* A table of n nodes in one region from row-major Z and x; y and v balance it. */
static ics_table *make_table(int n, const double *Zrow, const double *x)
{
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = ics_table_create(1, n, n, 1, &err);
    assert_non_null(t);
    t->regions[0] = ics_strdup("R", &err);
    t->y_region[0] = ics_strdup("R", &err);
    t->y_category[0] = ics_strdup("final", &err);
    t->source = ics_strdup("test", &err);
    for (int i = 0; i < n; ++i) {
        char name[16];
        snprintf(name, sizeof name, "s%d", i + 1);
        t->segments[i] = ics_strdup(name, &err);
        t->node_region[i] = 0;
        t->node_segment[i] = i;
        t->x[i] = x[i];
    }
    for (int i = 0; i < n; ++i) {
        double rs = 0.0, cs = 0.0;
        for (int j = 0; j < n; ++j) {
            t->Z[i + (size_t)j * n] = Zrow[i * n + j];
            rs += Zrow[i * n + j];
            cs += Zrow[j * n + i];
        }
        t->Y[i] = x[i] - rs;
        t->va[i] = x[i] - cs;
    }
    return t;
}

/* Solve the m x m (m = 1 or 2) system M z = r, M row-major, by the explicit formulas. */
static void solve_small(int m, const double *M, const double *r, double *z)
{
    if (m == 1) {
        z[0] = r[0] / M[0];
        return;
    }
    const double det = M[0] * M[3] - M[1] * M[2];
    z[0] = (r[0] * M[3] - M[1] * r[1]) / det;
    z[1] = (M[0] * r[1] - r[0] * M[2]) / det;
}

/* The four extraction losses of node j for an n <= 3 system (A row-major a[i][k], y, v, x), by
 * the block structure described at the top and explicit small solves. */
static void extraction_by_hand(int n, const double *a, const double *x, const double *y,
                               const double *v, int j, double out[4])
{
    double M[4], r[2], z[2], sumx = 0.0;
    int idx[2], m = 0;
    for (int i = 0; i < n; ++i) sumx += x[i];
    for (int i = 0; i < n; ++i)
        if (i != j) idx[m++] = i;
    for (int p = 0; p < m; ++p)
        for (int q = 0; q < m; ++q) M[p * m + q] = (p == q) - a[idx[p] * n + idx[q]];
    /* total: the reduced system with y_-j */
    for (int p = 0; p < m; ++p) r[p] = y[idx[p]];
    solve_small(m, M, r, z);
    out[0] = sumx - (m > 0 ? z[0] : 0) - (m > 1 ? z[1] : 0);
    /* backward: the same x_-j, then x_j = y_j + a_j,-j x_-j */
    double xj = y[j];
    for (int p = 0; p < m; ++p) xj += a[j * n + idx[p]] * z[p];
    out[1] = sumx - xj - (m > 0 ? z[0] : 0) - (m > 1 ? z[1] : 0);
    /* forward: x_j = y_j; (I - A_-j,-j) x_-j = y_-j + a_-j,j y_j */
    for (int p = 0; p < m; ++p) r[p] = y[idx[p]] + a[idx[p] * n + j] * y[j];
    solve_small(m, M, r, z);
    out[2] = sumx - y[j] - (m > 0 ? z[0] : 0) - (m > 1 ? z[1] : 0);
    /* forward, Ghosh: x' = v'(I - B_bar)^-1, row j of B zero, i.e. (I - B_bar)' x = v:
     * x_j = v_j + sum_k b_kj x_k over k != j, and for i != j: x_i - sum_{k != j} b_ki x_k = v_i */
    double b[9];
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k) b[i * n + k] = a[i * n + k] * x[k] / x[i];
    for (int p = 0; p < m; ++p)
        for (int q = 0; q < m; ++q) M[p * m + q] = (p == q) - b[idx[q] * n + idx[p]];
    for (int p = 0; p < m; ++p) r[p] = v[idx[p]];
    solve_small(m, M, r, z);
    xj = v[j];
    for (int p = 0; p < m; ++p) xj += b[idx[p] * n + j] * z[p];
    out[3] = sumx - xj - (m > 0 ? z[0] : 0) - (m > 1 ? z[1] : 0);
}

static void check_example(int n, const double *Z, const double *x, const double *Lhand,
                          const double *bl_want, const double *fl_want, const double *fll_want)
{
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = make_table(n, Z, x);
    ics_model *m = NULL;
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k) assert_true(fabs(m->L[i + k * n] - Lhand[i * n + k]) < TOL);
    double bl[3], fl[3], fll[3];
    assert_int_equal(ics_linkages(n, m->L, m->G, bl, fl, fll, &err), ICS_OK);
    for (int i = 0; i < n; ++i) {
        assert_true(fabs(bl[i] - bl_want[i]) < TOL);
        assert_true(fabs(fl[i] - fl_want[i]) < TOL);
        assert_true(fabs(fll[i] - fll_want[i]) < TOL);
    }
    double a[9], y[3], v[3], ext[4][3], sol[4][3];
    for (int i = 0; i < n; ++i) {
        y[i] = t->Y[i], v[i] = t->va[i];
        for (int k = 0; k < n; ++k) a[i * n + k] = Z[i * n + k] / x[k];
    }
    assert_int_equal(ics_extraction(n, m->L, m->x, m->y, ext[0], ext[1], ext[2], ext[3], &err),
                     ICS_OK);
    assert_int_equal(ics_extraction_solve(n, m->A, m->x, m->y, m->va, sol[0], sol[1], sol[2],
                                          sol[3], &err), ICS_OK);
    for (int j = 0; j < n; ++j) {
        double hand[4];
        extraction_by_hand(n, a, x, y, v, j, hand);
        for (int e = 0; e < 4; ++e) {
            /* 1e-12 relative to the total output (the losses are differences of sums of x) */
            double sx = 0;
            for (int i = 0; i < n; ++i) sx += x[i];
            if (fabs(ext[e][j] - hand[e]) > TOL * sx || fabs(sol[e][j] - hand[e]) > TOL * sx)
                fail_msg("node %d measure %d: closed form %.17g, solve %.17g, by hand %.17g", j, e,
                         ext[e][j], sol[e][j], hand[e]);
        }
    }
    ics_model_destroy(&m);
    ics_table_destroy(&t);
}

static void test_miller_blair(void **state)
{
    (void)state;
    const double Z[4] = {150, 500, 200, 100}, x[2] = {1000, 2000};
    const double L[4] = {.95 / .7575, .25 / .7575, .2 / .7575, .85 / .7575};
    const double bl[2] = {2.3 / 2.25, 2.2 / 2.25}, fl[2] = {2.9 / 2.4, 1.9 / 2.4};
    const double fll[2] = {2.4 / 2.25, 2.1 / 2.25};
    check_example(2, Z, x, L, bl, fl, fll);
    assert_int_equal(ics_key_classify(bl[0], fl[0]), ICS_KEY_KEY);
    assert_int_equal(ics_key_classify(bl[1], fl[1]), ICS_KEY_WEAK);
    /* the printed values of the worked example, to the digits printed */
    ics_error err;
    ics_error_clear(&err);
    double e[4][2];
    ics_table *t = make_table(2, Z, x);
    ics_model *m = NULL;
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    assert_int_equal(ics_extraction(2, m->L, m->x, m->y, e[0], e[1], e[2], e[3], &err), ICS_OK);
    assert_true(fabs(e[0][0] - 1150.0 / .95) < 1e-9);
    assert_true(fabs(e[1][0] - 392.5 / .95) < 1e-9);
    assert_true(fabs(e[2][0] - (3000.0 - 350.0 - 1770.0 / .95)) < 1e-9);
    assert_true(fabs(e[3][0] - (1450.0 - 757.5) / .95) < 1e-9);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
}

static void test_three_nodes(void **state)
{
    (void)state;
    const double Z[9] = {20, 30, 10, 40, 10, 50, 10, 20, 30}, x[3] = {100, 200, 150};
    const double a[9] = {.2, .15, 1.0 / 15, .4, .05, 1.0 / 3, .1, .1, .2};
    /* L = adj(I - A) / det(I - A), cofactors written out */
    double M[9], L[9];
    for (int i = 0; i < 9; ++i) M[i] = (i % 4 == 0) - a[i];
    const double det = M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) +
                       M[2] * (M[3] * M[7] - M[4] * M[6]);
    assert_true(fabs(det - 0.519333333333333) < 1e-12);
    L[0] = (M[4] * M[8] - M[5] * M[7]) / det, L[1] = (M[2] * M[7] - M[1] * M[8]) / det;
    L[2] = (M[1] * M[5] - M[2] * M[4]) / det, L[3] = (M[5] * M[6] - M[3] * M[8]) / det;
    L[4] = (M[0] * M[8] - M[2] * M[6]) / det, L[5] = (M[2] * M[3] - M[0] * M[5]) / det;
    L[6] = (M[3] * M[7] - M[4] * M[6]) / det, L[7] = (M[1] * M[6] - M[0] * M[7]) / det;
    L[8] = (M[0] * M[4] - M[1] * M[3]) / det;
    /* G = diag(x)^-1 L diag(x) */
    double sumL = 0, sumG = 0, c[3] = {0}, rl[3] = {0}, rg[3] = {0};
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) {
            const double g = L[i * 3 + k] * x[k] / x[i];
            sumL += L[i * 3 + k], sumG += g;
            c[k] += L[i * 3 + k], rl[i] += L[i * 3 + k], rg[i] += g;
        }
    double bl[3], fl[3], fll[3];
    for (int i = 0; i < 3; ++i)
        bl[i] = 3 * c[i] / sumL, fl[i] = 3 * rg[i] / sumG, fll[i] = 3 * rl[i] / sumL;
    check_example(3, Z, x, L, bl, fl, fll);
    /* the hand-worked total extraction of node 1 (top comment) */
    double hand[4];
    const double y[3] = {40, 100, 90}, v[3] = {30, 140, 60};
    extraction_by_hand(3, a, x, y, v, 0, hand);
    assert_true(fabs(hand[0] - (450.0 - 205.5 / (0.76 - 1.0 / 30))) < 1e-12);
    assert_true(fabs(hand[0] - 167.2018348623853) < 1e-9);
}

/* Closed forms (Sherman-Morrison-Woodbury) equal explicit LU solves on the built-in table. */
static void test_builtin_closed_vs_solve(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = NULL;
    ics_model *m = NULL;
    assert_int_equal(ics_table_builtin(&t, &err), ICS_OK);
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    const int n = t->n;
    double *e = calloc(8 * (size_t)n, sizeof *e), sx = 0;
    assert_non_null(e);
    assert_int_equal(ics_extraction(n, m->L, m->x, m->y, e, e + n, e + 2 * n, e + 3 * n, &err),
                     ICS_OK);
    assert_int_equal(ics_extraction_solve(n, m->A, m->x, m->y, m->va, e + 4 * n, e + 5 * n,
                                          e + 6 * n, e + 7 * n, &err), ICS_OK);
    for (int i = 0; i < n; ++i) sx += m->x[i];
    double worst = 0;
    for (int q = 0; q < 4 * n; ++q) {
        const double d = fabs(e[q] - e[q + 4 * n]) / sx;
        if (d > worst) worst = d;
        assert_true(e[q] > -1e-9 * sx); /* extraction never raises output */
    }
    /* the table balances to 1e-6 (balance_tolerance), so x = L y only that far */
    if (worst > 1e-7) fail_msg("closed form vs solve: %g of total output", worst);
    double bl[200], fl[200];
    assert_true(n <= 200);
    assert_int_equal(ics_linkages(n, m->L, m->G, bl, fl, NULL, &err), ICS_OK);
    double sb = 0, sf = 0;
    for (int i = 0; i < n; ++i) sb += bl[i], sf += fl[i];
    assert_true(fabs(sb / n - 1) < 1e-12 && fabs(sf / n - 1) < 1e-12); /* normalised: mean 1 */
    free(e);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
}

static void test_summary_rank(void **state)
{
    (void)state;
    double v[20], s[20];
    for (int i = 0; i < 20; ++i) v[i] = 20 - i; /* 20, 19, ..., 1 */
    ics_loss_summary o;
    ics_loss_summarize(v, 20, 0.95, s, &o);
    assert_true(fabs(o.mean - 10.5) < TOL);
    assert_true(fabs(o.q05 - (1 + 0.95)) < TOL);       /* h = 19 * .05 = .95 */
    assert_true(fabs(o.q95 - (1 + 18.05)) < TOL);      /* h = 18.05 */
    assert_true(fabs(o.cvar - 20.0) < TOL);            /* N a = 19: the top value alone */
    ics_loss_summarize(v, 20, 0.9, s, &o);
    assert_true(fabs(o.cvar - 19.5) < TOL);            /* mean of the top two */
    ics_loss_summarize(v, 20, 0.93, s, &o);            /* N a = 18.6, j = 19: (20 + .4*19)/1.4 */
    assert_true(fabs(o.cvar - (20 + 0.4 * 19) / 1.4) < 1e-12);
    assert_true(fabs(o.se - o.sd / sqrt(20.0)) < TOL);
    const double w[5] = {3, NAN, 5, 3, 1};
    const unsigned char sel[5] = {1, 1, 1, 1, 0};
    int r[5];
    ics_rank_desc(5, w, sel, r);
    assert_int_equal(r[2], 1);
    assert_int_equal(r[0], 2); /* tie with node 3: the lower index first */
    assert_int_equal(r[3], 3);
    assert_int_equal(r[1], 0);
    assert_int_equal(r[4], 0);
}

static char tmp_paths[16][256];
static int ntmp;

static const char *write_tmp(const char *name, const char *text)
{
    assert_true(ntmp < 16);
    char *path = tmp_paths[ntmp++];
    snprintf(path, 256, "/tmp/test_linkages_%d_%s", (int)getpid(), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* The section is parsed, blanked out of what ics_config_parse sees (line numbers kept), and its
 * errors name the file and the line. */
static void test_config_section(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    ics_config *cfg = NULL;
    ics_chokepoint_opts *o = NULL;
    const char *p = write_tmp("ok.yaml", "table: builtin\n"
                                         "chokepoints:\n"
                                         "  model: ario\n"
                                         "  scenarios: 64\n"
                                         "  loss: {dist: triangular, min: 0.1, mode: 0.3, max: 0.9}\n"
                                         "  duration: [2, 5]\n"
                                         "  duration_weights: [3, 1]\n"
                                         "  horizon: 40\n"
                                         "  segments: [\"fab_*\"]\n"
                                         "seed: 7\n");
    assert_int_equal(ics_chokepoint_load(p, &cfg, &o, &err), ICS_OK);
    assert_int_equal(o->model, ICS_MODEL_ARIO);
    assert_int_equal(cfg->model, ICS_MODEL_ARIO);
    assert_int_equal(o->scenarios, 64);
    assert_int_equal(o->loss.kind, ICS_DIST_TRIANGULAR);
    assert_int_equal(o->ndur, 2);
    assert_true(fabs(o->dur_weights[0] - 0.75) < TOL);
    assert_int_equal(cfg->horizon, 40);
    assert_int_equal((int)cfg->seed, 7);
    assert_non_null(strstr(cfg->text, "chokepoints:")); /* the attribute keeps the whole file */
    ics_chokepoint_opts_destroy(&o);
    ics_config_destroy(&cfg);
    assert_null(o);

    /* an error after the section keeps its line number */
    p = write_tmp("late.yaml", "chokepoints:\n  scenarios: 8\n\nseeed: 7\n");
    assert_int_equal(ics_chokepoint_load(p, &cfg, &o, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, ":4:"));
    ics_error_clear(&err);
    p = write_tmp("bad.yaml", "model: diim\nchokepoints:\n  scenario: 8\n");
    assert_int_equal(ics_chokepoint_load(p, &cfg, &o, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, ":3:"));
    assert_non_null(strstr(err.msg, "scenarios"));
    ics_error_clear(&err);
    p = write_tmp("dist.yaml", "chokepoints:\n  loss: {dist: uniform, min: 0.8, max: 0.2}\n");
    assert_int_equal(ics_chokepoint_load(p, &cfg, &o, &err), ICS_EINPUT);
    ics_error_clear(&err);
    p = write_tmp("range.yaml", "chokepoints:\n  loss: {dist: uniform, min: 0.5, max: 1.5}\n");
    assert_int_equal(ics_chokepoint_load(p, &cfg, &o, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, ":2:"));
    ics_error_clear(&err);
    p = write_tmp("model.yaml", "chokepoints:\n  model: leontief\n");
    assert_int_equal(ics_chokepoint_load(p, &cfg, &o, &err), ICS_EINPUT);
    ics_error_clear(&err);
    p = write_tmp("w.yaml", "chokepoints:\n  duration: [1, 2]\n  duration_weights: [1]\n");
    assert_int_equal(ics_chokepoint_load(p, &cfg, &o, &err), ICS_EINPUT);
    ics_error_clear(&err);
    assert_int_equal(ics_chokepoint_load("/nonexistent/x.yaml", &cfg, &o, &err), ICS_EINPUT);
    assert_null(cfg);
    assert_null(o);
    ics_error_clear(&err);
    /* no section: defaults, diim */
    p = write_tmp("none.yaml", "model: leontief\nhorizon: 12\n");
    assert_int_equal(ics_chokepoint_load(p, &cfg, &o, &err), ICS_OK);
    assert_int_equal(o->model, ICS_MODEL_DIIM);
    assert_int_equal(o->scenarios, 256);
    assert_int_equal(o->horizon, 12);
    assert_int_equal(o->ndur, 1);
    ics_chokepoint_opts_destroy(&o);
    ics_config_destroy(&cfg);
}

/* DIIM without clipping is linear in the severity: twice the loss, twice the system loss; a
 * longer duration loses more; a loss law outside [0, 1] is an input error before any run. */
static void test_ensemble_properties(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    const double Z[4] = {150, 500, 200, 100}, x[2] = {1000, 2000};
    ics_table *t = make_table(2, Z, x);
    ics_model *m = NULL;
    ics_config *cfg = NULL;
    ics_chokepoint_opts *o = NULL;
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    const char *p = write_tmp("ens.yaml", "model: diim\nhorizon: 30\nchokepoints:\n  loss: 0.2\n"
                                          "  scenarios: 4\n  duration: [2, 5]\n"
                                          "  duration_weights: [0.75, 0.25]\n");
    assert_int_equal(ics_chokepoint_load(p, &cfg, &o, &err), ICS_OK);
    double l1[4], l2[4], own[4];
    assert_int_equal(ics_chokepoint_node(cfg, o, t, m, 0, l1, own, &err), ICS_OK);
    o->loss.value = 0.4;
    assert_int_equal(ics_chokepoint_node(cfg, o, t, m, 0, l2, NULL, &err), ICS_OK);
    for (int s = 0; s < 4; ++s) {
        assert_true(l1[s] > 0 && own[s] > 0 && own[s] < l1[s]);
        assert_true(fabs(l2[s] - 2 * l1[s]) < 1e-12 * l2[s]);
    }
    assert_true(l1[0] == l1[1] && l1[1] == l1[2]); /* 3 scenarios of duration 2 */
    assert_true(l1[3] > l1[2]);                    /* then 1 of duration 5 */
    o->loss.kind = ICS_DIST_UNIFORM, o->loss.min = 0.5, o->loss.max = 1.5;
    assert_int_equal(ics_chokepoint_check(cfg, o, t, m, 0, &err), ICS_EINPUT);
    ics_chokepoint_opts_destroy(&o);
    ics_config_destroy(&cfg);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_miller_blair),
        cmocka_unit_test(test_three_nodes),
        cmocka_unit_test(test_builtin_closed_vs_solve),
        cmocka_unit_test(test_summary_rank),
        cmocka_unit_test(test_config_section),
        cmocka_unit_test(test_ensemble_properties),
    };
    const int failed = cmocka_run_group_tests(tests, NULL, NULL);
    for (int i = 0; i < ntmp; ++i) unlink(tmp_paths[i]);
    return failed;
}
