/* A program outside the project that embeds icstress through its installed public header:
 * load a config and its table, plan, run the static blocks over scenarios 0..N-1, and write
 * each scenario's total output loss to /scenarios/total_output_loss of an HDF5 file, which
 * must equal what `icstress run` writes for the same config.
 * usage: consumer CONFIG OUT.h5 */
#include <icstress/icstress.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double mean(const double *v, int64_t n)
{
    double s = 0.0;
    for (int64_t i = 0; i < n; ++i) s += v[i];
    return n > 0 ? s / (double)n : 0.0;
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: consumer CONFIG OUT.h5\n"); return 2; }
    if (strcmp(ics_version(), ICS_LIB_VERSION) != 0) {
        fprintf(stderr, "consumer: header %s, library %s\n", ICS_LIB_VERSION, ics_version());
        return 1;
    }
    ics_error err;
    ics_error_clear(&err);
    ics_status st = ICS_OK;
    ics_config *cfg = NULL;
    ics_table *t = NULL;
    ics_model *m = NULL;
    ics_plan *p = NULL;
    ics_aggset *as = NULL;
    ics_static_agg *fast = NULL;
    ics_static_ws *ws = NULL;
    double *loss = NULL;
    ics_validate_opts vopts = ICS_VALIDATE_DEFAULTS;
    ics_validate_report rep;

    ics_blas_set_threads(1);
    ICS_TRY(ics_config_load(argv[1], &cfg, &err));
    ICS_TRY(ics_table_load(cfg->table, &t, &err));
    vopts.balance_rtol = cfg->balance_rtol;
    ICS_TRY(ics_table_validate(t, &vopts, &rep, &err));
    ICS_TRY(ics_model_create(t, &m, &err));
    ICS_TRY(ics_plan_create(cfg, t, m, &p, &err));
    ICS_TRY(ics_aggset_create(cfg, t, m, 0, 0, &as, &err));
    if (cfg->fast_aggregates) ICS_TRY(ics_static_agg_create(p, m, as, &fast, &err));
    const int b = cfg->block_size;
    const int64_t N = cfg->scenarios;
    ICS_TRY(ics_static_ws_create(p, as, b, fast == NULL, &ws, &err));
    ICS_ALLOC(loss, N, &err, "the losses");
    for (int64_t first = 0; first < N; first += b) {
        const int bb = (int)(N - first < b ? N - first : b);
        ics_static_block(p, m, as, fast, first, bb, ws);
        for (int j = 0; j < bb; ++j) loss[first + j] = ws->agg[(size_t)j * as->m]; /* row 0 */
    }
    {
        hid_t f = H5Fcreate(argv[2], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        hid_t g = H5Gcreate2(f, "scenarios", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        hsize_t dims[1] = {(hsize_t)N};
        hid_t sp = H5Screate_simple(1, dims, NULL);
        hid_t d = H5Dcreate2(g, "total_output_loss", H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT,
                             H5P_DEFAULT, H5P_DEFAULT);
        herr_t w = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, loss);
        H5Dclose(d), H5Sclose(sp), H5Gclose(g);
        if (H5Fclose(f) < 0 || w < 0) ICS_FAIL(&err, ICS_EIO, "%s: write failed", argv[2]);
    }
    printf("consumer: icstress %s, %lld scenarios, mean total output loss %.6g\n", ics_version(),
           (long long)N, mean(loss, N));
done:
    if (st != ICS_OK) fprintf(stderr, "consumer: %s\n", err.msg);
    free(loss);
    ics_static_ws_destroy(&ws);
    ics_static_agg_destroy(&fast);
    ics_aggset_destroy(&as);
    ics_plan_destroy(&p);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    ics_config_destroy(&cfg);
    return ics_status_exit_code(st);
}
