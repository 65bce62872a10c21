/* `icstress sensitivity CONFIG`: the config's `sensitivity:` design (core/analysis/ics_sensitivity.h) run
 * as an ordinary ensemble (`icstress run` with the design's number of scenarios: the plan takes
 * the design's uniforms, so blocks, MPI scheduling, HDF5 rows, resume and statistics are those of
 * any run), then, on rank 0, the indices of every target from the stored per-scenario outputs,
 * written under /sensitivity and printed as a ranked table. With `ci_target`, base samples are
 * doubled (the design of 2N starts with the design of N, whose scenarios are copied over, not
 * recomputed) until every total index's half-width is below it or `max_samples` is reached. */
#include "ics_sensitivity_cmd.h"
#include "ics_options.h"
#include "ics_aggregate.h"
#include "ics_config.h"
#include "ics_h5.h"
#include "ics_h5meta.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_sensitivity.h"
#include "ics_sysinfo.h"
#include "ics_table.h"

#include <errno.h>
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct sens_opts {
    const char *config, *out;
    int64_t samples;
    int have_seed, resume, quiet, force;
    uint64_t seed;
} sens_opts;

/* the options of `sensitivity` are in its table (drivers/commands.c) */
static ics_status parse_args(int argc, char **argv, sens_opts *o, ics_error *err)
{
    memset(o, 0, sizeof *o);
    ics_args a;
    const ics_status st = ics_args_parse(ics_cmdspec_find("sensitivity"), argc, argv, &a, err);
    if (st != ICS_OK) return st;
    o->config = a.operand[0];
    o->out = ics_args_str(&a, "output");
    o->samples = ics_args_get(&a, "samples")->i;
    o->have_seed = ics_args_flag(&a, "seed");
    o->seed = ics_args_get(&a, "seed")->u;
    o->resume = ics_args_flag(&a, "resume");
    o->force = ics_args_flag(&a, "force");
    o->quiet = ics_args_flag(&a, "quiet");
    return ics_args_operands(&a, 1, 1, err);
}

/* ---- copying a finished stage into the partial file of the next (rank 0, serial HDF5) ---- */

static herr_t copy_attr(hid_t loc, const char *name, const H5A_info_t *info, void *dst_)
{
    (void)info;
    const hid_t dst = *(hid_t *)dst_;
    /* dimension-scale attachments refer to objects of the old file: made again at the end */
    if (!strcmp(name, "DIMENSION_LIST") || !strcmp(name, "REFERENCE_LIST")) return 0;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), type = H5Aget_type(a), space = H5Aget_space(a);
    const hssize_t npts = H5Sget_simple_extent_npoints(space);
    const size_t sz = H5Tget_size(type) * (size_t)(npts > 0 ? npts : 1);
    herr_t rc = -1;
    void *buf = calloc(1, sz);
    if (buf && H5Aread(a, type, buf) >= 0) {
        hid_t b = H5Acreate2(dst, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (b >= 0) {
            rc = H5Awrite(b, type, buf) < 0 ? -1 : 0;
            H5Aclose(b);
        }
    }
    free(buf);
    H5Sclose(space), H5Tclose(type), H5Aclose(a);
    return rc;
}

typedef struct copy_ctx {
    hid_t dst;
    int64_t rows;   /* new first dimension */
    ics_error *err;
    ics_status st;
} copy_ctx;

