/* `icstress table balance PRIOR_DIR -o OUT_DIR`: balance a prior MRIO (pymrio text layout) to its
 * gross outputs x with GRAS and write the balanced table in the same layout.
 *
 * Design. The augmented (n+1) x (n+k) matrix
 *         [ Z0   Y0 ]        row targets    [ x ; F ]
 *         [ va0  0  ]        column targets [ x ; F * colsum(Y0) / sum(Y0) ]
 * is balanced with GRAS, so that Z1 + Y1 = x (rows) and 1'Z + va = x (columns) hold together,
 * every entry keeps the sign of its prior (negative inventory changes or subsidies are allowed)
 * and zeros stay zero. F is total final demand = total value added (the two must be equal when
 * both balances hold). It keeps the prior's final-demand share of output:
 *     F = sum(x) * (sum(Y0) / (sum(Z0) + sum(Y0)) + sum(va0) / (sum(Z0) + sum(va0))) / 2,
 * which is exact for a prior that is already balanced. The final-demand columns keep their
 * prior proportions; the VA components are summed into one row (the loader sums VA.csv rows;
 * with no VA.csv the prior value added is x - 1'Z0). */
#define _POSIX_C_SOURCE 200809L

#include "ics_table_cmd.h"
#include "ics_options.h"
#include "ics_export.h"
#include "ics_gras.h"
#include "ics_nest.h"
#include "ics_table.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------
 * Writing the pymrio text layout
 * ---------------------------------------------------------------------------------------- */

/* A label as a CSV field: quoted when it holds a comma, a quote or surrounding blanks. */
static void put_num(FILE *f, double v)
{
    if (v == 0.0) fputs(",0", f); /* also -0 */
    else fprintf(f, ",%.17g", v);
}

static ics_status close_file(FILE *f, const char *path, ics_error *err)
{
    const int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return ics_error_set(err, ICS_EIO, "%s: write failed: %s", path, strerror(errno));
    return ICS_OK;
}

static ics_status open_out(const char *dir, const char *name, char *path, size_t len, FILE **f,
                           ics_error *err)
{
    snprintf(path, len, "%s/%s", dir, name);
    *f = fopen(path, "w");
    if (!*f) return ics_error_set(err, ICS_EIO, "%s: cannot create: %s", path, strerror(errno));
    return ICS_OK;
}

static ics_status write_table_dir(const ics_table *t, const char *dir, ics_error *err)
{
    ics_status st = ICS_OK;
    char path[4096];
    FILE *f = NULL;
    const int n = t->n, ny = t->ny;
#define REG(i) t->regions[t->node_region[i]]
#define SEG(i) t->segments[t->node_segment[i]]

    ICS_TRY(open_out(dir, "Z.csv", path, sizeof path, &f, err));
    fputs("region,", f);
    for (int j = 0; j < n; ++j) fputc(',', f), ics_csv_put_field(f, REG(j));
    fputs("\nsector,", f);
    for (int j = 0; j < n; ++j) fputc(',', f), ics_csv_put_field(f, SEG(j));
    fputs("\nregion,sector", f);
    for (int j = 0; j < n; ++j) fputc(',', f);
    fputc('\n', f);
    for (int i = 0; i < n; ++i) {
        ics_csv_put_field(f, REG(i));
        fputc(',', f);
        ics_csv_put_field(f, SEG(i));
        for (int j = 0; j < n; ++j) put_num(f, t->Z[(size_t)i + (size_t)j * (size_t)n]);
        fputc('\n', f);
    }
    st = close_file(f, path, err);
    f = NULL;
    if (st != ICS_OK) goto done;

    ICS_TRY(open_out(dir, "Y.csv", path, sizeof path, &f, err));
    fputs("region,", f);
    for (int k = 0; k < ny; ++k) fputc(',', f), ics_csv_put_field(f, t->y_region[k]);
    fputs("\ncategory,", f);
    for (int k = 0; k < ny; ++k) fputc(',', f), ics_csv_put_field(f, t->y_category[k]);
    fputs("\nregion,sector", f);
    for (int k = 0; k < ny; ++k) fputc(',', f);
    fputc('\n', f);
    for (int i = 0; i < n; ++i) {
        ics_csv_put_field(f, REG(i));
        fputc(',', f);
        ics_csv_put_field(f, SEG(i));
        for (int k = 0; k < ny; ++k) put_num(f, t->Y[(size_t)i + (size_t)k * (size_t)n]);
        fputc('\n', f);
    }
    st = close_file(f, path, err);
    f = NULL;
    if (st != ICS_OK) goto done;

    ICS_TRY(open_out(dir, "x.csv", path, sizeof path, &f, err));
    fputs("region,sector,indout\n", f);
    for (int i = 0; i < n; ++i) {
        ics_csv_put_field(f, REG(i));
        fputc(',', f);
        ics_csv_put_field(f, SEG(i));
        put_num(f, t->x[i]);
        fputc('\n', f);
    }
    st = close_file(f, path, err);
    f = NULL;
    if (st != ICS_OK) goto done;

    ICS_TRY(open_out(dir, "VA.csv", path, sizeof path, &f, err));
    fputs("region", f);
    for (int j = 0; j < n; ++j) fputc(',', f), ics_csv_put_field(f, REG(j));
    fputs("\nsector", f);
    for (int j = 0; j < n; ++j) fputc(',', f), ics_csv_put_field(f, SEG(j));
    fputs("\ninputtype", f);
    for (int j = 0; j < n; ++j) fputc(',', f);
    fputs("\nvalue_added", f);
    for (int j = 0; j < n; ++j) put_num(f, t->va[j]);
    fputc('\n', f);
    st = close_file(f, path, err);
    f = NULL;
#undef REG
#undef SEG
done:
    if (f) fclose(f);
    return st;
}

