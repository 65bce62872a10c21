/* Speed of the dynamic models per block on random productive tables (n = nreg x 16 segments):
 * scenario-steps/s, and GFLOP/s of the block update against a plain DGEMM measured in the same
 * run. DIIM: the step is one GEMM n x n times n x b (2 n^2 b flops), the DGEMM has that shape.
 * ARIO: the flops and bytes the step really performs are counted by core/dynamics/ario.c
 * (ics__ario_flops_per_step, ics__ario_bytes_per_step); its dominant products are per input
 * product, with one dimension the regions supplying it (kernels/segment.c; --blas: grouped DGEMM
 * calls instead), and the reference DGEMM is the square shape n x n times n x 2b of the same flops; the step's bytes per second are set
 * against a single-thread STREAM triad measured in the same run on arrays larger than the last
 * level cache (DRAM) and on arrays that fit in L2, and the arithmetic intensity (flops/byte)
 * against the machine balance (DGEMM GFLOP/s / STREAM GB/s), which says which bound applies.
 * Prints a table with the BLAS core; --json appends records.
 * usage: bench_dynamic [--model diim|ario] [--n LIST] [--b LIST] [--steps T] [--chunk C]
 *                      [--blas] [--dense|--links] [--density D] [--json FILE]   (--chunk: ARIO
 *                      scenarios per chunk, 0 = whole block; --blas: ARIO's segment products by
 *                      DGEMM; --dense / --links: ARIO's dense s x n state and kernels, or the
 *                      link state, instead of the plan's choice (links when at most half of
 *                      the (product, client) pairs trade);
 *                      --density D: the table trades only between a share D of the segment
 *                      pairs, each pair full over all regions, as the built-in table, 20.1 %) */
#include "ics_ario_internal.h"
#include "ics_config.h"
#include "ics_dynamic.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_sysinfo.h"
#include "ics_table.h"

#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Keep the flows of round(D nseg^2) segment pairs (supplier segment, client segment), chosen
 * by a fixed shuffle, and zero the others; final demand and value added take up the rest of
 * each node's output (the table stays productive: flows only fall). */
static void sparsify(ics_table *t, double dens)
{
    const int n = t->n, s = t->nseg, np = s * s;
    int *pairs = malloc(sizeof *pairs * (size_t)np);
    unsigned char *keep = calloc((size_t)np, 1);
    unsigned long long x = 88172645463325252ULL;
    for (int q = 0; q < np; ++q) pairs[q] = q;
    for (int q = np - 1; q > 0; --q) { /* Fisher-Yates with xorshift64 */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const int r = (int)(x % (unsigned long long)(q + 1)), tmp = pairs[q];
        pairs[q] = pairs[r], pairs[r] = tmp;
    }
    const int nk = (int)(dens * np + 0.5);
    for (int q = 0; q < nk && q < np; ++q) keep[pairs[q]] = 1;
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i)
            if (!keep[t->node_segment[i] * s + t->node_segment[j]]) t->Z[i + (size_t)j * n] = 0.0;
    for (int i = 0; i < n; ++i) {
        double rs = 0, cs = 0;
        for (int j = 0; j < n; ++j) rs += t->Z[i + (size_t)j * n], cs += t->Z[j + (size_t)i * n];
        t->Y[i] = t->x[i] - rs;
        t->va[i] = t->x[i] - cs;
    }
    free(pairs), free(keep);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* STREAM triad a = b + s c, one thread, best of reps; GB/s counting 3 arrays of len doubles
 * (the write-allocate of a is not counted, as in STREAM) */
static double triad(size_t len, int reps)
{
    double *x = malloc(len * sizeof *x), *y = malloc(len * sizeof *y), *z = malloc(len * sizeof *z);
    for (size_t i = 0; i < len; ++i) x[i] = 0.0, y[i] = 1.0 + (double)(i % 7), z[i] = 0.5;
    double best = 1e30, chk = 0.0;
    const int inner = len * 24 < (size_t)64 << 20 ? (int)(((size_t)64 << 20) / (len * 24)) : 1;
    for (int r = 0; r < reps; ++r) {
        const double t0 = now();
        for (int q = 0; q < inner; ++q) {
            const double sc = 3.0 + q * 1e-9;
            for (size_t i = 0; i < len; ++i) x[i] = y[i] + sc * z[i];
            chk += x[q % len];
        }
        const double el = (now() - t0) / inner;
        if (el < best) best = el;
    }
    if (chk == 42.0) printf(" ");
    free(x), free(y), free(z);
    return 3.0 * sizeof(double) * (double)len / best * 1e-9;
}

