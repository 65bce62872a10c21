/* Aggregation matrices of a run (see ics_aggregate.h). */
#include "ics_aggregate.h"
#include "ics_nest.h"
#include "ics_scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ics_status add_out(ics_aggset *a, const char *name, int row, int width, ics_error *err)
{
    ics_aggout *o = &a->out[a->nout];
    o->name = ics_strdup(name, err);
    if (!o->name) return ICS_ENOMEM;
    o->row = row;
    o->width = width;
    a->nout++;
    return ICS_OK;
}

int ics_aggset_wants_va(const ics_config *cfg)
{
    if (!cfg->store_only) return 1;
    for (int j = 0; j < cfg->nstore; ++j)
        if (!strcmp(cfg->store[j], "va_loss_by_region")) return 1;
    const size_t k = strlen("va_loss_by_region");
    for (int j = 0; cfg->has_sensitivity && j < cfg->sens_ntargets; ++j) /* a target needs it */
        if (!strncmp(cfg->sens_targets[j], "va_loss_by_region", k) &&
            (cfg->sens_targets[j][k] == '\0' || cfg->sens_targets[j][k] == '/'))
            return 1;
    return 0;
}

int ics_aggset_wants_gdp(const ics_config *cfg, const ics_table *t)
{
    if (ics_table_is_full_economy(t) && !cfg->store_only) return 1;
    for (int j = 0; j < cfg->nstore; ++j)
        if (!strcmp(cfg->store[j], "gdp_loss_by_region") ||
            !strcmp(cfg->store[j], "va_loss_by_region_segment"))
            return 1;
    return 0;
}

/* Issue 15: GDP loss by region (absolute, and as a share of the region's value added in the
 * table = its GDP at basic prices on a full-economy table) and value-added loss by node (region x
 * segment). Ghosh: the value-added change is the model's exogenous input (-dv), so these are
 * the losses at the shocked nodes only (docs/models.md). */
static ics_status add_gdp_rows(ics_aggset *a, const ics_table *t, const ics_model *m, int ghosh,
                               int *rowp, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = t->n, R = t->nreg, rows = a->m;
    double *gdp = NULL;
    int row = *rowp;
    ICS_ALLOC(gdp, R, err, "regional GDP");
    for (int j = 0; j < n; ++j) gdp[t->node_region[j]] += m->va[j];
#define SX(r, j) a->Sx[(r) + (size_t)(j) * rows]
#define SU(r, j) a->Su[(r) + (size_t)(j) * rows]
    for (int k = 0; k < 2; ++k) {
        ICS_TRY(add_out(a, k ? "gdp_loss_share_by_region" : "gdp_loss_by_region", row, R, err));
        for (int j = 0; j < n; ++j) {
            const int r = t->node_region[j];
            const double scale = k ? (gdp[r] != 0.0 ? 1.0 / gdp[r] : 0.0) : 1.0;
            if (ghosh)
                SU(row + r, j) = -scale;
            else
                SX(row + r, j) = m->x[j] != 0.0 ? -scale * m->va[j] / m->x[j] : 0.0;
        }
        row += R;
    }
    ICS_TRY(add_out(a, "va_loss_by_region_segment", row, n, err));
    for (int j = 0; j < n; ++j) {
        if (ghosh)
            SU(row + j, j) = -1.0;
        else
            SX(row + j, j) = m->x[j] != 0.0 ? -m->va[j] / m->x[j] : 0.0;
    }
    row += n;
#undef SX
#undef SU
    *rowp = row;
done:
    free(gdp);
    return st;
}

ics_status ics_aggset_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                             int by_region, int by_segment, ics_aggset **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_aggset *a = NULL;
    unsigned char *mask = NULL;
    const int n = t->n, R = t->nreg, S = t->nseg;
    const int ghosh = cfg->model == ICS_MODEL_GHOSH;
    const int gdp = ics_aggset_wants_gdp(cfg, t), va = ics_aggset_wants_va(cfg);
    const int rows = 1 + (va ? R : 0) + (by_region ? R : 0) + (by_segment ? S : 0) +
                     (gdp ? 2 * R + n : 0) + cfg->naggs;
    ICS_ALLOC(a, 1, err, "the aggregates");
    a->m = rows, a->n = n;
    ICS_ALLOC(a->Sx, (size_t)rows * n, err, "the aggregation matrix");
    if (ghosh) ICS_ALLOC(a->Su, (size_t)rows * n, err, "the aggregation matrix");
    ICS_ALLOC(a->out, 7 + cfg->naggs, err, "the aggregates");
    ICS_ALLOC(mask, n, err, "a node mask");
#define SX(r, j) a->Sx[(r) + (size_t)(j) * rows]
#define SU(r, j) a->Su[(r) + (size_t)(j) * rows]
    int row = 0;
    ICS_TRY(add_out(a, "total_output_loss", row, 1, err));
    for (int j = 0; j < n; ++j) SX(row, j) = -1.0;
    row += 1;
    if (va) {
        ICS_TRY(add_out(a, "va_loss_by_region", row, R, err));
        for (int j = 0; j < n; ++j) {
            if (ghosh)
                SU(row + t->node_region[j], j) = -1.0;
            else
                SX(row + t->node_region[j], j) = m->x[j] != 0.0 ? -m->va[j] / m->x[j] : 0.0;
        }
        row += R;
    }
    if (by_region) {
        ICS_TRY(add_out(a, "output_loss_by_region", row, R, err));
        for (int j = 0; j < n; ++j) SX(row + t->node_region[j], j) = -1.0;
        row += R;
    }
    if (by_segment) {
        ICS_TRY(add_out(a, "output_loss_by_segment", row, S, err));
        for (int j = 0; j < n; ++j) SX(row + t->node_segment[j], j) = -1.0;
        row += S;
    }
    if (gdp) ICS_TRY(add_gdp_rows(a, t, m, ghosh, &row, err));
    for (int q = 0; q < cfg->naggs; ++q) {
        const ics_aggdef *d = &cfg->aggs[q];
        char owner[300], name[300];
        snprintf(owner, sizeof owner, "aggregate '%s'", d->name);
        ICS_TRY(ics_select_nodes(cfg->path, d->line, owner, d->regions, d->nregions, d->segments,
                                 d->nsegments, t, mask, err));
        for (int j = 0; j < n; ++j) {
            if (!mask[j]) continue;
            if (!d->value_added)
                SX(row, j) = -1.0;
            else if (ghosh)
                SU(row, j) = -1.0;
            else
                SX(row, j) = m->x[j] != 0.0 ? -m->va[j] / m->x[j] : 0.0;
        }
        snprintf(name, sizeof name, "aggregates/%s", d->name);
        ICS_TRY(add_out(a, name, row, 1, err));
        row += 1;
    }
#undef SX
#undef SU
    *out = a;
    a = NULL;
done:
    free(mask);
    ics_aggset_destroy(&a);
    return st;
}

void ics_aggset_destroy(ics_aggset **ap)
{
    if (!ap || !*ap) return;
    ics_aggset *a = *ap;
    for (int i = 0; i < a->nout; ++i) free(a->out[i].name);
    free(a->out);
    free(a->Sx);
    free(a->Su);
    free(a);
    *ap = NULL;
}
