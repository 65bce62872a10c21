/* The physical-trade view of the built-in IC chain (`table: builtin_physical`; docs/data.md,
 * "Trade"). The built-in table books chips by the selling firm's headquarters (a US design house
 * sells the chip a Taiwanese fab made and a Malaysian plant packaged); customs record the chip
 * where it is shipped from. This view moves the chip vendors' nodes to their shipping sites and
 * shapes Taiwan's IC sales abroad after its customs statistics:
 *
 *  1. Relocation. For each chip segment (design_logic, memory, dao) and headquarters region h,
 *     the share m_l(h) of node (h, s)'s ATP purchases bought in region l is taken as the share of
 *     its chips shipped from l. Node (h, s) is split into pieces of output m_l(h)·x, whose sales
 *     (Z row and final demand) and inputs (Z column and value added) are m_l(h) times the node's,
 *     except that piece l buys all its ATP in l (a chip is shipped from the plant that packaged
 *     it); the pieces are summed into node (l, s). This is Z' = RᵀZR, Y' = RᵀY, x' = Rᵀx,
 *     va' = vaR with a row-stochastic R, plus an exchange of ATP inputs that keeps every row and
 *     column sum, so the result balances exactly as the headquarters table does.
 *  2. Taiwan's destinations. Each of Taiwan's chip, fab and ATP rows keeps its domestic sales
 *     and its total sales abroad; the latter are spread over the other regions in proportion to
 *     Taiwan's 2022 customs exports of HS 8542 by destination, with Hong Kong's re-exports to
 *     the mainland counted as exports to China (ics_physical.c gives the figures and sources).
 *  3. GRAS (ics_gras.h) rebalances [[Z', Y'], [va', 0]] to row sums [x'; Σva'] and column sums
 *     [x'; final demand by column of step 1], so outputs are those of step 1.
 *
 * Value added of the chip segments then sits at the shipping site, not with the firm: use the
 * headquarters table (`builtin`) for value added and firm questions (export controls act on
 * firms), this one for questions about where chips physically come from (outages act on sites). */
#ifndef ICS_PHYSICAL_H
#define ICS_PHYSICAL_H

#include "ics_table.h"

typedef struct ics_physical_report {
    int gras_iterations;   /* sweeps of the final GRAS */
    double gras_error;     /* its max relative margin error */
} ics_physical_report;

/* Turn a table with the built-in chain's regions and segments (labels US CN TW KR JP EU SEA ROW
 * and the 17 segment codes; any node order) into its physical-trade view, in place. rep may be
 * NULL. ICS_EINPUT when a label or node is missing; a chip node that buys no ATP stays where it
 * is. */
ics_status ics_table_physical_trade(ics_table *t, ics_physical_report *rep, ics_error *err);

#endif
