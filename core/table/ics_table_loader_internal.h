/* Table loaders as ics_table_load sees them (table.c): each format says which sources are its
 * own and loads them; table_loaders.c lists them in the order they are asked, one line each.
 * table.c keeps the checks every source shares (empty path, missing file) and the message for
 * a source no loader claims. */
#ifndef ICS_TABLE_LOADER_INTERNAL_H
#define ICS_TABLE_LOADER_INTERNAL_H

#include "ics_table.h"

typedef struct ics__table_loader {
    const char *name;  /* for messages and tests: "builtin", "pymrio", "hdf5" */
    int on_disk;       /* 0: claims a name, asked before the path is looked up on disk;
                          1: claims an existing path (is_dir: the path is a directory) */
    int (*claims)(const char *path, int is_dir);
    ics_status (*load)(const char *path, ics_table **out, ics_error *err);
} ics__table_loader;

/* The registered loaders, NULL-terminated (table_loaders.c). */
extern const ics__table_loader *const ics__table_loaders[];

/* The loaders (builtin/builtin_loader.c, table_world.c, table_csv.c, table_h5.c). */
extern const ics__table_loader ics__table_loader_builtin, ics__table_loader_builtin_world,
    ics__table_loader_pymrio, ics__table_loader_h5;
/* builtin/physical_trade.c: the built-in chain in its physical-trade view */
extern const ics__table_loader ics__table_loader_builtin_physical;

#endif
