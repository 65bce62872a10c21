/* Library-internal pieces of the ARIO model shared by core/dynamics/ario.c, core/dynamics/ario_config.c and its
 * tests: parsed parameters, and the begin/step/view entry points (the caller owns the loop:
 * ics_ario_block is begin + step for t = 0..T), used by tests and diagnostics. */
#ifndef ICS_ARIO_INTERNAL_H
#define ICS_ARIO_INTERNAL_H

#include "ics_dynamic.h"

typedef struct ics__ario_params {
    double alpha_max, tau_alpha, psi, tau_inventory, subst_share, subst_ramp;
    int order_base, recovery_curve;
} ics__ario_params;

/* Free the ario section's owned lists (ario_config.c); idempotent, clears the fields, so
 * ics_config_destroy may call it after anyone else has. */
void ics_ario_config_free(ics_config *cfg);

void ics__ario_params_get(const ics_config *cfg, ics__ario_params *p);
ics_status ics__ario_inventory(const ics_config *cfg, const ics_table *t, double *steps,
                               ics_error *err);

/* ne[p * nseg + q] = 1 when the stock of product p does not constrain the production of buyers
 * of segment q (the config's `essential_for`, else on table: builtin_world the chain's products and
 * c13, c15 constrain only the chain, c13 and c15; 0 everywhere on other tables). ICS_EINPUT for
 * an essential_for pattern that matches no segment. */
ics_status ics__ario_nonessential(const ics_config *cfg, const ics_table *t, unsigned char *ne,
                                  ics_error *err);

/* Per-segment physical limits (ario_config.c): out[nseg] from the config's values, the built-in
 * table's per-segment data (builtin accessor times scale) or def_all. */
struct ics_builtin_dyn;
ics_status ics__ario_segment_values(const ics_config *cfg, const ics_table *t,
                                    const ics_segvals *sv, const char *key, double def_all,
                                    double (*builtin)(const struct ics_builtin_dyn *),
                                    double scale, double *out, ics_error *err);
double ics__ario_builtin_amax(const struct ics_builtin_dyn *bd);
double ics__ario_builtin_lag(const struct ics_builtin_dyn *bd);
double ics__ario_builtin_requal(const struct ics_builtin_dyn *bd);

/* Rebuilding of destroyed capacity (docs/models.md, "Rebuilding"; ario_rebuild.c), the plan's
 * part. Nodes are ARIO's internal (segment-sorted) indices. A destroying shock is a
 * capacity_loss shock that selects a node with share > 0; it destroys share_i x theta of node i's
 * capacity at its start, and from its rebuild start (start + duration, or start without one)
 * orders the reconstruction from the suppliers u at the rate E_ku min(F_ku, 1/tau) per step,
 * where F_ku (state, 1 at first) is the share of the order on u still to deliver. */
typedef struct ics__ario_rebuild {
    int nk;           /* destroying shocks */
    int *shock;       /* [nk] their index among the config's shocks */
    int nsup;         /* reconstruction suppliers: the nodes of the segments with weight > 0 */
    int *sup;         /* [nsup] internal node index */
    double *keep;     /* [n] 1 - share_i: the part of a capacity loss that follows its schedule */
    double *kcap;     /* [n] capital value of each node (table units: capital_ratio x output/year) */
    double *E;        /* [nk * nsup] value shock k orders from supplier u per unit of its theta */
    int *eoff;        /* [nk + 1] entries of shock k: eoff[k] .. eoff[k+1]-1 */
    int *enode, *esup;/* [ne] damaged node, supplier slot (index into sup) */
    double *eval;     /* [ne] share_i c_ui: the share of node i's capacity that supplier u's part
                         of the order restores, per unit of theta and of F (sum_u c_ui = 1) */
    double itau;      /* 1 / tau_rebuild */
} ics__ario_rebuild;

/* The rebuilding plan of the config's `ario.rebuilding` (NULL when absent, or when no
 * capacity_loss shock destroys anything). perm, xbar: ARIO's internal order and baseline output
 * per step; spy steps per year. ICS_EINPUT for a label or pattern that names no segment, a segment
 * matched by two `sectors` entries, a destroyed node without capital or a rebuilding segment
 * without output. */
ics_status ics__ario_rebuild_create(const ics_config *cfg, const ics_table *t, const ics_dyn *d,
                                    const int *perm, const double *xbar, double spy,
                                    ics__ario_rebuild **out, ics_error *err);
void ics__ario_rebuild_destroy(ics__ario_rebuild **rb);

/* begin and step keep the whole block at once, so their workspace must hold
 * ics__ario_probe_bytes(d, b), more than ics_ario_ws_bytes (one chunk), whatever probe is
 * (and room for ics_ario_block on the same workspace, in any mode). */
size_t ics__ario_probe_bytes(const ics_dyn *d, int b);
void ics__ario_begin(const ics_dyn *d, int bb, ics_dyn_ws *w, int probe);
void ics__ario_step(const ics_dyn *d, int t, ics_dyn_ws *w);
const double *ics__ario_view(const ics_dyn *d, const ics_dyn_ws *w, const char *name);
const int *ics__ario_perm(const ics_dyn *d);

/* ics_ario_block runs the whole horizon for one chunk of scenarios at a time, so that the
 * chunk's state stays in cache; a scenario's results do not depend on the chunk. The plan picks
 * the chunk from n and s (the state within a core's L2); set_chunk overrides it (0 = the whole
 * block at once), for benchmarks, before any workspace is created (a workspace holds one
 * chunk: ics_ario_ws_bytes). */
int ics__ario_chunk(const ics_dyn *d);
void ics__ario_set_chunk(const ics_dyn *d, int chunk);

/* The two segment products of a step: kernels/segment.c (default) or, with blas = 1, grouped
 * DGEMM calls (the reference for tests and benchmarks; the same sums, in another order). */
void ics__ario_set_blas(const ics_dyn *d, int blas);

/* ics_ario_block keeps the inventory and order state only on the links, the (product p, client
 * j) pairs with some z_ij != 0, i in p, and takes the products over Z's nonzeros (the default
 * when at most half of the s n pairs are links; dense = 0 forces it, whatever the density);
 * dense = 1 keeps the dense s x n state with the dense kernels (the reference for tests and
 * benchmarks; the same sums without their zero terms: identical values), as does set_blas.
 * Set both before any workspace is created (ics_ario_ws_bytes sizes the state of the mode);
 * set_dense acts on the table draws' plans too and resets the chunk to the mode's default
 * (call set_chunk after it). ics__ario_links: the links, and Z's nonzeros
 * in *nnz (NULL: not wanted). */
void ics__ario_set_dense(const ics_dyn *d, int dense);
int ics__ario_links(const ics_dyn *d, int *nnz);
int ics__ario_uses_links(const ics_dyn *d); /* 1: ics_ario_block keeps the link state */

/* Work of one step of a block of b scenarios in which every shock acts, counted from the step's
 * loops and GEMMs: floating-point operations, and bytes the passes read and write (each array
 * counted once per pass that reads or writes it; the flows Z once per GEMM). */
double ics__ario_flops_per_step(const ics_dyn *d, int b);
double ics__ario_bytes_per_step(const ics_dyn *d, int b);

#endif