/* Remove a stale OUT_DIR.partial left by an interrupted run (only the files we write). */
static void remove_partial(const char *dir)
{
    static const char *const names[] = {"Z.csv", "Y.csv", "x.csv", "VA.csv", "unit.csv"};
    char path[4096];
    for (size_t k = 0; k < sizeof names / sizeof *names; ++k) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        unlink(path);
    }
    rmdir(dir);
}

static int has_file(const char *dir, const char *name)
{
    char path[4096];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static ics_status write_unit(const ics_table *t, const char *dir, ics_error *err)
{
    if (!t->unit) return ICS_OK;
    char path[4096];
    FILE *f = NULL;
    ics_status st = open_out(dir, "unit.csv", path, sizeof path, &f, err);
    if (st != ICS_OK) return st;
    fputs("region,sector,unit\n", f);
    for (int i = 0; i < t->n; ++i) {
        ics_csv_put_field(f, t->regions[t->node_region[i]]);
        fputc(',', f);
        ics_csv_put_field(f, t->segments[t->node_segment[i]]);
        fputc(',', f);
        ics_csv_put_field(f, t->unit);
        fputc('\n', f);
    }
    return close_file(f, path, err);
}

/* Write t in the pymrio text layout (with unit.csv when with_unit) to OUT_DIR.partial, then
 * rename it to out; a failure leaves neither directory behind. */
static ics_status write_dir_atomically(const ics_table *t, const char *out, int with_unit,
                                       ics_error *err)
{
    ics_status st = ICS_OK;
    struct stat sb;
    int made = 0;
    const size_t plen = strlen(out) + sizeof ".partial";
    char *partial = NULL;
    ICS_ALLOC(partial, plen, err, "path");
    snprintf(partial, plen, "%s.partial", out);
    if (stat(partial, &sb) == 0) remove_partial(partial);
    if (mkdir(partial, 0777) != 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot create: %s", partial, strerror(errno));
    made = 1;
    ICS_TRY(write_table_dir(t, partial, err));
    if (with_unit) ICS_TRY(write_unit(t, partial, err));
    if (rename(partial, out) != 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot rename to %s: %s", partial, out, strerror(errno));
    made = 0;
done:
    if (made) remove_partial(partial);
    free(partial);
    return st;
}

/* ------------------------------------------------------------------------------------------
 * table balance
 * ---------------------------------------------------------------------------------------- */

static int cmd_balance(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_table *t = NULL;
    ics_gras *g = NULL;
    double *M = NULL, *u = NULL, *v = NULL, *X = NULL;
    char **rlab = NULL, **clab = NULL;
    const char *prior = NULL, *out = NULL;
    ics_gras_opts gopts = ICS_GRAS_DEFAULTS;

    ics_args args; /* the options of `table balance` are in its table (drivers/commands.c) */
    ICS_TRY(ics_args_parse(ics_cmdspec_find("table balance"), argc, argv, &args, err));
    if (args.help) {
        if (ctx->rank == 0) ics_usage_command(stdout, args.cmd);
        return 0;
    }
    if (args.noperands > 1)
        ICS_FAIL(err, ICS_EINPUT, "table balance: unexpected argument '%s' (usage: icstress "
                 "table balance PRIOR_DIR -o OUT_DIR)", args.operand[1]);
    prior = args.operand[0];
    out = ics_args_str(&args, "output");
    if (ics_args_flag(&args, "tol")) gopts.tol = ics_args_get(&args, "tol")->d;
    if (ics_args_flag(&args, "max-iter")) gopts.max_iter = (int)ics_args_get(&args, "max-iter")->i;
    if (!prior || !out)
        ICS_FAIL(err, ICS_EINPUT, "usage: icstress table balance PRIOR_DIR -o OUT_DIR [--tol T] "
                 "[--max-iter N]");
    if (ctx->size > 1)
        ICS_FAIL(err, ICS_EINPUT, "table balance runs as one process (not under mpirun -np %d)",
                 ctx->size);
    struct stat sb;
    if (stat(prior, &sb) != 0 || !S_ISDIR(sb.st_mode))
        ICS_FAIL(err, ICS_EINPUT, "%s: not a table directory", prior);
    if (!has_file(prior, "x.csv") && !has_file(prior, "x.txt"))
        ICS_FAIL(err, ICS_EINPUT, "%s: no x.csv: the gross outputs are the balancing targets and "
                 "must be given", prior);
    if (stat(out, &sb) == 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: already exists (remove it or choose another output "
                 "directory)", out);

    ICS_TRY(ics_table_load_dir(prior, &t, err));
    const int n = t->n, ny = t->ny, m = n + 1, nc = n + ny;
    if (ny < 1) ICS_FAIL(err, ICS_EINPUT, "%s: Y has no final-demand columns", prior);
    for (int i = 0; i < n; ++i) {
        char lb[256];
        if (!isfinite(t->x[i]) || t->x[i] < 0)
            ICS_FAIL(err, ICS_EINPUT, "%s/x.csv: node %s: gross output %g must be finite and >= 0",
                     prior, ics_table_node_label(t, i, lb, sizeof lb), t->x[i]);
    }

    /* totals of the prior and the final-demand / value-added total F */
    double sx = 0, sz = 0, sy = 0, sva = 0;
    for (int i = 0; i < n; ++i) sx += t->x[i], sva += t->va[i];
    for (size_t k = 0; k < (size_t)n * (size_t)n; ++k) sz += t->Z[k];
    for (size_t k = 0; k < (size_t)n * (size_t)ny; ++k) sy += t->Y[k];
    if (!(sy > 0) || !(sva > 0) || !(sz + sy > 0) || !(sz + sva > 0))
        ICS_FAIL(err, ICS_EINPUT, "%s: the prior's total final demand (%g) and total value added "
                 "(%g) must be positive", prior, sy, sva);
    const double F = sx * 0.5 * (sy / (sz + sy) + sva / (sz + sva));

    ICS_ALLOC(M, (size_t)m * (size_t)nc, err, "augmented prior");
    ICS_ALLOC(X, (size_t)m * (size_t)nc, err, "balanced table");
    ICS_ALLOC(u, m, err, "row targets");
    ICS_ALLOC(v, nc, err, "column targets");
    for (int j = 0; j < n; ++j) {
        memcpy(M + (size_t)j * (size_t)m, t->Z + (size_t)j * (size_t)n, (size_t)n * sizeof *M);
        M[(size_t)n + (size_t)j * (size_t)m] = t->va[j];
    }
    for (int k = 0; k < ny; ++k) {
        double cs = 0;
        for (int i = 0; i < n; ++i) {
            const double y = t->Y[(size_t)i + (size_t)k * (size_t)n];
            M[(size_t)i + (size_t)(n + k) * (size_t)m] = y;
            cs += y;
        }
        v[n + k] = F * cs / sy;
    }
    for (int i = 0; i < n; ++i) u[i] = v[i] = t->x[i];
    u[n] = F;

    /* labels for messages */
    ICS_ALLOC(rlab, m, err, "labels");
    ICS_ALLOC(clab, nc, err, "labels");
    for (int i = 0; i < n; ++i) {
        char lb[256];
        ics_table_node_label(t, i, lb, sizeof lb);
        if (!(rlab[i] = ics_strdup(lb, err)) || !(clab[i] = ics_strdup(lb, err)))
            ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    }
    if (!(rlab[n] = ics_strdup("value added", err))) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    for (int k = 0; k < ny; ++k) {
        char lb[512];
        snprintf(lb, sizeof lb, "final demand %s/%s", t->y_region[k], t->y_category[k]);
        if (!(clab[n + k] = ics_strdup(lb, err))) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    }
    gopts.row_labels = (const char *const *)rlab;
    gopts.col_labels = (const char *const *)clab;

    g = ics_gras_create(m, nc, err);
    if (!g) {
        st = err->code;
        goto done;
    }
    ics_gras_report rep;
    st = ics_gras_solve(g, M, m, u, v, &gopts, X, m, NULL, NULL, &rep, err);
    if (st != ICS_OK) {
        /* name the input: the prior directory */
        ics_error e2;
        ics_error_clear(&e2);
        ics_error_set(&e2, st, "%s: %s", prior, err->msg);
        *err = e2;
        goto done;
    }

    for (int j = 0; j < n; ++j) {
        memcpy(t->Z + (size_t)j * (size_t)n, X + (size_t)j * (size_t)m, (size_t)n * sizeof *X);
        t->va[j] = X[(size_t)n + (size_t)j * (size_t)m];
    }
    for (int k = 0; k < ny; ++k)
        for (int i = 0; i < n; ++i)
            t->Y[(size_t)i + (size_t)k * (size_t)n] = X[(size_t)i + (size_t)(n + k) * (size_t)m];

    ics_validate_opts vo = ICS_VALIDATE_DEFAULTS;
    vo.balance_rtol = 1e-9;
    ics_validate_report vr;
    st = ics_table_validate(t, &vo, &vr, err);
    if (st != ICS_OK) {
        ics_error e2;
        ics_error_clear(&e2);
        ics_error_set(&e2, st, "the balanced table fails validation: %s", err->msg);
        *err = e2;
        goto done;
    }

    ICS_TRY(write_dir_atomically(t, out, 0, err));

    if (ctx->rank == 0 && !ctx->quiet) {
        double z1 = 0;
        for (size_t k = 0; k < (size_t)n * (size_t)n; ++k) z1 += t->Z[k];
        printf("balanced %s -> %s: %d nodes, %d final-demand columns\n", prior, out, n, ny);
        printf("  GRAS: %d iterations, max relative margin error %.3g (tolerance %.3g)\n",
               rep.iterations, rep.max_rel_error, gopts.tol);
        printf("  totals: output %.17g, intermediate %.17g (prior %.17g), final demand = value "
               "added %.17g (prior %.17g / %.17g)\n", sx, z1, sz, F, sy, sva);
        printf("  validate: worst row balance %.3g, worst column balance %.3g, max column sum "
               "of A %.6f, spectral radius of A in [%.6f, %.6f]\n", vr.worst_row_balance,
               vr.worst_col_balance, vr.max_colsum_A, vr.spectral_lower, vr.spectral_radius);
    }
done:
    if (rlab)
        for (int i = 0; t && i < t->n + 1; ++i) free(rlab[i]);
    if (clab)
        for (int j = 0; t && j < t->n + t->ny; ++j) free(clab[j]);
    free(rlab);
    free(clab);
    free(M);
    free(X);
    free(u);
    free(v);
    ics_gras_destroy(&g);
    ics_table_destroy(&t);
    return ics_status_exit_code(st);
}

/* ------------------------------------------------------------------------------------------
 * table nest (core/table/nest.c; docs/nesting.md)
 * ---------------------------------------------------------------------------------------- */

/* a finite number written any way strtod reads, the whole string */
static int parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *s && !*end && errno == 0 && isfinite(*v);
}

static ics_status load_frame(const char *path, ics_table **t, ics_error *err)
{
    if (!strcmp(path, "builtin_world_frame")) return ics_table_world_frame(t, err);
    return ics_table_load(path, t, err);
}


static int cmd_nest(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_table *F = NULL, *C = NULL, *N = NULL;
    const char *frame = NULL, *chain = NULL, *out = NULL, *sector = NULL;
    ics_nest_opts nopts = ICS_NEST_DEFAULTS;
    struct stat sb;

    ics_args args; /* the options of `table nest` are in its table (drivers/commands.c) */
    ICS_TRY(ics_args_parse(ics_cmdspec_find("table nest"), argc, argv, &args, err));
    if (args.noperands > 2)
        ICS_FAIL(err, ICS_EINPUT, "table nest: unexpected argument '%s' (usage: icstress "
                 "table nest FRAME CHAIN --into SECTOR -o OUT_DIR)", args.operand[2]);
    frame = args.noperands > 0 ? args.operand[0] : NULL;
    chain = args.noperands > 1 ? args.operand[1] : NULL;
    out = ics_args_str(&args, "output");
    sector = ics_args_str(&args, "into");
    if (sector && !*sector)
        ICS_FAIL(err, ICS_EINPUT, "table nest: --into needs a sector label of the frame");
    if (ics_args_flag(&args, "mix")) {
        const char *w = ics_args_str(&args, "mix");
        if (!parse_double(w, &nopts.mix) || !(nopts.mix >= 0) || !(nopts.mix < 1))
            ICS_FAIL(err, ICS_EINPUT, "table nest: --mix needs a number in [0, 1), got '%s'", w);
    }
    if (ics_args_flag(&args, "tol")) nopts.tol = ics_args_get(&args, "tol")->d;
    if (ics_args_flag(&args, "max-iter")) nopts.max_iter = (int)ics_args_get(&args, "max-iter")->i;
    if (!frame || !chain || !out || !sector)
        ICS_FAIL(err, ICS_EINPUT, "usage: icstress table nest FRAME CHAIN --into SECTOR -o OUT_DIR "
                 "[--tol T] [--max-iter N]");
    if (ctx->size > 1)
        ICS_FAIL(err, ICS_EINPUT, "table nest runs as one process (not under mpirun -np %d)",
                 ctx->size);
    if (stat(out, &sb) == 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: already exists (remove it or choose another output "
                 "directory)", out);
    ICS_TRY(load_frame(frame, &F, err));
    ICS_TRY(ics_table_load(chain, &C, err));
    ics_nest_report rep;
    ICS_TRY(ics_table_nest(F, C, sector, &nopts, &N, &rep, err));

    ics_validate_opts vo = ICS_VALIDATE_DEFAULTS;
    ics_validate_report vr;
    st = ics_table_validate(N, &vo, &vr, err);
    if (st != ICS_OK) {
        ics_error e2;
        ics_error_clear(&e2);
        ics_error_set(&e2, st, "the nested table fails validation: %s", err->msg);
        *err = e2;
        goto done;
    }

    ICS_TRY(write_dir_atomically(N, out, 1, err));

    if (ctx->rank == 0 && !ctx->quiet) {
        printf("nested %s into %s/%s -> %s: %d nodes (%d regions x %d chain segments replace "
               "%s)\n", chain, frame, sector, out, N->n, N->nreg, C->nseg, sector);
        printf("  fit: %d sweeps, worst chain-node balance %.3g (tolerance %.3g), %d region "
               "pairs without a chain prior\n", rep.iterations, rep.max_rel_balance, nopts.tol,
               rep.filled_blocks);
        printf("  aggregated back over the chain's segments: worst relative deviation from the "
               "frame %.3g\n", rep.max_rel_aggregate);
        printf("  validate: worst row balance %.3g, worst column balance %.3g, spectral radius "
               "of A %.6f\n", vr.worst_row_balance, vr.worst_col_balance, vr.spectral_radius);
    }
done:
    ics_table_destroy(&F);
    ics_table_destroy(&C);
    ics_table_destroy(&N);
    return ics_status_exit_code(st);
}

int ics_cmd_table(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc < 2) {
            ics_error_set(err, ICS_EINPUT, "usage: icstress table balance PRIOR_DIR -o OUT_DIR "
                          "(see icstress table balance --help)");
            return 2;
        }
        if (ctx->rank == 0) ics_usage_command(stdout, ics_cmdspec_find("table"));
        return 0;
    }
    if (!strcmp(argv[1], "balance")) return cmd_balance(ctx, argc - 1, argv + 1, err);
    if (!strcmp(argv[1], "nest")) return cmd_nest(ctx, argc - 1, argv + 1, err);
    if (!strcmp(argv[1], "convert")) return ics_cmd_table_convert(ctx, argc - 1, argv + 1, err);
    ics_error_set(err, ICS_EINPUT, "table: unknown subcommand '%s' (subcommands: balance, nest, "
                  "convert)",
                  argv[1]);
    return 2;
}
