/* Aggregation matrices of a run (see ics_aggregate.h). */
#include "ics_aggregate.h"
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

ics_status ics_aggset_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                             int by_region, int by_segment, ics_aggset **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_aggset *a = NULL;
    unsigned char *mask = NULL;
    const int n = t->n, R = t->nreg, S = t->nseg;
    const int ghosh = cfg->model == ICS_MODEL_GHOSH;
    const int rows = 1 + R + (by_region ? R : 0) + (by_segment ? S : 0) + cfg->naggs;
    ICS_ALLOC(a, 1, err, "the aggregates");
    a->m = rows, a->n = n;
    ICS_ALLOC(a->Sx, (size_t)rows * n, err, "the aggregation matrix");
    if (ghosh) ICS_ALLOC(a->Su, (size_t)rows * n, err, "the aggregation matrix");
    ICS_ALLOC(a->out, 4 + cfg->naggs, err, "the aggregates");
    ICS_ALLOC(mask, n, err, "a node mask");
#define SX(r, j) a->Sx[(r) + (size_t)(j) * rows]
#define SU(r, j) a->Su[(r) + (size_t)(j) * rows]
    int row = 0;
    ICS_TRY(add_out(a, "total_output_loss", row, 1, err));
    for (int j = 0; j < n; ++j) SX(row, j) = -1.0;
    row += 1;
    ICS_TRY(add_out(a, "va_loss_by_region", row, R, err));
    for (int j = 0; j < n; ++j) {
        if (ghosh)
            SU(row + t->node_region[j], j) = -1.0;
        else
            SX(row + t->node_region[j], j) = m->x[j] != 0.0 ? -m->va[j] / m->x[j] : 0.0;
    }
    row += R;
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
