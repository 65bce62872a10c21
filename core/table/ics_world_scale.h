/* Scaling a multi-regional table to another year by region (docs/data.md, "Scaling to the
 * chain's base year"), and the WIOD 2011 frame of builtin_world scaled to 2022.
 *
 * Each region r gets a factor f_r (e.g. its nominal GDP in USD in the target year over the base
 * year). The table's own cells are the prior; GRAS (ics_gras.h) fits
 *     [[Z,  Y ],      rows:    x_i·f_r(i) (node i of region r(i)),  GDP_r·f_r (value added of r)
 *      [VA_r, 0]]     columns: x_j·f_r(j),  final demand of column k: FD_k·f_r(k)·c
 * where VA_r is the value-added row of region r (its nodes' value added, zeros elsewhere) and
 * c = Σ_r GDP_r·f_r / Σ_k FD_k·f_r(k) makes the two grand totals agree (regions' trade balances
 * scale with their own factors otherwise). So every node's output and every region's value added
 * grow by exactly the region's factor, the table stays balanced, and the structure (input
 * coefficients, trade shares) moves only as far as the new margins require. Rows are then closed
 * on final demand and value added set to x − 1ᵀZ, so the result balances to rounding. */
#ifndef ICS_WORLD_SCALE_H
#define ICS_WORLD_SCALE_H

#include "ics_table.h"

/* Scale t in place: factor[k] (> 0) for the region labelled regions[k], k < nf; every region of t
 * must be listed. ICS_EINPUT for an unlisted region or a factor <= 0; GRAS failures as in
 * ics_gras_solve. */
ics_status ics_table_scale_regions(ics_table *t, const char *const *regions, const double *factor,
                                   int nf, ics_error *err);

/* The regional factors of the WIOD 2011 frame to 2022, f[8] in the order of regions[8] (US CN TW
 * KR JP EU SEA ROW): World Bank WDI GDP in current USD, 2022 / 2011
 * (core/table/builtin/world/world_scale.c gives the figures). regions may be NULL. */
void ics_world_scale_factors(double f[8], const char **regions);

/* The embedded WIOD 2011 frame (ics_table_world_frame) scaled to 2022 with those factors;
 * base_year 2022. This is the frame that table: builtin_world nests the chain into. */
ics_status ics_table_world_frame_2022(ics_table **out, ics_error *err);

#endif
