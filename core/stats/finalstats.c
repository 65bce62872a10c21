/* Exact statistics of a stored per-scenario dataset (see ics_finalstats.h). Only the order
 * statistics the requested levels need are located: each is narrowed by histogram passes over
 * the file to a value interval small enough to gather and sort, so memory never grows with N. */
#include "ics_finalstats.h"

#include "ics_h5.h"
#include "ics_ksum.h"
#include "ics_stats.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK_ROWS 65536
#define MAX_CHUNK_VALUES (1 << 23)
#define DEFAULT_BINS 4096
#define MAX_BINS (1 << 24)
#define DEFAULT_CAP (1 << 20)
#define DEFAULT_EP_POINTS 101
#define TREE_LEVELS 48  /* pairwise merge levels: 2^48 blocks */
/* Histogram levels binned linearly in value; deeper levels bin the order-preserving bit
 * pattern, whose width shrinks by the bin count at every level, which bounds the depth. */
#define LINEAR_LEVELS 4
#define CELLS_PER_JOB 64 /* direct job index of a selection pass (pass_select) */
#define MAX_CELLS (1 << 16) /* per column */

/* ---------------------------------------------------------------------------------------------
 * Small numerical helpers
 * ------------------------------------------------------------------------------------------- */


/* Moments of one column: window summaries (ics_window_moments) merged as a binary counter
 * (level l holds 2^l consecutive windows, earlier rows first), so rounding error grows with
 * log N and the result depends only on the values in row order. */
typedef struct tree_moments {
    ics_moments level[TREE_LEVELS];
    uint64_t occupied;
} tree_moments;

static void tree_init(tree_moments *t) { t->occupied = 0; }

static void tree_push(tree_moments *t, ics_moments carry)
{
    for (int l = 0; l < TREE_LEVELS; ++l) {
        const uint64_t bit = (uint64_t)1 << l;
        if (!(t->occupied & bit)) {
            t->level[l] = carry;
            t->occupied |= bit;
            return;
        }
        ics_moments merged = t->level[l];
        ics_moments_merge(&merged, &carry);
        carry = merged;
        t->occupied &= ~bit;
    }
}

static ics_moments tree_finish(const tree_moments *t)
{
    ics_moments r;
    ics_moments_init(&r);
    for (int l = TREE_LEVELS - 1; l >= 0; --l)
        if (t->occupied & ((uint64_t)1 << l)) ics_moments_merge(&r, &t->level[l]);
    return r;
}

void ics_window_moments(const double *x, int64_t rows, int64_t stride, double *rec)
{
    /* four independent partial sums (no dependency chain), min, max and a finiteness test
     * (v - v is 0 exactly when v is finite) in one sweep, then the deviations */
    double s[4] = {0, 0, 0, 0}, lo = INFINITY, hi = -INFINITY;
    int finite = 1;
    int64_t r = 0;
    for (; r + 4 <= rows; r += 4)
        for (int q = 0; q < 4; ++q) {
            const double v = x[(r + q) * stride];
            s[q] += v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            finite &= v - v == 0.0;
        }
    for (; r < rows; ++r) {
        const double v = x[r * stride];
        s[0] += v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        finite &= v - v == 0.0;
    }
    rec[0] = (double)rows;
    rec[5] = -1.0;
    if (!finite) {
        for (r = 0; isfinite(x[r * stride]); ++r) {}
        rec[1] = x[r * stride];
        rec[2] = rec[3] = rec[4] = 0.0;
        rec[5] = (double)r;
        return;
    }
    const double sum = (s[0] + s[1]) + (s[2] + s[3]), mean = sum / (double)rows;
    double d = 0.0, dd = 0.0;
    for (r = 0; r < rows; ++r) {
        const double e = x[r * stride] - mean;
        d += e;
        dd += e * e;
    }
    rec[1] = sum;
    rec[2] = dd - d * d / (double)rows; /* the corrected two-pass formula */
    if (!(rec[2] > 0.0)) rec[2] = 0.0;
    rec[3] = lo;
    rec[4] = hi;
}

/* Order-preserving map from finite doubles to uint64 (-0 and +0 share a key). */
static uint64_t key_of(double x)
{
    if (x == 0.0) x = 0.0;
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : u | ((uint64_t)1 << 63);
}

/* A monotone map from [lo, hi] (both data values, lo < hi) onto bins 0..nb-1 with lo in bin 0
 * and hi in bin nb-1, so every refinement strictly shrinks the bin that holds a rank. Linear in
 * value when that is representable (x - lo <= hi - lo and correctly rounded operations keep
 * the map monotone); otherwise linear in the key. */
typedef struct binner {
    int linear, nb;
    double lo, scale;
    uint64_t klo, per;
} binner;

static void binner_init(binner *b, double lo, double hi, int nb, int linear)
{
    const double w = hi - lo, s = (double)nb / w;
    b->nb = nb;
    b->lo = lo;
    b->scale = s;
    b->linear = linear && isfinite(w) && w > 0 && isfinite(s) && s > 0;
    b->klo = key_of(lo);
    b->per = (key_of(hi) - b->klo) / (uint64_t)nb + 1;
}

