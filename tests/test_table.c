/* Tests of the table module: the pymrio directory reader (comma and tab, with and without x and
 * VA, pandas' header forms, quoting), the HDF5 round trip, and every validation failure, each
 * triggered on purpose; plus the Miller & Blair two-sector table as a known balanced case. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ics_table.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ICS_TEST_DATA
#define ICS_TEST_DATA "tests/data"
#endif

#define assert_msg(e, sub)                                                                     \
    do {                                                                                       \
        if (!strstr((e).msg, (sub))) {                                                         \
            print_error("error message '%s' does not contain '%s'\n", (e).msg, (sub));         \
            fail();                                                                            \
        }                                                                                      \
    } while (0)

/* |a - b| <= tol, printing both values on failure (cmocka's float asserts vary by version). */
#define assert_near(a, b, tol)                                                                 \
    do {                                                                                       \
        const double a_ = (a), b_ = (b);                                                       \
        if (!(fabs(a_ - b_) <= (tol))) {                                                       \
            print_error("%.17g != %.17g (tolerance %g)\n", a_, b_, (double)(tol));            \
            fail();                                                                            \
        }                                                                                      \
    } while (0)

/* ---------------------------------------------------------------------------------------------
 * The test table: regions US, CN; segments fab, design; two final-demand columns.
 *   Z rows (sums)         Y           x      1'Z    va = x - 1'Z (wages + profits)
 *   US/fab    10 20 30 40 (100)  100 50   250     25    225 = 200 + 25
 *   US/design  5 15 25 35  (80)   60 60   200     50    150 = 100 + 50
 *   CN/fab     8 12 16  4  (40)   70 90   200     75    125 = 100 + 25
 *   CN/design  2  3  4  1  (10)   30 60   100     80     20 =  15 +  5
 * ------------------------------------------------------------------------------------------- */

enum { N = 4, NY = 2 };
static const char *const NODE_R[N] = {"US", "US", "CN", "CN"};
static const char *const NODE_S[N] = {"fab", "design", "fab", "design"};
static const double TZ[N][N] = {{10, 20, 30, 40}, {5, 15, 25, 35}, {8, 12, 16, 4}, {2, 3, 4, 1}};
static const double TY[N][NY] = {{100, 50}, {60, 60}, {70, 90}, {30, 60}};
static const double TX[N] = {250, 200, 200, 100};
static const double TVA[2][N] = {{200, 100, 100, 15}, {25, 50, 25, 5}};
static const double TVA_SUM[N] = {225, 150, 125, 20};
static const char *const YR[NY] = {"US", "CN"};
static const char *const YC[NY] = {"household", "household"};
static const char *const VA_ROWS[2] = {"wages", "profits"};

/* A frame as pandas writes it: labels are written verbatim (so tests can quote them). */
typedef struct frame {
    const char *lvl1, *lvl2;          /* column level names */
    int ncol;
    const char *const *c1, *const *c2; /* column labels */
    int nrow, rl;                      /* rows, index columns (1 or 2) */
    const char *const *r1, *const *r2; /* row labels */
    const double *v;                   /* nrow x ncol, row-major */
    const char *bad;                   /* replaces cell (bad_r, bad_c) when not NULL */
    int bad_r, bad_c;
} frame;

typedef struct style {
    char d;          /* separator */
    const char *eol; /* "\n" or "\r\n" */
    int pandas;      /* 1: padding cell + index-name row; 0: the short form */
} style;

static const style COMMA = {',', "\n", 1};
static const style TAB_CRLF_SHORT = {'\t', "\r\n", 0};

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void write_frame(const char *dir, const char *name, const frame *f, style s)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    const int pad = s.pandas && f->rl == 2;
    for (int lvl = 0; lvl < 2; ++lvl) {
        fputs(lvl ? f->lvl2 : f->lvl1, fp);
        if (pad) fputc(s.d, fp);
        for (int j = 0; j < f->ncol; ++j) fprintf(fp, "%c%s", s.d, lvl ? f->c2[j] : f->c1[j]);
        fputs(s.eol, fp);
    }
    if (s.pandas) {
        fputs(f->rl == 2 ? "region" : "inputtype", fp);
        if (f->rl == 2) fprintf(fp, "%csector", s.d);
        for (int j = 0; j < f->ncol; ++j) fputc(s.d, fp);
        fputs(s.eol, fp);
    }
    for (int i = 0; i < f->nrow; ++i) {
        fputs(f->r1[i], fp);
        if (f->rl == 2) fprintf(fp, "%c%s", s.d, f->r2[i]);
        for (int j = 0; j < f->ncol; ++j) {
            if (f->bad && i == f->bad_r && j == f->bad_c)
                fprintf(fp, "%c%s", s.d, f->bad);
            else
                fprintf(fp, "%c%.17g", s.d, f->v[i * f->ncol + j]);
        }
        fputs(s.eol, fp);
    }
    fclose(fp);
}

static frame z_frame(void)
{
    return (frame){"region", "sector", N, NODE_R, NODE_S, N, 2, NODE_R, NODE_S, &TZ[0][0],
                   NULL, 0, 0};
}
static frame y_frame(void)
{
    return (frame){"region", "category", NY, YR, YC, N, 2, NODE_R, NODE_S, &TY[0][0], NULL, 0, 0};
}
static frame va_frame(void)
{
    return (frame){"region", "sector", N, NODE_R, NODE_S, 2, 1, VA_ROWS, NULL, &TVA[0][0], NULL,
                   0, 0};
}

