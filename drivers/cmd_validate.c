/* `icstress validate CONFIG | TABLE`: every check of a run, without computing or writing. */
#include "ics_driver.h"
#include "ics_config.h"
#include "ics_dynamic.h"
#include "ics_aggregate.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_table.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int looks_like_table(const char *arg)
{
    struct stat sb;
    const size_t len = strlen(arg);
    if (!strcmp(arg, "builtin")) return 1;
    if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode)) return 1;
    return (len > 3 && !strcmp(arg + len - 3, ".h5")) || (len > 5 && !strcmp(arg + len - 5, ".hdf5"));
}

int ics_cmd_validate(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_config *cfg = NULL;
    ics_table *t = NULL;
    ics_model *m = NULL;
    ics_plan *plan = NULL;
    ics_aggset *as = NULL;
    ics_dyn *dyn = NULL;
    if (argc != 2) {
        ics_error_set(err, ICS_EINPUT, "usage: icstress validate CONFIG|TABLE");
        return 2;
    }
    const char *arg = argv[1];
    ics_validate_opts opts = ICS_VALIDATE_DEFAULTS;
    if (!looks_like_table(arg)) {
        ICS_TRY(ics_config_load(arg, &cfg, err));
        opts.balance_rtol = cfg->balance_rtol;
    }
    ICS_TRY(ics_table_load(cfg ? cfg->table : arg, &t, err));
    ics_validate_report rep;
    ICS_TRY(ics_table_validate(t, &opts, &rep, err));
    ICS_TRY(ics_model_create(t, &m, err));
    if (cfg) {
        ICS_TRY(ics_plan_create(cfg, t, m, &plan, err));
        ICS_TRY(ics_aggset_create(cfg, t, m, 1, 1, &as, err));
        if (cfg->model == ICS_MODEL_DIIM || cfg->model == ICS_MODEL_ARIO)
            ICS_TRY(ics_dyn_create(cfg, t, m, plan, &dyn, err));
    }
    if (ctx->rank == 0) {
        printf("table %s: %d regions x %d segments, %d nodes, %d final-demand columns\n",
               t->source, t->nreg, t->nseg, t->n, t->ny);
        printf("  balance: worst row %.3g (node %d), worst column %.3g (node %d), tolerance %.3g\n",
               rep.worst_row_balance, rep.worst_row_node, rep.worst_col_balance,
               rep.worst_col_node, opts.balance_rtol);
        printf("  productive: max column sum of A %.4f, spectral radius of A %.4f\n",
               rep.max_colsum_A, rep.spectral_radius);
        if (rep.zero_output_nodes) printf("  %d isolated node(s) with zero output\n", rep.zero_output_nodes);
        if (cfg) {
            printf("config %s: model %s, %lld scenarios, seed %llu, %d shock(s)\n", cfg->path,
                   ics_model_name(cfg->model), (long long)cfg->scenarios,
                   (unsigned long long)cfg->seed, cfg->nshocks);
            for (int s = 0; s < plan->k; ++s)
                printf("  shock %s: %s on %d node(s)\n", plan->names[s],
                       ics_shock_type_name(cfg->shocks[s].type), plan->nselected[s]);
        }
        printf("valid\n");
    }
done:
    ics_dyn_destroy(&dyn);
    ics_aggset_destroy(&as);
    ics_plan_destroy(&plan);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    ics_config_destroy(&cfg);
    return ics_status_exit_code(st);
}
