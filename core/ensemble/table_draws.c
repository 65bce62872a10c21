/* Table draws of the uncertainty section: perturbed, RAS-rebalanced tables with their own
 * factorisations and plans (see ics_uncertainty.h). */
#include "ics_uncertainty.h"
#include "ics_gras.h"
#include "ics_rng.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ics_status ics_table_draw_flows(const ics_table *t, double cv, uint64_t seed, int d, double *Z,
                                ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = t->n;
    const size_t nn = (size_t)n * n;
    double *Z0 = NULL, *u = NULL, *v = NULL;
    ics_gras *g = NULL;
    if (cv == 0.0) { /* the table itself, exactly */
        memcpy(Z, t->Z, nn * sizeof *Z);
        return ICS_OK;
    }
    const double sigma = sqrt(log1p(cv * cv));
    const ics_rng_key key = ics_rng_key_make(seed, ICS_RNG_TABLE);
    ICS_ALLOC(Z0, nn, err, "a perturbed table");
    ICS_ALLOC(u, n, err, "a perturbed table");
    ICS_ALLOC(v, n, err, "a perturbed table");
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
            const size_t ij = i + (size_t)j * n;
            const double z = t->Z[ij];
            u[i] += z, v[j] += z;
            if (z > 0.0) {
                const double gz = ics_norm_ppf(ics_rng_uniform(key, (uint64_t)d, ij));
                Z0[ij] = z * exp(sigma * gz - 0.5 * sigma * sigma);
            }
        }
    if (!(g = ics_gras_create(n, n, err))) {
        st = err->code;
        goto done;
    }
    {
        ics_gras_opts o = ICS_GRAS_DEFAULTS;
        o.tol = 5e-10; /* below the 1e-9 of the draw's validation */
        o.max_iter = 50000; /* the built-in table takes 6,000-9,500 sweeps for cv 0.2-1 */
        ICS_TRY(ics_gras_solve(g, Z0, n, u, v, &o, Z, n, NULL, NULL, NULL, err));
    }
done:
    ics_gras_destroy(&g);
    free(Z0), free(u), free(v);
    return st;
}

void ics_table_draws_destroy(ics_table_draws **dp)
{
    if (!dp || !*dp) return;
    ics_table_draws *D = *dp;
    for (int d = 0; d < D->K; ++d) {
        if (D->p) ics_plan_destroy(&D->p[d]);
        if (D->m) ics_model_destroy(&D->m[d]);
        if (D->t && D->t[d]) free(D->t[d]->Z), free(D->t[d]); /* a view: owns only Z */
    }
    free(D->t), free(D->m), free(D->p), free(D);
    *dp = NULL;
}

ics_status ics_table_draws_create(const ics_config *cfg, const ics_table *t, const ics_plan *p,
                                  ics_table_draws **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_table_draws *D = NULL;
    ics_status *dst = NULL;
    const char *cfgname = cfg->path ? cfg->path : "config";
    const int K = cfg->unc_table_draws;
    /* the dynamic models read x, y (and DIIM A* = B) of a draw's model, never A */
    const int dynamic = cfg->model == ICS_MODEL_DIIM || cfg->model == ICS_MODEL_ARIO;
    const unsigned need = cfg->model == ICS_MODEL_LEONTIEF ? 0u
                          : dynamic ? (cfg->model == ICS_MODEL_DIIM ? ICS_MODEL_NEED_B : 0u) |
                                          ICS_MODEL_NO_A
                                    : ICS_MODEL_NEED_B;
    ICS_ALLOC(D, 1, err, "the table draws");
    D->K = K;
    D->row = ics_unc_row(cfg, ICS_UNC_TABLE);
    (void)p;
    ICS_ALLOC(D->t, K, err, "the table draws");
    ICS_ALLOC(D->m, K, err, "the table draws");
    ICS_ALLOC(D->p, K, err, "the table draws");
    ICS_ALLOC(dst, K, err, "the table draws");
    for (int d = 0; d < K; ++d) {
        ics_table *td = NULL;
        ICS_ALLOC(td, 1, err, "a table draw");
        *td = *t;
        td->Z = NULL;
        D->t[d] = td;
        ICS_ALLOC(td->Z, (size_t)t->n * t->n, err, "a table draw");
    }
    /* the RAS balancing of the draws (most of the set-up) on the threads: each draw is a pure
     * function of (seed, d), so the same bits for any number of threads */
#pragma omp parallel for schedule(dynamic, 1) if (K > 1 && !omp_in_parallel())
    for (int d = 0; d < K; ++d) {
        ics_error e = {0};
        dst[d] = ics_table_draw_flows(t, cfg->unc_table_cv, cfg->seed, d, D->t[d]->Z, &e);
    }
    for (int d = 0; d < K; ++d) {
        ics_table *td = D->t[d];
        st = dst[d] == ICS_OK ? ICS_OK /* again, serially, for its message */
                              : ics_table_draw_flows(t, cfg->unc_table_cv, cfg->seed, d, td->Z, err);
        if (st == ICS_OK) {
            ics_validate_opts vo = {1e-9};
            ics_validate_report rep;
            st = ics_table_validate(td, &vo, &rep, err);
        }
        if (st != ICS_OK) {
            char msg[ICS_ERRMSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            ics_error_clear(err);
            ICS_FAIL(err, st, "%s:%d: uncertainty: table: draw %d of %d (coefficients %g): %s",
                     cfgname, cfg->unc_table_line, d, K, cfg->unc_table_cv, msg);
        }
        ICS_TRY(ics_model_create_for(td, need, &D->m[d], err));
        ICS_TRY(ics__plan_create_nodraws(cfg, td, D->m[d], &D->p[d], err));
    }
    *out = D;
    D = NULL;
done:
    free(dst);
    ics_table_draws_destroy(&D);
    return st;
}