static void write_x(const char *dir, const char *const *r1, const char *const *r2,
                    const char *bad)
{
    char path[512];
    snprintf(path, sizeof path, "%s/x.csv", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("region,sector,indout\n", fp);
    for (int i = 0; i < N; ++i) {
        if (bad && i == 2)
            fprintf(fp, "%s,%s,%s\n", r1[i], r2[i], bad);
        else
            fprintf(fp, "%s,%s,%g\n", r1[i], r2[i], TX[i]);
    }
    fclose(fp);
}

/* The full comma-separated table directory in pandas' form. */
static void write_full(const char *dir)
{
    frame z = z_frame(), y = y_frame(), va = va_frame();
    write_frame(dir, "Z.csv", &z, COMMA);
    write_frame(dir, "Y.csv", &y, COMMA);
    write_x(dir, NODE_R, NODE_S, NULL);
    write_frame(dir, "VA.csv", &va, COMMA);
}

/* Per-test temporary directory. */
static int setup_dir(void **state)
{
    char *dir = malloc(64);
    if (!dir) return -1;
    strcpy(dir, "/tmp/ics_test_table_XXXXXX");
    if (!mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int teardown_dir(void **state)
{
    static const char *const names[] = {"Z.csv", "Z.txt", "Y.csv", "Y.txt", "x.csv", "x.txt",
                                        "VA.csv", "VA.txt", "table.h5", "notes.txt",
                                        "unit.txt", "unit.csv"};
    char *dir = *state;
    char path[512];
    for (size_t k = 0; k < sizeof names / sizeof names[0]; ++k) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        unlink(path);
    }
    rmdir(dir);
    free(dir);
    return 0;
}

static void check_test_table(const ics_table *t)
{
    assert_int_equal(t->n, N);
    assert_int_equal(t->nreg, 2);
    assert_int_equal(t->nseg, 2);
    assert_int_equal(t->ny, NY);
    assert_string_equal(t->regions[0], "US");
    assert_string_equal(t->regions[1], "CN");
    assert_string_equal(t->segments[0], "fab");
    assert_string_equal(t->segments[1], "design");
    const int nr[N] = {0, 0, 1, 1}, ns[N] = {0, 1, 0, 1};
    for (int i = 0; i < N; ++i) {
        assert_int_equal(t->node_region[i], nr[i]);
        assert_int_equal(t->node_segment[i], ns[i]);
        for (int j = 0; j < N; ++j) assert_true(t->Z[i + j * N] == TZ[i][j]);
        for (int k = 0; k < NY; ++k) assert_true(t->Y[i + k * N] == TY[i][k]);
        assert_true(t->x[i] == TX[i]);
        assert_true(t->va[i] == TVA_SUM[i]);
    }
    for (int k = 0; k < NY; ++k) {
        assert_string_equal(t->y_region[k], YR[k]);
        assert_string_equal(t->y_category[k], YC[k]);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------------------------- */

static void test_load_comma_full(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    write_full(dir);
    assert_int_equal(ics_table_load(dir, &t, &err), ICS_OK);
    check_test_table(t);
    assert_string_equal(t->source, dir);

    ics_validate_opts o = ICS_VALIDATE_DEFAULTS;
    ics_validate_report rep;
    assert_int_equal(ics_table_validate(t, &o, &rep, &err), ICS_OK);
    assert_true(rep.worst_row_balance == 0.0);
    assert_true(rep.worst_col_balance == 0.0);
    assert_int_equal(rep.max_colsum_node, 3);
    assert_near(rep.max_colsum_A, 0.8, 1e-15);
    assert_true(rep.spectral_radius > 0.0 && rep.spectral_radius <= 0.8);
    assert_int_equal(rep.zero_output_nodes, 0);
    ics_table_destroy(&t);
    assert_null(t);
}

static void test_load_tab_crlf_short_no_x_no_va(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    frame z = z_frame(), y = y_frame();
    write_frame(dir, "Z.txt", &z, TAB_CRLF_SHORT);
    write_frame(dir, "Y.txt", &y, TAB_CRLF_SHORT);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    check_test_table(t); /* x = Z1 + Y1 and va = x - 1'Z reproduce TX and TVA_SUM */
    assert_int_equal(ics_table_validate(t, NULL, NULL, &err), ICS_OK);
    ics_table_destroy(&t);
}

static void test_load_tab_pandas_with_x_and_va(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    const style tab = {'\t', "\n", 1};
    frame z = z_frame(), y = y_frame(), va = va_frame();
    write_frame(dir, "Z.txt", &z, tab);
    write_frame(dir, "Y.txt", &y, tab);
    write_frame(dir, "VA.txt", &va, tab);
    write_text(dir, "x.txt", "region\tsector\tindout\nUS\tfab\t250\nUS\tdesign\t200\n"
                             "CN\tfab\t200\nCN\tdesign\t100\n");
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    check_test_table(t);
    ics_table_destroy(&t);
}

static void test_load_comma_short_header_with_names_row(void **state)
{
    /* the form "region,US,US,..." / "sector,fab,..." / "region,sector,,,," */
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    write_text(dir, "Z.csv",
               "region,US,US,CN,CN\nsector,fab,design,fab,design\nregion,sector,,,,\n"
               "US,fab,10,20,30,40\nUS,design,5,15,25,35\nCN,fab,8,12,16,4\nCN,design,2,3,4,1\n"
               "\n");
    write_text(dir, "Y.csv", "region,US,CN\ncategory,household,household\nregion,sector\n"
                             "US,fab,100,50\nUS,design,60,60\nCN,fab,70,90\nCN,design,30,60\n");
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    check_test_table(t);
    ics_table_destroy(&t);
}

static void test_load_quoted_labels_and_fields(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    static const char *const qr[N] = {"US", "US", "\"Korea, Rep.\"", "\"Korea, Rep.\""};
    static const char *const qs[N] = {"\"the \"\"fab\"\"\"", "design", "\"the \"\"fab\"\"\"",
                                      "design"};
    frame z = z_frame(), y = y_frame();
    z.c1 = z.r1 = y.r1 = qr;
    z.c2 = z.r2 = y.r2 = qs;
    z.bad = " \" 20 \" "; /* quoted number with blanks around and inside: still 20 */
    z.bad_r = 0;
    z.bad_c = 1;
    write_frame(dir, "Z.csv", &z, COMMA);
    write_frame(dir, "Y.csv", &y, COMMA);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    assert_int_equal(t->nreg, 2);
    assert_string_equal(t->regions[1], "Korea, Rep.");
    assert_string_equal(t->segments[0], "the \"fab\"");
    assert_int_equal(ics_table_find_region(t, "Korea, Rep."), 1);
    assert_int_equal(ics_table_find_segment(t, "the \"fab\""), 0);
    assert_true(t->Z[0 + 1 * N] == 20.0);
    char lab[64];
    assert_string_equal(ics_table_node_label(t, 2, lab, sizeof lab), "Korea, Rep./the \"fab\"");
    ics_table_destroy(&t);
}

static void test_load_x_other_forms(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    frame z = z_frame(), y = y_frame();
    write_frame(dir, "Z.csv", &z, COMMA);
    write_frame(dir, "Y.csv", &y, COMMA);
    /* three header rows, as pandas writes a one-column frame with a two-level column index */
    write_text(dir, "x.csv", "indicator,,x\nunit,,M.EUR\nregion,sector,\nUS,fab,250\n"
                             "US,design,200\nCN,fab,200\nCN,design,100\n");
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    check_test_table(t);
    ics_table_destroy(&t);
    /* no header at all */
    write_text(dir, "x.csv", "US,fab,250\r\nUS,design,200\r\nCN,fab,200\r\nCN,design,100\r\n");
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    check_test_table(t);
    ics_table_destroy(&t);
}

static void test_load_va_two_index_columns(void **state)
{
    /* as in pymrio's raw test data: unnamed levels, a two-label row index, no index-name row */
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    frame z = z_frame(), y = y_frame();
    write_frame(dir, "Z.csv", &z, COMMA);
    write_frame(dir, "Y.csv", &y, COMMA);
    write_text(dir, "VA.txt", "\t\tUS\tUS\tCN\tCN\n\t\tfab\tdesign\tfab\tdesign\n"
                              "Value Added\tMill USD\t200\t100\t100\t15\n"
                              "Taxes\tMill USD\t25\t50\t25\t5\n");
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    check_test_table(t);
    ics_table_destroy(&t);
}

static void test_load_dispatch_errors(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    assert_int_equal(ics_table_load("/nonexistent/icstress/table", &t, &err), ICS_EINPUT);
    assert_msg(err, "/nonexistent/icstress/table: no such file or directory");
    assert_null(t);

    char path[512];
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    write_text(dir, "notes.txt", "hello\n");
    ics_error_clear(&err);
    assert_int_equal(ics_table_load(path, &t, &err), ICS_EINPUT);
    assert_msg(err, "not a table");
    assert_null(t);
}

static void test_load_missing_files(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    assert_int_equal(ics_table_load(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "Z.csv");
    assert_msg(err, dir);
    assert_null(t);

    frame z = z_frame();
    write_frame(dir, "Z.csv", &z, COMMA);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "Y.csv");
    assert_null(t);

    write_text(dir, "Y.csv", "");
    ics_error_clear(&err);
    assert_int_equal(ics_table_load(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "Y.csv: empty file");
}

static void test_load_bad_numbers(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    char expect[600];
    frame z = z_frame(), y = y_frame(), va = va_frame();
    write_frame(dir, "Y.csv", &y, COMMA);

    z.bad = "abc";
    z.bad_r = 1; /* line 5: three header rows, then US/fab, US/design */
    z.bad_c = 1;
    write_frame(dir, "Z.csv", &z, COMMA);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    snprintf(expect, sizeof expect, "%s/Z.csv:5: column US/design: 'abc' is not a number", dir);
    assert_msg(err, expect);
    assert_null(t);

    z.bad = ""; /* empty field */
    z.bad_r = 3;
    z.bad_c = 2;
    write_frame(dir, "Z.csv", &z, COMMA);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    snprintf(expect, sizeof expect, "%s/Z.csv:7: column CN/fab: '' is not a number", dir);
    assert_msg(err, expect);

    z.bad = "1.5e"; /* trailing junk after a valid prefix */
    write_frame(dir, "Z.csv", &z, COMMA);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "'1.5e' is not a number");

    z.bad = NULL;
    write_frame(dir, "Z.csv", &z, COMMA);
    y.bad = "12x";
    y.bad_r = 0;
    y.bad_c = 1;
    write_frame(dir, "Y.csv", &y, COMMA);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "Y.csv:4: column CN/household: '12x' is not a number");

    y.bad = NULL;
    write_frame(dir, "Y.csv", &y, COMMA);
    write_x(dir, NODE_R, NODE_S, "n/a");
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "x.csv:4: node CN/fab: 'n/a' is not a number");

    write_x(dir, NODE_R, NODE_S, NULL);
    va.bad = "--1";
    va.bad_r = 1;
    va.bad_c = 3;
    write_frame(dir, "VA.csv", &va, COMMA);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "VA.csv:5: column CN/design: '--1' is not a number");

    /* unterminated quote */
    write_text(dir, "VA.csv", "region,US,US,CN,CN\nsector,fab,design,fab,design\n"
                              "\"wages,1,2,3,4\n");
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "VA.csv:3: field 1: unterminated quoted field");
    assert_null(t);
}

