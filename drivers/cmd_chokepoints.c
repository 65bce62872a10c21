/* `icstress chokepoints`: the chokepoint analysis of a table (docs/chokepoints.md). Plan (config,
 * table, model, the ensemble's plans checked on one node), then every rank computes the
 * disruption ensembles of the selected nodes it owns (static round-robin; OpenMP threads over
 * them, single-threaded BLAS), the per-node summaries are summed to rank 0 (each entry has one
 * non-zero contribution, so the sum is exact and the result independent of the number of
 * ranks), and rank 0 alone writes OUT.h5 (as .partial, then renamed) and prints the table. */
#define _POSIX_C_SOURCE 200809L

#include "ics_chokepoints.h"
#include "ics_options.h"
#include "ics_config.h"
#include "ics_h5.h"
#include "ics_h5meta.h"
#include "ics_linkages.h"
#include "ics_model.h"
#include "ics_sysinfo.h"
#include "ics_table.h"

#include <errno.h>
#include <hdf5.h>
#include <libgen.h>
#include <math.h>
#include <mpi.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* per-node summary fields gathered to rank 0 */
enum { S_MEAN, S_SD, S_SE, S_CVAR, S_Q05, S_Q50, S_Q95, S_MIN, S_MAX, S_SPILL, S_SPILL_CVAR,
       S_COUNT };

/* per-scenario losses are gathered and stored when they hold at most this many values */
#define MAX_STORED_LOSSES (1 << 24)

typedef struct cp_opts {
    const char *config, *out;
    int64_t scenarios;
    int have_seed, quiet, top, force;
    uint64_t seed;
} cp_opts;

/* the options of `chokepoints` are in its table (drivers/commands.c) */
static ics_status parse_args(int argc, char **argv, cp_opts *o, ics_error *err)
{
    memset(o, 0, sizeof *o);
    o->scenarios = -1;
    o->top = -1;
    ics_args a;
    const ics_status st = ics_args_parse(ics_cmdspec_find("chokepoints"), argc, argv, &a, err);
    if (st != ICS_OK) return st;
    o->config = a.operand[0];
    o->out = ics_args_str(&a, "output");
    if (ics_args_flag(&a, "scenarios-per-node"))
        o->scenarios = ics_args_get(&a, "scenarios-per-node")->i;
    o->have_seed = ics_args_flag(&a, "seed");
    o->seed = ics_args_get(&a, "seed")->u;
    if (ics_args_flag(&a, "top")) o->top = (int)ics_args_get(&a, "top")->i;
    o->force = ics_args_flag(&a, "force");
    o->quiet = ics_args_flag(&a, "quiet");
    return ics_args_operands(&a, 1, 1, err);
}

