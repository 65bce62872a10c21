/* Exact statistics by row range over several processes (see ics_rowstats.h). Every decision
 * (which bins to refine, which cells to gather) is made from globally merged integer counts,
 * so all processes take the same steps; floating-point sums are made per fixed segment in row
 * order and merged in segment order, so no bit depends on the number of processes or threads. */
#define _POSIX_C_SOURCE 200809L /* pread, O_CLOEXEC */
#include "ics_rowstats.h"

#include "ics_ksum.h"
#include "ics_stats.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <unistd.h>

#define TREE_LEVELS 48
#define SEG_LEVEL 6 /* the largest segment: ICS_STATS_SEGMENT = 2^SEG_LEVEL windows */
#define REC 38 /* packed segment moments: occupancy, 7 levels x 5, ksum */
#define SUB_BITS 10 /* 8 KiB of counts per refined cell: stays in cache */
#define SUB_BINS (1 << SUB_BITS)
#define GATHER_CAP 4096          /* values per gathered cell */
#define GATHER_BUDGET (1 << 22)  /* values gathered per pass, all cells */
#define REFINE_BUDGET 1024       /* refined cells per pass (32 KiB each) */
#define MAX_READ_VALUES (1 << 23)
#define DEFAULT_EP_POINTS 101

/* ------------------------------------------------------------------------------------------ */

void ics_keyhist_add(int64_t *hist, const double *x, int64_t rows, int64_t stride)
{
    for (int64_t r = 0; r < rows; ++r) ++hist[ics_stats_key(x[r * stride]) >> (64 - ICS_KEYHIST_BITS)];
}

static double value_of_key(uint64_t k)
{
    const uint64_t u = (k >> 63) ? k & ~((uint64_t)1 << 63) : ~k;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}


/* The binary counter of window moments (ics_finalstats.h): level l holds 2^l windows. */
typedef struct tree {
    ics_moments level[TREE_LEVELS];
    uint64_t occ;
} tree;
static void tree_push_at(tree *t, int l0, ics_moments carry)
{
    for (int l = l0; l < TREE_LEVELS; ++l) {
        const uint64_t bit = (uint64_t)1 << l;
        if (!(t->occ & bit)) {
            t->level[l] = carry;
            t->occ |= bit;
            return;
        }
        ics_moments merged = t->level[l];
        ics_moments_merge(&merged, &carry);
        carry = merged;
        t->occ &= ~bit;
    }
}
static ics_moments tree_finish(const tree *t)
{
    ics_moments r;
    ics_moments_init(&r);
    for (int l = TREE_LEVELS - 1; l >= 0; --l)
        if (t->occ & ((uint64_t)1 << l)) ics_moments_merge(&r, &t->level[l]);
    return r;
}

/* A total order: by value, and -0 before +0, so that a sort of gathered values gives the same
 * bits whatever order they were gathered in. */
static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    if (x != y) return (x > y) - (x < y);
    return (int)!signbit(x) - (int)!signbit(y);
}
static int cmp_i64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------------------------------------ */

enum { CELL_REFINE, CELL_GATHER, CELL_KNOWN };
enum { PENDING, ACTIVE, DONE };

/* A key interval [klo, khi] = one prefix of (64 - shift) bits of one column, holding `count`
 * values with `below` values of smaller key. */
typedef struct cell {
    int64_t col, count, below;
    uint64_t klo, khi;
    int shift, kind, state, tail, sub_shift; /* sub-bin of key: (key - klo) >> sub_shift */
    int64_t ridx;          /* refine cells: index among the active pass's refine cells */
    int64_t *sub;          /* [SUB_BINS] counts of the next 12 bits (refine) */
    double *vals;          /* local gathered values, then all of them sorted */
    int64_t nvals, nall;
    ksum above;            /* sum of the values with key > khi (tail cells) */
} cell;

typedef struct target {
    int64_t rank, cell;
    int tail, resolved;
    double value;
    int64_t c_gt; /* values > value */
    ksum s_gt;    /* their sum */
} target;


typedef struct rs {
    const char *name;
    hid_t dset, fspace;
    int drank;
    int64_t n, m, nseg, s0, s1, r0, r1, read_rows;
    int64_t seg_rows; /* rows per segment: 2^seg_level windows, a function of N only */
    int seg_level;
    double *buf;
    const ics_stats_comm *comm;
    int *peer_failed;
    ics_error *err;
    cell *cells;
    int64_t ncells, acells;
    int64_t nbuf; /* chunks of read_rows rows in buf */
    /* direct reads (direct_setup): the file opened once more, and the file offset of each
     * storage chunk of crow rows holding own rows, chunk c0 first; fd -1: through HDF5 */
    int fd;
    int64_t crow, c0;
    int64_t *coff;
} rs;

static int nprocs(const rs *x) { return x->comm && x->comm->sum_i64 ? x->comm->nprocs : 1; }

/* Collective: ICS_OK when no process failed; mine when this one did; else an error naming
 * another process (and *peer_failed = 1). */
static ics_status agree(rs *x, ics_status mine)
{
    if (nprocs(x) == 1) return mine;
    int64_t f = mine != ICS_OK;
    if (x->comm->sum_i64(x->comm->ctx, &f, 1) != 0)
        return ics_error_set(x->err, ICS_EIO, "%s: statistics: a collective failed", x->name);
    if (mine != ICS_OK) return mine;
    if (f == 0) return ICS_OK;
    *x->peer_failed = 1;
    return ics_error_set(x->err, ICS_EIO, "%s: statistics failed on another process", x->name);
}

static ics_status coll_sum(rs *x, int64_t *v, int64_t n)
{
    if (nprocs(x) == 1 || n == 0) return ICS_OK;
    if (x->comm->sum_i64(x->comm->ctx, v, n) != 0)
        return ics_error_set(x->err, ICS_EIO, "%s: statistics: a collective failed", x->name);
    return ICS_OK;
}

static ics_status coll_gather(rs *x, double *mine, int64_t n, double **all, int64_t *total)
{
    if (nprocs(x) == 1) {
        *all = mine;
        *total = n;
        return ICS_OK;
    }
    if (x->comm->allgather_f64(x->comm->ctx, mine, n, all, total) != 0)
        return ics_error_set(x->err, ICS_EIO, "%s: statistics: a collective failed", x->name);
    return ICS_OK;
}

/* First segment of process p. */
static int64_t seg_first(const rs *x, int p) { return x->nseg * p / nprocs(x); }


/* Rows first .. first+rows-1 straight from the file's bytes (direct_setup): pread is
 * thread-safe, so the threads of a pass read their own segments side by side. */
static int read_direct(const rs *x, int64_t first, int64_t rows, double *dst)
{
    const size_t rb = (size_t)x->m * sizeof *dst;
    for (int64_t r = first, end = first + rows; r < end;) {
        const int64_t ci = r / x->crow, ce = (ci + 1) * x->crow < end ? (ci + 1) * x->crow : end;
        char *d = (char *)(dst + (r - first) * x->m);
        size_t left = (size_t)(ce - r) * rb;
        off_t off = (off_t)x->coff[ci - x->c0] + (off_t)((size_t)(r - ci * x->crow) * rb);
        while (left > 0) {
            const ssize_t got = pread(x->fd, d, left, off);
            if (got < 0 && errno == EINTR) continue;
            if (got == 0) errno = 0;
            if (got <= 0) return -1;
            d += got, off += got, left -= (size_t)got;
        }
        r = ce;
    }
    return 0;
}

static ics_status read_rows_to(rs *x, int64_t first, int64_t rows, double *dst)
{
    ics_status st = ICS_OK;
    if (x->fd >= 0) {
        if (read_direct(x, first, rows, dst) == 0) return ICS_OK;
        ics_status e;
#pragma omp critical(ics_rowstats_err)
        e = ics_error_set(x->err, ICS_EIO, "%s: reading rows %lld..%lld failed: %s", x->name,
                          (long long)first, (long long)(first + rows - 1),
                          errno ? strerror(errno) : "end of file");
        return e;
    }
    hsize_t start[2] = {(hsize_t)first, 0}, cnt[2] = {(hsize_t)rows, (hsize_t)x->m};
    hid_t ms = H5Screate_simple(x->drank, cnt, NULL);
    if (ms < 0 || H5Sselect_hyperslab(x->fspace, H5S_SELECT_SET, start, NULL, cnt, NULL) < 0 ||
        H5Dread(x->dset, H5T_NATIVE_DOUBLE, ms, x->fspace, H5P_DEFAULT, dst) < 0)
        st = ics_error_set(x->err, ICS_EIO, "%s: reading rows %lld..%lld failed", x->name,
                           (long long)first, (long long)(first + rows - 1));
    if (ms >= 0) H5Sclose(ms);
    return st;
}

