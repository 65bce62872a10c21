/* The MRIO table: regions, segments, nodes (region x segment pairs), Z, Y, x, VA.
 * Loaded from a pymrio-style table directory, from an icstress HDF5 file (/table group), or
 * from the embedded built-in IC-chain table; validated before any model is built from it. */
#ifndef ICS_TABLE_H
#define ICS_TABLE_H

#include "ics_error.h"

#include <hdf5.h>
#include <stdint.h>

typedef struct ics_table {
    int nreg;              /* number of distinct regions, in order of first appearance */
    int nseg;              /* number of distinct segments (sectors), in order of first appearance */
    int n;                 /* number of nodes */
    int ny;                /* number of final-demand columns */
    char **regions;        /* [nreg] owned strings */
    char **segments;       /* [nseg] owned strings */
    int *node_region;      /* [n] index into regions */
    int *node_segment;     /* [n] index into segments */
    char **y_region;       /* [ny] region label of each final-demand column (owned) */
    char **y_category;     /* [ny] category label of each final-demand column (owned) */
    double *Z;             /* [n*n] column-major: Z[i + j*n] = flow from node i to node j */
    double *Y;             /* [n*ny] column-major: Y[i + k*n] = final demand for node i, column k */
    double *x;             /* [n] gross output */
    double *va;            /* [n] value added (summed over VA rows) */
    char *source;          /* where it came from: directory, file or "builtin" (owned) */
    char *unit;            /* unit of Z, Y, x, va ("million USD per year"); NULL = not stated */
    int base_year;         /* price base year of `unit`; 0 = not stated */
} ics_table;

/* Allocate an empty table with room for the given sizes; labels NULL, arrays zeroed.
 * The caller fills labels (ics_strdup) and numbers. Returns NULL with err set on failure. */
ics_table *ics_table_create(int nreg, int nseg, int n, int ny, ics_error *err);
/* Free everything the table owns; accepts NULL and clears the caller's pointer. */
void ics_table_destroy(ics_table **t);

/* Load a table from `path`: "builtin", a directory in pymrio text layout (Z.csv|Z.txt, Y, optional
 * x, VA; comma or tab separated), or an .h5 file written by icstress (its /table group).
 * The result is not yet validated. Errors name the file, the line or label and the value. */
ics_status ics_table_load(const char *path, ics_table **out, ics_error *err);
ics_status ics_table_load_dir(const char *dir, ics_table **out, ics_error *err);
ics_status ics_table_load_h5(const char *file, ics_table **out, ics_error *err);
ics_status ics_table_builtin(ics_table **out, ics_error *err);

/* Write the table as the /table group of an open HDF5 file (INTERFACE.md layout:
 * regions, segments, node_region, node_segment (strings), Z (n,n) row-major = Z[i][j],
 * Y (n,ny), x (n), va (n), y_region, y_category). Call from one process only. */
ics_status ics_table_write_h5(const ics_table *t, hid_t file, ics_error *err);
/* The same without /table/Z: attributes Z_reference (ref_path: where the table is, absolute)
 * and Z_reference_sha256 (ref_sha256: ics_table_sha256 of the table) on /table instead
 * (output.table: reference; docs/output-format.md). Readers load Z from ref_path and check
 * the digest. */
ics_status ics_table_write_h5_ref(const ics_table *t, hid_t file, const char *ref_path,
                                  const char *ref_sha256, ics_error *err);

/* Validation options. */
typedef struct ics_validate_opts {
    double balance_rtol;   /* relative tolerance of x = Z1 + Y1 and x = 1'Z + va (default 1e-6) */
} ics_validate_opts;
#define ICS_VALIDATE_DEFAULTS {1e-6}

/* Diagnostics that validation computes (filled even when it fails, as far as it got). */
typedef struct ics_validate_report {
    double worst_row_balance;  /* max_i |x_i - (Z1+Y1)_i| / max(|x_i|, tiny) */
    int worst_row_node;
    double worst_col_balance;  /* max_j |x_j - (1'Z + va)_j| / max(|x_j|, tiny) */
    int worst_col_node;
    double max_colsum_A;       /* max_j sum_i a_ij */
    int max_colsum_node;
    double spectral_radius;    /* of A: an upper bound (ics_table_spectral_bounds); -1 when
                                * validation stopped before it */
    double spectral_lower;     /* a lower bound of the same */
    int spectral_steps;        /* power-iteration steps taken (0: not computed) */
    int zero_output_nodes;     /* nodes with x = 0 (allowed when their row, column, Y, va are 0) */
} ics_validate_report;

