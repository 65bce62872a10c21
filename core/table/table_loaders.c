/* The table formats ics_table_load knows, in the order it asks them (one line per loader). */
#include "ics_table_loader_internal.h"

#include <stddef.h>

const ics__table_loader *const ics__table_loaders[] = {
    &ics__table_loader_builtin,
    &ics__table_loader_builtin_world,
    &ics__table_loader_builtin_physical,
    &ics__table_loader_pymrio,
    &ics__table_loader_h5,
    NULL,
};
