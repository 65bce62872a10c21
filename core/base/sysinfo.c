/* What the process runs on (see ics_sysinfo.h). Debian's OpenBLAS 0.3.21 falls back to generic
 * kernels on CPUs it does not know, 3-5x slower, without a word; this file is how we notice.
 * Reads only: no printing, no exit, no static mutable state. */
#define _POSIX_C_SOURCE 200809L

#include "ics_sysinfo.h"

#include <ctype.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* OpenBLAS extensions. Debian's openblas cblas.h declares them, the netlib cblas.h does not;
 * identical redeclarations are harmless, so declare them here either way. */
char *openblas_get_corename(void);
char *openblas_get_config(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

/* Copy at most cap-1 bytes and always terminate; NULL becomes "". */
static void copy_str(char *dst, size_t cap, const char *src)
{
    if (cap == 0) return;
    if (!src) src = "";
    size_t len = strlen(src);
    if (len >= cap) len = cap - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* "model name\t: AMD EPYC 9654" -> "AMD EPYC 9654"; "unknown" when /proc is missing (containers,
 * non-Linux) or the line is absent (some ARM kernels). */
static void read_cpu_model(char *dst, size_t cap)
{
    copy_str(dst, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        const char *p = strchr(line, ':');
        if (!p) continue;
        ++p;
        while (*p && isspace((unsigned char)*p)) ++p;
        size_t len = strlen(p);
        while (len > 0 && isspace((unsigned char)p[len - 1])) --len;
        if (len == 0) break;
        if (len >= cap) len = cap - 1;
        memcpy(dst, p, len);
        dst[len] = '\0';
        break;
    }
    fclose(f);
}

/* OpenBLAS cores that use only SSE-era kernels: the DYNAMIC_ARCH fallbacks for CPUs it does not
 * recognise. "unknown"/"generic" cover builds that report no core at all. */
static int is_generic_core(const char *core)
{
    static const char *const generic[] = {"prescott", "nehalem",  "core2",  "katmai",
                                          "coppermine", "northwood", "penryn", "dunnington",
                                          "atom",     "banias",   "yonah",  "unknown",
                                          "generic"};
    if (!core || !*core) return 1;
    for (size_t i = 0; i < sizeof generic / sizeof generic[0]; ++i)
        if (strcasecmp(core, generic[i]) == 0) return 1;
    return 0;
}

void ics_sysinfo_get(ics_sysinfo *si)
{
    if (!si) return;
    memset(si, 0, sizeof *si);

    copy_str(si->blas_config, sizeof si->blas_config, openblas_get_config());
    const char *core = openblas_get_corename();
    copy_str(si->blas_core, sizeof si->blas_core, core && *core ? core : "unknown");
    read_cpu_model(si->cpu_model, sizeof si->cpu_model);

    __builtin_cpu_init();
    si->cpu_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    si->cpu_avx512 = __builtin_cpu_supports("avx512f") ? 1 : 0;

    si->blas_threads = openblas_get_num_threads();
    si->omp_threads = omp_get_max_threads();
    si->generic_core = (si->cpu_avx2 || si->cpu_avx512) && is_generic_core(si->blas_core);
    copy_str(si->coretype_env, sizeof si->coretype_env, getenv("OPENBLAS_CORETYPE"));
}

const char *ics_sysinfo_warning(const ics_sysinfo *si, char *buf, unsigned len)
{
    if (!buf || len == 0) return "";
    buf[0] = '\0';
    if (!si || !si->generic_core) return buf;
    snprintf(buf, len,
             "warning: OpenBLAS is using its generic '%s' kernels on a CPU with %s; "
             "set OPENBLAS_CORETYPE=%s for 3-5x faster BLAS",
             si->blas_core, si->cpu_avx512 ? "AVX-512" : "AVX2",
             si->cpu_avx512 ? "SKYLAKEX" : "HASWELL");
    return buf;
}

void ics_blas_set_threads(int nthreads)
{
    if (nthreads < 1) nthreads = 1;
    openblas_set_num_threads(nthreads);
}

const char *ics_sysinfo_blas_string(const ics_sysinfo *si, char *buf, unsigned len)
{
    if (!buf || len == 0) return "";
    buf[0] = '\0';
    if (!si) return buf;
    /* openblas_get_config() starts "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...": keep the
     * library and version (first two words), then the core actually selected. */
    const char *cfg = si->blas_config;
    size_t n = strcspn(cfg, " ");
    n += strspn(cfg + n, " ");
    n += strcspn(cfg + n, " ");
    if (n == 0) {
        snprintf(buf, len, "BLAS (core %s)", si->blas_core);
    } else {
        snprintf(buf, len, "%.*s (core %s)", (int)n, cfg, si->blas_core);
    }
    return buf;
}
