/* Finalization of a result file (see ics_finalize.h). Statistics are exact and computed in
 * scenario-index order from the stored data, so they are the same for any decomposition. */
#include "ics_finalize.h"
#include "ics_finalstats.h"
#include "ics_h5.h"

#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const double quantile_levels[] = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99};
static const double risk_levels[] = {0.9, 0.95, 0.99, 0.995};
static const double exceed_probs[] = {0.1, 0.04, 0.02, 0.01, 0.005, 0.002, 0.001};

static ics_status stats_for(hid_t f, const char *name, int full, ics_column_stats_result **res,
                            ics_error *err)
{
    ics_status st = ICS_OK;
    char path[256];
    ics_stats_request req;
    memset(&req, 0, sizeof req);
    /* small, N-independent working memory: a few more passes over the file instead */
    req.chunk_rows = 65536;
    req.collect_cap = 1 << 20;
    if (full) {
        req.quantile_levels = quantile_levels;
        req.nquantiles = (int)(sizeof quantile_levels / sizeof *quantile_levels);
        req.var_levels = risk_levels;
        req.nvar = (int)(sizeof risk_levels / sizeof *risk_levels);
        req.exceedance_probs = exceed_probs;
        req.nexceed = (int)(sizeof exceed_probs / sizeof *exceed_probs);
    } else {
        req.ep_points = -1; /* node outputs: moments only */
    }
    snprintf(path, sizeof path, "/scenarios/%s", name);
    ICS_TRY(ics_column_stats(f, path, &req, res, err));
    snprintf(path, sizeof path, "/statistics/%s", name);
    ICS_TRY(ics_write_column_stats(f, path, *res, err));
done:
    return st;
}

int ics_finalize_run(const ics_finalize_info *fi, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_column_stats_result *tot = NULL, *va = NULL, *node = NULL, *other = NULL;
    ics_h5file *h5 = NULL;
    ICS_TRY(ics_h5_open_partial(fi->out, H5P_DEFAULT, &h5, err));
    const hid_t f = h5->file;
    for (int a = 0; a < fi->as->nout; ++a) {
        const char *name = fi->as->out[a].name;
        ics_column_stats_result **dst = !strcmp(name, "total_output_loss") ? &tot
                                        : !strcmp(name, "va_loss_by_region") ? &va : &other;
        ICS_TRY(stats_for(f, name, 1, dst, err));
        ics_column_stats_free(&other);
    }
    for (int q = 0; q < fi->nfull; ++q) {
        ICS_TRY(stats_for(f, fi->full_stats[q], 1, &other, err));
        ics_column_stats_free(&other);
    }
    for (int q = 0; q < fi->nnode; ++q) {
        ICS_TRY(stats_for(f, fi->node_stats[q], 0, &node, err));
        ics_column_stats_free(&node);
    }
    char now[32];
    time_t tt = time(NULL);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ICS_TRY(ics_h5_set_attr_str(f, "finished", now, err));
    ICS_TRY(ics_h5_set_attr_i64(f, "resumed_blocks", fi->reused_blocks, err));
    ICS_TRY(ics_h5_set_attr_i64(f, "complete", 1, err));
    ICS_TRY(ics_h5_finish(&h5, 1, err));

    if (!fi->quiet) {
        const ics_table *t = fi->t;
        printf("icstress: %lld scenarios, model %s, table %s\n", (long long)tot->count,
               ics_model_name(fi->model), t->source);
        printf("  total output loss: mean %.6g, sd %.6g, min %.6g, max %.6g, 5%%..95%% [%.6g, %.6g],"
               " CVaR95 %.6g (table units)\n", tot->mean[0], tot->sd[0], tot->min[0], tot->max[0],
               tot->quantiles[1], tot->quantiles[7], tot->cvar[1]);
        printf("  value-added loss by region (mean):");
        for (int r = 0; r < t->nreg; ++r) printf(" %s %.4g", t->regions[r], va->mean[r]);
        printf("\n  wrote %s\n", fi->out);
    }
done:
    ics_h5_abort(&h5, 0);
    ics_column_stats_free(&tot);
    ics_column_stats_free(&va);
    ics_column_stats_free(&node);
    ics_column_stats_free(&other);
    return st;
}
