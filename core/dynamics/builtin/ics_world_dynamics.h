/* Defaults of the dynamic models on table: builtin_world (docs/models.md, "On the world table"):
 * the built-in chain's per-segment parameters (ics_builtin_dynamics.h) hold for the chain nested
 * in the frame, and the frame's industries (WIOD 2013 c1..c35 but c14) get ARIO inventory targets
 * by whether their product can be stocked (BoARIO's infinite_inventories_sect; Hallegatte 2014). */
#ifndef ICS_WORLD_DYNAMICS_H
#define ICS_WORLD_DYNAMICS_H

#include "ics_table.h"

/* Days of use of a stockable frame product held by its buyers: BoARIO's main_inv_dur (90 days,
 * its default for every product; docs/models.md gives the sources). */
#define ICS_WORLD_GOODS_INVENTORY_DAYS 90.0

/* 1 when t carries the built-in chain's per-segment dynamics (dynamics.csv): table: builtin,
 * table: builtin_world and table: builtin_physical, whose chain segments are the built-in
 * table's. */
int ics_table_has_builtin_dynamics(const ics_table *t);

/* On table: builtin_world, the ARIO inventory target of the product of frame industry `segment`
 * in days of use: ICS_WORLD_GOODS_INVENTORY_DAYS for goods (c1..c16), INFINITY for products that
 * cannot be stocked (c17 electricity, gas and water; c18 construction; c19..c35 services).
 * NAN when t is not builtin_world or `segment` is not one of its frame industries (a chain
 * segment). Pure; thread-safe. */
double ics_world_inventory_days(const ics_table *t, const char *segment);

/* 1 when the frame industry `segment` of builtin_world has a non-stockable product (the NAN case
 * of ics_world_inventory_days gives 0). */
int ics_world_nonstockable(const ics_table *t, const char *segment);

#endif