static void test_load_mismatched_labels(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    static const char *const swapped_s[N] = {"design", "fab", "fab", "design"};
    static const char *const other_r[N] = {"US", "US", "CN", "JP"};
    frame z = z_frame(), y = y_frame(), va = va_frame();
    write_frame(dir, "Y.csv", &y, COMMA);

    /* Z columns in another order than its rows */
    z.c2 = swapped_s;
    write_frame(dir, "Z.csv", &z, COMMA);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "Z.csv:4: row label 'US/fab' does not match node 1 'US/design'");
    assert_null(t);

    /* Y rows differ from Z rows */
    z = z_frame();
    write_frame(dir, "Z.csv", &z, COMMA);
    y.r1 = other_r;
    write_frame(dir, "Y.csv", &y, COMMA);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "Y.csv:7: row label 'JP/design' does not match node 4 'CN/design'");

    /* x rows differ from Z rows */
    y = y_frame();
    write_frame(dir, "Y.csv", &y, COMMA);
    write_x(dir, other_r, NODE_S, NULL);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "x.csv:5: row label 'JP/design' does not match node 4 'CN/design'");

    /* VA columns differ from Z columns */
    write_x(dir, NODE_R, NODE_S, NULL);
    va.c1 = other_r;
    write_frame(dir, "VA.csv", &va, COMMA);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "VA.csv: column 4 is 'JP/design' but node 4 of Z is 'CN/design'");

    /* Y with a row too few */
    va = va_frame();
    write_frame(dir, "VA.csv", &va, COMMA);
    y.nrow = 3;
    write_frame(dir, "Y.csv", &y, COMMA);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "Y.csv: has 3 data rows, expected 4");

    /* Z with a value missing in a row */
    y = y_frame();
    write_frame(dir, "Y.csv", &y, COMMA);
    write_text(dir, "Z.csv", "region,,US,US,CN,CN\nsector,,fab,design,fab,design\n"
                             "region,sector,,,,\nUS,fab,10,20,30,40\nUS,design,5,15,25\n");
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_msg(err, "Z.csv:5: expected 6 fields (2 labels and 4 values), found 5");
    assert_null(t);
}