static ics_status write_ints(hid_t f, const char *path, const int *v, int n, ics_error *err)
{
    const hsize_t dims[1] = {(hsize_t)n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t dset = H5Dcreate2(f, path, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ics_status st = ICS_OK;
    if (dset < 0 || H5Dwrite(dset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        st = ics_error_set(err, ICS_EIO, "cannot write HDF5 dataset '%s'", path);
    if (dset >= 0) H5Dclose(dset);
    H5Sclose(space);
    return st;
}

/* A double dataset of n values with a `units` or `definition` attribute. */
static ics_status write_vec(hid_t f, const char *path, const double *v, int n, const char *attr,
                            const char *text, ics_error *err)
{
    ics_status st = ICS_OK;
    const int64_t dims[1] = {n};
    ICS_TRY(ics_h5_write_array(f, path, 1, dims, v, err));
    if (attr) {
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        if (d < 0) ICS_FAIL(err, ICS_EIO, "cannot open HDF5 dataset '%s'", path);
        st = ics_h5_attr_str(d, attr, text, err);
        H5Dclose(d);
    }
done:
    return st;
}

typedef struct results {
    int n, nsel;
    const int *sel;                 /* [nsel] node of each ensemble item */
    double *bl, *fl, *fll;          /* [n] linkages */
    int *cls;                       /* [n] key class */
    double *ext[4];                 /* [n] total, backward, forward, forward (Ghosh) */
    double *stat[S_COUNT];          /* [n] per-node summaries (NaN when not selected) */
    int *rank_e, *rank_c, *rank_s;  /* [n] by expected loss, CVaR, expected spillover */
    double *losses;                 /* [nsel * S] or NULL */
    double sumx;
} results;

static const char *const ext_names[4] = {"extraction_total", "extraction_backward",
                                         "extraction_forward", "extraction_forward_ghosh"};
static const char *const ext_defs[4] = {
    "1'x - 1'x_bar with row and column j of A and y_j removed (closed form c_j x_j / L_jj)",
    "1'x - 1'x_bar with column j of A set to 0 (closed form (c_j - 1) x_j / L_jj)",
    "1'x - 1'x_bar with row j of A set to 0, demand-driven (closed form c_j (x_j - y_j) / L_jj)",
    "1'x - 1'x_bar with row j of B set to 0, supply-driven Ghosh, Miller & Blair 2009 12.2.3 "
    "(closed form (sum_k L_jk x_k - x_j) / L_jj)"};
static const char *const stat_names[S_COUNT] = {
    "expected_loss", "loss_sd", "loss_se", "cvar95_loss", "loss_q05", "loss_q50", "loss_q95",
    "loss_min", "loss_max", "expected_spillover_loss", "cvar95_spillover_loss"};

static ics_status write_file(const char *out, const ics_ctx *ctx, const ics_config *cfg,
                             const ics_chokepoint_opts *co, const ics_table *t, const results *r,
                             ics_error *err)
{
    ics_status st = ICS_OK;
    ics_h5file *h5 = NULL;
    hid_t g = H5I_INVALID_HID;
    char **rl = NULL, **sl = NULL;
    double *buf = NULL;
    const int n = t->n;
    char text[512];
    ICS_TRY(ics_h5_create(out, H5P_DEFAULT, &h5, err));
    const hid_t f = h5->file;
    {
        time_t now = time(NULL);
        struct tm tm;
        char created[32];
        gmtime_r(&now, &tm);
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
        ics_sysinfo si;
        char blas[256];
        ics_sysinfo_get(&si);
        ics_sysinfo_blas_string(&si, blas, sizeof blas);
        ICS_TRY(ics_h5_attr_str(f, "icstress_version", ICS_VERSION, err));
        ICS_TRY(ics_h5_attr_str(f, "git_commit", ics_git_commit, err));
        ICS_TRY(ics_h5_attr_str(f, "command", "chokepoints", err));
        ICS_TRY(ics_h5_attr_str(f, "config", cfg->text, err));
        ICS_TRY(ics_h5_attr_str(f, "config_file", cfg->path, err));
        ICS_TRY(ics_h5_attr_str(f, "model", ics_model_name(co->model), err));
        ICS_TRY(ics_h5_attr_i64(f, "seed", (int64_t)cfg->seed, err));
        ICS_TRY(ics_h5_attr_str(f, "sampler", ics_sampler_name(cfg->sampler), err));
        ICS_TRY(ics_h5_attr_i64(f, "scenarios", co->scenarios * r->nsel, err));
        ICS_TRY(ics_h5_attr_i64(f, "mpi_ranks", ctx->size, err));
        ICS_TRY(ics_h5_attr_i64(f, "omp_threads", omp_get_max_threads(), err));
        ICS_TRY(ics_h5_attr_str(f, "blas", blas, err));
        ICS_TRY(ics_h5_attr_str(f, "created", created, err));
        ICS_TRY(ics_h5_attr_str(f, "table_source", t->source, err));
    }
    ICS_TRY(ics_table_write_h5(t, f, err));
    g = H5Gcreate2(f, "/chokepoints", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) ICS_FAIL(err, ICS_EIO, "%s: cannot create group /chokepoints", out);
    ICS_TRY(ics_h5_attr_str(g, "model", ics_model_name(co->model), err));
    ICS_TRY(ics_h5_attr_i64(g, "scenarios_per_node", co->scenarios, err));
    ICS_TRY(ics_h5_attr_str(g, "severity_law", ics_dist_describe(&co->loss, text, sizeof text), err));
    ICS_TRY(ics_h5_attr_str(g, "severity_meaning", "capacity_loss `loss`: the lost share of the "
                            "node's production capacity (DIIM: its inoperability floor)", err));
    ICS_ALLOC(buf, (size_t)(co->ndur > n ? co->ndur : n), err, "a write buffer");
    for (int q = 0; q < co->ndur; ++q) buf[q] = co->durations[q];
    ICS_TRY(ics_h5_attr_f64(g, "durations", buf, co->ndur, err));
    ICS_TRY(ics_h5_attr_f64(g, "duration_weights", co->dur_weights, co->ndur, err));
    ICS_TRY(ics_h5_attr_i64(g, "start", co->start, err));
    ICS_TRY(ics_h5_attr_i64(g, "recovery", co->recovery, err));
    ICS_TRY(ics_h5_attr_i64(g, "horizon", co->horizon, err));
    ICS_TRY(ics_h5_attr_i64(g, "steps_per_year", cfg->steps_per_year, err));
    ICS_TRY(ics_h5_attr_f64(g, "cvar_level", &co->cvar_level, 1, err));
    ICS_TRY(ics_h5_attr_i64(g, "seed", (int64_t)cfg->seed, err));
    ICS_TRY(ics_h5_attr_str(g, "sampler", ics_sampler_name(cfg->sampler), err));
    ICS_TRY(ics_h5_attr_f64(g, "total_output", &r->sumx, 1, err));
    ICS_TRY(ics_h5_attr_str(g, "key_class_codes", "0 weak, 1 backward-oriented (BL > 1), 2 "
                            "forward-oriented (FL > 1), 3 key (both)", err));
    ICS_TRY(ics_h5_attr_str(g, "loss_units", "table units: the cumulative output loss over the "
                            "horizon summed over all nodes (total_output_loss of icstress run)", err));

    ICS_ALLOC(rl, n, err, "labels");
    ICS_ALLOC(sl, n, err, "labels");
    for (int i = 0; i < n; ++i) {
        rl[i] = t->regions[t->node_region[i]];
        sl[i] = t->segments[t->node_segment[i]];
    }
    ICS_TRY(ics_h5_write_strings(f, "/chokepoints/node_region", rl, n, err));
    ICS_TRY(ics_h5_write_strings(f, "/chokepoints/node_segment", sl, n, err));
    ICS_TRY(write_vec(f, "/chokepoints/backward_linkage", r->bl, n, "definition",
                      "Rasmussen power of dispersion: n * sum_i L_ij / sum_ij L_ij", err));
    ICS_TRY(write_vec(f, "/chokepoints/forward_linkage", r->fl, n, "definition",
                      "Ghosh: n * sum_j G_ij / sum_ij G_ij, G = (I - B)^-1", err));
    ICS_TRY(write_vec(f, "/chokepoints/forward_linkage_leontief", r->fll, n, "definition",
                      "Rasmussen sensitivity of dispersion: n * sum_j L_ij / sum_ij L_ij", err));
    ICS_TRY(write_ints(f, "/chokepoints/key_class", r->cls, n, err));
    for (int e = 0; e < 4; ++e) {
        char path[128];
        snprintf(path, sizeof path, "/chokepoints/%s", ext_names[e]);
        ICS_TRY(write_vec(f, path, r->ext[e], n, "definition", ext_defs[e], err));
        for (int i = 0; i < n; ++i) buf[i] = r->sumx > 0 ? r->ext[e][i] / r->sumx : NAN;
        snprintf(path, sizeof path, "/chokepoints/%s_share", ext_names[e]);
        ICS_TRY(write_vec(f, path, buf, n, "definition", "the loss as a share of total gross "
                          "output 1'x", err));
    }
    for (int q = 0; q < S_COUNT; ++q) {
        char path[128];
        snprintf(path, sizeof path, "/chokepoints/%s", stat_names[q]);
        ICS_TRY(write_vec(f, path, r->stat[q], n, "units", "table units (NaN: node not in the "
                          "ensemble)", err));
    }
    ICS_TRY(write_ints(f, "/chokepoints/rank_expected", r->rank_e, n, err));
    ICS_TRY(write_ints(f, "/chokepoints/rank_cvar95", r->rank_c, n, err));
    ICS_TRY(write_ints(f, "/chokepoints/rank_spillover", r->rank_s, n, err));
    {
        int *selnodes = NULL;
        ICS_ALLOC(selnodes, r->nsel, err, "selected nodes");
        for (int s = 0; s < r->nsel; ++s) selnodes[s] = r->sel[s];
        st = write_ints(f, "/chokepoints/ensemble_nodes", selnodes, r->nsel, err);
        free(selnodes);
        if (st != ICS_OK) goto done;
    }
    if (r->losses) {
        const int64_t dims[2] = {r->nsel, co->scenarios};
        ICS_TRY(ics_h5_write_array(f, "/chokepoints/scenario_loss", 2, dims, r->losses, err));
    }
    H5Gclose(g);
    g = H5I_INVALID_HID;
    {
        const ics_h5meta_opts mo = {cfg->steps_per_year, ctx->argc, ctx->argv};
        ICS_TRY(ics_h5meta_describe(f, &mo, err));
    }
    ICS_TRY(ics_h5_finish(&h5, 1, err));
done:
    if (g >= 0) H5Gclose(g);
    ics_h5_abort(&h5, 1);
    free(rl), free(sl), free(buf);
    return st;
}

static void print_table(FILE *f, const ics_table *t, const ics_chokepoint_opts *co,
                        const ics_config *cfg, const results *r, int top)
{
    char law[128], lab[64];
    fprintf(f, "\nChokepoints: %s model, %lld scenarios per node, loss %s, duration",
            ics_model_name(co->model), (long long)co->scenarios,
            ics_dist_describe(&co->loss, law, sizeof law));
    for (int q = 0; q < co->ndur; ++q) fprintf(f, "%s%d", q ? "/" : " ", co->durations[q]);
    fprintf(f, " steps (1/%d year each), horizon %d steps, table %s\n", cfg->steps_per_year,
            co->horizon, t->source);
    fprintf(f, "Losses: cumulative output loss of all nodes over the horizon, in table units "
            "(total output %.6g per year).\n", r->sumx);
    fprintf(f, "BL/FL: Rasmussen backward / Ghosh forward linkage (>1 above average); extraction "
            "in %% of total output;\nE[spill]: the expected loss of the other nodes; #CVaR, #spil: "
            "the node's rank by CVaR95 and by E[spill].\n\n");
    fprintf(f, "%4s  %-24s %5s %5s %-8s %7s %7s %7s  %10s %8s %10s %10s %10s %10s %5s %5s\n",
            "rank", "node", "BL", "FL", "class", "ext.tot", "ext.bwd", "ext.fwd", "E[loss]", "+-se",
            "CVaR95", "q05", "q95", "E[spill]", "#CVaR", "#spil");
    int shown = 0;
    for (int want = 1; want <= r->nsel && shown < top; ++want) {
        int i = -1;
        for (int k = 0; k < r->n; ++k)
            if (r->rank_e[k] == want) i = k;
        if (i < 0) continue;
        ++shown;
        const double s = r->sumx > 0 ? 100.0 / r->sumx : NAN;
        double pct[3];
        for (int e = 0; e < 3; ++e) /* no "-0.00%" for a zero up to rounding */
            pct[e] = fabs(r->ext[e][i] * s) < 5e-3 ? 0.0 : r->ext[e][i] * s;
        fprintf(f, "%4d  %-24s %5.2f %5.2f %-8s %6.2f%% %6.2f%% %6.2f%%  %10.4g %8.3g %10.4g "
                "%10.4g %10.4g %10.4g %5d %5d\n", want, ics_table_node_label(t, i, lab, sizeof lab),
                r->bl[i], r->fl[i], ics_key_class_name(r->cls[i]), pct[0], pct[1], pct[2],
                r->stat[S_MEAN][i], r->stat[S_SE][i], r->stat[S_CVAR][i], r->stat[S_Q05][i],
                r->stat[S_Q95][i], r->stat[S_SPILL][i], r->rank_c[i], r->rank_s[i]);
    }
    if (r->nsel > shown)
        fprintf(f, "(%d of %d nodes shown; all are in the output file)\n", shown, r->nsel);
    fputc('\n', f);
}

int ics_cmd_chokepoints(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    ics_status st = ICS_OK;
    cp_opts o;
    ics_config *cfg = NULL;
    ics_chokepoint_opts *co = NULL;
    ics_table *t = NULL;
    ics_model *m = NULL;
    unsigned char *mask = NULL;
    int *sel = NULL, *item_st = NULL;
    double *local = NULL, *global = NULL, *lloss = NULL, *gloss = NULL, **tbuf = NULL;
    ics_error *item_err = NULL;
    ics_out_lock *lock = NULL;
    results r;
    memset(&r, 0, sizeof r);
    int nthreads = 0, nsel = 0, n = 0;

    ICS_TRY(parse_args(argc, argv, &o, err));
    ctx->quiet = o.quiet;
    ICS_TRY(ics_chokepoint_load(o.config, &cfg, &co, err));
    if (o.scenarios > 0) co->scenarios = o.scenarios, cfg->scenarios = o.scenarios;
    if (o.have_seed) cfg->seed = o.seed;
    if (o.top >= 0) co->top = o.top;
    const char *out = o.out ? o.out : "chokepoints.h5";
    ICS_TRY(ics_output_guard(ctx, out, cfg->path, cfg->table, o.force, err));

    /* ---- plan: every input error surfaces here, identically on every rank ---- */
    ics_blas_set_threads(1);
    ICS_TRY(ics_table_load(cfg->table, &t, err));
    ics_validate_opts vopts = ICS_VALIDATE_DEFAULTS;
    vopts.balance_rtol = cfg->balance_rtol;
    ics_validate_report rep;
    ICS_TRY(ics_table_validate(t, &vopts, &rep, err));
    ICS_TRY(ics_model_create(t, &m, err));
    n = t->n;
    ICS_ALLOC(mask, n, err, "the node selection");
    ICS_TRY(ics_chokepoint_select(cfg, co, t, mask, err));
    ICS_ALLOC(sel, n, err, "the node selection");
    for (int i = 0; i < n; ++i)
        if (mask[i]) sel[nsel++] = i;
    if (nsel == 0)
        ICS_FAIL(err, ICS_EINPUT, "%s:%d: chokepoints: the regions and segments select no node",
                 cfg->path, co->line);
    ICS_TRY(ics_chokepoint_check(cfg, co, t, m, sel[0], err));
    ICS_TRY(ics_cli_check_output_path(out, err));
    ICS_TRY(ics_output_lock(ctx, out, o.force, &lock, err));
    if (ctx->rank == 0 && !o.quiet && cfg->nshocks > 0)
        fprintf(stderr, "icstress: chokepoints: the config's %d shock(s) are not used: each node's "
                "ensemble has its own capacity_loss\n", cfg->nshocks);

    /* ---- linkages and extraction (cheap: O(n^2) after L) ---- */
    r.n = n, r.nsel = nsel, r.sel = sel;
    ICS_ALLOC(r.bl, n, err, "linkages");
    ICS_ALLOC(r.fl, n, err, "linkages");
    ICS_ALLOC(r.fll, n, err, "linkages");
    ICS_ALLOC(r.cls, n, err, "classes");
    for (int e = 0; e < 4; ++e) ICS_ALLOC(r.ext[e], n, err, "extraction");
    for (int q = 0; q < S_COUNT; ++q) ICS_ALLOC(r.stat[q], n, err, "summaries");
    ICS_ALLOC(r.rank_e, n, err, "ranks");
    ICS_ALLOC(r.rank_c, n, err, "ranks");
    ICS_ALLOC(r.rank_s, n, err, "ranks");
    ICS_TRY(ics_linkages(n, m->L, m->G, r.bl, r.fl, r.fll, err));
    for (int i = 0; i < n; ++i) r.cls[i] = ics_key_classify(r.bl[i], r.fl[i]);
    ICS_TRY(ics_extraction(n, m->L, m->x, m->y, r.ext[0], r.ext[1], r.ext[2], r.ext[3], err));
    for (int i = 0; i < n; ++i) r.sumx += m->x[i];

    /* ---- the ensembles: item s (the s-th selected node) on rank s mod size ---- */
    const int64_t S = co->scenarios;
    const int keep_losses = (int64_t)nsel * S <= MAX_STORED_LOSSES;
    nthreads = omp_get_max_threads();
    ICS_ALLOC(local, (size_t)nsel * S_COUNT, err, "summaries");
    ICS_ALLOC(global, (size_t)nsel * S_COUNT, err, "summaries");
    if (keep_losses) ICS_ALLOC(lloss, (size_t)nsel * S, err, "per-scenario losses");
    ICS_ALLOC(item_st, nsel, err, "statuses");
    ICS_ALLOC(item_err, nsel, err, "errors");
    ICS_ALLOC(tbuf, nthreads, err, "buffers");
    for (int th = 0; th < nthreads; ++th) ICS_ALLOC(tbuf[th], 3 * (size_t)S, err, "loss buffers");
    if (ctx->rank == 0 && !o.quiet)
        fprintf(stderr, "icstress: chokepoints: %s model, %d node(s) x %lld scenarios, horizon %d, "
                "%d rank(s) x %d thread(s)\n", ics_model_name(co->model), nsel, (long long)S,
                co->horizon, ctx->size, nthreads);
    const double t0 = MPI_Wtime();
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (int s = ctx->rank; s < nsel; s += ctx->size) {
        double *v = tbuf[omp_get_thread_num()], *own = v + S, *scratch = v + 2 * S;
        ics_error_clear(&item_err[s]);
        item_st[s] = ics_chokepoint_node(cfg, co, t, m, sel[s], v, own, &item_err[s]);
        if (item_st[s] != ICS_OK) continue;
        ics_loss_summary sum, spill;
        ics_loss_summarize(v, S, co->cvar_level, scratch, &sum);
        for (int64_t q = 0; q < S; ++q) own[q] = v[q] - own[q];
        ics_loss_summarize(own, S, co->cvar_level, scratch, &spill);
        const double vals[S_COUNT] = {sum.mean, sum.sd,  sum.se,  sum.cvar,   sum.q05,  sum.q50,
                                      sum.q95,  sum.min, sum.max, spill.mean, spill.cvar};
        memcpy(local + (size_t)s * S_COUNT, vals, sizeof vals);
        if (lloss) memcpy(lloss + (size_t)s * S, v, (size_t)S * sizeof *v);
    }
    for (int s = 0; s < nsel; ++s)
        if (item_st[s] != ICS_OK) {
            *err = item_err[s];
            st = (ics_status)item_st[s];
            break;
        }
    {
        int mine = st, worst = 0;
        MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (worst != ICS_OK && st == ICS_OK)
            ICS_FAIL(err, ICS_EINTERNAL, "chokepoints: the ensemble failed on another rank");
        if (st != ICS_OK) goto done;
    }
    MPI_Reduce(local, global, nsel * S_COUNT, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (keep_losses) {
        if (ctx->rank == 0) ICS_ALLOC(gloss, (size_t)nsel * S, err, "per-scenario losses");
        MPI_Reduce(lloss, gloss, (int)(nsel * S), MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    }
    const double compute_s = MPI_Wtime() - t0;

    /* ---- rank 0: ranking, file, table ---- */
    {
        int code = ICS_OK;
        if (ctx->rank == 0) {
            for (int q = 0; q < S_COUNT; ++q)
                for (int i = 0; i < n; ++i) r.stat[q][i] = NAN;
            for (int s = 0; s < nsel; ++s)
                for (int q = 0; q < S_COUNT; ++q)
                    r.stat[q][sel[s]] = global[(size_t)s * S_COUNT + q];
            ics_rank_desc(n, r.stat[S_MEAN], mask, r.rank_e);
            ics_rank_desc(n, r.stat[S_CVAR], mask, r.rank_c);
            ics_rank_desc(n, r.stat[S_SPILL], mask, r.rank_s);
            r.losses = gloss;
            code = write_file(out, ctx, cfg, co, t, &r, err);
            if (code == ICS_OK && !o.quiet) {
                print_table(stdout, t, co, cfg, &r, co->top);
                fprintf(stderr, "icstress: chokepoints: %lld scenarios in %.3g s; wrote %s\n",
                        (long long)(S * nsel), compute_s, out);
            }
        }
        MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (code != ICS_OK) {
            st = (ics_status)code;
            if (ctx->rank != 0) ics_error_set(err, st, "writing the output failed on rank 0");
        }
    }
done:
    ics_output_unlock(&lock);
    if (tbuf)
        for (int th = 0; th < nthreads; ++th) free(tbuf[th]);
    free(tbuf);
    free(local), free(global), free(lloss), free(gloss), free(item_st), free(item_err);
    free(r.bl), free(r.fl), free(r.fll), free(r.cls), free(r.rank_e), free(r.rank_c), free(r.rank_s);
    for (int e = 0; e < 4; ++e) free(r.ext[e]);
    for (int q = 0; q < S_COUNT; ++q) free(r.stat[q]);
    free(mask), free(sel);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    ics_chokepoint_opts_destroy(&co);
    ics_config_destroy(&cfg);
    return ics_status_exit_code(st);
}
