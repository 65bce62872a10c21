/* `icstress info` and the BLAS-core warning shared by every verb that computes. */
#include "ics_driver.h"
#include "ics_options.h"
#include "ics_sysinfo.h"

#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>

void ics_warn_blas_core(const ics_ctx *ctx)
{
    if (ctx->rank != 0) return;
    ics_sysinfo si;
    ics_sysinfo_get(&si);
    char buf[256];
    if (si.generic_core) fprintf(stderr, "icstress: %s\n", ics_sysinfo_warning(&si, buf, sizeof buf));
}

int ics_cmd_info(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    ics_args a;
    if (ics_args_parse(ics_cmdspec_find("info"), argc, argv, &a, err) != ICS_OK) return 2;
    if (a.noperands > 0) {
        ics_error_set(err, ICS_EINPUT, "info takes no arguments (got '%s')", a.operand[0]);
        return 2;
    }
    if (ctx->rank != 0) return 0;
    ics_sysinfo si;
    ics_sysinfo_get(&si);
    char mpiver[MPI_MAX_LIBRARY_VERSION_STRING] = "";
    int len = 0, mmaj = 0, mmin = 0;
    MPI_Get_library_version(mpiver, &len);
    MPI_Get_version(&mmaj, &mmin);
    for (int i = 0; mpiver[i]; ++i)
        if (mpiver[i] == '\n' || mpiver[i] == ',') {
            mpiver[i] = '\0';
            break;
        }
    unsigned hmaj = 0, hmin = 0, hrel = 0;
    H5get_libversion(&hmaj, &hmin, &hrel);
    hbool_t threadsafe = 0;
    H5is_library_threadsafe(&threadsafe);

    printf("icstress %s (commit %s)\n", ICS_VERSION, ics_git_commit);
    printf("build type:    %s\n", ICS_BUILD_TYPE);
    printf("compiler:      %s\n", __VERSION__);
    printf("BLAS library:  %s\n", si.blas_config);
    printf("BLAS core:     %s%s\n", si.blas_core, si.generic_core ? "  (generic kernels!)" : "");
    printf("OPENBLAS_CORETYPE: %s\n", si.coretype_env[0] ? si.coretype_env : "(unset)");
    printf("CPU:           %s (AVX2 %s, AVX-512 %s)\n", si.cpu_model, si.cpu_avx2 ? "yes" : "no",
           si.cpu_avx512 ? "yes" : "no");
    printf("threads:       OpenMP %d (chosen by %s), BLAS %d\n", si.omp_threads,
           ctx->threads_rule, si.blas_threads);
    printf("MPI:           %s (MPI %d.%d), %d rank%s in this run\n", mpiver, mmaj, mmin, ctx->size,
           ctx->size == 1 ? "" : "s");
    printf("HDF5:          %u.%u.%u (parallel, MPI-IO)\n", hmaj, hmin, hrel);
    if (si.generic_core) {
        char buf[256];
        printf("%s\n", ics_sysinfo_warning(&si, buf, sizeof buf));
    }
    return 0;
}