static void test_duplicate_node(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    static const char *const dup_s[N] = {"fab", "design", "fab", "fab"};
    frame z = z_frame(), y = y_frame();
    z.c2 = z.r2 = y.r2 = dup_s;
    write_frame(dir, "Z.csv", &z, COMMA);
    write_frame(dir, "Y.csv", &y, COMMA);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK); /* loads; validation refuses */
    assert_int_equal(ics_table_validate(t, NULL, NULL, &err), ICS_EINPUT);
    assert_msg(err, "duplicate node CN/fab (nodes 3 and 4)");
    assert_true(strncmp(err.msg, dir, strlen(dir)) == 0); /* messages start with the source */
    ics_table_destroy(&t);
}

/* ---------------------------------------------------------------------------------------------
 * HDF5
 * ------------------------------------------------------------------------------------------- */

static void h5_path(const char *dir, char *path, size_t len)
{
    snprintf(path, len, "%s/table.h5", dir);
}

static void write_h5_table(const ics_table *t, const char *path)
{
    ics_error err = {0};
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_int_equal(ics_table_write_h5(t, f, &err), ICS_OK);
    assert_true(H5Fclose(f) >= 0);
}

static void test_h5_round_trip(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL, *u = NULL;
    char path[512];
    write_full(dir);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    /* values that do not survive a decimal round trip */
    t->Z[1 + 2 * N] = 1.0 / 3.0;
    t->Y[3 + 1 * N] = 0.1 + 0.2;
    t->va[2] = nextafter(125.0, 0.0);
    h5_path(dir, path, sizeof path);
    write_h5_table(t, path);

    assert_int_equal(ics_table_load(path, &u, &err), ICS_OK);
    assert_string_equal(u->source, path);
    assert_int_equal(u->n, t->n);
    assert_int_equal(u->nreg, t->nreg);
    assert_int_equal(u->nseg, t->nseg);
    assert_int_equal(u->ny, t->ny);
    for (int r = 0; r < t->nreg; ++r) assert_string_equal(u->regions[r], t->regions[r]);
    for (int s = 0; s < t->nseg; ++s) assert_string_equal(u->segments[s], t->segments[s]);
    for (int k = 0; k < t->ny; ++k) {
        assert_string_equal(u->y_region[k], t->y_region[k]);
        assert_string_equal(u->y_category[k], t->y_category[k]);
    }
    assert_memory_equal(u->node_region, t->node_region, N * sizeof(int));
    assert_memory_equal(u->node_segment, t->node_segment, N * sizeof(int));
    assert_memory_equal(u->Z, t->Z, N * N * sizeof(double));
    assert_memory_equal(u->Y, t->Y, N * NY * sizeof(double));
    assert_memory_equal(u->x, t->x, N * sizeof(double));
    assert_memory_equal(u->va, t->va, N * sizeof(double));

    /* the file holds Z row-major: element [i][j] is the flow from node i to node j */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t d = H5Dopen2(f, "/table/Z", H5P_DEFAULT);
    assert_true(d >= 0);
    double zf[N][N];
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zf) >= 0);
    assert_true(zf[0][3] == 40.0); /* US/fab -> CN/design */
    assert_true(zf[3][0] == 2.0);  /* CN/design -> US/fab */
    H5Dclose(d);
    H5Fclose(f);
    ics_table_destroy(&t);
    ics_table_destroy(&u);
}

/* Files written by other tools: fixed-length label strings and 0-based node indices. */
static void test_h5_fixed_strings_and_indices(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL, *u = NULL;
    char path[512];
    write_full(dir);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    h5_path(dir, path, sizeof path);
    write_h5_table(t, path);

    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_true(H5Ldelete(f, "/table/regions", H5P_DEFAULT) >= 0);
    assert_true(H5Ldelete(f, "/table/node_segment", H5P_DEFAULT) >= 0);
    const char fixed[2][3] = {{'U', 'S', 0}, {'C', 'N', 0}};
    hsize_t d2 = 2, d4 = N;
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, 3);
    hid_t sp = H5Screate_simple(1, &d2, NULL);
    hid_t ds = H5Dcreate2(f, "/table/regions", st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(H5Dwrite(ds, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) >= 0);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Tclose(st);
    const int seg[N] = {0, 1, 0, 1};
    sp = H5Screate_simple(1, &d4, NULL);
    ds = H5Dcreate2(f, "/table/node_segment", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                    H5P_DEFAULT);
    assert_true(H5Dwrite(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, seg) >= 0);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(f);

    assert_int_equal(ics_table_load_h5(path, &u, &err), ICS_OK);
    check_test_table(u);
    ics_table_destroy(&u);

    /* an index out of range is named */
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ds = H5Dopen2(f, "/table/node_segment", H5P_DEFAULT);
    const int bad[N] = {0, 1, 0, 5};
    assert_true(H5Dwrite(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, bad) >= 0);
    H5Dclose(ds);
    H5Fclose(f);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_h5(path, &u, &err), ICS_EINPUT);
    assert_msg(err, "/table/node_segment[3] = 5 is not an index into /table/segments");
    assert_null(u);
    ics_table_destroy(&t);
}

