/* The MRIO table object: allocation, labels and lookups, and ics_table_load, which asks the
 * registered loaders (table_loaders.c: built-in table, pymrio directory, icstress HDF5 file)
 * which one a source is. Parsing lives in the loaders, checks in table_validate.c. */
#define _POSIX_C_SOURCE 200809L

#include "ics_table_loader_internal.h"
#include "ics_mem.h"
#include "ics_rng.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

ics_table *ics_table_create(int nreg, int nseg, int n, int ny, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_table *t = NULL;
    if (nreg < 0 || nseg < 0 || n < 0 || ny < 0) {
        ics_error_set(err, ICS_EINTERNAL,
                      "ics_table_create: negative size (nreg=%d nseg=%d n=%d ny=%d)", nreg, nseg,
                      n, ny);
        return NULL;
    }
    /* n*n and n*ny are allocated as one block each: refuse sizes whose byte count overflows */
    if ((size_t)n > 0 && ((size_t)n > SIZE_MAX / sizeof(double) / (size_t)n ||
                          (size_t)ny > SIZE_MAX / sizeof(double) / (size_t)n)) {
        ics_error_set(err, ICS_ENOMEM, "table of %d nodes and %d final-demand columns is too large",
                      n, ny);
        return NULL;
    }
    ICS_ALLOC(t, 1, err, "the table");
    t->nreg = nreg;
    t->nseg = nseg;
    t->n = n;
    t->ny = ny;
    ICS_ALLOC(t->regions, nreg, err, "region labels");
    ICS_ALLOC(t->segments, nseg, err, "segment labels");
    ICS_ALLOC(t->node_region, n, err, "node regions");
    ICS_ALLOC(t->node_segment, n, err, "node segments");
    ICS_ALLOC(t->y_region, ny, err, "final-demand region labels");
    ICS_ALLOC(t->y_category, ny, err, "final-demand category labels");
    ICS_ALLOC(t->Z, (size_t)n * (size_t)n, err, "Z");
    ics_mem_hugepages(t->Z, (size_t)n * (size_t)n * sizeof *t->Z);
    ICS_ALLOC(t->Y, (size_t)n * (size_t)ny, err, "Y");
    ics_mem_hugepages(t->Y, (size_t)n * (size_t)ny * sizeof *t->Y);
    ICS_ALLOC(t->x, n, err, "x");
    ICS_ALLOC(t->va, n, err, "va");
done:
    if (st != ICS_OK) ics_table_destroy(&t);
    return t;
}

static void free_strings(char **s, int count)
{
    if (!s) return;
    for (int i = 0; i < count; ++i) free(s[i]);
    free(s);
}

void ics_table_destroy(ics_table **tp)
{
    if (!tp || !*tp) return;
    ics_table *t = *tp;
    free_strings(t->regions, t->nreg);
    free_strings(t->segments, t->nseg);
    free_strings(t->y_region, t->ny);
    free_strings(t->y_category, t->ny);
    free(t->node_region);
    free(t->node_segment);
    free(t->Z);
    free(t->Y);
    free(t->x);
    free(t->va);
    free(t->source);
    free(t->unit);
    free(t);
    *tp = NULL;
}

const char *ics_table_node_label(const ics_table *t, int i, char *buf, size_t len)
{
    if (!buf || len == 0) return buf;
    const char *r = "?", *s = "?";
    if (t && i >= 0 && i < t->n) {
        int ri = t->node_region ? t->node_region[i] : -1;
        int si = t->node_segment ? t->node_segment[i] : -1;
        if (ri >= 0 && ri < t->nreg && t->regions && t->regions[ri]) r = t->regions[ri];
        if (si >= 0 && si < t->nseg && t->segments && t->segments[si]) s = t->segments[si];
    }
    snprintf(buf, len, "%s/%s", r, s);
    return buf;
}

static int find_label(char *const *labels, int count, const char *label)
{
    if (!labels || !label) return -1;
    for (int i = 0; i < count; ++i)
        if (labels[i] && strcmp(labels[i], label) == 0) return i;
    return -1;
}

int ics_table_find_region(const ics_table *t, const char *label)
{
    return t ? find_label(t->regions, t->nreg, label) : -1;
}

int ics_table_find_segment(const ics_table *t, const char *label)
{
    return t ? find_label(t->segments, t->nseg, label) : -1;
}

