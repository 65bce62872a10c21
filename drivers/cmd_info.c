/* `icstress info` and the BLAS-core warning shared by every verb that computes. */
#include "ics_driver.h"
#include "ics_options.h"
#include "ics_sysinfo.h"

#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

void ics_warn_blas_core(const ics_ctx *ctx)
{
    if (ctx->rank != 0) return;
    ics_sysinfo si;
    ics_sysinfo_get(&si);
    char buf[256];
    if (si.generic_core) fprintf(stderr, "icstress: %s\n", ics_sysinfo_warning(&si, buf, sizeof buf));
}

/* Open MPI's value of control variable `name` as this process runs it (MPI_T, between
 * MPI_T_init_thread and MPI_T_finalize), into buf; "n/a" when the library has no such variable
 * loaded or cannot say. */
static void mpi_cvar(const char *name, char *buf, int len)
{
    snprintf(buf, (size_t)len, "n/a");
    int idx, count;
    MPI_T_cvar_handle h;
    char vname[128], desc[256];
    int nlen = sizeof vname, dlen = sizeof desc, verb, bind, scope;
    MPI_Datatype dt;
    MPI_T_enum en;
    if (MPI_T_cvar_get_index(name, &idx) != MPI_SUCCESS ||
        MPI_T_cvar_get_info(idx, vname, &nlen, &verb, &dt, &en, desc, &dlen, &bind, &scope) !=
            MPI_SUCCESS ||
        MPI_T_cvar_handle_alloc(idx, NULL, &h, &count) != MPI_SUCCESS)
        return;
    if (dt == MPI_CHAR && count > 0) {
        char *v = calloc((size_t)count + 1, 1);
        if (v && MPI_T_cvar_read(h, v) == MPI_SUCCESS)
            snprintf(buf, (size_t)len, "%s", *v ? v : "(any)");
        free(v);
    }
    MPI_T_cvar_handle_free(&h);
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
    char pml[64] = "n/a";
    int provided; /* MPI_T's set-up costs about 0.2 s here */
    if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) == MPI_SUCCESS) {
        mpi_cvar("pml", pml, sizeof pml);
        MPI_T_finalize();
    }
    printf("MPI start-up:  %s; in effect: pml %s\n",
           ctx->mpi_startup ? ctx->mpi_startup : "Open MPI's own", pml);
    printf("HDF5:          %u.%u.%u (parallel, MPI-IO)\n", hmaj, hmin, hrel);
    if (si.generic_core) {
        char buf[256];
        printf("%s\n", ics_sysinfo_warning(&si, buf, sizeof buf));
    }
    return 0;
}