static void test_h5_missing_parts(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL, *u = NULL;
    char path[512];
    write_full(dir);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    h5_path(dir, path, sizeof path);

    /* no /table group */
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    H5Fclose(f);
    assert_int_equal(ics_table_load_h5(path, &u, &err), ICS_EINPUT);
    assert_msg(err, "no group /table");
    assert_null(u);

    /* a dataset removed */
    write_h5_table(t, path);
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_true(H5Ldelete(f, "/table/Z", H5P_DEFAULT) >= 0);
    H5Fclose(f);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_h5(path, &u, &err), ICS_EINPUT);
    assert_msg(err, path);
    assert_msg(err, "missing dataset /table/Z");
    assert_null(u);

    /* writing twice into one file is refused */
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ics_error_clear(&err);
    assert_int_equal(ics_table_write_h5(t, f, &err), ICS_EIO);
    assert_msg(err, "/table already exists");
    H5Fclose(f);

    /* not an HDF5 file */
    write_text(dir, "table.h5", "region,sector\n");
    ics_error_clear(&err);
    assert_int_equal(ics_table_load(path, &u, &err), ICS_EINPUT);
    assert_msg(err, "cannot open as an HDF5 file");
    ics_table_destroy(&t);
}

/* ---------------------------------------------------------------------------------------------
 * Validation, on a table built in memory
 * ------------------------------------------------------------------------------------------- */

static ics_table *make_table(void)
{
    ics_error err = {0};
    ics_table *t = ics_table_create(2, 2, N, NY, &err);
    assert_non_null(t);
    t->regions[0] = ics_strdup("US", &err);
    t->regions[1] = ics_strdup("CN", &err);
    t->segments[0] = ics_strdup("fab", &err);
    t->segments[1] = ics_strdup("design", &err);
    for (int k = 0; k < NY; ++k) {
        t->y_region[k] = ics_strdup(YR[k], &err);
        t->y_category[k] = ics_strdup(YC[k], &err);
    }
    t->source = ics_strdup("mem", &err);
    for (int i = 0; i < N; ++i) {
        t->node_region[i] = i / 2;
        t->node_segment[i] = i % 2;
        for (int j = 0; j < N; ++j) t->Z[i + j * N] = TZ[i][j];
        for (int k = 0; k < NY; ++k) t->Y[i + k * N] = TY[i][k];
        t->x[i] = TX[i];
        t->va[i] = TVA_SUM[i];
    }
    assert_int_equal(err.code, ICS_OK);
    return t;
}

/* Validate t, expect ICS_EINPUT and a message containing sub; returns the report. */
static ics_validate_report expect_invalid(ics_table *t, const char *sub)
{
    ics_error err = {0};
    ics_validate_report rep;
    assert_int_equal(ics_table_validate(t, NULL, &rep, &err), ICS_EINPUT);
    assert_msg(err, sub);
    assert_true(strncmp(err.msg, "mem: ", 5) == 0);
    return rep;
}

static void test_validate_ok_and_report(void **state)
{
    (void)state;
    ics_table *t = make_table();
    ics_error err = {0};
    ics_validate_report rep;
    assert_int_equal(ics_table_validate(t, NULL, &rep, &err), ICS_OK);
    assert_int_equal(rep.max_colsum_node, 3);
    assert_near(rep.max_colsum_A, 0.8, 1e-15);
    ics_table_destroy(&t);
}

static void test_validate_unbalanced_row(void **state)
{
    (void)state;
    ics_table *t = make_table();
    t->Y[1 + 0 * N] += 10.0; /* US/design: x = 200 but Z1 + Y1 = 210 */
    ics_validate_report rep =
        expect_invalid(t, "row balance fails at node US/design: x = 200 but Z row sum + Y row "
                          "sum = 210 (relative error 0.05 > tolerance 1e-06)");
    assert_int_equal(rep.worst_row_node, 1);
    assert_near(rep.worst_row_balance, 0.05, 1e-15);
    /* a looser tolerance accepts it */
    ics_validate_opts o = {0.1};
    ics_error err = {0};
    assert_int_equal(ics_table_validate(t, &o, NULL, &err), ICS_OK);
    ics_table_destroy(&t);
}

static void test_validate_unbalanced_column(void **state)
{
    (void)state;
    ics_table *t = make_table();
    t->va[2] -= 25.0; /* CN/fab: 1'Z + va = 175 */
    ics_validate_report rep =
        expect_invalid(t, "column balance fails at node CN/fab: x = 200 but Z column sum + va = "
                          "175 (relative error 0.125");
    assert_int_equal(rep.worst_col_node, 2);
    assert_true(rep.worst_row_balance == 0.0);
    ics_table_destroy(&t);
}

static void test_validate_negative_z(void **state)
{
    (void)state;
    ics_table *t = make_table();
    t->Z[0 + 3 * N] = -3.0;
    expect_invalid(t, "Z[US/fab -> CN/design] = -3");
    ics_table_destroy(&t);
}

static void test_validate_negative_x(void **state)
{
    (void)state;
    ics_table *t = make_table();
    t->x[1] = -200.0;
    expect_invalid(t, "x[US/design] = -200");
    ics_table_destroy(&t);
}

static void test_validate_nan_inf(void **state)
{
    (void)state;
    ics_table *t = make_table();
    t->Z[2 + 1 * N] = NAN;
    expect_invalid(t, "Z[CN/fab -> US/design] = nan is not a finite number");
    ics_table_destroy(&t);

    t = make_table();
    t->Y[3 + 1 * N] = -INFINITY;
    expect_invalid(t, "Y[CN/design, CN/household] = -inf is not a finite number");
    ics_table_destroy(&t);

    t = make_table();
    t->x[0] = INFINITY;
    expect_invalid(t, "x[US/fab] = inf is not a finite number");
    ics_table_destroy(&t);

    t = make_table();
    t->va[3] = NAN;
    expect_invalid(t, "va[CN/design] = nan is not a finite number");
    ics_table_destroy(&t);
}