void ics_table_final_demand(const ics_table *t, double *y)
{
    const int n = t->n;
    for (int i = 0; i < n; ++i) y[i] = 0.0;
    /* column by column: contiguous in the column-major Y */
    for (int k = 0; k < t->ny; ++k) {
        const double *col = t->Y + (size_t)k * (size_t)n;
        for (int i = 0; i < n; ++i) y[i] += col[i];
    }
}

ics_status ics_table_load(const char *path, ics_table **out, ics_error *err)
{
    ics_status st = ICS_OK;
    if (!out) return ics_error_set(err, ICS_EINTERNAL, "ics_table_load: out is NULL");
    *out = NULL;
    if (!path || !*path)
        ICS_FAIL(err, ICS_EINPUT,
                 "table: empty path (expected \"builtin\", a pymrio table directory or an "
                 "icstress .h5 file)");
    for (const ics__table_loader *const *l = ics__table_loaders; *l; ++l)
        if (!(*l)->on_disk && (*l)->claims(path, 0)) return (*l)->load(path, out, err);

    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            ICS_FAIL(err, ICS_EINPUT, "%s: no such file or directory", path);
        ICS_FAIL(err, ICS_EIO, "%s: %s", path, strerror(errno));
    }
    for (const ics__table_loader *const *l = ics__table_loaders; *l; ++l)
        if ((*l)->on_disk && (*l)->claims(path, S_ISDIR(sb.st_mode)))
            return (*l)->load(path, out, err);
    ICS_FAIL(err, ICS_EINPUT,
             "%s: not a table: expected \"builtin\", a pymrio table directory (Z.csv, Y.csv, ...) "
             "or an icstress .h5/.hdf5 file",
             path);
done:
    return st;
}

ics_table *ics_table_random(int nreg, int nseg, uint64_t seed, ics_error *err)
{
    const int n = nreg * nseg;
    ics_table *t = ics_table_create(nreg, nseg, n, 1, err);
    if (!t) return NULL;
    const ics_rng_key key = ics_rng_key_make(seed, ICS_RNG_SAMPLE);
    char buf[32];
    int ok = 1;
    for (int r = 0; r < nreg; ++r)
        snprintf(buf, sizeof buf, "r%d", r), ok &= (t->regions[r] = ics_strdup(buf, err)) != NULL;
    for (int q = 0; q < nseg; ++q)
        snprintf(buf, sizeof buf, "s%d", q), ok &= (t->segments[q] = ics_strdup(buf, err)) != NULL;
    ok &= (t->y_region[0] = ics_strdup("r0", err)) != NULL;
    ok &= (t->y_category[0] = ics_strdup("final", err)) != NULL;
    ok &= (t->source = ics_strdup("random", err)) != NULL;
    if (!ok) {
        ics_table_destroy(&t);
        return NULL;
    }
    for (int i = 0; i < n; ++i) {
        t->node_region[i] = i / nseg, t->node_segment[i] = i % nseg;
        t->x[i] = 100.0 + 1000.0 * ics_rng_uniform(key, (uint64_t)i, 0);
    }
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i)
            t->Z[i + (size_t)j * n] = ics_rng_uniform(key, (uint64_t)i, 1 + (uint64_t)j) * 0.6 /
                                      n * (t->x[i] < t->x[j] ? t->x[i] : t->x[j]);
    for (int i = 0; i < n; ++i) {
        double rs = 0, cs = 0;
        for (int j = 0; j < n; ++j) rs += t->Z[i + (size_t)j * n], cs += t->Z[j + (size_t)i * n];
        t->Y[i] = t->x[i] - rs;
        t->va[i] = t->x[i] - cs;
    }
    return t;
}

const char *ics_table_unit(const ics_table *t, int stock, char *buf, size_t len)
{
    if (!t->unit || !*t->unit) {
        snprintf(buf, len, "(table units)");
        return buf;
    }
    char u[256];
    snprintf(u, sizeof u, "%s", t->unit);
    const size_t ul = strlen(u), py = strlen(" per year");
    if (stock && ul > py && !strcmp(u + ul - py, " per year")) u[ul - py] = '\0';
    const char *per = strstr(u, " per ");
    if (t->base_year <= 0)
        snprintf(buf, len, "%s", u);
    else if (per)
        snprintf(buf, len, "%.*s (%d)%s", (int)(per - u), u, t->base_year, per);
    else
        snprintf(buf, len, "%s (%d)", u, t->base_year);
    return buf;
}