/* Copy one dataset into dst at the same path with `rows` rows (its first `old` rows copied). */
static ics_status copy_dataset(hid_t src, const char *path, copy_ctx *c)
{
    ics_status st = ICS_OK;
    ics_error *err = c->err;
    hid_t ds = H5Dopen2(src, path, H5P_DEFAULT), fs = H5Dget_space(ds), dcpl = H5Dget_create_plist(ds);
    hid_t nd = H5I_INVALID_HID, ns = H5I_INVALID_HID, ms = H5I_INVALID_HID, lcpl = H5Pcreate(H5P_LINK_CREATE);
    double *buf = NULL;
    hsize_t dims[3] = {0, 1, 1}, ndims[3];
    const int rank = H5Sget_simple_extent_ndims(fs);
    H5Sget_simple_extent_dims(fs, dims, NULL);
    memcpy(ndims, dims, sizeof dims);
    ndims[0] = (hsize_t)c->rows;
    H5Pset_create_intermediate_group(lcpl, 1);
    ns = H5Screate_simple(rank, ndims, NULL);
    if ((nd = H5Dcreate2(c->dst, path, H5T_IEEE_F64LE, ns, lcpl, dcpl, H5P_DEFAULT)) < 0)
        ICS_FAIL(err, ICS_EIO, "cannot create %s in the next stage's file", path);
    H5Aiterate2(ds, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, copy_attr, &nd);
    {
        hsize_t width = 1;
        for (int r = 1; r < rank; ++r) width *= dims[r];
        hsize_t step = (1u << 20) / (width ? width : 1);
        if (step < 1) step = 1;
        ICS_ALLOC(buf, step * width, err, "a copy buffer");
        for (hsize_t r0 = 0; r0 < dims[0]; r0 += step) {
            hsize_t cnt[3] = {dims[0] - r0 < step ? dims[0] - r0 : step, dims[1], dims[2]};
            hsize_t start[3] = {r0, 0, 0};
            ms = H5Screate_simple(rank, cnt, NULL);
            H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL);
            H5Sselect_hyperslab(ns, H5S_SELECT_SET, start, NULL, cnt, NULL);
            if (H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) < 0 ||
                H5Dwrite(nd, H5T_NATIVE_DOUBLE, ms, ns, H5P_DEFAULT, buf) < 0)
                ICS_FAIL(err, ICS_EIO, "cannot copy %s to the next stage's file", path);
            H5Sclose(ms), ms = H5I_INVALID_HID;
        }
    }
done:
    free(buf);
    if (ms >= 0) H5Sclose(ms);
    if (nd >= 0) H5Dclose(nd);
    H5Sclose(ns), H5Pclose(lcpl), H5Pclose(dcpl), H5Sclose(fs), H5Dclose(ds);
    return st;
}

static herr_t visit_dataset(hid_t obj, const char *name, const H5O_info_t *info, void *c_)
{
    copy_ctx *c = c_;
    if (info->type != H5O_TYPE_DATASET) return 0;
    char path[1024];
    snprintf(path, sizeof path, "/scenarios/%s", name);
    if (ics_h5meta_is_scale(obj, path)) return 0; /* made again when the file is finished */
    c->st = copy_dataset(obj, path, c);
    return c->st == ICS_OK ? 0 : -1;
}

/* OUT (a finished stage of old_rows scenarios) -> OUT.partial laid out for new_rows scenarios,
 * its finished blocks flagged, so that `run --resume` computes only the new rows. */