static void test_validate_nan_from_csv(void **state)
{
    /* strtod accepts "nan" and "inf": the loader takes them, validation names them */
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL;
    frame z = z_frame(), y = y_frame();
    z.bad = "NaN";
    z.bad_r = 3;
    z.bad_c = 0;
    write_frame(dir, "Z.csv", &z, COMMA);
    write_frame(dir, "Y.csv", &y, COMMA);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    assert_int_equal(ics_table_validate(t, NULL, NULL, &err), ICS_EINPUT);
    assert_msg(err, "Z[CN/design -> US/fab] = nan");
    ics_table_destroy(&t);
}

static void test_validate_column_sum(void **state)
{
    (void)state;
    /* CN/design buys 120 of inputs for 100 of output, balanced by va = -20 */
    ics_table *t = make_table();
    t->Z[2 + 3 * N] += 40.0;
    t->Y[2 + 0 * N] -= 40.0;
    t->va[3] = -20.0;
    ics_validate_report rep = expect_invalid(t, "column sum of A at node CN/design is 1.2 >= 1");
    assert_int_equal(rep.max_colsum_node, 3);
    assert_near(rep.max_colsum_A, 1.2, 1e-15);
    assert_true(rep.spectral_radius == -1.0); /* not reached */
    ics_table_destroy(&t);

    /* exactly 1 (no value added) also fails */
    t = make_table();
    t->Z[2 + 3 * N] += 20.0;
    t->Y[2 + 0 * N] -= 20.0;
    t->va[3] = 0.0;
    expect_invalid(t, "column sum of A at node CN/design is 1 >= 1");
    ics_table_destroy(&t);
}

static void test_validate_zero_output(void **state)
{
    (void)state;
    /* isolated node with x = 0: allowed */
    ics_table *t = make_table();
    ics_error err = {0};
    ics_validate_report rep;
    for (int j = 0; j < N; ++j) {
        t->Z[3 + j * N] = 0.0;
        t->Z[j + 3 * N] = 0.0;
    }
    for (int k = 0; k < NY; ++k) t->Y[3 + k * N] = 0.0;
    t->x[3] = t->va[3] = 0.0;
    /* rebalance the others: put the removed flows into Y and va */
    for (int i = 0; i < 3; ++i) t->Y[i + 0 * N] += TZ[i][3];
    for (int j = 0; j < 3; ++j) t->va[j] += TZ[3][j];
    assert_int_equal(ics_table_validate(t, NULL, &rep, &err), ICS_OK);
    assert_int_equal(rep.zero_output_nodes, 1);

    /* ... but not when it still sells, buys, faces demand or creates value */
    t->Z[3 + 1 * N] = 5.0;
    expect_invalid(t, "node CN/design has x = 0 but sells Z[CN/design -> US/design] = 5");
    t->Z[3 + 1 * N] = 0.0;
    t->Z[0 + 3 * N] = 7.0;
    expect_invalid(t, "node CN/design has x = 0 but buys Z[US/fab -> CN/design] = 7");
    t->Z[0 + 3 * N] = 0.0;
    t->Y[3 + 1 * N] = 1.0;
    expect_invalid(t, "node CN/design has x = 0 but final demand Y[CN/design, CN/household] = 1");
    t->Y[3 + 1 * N] = 0.0;
    t->va[3] = 2.0;
    expect_invalid(t, "node CN/design has x = 0 but value added va = 2");
    ics_table_destroy(&t);
}

static void test_validate_labels(void **state)
{
    (void)state;
    ics_table *t = make_table();
    t->node_segment[3] = 0; /* CN/fab twice */
    expect_invalid(t, "duplicate node CN/fab (nodes 3 and 4)");
    t->node_segment[3] = 2;
    expect_invalid(t, "node 4 has segment index 2, outside 0..1");
    t->node_segment[3] = 1;
    t->node_region[0] = -1;
    expect_invalid(t, "node 1 has region index -1, outside 0..1");
    t->node_region[0] = 0;
    free(t->regions[1]);
    t->regions[1] = ics_strdup("US", NULL);
    expect_invalid(t, "region label 'US' appears twice");
    ics_table_destroy(&t);

    ics_error err = {0};
    t = ics_table_create(0, 0, 0, 0, &err);
    assert_non_null(t);
    assert_int_equal(ics_table_validate(t, NULL, NULL, &err), ICS_EINPUT);
    assert_msg(err, "table: the table has no nodes");
    ics_table_destroy(&t);
}

/* ---------------------------------------------------------------------------------------------
 * Spectral radius. For A >= 0 the radius is at most the largest column sum (the 1-norm), so
 * once the column-sum check has passed ics_table_validate cannot fail on the radius; the check
 * is exercised here on matrices whose eigenvalues are known.
 * ------------------------------------------------------------------------------------------- */

static void test_spectral_radius(void **state)
{
    (void)state;
    ics_error err = {0};
    double r;
    /* [[0, 2], [0.5, 0]]: eigenvalues +1 and -1 (column sums 0.5 and 2) */
    const double a1[4] = {0.0, 0.5, 2.0, 0.0};
    assert_int_equal(ics_table_spectral_radius(2, a1, 2, &r, &err), ICS_OK);
    assert_near(r, 1.0, 1e-14);
    /* a rotation: eigenvalues +i and -i */
    const double a2[4] = {0.0, 1.0, -1.0, 0.0};
    assert_int_equal(ics_table_spectral_radius(2, a2, 2, &r, &err), ICS_OK);
    assert_near(r, 1.0, 1e-14);
    /* Miller & Blair A = [[0.15, 0.25], [0.2, 0.05]] inside a 3 x 3 buffer (lda = 3):
     * trace 0.2, determinant -0.0425, so lambda = 0.1 +- sqrt(0.0525) */
    const double a3[9] = {0.15, 0.2, 99.0, 0.25, 0.05, 99.0, 99.0, 99.0, 99.0};
    assert_int_equal(ics_table_spectral_radius(2, a3, 3, &r, &err), ICS_OK);
    assert_near(r, 0.1 + sqrt(0.0525), 1e-14);
    assert_int_equal(ics_table_spectral_radius(0, a3, 3, &r, &err), ICS_EINTERNAL);
}

/* ---------------------------------------------------------------------------------------------
 * The Miller & Blair fixture and small helpers
 * ------------------------------------------------------------------------------------------- */

