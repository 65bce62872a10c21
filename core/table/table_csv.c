/* Reader for the pymrio text layout: Z, Y, optional x and VA as pandas writes frames with
 * two-level row and column indices, comma- or tab-separated (detected per file), streamed line by
 * line so that only the table itself is held in memory. */
#define _POSIX_C_SOURCE 200809L

#include "ics_table_loader_internal.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Copy a string or fail with the ENOMEM that ics_strdup recorded. */
#define DUP(dst, src)                                                                          \
    do {                                                                                       \
        if (!((dst) = ics_strdup((src), err))) {                                               \
            st = ICS_ENOMEM;                                                                   \
            goto done;                                                                         \
        }                                                                                      \
    } while (0)

/* ---------------------------------------------------------------------------------------------
 * Line reader and field splitter
 * ------------------------------------------------------------------------------------------- */

typedef struct csv_reader {
    FILE *fp;
    char *path;     /* owned, for messages */
    char delim;     /* 0 until detected on the first non-blank line */
    long lineno;    /* line number of the current row (1-based) */
    char *line;     /* getline buffer; fields point into it */
    size_t cap;
    char **f;       /* fields of the current row */
    int nf;
    int fcap;
    int pushback;   /* the current row has been looked at but not consumed */
    int lead;       /* > 0: split only this many leading fields when the rest has no quote */
    char *rest;     /* then: the unsplit rest of the line after them, else NULL */
} csv_reader;

