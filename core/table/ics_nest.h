/* Nesting an IC-chain table inside a full-economy MRIO frame (docs/nesting.md).
 *
 * The frame's SECTOR (e.g. WIOD's "c14" or ICIO's "C26") is replaced, in every region, by the
 * chain table's segments. The frame's totals are kept: aggregating the nested table back over the
 * chain's segments gives the frame cell for cell, so the regions' gross output, value added and
 * final demand equal the frame's. Inside those totals the chain table is the prior:
 *   - segment outputs: x[r,k] = x_F[r,SECTOR] * x_C[r,k] / sum_k x_C[r,k] (fixed);
 *   - chain-to-chain flows: prior Z_C[(r,k),(q,l)];
 *   - the chain's sales to other sectors and to final demand in region q (the frame's SECTOR row)
 *     are split over k like the chain's own sales outside the chain to q (Y_C, its final demand);
 *   - other sectors' sales to the chain and value added (the frame's SECTOR column) are split over
 *     l like the chain's value added, which in a closed chain table is value added plus every input
 *     bought outside the chain.
 * The prior is then fitted, with the GRAS update (Junius & Oosterhaven 2003) applied in turn to
 * three families of constraints (frame cells, segment row sums, segment column sums; the
 * multi-constraint form of Lenzen, Gallego & Wood 2009), until every segment row and column sum
 * is its output within `tol`. The frame-cell family comes last in every sweep, so aggregation back
 * to the frame is exact to rounding. */
#ifndef ICS_NEST_H
#define ICS_NEST_H

#include "ics_table.h"

typedef struct ics_nest_opts {
    double tol;    /* max relative error of a segment's row or column balance (default 1e-11) */
    int max_iter;  /* sweeps before giving up (default 20000) */
    double mix;    /* weight in [0, 1) of the chain's output shares mixed into the shares that
                      split the frame's SECTOR row and column (default 0: the chain's own
                      outside sales and inputs only; > 0 gives every segment some sales to and
                      purchases from every other sector, which a frame whose SECTOR is broader
                      than the chain needs; see docs/nesting.md) */
} ics_nest_opts;
#define ICS_NEST_DEFAULTS {1e-11, 20000, 0.0}

typedef struct ics_nest_report {
    int iterations;           /* sweeps done */
    double max_rel_balance;   /* worst |row or column sum - x| / x over the chain's nodes */
    double max_rel_aggregate; /* worst |aggregated cell - frame cell| / max(|frame cell|, scale)
                                 where scale is 1e-12 * the frame's largest output */
    int filled_blocks;        /* region pairs whose chain block had no prior and got the
                                 outer product of output shares */
} ics_nest_report;

/* Nest `chain` into `frame`, replacing segment `sector` of the frame. The frame must hold every
 * (region, sector) pair once, the chain's regions must be the frame's (any order), the chain's
 * segment labels must not be other frame sectors, and the frame must be balanced within 1e-6.
 * The result's nodes are the frame's in its order with each region's SECTOR node replaced by the
 * chain's segments (chain order); its segments likewise; Y columns, unit and base year are the
 * frame's. ICS_EINPUT naming the table and label for inconsistent inputs or a fit that does not
 * converge. */
ics_status ics_table_nest(const ics_table *frame, const ics_table *chain, const char *sector,
                          const ics_nest_opts *opts, ics_table **out, ics_nest_report *rep,
                          ics_error *err);

/* Aggregate the segments `segs[0..nsegs-1]` of t into one segment `label` placed where the first
 * of them stood (sums of rows, columns, Y, x, va). All other segments and the order of nodes
 * are kept. Used to check a nested table against its frame. */
ics_status ics_table_aggregate_segments(const ics_table *t, const char *const *segs, int nsegs,
                                        const char *label, ics_table **out, ics_error *err);

/* Close every row balance x = Z1 + Y1 by the GRAS update of the row's final demand alone
 * (positive entries times f, negative ones divided by f): Z, x and va are not touched. For a
 * frame whose rows miss their output by rounding or truncation. ICS_EINPUT naming the node when a
 * row's final demand cannot reach x - Z1 (e.g. no final demand but a gap). *worst receives the
 * largest |gap| / x before closing. */
ics_status ics_table_close_rows_on_final_demand(ics_table *t, double *worst, ics_error *err);

/* 1 when t is known to be a full-economy table whose value added is GDP at basic prices:
 * table: builtin_world. Any other table (a directory written by `table nest`, a result file)
 * gets the GDP outputs when output.store names them. */
int ics_table_is_full_economy(const ics_table *t);

/* The mix weight of table: builtin_world (docs/nesting.md, docs/data.md). */
#define ICS_WORLD_MIX 0.1

/* table: builtin_world (core/table/builtin/world/): the WIOD 2011 frame embedded in the library
 * (balanced by `icstress table balance`, docs/data.md) with the built-in chain nested into c14. */
ics_status ics_table_builtin_world(ics_table **out, ics_error *err);
/* The embedded frame alone (for the rebuild test and `icstress table`). */
ics_status ics_table_world_frame(ics_table **out, ics_error *err);
/* The frame as embedded (generated core/table/builtin/world/world_frame_data.c), rows not closed. */
ics_status ics_table_world_frame_raw(ics_table **out, ics_error *err);

#endif
