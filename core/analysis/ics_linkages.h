/* Chokepoint analysis of an MRIO table (docs/chokepoints.md): Rasmussen (1956) linkages and the
 * key-sector classification, hypothetical extraction (Miller & Blair 2009 §12.2; Dietzenbacher &
 * Lahr 2013) in closed form and by explicit solves, the `chokepoints:` config section, and the
 * per-node disruption ensemble with the dynamic model and its summary statistics.
 * Everything here is pure (no MPI, no printing); drivers/cmd_chokepoints.c distributes nodes. */
#ifndef ICS_LINKAGES_H
#define ICS_LINKAGES_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_model.h"
#include "ics_table.h"

#include <stdint.h>

/* ---- linkages --------------------------------------------------------------------------- */

/* Key-sector classes (Miller & Blair 2009, §12.1.5), the codes stored in /chokepoints/key_class. */
typedef enum ics_key_class {
    ICS_KEY_WEAK = 0,      /* BL <= 1 and FL <= 1 */
    ICS_KEY_BACKWARD = 1,  /* BL > 1 only: strongly dependent on inputs from the chain */
    ICS_KEY_FORWARD = 2,   /* FL > 1 only: strongly depended upon by the chain */
    ICS_KEY_KEY = 3        /* BL > 1 and FL > 1 */
} ics_key_class;

/* Normalised linkages from the n x n column-major inverses L = (I - A)^-1 and G = (I - B)^-1:
 *   bl[j]          = n * sum_i L_ij / sum_ij L_ij    Rasmussen's power of dispersion (backward);
 *   fl[i]          = n * sum_j G_ij / sum_ij G_ij    forward linkage from the Ghosh inverse, the
 *                    definition Miller & Blair (2009, §12.1.3) recommend (and we use);
 *   fl_leontief[i] = n * sum_j L_ij / sum_ij L_ij    Rasmussen's sensitivity of dispersion (the
 *                    older row-sum-of-L variant). Any output pointer may be NULL.
 * All inputs borrowed; thread-safe. ICS_EINPUT when n < 1 or a sum is not positive. */
ics_status ics_linkages(int n, const double *L, const double *G, double *bl, double *fl,
                        double *fl_leontief, ics_error *err);

/* Class of a node from its normalised backward and forward linkages (> 1 = above average). */
ics_key_class ics_key_classify(double bl, double fl);
/* "key", "backward", "forward", "weak". */
const char *ics_key_class_name(int c);

/* ---- hypothetical extraction -------------------------------------------------------------- */

/* Losses of total gross output 1'x - 1'x_bar when node j is hypothetically extracted, for every
 * node j, with x = L y the baseline (the caller passes the table's x and y = Y 1 and L):
 *   total[j]    remove row and column j of A and y_j; x_bar solves the reduced (n-1) system.
 *               Closed form (the inverse of a principal submatrix from the Schur complement of
 *               L_jj, i.e. the Sherman-Morrison-Woodbury rank-2 update): total = c_j x_j / L_jj,
 *               c_j = sum_i L_ij the output multiplier.
 *   backward[j] remove column j of A (a_.j = 0), keep y: Sherman-Morrison with u = a_.j, v = e_j,
 *               and L a_.j = L e_j - e_j, gives x_bar = x - (L e_j - e_j) x_j / L_jj and the loss
 *               (c_j - 1) x_j / L_jj.
 *   forward[j]  remove row j of A (a_j. = 0), keep y: x_bar = x - L e_j (x_j - y_j) / L_jj, the
 *               loss c_j (x_j - y_j) / L_jj (demand-driven model, as specified in issue 5).
 *   forward_ghosh[j] the supply-side measure of Miller & Blair (2009, §12.2.3): remove row j of
 *               B, keep v, x_bar' = v'(I - B_bar)^-1; loss (sum_k L_jk x_k - x_j) / L_jj.
 * Each is O(n) per node after L: O(n^2) in all. x must satisfy x = L y (a balanced table) for the
 * closed forms to equal the solves. Any output pointer may be NULL. Thread-safe. */
ics_status ics_extraction(int n, const double *L, const double *x, const double *y, double *total,
                          double *backward, double *forward, double *forward_ghosh,
                          ics_error *err);

/* The same four measures by explicit LU solves (LAPACK dgesv) of each modified system, from A
 * (column-major), x, y and v; O(n^4) in all, for checks (tests, `--exact`). B is formed from A
 * and x (b_ij = a_ij x_j / x_i; 0 for x_i = 0). ICS_ENUMERIC if a modified system is singular. */