static ics_status csv_open(csv_reader *r, const char *path, ics_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = ics_strdup(path, err);
    if (!r->path) return ICS_ENOMEM;
    r->fp = fopen(path, "r");
    if (!r->fp) {
        if (errno == ENOENT) return ics_error_set(err, ICS_EINPUT, "%s: no such file", path);
        return ics_error_set(err, ICS_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    return ICS_OK;
}

static void csv_close(csv_reader *r)
{
    if (r->fp) fclose(r->fp);
    free(r->path);
    free(r->line);
    free(r->f);
    memset(r, 0, sizeof *r);
}

static int is_blank(char c, char delim)
{
    return c == ' ' || (c == '\t' && delim != '\t');
}

static ics_status push_field(csv_reader *r, char *s, ics_error *err)
{
    if (r->nf == r->fcap) {
        int ncap = r->fcap ? 2 * r->fcap : 64;
        char **nf = realloc(r->f, (size_t)ncap * sizeof *nf);
        if (!nf)
            return ics_error_set(err, ICS_ENOMEM, "%s:%ld: out of memory splitting the line",
                                 r->path, r->lineno);
        r->f = nf;
        r->fcap = ncap;
    }
    r->f[r->nf++] = s;
    return ICS_OK;
}

/* Split r->line in place: fields are trimmed of surrounding blanks; a field that starts with '"'
 * is quoted as pandas quotes (the delimiter may appear inside, "" stands for one quote). */
static ics_status csv_split(csv_reader *r, ics_error *err)
{
    ics_status st = ICS_OK;
    const char d = r->delim;
    char *p = r->line;
    r->nf = 0;
    r->rest = NULL;
    /* data rows of numbers: the reader parses the rest itself (mat_read_rows) */
    const int lead = r->lead > 0 && !strchr(p, '"') ? r->lead : 0;
    for (;;) {
        if (lead && r->nf == lead) {
            r->rest = p;
            break;
        }
        while (is_blank(*p, d)) ++p;
        char *start, *end;
        if (*p == '"') {
            start = ++p;
            char *w = p;
            for (;;) {
                if (*p == '\0')
                    return ics_error_set(err, ICS_EINPUT,
                                         "%s:%ld: field %d: unterminated quoted field (quoted "
                                         "fields may not span lines)",
                                         r->path, r->lineno, r->nf + 1);
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    ++p;
                    break;
                }
                *w++ = *p++;
            }
            end = w;
            while (is_blank(*p, d)) ++p;
            if (*p != d && *p != '\0')
                return ics_error_set(err, ICS_EINPUT,
                                     "%s:%ld: field %d: unexpected text after the closing quote",
                                     r->path, r->lineno, r->nf + 1);
        } else {
            start = p;
            while (*p && *p != d) ++p;
            end = p;
            while (end > start && is_blank(end[-1], d)) --end;
        }
        const int more = (*p == d);
        *end = '\0'; /* may overwrite the delimiter at p: `more` was read first */
        ICS_TRY(push_field(r, start, err));
        if (!more) break;
        ++p;
    }
done:
    return st;
}

/* Detect the separator from the first line: a tab outside quotes means tab-separated. */
static char detect_delim(const char *s)
{
    int inq = 0;
    for (; *s; ++s) {
        if (*s == '"') inq = !inq;
        else if (*s == '\t' && !inq) return '\t';
    }
    return ',';
}

/* Next non-blank row into r->f / r->nf; *got = 0 at end of file. */
static ics_status csv_next(csv_reader *r, int *got, ics_error *err)
{
    if (r->pushback) {
        r->pushback = 0;
        *got = 1;
        return ICS_OK;
    }
    for (;;) {
        ssize_t len = getline(&r->line, &r->cap, r->fp);
        if (len < 0) {
            if (ferror(r->fp))
                return ics_error_set(err, ICS_EIO, "%s: read error after line %ld: %s", r->path,
                                     r->lineno, strerror(errno));
            *got = 0;
            r->nf = 0;
            return ICS_OK;
        }
        r->lineno++;
        while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
            r->line[--len] = '\0';
        if (r->lineno == 1 && (unsigned char)r->line[0] == 0xEF &&
            (unsigned char)r->line[1] == 0xBB && (unsigned char)r->line[2] == 0xBF)
            memmove(r->line, r->line + 3, (size_t)len - 2); /* UTF-8 byte-order mark */
        if (r->line[strspn(r->line, " \t")] == '\0') continue; /* blank line */
        if (!r->delim) r->delim = detect_delim(r->line);
        ics_status st = csv_split(r, err);
        if (st != ICS_OK) return st;
        *got = 1;
        return ICS_OK;
    }
}

/* Decimal numbers without strtod where that is exact: d = up to 19 significant digits (below
 * 2^64) and a power of ten 10^e with |e| <= 27, both exact in the x87 extended format (64-bit
 * significand; 5^27 < 2^64). d * 10^e (or d / 10^-e) is then one correctly rounded extended
 * operation, and rounding that to double equals rounding the exact value (what strtod does)
 * unless the extended result lies exactly on a halfway point between two doubles (its 11 bits
 * below the double's 53 are 10000000000): those, and every other form, go to strtod. Bitwise
 * equal to strtod's results (tests/test_table.c compares millions of values). */
#if defined(__x86_64__) && LDBL_MANT_DIG == 64
#define CSV_FAST_NUMBERS 1
static const long double csv_pow10[28] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

/* The common case needs no extended precision: with d <= 2^53 and |e| <= 22 both d and 10^|e|
 * are exact doubles, so d * 10^e (or d / 10^-e) in double is already the correctly rounded
 * result (Clinger 1990, "How to read floating point numbers accurately", PLDI). */
#define CSV_EXACT_MAX ((uint64_t)1 << 53)
static const double csv_pow10d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The number at s, up to the delimiter d or the end of the string (blanks allowed around):
 * the end of its field (at d or NUL) and *v, or NULL when the fast path does not take it. */
static const char *fast_number_to(const char *s, char d, double *v)
{
    while (*s == ' ' || (*s == '\t' && d != '\t')) ++s;
    const int neg = *s == '-';
    if (*s == '-' || *s == '+') ++s;
    uint64_t m = 0;
    int nd = 0, seen = 0, e = 0;
    while (*s == '0') ++s, seen = 1;
    while ((unsigned)(*s - '0') < 10u) {
        if (++nd > 19) return NULL;
        m = m * 10 + (uint64_t)(*s++ - '0');
    }
    seen |= nd > 0;
    if (*s == '.') {
        ++s;
        if (nd == 0)
            while (*s == '0') ++s, --e, seen = 1;
        while ((unsigned)(*s - '0') < 10u) {
            if (++nd > 19) return NULL;
            m = m * 10 + (uint64_t)(*s++ - '0');
            --e, seen = 1;
        }
    }
    if (!seen) return NULL;
    if (*s == 'e' || *s == 'E') {
        ++s;
        const int eneg = *s == '-';
        if (*s == '-' || *s == '+') ++s;
        if ((unsigned)(*s - '0') >= 10u) return NULL;
        int x = 0;
        while ((unsigned)(*s - '0') < 10u) {
            if (x > 1000) return NULL;
            x = x * 10 + (*s++ - '0');
        }
        e += eneg ? -x : x;
    }
    while (*s == ' ' || (*s == '\t' && d != '\t')) ++s;
    if (*s != d && *s != '\0') return NULL;
    if (m == 0) {
        *v = neg ? -0.0 : 0.0;
        return s;
    }
    if (m <= CSV_EXACT_MAX && e >= -22 && e <= 22) {
        /* m and 10^|e| are exact doubles: one correctly rounded double operation (Clinger) */
        const double r = e >= 0 ? (double)m * csv_pow10d[e] : (double)m / csv_pow10d[-e];
        *v = neg ? -r : r;
        return s;
    }
    if (e < -27 || e > 27) return NULL;
    const long double r = e >= 0 ? (long double)m * csv_pow10[e] : (long double)m / csv_pow10[-e];
    uint64_t sig;
    memcpy(&sig, &r, sizeof sig); /* the explicit 64-bit significand of the x87 format */
    if ((sig & 0x7FF) == 0x400) return NULL;
    *v = neg ? -(double)r : (double)r;
    return s;
}

static int fast_number(const char *s, double *v)
{
    return fast_number_to(s, '\0', v) != NULL;
}
#endif

/* The whole field must be a number; blanks around it (also inside quotes) are allowed. */
static int parse_number(const char *s, double *v)
{
    char *end;
#ifdef CSV_FAST_NUMBERS
    if (fast_number(s, v)) return 1;
#endif
    *v = strtod(s, &end);
    if (end == s) return 0;
    while (*end == ' ' || *end == '\t') ++end;
    return *end == '\0';
}

/* ---------------------------------------------------------------------------------------------
 * Frames with a two-level column index (Z, Y, VA)
 * ------------------------------------------------------------------------------------------- */

typedef struct mat_hdr {
    int m;        /* number of value columns */
    int rl;       /* number of label fields that lead each data row */
    char **lab1;  /* [m] first column level (region), owned */
    char **lab2;  /* [m] second column level (sector / category), owned */
} mat_hdr;

static void mat_hdr_free(mat_hdr *h)
{
    for (int j = 0; h->lab1 && j < h->m; ++j) free(h->lab1[j]);
    for (int j = 0; h->lab2 && j < h->m; ++j) free(h->lab2[j]);
    free(h->lab1);
    free(h->lab2);
    memset(h, 0, sizeof *h);
}

static int all_empty_from(const csv_reader *r, int k)
{
    for (int i = k; i < r->nf; ++i)
        if (r->f[i][0] != '\0') return 0;
    return 1;
}

/* Read the two column-header rows and the optional index-name row. pandas writes
 *   region,,R1,R1          (level name, one empty cell per extra index level, labels)
 *   sector,,s1,s2
 *   region,sector,,        (index level names; absent when the index is unnamed)
 * and the shorter form without the padding cell is accepted too. want_rl = 2 requires two index
 * columns (Z, Y); want_rl = 0 accepts one or two (VA, whose rows pymrio names by one label). */
static ics_status mat_read_header(csv_reader *r, int want_rl, const char *what1, const char *what2,
                                  mat_hdr *h, ics_error *err)
{
    ics_status st = ICS_OK;
    int got;
    memset(h, 0, sizeof *h);

    ICS_TRY(csv_next(r, &got, err));
    if (!got)
        ICS_FAIL(err, ICS_EINPUT,
                 "%s: empty file (expected a header row of %s labels, one of %s labels, then one "
                 "row per node)",
                 r->path, what1, what2);
    int p = 0;
    while (1 + p < r->nf && r->f[1 + p][0] == '\0') ++p;
    const int nf1 = r->nf;
    const int m = nf1 - 1 - p;
    if (m < 1)
        ICS_FAIL(err, ICS_EINPUT,
                 "%s:%ld: the first row should be the %s level of the column index "
                 "('%s,<label>,<label>,...'), found no labels",
                 r->path, r->lineno, what1, what1);
    if (p > 1)
        ICS_FAIL(err, ICS_EINPUT,
                 "%s:%ld: %d empty cells before the first %s label: expected at most 1 (two index "
                 "columns)",
                 r->path, r->lineno, p, what1);
    h->m = m;
    ICS_ALLOC(h->lab1, m, err, "column labels");
    ICS_ALLOC(h->lab2, m, err, "column labels");
    for (int j = 0; j < m; ++j) {
        const char *s = r->f[1 + p + j];
        if (!*s)
            ICS_FAIL(err, ICS_EINPUT, "%s:%ld: column %d has an empty %s label", r->path,
                     r->lineno, j + 1, what1);
        DUP(h->lab1[j], s);
    }

    ICS_TRY(csv_next(r, &got, err));
    if (!got)
        ICS_FAIL(err, ICS_EINPUT, "%s: ends after line %ld: expected a second header row of %s labels",
                 r->path, r->lineno, what2);
    if (r->nf != nf1 || (p == 1 && r->f[1][0] != '\0'))
        ICS_FAIL(err, ICS_EINPUT,
                 "%s:%ld: the second header row should hold %d %s labels laid out like the first "
                 "row (%d fields), found %d fields",
                 r->path, r->lineno, m, what2, nf1, r->nf);
    for (int j = 0; j < m; ++j) {
        const char *s = r->f[1 + p + j];
        if (!*s)
            ICS_FAIL(err, ICS_EINPUT, "%s:%ld: column %d (%s) has an empty %s label", r->path,
                     r->lineno, j + 1, h->lab1[j], what2);
        DUP(h->lab2[j], s);
    }

    /* index-name row, or already the first data row */
    ICS_TRY(csv_next(r, &got, err));
    int rl = p == 1 ? 2 : want_rl;
    if (!got) {
        h->rl = rl ? rl : 2;
        goto done;
    }
    int names;
    if (rl == 2) {
        names = all_empty_from(r, 2);
    } else if (all_empty_from(r, 1)) {
        names = 1;
        rl = 1;
    } else if (all_empty_from(r, 2) && r->nf != 1 + m) {
        names = 1;
        rl = 2;
    } else {
        names = 0;
        rl = r->nf - m;
        if (rl < 1 || rl > 2)
            ICS_FAIL(err, ICS_EINPUT,
                     "%s:%ld: expected one or two label fields then %d values, found %d fields",
                     r->path, r->lineno, m, r->nf);
    }
    h->rl = rl;
    if (!names) r->pushback = 1;
done:
    return st;
}

static int row_is_node(const csv_reader *r, const ics_table *t, int i)
{
    return r->nf >= 2 && strcmp(r->f[0], t->regions[t->node_region[i]]) == 0 &&
           strcmp(r->f[1], t->segments[t->node_segment[i]]) == 0;
}

/* The m numbers of r->rest (the row after its labels, unsplit) into vals[j * stride], j < m.
 * Fields the fast path does not take are trimmed and parsed as parse_number does. */
#define ROWS_PER_FLUSH 32
static ics_status parse_rest(csv_reader *r, const mat_hdr *h, double *vals, size_t stride,
                             ics_error *err)
{
    const char d = r->delim;
    const char *p = r->rest;
    for (int j = 0; j < h->m; ++j) {
        const char *end = NULL;
        double v;
#ifdef CSV_FAST_NUMBERS
        end = fast_number_to(p, d, &v);
#endif
        if (!end) {
            char buf[256];
            end = p;
            while (*end && *end != d) ++end;
            const char *a = p, *b = end;
            while (a < b && is_blank(*a, d)) ++a;
            while (b > a && is_blank(b[-1], d)) --b;
            const size_t len = (size_t)(b - a) < sizeof buf - 1 ? (size_t)(b - a) : sizeof buf - 1;
            memcpy(buf, a, len);
            buf[len] = '\0';
            if ((size_t)(b - a) >= sizeof buf - 1 || !parse_number(buf, &v))
                return ics_error_set(err, ICS_EINPUT, "%s:%ld: column %s/%s: '%s' is not a "
                                     "number%s", r->path, r->lineno, h->lab1[j], h->lab2[j], buf,
                                     len ? "" : " (empty field)");
        }
        vals[(size_t)j * stride] = v;
        if (*end == '\0' && j + 1 < h->m) {
            return ics_error_set(err, ICS_EINPUT,
                                 "%s:%ld: expected %d fields (%d labels and %d values), found %d",
                                 r->path, r->lineno, h->rl + h->m, h->rl, h->m, h->rl + j + 1);
        }
        p = *end ? end + 1 : end;
        if (j + 1 == h->m && *end) {
            int nf = h->rl + h->m + 1;
            for (const char *q = p; *q; ++q) nf += *q == d;
            return ics_error_set(err, ICS_EINPUT,
                                 "%s:%ld: expected %d fields (%d labels and %d values), found %d",
                                 r->path, r->lineno, h->rl + h->m, h->rl, h->m, nf);
        }
    }
    return ICS_OK;
}

/* The current row of r as node i: its labels must be node i's, its m values go to
 * vals[j * stride]. */
static ics_status parse_row(csv_reader *r, const mat_hdr *h, const ics_table *t, int i,
                            double *vals, size_t stride, const char *rule, ics_error *err)
{
    char lab[512];
    if (!r->rest && r->nf != h->rl + h->m)
        return ics_error_set(err, ICS_EINPUT,
                             "%s:%ld: expected %d fields (%d labels and %d values), found %d",
                             r->path, r->lineno, h->rl + h->m, h->rl, h->m, r->nf);
    if (!row_is_node(r, t, i))
        return ics_error_set(err, ICS_EINPUT,
                             "%s:%ld: row label '%s/%s' does not match node %d '%s' (%s)", r->path,
                             r->lineno, r->f[0], r->nf > 1 ? r->f[1] : "", i + 1,
                             ics_table_node_label(t, i, lab, sizeof lab), rule);
    if (r->rest) return parse_rest(r, h, vals, stride, err);
    for (int j = 0; j < h->m; ++j) {
        double v;
        const char *s = r->f[h->rl + j];
        if (!parse_number(s, &v))
            return ics_error_set(err, ICS_EINPUT, "%s:%ld: column %s/%s: '%s' is not a number%s",
                                 r->path, r->lineno, h->lab1[j], h->lab2[j], s,
                                 *s ? "" : " (empty field)");
        vals[(size_t)j * stride] = v;
    }
    return ICS_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Parallel reading of a large matrix: the rows after the header are split into byte ranges at
 * line starts, one per thread, each read through its own stream; a part finds its first node
 * from its first row's labels (unique labels), and the parts must join up exactly (part k ends
 * where part k + 1 starts, the last one at row n with nothing after it). Anything else (an
 * error, a duplicate label, a part without rows) leaves the matrix to the serial reader, which
 * reads it again from the start and reports the first problem with its line number: the values
 * are the same either way, since each field is parsed by the same code.
 * ------------------------------------------------------------------------------------------- */

#define PAR_MIN_BYTES ((long)4 << 20) /* fewer bytes of rows are read serially */
#define PAR_MAX_PARTS 16
#define PAR_STREAM_BUF ((size_t)1 << 20) /* stdio buffer of each part's stream */

typedef struct row_part {
    long start, end; /* the rows starting at byte offsets in [start, end) */
    int first;       /* node of the first row (-1: not known yet) */
    int rows;        /* rows read */
    int ok;
} row_part;

/* csv_next within a part: the next non-blank row starting before byte end; *pos is the offset
 * of the next unread byte. */
static ics_status part_next(csv_reader *r, long *pos, long end, int *got, ics_error *err)
{
    for (;;) {
        *got = 0;
        if (*pos >= end) return ICS_OK;
        ssize_t len = getline(&r->line, &r->cap, r->fp);
        if (len < 0)
            return ferror(r->fp) ? ics_error_set(err, ICS_EIO, "%s: read error", r->path) : ICS_OK;
        *pos += (long)len;
        while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
            r->line[--len] = '\0';
        if (r->line[strspn(r->line, " \t")] == '\0') continue;
        const ics_status st = csv_split(r, err);
        *got = st == ICS_OK;
        return st;
    }
}

/* The node whose labels lead the current row, or -1 (none, or more than one). */
static int node_of_row(const csv_reader *r, const ics_table *t)
{
    int found = -1;
    if (r->nf < 2) return -1;
    for (int i = 0; i < t->n; ++i)
        if (strcmp(r->f[0], t->regions[t->node_region[i]]) == 0 &&
            strcmp(r->f[1], t->segments[t->node_segment[i]]) == 0) {
            if (found >= 0) return -1;
            found = i;
        }
    return found;
}

static void read_part(const csv_reader *r0, const mat_hdr *h, const ics_table *t, double *out,
                      row_part *pp)
{
    const size_t F = ROWS_PER_FLUSH, n = (size_t)t->n;
    csv_reader r;
    ics_error e;
    ics_error_clear(&e);
    memset(&r, 0, sizeof r);
    r.path = r0->path; /* borrowed */
    r.delim = r0->delim;
    r.lead = h->rl;
    r.lineno = 2; /* not line 1 (no byte-order mark); messages are not used */
    double *buf = malloc(F * (size_t)(h->m ? h->m : 1) * sizeof *buf);
    if (!buf || !(r.fp = fopen(r0->path, "r")) ||
        setvbuf(r.fp, NULL, _IOFBF, PAR_STREAM_BUF) != 0 || fseek(r.fp, pp->start, SEEK_SET) != 0)
        goto done;
    long pos = pp->start;
    int i = pp->first, cnt = 0, b0 = 0, got;
    for (;;) {
        if (part_next(&r, &pos, pp->end, &got, &e) != ICS_OK) goto done;
        if (!got) break;
        if (i < 0 && (i = pp->first = node_of_row(&r, t)) < 0) goto done;
        if ((size_t)i >= n) goto done; /* an extra row */
        const size_t slot = (size_t)cnt % F;
        if (slot == 0) b0 = i;
        if (parse_row(&r, h, t, i, buf + slot, F, "", &e) != ICS_OK) goto done;
        ++i, ++cnt;
        if (slot + 1 == F)
            for (int j = 0; j < h->m; ++j)
                memcpy(out + (size_t)b0 + (size_t)j * n, buf + (size_t)j * F, F * sizeof *out);
    }
    if (cnt % (int)F)
        for (int j = 0; j < h->m; ++j)
            memcpy(out + (size_t)b0 + (size_t)j * n, buf + (size_t)j * F,
                   (size_t)(cnt % (int)F) * sizeof *out);
    pp->rows = cnt;
    pp->ok = cnt > 0;
done:
    if (r.fp) fclose(r.fp);
    free(r.line);
    free(r.f);
    free(buf);
}

/* The first line start at or after byte off of fd (a byte after a newline), or -1. */
static long line_start_from(int fd, long off, long size)
{
    char b[65536];
    if (off <= 0) return 0;
    for (long p = off - 1; p < size;) {
        const ssize_t got = pread(fd, b, sizeof b, (off_t)p);
        if (got <= 0) return -1;
        const char *nl = memchr(b, '\n', (size_t)got);
        if (nl) return p + (long)(nl - b) + 1;
        p += (long)got;
    }
    return -1;
}

/* 1: all n rows of the matrix are in out (and r is done with them); 0: read them serially. */
static int read_rows_parallel(csv_reader *r, const mat_hdr *h, const ics_table *t, double *out)
{
    struct stat sb;
    row_part part[PAR_MAX_PARTS];
    int np = omp_get_max_threads();
    if (np > PAR_MAX_PARTS) np = PAR_MAX_PARTS;
    if (np < 2 || omp_in_parallel() || r->pushback) return 0;
    const long pos0 = ftell(r->fp);
    if (pos0 < 0 || fstat(fileno(r->fp), &sb) != 0 || !S_ISREG(sb.st_mode)) return 0;
    const long size = (long)sb.st_size;
    if (size - pos0 < PAR_MIN_BYTES) return 0;
    for (int k = 0; k < np; ++k) {
        part[k] = (row_part){k == 0 ? pos0 : -1, LONG_MAX, k == 0 ? 0 : -1, 0, 0};
        if (k > 0) {
            const long off = pos0 + (long)((double)(size - pos0) * k / np);
            if ((part[k].start = line_start_from(fileno(r->fp), off, size)) < 0 ||
                part[k].start <= part[k - 1].start)
                return 0;
            part[k - 1].end = part[k].start;
        }
    }
#pragma omp parallel for schedule(static, 1) num_threads(np)
    for (int k = 0; k < np; ++k) read_part(r, h, t, out, &part[k]);
    for (int k = 0; k < np; ++k) {
        const int next = k + 1 < np ? part[k + 1].first : t->n;
        if (!part[k].ok || part[k].first + part[k].rows != next) return 0;
    }
    r->lead = 0; /* r's stream is not read further: its rows are all read */
    return 1;
}

/* Read one row per node of t into out (column-major, leading dimension t->n); the labels of row
 * i must be node i's. rule says why, for the message. Rows are parsed into a buffer of
 * ROWS_PER_FLUSH rows stored column by column and copied out 256 bytes per column, not
 * written with a stride of n doubles per value. */
static ics_status mat_read_rows(csv_reader *r, const mat_hdr *h, const ics_table *t, double *out,
                                const char *rule, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = t->n;
    const size_t F = ROWS_PER_FLUSH;
    int got;
    double *buf = NULL;
    if (read_rows_parallel(r, h, t, out)) return ICS_OK;
    ICS_ALLOC(buf, F * (size_t)(h->m ? h->m : 1), err, "a row buffer");
    r->lead = h->rl;
    for (int i = 0; i < n; ++i) {
        const size_t slot = (size_t)i % F;
        ICS_TRY(csv_next(r, &got, err));
        if (!got)
            ICS_FAIL(err, ICS_EINPUT, "%s: has %d data rows, expected %d (one per node of Z)",
                     r->path, i, n);
        ICS_TRY(parse_row(r, h, t, i, buf + slot, F, rule, err));
        if (slot + 1 == F || i + 1 == n) {
            const size_t i0 = (size_t)i - slot, rows = slot + 1;
            for (int j = 0; j < h->m; ++j)
                memcpy(out + i0 + (size_t)j * (size_t)n, buf + (size_t)j * F,
                       rows * sizeof *out);
        }
    }
    r->lead = 0;
    ICS_TRY(csv_next(r, &got, err));
    if (got)
        ICS_FAIL(err, ICS_EINPUT, "%s:%ld: extra row '%s%s%s': Z has %d nodes", r->path,
                 r->lineno, r->f[0], r->nf > 1 ? "/" : "", r->nf > 1 ? r->f[1] : "", n);
done:
    r->lead = 0;
    free(buf);
    return st;
}

/* VA: any number of rows (components), columns are Z's nodes; va = column sums. */
static ics_status read_va(csv_reader *r, ics_table *t, ics_error *err)
{
    ics_status st = ICS_OK;
    mat_hdr h;
    char lab[512];
    int got;
    ICS_TRY(mat_read_header(r, 0, "region", "sector", &h, err));
    if (h.m != t->n)
        ICS_FAIL(err, ICS_EINPUT, "%s: has %d columns, Z has %d nodes (VA columns must be Z's)",
                 r->path, h.m, t->n);
    for (int j = 0; j < h.m; ++j)
        if (strcmp(h.lab1[j], t->regions[t->node_region[j]]) != 0 ||
            strcmp(h.lab2[j], t->segments[t->node_segment[j]]) != 0)
            ICS_FAIL(err, ICS_EINPUT,
                     "%s: column %d is '%s/%s' but node %d of Z is '%s' (VA columns must be Z's "
                     "columns in the same order)",
                     r->path, j + 1, h.lab1[j], h.lab2[j], j + 1,
                     ics_table_node_label(t, j, lab, sizeof lab));
    for (int j = 0; j < t->n; ++j) t->va[j] = 0.0;
    for (;;) {
        ICS_TRY(csv_next(r, &got, err));
        if (!got) break;
        if (r->nf != h.rl + h.m)
            ICS_FAIL(err, ICS_EINPUT,
                     "%s:%ld: expected %d fields (%d labels and %d values), found %d", r->path,
                     r->lineno, h.rl + h.m, h.rl, h.m, r->nf);
        for (int j = 0; j < h.m; ++j) {
            double v;
            const char *s = r->f[h.rl + j];
            if (!parse_number(s, &v))
                ICS_FAIL(err, ICS_EINPUT, "%s:%ld: column %s/%s: '%s' is not a number%s", r->path,
                         r->lineno, h.lab1[j], h.lab2[j], s, *s ? "" : " (empty field)");
            t->va[j] += v;
        }
    }
done:
    mat_hdr_free(&h);
    return st;
}

/* x: one value per node. pandas writes a one-column frame as "region,sector,indout" then
 * "R1,s1,1000"; frames with a multi-level column index get header rows like Z's and an
 * index-name row; a file without header starts at the first node. */
static ics_status read_x(csv_reader *r, ics_table *t, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = t->n;
    char lab[512];
    int got;
    double v;
    ICS_TRY(csv_next(r, &got, err));
    if (!got)
        ICS_FAIL(err, ICS_EINPUT, "%s: empty file (expected a header row and one row per node)",
                 r->path);
    if (row_is_node(r, t, 0) && r->nf == 3 && parse_number(r->f[2], &v)) {
        r->pushback = 1; /* no header */
    } else if (!(r->nf >= 3 && r->f[1][0] != '\0')) {
        /* multi-row header: skip to the index-name row (or the first node row) */
        for (int k = 0;; ++k) {
            if (r->nf >= 2 && r->f[0][0] && r->f[1][0] && all_empty_from(r, 2)) break;
            if (row_is_node(r, t, 0)) {
                r->pushback = 1;
                break;
            }
            ICS_TRY(csv_next(r, &got, err));
            if (!got || k >= 4)
                ICS_FAIL(err, ICS_EINPUT,
                         "%s: cannot find where the header ends: expected an index-name row "
                         "'region,sector' or the row of node %s within the first lines",
                         r->path, ics_table_node_label(t, 0, lab, sizeof lab));
        }
    }
    for (int i = 0; i < n; ++i) {
        ICS_TRY(csv_next(r, &got, err));
        if (!got)
            ICS_FAIL(err, ICS_EINPUT, "%s: has %d data rows, expected %d (one per node of Z)",
                     r->path, i, n);
        if (r->nf != 3)
            ICS_FAIL(err, ICS_EINPUT,
                     "%s:%ld: expected 3 fields (region, sector, gross output), found %d", r->path,
                     r->lineno, r->nf);
        if (!row_is_node(r, t, i))
            ICS_FAIL(err, ICS_EINPUT,
                     "%s:%ld: row label '%s/%s' does not match node %d '%s' (x rows must be Z's "
                     "rows in the same order)",
                     r->path, r->lineno, r->f[0], r->f[1], i + 1,
                     ics_table_node_label(t, i, lab, sizeof lab));
        if (!parse_number(r->f[2], &t->x[i]))
            ICS_FAIL(err, ICS_EINPUT, "%s:%ld: node %s: '%s' is not a number%s", r->path,
                     r->lineno, ics_table_node_label(t, i, lab, sizeof lab), r->f[2],
                     r->f[2][0] ? "" : " (empty field)");
    }
    ICS_TRY(csv_next(r, &got, err));
    if (got)
        ICS_FAIL(err, ICS_EINPUT, "%s:%ld: extra row '%s%s%s': Z has %d nodes", r->path,
                 r->lineno, r->f[0], r->nf > 1 ? "/" : "", r->nf > 1 ? r->f[1] : "", n);
done:
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Directory loader
 * ------------------------------------------------------------------------------------------- */

/* dir/stem.csv or dir/stem.txt, whichever is a file (csv first); *path NULL when neither. */
static ics_status find_table_file(const char *dir, const char *stem, char **path, ics_error *err)
{
    static const char *const exts[] = {".csv", ".txt"};
    const size_t ld = strlen(dir);
    const int slash = ld > 0 && dir[ld - 1] == '/';
    *path = NULL;
    for (size_t e = 0; e < sizeof exts / sizeof exts[0]; ++e) {
        size_t len = ld + 1 + strlen(stem) + strlen(exts[e]) + 1;
        char *p = ics_calloc(len, 1, err, "a file name");
        if (!p) return ICS_ENOMEM;
        snprintf(p, len, "%s%s%s%s", dir, slash ? "" : "/", stem, exts[e]);
        struct stat sb;
        if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
            *path = p;
            return ICS_OK;
        }
        free(p);
    }
    return ICS_OK;
}

/* The rest of r's file must hold at least `rows` rows of `cols` values, each value at least one
 * character and a separator; ICS_EINPUT naming the file and line otherwise. */
static ics_status check_file_holds(const csv_reader *r, int rows, int cols, const char *what,
                                   ics_error *err)
{
    struct stat sb;
    const long pos = ftell(r->fp);
    if (fstat(fileno(r->fp), &sb) != 0 || pos < 0) return ICS_OK; /* not a regular file */
    const double left = (double)sb.st_size - (double)pos;
    /* a first data row already read (pushed back) is behind pos */
    const double need = 2.0 * (double)(rows - (r->pushback ? 1 : 0)) * (double)cols;
    if (!S_ISREG(sb.st_mode) || left >= need) return ICS_OK;
    return ics_error_set(err, ICS_EINPUT, "%s:%ld: the header names %d columns, so %s needs %d rows "
                         "of %d values (at least %.3g bytes), but only %.0f bytes follow", r->path,
                         r->lineno, cols, what, rows, cols, need, left);
}

ics_status ics_table_read_unit_file(const char *path, char **unit, ics_error *err)
{
    ics_status st = ICS_OK;
    csv_reader r = {0};
    int got = 0, rows = 0;
    char *u = NULL;
    *unit = NULL;
    ICS_TRY(csv_open(&r, path, err));
    ICS_TRY(csv_next(&r, &got, err)); /* header: region, sector, unit */
    if (!got || r.nf < 2)
        ICS_FAIL(err, ICS_EINPUT, "%s: line 1: expected a header such as 'region,sector,unit'",
                 path);
    for (;;) {
        ICS_TRY(csv_next(&r, &got, err));
        if (!got) break;
        const char *v = r.nf > 0 ? r.f[r.nf - 1] : "";
        if (r.nf < 2 || !*v)
            ICS_FAIL(err, ICS_EINPUT, "%s: line %ld: expected REGION, sector, unit", path,
                     r.lineno);
        if (!u) {
            if (!(u = ics_strdup(v, err))) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
        } else if (strcmp(u, v) != 0) {
            ICS_FAIL(err, ICS_EINPUT, "%s: line %ld: unit '%s' differs from '%s' above (icstress "
                     "needs one unit for the whole table)", path, r.lineno, v, u);
        }
        ++rows;
    }
    if (!rows) ICS_FAIL(err, ICS_EINPUT, "%s: no unit rows after the header", path);
    *unit = u;
    u = NULL;
done:
    free(u);
    csv_close(&r);
    return st;
}

static int index_of(char **labels, int count, const char *s)
{
    for (int i = 0; i < count; ++i)
        if (strcmp(labels[i], s) == 0) return i;
    return -1;
}

ics_status ics_table_load_dir(const char *dir, ics_table **out, ics_error *err)
{
    ics_status st = ICS_OK;
    csv_reader zr = {0}, yr = {0}, xr = {0}, vr = {0};
    mat_hdr zh = {0}, yh = {0};
    char *zpath = NULL, *ypath = NULL, *xpath = NULL, *vpath = NULL;
    char **regs = NULL, **segs = NULL; /* borrowed from zh */
    int *nr = NULL, *ns = NULL;
    ics_table *t = NULL;
    if (!out) return ics_error_set(err, ICS_EINTERNAL, "ics_table_load_dir: out is NULL");
    *out = NULL;

    ICS_TRY(find_table_file(dir, "Z", &zpath, err));
    if (!zpath)
        ICS_FAIL(err, ICS_EINPUT,
                 "%s: no Z.csv or Z.txt (a pymrio table directory holds Z and Y, optionally x "
                 "and VA)",
                 dir);
    ICS_TRY(find_table_file(dir, "Y", &ypath, err));
    if (!ypath)
        ICS_FAIL(err, ICS_EINPUT,
                 "%s: no Y.csv or Y.txt (a pymrio table directory holds Z and Y, optionally x "
                 "and VA)",
                 dir);
    ICS_TRY(find_table_file(dir, "x", &xpath, err));
    ICS_TRY(find_table_file(dir, "VA", &vpath, err));

    ICS_TRY(csv_open(&zr, zpath, err));
    ICS_TRY(mat_read_header(&zr, 2, "region", "sector", &zh, err));
    ICS_TRY(csv_open(&yr, ypath, err));
    ICS_TRY(mat_read_header(&yr, 2, "region", "category", &yh, err));

    const int n = zh.m;
    int nreg = 0, nseg = 0;
    /* allocations bounded by what the files can hold, before any (a header of 10^5 labels with
     * no rows would ask for 80 GB) */
    ICS_TRY(check_file_holds(&zr, n, n, "Z", err));
    ICS_TRY(check_file_holds(&yr, n, yh.m, "Y", err));
    ICS_ALLOC(regs, n, err, "region labels");
    ICS_ALLOC(segs, n, err, "segment labels");
    ICS_ALLOC(nr, n, err, "node regions");
    ICS_ALLOC(ns, n, err, "node segments");
    for (int j = 0; j < n; ++j) {
        int r = index_of(regs, nreg, zh.lab1[j]);
        if (r < 0) regs[r = nreg++] = zh.lab1[j];
        int s = index_of(segs, nseg, zh.lab2[j]);
        if (s < 0) segs[s = nseg++] = zh.lab2[j];
        nr[j] = r;
        ns[j] = s;
    }

    t = ics_table_create(nreg, nseg, n, yh.m, err);
    if (!t) {
        st = err && err->code != ICS_OK ? err->code : ICS_ENOMEM;
        goto done;
    }
    DUP(t->source, dir);
    for (int r = 0; r < nreg; ++r)
        DUP(t->regions[r], regs[r]);
    for (int s = 0; s < nseg; ++s)
        DUP(t->segments[s], segs[s]);
    memcpy(t->node_region, nr, (size_t)n * sizeof *nr);
    memcpy(t->node_segment, ns, (size_t)n * sizeof *ns);
    for (int k = 0; k < yh.m; ++k) {
        DUP(t->y_region[k], yh.lab1[k]);
        DUP(t->y_category[k], yh.lab2[k]);
    }

    ICS_TRY(mat_read_rows(&zr, &zh, t, t->Z,
                          "rows of Z must list the nodes of its columns in the same order", err));
    ICS_TRY(mat_read_rows(&yr, &yh, t, t->Y, "Y rows must be Z's rows in the same order", err));

    if (xpath) {
        ICS_TRY(csv_open(&xr, xpath, err));
        ICS_TRY(read_x(&xr, t, err));
    } else {
        /* x = Z 1 + Y 1 */
        ics_table_final_demand(t, t->x);
        for (int j = 0; j < n; ++j) {
            const double *col = t->Z + (size_t)j * (size_t)n;
            for (int i = 0; i < n; ++i) t->x[i] += col[i];
        }
    }
    {
        /* pymrio's unit.txt / unit.csv: the table's unit (no base year: pymrio has none) */
        char *upath = NULL;
        ICS_TRY(find_table_file(dir, "unit", &upath, err));
        if (upath) {
            st = ics_table_read_unit_file(upath, &t->unit, err);
            free(upath);
            if (st != ICS_OK) goto done;
        }
    }
    if (vpath) {
        ICS_TRY(csv_open(&vr, vpath, err));
        ICS_TRY(read_va(&vr, t, err));
    } else {
        /* va = x - 1'Z */
        for (int j = 0; j < n; ++j) {
            const double *col = t->Z + (size_t)j * (size_t)n;
            double s = 0.0;
            for (int i = 0; i < n; ++i) s += col[i];
            t->va[j] = t->x[j] - s;
        }
    }

done:
    csv_close(&zr);
    csv_close(&yr);
    csv_close(&xr);
    csv_close(&vr);
    mat_hdr_free(&zh);
    mat_hdr_free(&yh);
    free(zpath);
    free(ypath);
    free(xpath);
    free(vpath);
    free(regs);
    free(segs);
    free(nr);
    free(ns);
    if (st != ICS_OK) ics_table_destroy(&t);
    *out = t;
    return st;
}

/* A directory is a pymrio table (registered in table_loaders.c). */
static int claims_dir(const char *path, int is_dir)
{
    (void)path;
    return is_dir;
}

const ics__table_loader ics__table_loader_pymrio = {"pymrio", 1, claims_dir, ics_table_load_dir};