static int binner_bin(const binner *b, double x)
{
    if (b->linear) {
        const double t = (x - b->lo) * b->scale;
        return t >= (double)b->nb ? b->nb - 1 : (int)t;
    }
    return (int)((key_of(x) - b->klo) / b->per);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ---------------------------------------------------------------------------------------------
 * Selection state
 * ------------------------------------------------------------------------------------------- */

enum { JOB_HIST, JOB_COLLECT };
enum { JOB_PENDING, JOB_ACTIVE, JOB_DONE };

/* A closed value interval of one column holding `count` values, to be histogrammed or
 * gathered in the next pass. Pending jobs of a column are disjoint: they are distinct bins of
 * a refinement tree. */
typedef struct job {
    int kind, state, depth;
    int64_t col, count;
    double lo, hi;
    binner bn;
    int64_t *cum;   /* [nb + 1]: counts per bin during the pass, then exclusive prefix sums */
    ksum *suffix;   /* [nb + 1]: sums per bin, then sums of bins >= b */
    double *bmin, *bmax; /* [nb] */
    double *vals;   /* [count] gathered values */
    int64_t nvals;
} job;

/* One order statistic x_(rank) of a column, located inside job `job` with `below` values
 * smaller than the job's interval and `above` the sum of the values larger. For CVaR (`tail`)
 * it also gets the count of smaller and equal values and the sum of larger ones. */
typedef struct target {
    int64_t rank, job;
    int tail, resolved;
    int64_t below;
    ksum above;
    double value;
    int64_t c_lt, c_eq;
    ksum s_gt;
} target;

typedef struct ctx {
    const char *name;
    hid_t dset, fspace;
    int rank;
    int64_t n, m, chunk_rows; /* m: the columns computed here, numbered c = 0 .. m-1 */
    int64_t mfile, col0, cstep; /* the dataset's columns; column c is file column col0 + c cstep */
    int64_t window_read_rows; /* rows per read of pass 1: whole windows */
    double *buf;
    int nb;
    int64_t cap;
    job *jobs;
    int64_t njobs, jobs_alloc;
    int64_t nranks;
    int64_t *ranks; /* [nranks] distinct ranks, ascending */
    int *rank_tail; /* [nranks] */
    target *tg;     /* [m * nranks], column-major by column */
    ics_error *err;
} ctx;

/* The file column of column c, and a pointer to its value in row r of the read buffer. */
static int64_t fcol(const ctx *x, int64_t c) { return x->col0 + c * x->cstep; }
static const double *at(const ctx *x, int64_t r, int64_t c)
{
    return x->buf + r * x->mfile + fcol(x, c);
}

static ics_status read_chunk(ctx *x, int64_t first, int64_t rows)
{
    ics_status st = ICS_OK;
    hsize_t start[2] = {(hsize_t)first, 0}, cnt[2] = {(hsize_t)rows, (hsize_t)x->mfile};
    hid_t mspace = H5Screate_simple(x->rank, cnt, NULL);
    if (mspace < 0 ||
        H5Sselect_hyperslab(x->fspace, H5S_SELECT_SET, start, NULL, cnt, NULL) < 0 ||
        H5Dread(x->dset, H5T_NATIVE_DOUBLE, mspace, x->fspace, H5P_DEFAULT, x->buf) < 0)
        st = ics_error_set(x->err, ICS_EIO, "%s: reading rows %lld..%lld failed", x->name,
                           (long long)first, (long long)(first + rows - 1));
    if (mspace >= 0) H5Sclose(mspace);
    return st;
}

static ics_status new_job(ctx *x, int kind, int depth, int64_t col, double lo, double hi,
                          int64_t count, int64_t *id)
{
    if (x->njobs == x->jobs_alloc) {
        const int64_t na = x->jobs_alloc ? 2 * x->jobs_alloc : 64;
        job *nj = realloc(x->jobs, (size_t)na * sizeof *nj);
        if (!nj) return ics_error_set(x->err, ICS_ENOMEM, "out of memory for selection jobs");
        x->jobs = nj;
        x->jobs_alloc = na;
    }
    job *j = &x->jobs[x->njobs];
    memset(j, 0, sizeof *j);
    j->kind = kind;
    j->state = JOB_PENDING;
    j->depth = depth;
    j->col = col;
    j->lo = lo;
    j->hi = hi;
    j->count = count;
    *id = x->njobs++;
    return ICS_OK;
}

static void job_release(job *j)
{
    free(j->cum);
    free(j->suffix);
    free(j->bmin);
    free(j->bmax);
    free(j->vals);
    j->cum = NULL;
    j->suffix = NULL;
    j->bmin = j->bmax = j->vals = NULL;
}

static void resolve(target *t, double v, int64_t c_lt, int64_t c_eq, const ksum *s_gt)
{
    t->resolved = 1;
    t->job = -1;
    t->value = v;
    t->c_lt = c_lt;
    t->c_eq = c_eq;
    t->s_gt = *s_gt;
}

/* Place target t, whose value lies in [lo, hi] holding `count` values, below + above as set:
 * resolve it if that is possible without reading, else attach it to job `*child` (created on
 * first use; -1 means none yet). */
static ics_status place(ctx *x, target *t, int64_t col, int depth, double lo, double hi,
                        int64_t count, int64_t *child)
{
    const int64_t local = t->rank - t->below;
    if (lo == hi) {
        ksum s = t->above;
        resolve(t, lo, t->below, count, &s);
        return ICS_OK;
    }
    if (!t->tail && local == 0) {
        resolve(t, lo, 0, 0, &t->above);
        return ICS_OK;
    }
    if (!t->tail && local == count - 1) {
        resolve(t, hi, 0, 0, &t->above);
        return ICS_OK;
    }
    if (*child < 0) {
        ics_status st = new_job(x, count <= x->cap ? JOB_COLLECT : JOB_HIST, depth, col, lo,
                                hi, count, child);
        if (st != ICS_OK) return st;
    }
    t->job = *child;
    return ICS_OK;
}

/* Admit pending jobs for the next pass: at most max(m, 16) histograms and cap gathered values
 * (every collect job has count <= cap, so each pass admits at least one job). */
static ics_status admit(ctx *x, int64_t *nactive)
{
    ics_status st = ICS_OK;
    const int64_t hist_limit = x->m > 16 ? x->m : 16;
    int64_t nhist = 0, gathered = 0;
    *nactive = 0;
    for (int64_t i = 0; i < x->njobs; ++i) {
        job *j = &x->jobs[i];
        if (j->state != JOB_PENDING) continue;
        if (j->kind == JOB_HIST) {
            if (nhist == hist_limit) continue;
            ++nhist;
            binner_init(&j->bn, j->lo, j->hi, x->nb, j->depth < LINEAR_LEVELS);
            ICS_ALLOC(j->cum, x->nb + 1, x->err, "a histogram");
            ICS_ALLOC(j->suffix, x->nb + 1, x->err, "a histogram");
            ICS_ALLOC(j->bmin, x->nb, x->err, "a histogram");
            ICS_ALLOC(j->bmax, x->nb, x->err, "a histogram");
            for (int b = 0; b < x->nb; ++b) {
                j->bmin[b] = INFINITY;
                j->bmax[b] = -INFINITY;
            }
        } else {
            if (gathered + j->count > x->cap) continue;
            gathered += j->count;
            ICS_ALLOC(j->vals, j->count, x->err, "gathered values");
            j->nvals = 0;
        }
        j->state = JOB_ACTIVE;
        ++*nactive;
    }
done:
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Passes
 * ------------------------------------------------------------------------------------------- */

/* The first non-finite value met, in row order and then column order. */
typedef struct bad_value {
    int64_t row, col;
    double v;
} bad_value;

/* Merge window record rec (rows from row0 on) of column c into its moments; 0 when the
 * window holds a non-finite value (noted in *bad, the first in row then column order). */
static int take_window(tree_moments *tm, ksum *total, const double *rec, int64_t row0,
                       int64_t c, bad_value *bad)
{
    if (rec[5] >= 0) {
        const int64_t row = row0 + (int64_t)rec[5];
#pragma omp critical(ics_finalstats_bad)
        if (bad->row < 0 || row < bad->row || (row == bad->row && c < bad->col))
            *bad = (bad_value){row, c, rec[1]};
        return 0;
    }
    const ics_moments mo = {(int64_t)rec[0], rec[1] / rec[0], rec[2], rec[3], rec[4]};
    tree_push(tm, mo);
    ks_add(total, rec[1]);
    return 1;
}

static ics_status fail_bad(const ctx *x, const bad_value *bad)
{
    return ics_error_set(x->err, ICS_ENUMERIC,
                         "%s: row %lld, column %lld: value is %s; statistics need finite values "
                         "(a failed scenario?)",
                         x->name, (long long)bad->row, (long long)bad->col,
                         isnan(bad->v) ? "NaN" : "infinite");
}

/* Pass 1 from the data: window moments of every column, read in whole windows. */
static ics_status pass_moments(ctx *x, tree_moments *tm, ksum *total)
{
    ics_status st = ICS_OK;
    const int64_t step = x->window_read_rows;
    for (int64_t first = 0; first < x->n; first += step) {
        const int64_t rows = x->n - first < step ? x->n - first : step;
        ICS_TRY(read_chunk(x, first, rows));
        /* columns are independent: each thread owns whole columns, and every column is still
         * merged in row order, so the result does not depend on the number of threads */
        bad_value bad = {-1, -1, 0};
#pragma omp parallel for schedule(static) if (x->m > 1)
        for (int64_t c = 0; c < x->m; ++c)
            for (int64_t w = 0; w < rows; w += ICS_STATS_WINDOW) {
                double rec[ICS_WINDOW_FIELDS];
                const int64_t wr = rows - w < ICS_STATS_WINDOW ? rows - w : ICS_STATS_WINDOW;
                ics_window_moments(at(x, w, c), wr, x->mfile, rec);
                if (!take_window(&tm[c], &total[c], rec, first + w, fcol(x, c), &bad)) break;
            }
        if (bad.row >= 0) ICS_TRY(fail_bad(x, &bad));
    }
done:
    return st;
}

/* Pass 1 from stored window moments (W, mfile, ICS_WINDOW_FIELDS): the columns computed here,
 * a few MiB at a time. */
static ics_status pass_moments_stored(ctx *x, hid_t file, const char *path, tree_moments *tm,
                                      ksum *total)
{
    ics_status st = ICS_OK;
    const int64_t m = x->m, nw = (x->n + ICS_STATS_WINDOW - 1) / ICS_STATS_WINDOW;
    const int64_t per = (1 << 20) / (m * ICS_WINDOW_FIELDS) > 0
                            ? (1 << 20) / (m * ICS_WINDOW_FIELDS) : 1;
    hid_t d = H5I_INVALID_HID, fs = H5I_INVALID_HID;
    double *buf = NULL;
    H5E_BEGIN_TRY { d = H5Dopen2(file, path, H5P_DEFAULT); }
    H5E_END_TRY;
    if (d < 0) ICS_FAIL(x->err, ICS_EIO, "%s: cannot open the window moments %s", x->name, path);
    fs = H5Dget_space(d);
    hsize_t dims[3] = {0, 0, 0};
    if (H5Sget_simple_extent_ndims(fs) != 3 || H5Sget_simple_extent_dims(fs, dims, NULL) < 0 ||
        dims[0] != (hsize_t)nw || dims[1] != (hsize_t)x->mfile || dims[2] != ICS_WINDOW_FIELDS)
        ICS_FAIL(x->err, ICS_EINPUT, "%s: the window moments %s are not (%lld, %lld, %d)",
                 x->name, path, (long long)nw, (long long)x->mfile, ICS_WINDOW_FIELDS);
    ICS_ALLOC(buf, (size_t)(per < nw ? per : nw) * m * ICS_WINDOW_FIELDS + 1, x->err,
              "window moments");
    bad_value bad = {-1, -1, 0};
    for (int64_t w0 = 0; w0 < nw && bad.row < 0; w0 += per) {
        const int64_t cnt = nw - w0 < per ? nw - w0 : per;
        hsize_t start[3] = {(hsize_t)w0, (hsize_t)x->col0, 0},
                stride[3] = {1, (hsize_t)x->cstep, 1},
                count[3] = {(hsize_t)cnt, (hsize_t)m, ICS_WINDOW_FIELDS};
        hid_t ms = H5Screate_simple(3, count, NULL);
        const herr_t rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, stride, count, NULL) < 0
                              ? -1 : H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf);
        H5Sclose(ms);
        if (rc < 0) ICS_FAIL(x->err, ICS_EIO, "%s: reading %s failed", x->name, path);
        for (int64_t i = 0; i < cnt; ++i) {
            const int64_t row0 = (w0 + i) * ICS_STATS_WINDOW;
            const int64_t want = x->n - row0 < ICS_STATS_WINDOW ? x->n - row0 : ICS_STATS_WINDOW;
            for (int64_t c = 0; c < x->m; ++c) {
                const double *rec = buf + (i * m + c) * ICS_WINDOW_FIELDS;
                if (rec[0] != (double)want)
                    ICS_FAIL(x->err, ICS_EIO, "%s: %s: the moments of rows %lld..%lld are "
                             "missing (an unfinished block?)", x->name, path, (long long)row0,
                             (long long)(row0 + want - 1));
                if (!take_window(&tm[c], &total[c], rec, row0, fcol(x, c), &bad)) break;
            }
        }
    }
    if (bad.row >= 0) ICS_TRY(fail_bad(x, &bad));
done:
    free(buf);
    if (fs >= 0) H5Sclose(fs);
    if (d >= 0) H5Dclose(d);
    return st;
}