ics_status ics_extraction_solve(int n, const double *A, const double *x, const double *y,
                                const double *v, double *total, double *backward, double *forward,
                                double *forward_ghosh, ics_error *err);

/* ---- the `chokepoints:` config section ----------------------------------------------------- */

typedef struct ics_chokepoint_opts {
    ics_model_kind model;  /* diim (default) or ario */
    int64_t scenarios;     /* per node, default 256 */
    ics_dist loss;         /* severity: the capacity loss share, default uniform(0.2, 0.8) */
    int ndur;              /* duration alternatives (steps at full strength), default {13} */
    int *durations;        /* [ndur] owned */
    double *dur_weights;   /* [ndur] owned, sum 1 (default equal) */
    int recovery;          /* linear ramp back after the duration (steps), default 0 */
    int start;             /* first step of the disruption, default 0 */
    int horizon;           /* steps (default: the config's horizon) */
    double cvar_level;     /* default 0.95 */
    int top;               /* rows of the terminal table, default 20 */
    char **regions; int nregions;    /* nodes to disrupt: labels or globs (0 = all) */
    char **segments; int nsegments;
    int line;              /* line of the section (0 = absent) */
    int loss_line;         /* line of `loss` (or of the section), for messages */
} ics_chokepoint_opts;

/* Read the config file `path`: the `chokepoints:` section (schema in docs/chokepoints.md) into
 * *opts and everything else through ics_config_parse into *cfg (the section is blanked out of
 * the text it parses, so line numbers stay those of the file; cfg->text keeps the whole file).
 * Applies the section to cfg: model, horizon. Errors are ICS_EINPUT "FILE:LINE: ...". */
ics_status ics_chokepoint_load(const char *path, ics_config **cfg, ics_chokepoint_opts **opts,
                               ics_error *err);
void ics_chokepoint_opts_destroy(ics_chokepoint_opts **o);
/* Nodes the ensemble disrupts (mask[n], 1 = selected); ICS_EINPUT for a label matching none. */
ics_status ics_chokepoint_select(const ics_config *cfg, const ics_chokepoint_opts *o,
                                 const ics_table *t, unsigned char *mask, ics_error *err);

/* ---- the disruption ensemble of one node ---------------------------------------------------- */

/* Run the ensemble in which node `node` alone loses a share `loss` of its capacity from step
 * `start` for one of the duration alternatives (scenarios apportioned to the weights by largest
 * remainder, in order), with the dynamic model o->model over o->horizon steps, and store in
 * loss[s] (s = 0 .. o->scenarios-1) the system loss of scenario s: the cumulative output loss
 * summed over all nodes (table units; the `total_output_loss` of `icstress run`), and in own[s]
 * (when own is not NULL) the part of it borne by the disrupted node itself; loss - own is the
 * spillover to the rest of the chain.
 * The sampled severities depend on the seed and s only (the same draws for every node: common
 * random numbers). cfg is read only (a shallow copy carries the node's shock), so calls for
 * different nodes may run in parallel threads; BLAS should be single-threaded. */
ics_status ics_chokepoint_node(const ics_config *cfg, const ics_chokepoint_opts *o,
                               const ics_table *t, const ics_model *m, int node, double *loss,
                               double *own, ics_error *err);

/* Build (and free) the plans of the ensemble of `node` without running it, so that input errors
 * (a loss law outside [0, 1], a start beyond the horizon, DIIM coefficients out of range) surface
 * before any output exists. Same threading notes as ics_chokepoint_node. */
ics_status ics_chokepoint_check(const ics_config *cfg, const ics_chokepoint_opts *o,
                                const ics_table *t, const ics_model *m, int node, ics_error *err);

/* ---- summaries and ranking ------------------------------------------------------------------ */

typedef struct ics_loss_summary {
    double mean, sd, se;   /* mean, sample sd (N - 1), Monte Carlo standard error sd / sqrt(N) */
    double cvar;           /* expected shortfall at `level` (Acerbi & Tasche 2002, as finalstats) */
    double q05, q50, q95;  /* R-7 quantiles */
    double min, max;
} ics_loss_summary;

/* Summary of N values (not modified); scratch holds N doubles. Definitions of
 * ics_finalstats.h (R-7 quantiles; ES_a with the boundary observation's fractional weight). */
void ics_loss_summarize(const double *v, int64_t N, double level, double *scratch,
                        ics_loss_summary *out);

/* rank[i] = 1 + the number of selected nodes with a larger value (ties by node index); 0 for
 * nodes not selected (sel[i] = 0 or sel NULL = all selected) or with a NaN value. */
void ics_rank_desc(int n, const double *v, const unsigned char *sel, int *rank);

#endif