/* Check dimensions and labels, NaN/Inf, Z >= 0, the two balances, column sums of A < 1 and the
 * spectral radius of A < 1 (Hawkins-Simon), and that nodes with x = 0 are isolated.
 * Every failure is ICS_EINPUT with a message naming the source, the node label and the value. */
ics_status ics_table_validate(const ics_table *t, const ics_validate_opts *opts,
                              ics_validate_report *rep, ics_error *err);

/* The table's density: *nnz nonzero flows of Z (of n^2), and *links (product, client) pairs
 * (segment p, node j) with some z_ij != 0, i in p (of nseg x n): the pairs ARIO keeps inventory
 * and order state for. ICS_ENOMEM. */
ics_status ics_table_density(const ics_table *t, int64_t *nnz, int64_t *links, ics_error *err);

/* Spectral radius (largest eigenvalue modulus) of the n x n column-major matrix A with leading
 * dimension lda, from its eigenvalues (LAPACK dgeev on a copy; A is not modified). Used by
 * ics_table_validate; public so that the check can be tested on matrices whose radius is known.
 * ICS_ENUMERIC if dgeev fails. Thread-safe. */
ics_status ics_table_spectral_radius(int n, const double *A, int lda, double *radius,
                                     ics_error *err);

/* Bounds lower <= rho(A) <= upper of the spectral radius of A = Z diag(x)^-1 without a
 * factorisation: Collatz-Wielandt bounds of a power iteration on A^T from v = 1 (step 1 gives
 * the column sums), stopped when upper - lower <= 1e-3 upper or after at most 200 steps and
 * 2.5e9 multiply-adds (at least 5 steps). For a table that passes the other checks. Bounds 0
 * when memory is short. OpenMP-threaded; thread-safe. */
void ics_table_spectral_bounds(const ics_table *t, double *lower, double *upper, int *steps);

/* The table's unit for people and for the CF `units` attribute: the unit with its base year
 * ("million USD (2022) per year"; the year goes before " per " when there is one), or
 * "(table units)" when the table does not state one. stock = 1 drops a trailing " per year"
 * (a flow summed over the steps of a dynamic model is an amount). Returns buf. */
const char *ics_table_unit(const ics_table *t, int stock, char *buf, size_t len);
/* Read a pymrio unit file (unit.txt / unit.csv: header, then rows REGION, sector, unit; tab or
 * comma separated) into *unit (newly allocated). Every row must state the same unit. */
ics_status ics_table_read_unit_file(const char *path, char **unit, ics_error *err);

/* Node label "REGION/segment" into buf (always NUL-terminated). */
const char *ics_table_node_label(const ics_table *t, int i, char *buf, size_t len);
/* Index of a region / segment label, or -1. */
int ics_table_find_region(const ics_table *t, const char *label);
int ics_table_find_segment(const ics_table *t, const char *label);
/* A synthetic balanced, productive table for benchmarks and tests: nreg regions r0.. x nseg
 * segments s0.., one final-demand column, flows from Philox(seed) with every row and column of Z
 * below 60% of output (so x = Z1 + Y1 = 1'Z + va exactly up to rounding). */
ics_table *ics_table_random(int nreg, int nseg, uint64_t seed, ics_error *err);

/* SHA-256 of the table's numbers and labels, not of its path (core/table/table_digest.c), as 64
 * lower-case hex digits and a NUL in hex. The hashed bytes: the ASCII text
 * "icstress-table-sha256-v1\n"; n, ny, nreg, nseg; each region label, then each segment label;
 * node_region[i] and node_segment[i] for each node i; y_region[k] and y_category[k] for each
 * final-demand column k; then Z (n x n), Y (n x ny), x (n) and va (n) column-major (as stored
 * here). Integers are unsigned 64-bit little-endian; a label is its byte length (as such an
 * integer) then its bytes (no NUL; an absent label has length 0); a number is IEEE-754 binary64
 * little-endian, with -0.0 hashed as +0.0. So the same numbers read from CSV, from an icstress
 * .h5 file or from the built-in table give the same digest. ICS_EINTERNAL if OpenSSL fails.
 * Thread-safe; t is not modified. */
ics_status ics_table_sha256(const ics_table *t, char hex[65], ics_error *err);

/* Row sums of Y into y[n] (the final demand of each node). */
void ics_table_final_demand(const ics_table *t, double *y);

#endif