static void test_miller_blair_fixture(void **state)
{
    (void)state;
    ics_error err = {0};
    ics_table *t = NULL;
    ics_validate_report rep;
    assert_int_equal(ics_table_load(ICS_TEST_DATA "/mb2", &t, &err), ICS_OK);
    assert_int_equal(t->n, 2);
    assert_int_equal(t->nreg, 1);
    assert_int_equal(t->nseg, 2);
    assert_int_equal(t->ny, 1);
    assert_string_equal(t->regions[0], "R1");
    assert_string_equal(t->segments[1], "s2");
    assert_true(t->Z[0 + 1 * 2] == 500.0); /* z12: sector 1 sells 500 to sector 2 */
    assert_true(t->Z[1 + 0 * 2] == 200.0);
    assert_true(t->x[0] == 1000.0 && t->x[1] == 2000.0);
    assert_true(t->va[0] == 650.0 && t->va[1] == 1400.0);
    double y[2];
    ics_table_final_demand(t, y);
    assert_true(y[0] == 350.0 && y[1] == 1700.0);
    assert_int_equal(ics_table_validate(t, NULL, &rep, &err), ICS_OK);
    assert_true(rep.worst_row_balance == 0.0 && rep.worst_col_balance == 0.0);
    assert_int_equal(rep.max_colsum_node, 0);
    assert_near(rep.max_colsum_A, 0.35, 1e-15);
    /* the power iteration's bounds bracket the exact radius to within 0.1 % */
    const double rho = 0.1 + sqrt(0.0525);
    assert_true(rep.spectral_lower <= rho && rho <= rep.spectral_radius);
    assert_true(rep.spectral_radius - rep.spectral_lower <= 1e-3 * rep.spectral_radius);
    ics_table_destroy(&t);
}

static void test_helpers(void **state)
{
    (void)state;
    ics_table *t = make_table();
    char buf[8];
    assert_string_equal(ics_table_node_label(t, 1, buf, sizeof buf), "US/desi"); /* truncated */
    assert_string_equal(ics_table_node_label(t, 9, buf, sizeof buf), "?/?");
    assert_int_equal(ics_table_find_region(t, "CN"), 1);
    assert_int_equal(ics_table_find_region(t, "JP"), -1);
    assert_int_equal(ics_table_find_segment(t, "design"), 1);
    assert_int_equal(ics_table_find_segment(t, "Design"), -1);
    double y[N];
    ics_table_final_demand(t, y);
    for (int i = 0; i < N; ++i) assert_true(y[i] == TY[i][0] + TY[i][1]);
    ics_table_destroy(&t);
    ics_table_destroy(&t); /* NULL is fine */
    ics_table_destroy(NULL);
}

/* A table's unit: pymrio's unit.txt in a directory, the /table attributes of an .h5 table, the
 * built-in's declared unit; the display form puts the base year before " per ". */
static void test_units(void **state)
{
    const char *dir = *state;
    ics_error err = {0};
    ics_table *t = NULL, *u = NULL;
    char path[512], buf[128];
    write_full(dir);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    assert_null(t->unit);
    assert_string_equal(ics_table_unit(t, 0, buf, sizeof buf), "(table units)");
    ics_table_destroy(&t);

    snprintf(path, sizeof path, "%s/unit.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("region\tsector\tunit\n", f); /* as pymrio's IOSystem.save_all writes it */
    for (int i = 0; i < N; ++i) fprintf(f, "%s\t%s\tM.EUR\n", NODE_R[i], NODE_S[i]);
    fclose(f);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    assert_string_equal(t->unit, "M.EUR");
    assert_int_equal(t->base_year, 0);
    assert_string_equal(ics_table_unit(t, 0, buf, sizeof buf), "M.EUR");

    /* the unit and a base year survive the .h5 form */
    free(t->unit);
    t->unit = ics_strdup("million USD per year", &err);
    t->base_year = 2022;
    assert_string_equal(ics_table_unit(t, 0, buf, sizeof buf), "million USD (2022) per year");
    assert_string_equal(ics_table_unit(t, 1, buf, sizeof buf), "million USD (2022)");
    h5_path(dir, path, sizeof path);
    write_h5_table(t, path);
    assert_int_equal(ics_table_load(path, &u, &err), ICS_OK);
    assert_string_equal(u->unit, "million USD per year");
    assert_int_equal(u->base_year, 2022);
    ics_table_destroy(&u);
    {
        /* a variable-length string attribute, as h5py writes one */
        hid_t f5 = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), g = H5Gopen2(f5, "/table", H5P_DEFAULT);
        hid_t ty = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
        H5Tset_size(ty, H5T_VARIABLE);
        H5Adelete(g, "units");
        hid_t a = H5Acreate2(g, "units", ty, sp, H5P_DEFAULT, H5P_DEFAULT);
        const char *v = "kEUR per year";
        assert_true(H5Awrite(a, ty, &v) >= 0);
        H5Aclose(a), H5Sclose(sp), H5Tclose(ty), H5Gclose(g), H5Fclose(f5);
    }
    assert_int_equal(ics_table_load(path, &u, &err), ICS_OK);
    assert_string_equal(u->unit, "kEUR per year");
    ics_table_destroy(&u);
    ics_table_destroy(&t);

    /* one unit for the whole table */
    snprintf(path, sizeof path, "%s/unit.txt", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("region,sector,unit\nUS,fab,M.EUR\nUS,design,M.USD\n", f);
    fclose(f);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "unit.txt: line 3"));
    assert_non_null(strstr(err.msg, "M.USD"));
    assert_null(t);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("region,sector,unit\n", f);
    fclose(f);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "no unit rows"));

    /* the built-in table states its unit (docs/data.md) */
    assert_int_equal(ics_table_load("builtin", &t, &err), ICS_OK);
    assert_string_equal(ics_table_unit(t, 0, buf, sizeof buf), "million USD (2022) per year");
    ics_table_destroy(&t);
}

/* ---------------------------------------------------------------------------------------------
 * The parallel reader of large matrices (more than 4 MiB of rows, split between the threads):
 * the same numbers as the serial reader, and the same first error with its line number.
 * ------------------------------------------------------------------------------------------- */

enum { BIG = 700 };

