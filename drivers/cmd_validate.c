/* `icstress validate CONFIG | TABLE`: every check of a run, without computing or writing. */
#include "ics_driver.h"
#include "ics_options.h"
#include "ics_config.h"
#include "ics_dynamic.h"
#include "ics_aggregate.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_table.h"
#include "ics_prepare.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int looks_like_table(const char *arg)
{
    struct stat sb;
    const size_t len = strlen(arg);
    if (!strcmp(arg, "builtin") || !strcmp(arg, "builtin_world") ||
        !strcmp(arg, "builtin_physical"))
        return 1;
    if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode)) return 1;
    return (len > 3 && !strcmp(arg + len - 3, ".h5")) || (len > 5 && !strcmp(arg + len - 5, ".hdf5"));
}

/* validate CONFIG takes the run's options that change what is checked (the run's output and
 * size); validate TABLE takes none. */
static ics_status parse_args(int argc, char **argv, ics_run_request *rq, ics_error *err)
{
    memset(rq, 0, sizeof *rq);
    rq->scenarios = -1;
    rq->force = 1; /* validate replaces nothing: an existing result is for run to refuse */
    ics_args a;
    const ics_status st = ics_args_parse(ics_cmdspec_find("validate"), argc, argv, &a, err);
    if (st != ICS_OK) return st;
    rq->config = a.operand[0];
    rq->out = ics_args_str(&a, "output");
    if (ics_args_flag(&a, "scenarios")) rq->scenarios = ics_args_get(&a, "scenarios")->i;
    rq->have_seed = ics_args_flag(&a, "seed");
    rq->seed = ics_args_get(&a, "seed")->u;
    rq->no_space_check = ics_args_flag(&a, "no-space-check");
    return ics_args_operands(&a, 1, 1, err);
}


/* The table's density (issue 17, ics_table_density): nonzero flows, and the (product, client)
 * pairs ARIO keeps state for. */
static void print_density(const ics_table *t, int64_t nnz, int64_t links)
{
    const double n = t->n, sn = (double)t->nseg * t->n;
    printf("  density: %lld of %.0f flows nonzero (%.1f %%); %lld of %.0f (product, client) pairs "
           "linked (%.1f %%)\n", (long long)nnz, n * n, n > 0 ? 100.0 * (double)nnz / (n * n) : 0.0,
           (long long)links, sn, sn > 0 ? 100.0 * (double)links / sn : 0.0);
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
    ics_run_request rq;
    ics_run_setup S;
    memset(&S, 0, sizeof S);
    ICS_TRY(parse_args(argc, argv, &rq, err));
    const char *arg = rq.config;
    ics_validate_opts opts = ICS_VALIDATE_DEFAULTS;
    ics_validate_report rep;
    if (looks_like_table(arg)) {
        if (argc != 2)
            ICS_FAIL(err, ICS_EINPUT, "validate: the options -o, --scenarios, --seed and "
                     "--no-space-check apply to a CONFIG, not to the table %s", arg);
        ICS_TRY(ics_table_load(arg, &t, err));
        /* no factorisation: the column sums of A below 1 prove I - A invertible */
        ICS_TRY(ics_table_validate(t, &opts, &rep, err));
    } else {
        /* every check of `run` (drivers/prepare.c), then the table's report for the summary */
        ICS_TRY(ics_run_prepare(ctx, &rq, &S, err));
        cfg = S.cfg, t = S.t, m = S.m, plan = S.plan, dyn = S.dyn, as = S.as;
        opts.balance_rtol = cfg->balance_rtol;
        ICS_TRY(ics_table_validate(t, &opts, &rep, err));
    }
    int64_t nnz, links;
    ICS_TRY(ics_table_density(t, &nnz, &links, err));
    if (ctx->rank == 0) {
        printf("table %s: %d regions x %d segments, %d nodes, %d final-demand columns\n",
               t->source, t->nreg, t->nseg, t->n, t->ny);
        print_density(t, nnz, links);
        printf("  balance: worst row %.3g (node %d), worst column %.3g (node %d), tolerance %.3g\n",
               rep.worst_row_balance, rep.worst_row_node, rep.worst_col_balance,
               rep.worst_col_node, opts.balance_rtol);
        char la[512];
        printf("  productive: max column sum of A %.4f (node %s) < 1, so I - A has a "
               "non-negative inverse\n", rep.max_colsum_A,
               ics_table_node_label(t, rep.max_colsum_node, la, sizeof la));
        printf("  spectral radius of A in [%.4f, %.4f] (power iteration, %d step(s)%s)\n",
               rep.spectral_lower, rep.spectral_radius, rep.spectral_steps,
               rep.spectral_radius - rep.spectral_lower <= 1e-3 * rep.spectral_radius
                   ? ", to within 0.1 %" : "; stopped at the step limit before 0.1 %");
        if (rep.zero_output_nodes) printf("  %d isolated node(s) with zero output\n", rep.zero_output_nodes);
        if (cfg) {
            printf("config %s: model %s, %lld scenarios, seed %llu, %d shock(s)\n", cfg->path,
                   ics_model_name(cfg->model), (long long)cfg->scenarios,
                   (unsigned long long)cfg->seed, cfg->nshocks);
            for (int s = 0; s < plan->k; ++s)
                printf("  shock %s: %s on %d node(s)\n", plan->names[s],
                       ics_shock_type_name(cfg->shocks[s].type), plan->nselected[s]);
        }
        if (cfg) {
            char b1[32], b2[32], b3[32], b4[32];
            const ics_run_estimate *e = &S.est;
            printf("  output %s: about %s (%s free there); memory about %s per rank (%d thread(s), "
                   "%s available)\n", S.out, ics_fmt_bytes(e->output_bytes, b1, sizeof b1),
                   e->disk_free >= 0 ? ics_fmt_bytes(e->disk_free, b2, sizeof b2) : "unknown",
                   ics_fmt_bytes(e->memory_bytes, b3, sizeof b3), e->threads,
                   e->mem_available >= 0 ? ics_fmt_bytes(e->mem_available, b4, sizeof b4)
                                         : "unknown");
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