int main(int argc, char **argv)
{
    const char *model = "diim", *json = NULL;
    int ns[8] = {128, 512}, nn = 2, bs[8] = {256, 1024}, nb = 2, steps = 26, chunk = -1, blas = 0;
    int dense = 0, force_links = 0;
    double dens = 1.0;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "--json") && i + 1 < argc) json = argv[++i];
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--chunk") && i + 1 < argc) chunk = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--blas")) blas = 1;
        else if (!strcmp(argv[i], "--dense")) dense = 1;
        else if (!strcmp(argv[i], "--links")) force_links = 1;
        else if (!strcmp(argv[i], "--density") && i + 1 < argc) dens = atof(argv[++i]);
        else if ((!strcmp(argv[i], "--n") || !strcmp(argv[i], "--b")) && i + 1 < argc) {
            int *dst = argv[i][2] == 'n' ? ns : bs, *cnt = argv[i][2] == 'n' ? &nn : &nb;
            *cnt = 0;
            for (char *tok = strtok(argv[++i], ","); tok && *cnt < 8; tok = strtok(NULL, ","))
                dst[(*cnt)++] = atoi(tok);
        } else {
            fprintf(stderr, "usage: %s [--model diim|ario] [--n LIST] [--b LIST] [--steps T] "
                    "[--chunk C] [--blas] [--dense|--links] [--density D] [--json FILE]\n", argv[0]);
            return 2;
        }
    }
    ics_sysinfo si;
    ics_sysinfo_get(&si);
    ics_blas_set_threads(1); /* as in a run: one thread per block */
    char warn[256];
    printf("BLAS: %s\nBLAS core: %s   CPU: %s   threads: 1 (one block per thread)\n",
           si.blas_config, si.blas_core, si.cpu_model);
    if (si.generic_core) printf("%s\n", ics_sysinfo_warning(&si, warn, sizeof warn));
    const int ario = !strcmp(model, "ario");
    /* 8 x 4 MiB x 3 arrays: beyond L3; 3 x 128 KiB: within L2 */
    const double bw = triad((size_t)4 << 20, 5), bw2 = triad((size_t)16 << 10, 5);
    printf("STREAM triad, 1 thread: %.1f GB/s (3 x 32 MiB, memory), %.1f GB/s (3 x 128 KiB, L2)\n",
           bw, bw2);
    if (ario)
        printf("%-5s %5s %5s %5s %4s %12s %9s %9s %8s %6s %9s %9s %6s %6s %6s  %s\n", "model", "n",
               "b", "steps", "chnk", "scen-steps/s", "MFLOP/st", "GFLOP/s", "DGEMM", "ratio",
               "MB/step", "GB/s", "/DRAM", "F/B", "bal", "bound");
    else
        printf("%-6s %6s %6s %6s %16s %10s %14s %7s\n", "model", "n", "b", "steps",
               "scen-steps/s", "GFLOP/s", "DGEMM GFLOP/s", "ratio");
    FILE *jf = json ? fopen(json, "a") : NULL;
    for (int a = 0; a < nn; ++a)
        for (int c = 0; c < nb; ++c) {
            const int n = ns[a], b = bs[c], nseg = n >= 16 ? 16 : n, nreg = n / nseg;
            ics_error err;
            ics_error_clear(&err);
            ics_table *t = ics_table_random(nreg, nseg, 7, &err);
            if (t && dens < 1.0) sparsify(t, dens);
            ics_model *m = NULL;
            ics_config *cfg = NULL;
            ics_plan *p = NULL;
            ics_dyn *d = NULL;
            ics_dyn_ws *w = NULL;
            char yaml[512];
            snprintf(yaml, sizeof yaml, "model: %s\nhorizon: %d\nscenarios: %d\nshocks:\n"
                     "  - {name: o, type: capacity_loss, segments: [s0, s1], loss: {dist: uniform, min: 0.1, max: 0.6}, duration: 4}\n",
                     model, steps, b);
            if (ics_model_create(t, &m, &err) || ics_config_parse(yaml, "bench", &cfg, &err) ||
                ics_plan_create(cfg, t, m, &p, &err) || ics_dyn_create(cfg, t, m, p, &d, &err) ||
                (ario && (dense || blas || force_links) && (ics__ario_set_dense(d, !force_links), 0)) ||
                (ario && chunk >= 0 && (ics__ario_set_chunk(d, chunk), 0)) ||
                (ario && (ics__ario_set_blas(d, blas), 0)) ||
                ics_dyn_ws_create(d, b, 0, &w, &err)) {
                fprintf(stderr, "bench_dynamic: %s\n", err.msg);
                return 1;
            }
            /* reference DGEMM: n x n times n x gb, gb = b (DIIM's step) or 2b (ARIO: its grouped
             * GEMMs are 2 n^2 b (orders) + 4 n^2 b (receipts and order weights) flops) */
            const int gb = ario ? 2 * b : b;
            double *A = malloc(sizeof(double) * n * n), *B = malloc(sizeof(double) * n * gb),
                   *Cm = malloc(sizeof(double) * n * gb);
            for (long q = 0; q < (long)n * n; ++q) A[q] = m->B[q];
            for (long q = 0; q < (long)n * gb; ++q) B[q] = 0.01 * (double)(q % 97);
            double best = 1e30, bestg = 1e30;
            for (int rep = 0; rep < 3; ++rep) {
                double t0 = now();
                ics_dyn_block(d, p, m, 0, b, w);
                double el = now() - t0;
                if (el < best) best = el;
                t0 = now();
                for (int s = 0; s < steps; ++s)
                    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, gb, n, 1.0, A, n, B,
                                n, 0.0, Cm, n);
                el = now() - t0;
                if (el < bestg) bestg = el;
            }
            /* the ARIO block runs steps + 1 states (t = 0..T; the last one records only) */
            const double fstep = ario ? ics__ario_flops_per_step(d, b) : 2.0 * n * (double)n * b;
            const double bstep = ario ? ics__ario_bytes_per_step(d, b) : 0.0;
            const double tstep = best / steps, sps = (double)b * steps / best;
            const double gf = fstep / tstep * 1e-9;
            const double dg = 2.0 * n * (double)n * gb * steps / bestg * 1e-9;
            const double gbs = bstep / tstep * 1e-9, ai = ario ? fstep / bstep : 0.0;
            const double balance = dg / bw;
            const char *bound = ai < balance ? "memory" : "compute";
            const int ch = ario ? ics__ario_chunk(d) : 0;
            int nnz = 0;
            const int links = ario ? ics__ario_links(d, &nnz) : 0;
            if (ario)
                printf("  table %d x %d = %d nodes: Z nonzeros %.1f %%, links (A^S_pj > 0) %.1f %% "
                       "of s n; state: %s\n", nreg, nseg, nreg * nseg,
                       100.0 * nnz / ((double)nreg * nseg * nreg * nseg),
                       100.0 * links / ((double)nseg * nreg * nseg),
                       blas ? "dense (DGEMM)" : ics__ario_uses_links(d) ? "links" : "dense");
            if (ario)
                printf("%-5s %5d %5d %5d %4d %12.4g %9.2f %9.2f %8.2f %6.3f %9.2f %9.1f %6.2f %6.2f "
                       "%6.2f  %s\n", model, n, b, steps, ch ? ch : b, sps, fstep * 1e-6, gf, dg,
                       gf / dg, bstep * 1e-6, gbs, gbs / bw, ai, balance, bound);
            else
                printf("%-6s %6d %6d %6d %16.4g %10.2f %14.2f %7.3f\n", model, n, b, steps, sps, gf,
                       dg, gf / dg);
            if (jf) {
                fprintf(jf, "{\"case\": \"%s_block\", \"n\": %d, \"block\": %d, \"steps\": %d, "
                        "\"scenario_steps_per_s\": %.6g, \"flops_per_step\": %.6g, \"gflops\": %.4g, "
                        "\"dgemm_shape\": [%d, %d, %d], \"dgemm_gflops\": %.4g, \"ratio\": %.4g, ",
                        model, n, b, steps, sps, fstep, gf, n, gb, n, dg, gf / dg);
                if (ario)
                    fprintf(jf, "\"chunk\": %d, \"bytes_per_step\": %.6g, \"gbytes_per_s\": %.4g, "
                            "\"stream_triad_gbs\": %.4g, \"stream_triad_l2_gbs\": %.4g, "
                            "\"bandwidth_ratio\": %.4g, \"flops_per_byte\": %.4g, "
                            "\"machine_balance\": %.4g, \"bound\": \"%s\", ",
                            ch ? ch : b, bstep, gbs, bw, bw2, gbs / bw, ai, balance, bound);
                if (ario)
                    fprintf(jf, "\"nodes\": %d, \"z_density\": %.4g, \"link_density\": %.4g, "
                            "\"state\": \"%s\", ", nreg * nseg,
                            nnz / ((double)nreg * nseg * nreg * nseg),
                            links / ((double)nseg * nreg * nseg),
                            blas ? "dense_blas" : ics__ario_uses_links(d) ? "links" : "dense");
                fprintf(jf, "\"blas_core\": \"%s\", \"ranks\": 1, \"threads\": 1}\n",
                        si.blas_core);
            }
            free(A), free(B), free(Cm);
            ics_dyn_ws_destroy(&w);
            ics_dyn_destroy(&d);
            ics_plan_destroy(&p);
            ics_config_destroy(&cfg);
            ics_model_destroy(&m);
            ics_table_destroy(&t);
        }
    if (jf) fclose(jf);
    return 0;
}