static int64_t direct_uses; /* datasets read directly, for the tests (ics__rowstats_direct) */
int64_t ics__rowstats_direct(void)
{
    int64_t v;
#pragma omp atomic read
    v = direct_uses;
    return v;
}

/* Direct reads: when the dataset holds native doubles, unfiltered, contiguous or in chunks of
 * whole rows, and every chunk of the own rows is allocated, the narrow passes read its bytes
 * with pread instead of H5Dread (serial, and a copy through HDF5 on one thread). Checked
 * against H5Dread on the first own rows; anything unexpected keeps the HDF5 path (fd = -1).
 * The values are the same either way, so the results are too. */
static void direct_setup(rs *x, hid_t file, hid_t type, double *probe, double *check)
{
    x->fd = -1;
    if (x->r1 <= x->r0 || H5Tequal(type, H5T_NATIVE_DOUBLE) <= 0) return;
    hid_t dcpl = H5I_INVALID_HID, fcpl = H5I_INVALID_HID;
    hsize_t ub = 0, cd[2] = {0, 0};
    char name[4096];
    int ok = 0;
    H5E_BEGIN_TRY
    {
        dcpl = H5Dget_create_plist(x->dset);
        fcpl = H5Fget_create_plist(file);
        const H5D_layout_t lay = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
        const ssize_t len = H5Fget_name(file, name, sizeof name);
        ok = fcpl >= 0 && H5Pget_userblock(fcpl, &ub) >= 0 && len > 0 && (size_t)len < sizeof name;
        if (ok && lay == H5D_CONTIGUOUS) {
            const haddr_t a = H5Dget_offset(x->dset);
            ok = a != HADDR_UNDEF && (x->coff = malloc(sizeof *x->coff)) != NULL;
            if (ok) x->crow = x->n, x->c0 = 0, x->coff[0] = (int64_t)(ub + a);
        } else if (ok && lay == H5D_CHUNKED && H5Pget_nfilters(dcpl) == 0 &&
                   H5Pget_chunk(dcpl, 2, cd) == x->drank && cd[0] > 0 &&
                   (x->drank == 1 || cd[1] == (hsize_t)x->m)) {
            x->crow = (int64_t)cd[0];
            x->c0 = x->r0 / x->crow;
            const int64_t nc = (x->r1 - 1) / x->crow - x->c0 + 1;
            ok = (x->coff = malloc((size_t)nc * sizeof *x->coff)) != NULL;
            for (int64_t c = 0; ok && c < nc; ++c) {
                hsize_t off[2] = {(hsize_t)((x->c0 + c) * x->crow), 0}, size = 0;
                unsigned fm = 0;
                haddr_t a = HADDR_UNDEF;
                ok = H5Dget_chunk_info_by_coord(x->dset, off, &fm, &a, &size) >= 0 &&
                     a != HADDR_UNDEF && fm == 0 &&
                     size == (hsize_t)x->crow * (hsize_t)x->m * sizeof(double);
                if (ok) x->coff[c] = (int64_t)(ub + a);
            }
        } else {
            ok = 0;
        }
    }
    H5E_END_TRY;
    if (dcpl >= 0) H5Pclose(dcpl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (ok) x->fd = open(name, O_RDONLY | O_CLOEXEC);
    /* the check: the first own rows both ways, bit for bit */
    const int64_t rows = x->r1 - x->r0 < 64 ? x->r1 - x->r0 : 64;
    if (x->fd >= 0) {
        const int bad = read_direct(x, x->r0, rows, probe) != 0;
        const int fd = x->fd;
        x->fd = -1;
        ics_error e;
        ics_error_clear(&e);
        ics_error *keep = x->err;
        x->err = &e;
        const int same = !bad && read_rows_to(x, x->r0, rows, check) == ICS_OK &&
                         memcmp(probe, check, (size_t)rows * (size_t)x->m * sizeof *probe) == 0;
        x->err = keep;
        if (same) {
            x->fd = fd;
#pragma omp atomic update
            ++direct_uses;
        } else {
            close(fd);
        }
    }
    if (x->fd < 0) {
        free(x->coff);
        x->coff = NULL;
    }
}

static ics_status read_rows(rs *x, int64_t first, int64_t rows)
{
    return read_rows_to(x, first, rows, x->buf);
}

/* ------------------------------------------------------------------------------------------ */
/* Phase A: moments per segment, gathered, merged in segment order                            */

typedef struct bad_value {
    int64_t row, col;
    double v;
} bad_value;

static void note_bad(bad_value *bad, int64_t row, int64_t col, double v)
{
#pragma omp critical(ics_rowstats_bad)
    if (bad->row < 0 || row < bad->row || (row == bad->row && col < bad->col))
        *bad = (bad_value){row, col, v};
}

static void take(tree *t, ksum *s, const double *rec, int64_t row0, int64_t c, bad_value *bad)
{
    if (rec[5] >= 0) {
        note_bad(bad, row0 + (int64_t)rec[5], c, rec[1]);
        return;
    }
    const ics_moments mo = {(int64_t)rec[0], rec[1] / rec[0], rec[2], rec[3], rec[4]};
    tree_push_at(t, 0, mo);
    ks_add(s, rec[1]);
}

static void pack_seg(double *p, const tree *t, const ksum *s)
{
    p[0] = (double)t->occ;
    for (int l = 0; l <= SEG_LEVEL; ++l) {
        const ics_moments *mo = &t->level[l];
        double *q = p + 1 + 5 * l;
        if (t->occ & ((uint64_t)1 << l))
            q[0] = (double)mo->count, q[1] = mo->mean, q[2] = mo->m2, q[3] = mo->min, q[4] = mo->max;
        else
            q[0] = q[1] = q[2] = q[3] = q[4] = 0.0;
    }
    p[36] = s->s;
    p[37] = s->c;
}

/* Own segments: packed moments into pk[(s - s0) * m * REC + c * REC]; the histogram of the own
 * rows into hist when hist != NULL (data read only when there are no stored moments or a
 * histogram is wanted). */
static ics_status phase_moments(rs *x, hid_t file, const char *mpath, double *pk, int64_t *hist,
                                bad_value *bad)
{
    ics_status st = ICS_OK;
    const int64_t m = x->m;
    tree *t = NULL;
    ksum *s = NULL;
    hid_t d = H5I_INVALID_HID, fs = H5I_INVALID_HID;
    double *wb = NULL;
    ICS_ALLOC(t, m, x->err, "moments");
    ICS_ALLOC(s, m, x->err, "moments");
    if (mpath) {
        const int64_t nw = (x->n + ICS_STATS_WINDOW - 1) / ICS_STATS_WINDOW;
        H5E_BEGIN_TRY { d = H5Dopen2(file, mpath, H5P_DEFAULT); }
        H5E_END_TRY;
        if (d < 0) ICS_FAIL(x->err, ICS_EIO, "%s: cannot open the window moments %s", x->name, mpath);
        fs = H5Dget_space(d);
        hsize_t dims[3] = {0, 0, 0};
        if (H5Sget_simple_extent_ndims(fs) != 3 || H5Sget_simple_extent_dims(fs, dims, NULL) < 0 ||
            dims[0] != (hsize_t)nw || dims[1] != (hsize_t)m || dims[2] != ICS_WINDOW_FIELDS)
            ICS_FAIL(x->err, ICS_EINPUT, "%s: the window moments %s are not (%lld, %lld, %d)",
                     x->name, mpath, (long long)nw, (long long)m, ICS_WINDOW_FIELDS);
        const int64_t sw = x->seg_rows / ICS_STATS_WINDOW;
        ICS_ALLOC(wb, sw * m * ICS_WINDOW_FIELDS, x->err, "window moments");
        for (int64_t sg = x->s0; sg < x->s1; ++sg) {
            const int64_t w0 = sg * sw, cnt = nw - w0 < sw ? nw - w0 : sw;
            hsize_t start[3] = {(hsize_t)w0, 0, 0}, count[3] = {(hsize_t)cnt, (hsize_t)m, ICS_WINDOW_FIELDS};
            hid_t ms = H5Screate_simple(3, count, NULL);
            const herr_t rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0
                                  ? -1 : H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, wb);
            H5Sclose(ms);
            if (rc < 0) ICS_FAIL(x->err, ICS_EIO, "%s: reading %s failed", x->name, mpath);
            for (int64_t c = 0; c < m; ++c) t[c].occ = 0, s[c] = (ksum){0, 0};
            for (int64_t i = 0; i < cnt; ++i) {
                const int64_t row0 = (w0 + i) * ICS_STATS_WINDOW;
                const int64_t want = x->n - row0 < ICS_STATS_WINDOW ? x->n - row0 : ICS_STATS_WINDOW;
                for (int64_t c = 0; c < m; ++c) {
                    const double *rec = wb + (i * m + c) * ICS_WINDOW_FIELDS;
                    if (rec[0] != (double)want)
                        ICS_FAIL(x->err, ICS_EIO, "%s: %s: the moments of rows %lld..%lld are "
                                 "missing (an unfinished block?)", x->name, mpath, (long long)row0,
                                 (long long)(row0 + want - 1));
                    take(&t[c], &s[c], rec, row0, c, bad);
                }
            }
            for (int64_t c = 0; c < m; ++c) pack_seg(pk + ((sg - x->s0) * m + c) * REC, &t[c], &s[c]);
        }
    }
    if (mpath && !hist) goto done;
    for (int64_t c = 0; c < m; ++c) t[c].occ = 0, s[c] = (ksum){0, 0};
    for (int64_t first = x->r0; first < x->r1; first += x->read_rows) {
        const int64_t rows = x->r1 - first < x->read_rows ? x->r1 - first : x->read_rows;
        ICS_TRY(read_rows(x, first, rows));
#pragma omp parallel for schedule(static) if (m > 1)
        for (int64_t c = 0; c < m; ++c) {
            const double *col = x->buf + c;
            if (hist) ics_keyhist_add(hist + c * ICS_KEYHIST_BINS, col, rows, m);
            if (mpath) continue;
            for (int64_t w = 0; w < rows; w += ICS_STATS_WINDOW) {
                double rec[ICS_WINDOW_FIELDS];
                const int64_t wr = rows - w < ICS_STATS_WINDOW ? rows - w : ICS_STATS_WINDOW;
                ics_window_moments(col + w * m, wr, m, rec);
                take(&t[c], &s[c], rec, first + w, c, bad);
            }
        }
        const int64_t end = first + rows;
        if (!mpath && (end % x->seg_rows == 0 || end == x->r1)) {
            const int64_t sg = (end - 1) / x->seg_rows;
            for (int64_t c = 0; c < m; ++c) {
                pack_seg(pk + ((sg - x->s0) * m + c) * REC, &t[c], &s[c]);
                t[c].occ = 0, s[c] = (ksum){0, 0};
            }
        }
    }
done:
    free(t);
    free(s);
    free(wb);
    if (fs >= 0) H5Sclose(fs);
    if (d >= 0) H5Dclose(d);
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Narrow passes                                                                              */

static ics_status new_cell(rs *x, int64_t col, uint64_t klo, int shift, int64_t count,
                           int64_t below, int64_t *id)
{
    if (x->ncells == x->acells) {
        const int64_t na = x->acells ? 2 * x->acells : 64;
        cell *nc = realloc(x->cells, (size_t)na * sizeof *nc);
        if (!nc) return ics_error_set(x->err, ICS_ENOMEM, "out of memory for statistics cells");
        x->cells = nc;
        x->acells = na;
    }
    cell *e = &x->cells[x->ncells];
    memset(e, 0, sizeof *e);
    e->col = col;
    e->klo = klo;
    e->khi = shift == 64 ? UINT64_MAX : klo + (((uint64_t)1 << shift) - 1);
    e->shift = shift;
    e->count = count;
    e->below = below;
    e->kind = shift == 0 ? CELL_KNOWN : count <= GATHER_CAP ? CELL_GATHER : CELL_REFINE;
    e->sub_shift = shift > SUB_BITS ? shift - SUB_BITS : 0;
    e->state = PENDING;
    *id = x->ncells++;
    return ICS_OK;
}

static void cell_release(cell *e)
{
    free(e->sub);
    free(e->vals);
    e->sub = NULL;
    e->vals = NULL;
}

typedef struct pass {
    /* per column: active value cells sorted by klo, in act[aoff[c] .. aoff[c + 1]) */
    int64_t *act, *aoff;
    uint16_t *mark;      /* [m * BINS]: 1 + the column's first active value cell in the
                            level-1 bin (act is sorted by klo), 0 none */
    uint64_t *tkhi;      /* [ntail] khi of each tail slot's cell */
    /* tail slots per column: toff[c] .. toff[c + 1] in tcell */
    int64_t *tcell, *toff, ntail;
    ksum *tsum;          /* [(s1 - s0) * ntail] */
    /* exceedance (first pass): epos[c * (K + 1) + g] = values of column c with exactly g
     * thresholds below them; glo, gsc: where the thresholds are (nearly) evenly spaced, the
     * first one and 1 / spacing for an O(1) first guess of g (gsc = 0: binary search) */
    int64_t *epos;
    double *glo, *gsc;
    int K;
    /* per column: how a value finds its cell (MODE_*); ftab [m * BINS] and stab as in
     * pass_values */
    unsigned char *mode;
    uint32_t *ftab, *stab;
    /* per thread: counts of the refine cells [nthreads * sublen] (the last SUB_BINS: a sink),
     * threshold counts [nthreads * eplen] */
    int64_t *psub, *pep, sublen, eplen;
    int nthreads;
} pass;
enum { MODE_NONE, MODE_BIN, MODE_SUBBIN, MODE_GENERAL };

static void pass_free(pass *p)
{
    free(p->act), free(p->aoff), free(p->mark), free(p->tcell), free(p->toff), free(p->tsum);
    free(p->tkhi);
    free(p->epos), free(p->glo), free(p->gsc);
    free(p->mode), free(p->ftab), free(p->stab);
    free(p->psub), free(p->pep);
    memset(p, 0, sizeof *p);
}

/* The active cell of column c holding `key`, or NULL (the general search). */
static cell *find_cell(rs *x, const pass *p, int64_t c, uint64_t key)
{
    const uint16_t *mk = p->mark + c * ICS_KEYHIST_BINS;
    const uint64_t b1 = key >> (64 - ICS_KEYHIST_BITS);
    if (!mk[b1]) return NULL;
    /* the last active cell with klo <= key: the bin's first, then its next ones */
    const int64_t a1 = p->aoff[c + 1];
    int64_t lo = p->aoff[c] + mk[b1] - 1;
    while (lo + 1 < a1 && x->cells[p->act[lo + 1]].klo <= key) ++lo;
    cell *e = &x->cells[p->act[lo]];
    return key < e->klo || key > e->khi ? NULL : e;
}

static inline void cell_take(cell *e, int64_t *sub, uint64_t key, double v)
{
    if (e->kind == CELL_REFINE) {
        ++sub[e->ridx * SUB_BINS + ((key - e->klo) >> e->sub_shift)];
    } else {
        int64_t i;
#pragma omp atomic capture
        i = e->nvals++;
        if (i < e->count) e->vals[i] = v; /* beyond: more than counted, flagged after */
    }
}

/* The values x[0], x[stride], ..., x[(rows - 1) stride] of column c, rows of one segment in row
 * order, into every active cell, tail slot (ts: the segment's) and (first pass) threshold.
 * Counts go to this thread's private copies (sub, ep); gathered values take a slot by an atomic
 * increment, so their order is arbitrary (they are sorted by a total order afterwards).
 * The common passes avoid unpredictable branches: when every cell of the column is a whole
 * level-1 bin (the first pass), each value increments a count through one table look-up, a
 * value outside the cells a sink's; when every cell is one sub-bin of a level-1 bin (the
 * gathering pass), two look-ups find its cell or none. */
static void pass_values(rs *x, const pass *p, int64_t c, const double *col, int64_t rows,
                        int64_t stride, const double *thr, ksum *ts, int64_t *sub, int64_t *ep0)
{
    const int64_t K = p->K, t0 = p->toff[c], t1 = p->toff[c + 1];
    const int mode = p->mode[c];
    /* each part in its own loop over the rows: fewer live values per loop, and the tail sums
     * still take the rows in order */
    if (ep0) { /* exceedance: per value, the number of thresholds below it */
        const double *tc = thr + c * K;
        int64_t *cnt = ep0 + c * (K + 1);
        const double glo = p->glo[c], gsc = p->gsc[c];
        if (gsc > 0.0) /* evenly spaced: guess, then correct exactly */
            for (int64_t r = 0; r < rows; ++r) {
                const double v = col[r * stride];
                const double u = (v - glo) * gsc; /* ceil(u) or one more */
                int64_t g = u <= 0.0 ? 0 : u >= (double)K ? K : (int64_t)u + 1;
                while (g > 0 && tc[g - 1] >= v) --g;
                while (g < K && tc[g] < v) ++g;
                ++cnt[g];
            }
        else
            for (int64_t r = 0; r < rows; ++r) {
                const double v = col[r * stride];
                int64_t lo = 0, hi = K;
                while (lo < hi) {
                    const int64_t mid = lo + (hi - lo) / 2;
                    if (tc[mid] < v)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                ++cnt[lo];
            }
    }
    if (t1 > t0) { /* tail sums: slots by ascending khi, so a value stops at the first above it */
        const uint64_t *tkhi = p->tkhi, kmin = tkhi[t0];
        for (int64_t r = 0; r < rows; ++r) {
            const double v = col[r * stride];
            const uint64_t key = ics_stats_key(v);
            if (key <= kmin) continue;
            for (int64_t t = t0; t < t1 && key > tkhi[t]; ++t) ks_add(&ts[t], v);
        }
    }
    const uint32_t *ft = p->ftab ? p->ftab + c * ICS_KEYHIST_BINS : NULL;
    if (mode == MODE_BIN) {
        for (int64_t r = 0; r < rows; ++r) {
            const double v = col[r * stride];
            const uint64_t key = ics_stats_key(v);
            const uint32_t ent = ft[key >> 48];
            ++sub[(ent & 0x7fffffffu) + ((key >> 38) & (SUB_BINS - 1))];
            if (ent >> 31) {
                cell *e = find_cell(x, p, c, key);
                if (e) cell_take(e, sub, key, v);
            }
        }
    } else if (mode == MODE_SUBBIN) {
        const uint32_t *st = p->stab;
        for (int64_t r = 0; r < rows; ++r) {
            const double v = col[r * stride];
            const uint64_t key = ics_stats_key(v);
            const uint32_t j = st[(int64_t)ft[key >> 48] * SUB_BINS + ((key >> 38) & (SUB_BINS - 1))];
            if (j) cell_take(&x->cells[p->act[j - 1]], sub, key, v);
        }
    } else if (mode == MODE_GENERAL) {
        for (int64_t r = 0; r < rows; ++r) {
            const double v = col[r * stride];
            const uint64_t key = ics_stats_key(v);
            cell *e = find_cell(x, p, c, key);
            if (e) cell_take(e, sub, key, v);
        }
    }
}

/* Read batch `k` of nb chunks of the own rows into half k % 2 of x->buf (this thread). */
static ics_status read_batch(rs *x, int64_t k, int64_t nb, int64_t *k1)
{
    ics_status st = ICS_OK;
    const int64_t first = x->r0 + k * nb * x->read_rows;
    double *dst = x->buf + (k % 2) * nb * x->read_rows * x->m;
    *k1 = 0;
    for (int64_t j = 0; j < nb && first + j * x->read_rows < x->r1; ++j, ++*k1) {
        const int64_t f = first + j * x->read_rows;
        ICS_TRY(read_rows_to(x, f, x->r1 - f < x->read_rows ? x->r1 - f : x->read_rows,
                             dst + j * x->read_rows * x->m));
    }
done:
    return st;
}

/* Direct reads (direct_setup): each thread reads whole segments into its own part of buf and
 * feeds them column by column in tiles of rows that stay in L1/L2 (a segment's tail sums are
 * still made by one thread in row order). */
static ics_status pass_read_direct(rs *x, pass *p, const double *thr)
{
    ics_status st = ICS_OK;
    const int64_t m = x->m;
    const int64_t nseg = (x->r1 - x->r0 + x->seg_rows - 1) / x->seg_rows;
    const int64_t tile = m < 8192 ? 8192 / m : 1;
#pragma omp parallel num_threads(p->nthreads)
    {
        const int th = omp_get_thread_num();
        double *buf = x->buf + (size_t)th * (size_t)x->read_rows * (size_t)m;
#pragma omp for schedule(dynamic, 1)
        for (int64_t j = 0; j < nseg; ++j) {
            ics_status sj;
#pragma omp atomic read
            sj = st;
            if (sj != ICS_OK) continue;
            const int64_t f = x->r0 + j * x->seg_rows;
            const int64_t rows = x->r1 - f < x->seg_rows ? x->r1 - f : x->seg_rows;
            sj = read_rows_to(x, f, rows, buf);
            if (sj != ICS_OK) {
#pragma omp atomic write
                st = sj;
                continue;
            }
            const int64_t sg = f / x->seg_rows - x->s0;
            for (int64_t r = 0; r < rows; r += tile)
                for (int64_t c = 0; c < m; ++c)
                    pass_values(x, p, c, buf + r * m + c, rows - r < tile ? rows - r : tile, m,
                                thr, p->tsum + sg * p->ntail, p->psub + th * p->sublen,
                                p->pep ? p->pep + th * p->eplen : NULL);
        }
    }
    return st;
}

/* Reads through HDF5 (serial): the master thread reads batches of chunks, the next while the
 * threads share out the current one's (column, chunk) pairs; when a chunk is a whole segment, a
 * segment's tail sums are still made by one thread in row order. */
static ics_status pass_read_batches(rs *x, pass *p, const double *thr)
{
    ics_status st = ICS_OK;
    const int64_t m = x->m;
    const int64_t nb = x->read_rows == x->seg_rows ? x->nbuf : 1; /* chunks per batch */
    const int64_t nbatch = (x->r1 - x->r0 + nb * x->read_rows - 1) / (nb * x->read_rows);
    int64_t k1 = 0, k1next = 0;
    if (nbatch > 0) ICS_TRY(read_batch(x, 0, nb, &k1));
#pragma omp parallel num_threads(p->nthreads)
    for (int64_t k = 0; k < nbatch; ++k) {
#pragma omp master
        if (k + 1 < nbatch) {
            const ics_status rs_ = read_batch(x, k + 1, nb, &k1next);
            if (rs_ != ICS_OK) st = rs_;
        }
        const int64_t first = x->r0 + k * nb * x->read_rows;
        const double *buf = x->buf + (k % 2) * nb * x->read_rows * m;
        /* chunk-major: the master, busy reading, leaves whole chunks to the others */
#pragma omp for collapse(2) schedule(dynamic, 1)
        for (int64_t j = 0; j < k1; ++j)
            for (int64_t c = 0; c < m; ++c) {
                const int th = omp_get_thread_num();
                const int64_t f = first + j * x->read_rows;
                const int64_t rows = x->r1 - f < x->read_rows ? x->r1 - f : x->read_rows;
                const int64_t sg = f / x->seg_rows - x->s0;
                pass_values(x, p, c, buf + j * x->read_rows * m + c, rows, m, thr,
                            p->tsum + sg * p->ntail, p->psub + th * p->sublen,
                            p->pep ? p->pep + th * p->eplen : NULL);
            }
        /* (the loop's barrier: the next batch is read, this one done) */
#pragma omp single
        k1 = k1next;
        if (st != ICS_OK) break;
    }
done:
    return st;
}

/* One read of the own rows feeding every active cell, tail slot and (first pass) threshold,
 * directly when the dataset allows it (and every thread has a segment's room in buf), else
 * through HDF5; the thread-private counts are summed at the end. */
static ics_status pass_read(rs *x, pass *p, const double *thr)
{
    const int T = p->nthreads;
    const ics_status st = x->fd >= 0 && x->read_rows == x->seg_rows && T <= 2 * x->nbuf
                              ? pass_read_direct(x, p, thr)
                              : pass_read_batches(x, p, thr);
    if (st != ICS_OK) return st;
    /* the threads' counts, summed (integers: the order does not matter) */
    for (int64_t i = 0; i < x->ncells; ++i) {
        cell *e = &x->cells[i];
        if (e->state != ACTIVE) continue;
        if (e->kind == CELL_REFINE)
            for (int th = 0; th < T; ++th)
                for (int64_t j = 0; j < SUB_BINS; ++j) e->sub[j] += p->psub[th * p->sublen + e->ridx * SUB_BINS + j];
        if (e->kind == CELL_GATHER && e->nvals > e->count) e->nvals = e->count + 1;
    }
    if (p->pep)
        for (int th = 0; th < T; ++th)
            for (int64_t j = 0; j < p->eplen; ++j) p->epos[j] += p->pep[th * p->eplen + j];
    return ICS_OK;
}

/* ------------------------------------------------------------------------------------------ */

/* Allocate the active cells' buffers and the pass's index (every process alike). */
static ics_status pass_setup(rs *x, pass *ps, const double *thr, int K, int64_t own)
{
    ics_status st = ICS_OK;
    const int64_t m = x->m;
    for (int64_t i = 0; i < x->ncells; ++i) {
        cell *e = &x->cells[i];
        if (e->state != ACTIVE) continue;
        if (e->kind == CELL_REFINE) ICS_ALLOC(e->sub, SUB_BINS, x->err, "a histogram");
        if (e->kind == CELL_GATHER) ICS_ALLOC(e->vals, e->count, x->err, "gathered values");
    }
    ICS_ALLOC(ps->aoff, m + 1, x->err, "a pass");
    ICS_ALLOC(ps->toff, m + 1, x->err, "a pass");
    ICS_ALLOC(ps->act, x->ncells + 1, x->err, "a pass");
    ICS_ALLOC(ps->tcell, x->ncells + 1, x->err, "a pass");
    ICS_ALLOC(ps->mark, m * ICS_KEYHIST_BINS, x->err, "a pass");
    int64_t na = 0, nt = 0, nrf = 0;
    for (int64_t i = 0; i < x->ncells; ++i)
        if (x->cells[i].state == ACTIVE && x->cells[i].kind == CELL_REFINE) x->cells[i].ridx = nrf++;
    for (int64_t c = 0; c < m; ++c) {
        ps->aoff[c] = na;
        ps->toff[c] = nt;
        for (int64_t i = 0; i < x->ncells; ++i) {
            cell *e = &x->cells[i];
            if (e->col != c || e->state != ACTIVE) continue;
            if (e->kind != CELL_KNOWN) { /* sorted by klo (insertion: a column has few) */
                int64_t j = na++;
                while (j > ps->aoff[c] && x->cells[ps->act[j - 1]].klo > e->klo)
                    ps->act[j] = ps->act[j - 1], --j;
                ps->act[j] = i;
            }
            if (e->tail && e->kind != CELL_REFINE) ps->tcell[nt++] = i;
        }
        /* the column's tail slots by ascending khi, so that pass_values stops at the first
         * one above a value (each slot keeps its own sum: the order of the slots changes no
         * bit) */
        for (int64_t j = ps->toff[c] + 1; j < nt; ++j)
            for (int64_t i = j; i > ps->toff[c] &&
                                x->cells[ps->tcell[i - 1]].khi > x->cells[ps->tcell[i]].khi; --i) {
                const int64_t tmp = ps->tcell[i];
                ps->tcell[i] = ps->tcell[i - 1], ps->tcell[i - 1] = tmp;
            }
        if (na - ps->aoff[c] > 65535)
            ICS_FAIL(x->err, ICS_EINTERNAL, "%s: too many order statistics per column", x->name);
        for (int64_t j = na - 1; j >= ps->aoff[c]; --j)
            ps->mark[c * ICS_KEYHIST_BINS + (x->cells[ps->act[j]].klo >> 48)] =
                (uint16_t)(j - ps->aoff[c] + 1);
    }
    ps->aoff[m] = na;
    ps->toff[m] = nt;
    ps->ntail = nt;
    ICS_ALLOC(ps->tsum, (own ? own : 1) * (nt ? nt : 1), x->err, "tail sums");
    ICS_ALLOC(ps->tkhi, nt ? nt : 1, x->err, "tail sums");
    for (int64_t t = 0; t < nt; ++t) ps->tkhi[t] = x->cells[ps->tcell[t]].khi;
    ps->nthreads = omp_get_max_threads();
    ps->sublen = (nrf + 1) * SUB_BINS;
    ICS_ALLOC(ps->psub, ps->sublen * ps->nthreads, x->err, "a pass");
    /* how values find their cells, per column */
    ICS_ALLOC(ps->mode, m, x->err, "a pass");
    ICS_ALLOC(ps->ftab, m * ICS_KEYHIST_BINS, x->err, "a pass");
    {
        int64_t nsub = 1; /* sub-tables; the first is empty */
        for (int64_t c = 0; c < m; ++c) {
            const int64_t a0 = ps->aoff[c], a1 = ps->aoff[c + 1];
            int all48 = a1 > a0, all38 = a1 > a0;
            for (int64_t j = a0; j < a1; ++j) {
                all48 &= x->cells[ps->act[j]].shift == 48;
                all38 &= x->cells[ps->act[j]].shift == 38;
            }
            ps->mode[c] = a1 == a0 ? MODE_NONE : all48 ? MODE_BIN : all38 ? MODE_SUBBIN : MODE_GENERAL;
            uint32_t *ft = ps->ftab + c * ICS_KEYHIST_BINS;
            if (ps->mode[c] == MODE_BIN) {
                for (int64_t b = 0; b < ICS_KEYHIST_BINS; ++b) ft[b] = (uint32_t)(nrf * SUB_BINS);
                for (int64_t j = a0; j < a1; ++j) {
                    const cell *e = &x->cells[ps->act[j]];
                    ft[e->klo >> 48] = e->kind == CELL_REFINE ? (uint32_t)(e->ridx * SUB_BINS)
                                                              : (uint32_t)(nrf * SUB_BINS) | 0x80000000u;
                }
            } else if (ps->mode[c] == MODE_SUBBIN) {
                for (int64_t j = a0; j < a1; ++j) {
                    const uint64_t b = x->cells[ps->act[j]].klo >> 48;
                    if (!ft[b]) ft[b] = (uint32_t)nsub++;
                }
            }
        }
        ICS_ALLOC(ps->stab, nsub * SUB_BINS, x->err, "a pass");
        /* stab: 1 + the index into act of the cell of each sub-bin, 0 none */
        for (int64_t c = 0; c < m; ++c)
            if (ps->mode[c] == MODE_SUBBIN)
                for (int64_t j = ps->aoff[c]; j < ps->aoff[c + 1]; ++j) {
                    const uint64_t k = x->cells[ps->act[j]].klo;
                    ps->stab[(int64_t)ps->ftab[c * ICS_KEYHIST_BINS + (k >> 48)] * SUB_BINS +
                             ((k >> 38) & (SUB_BINS - 1))] = (uint32_t)(j + 1);
                }
    }
    if (K > 0) { /* count every value's thresholds directly */
        ps->K = K;
        ps->eplen = m * (K + 1);
        ICS_ALLOC(ps->epos, ps->eplen, x->err, "a pass");
        ICS_ALLOC(ps->pep, ps->eplen * ps->nthreads, x->err, "a pass");
        ICS_ALLOC(ps->glo, m, x->err, "a pass");
        ICS_ALLOC(ps->gsc, m, x->err, "a pass");
        for (int64_t c = 0; c < m && K > 1; ++c) {
            const double *t = thr + c * K, w = t[K - 1] - t[0];
            if (!(isfinite(w) && w > 0.0)) continue;
            const double h = w / (double)(K - 1);
            int even = 1; /* each threshold within one spacing of its even place: the
                             correction walks at most a step or two */
            for (int k = 0; k < K && even; ++k) even = fabs(t[k] - (t[0] + h * (double)k)) <= h;
            if (even) ps->glo[c] = t[0], ps->gsc[c] = 1.0 / h;
        }
    }
done:
    return st;
}

static ics_status check_levels(const double *lev, int n, const char *what, ics_error *err)
{
    if (n < 0) return ics_error_set(err, ICS_EINPUT, "statistics: negative number of %s", what);
    if (n > 0 && !lev)
        return ics_error_set(err, ICS_EINPUT, "statistics: %d %s given without values", n, what);
    for (int i = 0; i < n; ++i)
        if (!(lev[i] >= 0.0 && lev[i] <= 1.0))
            return ics_error_set(err, ICS_EINPUT,
                                 "statistics: %s %g is outside [0, 1] (a probability)", what, lev[i]);
    return ICS_OK;
}

static double *dup_levels(const double *lev, int n, ics_error *err)
{
    double *d = ics_calloc((size_t)(n > 0 ? n : 1), sizeof *d, err, "statistics levels");
    if (d && n > 0) memcpy(d, lev, (size_t)n * sizeof *d);
    return d;
}

static int64_t cvar_j(int64_t n, double a)
{
    const double na = ceil((double)n * a);
    return na <= 0 ? 0 : na >= (double)n ? n : (int64_t)na;
}

static const target *find_target(const target *tg, int64_t nr, int64_t rank)
{
    int64_t lo = 0, hi = nr;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (tg[mid].rank < rank)
            lo = mid + 1;
        else
            hi = mid;
    }
    assert(lo < nr && tg[lo].rank == rank);
    return &tg[lo];
}

static double r7(const target *tg, int64_t nr, int64_t n, double p)
{
    const double h = (double)(n - 1) * p;
    const int64_t l = (int64_t)floor(h);
    const int64_t u = l + 1 < n ? l + 1 : n - 1;
    const double xl = find_target(tg, nr, l)->value, xu = find_target(tg, nr, u)->value;
    return xl + (h - (double)l) * (xu - xl);
}

/* The result, every value undefined (NaN) until computed. */
static ics_status alloc_result(const char *dataset, const ics_stats_request *req, int64_t n,
                               int64_t m, int K, ics_column_stats_result **out, ics_error *err)
{
    ics_status st = ICS_OK;
    const int nq = req->nquantiles, na = req->nvar, np = req->nexceed;
    ics_column_stats_result *r = NULL;
    ICS_ALLOC(r, 1, err, "statistics");
    if (!(r->source = ics_strdup(dataset, err))) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    r->count = n;
    r->ncols = m;
    r->nquantiles = nq;
    r->nvar = na;
    r->nexceed = np;
    r->ep_points = K;
    ICS_ALLOC(r->mean, m, err, "statistics");
    ICS_ALLOC(r->sd, m, err, "statistics");
    ICS_ALLOC(r->min, m, err, "statistics");
    ICS_ALLOC(r->max, m, err, "statistics");
    if (!(r->quantile_levels = dup_levels(req->quantile_levels, nq, err)) ||
        !(r->var_levels = dup_levels(req->var_levels, na, err)) ||
        !(r->exceedance_probs = dup_levels(req->exceedance_probs, np, err)))
        ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    ICS_ALLOC(r->quantiles, (nq ? nq : 1) * m, err, "statistics");
    ICS_ALLOC(r->var, (na ? na : 1) * m, err, "statistics");
    ICS_ALLOC(r->cvar, (na ? na : 1) * m, err, "statistics");
    ICS_ALLOC(r->return_period_loss, (np ? np : 1) * m, err, "statistics");
    ICS_ALLOC(r->ep_threshold, (int64_t)(K ? K : 1) * m, err, "statistics");
    ICS_ALLOC(r->ep_probability, (int64_t)(K ? K : 1) * m, err, "statistics");
    for (int64_t c = 0; c < m; ++c) r->mean[c] = r->sd[c] = r->min[c] = r->max[c] = NAN;
    for (int64_t i = 0; i < nq * m; ++i) r->quantiles[i] = NAN;
    for (int64_t i = 0; i < na * m; ++i) r->var[i] = r->cvar[i] = NAN;
    for (int64_t i = 0; i < np * m; ++i) r->return_period_loss[i] = NAN;
    for (int64_t i = 0; i < (int64_t)K * m; ++i) {
        r->ep_threshold[i] = req->ep_thresholds ? req->ep_thresholds[i / m] : NAN;
        r->ep_probability[i] = NAN;
    }
    *out = r;
    r = NULL;
done:
    ics_column_stats_free(&r);
    return st;
}

/* Segments of 2^l windows, l <= SEG_LEVEL, about N / 64 rows: at least 64 segments to share
 * out when N allows, never depending on the number of processes. */
static int seg_level_of(int64_t n)
{
    int l = 0;
    while (l < SEG_LEVEL && ((int64_t)ICS_STATS_WINDOW << l) * 64 < n) ++l;
    return l;
}

ics_status ics_rowstats(hid_t file, const char *dataset, const ics_stats_request *req,
                        const int64_t *hist_in, const ics_stats_comm *comm,
                        ics_column_stats_result **out, int *peer_failed, ics_error *err)
{
    ics_status st = ICS_OK, lst = ICS_OK;
    rs x;
    memset(&x, 0, sizeof x);
    x.fd = -1;
    x.name = dataset;
    x.err = err;
    x.comm = comm;
    int dummy_pf = 0;
    x.peer_failed = peer_failed ? peer_failed : &dummy_pf;
    *x.peer_failed = 0;
    x.dset = x.fspace = H5I_INVALID_HID;
    hid_t type = H5I_INVALID_HID;
    ics_column_stats_result *r = NULL;
    double *pk = NULL, *all = NULL, *thr = NULL, *gbuf = NULL;
    int64_t *hist = NULL, *rk = NULL, *sbuf = NULL;
    int *rk_tail = NULL;
    ksum *total = NULL;
    target *tg = NULL;
    pass ps;
    memset(&ps, 0, sizeof ps);

    /* ---- the request and the dataset (every process alike) ---- */
    const int nq = req->nquantiles, na = req->nvar, np = req->nexceed;
    const int K = req->ep_points < 0 ? 0 : req->ep_points ? req->ep_points : DEFAULT_EP_POINTS;
    ICS_TRY(check_levels(req->quantile_levels, nq, "quantile level", err));
    ICS_TRY(check_levels(req->var_levels, na, "VaR/CVaR level", err));
    ICS_TRY(check_levels(req->exceedance_probs, np, "exceedance probability", err));
    if (req->ep_points < -1 || (req->ep_thresholds && req->ep_points <= 0))
        ICS_FAIL(err, ICS_EINPUT,
                 "statistics: ep_points is %d; give the number of exceedance thresholds (>= 1)",
                 req->ep_points);
    if (K > 65535) ICS_FAIL(err, ICS_EINPUT, "statistics: %d exceedance points; at most 65535", K);
    if (req->ep_thresholds)
        for (int k = 0; k < K; ++k)
            if (!isfinite(req->ep_thresholds[k]) || (k > 0 && req->ep_thresholds[k] < req->ep_thresholds[k - 1]))
                ICS_FAIL(err, ICS_EINPUT,
                         "statistics: exceedance threshold %d (%g) is not finite or smaller "
                         "than the one before; thresholds must be finite and nondecreasing",
                         k, req->ep_thresholds[k]);
    {
        H5E_BEGIN_TRY
        {
            if (H5Lexists(file, dataset, H5P_DEFAULT) > 0) x.dset = H5Dopen2(file, dataset, H5P_DEFAULT);
        }
        H5E_END_TRY;
    }
    if (x.dset < 0) ICS_FAIL(err, ICS_EIO, "%s: cannot open the dataset (was it stored?)", dataset);
    x.fspace = H5Dget_space(x.dset);
    type = H5Dget_type(x.dset);
    x.drank = H5Sget_simple_extent_ndims(x.fspace);
    {
        const H5T_class_t cls = H5Tget_class(type);
        if (x.drank < 1 || x.drank > 2 || (cls != H5T_FLOAT && cls != H5T_INTEGER))
            ICS_FAIL(err, ICS_EINPUT, "%s: statistics need a numeric dataset of shape (N) or (N, m), "
                     "not rank %d", dataset, x.drank);
        hsize_t d[2] = {0, 1};
        H5Sget_simple_extent_dims(x.fspace, d, NULL);
        x.n = (int64_t)d[0];
        x.m = x.drank == 2 ? (int64_t)d[1] : 1;
    }
    if (x.m < 1) ICS_FAIL(err, ICS_EINPUT, "%s: the dataset has no columns", dataset);
done:
    /* (errors so far are the same on every process: same file, same request) */
    if (st != ICS_OK) goto out;
    const int64_t m = x.m, n = x.n;
    const int P = nprocs(&x), me = P > 1 ? comm->proc : 0;
    /* segments of 2^l windows, l <= SEG_LEVEL, about N / 64 rows: at least 64 segments to share
     * out when N allows, never depending on the number of processes */
    x.seg_level = seg_level_of(n);
    x.seg_rows = (int64_t)ICS_STATS_WINDOW << x.seg_level;
    x.nseg = (n + x.seg_rows - 1) / x.seg_rows;
    x.s0 = seg_first(&x, me);
    x.s1 = seg_first(&x, me + 1);
    x.r0 = x.s0 * x.seg_rows;
    x.r1 = x.s1 * x.seg_rows < n ? x.s1 * x.seg_rows : n;
    /* rows per read: a power-of-two multiple of the window dividing the segment */
    x.read_rows = x.seg_rows;
    while (x.read_rows > ICS_STATS_WINDOW && x.read_rows * m > MAX_READ_VALUES) x.read_rows /= 2;
    /* the narrow passes read a batch of whole segments, then share them out over the threads */
    x.nbuf = 1;
    if (x.read_rows == x.seg_rows)
        while (x.nbuf < 2 * omp_get_max_threads() && x.nbuf < x.s1 - x.s0 &&
               (x.nbuf + 1) * x.read_rows * m <= MAX_READ_VALUES)
            ++x.nbuf;
    const int full = nq + na + np > 0; /* order statistics: histograms */

    /* ---- the result (every process; an allocation failure is agreed on below) ---- */
    lst = alloc_result(dataset, req, n, m, K, &r, err);
    if (n == 0) {
        ICS_TRY(agree(&x, lst));
        goto success;
    }


    /* ---- phase A: moments of the own segments, gathered in segment order ---- */
    const int64_t own = x.s1 - x.s0, hdr = 3;
    bad_value bad = {-1, -1, 0};
    if (lst == ICS_OK &&
        (!(x.buf = ics_calloc((size_t)(2 * x.nbuf * x.read_rows * m), sizeof *x.buf, err, "a read buffer")) ||
         !(pk = ics_calloc((size_t)(hdr + own * m * REC), sizeof *pk, err, "segment moments")) ||
         (full && !(hist = ics_calloc((size_t)m * ICS_KEYHIST_BINS, sizeof *hist, err, "histograms")))))
        lst = ICS_ENOMEM;
    if (lst == ICS_OK) direct_setup(&x, file, type, x.buf, x.buf + 64 * m);
    if (lst == ICS_OK)
        lst = phase_moments(&x, file, req->moments_dataset, pk + hdr, full && !hist_in ? hist : NULL, &bad);
    if (lst == ICS_OK && full && hist_in)
        memcpy(hist, hist_in, (size_t)m * ICS_KEYHIST_BINS * sizeof *hist);
    if (pk) pk[0] = (double)bad.row, pk[1] = (double)bad.col, pk[2] = bad.v;
    ICS_TRY(agree(&x, lst));
    {
        int64_t tot = 0;
        ICS_TRY(coll_gather(&x, pk, hdr + own * m * REC, &all, &tot));
        /* every process: the first bad value, then the moments */
        const double *q = all;
        for (int p = 0; p < P; ++p) {
            if (q[0] >= 0 && (bad.row < 0 || q[0] < (double)bad.row ||
                              (q[0] == (double)bad.row && q[1] < (double)bad.col)))
                bad = (bad_value){(int64_t)q[0], (int64_t)q[1], q[2]};
            q += hdr + (seg_first(&x, p + 1) - seg_first(&x, p)) * m * REC;
        }
        assert(q == all + tot);
        if (bad.row >= 0)
            ICS_FAIL(err, ICS_ENUMERIC, "%s: row %lld, column %lld: value is %s; statistics need "
                     "finite values (a failed scenario?)", dataset, (long long)bad.row,
                     (long long)bad.col, isnan(bad.v) ? "NaN" : "infinite");
        ICS_ALLOC(total, m, err, "sums");
#pragma omp parallel for schedule(static) if (m > 1)
        for (int64_t c = 0; c < m; ++c) {
            tree g;
            g.occ = 0;
            ksum s = {0, 0};
            const double *qq = all;
            for (int p = 0; p < P; ++p) {
                const int64_t ns = seg_first(&x, p + 1) - seg_first(&x, p);
                for (int64_t sg = 0; sg < ns; ++sg) {
                    const double *e = qq + hdr + (sg * m + c) * REC;
                    const uint64_t occ = (uint64_t)e[0];
                    for (int l = 0; l <= SEG_LEVEL; ++l) {
                        if (!(occ & ((uint64_t)1 << l))) continue;
                        const double *f = e + 1 + 5 * l;
                        const ics_moments mo = {(int64_t)f[0], f[1], f[2], f[3], f[4]};
                        if (l == x.seg_level) {
                            tree_push_at(&g, x.seg_level, mo); /* a full segment */
                        } else { /* the last segment's windows: the lower levels are free */
                            assert(!(g.occ & ((uint64_t)1 << l)));
                            g.level[l] = mo;
                            g.occ |= (uint64_t)1 << l;
                        }
                    }
                    const ksum ss = {e[36], e[37]};
                    ks_addk(&s, &ss);
                }
                qq += hdr + ns * m * REC;
            }
            const ics_moments mo = tree_finish(&g);
            r->mean[c] = mo.mean;
            r->sd[c] = ics_moments_sd(&mo);
            r->min[c] = mo.min;
            r->max[c] = mo.max;
            total[c] = s;
        }
        if (all != pk) free(all);
        all = NULL;
    }
    free(pk);
    pk = NULL;
    if (!full && K == 0) goto success;

    /* ---- phase B: the merged fixed-grid histograms ---- */
    if (full) ICS_TRY(coll_sum(&x, hist, (int64_t)m * ICS_KEYHIST_BINS));

    /* ---- targets: the order statistics needed, the same ranks in every column ---- */
    int64_t nr = 0;
    if (full) {
        const int64_t cap = 2 * (int64_t)nq + 2 * (int64_t)np + 3 * (int64_t)na + 1;
        ICS_ALLOC(rk, cap, err, "ranks");
        ICS_ALLOC(rk_tail, cap, err, "ranks");
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
            if (u > 0 && rk[u - 1] == rank)
                rk_tail[u - 1] |= tail;
            else
                rk[u] = rank, rk_tail[u] = tail, ++u;
        }
        nr = u;
    }
    ICS_ALLOC(tg, (nr ? nr : 1) * m, err, "order statistics");
    for (int64_t c = 0; c < m && full; ++c) {
        const int64_t *h = hist + c * ICS_KEYHIST_BINS;
        int64_t sum = 0;
        for (int b = 0; b < ICS_KEYHIST_BINS; ++b) sum += h[b];
        if (sum != n)
            ICS_FAIL(err, ICS_EINTERNAL, "%s: column %lld: the histograms hold %lld values, the "
                     "dataset %lld (a block missing from the streamed histograms?)", dataset,
                     (long long)c, (long long)sum, (long long)n);
        int64_t b = 0, cum = 0, last = -1;
        for (int64_t k = 0; k < nr; ++k) {
            target *t = &tg[c * nr + k];
            t->rank = rk[k];
            t->tail = rk_tail[k];
            while (cum + h[b] <= t->rank) cum += h[b++];
            if (last < 0 || x.cells[last].klo != (uint64_t)b << 48)
                ICS_TRY(new_cell(&x, c, (uint64_t)b << 48, 48, h[b], cum, &last));
            t->cell = last;
            x.cells[last].tail |= t->tail;
        }
    }
    /* exceedance thresholds (ics_finalstats.h: evenly spaced from min to max by default) */
    ICS_ALLOC(thr, (int64_t)(K ? K : 1) * m, err, "thresholds");
    for (int64_t c = 0; c < m; ++c) {
        const double lo = r->min[c], hi = r->max[c], w = hi - lo;
        for (int k = 0; k < K; ++k) {
            double t;
            if (req->ep_thresholds) {
                t = req->ep_thresholds[k];
            } else if (K == 1) {
                t = lo;
            } else {
                const double u = (double)k / (double)(K - 1);
                t = isfinite(w) ? lo + w * u : lo + 2.0 * ((0.5 * hi - 0.5 * lo) * u);
                if (t > hi || k == K - 1) t = hi;
            }
            thr[c * K + k] = t;
        }
    }

    /* ---- narrow passes until every order statistic is known ---- */
    for (int first_pass = 1;; first_pass = 0) {
        int64_t nref = 0, gathered = 0, nact = 0;
        for (int64_t i = 0; i < x.ncells; ++i) {
            cell *e = &x.cells[i];
            if (e->state != PENDING) continue;
            if (e->kind == CELL_REFINE && nref >= REFINE_BUDGET) continue;
            if (e->kind == CELL_GATHER && gathered + e->count > GATHER_BUDGET) continue;
            e->state = ACTIVE;
            ++nact;
            nref += e->kind == CELL_REFINE;
            gathered += e->kind == CELL_GATHER ? e->count : 0;
        }
        const int ep_now = first_pass && K > 0;
        if (nact == 0 && !ep_now) break;
        /* local work (allocations, the read), then one agreement before any exchange */
        lst = pass_setup(&x, &ps, thr, ep_now ? K : 0, own);
        if (lst == ICS_OK) lst = pass_read(&x, &ps, ep_now ? thr : NULL);
        int64_t slen = nref * SUB_BINS + (ep_now ? (int64_t)m * (K + 1) : 0), ng = 0, nv = 0;
        for (int64_t i = 0; i < x.ncells; ++i)
            if (x.cells[i].state == ACTIVE && x.cells[i].kind == CELL_GATHER) {
                ++ng;
                nv += x.cells[i].nvals < x.cells[i].count ? x.cells[i].nvals : x.cells[i].count;
            }
        const int64_t glen = ng + own * ps.ntail * 2 + nv;
        if (lst == ICS_OK && (!(sbuf = ics_calloc((size_t)(slen ? slen : 1), sizeof *sbuf, err, "a merge buffer")) ||
                              !(gbuf = ics_calloc((size_t)(glen ? glen : 1), sizeof *gbuf, err, "a merge buffer"))))
            lst = ICS_ENOMEM;
        ICS_TRY(agree(&x, lst));
        /* merge: refine counts and threshold counts by integer sums */
        {
            int64_t len = slen, o = 0;
            for (int64_t i = 0; i < x.ncells; ++i)
                if (x.cells[i].state == ACTIVE && x.cells[i].kind == CELL_REFINE)
                    memcpy(sbuf + o, x.cells[i].sub, SUB_BINS * sizeof *sbuf), o += SUB_BINS;
            if (ep_now) memcpy(sbuf + o, ps.epos, (size_t)(slen - o) * sizeof *sbuf);
            ICS_TRY(coll_sum(&x, sbuf, len));
            o = 0;
            for (int64_t i = 0; i < x.ncells; ++i)
                if (x.cells[i].state == ACTIVE && x.cells[i].kind == CELL_REFINE)
                    memcpy(x.cells[i].sub, sbuf + o, SUB_BINS * sizeof *sbuf), o += SUB_BINS;
            if (ep_now) memcpy(ps.epos, sbuf + o, (size_t)(slen - o) * sizeof *sbuf);
            free(sbuf);
            sbuf = NULL;
        }
        /* merge: gathered values and tail sums, in process (= segment) order */
        {
            const int64_t len = glen;
            int64_t tot = 0, o = 0;
            for (int64_t i = 0; i < x.ncells; ++i)
                if (x.cells[i].state == ACTIVE && x.cells[i].kind == CELL_GATHER)
                    gbuf[o++] = (double)x.cells[i].nvals;
            for (int64_t i = 0; i < own * ps.ntail; ++i) gbuf[o++] = ps.tsum[i].s, gbuf[o++] = ps.tsum[i].c;
            for (int64_t i = 0; i < x.ncells; ++i)
                if (x.cells[i].state == ACTIVE && x.cells[i].kind == CELL_GATHER) {
                    const int64_t nv1 = x.cells[i].nvals < x.cells[i].count ? x.cells[i].nvals : x.cells[i].count;
                    memcpy(gbuf + o, x.cells[i].vals, (size_t)nv1 * sizeof *gbuf);
                    o += nv1;
                }
            ICS_TRY(coll_gather(&x, gbuf, len, &all, &tot));
            /* tail sums: segment order */
            for (int64_t t = 0; t < ps.ntail; ++t) x.cells[ps.tcell[t]].above = (ksum){0, 0};
            const double *q = all;
            for (int p = 0; p < P; ++p) {
                const int64_t ns = seg_first(&x, p + 1) - seg_first(&x, p);
                const double *cnt = q, *ts = q + ng, *vals = q + ng + ns * ps.ntail * 2;
                for (int64_t sg = 0; sg < ns; ++sg)
                    for (int64_t t = 0; t < ps.ntail; ++t) {
                        const ksum k = {ts[2 * (sg * ps.ntail + t)], ts[2 * (sg * ps.ntail + t) + 1]};
                        ks_addk(&x.cells[ps.tcell[t]].above, &k);
                    }
                int64_t g = 0, nvp = 0;
                for (int64_t i = 0; i < x.ncells; ++i) {
                    cell *e = &x.cells[i];
                    if (e->state != ACTIVE || e->kind != CELL_GATHER) continue;
                    const int64_t cn = (int64_t)cnt[g++], cv = cn < e->count ? cn : e->count;
                    if (p == 0) e->nall = 0;
                    /* the local buffer (count long) takes every process's values in turn */
                    if (e->nall + cn > e->count) {
                        e->nall = e->count + 1;
                    } else {
                        if (P > 1) memcpy(e->vals + e->nall, vals + nvp, (size_t)cn * sizeof *vals);
                        e->nall += cn;
                    }
                    nvp += cv;
                }
                q = vals + nvp;
            }
            if (all != gbuf) free(all);
            all = NULL;
            free(gbuf);
            gbuf = NULL;
        }
        /* settle every active cell */
        for (int64_t c = 0; c < m; ++c) {
            int64_t last_parent = -1, last_bin = -1, child = -1;
            for (int64_t k = 0; k < nr; ++k) {
                target *t = &tg[c * nr + k];
                if (t->resolved) continue;
                const int64_t ci = t->cell;
                if (x.cells[ci].state != ACTIVE) continue;
                const int64_t local = t->rank - x.cells[ci].below;
                if (x.cells[ci].kind == CELL_REFINE) {
                    const cell *e = &x.cells[ci];
                    int64_t j = 0, cum = 0;
                    while (j < SUB_BINS && cum + e->sub[j] <= local) cum += e->sub[j++];
                    if (j >= SUB_BINS || e->sub[j] == 0)
                        ICS_FAIL(err, ICS_EIO, "%s: column %lld: the counts of a narrow pass do not "
                                 "add up (was the file modified during finalization?)", dataset, (long long)c);
                    if (ci != last_parent || j != last_bin) child = -1;
                    last_parent = ci, last_bin = j;
                    if (child < 0) {
                        const int sh = e->sub_shift;
                        const uint64_t klo = e->klo + ((uint64_t)j << sh);
                        const int64_t cnt = e->sub[j], below = e->below + cum;
                        ICS_TRY(new_cell(&x, c, klo, sh, cnt, below, &child)); /* e is stale */
                    }
                    t->cell = child;
                    x.cells[child].tail |= t->tail;
                    continue;
                }
                cell *e = &x.cells[ci];
                if (e->kind == CELL_GATHER) {
                    if (e->nall != e->count)
                        ICS_FAIL(err, ICS_EIO, "%s: column %lld: %lld values gathered where the histogram "
                                 "counted %lld (was the file modified during finalization?)", dataset,
                                 (long long)c, (long long)e->nall, (long long)e->count);
                    if (e->nvals >= 0) { /* sort once */
                        qsort(e->vals, (size_t)e->count, sizeof *e->vals, cmp_double);
                        e->nvals = -1;
                    }
                    const double v = e->vals[local];
                    t->value = v;
                    if (t->tail) {
                        int64_t gt = local + 1;
                        while (gt < e->count && e->vals[gt] == v) ++gt;
                        ksum s = e->above;
                        for (int64_t i = gt; i < e->count; ++i) ks_add(&s, e->vals[i]);
                        t->s_gt = s;
                        t->c_gt = (n - e->below - e->count) + (e->count - gt);
                    }
                } else {
                    t->value = value_of_key(e->klo);
                    t->s_gt = e->above;
                    t->c_gt = n - e->below - e->count;
                }
                t->resolved = 1;
            }
        }
        for (int64_t i = 0; i < x.ncells; ++i)
            if (x.cells[i].state == ACTIVE) {
                cell_release(&x.cells[i]);
                x.cells[i].state = DONE;
            }
        /* exceedance counts: cnt[g] = the values with g thresholds below them */
        if (ep_now)
            for (int64_t c = 0; c < m; ++c) {
                const int64_t *cnt = ps.epos + c * (K + 1);
                int64_t above = n;
                for (int k = 0; k < K; ++k) {
                    above -= cnt[k];
                    r->ep_threshold[(int64_t)k * m + c] = thr[c * K + k];
                    r->ep_probability[(int64_t)k * m + c] = (double)above / (double)n;
                }
            }
        pass_free(&ps);
    }

    /* ---- assemble ---- */
    for (int64_t c = 0; c < m; ++c) {
        const target *tc = tg + c * nr;
        for (int i = 0; i < nq; ++i) r->quantiles[i * m + c] = r7(tc, nr, n, req->quantile_levels[i]);
        for (int i = 0; i < np; ++i)
            r->return_period_loss[i * m + c] = r7(tc, nr, n, 1.0 - req->exceedance_probs[i]);
        for (int i = 0; i < na; ++i) {
            const double a = req->var_levels[i];
            r->var[i * m + c] = r7(tc, nr, n, a);
            const int64_t j = cvar_j(n, a);
            double es;
            if (a >= 1.0 || j >= n) {
                es = r->max[c];
            } else if (j == 0) {
                es = ks_val(&total[c]) / (double)n;
            } else {
                const target *t = find_target(tc, nr, j - 1);
                assert(t->tail && t->resolved);
                ksum s = t->s_gt; /* values > x_(j-1), then its ties ranked at j and above */
                ks_add(&s, (double)(n - j - t->c_gt) * t->value);
                ks_add(&s, ((double)j - (double)n * a) * t->value);
                es = ks_val(&s) / ((double)n * (1.0 - a));
            }
            r->cvar[i * m + c] = es;
        }
    }

success:
    *out = r;
    r = NULL;
out:
    ics_column_stats_free(&r);
    if (x.cells)
        for (int64_t i = 0; i < x.ncells; ++i) cell_release(&x.cells[i]);
    free(x.cells);
    pass_free(&ps);
    free(x.buf);
    if (x.fd >= 0) close(x.fd);
    free(x.coff);
    free(pk);
    free(hist);
    free(thr);
    free(total);
    free(tg);
    free(rk);
    free(rk_tail);
    if (all && all != pk && all != gbuf) free(all);
    free(sbuf);
    free(gbuf);
    if (type >= 0) H5Tclose(type);
    if (x.fspace >= 0) H5Sclose(x.fspace);
    if (x.dset >= 0) H5Dclose(x.dset);
    return st;
}