/* Number of entries of sorted t[0..k) that are < v. */
/* The factor of count_below's guess for thresholds t[0..k): 0 when it cannot guess. */
static double guess_factor(const double *t, int64_t k)
{
    const double f = k > 2 && t[k - 1] > t[0] ? (double)(k - 1) / (t[k - 1] - t[0]) : 0.0;
    return isfinite(f) ? f : 0.0;
}

static int64_t count_below(const double *t, int64_t k, double f, double v)
{
    /* evenly spaced thresholds (the default): guess the position (f = guess_factor), then
     * correct it by comparisons with the actual thresholds, so the count is exact whatever the
     * rounding of the guess */
    if (f > 0.0) {
        const double pos = (v - t[0]) * f;
        int64_t g = pos <= 0.0 ? 0 : pos >= (double)k ? k : (int64_t)pos + 1;
        while (g > 0 && !(t[g - 1] < v)) --g;
        while (g < k && t[g] < v) ++g;
        return g;
    }
    int64_t lo = 0, hi = k;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (t[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* One read of the dataset feeding every active job (and, on the first such pass, the
 * exceedance counts: epcnt[c * (K+1) + g] counts values with exactly g thresholds below). */
static ics_status pass_select(ctx *x, const double *thr, int64_t K, int64_t *epcnt)
{
    ics_status st = ICS_OK;
    int64_t *colstart = NULL, *look = NULL, nact = 0, *celloff = NULL;
    int32_t *cell = NULL;
    double *jlo = NULL, *jhi = NULL;
    binner *cb = NULL;
    ICS_ALLOC(colstart, x->m + 1, x->err, "job index");
    for (int64_t i = 0; i < x->njobs; ++i)
        if (x->jobs[i].state == JOB_ACTIVE) {
            ++colstart[x->jobs[i].col + 1];
            ++nact;
        }
    for (int64_t c = 0; c < x->m; ++c) colstart[c + 1] += colstart[c];
    ICS_ALLOC(look, nact + 1, x->err, "job index");
    {
        int64_t *fill = NULL;
        ICS_ALLOC(fill, x->m + 1, x->err, "job index");
        for (int64_t i = 0; i < x->njobs; ++i)
            if (x->jobs[i].state == JOB_ACTIVE) {
                const int64_t c = x->jobs[i].col;
                look[colstart[c] + fill[c]++] = i;
            }
        free(fill);
    }
    /* Sort each column's jobs by lower bound (insertion sort: a column has few jobs). */
    for (int64_t c = 0; c < x->m; ++c)
        for (int64_t a = colstart[c] + 1; a < colstart[c + 1]; ++a)
            for (int64_t b = a; b > colstart[c] && x->jobs[look[b]].lo < x->jobs[look[b - 1]].lo;
                 --b) {
                const int64_t tmp = look[b];
                look[b] = look[b - 1];
                look[b - 1] = tmp;
            }
    /* A direct index of each column's jobs: CELLS_PER_JOB cells per job over [lowest lo,
     * highest hi] under a monotone map (binner), cell g holding the first job whose hi maps to
     * a cell >= g. A value's job is then found by a map and a short forward scan instead of a
     * binary search (which dominated the pass). Jobs of a column are disjoint and sorted, so
     * the his are sorted too. */
    ICS_ALLOC(jlo, nact + 1, x->err, "job index");
    ICS_ALLOC(jhi, nact + 1, x->err, "job index");
    ICS_ALLOC(celloff, x->m + 1, x->err, "job index");
    ICS_ALLOC(cb, x->m, x->err, "job index");
    for (int64_t p = 0; p < nact; ++p) jlo[p] = x->jobs[look[p]].lo, jhi[p] = x->jobs[look[p]].hi;
    for (int64_t c = 0; c < x->m; ++c) {
        const int64_t nj = colstart[c + 1] - colstart[c];
        celloff[c + 1] =
            celloff[c] + (nj < MAX_CELLS / CELLS_PER_JOB ? CELLS_PER_JOB * nj : MAX_CELLS);
    }
    ICS_ALLOC(cell, celloff[x->m] + 1, x->err, "job index");
    for (int64_t c = 0; c < x->m; ++c) {
        const int64_t s0 = colstart[c], s1 = colstart[c + 1];
        if (s0 == s1) continue;
        binner_init(&cb[c], jlo[s0], jhi[s1 - 1], (int)(celloff[c + 1] - celloff[c]), 1);
        int64_t g = 0;
        for (int64_t p = s0; p < s1; ++p)
            for (const int gh = binner_bin(&cb[c], jhi[p]); g <= gh; ++g)
                cell[celloff[c] + g] = (int32_t)(p - s0);
    }

    for (int64_t first = 0; first < x->n; first += x->chunk_rows) {
        const int64_t rows = x->n - first < x->chunk_rows ? x->n - first : x->chunk_rows;
        ICS_TRY(read_chunk(x, first, rows));
        /* columns are independent (each job belongs to one column): one thread per column.
         * Everything the row loop reads is in locals: its stores could alias the context. */
#pragma omp parallel for schedule(static) if (x->m > 1)
        for (int64_t c = 0; c < x->m; ++c) {
            const double *col = at(x, 0, c);
            const int64_t stride = x->mfile, s0 = colstart[c], s1 = colstart[c + 1];
            int64_t *const ep = epcnt ? epcnt + c * (K + 1) : NULL;
            const double *const tc = thr + c * K, f = epcnt ? guess_factor(tc, K) : 0.0;
            const double clo = s0 < s1 ? jlo[s0] : 0.0, chi = s0 < s1 ? jhi[s1 - 1] : -1.0;
            if (s1 - s0 == 1 && x->jobs[look[s0]].kind == JOB_HIST) {
                /* one histogram (the first pass): the tight loop */
                const job *j = &x->jobs[look[s0]];
                const binner bn = j->bn;
                int64_t *const cum = j->cum;
                ksum *const suf = j->suffix;
                double *const bmin = j->bmin, *const bmax = j->bmax;
                for (int64_t r = 0; r < rows; ++r) {
                    const double v = col[r * stride];
                    if (ep) ++ep[count_below(tc, K, f, v)];
                    if (!(v >= clo && v <= chi)) continue;
                    const int b = binner_bin(&bn, v);
                    ++cum[b];
                    ks_add(&suf[b], v);
                    bmin[b] = v < bmin[b] ? v : bmin[b];
                    bmax[b] = v > bmax[b] ? v : bmax[b];
                }
                continue;
            }
            const binner cbc = s0 < s1 ? cb[c] : (binner){0};
            const int32_t *const cellc = cell + celloff[c];
            for (int64_t r = 0; r < rows; ++r) {
                const double v = col[r * stride];
                if (ep) ++ep[count_below(tc, K, f, v)];
                if (!(v >= clo && v <= chi)) continue;
                /* the first job with hi >= v (one exists: v <= the last hi), then its lo */
                int64_t p = s0 + cellc[binner_bin(&cbc, v)];
                while (jhi[p] < v) ++p;
                if (v < jlo[p]) continue;
                job *j = &x->jobs[look[p]];
                if (j->kind == JOB_HIST) {
                    const int b = binner_bin(&j->bn, v);
                    ++j->cum[b];
                    ks_add(&j->suffix[b], v);
                    if (v < j->bmin[b]) j->bmin[b] = v;
                    if (v > j->bmax[b]) j->bmax[b] = v;
                } else {
                    if (j->nvals == j->count) {
                        j->nvals = j->count + 1; /* flags the mismatch below */
                        continue;
                    }
                    if (j->nvals < j->count) j->vals[j->nvals++] = v;
                }
            }
        }
    }
done:
    free(look);
    free(colstart);
    free(jlo);
    free(jhi);
    free(celloff);
    free(cell);
    free(cb);
    return st;
}

/* After a pass: narrow or resolve every target whose job was active, then free the jobs. */
static ics_status settle(ctx *x)
{
    ics_status st = ICS_OK;
    const int nb = x->nb;
    for (int64_t i = 0; i < x->njobs; ++i) {
        job *j = &x->jobs[i];
        if (j->state != JOB_ACTIVE) continue;
        int64_t got = 0;
        if (j->kind == JOB_HIST) {
            for (int b = 0; b < nb; ++b) got += j->cum[b];
            /* counts -> exclusive prefix sums; sums -> suffix sums */
            int64_t run = 0;
            for (int b = 0; b <= nb; ++b) {
                const int64_t cnt = b < nb ? j->cum[b] : 0;
                j->cum[b] = run;
                run += cnt;
            }
            j->suffix[nb] = (ksum){0, 0};
            for (int b = nb - 1; b >= 0; --b) ks_addk(&j->suffix[b], &j->suffix[b + 1]);
        } else {
            got = j->nvals;
            qsort(j->vals, (size_t)j->count, sizeof *j->vals, cmp_double);
        }
        if (got != j->count)
            ICS_FAIL(x->err, ICS_EIO,
                     "%s: column %lld: %lld values in [%.17g, %.17g] where the previous pass "
                     "found %lld (was the file modified during finalization?)",
                     x->name, (long long)fcol(x, j->col), (long long)got, j->lo, j->hi,
                     (long long)j->count);
    }

    for (int64_t c = 0; c < x->m; ++c) {
        int64_t last_job = -1, last_bin = -1, child = -1;
        for (int64_t k = 0; k < x->nranks; ++k) {
            target *t = &x->tg[c * x->nranks + k];
            if (t->resolved || x->jobs[t->job].state != JOB_ACTIVE) continue;
            const job *j = &x->jobs[t->job];
            const int64_t local = t->rank - t->below;
            if (j->kind == JOB_COLLECT) {
                const double v = j->vals[local];
                int64_t lt = local, gt = local + 1;
                while (lt > 0 && j->vals[lt - 1] == v) --lt;
                while (gt < j->count && j->vals[gt] == v) ++gt;
                ksum s = t->above;
                if (t->tail)
                    for (int64_t q = gt; q < j->count; ++q) ks_add(&s, j->vals[q]);
                resolve(t, v, t->below + lt, gt - lt, &s);
                continue;
            }
            /* bin b with cum[b] <= local < cum[b + 1] */
            int lo = 0, hi = nb;
            while (hi - lo > 1) {
                const int mid = lo + (hi - lo) / 2;
                if (j->cum[mid] <= local)
                    lo = mid;
                else
                    hi = mid;
            }
            const int b = lo;
            const int64_t jid = t->job;
            if (jid != last_job || b != last_bin) child = -1;
            last_job = jid;
            last_bin = b;
            t->below += j->cum[b];
            ks_addk(&t->above, &j->suffix[b + 1]);
            ICS_TRY(place(x, t, c, j->depth + 1, j->bmin[b], j->bmax[b],
                          j->cum[b + 1] - j->cum[b], &child)); /* j is stale after this */
        }
    }
    for (int64_t i = 0; i < x->njobs; ++i)
        if (x->jobs[i].state == JOB_ACTIVE) {
            job_release(&x->jobs[i]);
            x->jobs[i].state = JOB_DONE;
        }
done:
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------------------------- */

void ics_column_stats_free(ics_column_stats_result **res)
{
    if (!res || !*res) return;
    ics_column_stats_result *r = *res;
    free(r->source);
    free(r->mean);
    free(r->sd);
    free(r->min);
    free(r->max);
    free(r->quantile_levels);
    free(r->quantiles);
    free(r->var_levels);
    free(r->var);
    free(r->cvar);
    free(r->exceedance_probs);
    free(r->return_period_loss);
    free(r->ep_threshold);
    free(r->ep_probability);
    free(r);
    *res = NULL;
}

static ics_status check_levels(const double *lev, int n, const char *what, ics_error *err)
{
    if (n < 0) return ics_error_set(err, ICS_EINPUT, "statistics: negative number of %s", what);
    if (n > 0 && !lev)
        return ics_error_set(err, ICS_EINPUT, "statistics: %d %s given without values", n, what);
    for (int i = 0; i < n; ++i)
        if (!(lev[i] >= 0.0 && lev[i] <= 1.0))
            return ics_error_set(err, ICS_EINPUT,
                                 "statistics: %s %g is outside [0, 1] (a probability)", what,
                                 lev[i]);
    return ICS_OK;
}

static double *dup_levels(const double *lev, int n, ics_error *err)
{
    double *d = ics_calloc((size_t)(n > 0 ? n : 1), sizeof *d, err, "statistics levels");
    if (d && n > 0) memcpy(d, lev, (size_t)n * sizeof *d);
    return d;
}

/* Value of order statistic `rank` of column c (it was requested). */
static double rank_value(const ctx *x, int64_t c, int64_t rank)
{
    const int64_t *p = bsearch(&rank, x->ranks, (size_t)x->nranks, sizeof rank, cmp_i64);
    assert(p);
    return x->tg[c * x->nranks + (p - x->ranks)].value;
}

static double r7(const ctx *x, int64_t c, double p)
{
    const double h = (double)(x->n - 1) * p;
    const int64_t l = (int64_t)floor(h);
    const int64_t u = l + 1 < x->n ? l + 1 : x->n - 1;
    const double xl = rank_value(x, c, l), xu = rank_value(x, c, u);
    return xl + (h - (double)l) * (xu - xl);
}

/* j = ceil(N a) clamped to [0, N]: the 1-based order statistic at the CVaR boundary. */
static int64_t cvar_j(int64_t n, double a)
{
    const double na = ceil((double)n * a);
    return na <= 0 ? 0 : na >= (double)n ? n : (int64_t)na;
}

ics_status ics_column_stats(hid_t file, const char *dataset, const ics_stats_request *req,
                            ics_column_stats_result **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ctx x;
    memset(&x, 0, sizeof x);
    x.name = dataset;
    x.err = err;
    x.dset = x.fspace = H5I_INVALID_HID;
    hid_t type = H5I_INVALID_HID;
    ics_column_stats_result *r = NULL;
    tree_moments *tm = NULL;
    ksum *total = NULL;
    double *thr = NULL;
    int64_t *epcnt = NULL, *rk = NULL;
    int *rk_tail = NULL;

    const int nq = req->nquantiles, na = req->nvar, np = req->nexceed;
    ICS_TRY(check_levels(req->quantile_levels, nq, "quantile level", err));
    ICS_TRY(check_levels(req->var_levels, na, "VaR/CVaR level", err));
    ICS_TRY(check_levels(req->exceedance_probs, np, "exceedance probability", err));
    if (req->ep_points < -1 || (req->ep_thresholds && req->ep_points <= 0))
        ICS_FAIL(err, ICS_EINPUT,
                 "statistics: ep_points is %d; give the number of exceedance thresholds (>= 1)",
                 req->ep_points);
    const int K = req->ep_points < 0 ? 0 : req->ep_points ? req->ep_points : DEFAULT_EP_POINTS;
    if (req->ep_thresholds)
        for (int k = 0; k < K; ++k)
            if (!isfinite(req->ep_thresholds[k]) ||
                (k > 0 && req->ep_thresholds[k] < req->ep_thresholds[k - 1]))
                ICS_FAIL(err, ICS_EINPUT,
                         "statistics: exceedance threshold %d (%g) is not finite or smaller "
                         "than the one before; thresholds must be finite and nondecreasing",
                         k, req->ep_thresholds[k]);
    if (req->bins != 0 && (req->bins < 2 || req->bins > MAX_BINS))
        ICS_FAIL(err, ICS_EINPUT, "statistics: %d histogram bins; use 2..%d", req->bins,
                 MAX_BINS);
    if (req->collect_cap < 0 || req->chunk_rows < 0)
        ICS_FAIL(err, ICS_EINPUT, "statistics: chunk_rows and collect_cap must not be negative");
    x.nb = req->bins ? req->bins : DEFAULT_BINS;
    x.cap = req->collect_cap ? req->collect_cap : DEFAULT_CAP;

    /* The dataset */
    {
        H5E_auto2_t efunc = NULL;
        void *edata = NULL;
        H5Eget_auto2(H5E_DEFAULT, &efunc, &edata);
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        const htri_t exists = H5Lexists(file, dataset, H5P_DEFAULT);
        if (exists > 0) x.dset = H5Dopen2(file, dataset, H5P_DEFAULT);
        H5Eset_auto2(H5E_DEFAULT, efunc, edata);
    }
    if (x.dset < 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot open the dataset (was it stored?)", dataset);
    x.fspace = H5Dget_space(x.dset);
    type = H5Dget_type(x.dset);
    x.rank = H5Sget_simple_extent_ndims(x.fspace);
    const H5T_class_t cls = H5Tget_class(type);
    if (x.rank < 1 || x.rank > 2 || (cls != H5T_FLOAT && cls != H5T_INTEGER))
        ICS_FAIL(err, ICS_EINPUT,
                 "%s: statistics need a numeric dataset of shape (N) or (N, m), not rank %d",
                 dataset, x.rank);
    {
        hsize_t d[2] = {0, 1};
        H5Sget_simple_extent_dims(x.fspace, d, NULL);
        x.n = (int64_t)d[0];
        x.m = x.rank == 2 ? (int64_t)d[1] : 1;
    }
    if (x.m < 1) ICS_FAIL(err, ICS_EINPUT, "%s: the dataset has no columns", dataset);
    x.chunk_rows = req->chunk_rows ? req->chunk_rows : DEFAULT_CHUNK_ROWS;
    if (req->chunk_rows == 0 && x.chunk_rows * x.m > MAX_CHUNK_VALUES)
        x.chunk_rows = MAX_CHUNK_VALUES / x.m > 0 ? MAX_CHUNK_VALUES / x.m : 1;
    if (x.chunk_rows > x.n && x.n > 0) x.chunk_rows = x.n;
    x.mfile = x.m;
    {
        const int64_t stride = req->col_stride > 0 ? req->col_stride : 1;
        if (req->col_stride < 0 || req->col_offset < 0 || req->col_offset >= stride)
            ICS_FAIL(err, ICS_EINPUT, "statistics: column offset %lld and stride %lld; the offset "
                     "must be in [0, stride)", (long long)req->col_offset,
                     (long long)req->col_stride);
        x.col0 = req->col_offset;
        x.cstep = stride;
        x.m = x.col0 < x.mfile ? (x.mfile - x.col0 + stride - 1) / stride : 0;
    }
    /* m columns computed here, mf in the dataset and the result */
    const int64_t m = x.m, mf = x.mfile, n = x.n;

    /* The result */
    ICS_ALLOC(r, 1, err, "statistics");
    if (!(r->source = ics_strdup(dataset, err))) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    r->count = n;
    r->ncols = mf;
    r->nquantiles = nq;
    r->nvar = na;
    r->nexceed = np;
    r->ep_points = K;
    ICS_ALLOC(r->mean, mf, err, "statistics");
    ICS_ALLOC(r->sd, mf, err, "statistics");
    ICS_ALLOC(r->min, mf, err, "statistics");
    ICS_ALLOC(r->max, mf, err, "statistics");
    if (!(r->quantile_levels = dup_levels(req->quantile_levels, nq, err)) ||
        !(r->var_levels = dup_levels(req->var_levels, na, err)) ||
        !(r->exceedance_probs = dup_levels(req->exceedance_probs, np, err)))
        ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    ICS_ALLOC(r->quantiles, (nq ? nq : 1) * mf, err, "statistics");
    ICS_ALLOC(r->var, (na ? na : 1) * mf, err, "statistics");
    ICS_ALLOC(r->cvar, (na ? na : 1) * mf, err, "statistics");
    ICS_ALLOC(r->return_period_loss, (np ? np : 1) * mf, err, "statistics");
    ICS_ALLOC(r->ep_threshold, (int64_t)K * mf, err, "statistics");
    ICS_ALLOC(r->ep_probability, (int64_t)K * mf, err, "statistics");
    /* undefined until computed: every column when N = 0, the columns not computed here */
    for (int64_t c = 0; c < mf; ++c) r->mean[c] = r->sd[c] = r->min[c] = r->max[c] = NAN;
    for (int64_t i = 0; i < nq * mf; ++i) r->quantiles[i] = NAN;
    for (int64_t i = 0; i < na * mf; ++i) r->var[i] = r->cvar[i] = NAN;
    for (int64_t i = 0; i < np * mf; ++i) r->return_period_loss[i] = NAN;
    for (int64_t i = 0; i < (int64_t)K * mf; ++i) {
        r->ep_threshold[i] = req->ep_thresholds ? req->ep_thresholds[i / mf] : NAN;
        r->ep_probability[i] = NAN;
    }
    if (n == 0 || m == 0) goto success;

    /* Pass 1: moments, extremes, finiteness (from the stored window moments when given) */
    x.window_read_rows = x.chunk_rows - x.chunk_rows % ICS_STATS_WINDOW;
    if (x.window_read_rows < ICS_STATS_WINDOW) x.window_read_rows = ICS_STATS_WINDOW;
    ICS_ALLOC(x.buf, (x.chunk_rows > x.window_read_rows ? x.chunk_rows : x.window_read_rows) * mf,
              err, "a read buffer");
    ICS_ALLOC(tm, m, err, "moments");
    ICS_ALLOC(total, m, err, "sums");
    for (int64_t c = 0; c < m; ++c) {
        tree_init(&tm[c]);
        total[c] = (ksum){0, 0};
    }
    if (req->moments_dataset) {
        ICS_TRY(pass_moments_stored(&x, file, req->moments_dataset, tm, total));
        r->passes = 0;
    } else {
        ICS_TRY(pass_moments(&x, tm, total));
        r->passes = 1;
    }
    for (int64_t c = 0; c < m; ++c) {
        const ics_moments mo = tree_finish(&tm[c]);
        const int64_t fc = fcol(&x, c);
        r->mean[fc] = mo.mean;
        r->sd[fc] = ics_moments_sd(&mo);
        r->min[fc] = mo.min;
        r->max[fc] = mo.max;
    }
    free(tm);
    tm = NULL;

    /* Order statistics needed (the same ranks for every column) */
    {
        const int64_t cap_ranks = 2 * (int64_t)nq + 2 * (int64_t)np + 3 * (int64_t)na + 1;
        ICS_ALLOC(rk, cap_ranks, err, "ranks");
        ICS_ALLOC(rk_tail, cap_ranks, err, "ranks");
        int64_t nr = 0;
        /* encode tail in the low bit so one sort groups duplicates */
        for (int i = 0; i < nq + np + na; ++i) {
            const double p = i < nq ? req->quantile_levels[i]
                             : i < nq + np ? 1.0 - req->exceedance_probs[i - nq]
                                           : req->var_levels[i - nq - np];
            const double h = (double)(n - 1) * p;
            const int64_t l = (int64_t)floor(h);
            rk[nr++] = 2 * l;
            rk[nr++] = 2 * (l + 1 < n ? l + 1 : n - 1);
        }
        for (int i = 0; i < na; ++i) {
            const double a = req->var_levels[i];
            const int64_t j = cvar_j(n, a);
            if (a < 1.0 && j >= 1 && j < n) rk[nr++] = 2 * (j - 1) + 1;
        }
        qsort(rk, (size_t)nr, sizeof *rk, cmp_i64);
        int64_t u = 0;
        for (int64_t i = 0; i < nr; ++i) {
            const int64_t rank = rk[i] >> 1;
            const int tail = (int)(rk[i] & 1);
            if (u > 0 && rk[u - 1] == rank) {
                rk_tail[u - 1] |= tail;
            } else {
                rk[u] = rank;
                rk_tail[u] = tail;
                ++u;
            }
        }
        x.ranks = rk;
        x.rank_tail = rk_tail;
        x.nranks = u;
    }
    ICS_ALLOC(x.tg, (x.nranks ? x.nranks : 1) * m, err, "order statistics");
    for (int64_t c = 0; c < m; ++c) {
        int64_t root = -1;
        for (int64_t k = 0; k < x.nranks; ++k) {
            target *t = &x.tg[c * x.nranks + k];
            t->rank = x.ranks[k];
            t->tail = x.rank_tail[k];
            t->job = -1;
            t->below = 0;
            t->above = (ksum){0, 0};
            ICS_TRY(place(&x, t, c, 0, r->min[fcol(&x, c)], r->max[fcol(&x, c)], n, &root));
        }
    }

    /* Exceedance thresholds */
    ICS_ALLOC(thr, (int64_t)K * m, err, "exceedance thresholds");
    ICS_ALLOC(epcnt, (int64_t)(K + 1) * m, err, "exceedance counts");
    for (int64_t c = 0; c < m; ++c) {
        const double lo = r->min[fcol(&x, c)], hi = r->max[fcol(&x, c)], w = hi - lo;
        for (int k = 0; k < K; ++k) {
            double t;
            if (req->ep_thresholds) {
                t = req->ep_thresholds[k];
            } else if (K == 1) {
                t = lo;
            } else {
                const double u = (double)k / (double)(K - 1);
                /* monotone in u; the halved form only when max - min overflows */
                t = isfinite(w) ? lo + w * u : lo + 2.0 * ((0.5 * hi - 0.5 * lo) * u);
                if (t > hi || k == K - 1) t = hi;
            }
            thr[c * K + k] = t;
        }
    }

    /* Selection passes; the first also counts exceedances */
    for (int first_pass = 1;; first_pass = 0) {
        int64_t nactive = 0, pending = 0;
        ICS_TRY(admit(&x, &nactive));
        for (int64_t i = 0; i < x.njobs; ++i) pending += x.jobs[i].state == JOB_PENDING;
        if (nactive == 0 && pending > 0)
            ICS_FAIL(err, ICS_EINTERNAL, "%s: statistics selection made no progress", dataset);
        /* (the first pass also counts exceedances, when there is a curve) */
        if (nactive == 0 && (!first_pass || K == 0)) break;
        ICS_TRY(pass_select(&x, thr, K, first_pass ? epcnt : NULL));
        r->passes += 1;
        ICS_TRY(settle(&x));
    }

    /* Assemble */
    for (int64_t c = 0; c < m; ++c) {
        const int64_t fc = fcol(&x, c);
        for (int i = 0; i < nq; ++i) r->quantiles[i * mf + fc] = r7(&x, c, req->quantile_levels[i]);
        for (int i = 0; i < np; ++i)
            r->return_period_loss[i * mf + fc] = r7(&x, c, 1.0 - req->exceedance_probs[i]);
        for (int i = 0; i < na; ++i) {
            const double a = req->var_levels[i];
            r->var[i * mf + fc] = r7(&x, c, a);
            const int64_t j = cvar_j(n, a);
            double es;
            if (a >= 1.0 || j >= n) {
                es = r->max[fc];
            } else if (j == 0) {
                es = ks_val(&total[c]) / (double)n;
            } else {
                const int64_t rank = j - 1;
                const int64_t *p = bsearch(&rank, x.ranks, (size_t)x.nranks, sizeof rank, cmp_i64);
                assert(p);
                const target *t = &x.tg[c * x.nranks + (p - x.ranks)];
                assert(t->tail && t->resolved);
                ksum s = t->s_gt; /* values > x_(j-1), then its ties ranked above j-1 */
                ks_add(&s, (double)(t->c_lt + t->c_eq - 1 - rank) * t->value);
                ks_add(&s, ((double)j - (double)n * a) * t->value);
                es = ks_val(&s) / ((double)n * (1.0 - a));
            }
            r->cvar[i * mf + fc] = es;
        }
        int64_t above = n;
        for (int k = 0; k < K; ++k) {
            above -= epcnt[c * (K + 1) + k];
            r->ep_threshold[(int64_t)k * mf + fc] = thr[c * K + k];
            r->ep_probability[(int64_t)k * mf + fc] = (double)above / (double)n;
        }
    }

success:
    *out = r;
    r = NULL;
done:
    ics_column_stats_free(&r);
    if (x.jobs)
        for (int64_t i = 0; i < x.njobs; ++i) job_release(&x.jobs[i]);
    free(x.jobs);
    free(x.tg);
    free(x.buf);
    free(tm);
    free(total);
    free(thr);
    free(epcnt);
    free(rk);
    free(rk_tail);
    if (type >= 0) H5Tclose(type);
    if (x.fspace >= 0) H5Sclose(x.fspace);
    if (x.dset >= 0) H5Dclose(x.dset);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------------------------- */

static ics_status attr_vec(hid_t obj, const char *name, const double *v, int n, ics_error *err)
{
    ics_status st = ICS_OK;
    hsize_t dim = (hsize_t)n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    hid_t attr = ics_h5_fault() ? H5I_INVALID_HID
                                : H5Acreate2(obj, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, H5T_NATIVE_DOUBLE, v) < 0)
        st = ics_h5_fail(err, ICS_EIO, obj, NULL, "cannot write the attribute '%s'", name);
    if (attr >= 0) H5Aclose(attr);
    H5Sclose(space);
    return st;
}

/* Dataset `name` under loc: shape (m) when rows == 0, else (rows, m); with a definition and
 * optionally a level attribute. */
static ics_status put(hid_t loc, const char *group, const char *name, int64_t rows, int64_t m,
                      const double *data, const char *attr, const double *attr_v,
                      const char *definition, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t dset = H5I_INVALID_HID;
    const int64_t dims[2] = {rows ? rows : m, m};
    ICS_TRY(ics_h5_dataset(loc, name, rows ? 2 : 1, dims, 0, 0, &dset, err));
    if (ics_h5_fault() || H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        ICS_H5_FAIL(err, dset, NULL, "cannot write the dataset");
    if (attr) ICS_TRY(attr_vec(dset, attr, attr_v, (int)rows, err));
    ICS_TRY(ics_h5_attr_str(dset, "definition", definition, err));
done:
    if (dset >= 0) H5Dclose(dset);
    return st;
}

ics_status ics_write_column_stats(hid_t file, const char *group, const ics_column_stats_result *res,
                                  ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t g = H5I_INVALID_HID, ep = H5I_INVALID_HID;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    {
        H5E_auto2_t efunc = NULL;
        void *edata = NULL;
        H5Eget_auto2(H5E_DEFAULT, &efunc, &edata);
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        g = ics_h5_fault() ? H5I_INVALID_HID : H5Gcreate2(file, group, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        H5Eset_auto2(H5E_DEFAULT, efunc, edata);
    }
    if (g < 0)
        ICS_H5_FAIL(err, file, NULL, "cannot create the statistics group %s", group);
    const int64_t m = res->ncols;
    ICS_TRY(ics_h5_attr_i64(g, "count", res->count, err));
    ICS_TRY(ics_h5_attr_str(g, "source", res->source ? res->source : "", err));
    ICS_TRY(put(g, group, "mean", 0, m, res->mean, NULL, NULL,
                "arithmetic mean (Welford in 1024-row blocks, pairwise Chan merges in row order)",
                err));
    ICS_TRY(put(g, group, "sd", 0, m, res->sd, NULL, NULL,
                "sample standard deviation, N - 1 denominator (0 when N < 2)", err));
    ICS_TRY(put(g, group, "min", 0, m, res->min, NULL, NULL, "smallest value", err));
    ICS_TRY(put(g, group, "max", 0, m, res->max, NULL, NULL, "largest value", err));
    if (res->nquantiles > 0)
        ICS_TRY(put(g, group, "quantiles", res->nquantiles, m, res->quantiles, "levels",
                    res->quantile_levels,
                    "exact R-7 quantile (Hyndman-Fan type 7, numpy default): h = (N-1)p, "
                    "x(floor h) + (h - floor h)(x(floor h + 1) - x(floor h)), x sorted, 0-based",
                    err));
    if (res->nvar > 0) {
        ICS_TRY(put(g, group, "var", res->nvar, m, res->var, "levels", res->var_levels,
                    "value at risk: exact R-7 quantile at level a", err));
        ICS_TRY(put(g, group, "cvar", res->nvar, m, res->cvar, "levels", res->var_levels,
                    "expected shortfall (Acerbi-Tasche) of the empirical distribution: "
                    "1/(1-a) int_a^1 F^-1(u) du = [sum_{k>=j} x(k) + (j - N a) x(j-1)] / "
                    "(N (1-a)), j = ceil(N a), x sorted, 0-based; mean at a = 0, max at a = 1",
                    err));
    }
    if (res->nexceed > 0)
        ICS_TRY(put(g, group, "return_period_loss", res->nexceed, m, res->return_period_loss,
                    "exceedance_probability", res->exceedance_probs,
                    "exact R-7 quantile at level 1 - p for exceedance probability p "
                    "(return period 1/p scenarios)",
                    err));
    if (res->ep_points > 0) {
        ep = ics_h5_fault() ? H5I_INVALID_HID
                            : H5Gcreate2(g, "ep_curve", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (ep < 0) ICS_H5_FAIL(err, g, NULL, "cannot create the group ep_curve");
        ICS_TRY(put(ep, group, "threshold", res->ep_points, m, res->ep_threshold, NULL, NULL,
                    "thresholds t_k of the exceedance-probability curve", err));
        ICS_TRY(put(ep, group, "probability", res->ep_points, m, res->ep_probability, NULL,
                    NULL, "exceedance probability: fraction of scenarios with value > t_k", err));
    }
done:
    if (ep >= 0) H5Gclose(ep);
    if (g >= 0) H5Gclose(g);
    H5Pclose(lcpl);
    return st;
}
