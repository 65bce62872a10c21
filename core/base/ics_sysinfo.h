/* What the process runs on: the BLAS library and the OpenBLAS core it selected, CPU vector
 * features, thread counts. `icstress info`, `run` and every benchmark print it, because OpenBLAS
 * 0.3.21 silently falls back to generic kernels on CPUs it does not know. */
#ifndef ICS_SYSINFO_H
#define ICS_SYSINFO_H

typedef struct ics_sysinfo {
    char blas_config[256];   /* openblas_get_config() */
    char blas_core[64];      /* openblas_get_corename(), e.g. "Prescott", "SkylakeX" */
    char cpu_model[128];     /* from /proc/cpuinfo "model name" */
    int cpu_avx2;            /* CPU supports AVX2 (cpuid) */
    int cpu_avx512;          /* CPU supports AVX-512F (cpuid) */
    int blas_threads;        /* openblas_get_num_threads() */
    int omp_threads;         /* omp_get_max_threads() */
    int generic_core;        /* 1 when the core is a generic one (Prescott, Nehalem, Core2, Katmai,
                                Atom, Dunnington, Penryn...) while the CPU has AVX2 or AVX-512 */
    char coretype_env[64];   /* value of OPENBLAS_CORETYPE, or "" when unset */
} ics_sysinfo;

void ics_sysinfo_get(ics_sysinfo *si);
/* One-line warning text when si->generic_core is set (else ""): names OPENBLAS_CORETYPE and the
 * value to use (SKYLAKEX with AVX-512, HASWELL with AVX2). */
const char *ics_sysinfo_warning(const ics_sysinfo *si, char *buf, unsigned len);
/* Set the number of BLAS threads (openblas_set_num_threads). */
void ics_blas_set_threads(int nthreads);
/* "OpenBLAS 0.3.21 (core SkylakeX)" style short string for HDF5 attributes and JSON. */
const char *ics_sysinfo_blas_string(const ics_sysinfo *si, char *buf, unsigned len);

/* The git commit the library was built from (12 hex digits, "-dirty" when tracked files
 * differed, "unknown" outside a git checkout); generated at every build. */
extern const char ics_git_commit[];

#endif
