/* Dynamic-model defaults of table: builtin_world's frame industries (see ics_world_dynamics.h).
 * The classification follows the WIOD 2013 industry list (ISIC rev. 3; names in
 * core/table/builtin/world/wiod2011/SOURCE.md): the products of agriculture, mining and
 * manufacturing are goods that their buyers keep in stock; electricity, gas and water, construction
 * and services are produced when used and cannot be stocked (Hallegatte 2014, Risk Analysis 34(1):
 * "essential supplies that cannot be stocked (e.g., electricity, water)" against "supplies that can
 * be stocked at least temporarily (e.g., steel, chemicals)"), which ARIO represents as an
 * infinite inventory: the input never constrains production (BoARIO's
 * infinite_inventories_sect). */
#include "ics_world_dynamics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* c1..c16 goods (c14 is replaced by the chain), c17..c35 not stockable */
#define WORLD_FIRST_NONSTOCKABLE 17
#define WORLD_LAST_INDUSTRY 35

int ics_table_has_builtin_dynamics(const ics_table *t)
{
    return t && t->source && (!strcmp(t->source, "builtin") || !strcmp(t->source, "builtin_world") ||
                                 !strcmp(t->source, "builtin_physical"));
}

/* the WIOD industry number of a label "c1".."c35", or 0 */
static int wiod_industry(const char *segment)
{
    if (!segment || segment[0] != 'c' || segment[1] < '1' || segment[1] > '9') return 0;
    char *end = NULL;
    const long k = strtol(segment + 1, &end, 10);
    return (*end == '\0' && k >= 1 && k <= WORLD_LAST_INDUSTRY) ? (int)k : 0;
}

double ics_world_inventory_days(const ics_table *t, const char *segment)
{
    if (!t || !t->source || strcmp(t->source, "builtin_world")) return NAN;
    const int k = wiod_industry(segment);
    if (!k) return NAN;
    return k >= WORLD_FIRST_NONSTOCKABLE ? INFINITY : ICS_WORLD_GOODS_INVENTORY_DAYS;
}

int ics_world_nonstockable(const ics_table *t, const char *segment)
{
    return isinf(ics_world_inventory_days(t, segment)) != 0;
}