static ics_status extend_stage(const char *out, int64_t new_rows, int b, ics_error *err)
{
    ics_status st = ICS_OK;
    char partial[4096];
    hid_t src = H5I_INVALID_HID, dst = H5I_INVALID_HID, root = H5I_INVALID_HID, grp = H5I_INVALID_HID;
    hid_t done_ds = H5I_INVALID_HID;
    unsigned char *flags = NULL;
    int64_t old_rows = 0;
    snprintf(partial, sizeof partial, "%s.partial", out);
    if ((src = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot open the previous stage", out);
    ICS_TRY(ics_h5_get_attr_i64(src, "scenarios", &old_rows, err));
    if ((dst = H5Fcreate(partial, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot create the next stage's file", partial);
    root = H5Gopen2(src, "/", H5P_DEFAULT);
    grp = H5Gopen2(dst, "/", H5P_DEFAULT);
    if (H5Aiterate2(root, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, copy_attr, &grp) < 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot copy the attributes", partial);
    if (H5Ocopy(src, "/table", dst, "/table", H5P_DEFAULT, H5P_DEFAULT) < 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot copy /table", partial);
    {
        copy_ctx c = {dst, new_rows, err, ICS_OK};
        hid_t sg = H5Gopen2(src, "/scenarios", H5P_DEFAULT);
        herr_t rc = H5Ovisit(sg, H5_INDEX_NAME, H5_ITER_INC, visit_dataset, &c);
        H5Gclose(sg);
        if (c.st != ICS_OK) ICS_TRY(c.st);
        if (rc < 0) ICS_FAIL(err, ICS_EIO, "%s: cannot copy /scenarios", partial);
    }
    ICS_TRY(ics_h5_set_attr_i64(grp, "scenarios", new_rows, err));
    ICS_TRY(ics_h5_set_attr_i64(grp, "complete", 0, err));
    {   /* the same run with more scenarios: so says its identity, for the --resume that follows */
        ics_run_identity id;
        char text[512];
        ICS_TRY(ics_run_identity_read(grp, partial, &id, err));
        id.scenarios = new_rows, id.blocks = (new_rows + b - 1) / b;
        ics_run_identity_format(&id, text, sizeof text);
        ICS_TRY(ics_h5_set_attr_str(grp, "run_identity", text, err));
    }
    {
        const int64_t nblocks = (new_rows + b - 1) / b;
        ICS_TRY(ics_h5_dataset_u8(dst, "/progress/block_done", nblocks, &done_ds, err));
        ICS_ALLOC(flags, nblocks, err, "progress flags");
        for (int64_t bl = 0; (bl + 1) * b <= old_rows; ++bl) flags[bl] = 1;
        if (H5Dwrite(done_ds, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, flags) < 0)
            ICS_FAIL(err, ICS_EIO, "%s: cannot write the progress flags", partial);
    }
done:
    free(flags);
    if (done_ds >= 0) H5Dclose(done_ds);
    if (grp >= 0) H5Gclose(grp);
    if (root >= 0) H5Gclose(root);
    if (dst >= 0) H5Fclose(dst);
    if (src >= 0) H5Fclose(src);
    if (st != ICS_OK) unlink(partial);
    return st;
}

/* Is OUT a finished file of this very config with `rows` scenarios? (resume of the analysis) */
static int finished_file(const char *out, const ics_config *cfg, int64_t rows)
{
    if (access(out, R_OK) != 0) return 0;
    hid_t f;
    H5E_BEGIN_TRY { f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT); }
    H5E_END_TRY;
    if (f < 0) return 0;
    ics_error e;
    ics_error_clear(&e);
    int64_t complete = 0, n = 0, seed = 0;
    char *text = NULL;
    int ok = ics_h5_get_attr_i64(f, "complete", &complete, &e) == ICS_OK &&
             ics_h5_get_attr_i64(f, "scenarios", &n, &e) == ICS_OK &&
             ics_h5_get_attr_i64(f, "seed", &seed, &e) == ICS_OK &&
             ics_h5_get_attr_str(f, "config", &text, &e) == ICS_OK;
    ok = ok && complete == 1 && n == rows && (uint64_t)seed == cfg->seed && !strcmp(text, cfg->text);
    free(text);
    H5Fclose(f);
    return ok;
}

/* The per-scenario scalar outputs a run of cfg stores, with their column labels. */
static ics_status list_outputs(const ics_config *cfg, const ics_table *t, const ics_aggset *as,
                               ics_sens_output **out, int *nout, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_sens_output *o = NULL;
    int n = 0;
    const int dynamic = cfg->model == ICS_MODEL_DIIM || cfg->model == ICS_MODEL_ARIO;
    ICS_ALLOC(o, as->nout + 2, err, "the outputs");
    for (int a = 0; a < as->nout; ++a) {
        const char *nm = as->out[a].name;
        o[n].name = nm;
        o[n].width = as->out[a].width;
        o[n].labels = NULL;
        if (!strcmp(nm, "va_loss_by_region") || !strcmp(nm, "output_loss_by_region"))
            o[n].labels = t->regions;
        else if (!strcmp(nm, "output_loss_by_segment"))
            o[n].labels = t->segments;
        ++n;
    }
    if (dynamic) {
        o[n++] = (ics_sens_output){"recovery_time_by_region", t->nreg, t->regions};
        if (cfg->model == ICS_MODEL_ARIO) o[n++] = (ics_sens_output){"unmet_final_demand", 1, NULL};
    }
    *out = o, *nout = n;
    o = NULL;
done:
    free(o);
    return st;
}

int ics_cmd_sensitivity(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    ics_status st = ICS_OK;
    sens_opts o;
    ics_config *cfg = NULL;
    ics_table *t = NULL;
    ics_model *m = NULL;
    ics_plan *plan = NULL;
    ics_aggset *as = NULL;
    ics_sens_output *outs = NULL;
    ics_sens_target *targets = NULL;
    ics_sens_design *d = NULL;
    int nouts = 0, ntargets = 0, code = 0;
    char *report = NULL;
    ics_out_lock *lock = NULL;

    ICS_TRY(parse_args(argc, argv, &o, err));
    ctx->quiet = o.quiet;
    ICS_TRY(ics_config_load(o.config, &cfg, err));
    if (!cfg->has_sensitivity)
        ICS_FAIL(err, ICS_EINPUT, "%s: no 'sensitivity' section: add one (method, targets, "
                 "samples; see docs/sensitivity.md) or use `icstress run`", cfg->path);
    if (o.have_seed) cfg->seed = o.seed;
    if (o.samples > 0) cfg->sens_samples = o.samples;
    const char *out = o.out ? o.out : cfg->output_file;
    /* --resume may take over a finished file of this config (its analysis is redone); the
     * stages' runs check the rest */
    ICS_TRY(ics_output_guard(ctx, out, cfg->path, cfg->table, o.force || o.resume, err));

    /* ---- plan: the factors, the groups and the design's shape; every input error here ---- */
    ics_blas_set_threads(1);
    ICS_TRY(ics_table_load(cfg->table, &t, err));
    ICS_TRY(ics_model_create(t, &m, err));
    cfg->scenarios = 1; /* N from sens_samples (a stride never divides 1) */
    ICS_TRY(ics_plan_create(cfg, t, m, &plan, err));
    {
        int by_region = 0, by_segment = 0;
        for (int s = 0; s < cfg->nstore; ++s) {
            if (!strcmp(cfg->store[s], "output_loss_by_region")) by_region = 1;
            if (!strcmp(cfg->store[s], "output_loss_by_segment")) by_segment = 1;
        }
        ICS_TRY(ics_aggset_create(cfg, t, m, by_region, by_segment, &as, err));
    }
    ICS_TRY(list_outputs(cfg, t, as, &outs, &nouts, err));
    ICS_TRY(ics_sens_resolve_targets(cfg->path, cfg->sens_targets, cfg->sens_ntargets, outs, nouts,
                                     &targets, &ntargets, err));
    const ics_sens_design *pd = plan->design;
    const int stride = pd->stride;
    const int sobol = pd->method == ICS_SENS_SOBOL;
    int64_t N = cfg->sens_samples, budget = N;
    if (cfg->sens_ci_target > 0) {
        if (!sobol)
            ICS_FAIL(err, ICS_EINPUT, "%s:%d: sensitivity: ci_target (the stopping rule) applies "
                     "to method sobol only", cfg->path, cfg->sens_line);
        if (cfg->sens_sampler == ICS_SAMPLER_LHS)
            ICS_FAIL(err, ICS_EINPUT, "%s:%d: sensitivity: ci_target doubles the base samples, and "
                     "a Latin hypercube of 2N points does not contain the one of N: use sampler "
                     "sobol or mc", cfg->path, cfg->sens_line);
        budget = cfg->sens_max_samples > 0 ? cfg->sens_max_samples : 16 * N;
        if (budget < N)
            ICS_FAIL(err, ICS_EINPUT, "%s:%d: sensitivity: max_samples %lld is below samples %lld",
                     cfg->path, cfg->sens_line, (long long)budget, (long long)N);
    }
    /* one writer for all the stages */
    ICS_TRY(ics_output_lock(ctx, out, o.force || o.resume, &lock, err));
    ctx->out_lock = lock;
    if (ctx->rank == 0 && !o.quiet) {
        fprintf(stderr, "icstress: sensitivity design: %s, %d factor(s) in %d group(s), %s %lld x "
                "%d runs = %lld scenarios%s\n", sobol ? "Sobol' (Saltelli)" : "Morris", pd->k,
                pd->G, sobol ? "N =" : "r =", (long long)N, stride, (long long)(N * stride),
                cfg->sens_ci_target > 0 ? " per stage (doubling until the ST half-widths are small)"
                                        : "");
        if (sobol && cfg->sens_sampler == ICS_SAMPLER_SOBOL && (N & (N - 1)))
            fprintf(stderr, "icstress: note: N = %lld is not a power of two; Sobol' points balance "
                    "best in blocks of 2^m\n", (long long)N);
    }

    for (int stage = 0;; ++stage) {
        const int64_t rows = N * stride;
        char nbuf[32], sbuf[32];
        snprintf(nbuf, sizeof nbuf, "%lld", (long long)rows);
        snprintf(sbuf, sizeof sbuf, "%llu", (unsigned long long)cfg->seed);
        /* a finished file of this stage (an earlier `sensitivity` killed in its analysis, or
         * --resume after it completed) is analysed again without running */
        int skip = 0;
        if (ctx->rank == 0 && o.resume) skip = finished_file(out, cfg, rows);
        MPI_Bcast(&skip, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (!skip) {
            int extend = 0;
            if (stage > 0) {
                int rc = ICS_OK;
                if (ctx->rank == 0) rc = extend_stage(out, rows, cfg->block_size, err);
                MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
                if (rc != ICS_OK) {
                    if (ctx->rank != 0) ics_error_set(err, (ics_status)rc, "stage set-up failed on rank 0");
                    st = (ics_status)rc;
                    goto done;
                }
                extend = 1;
            }
            char *rargv[14];
            int rargc = 0;
            rargv[rargc++] = "run";
            rargv[rargc++] = (char *)o.config;
            rargv[rargc++] = "-o";
            rargv[rargc++] = (char *)out;
            rargv[rargc++] = "--scenarios";
            rargv[rargc++] = nbuf;
            rargv[rargc++] = "--seed";
            rargv[rargc++] = sbuf;
            if (o.resume || extend) rargv[rargc++] = "--resume";
            /* a later stage replaces the earlier stage's file, which it extends */
            if (o.force || extend) rargv[rargc++] = "--force";
            if (o.quiet) rargv[rargc++] = "--quiet";
            rargv[rargc] = NULL;
            code = ics_cmd_run(ctx, rargc, rargv, err);
            if (code != 0) goto done;
        }

        /* ---- the indices (rank 0, serial) ---- */
        double max_half = 0.0;
        int rc = ICS_OK;
        if (ctx->rank == 0) {
            hid_t f = H5I_INVALID_HID;
            cfg->scenarios = rows;
            ics_sens_design_destroy(&d);
            rc = ics_sens_design_for_plan(cfg, plan, &d, err);
            if (rc == ICS_OK && (f = H5Fopen(out, H5F_ACC_RDWR, H5P_DEFAULT)) < 0)
                rc = ics_error_set(err, ICS_EIO, "%s: cannot reopen the result for the analysis", out);
            if (rc == ICS_OK) {
                ics_sens_analysis_opts ao = {cfg->sens_bootstrap > 0 ? cfg->sens_bootstrap : -1, 0.95};
                rc = ics_sens_analyze_file(f, d, targets, ntargets, &ao, &report, &max_half, err);
                if (rc == ICS_OK)
                    rc = ics_h5_set_attr_str(f, "sampler", ics_sampler_name(cfg->sens_sampler), err);
                const ics_h5meta_opts mo = {cfg->steps_per_year, ctx->argc, ctx->argv};
                if (rc == ICS_OK) rc = ics_h5meta_describe(f, &mo, err);
            }
            if (f >= 0 && H5Fclose(f) < 0 && rc == ICS_OK)
                rc = ics_error_set(err, ICS_EIO, "%s: closing the result failed", out);
            if (rc == ICS_OK && !o.quiet && report) {
                fputs(report, stdout);
                if (cfg->sens_ci_target > 0)
                    printf("  stage %d: largest ST half-width %.4g, target %.4g\n", stage + 1,
                           max_half, cfg->sens_ci_target);
                printf("  wrote /sensitivity to %s\n", out);
                fflush(stdout);
            }
            free(report), report = NULL;
        }
        MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
        MPI_Bcast(&max_half, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rc != ICS_OK) {
            if (ctx->rank != 0) ics_error_set(err, (ics_status)rc, "the analysis failed on rank 0");
            st = (ics_status)rc;
            goto done;
        }
        if (!(cfg->sens_ci_target > 0) || max_half <= cfg->sens_ci_target) break;
        if (2 * N > budget) {
            if (ctx->rank == 0 && !o.quiet)
                fprintf(stderr, "icstress: stopping at N = %lld: doubling would exceed max_samples "
                        "%lld (largest ST half-width %.4g > %.4g)\n", (long long)N,
                        (long long)budget, max_half, cfg->sens_ci_target);
            break;
        }
        N *= 2;
    }
done:
    if (ctx->out_lock == lock) ctx->out_lock = NULL;
    ics_output_unlock(&lock);
    free(report);
    ics_sens_design_destroy(&d);
    ics_sens_targets_free(&targets, ntargets);
    free(outs);
    ics_aggset_destroy(&as);
    ics_plan_destroy(&plan);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    ics_config_destroy(&cfg);
    if (code != 0) return code;
    return ics_status_exit_code(st);
}

int ics_sensitivity_requested(int argc, char **argv)
{
    /* the CONFIG of a command line valid for run or for sensitivity */
    const char *config = NULL;
    ics_args a;
    if (ics_args_parse(ics_cmdspec_find("run"), argc, argv, &a, NULL) == ICS_OK ||
        ics_args_parse(ics_cmdspec_find("sensitivity"), argc, argv, &a, NULL) == ICS_OK)
        config = a.operand[0];
    if (!config) return 0;
    ics_config *cfg = NULL;
    ics_error e;
    ics_error_clear(&e);
    const int yes = ics_config_load(config, &cfg, &e) == ICS_OK && cfg->has_sensitivity;
    ics_config_destroy(&cfg);
    return yes;
}