/* A BIG-node table (7 regions x 100 segments, one final-demand column), CRLF line ends and a
 * blank line in the middle of Z; mutate(i, j, text) may replace the text of Z[i][j] and
 * label(i, which) the labels of row i (NULL: keep). extra/missing: one row more or less. */
typedef struct big_opts {
    int bad_i, bad_j;       /* Z[bad_i][bad_j] written as "x1" (-1: none) */
    int relabel_i;          /* row relabel_i carries the labels of row 3 (-1: none) */
    int extra, missing;
} big_opts;

static void write_big(const char *dir, big_opts o)
{
    char path[512];
    snprintf(path, sizeof path, "%s/Z.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    uint64_t s = 11;
    fprintf(f, "region,");
    for (int j = 0; j < BIG; ++j) fprintf(f, ",R%d", j / 100);
    fprintf(f, "\r\nsector,");
    for (int j = 0; j < BIG; ++j) fprintf(f, ",s%d", j % 100);
    fprintf(f, "\r\nregion,sector");
    for (int j = 0; j < BIG; ++j) fputc(',', f);
    fprintf(f, "\r\n");
    const int rows = BIG + o.extra - o.missing;
    for (int i = 0; i < rows; ++i) {
        const int li = i == o.relabel_i ? 3 : i % BIG;
        fprintf(f, "R%d,s%d", li / 100, li % 100);
        for (int j = 0; j < BIG; ++j) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            if (i == o.bad_i && j == o.bad_j)
                fprintf(f, ",x1");
            else
                fprintf(f, ",%.12g", (double)(s >> 11) * 0x1p-53 * 1000.0 / (1 + j % 7));
        }
        fprintf(f, i == BIG / 2 ? "\r\n\r\n" : "\r\n");
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/Y.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "region,,R0\ncategory,,final\nregion,sector,\n");
    for (int i = 0; i < BIG; ++i) fprintf(f, "R%d,s%d,%d\n", i / 100, i % 100, 5000 + i);
    fclose(f);
}

/* Load dir with 1 and with 3 threads: the same status, message and (when loaded) numbers. */
static void load_both(const char *dir, ics_status want, ics_error *out)
{
    ics_table *t1 = NULL, *t3 = NULL;
    ics_error e1 = {0}, e3 = {0};
    omp_set_num_threads(1);
    assert_int_equal(ics_table_load_dir(dir, &t1, &e1), want);
    omp_set_num_threads(3);
    assert_int_equal(ics_table_load_dir(dir, &t3, &e3), want);
    omp_set_num_threads(2);
    assert_string_equal(e1.msg, e3.msg);
    if (want == ICS_OK) {
        assert_memory_equal(t1->Z, t3->Z, sizeof *t1->Z * BIG * BIG);
        assert_memory_equal(t1->x, t3->x, sizeof *t1->x * BIG);
        assert_true(t1->Z[5 + (size_t)(BIG - 1) * BIG] > 0.0);
    }
    *out = e1;
    ics_table_destroy(&t1);
    ics_table_destroy(&t3);
}

static void test_parallel_reader(void **state)
{
    const char *dir = *state;
    ics_error e;
    write_big(dir, (big_opts){-1, -1, -1, 0, 0});
    load_both(dir, ICS_OK, &e);
    /* a bad number far into the file: line 3 header rows + 600 rows + the blank line */
    write_big(dir, (big_opts){600, 17, -1, 0, 0});
    load_both(dir, ICS_EINPUT, &e);
    assert_msg(e, "Z.csv:605: column R0/s17: 'x1' is not a number");
    /* a row with another node's labels (a duplicate: the parallel reader cannot place it) */
    write_big(dir, (big_opts){-1, -1, 650, 0, 0});
    load_both(dir, ICS_EINPUT, &e);
    assert_msg(e, "Z.csv:655: row label 'R0/s3' does not match node 651");
    write_big(dir, (big_opts){-1, -1, -1, 1, 0});
    load_both(dir, ICS_EINPUT, &e);
    assert_msg(e, "extra row 'R0/s0'");
    write_big(dir, (big_opts){-1, -1, -1, 0, 1});
    load_both(dir, ICS_EINPUT, &e);
    assert_msg(e, "has 699 data rows, expected 700");
}

int main(void)
{
#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, setup_dir, teardown_dir)
    const struct CMUnitTest tests[] = {
        DIR_TEST(test_load_comma_full),
        DIR_TEST(test_load_tab_crlf_short_no_x_no_va),
        DIR_TEST(test_load_tab_pandas_with_x_and_va),
        DIR_TEST(test_load_comma_short_header_with_names_row),
        DIR_TEST(test_load_quoted_labels_and_fields),
        DIR_TEST(test_load_x_other_forms),
        DIR_TEST(test_load_va_two_index_columns),
        DIR_TEST(test_load_dispatch_errors),
        DIR_TEST(test_load_missing_files),
        DIR_TEST(test_load_bad_numbers),
        DIR_TEST(test_load_mismatched_labels),
        DIR_TEST(test_duplicate_node),
        DIR_TEST(test_parallel_reader),
        DIR_TEST(test_h5_round_trip),
        DIR_TEST(test_units),
        DIR_TEST(test_h5_fixed_strings_and_indices),
        DIR_TEST(test_h5_missing_parts),
        cmocka_unit_test(test_validate_ok_and_report),
        cmocka_unit_test(test_validate_unbalanced_row),
        cmocka_unit_test(test_validate_unbalanced_column),
        cmocka_unit_test(test_validate_negative_z),
        cmocka_unit_test(test_validate_negative_x),
        cmocka_unit_test(test_validate_nan_inf),
        DIR_TEST(test_validate_nan_from_csv),
        cmocka_unit_test(test_validate_column_sum),
        cmocka_unit_test(test_validate_zero_output),
        cmocka_unit_test(test_validate_labels),
        cmocka_unit_test(test_spectral_radius),
        cmocka_unit_test(test_miller_blair_fixture),
        cmocka_unit_test(test_helpers),
    };
#undef DIR_TEST
    return cmocka_run_group_tests(tests, NULL, NULL);
}
