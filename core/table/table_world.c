/* table: builtin_world (docs/data.md, "The world table"): the embedded WIOD 2011 frame
 * (core/table/builtin/world/, 8 regions x 35 industries, million USD of 2011) with its row
 * balances closed on final demand, and the built-in IC chain nested into c14, "Electrical and
 * optical equipment" (ISIC rev.3 30-33), with ics_table_nest. */
#include "ics_nest.h"
#include "ics_table_loader_internal.h"
#include "ics_world_scale.h"

#include <stdlib.h>
#include <string.h>

ics_status ics_table_world_frame(ics_table **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_table *t = NULL;
    *out = NULL;
    ICS_TRY(ics_table_world_frame_raw(&t, err));
    ICS_TRY(ics_table_close_rows_on_final_demand(t, NULL, err));
    *out = t;
    t = NULL;
done:
    ics_table_destroy(&t);
    return st;
}

ics_status ics_table_builtin_world(ics_table **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_table *F = NULL, *C = NULL, *N = NULL;
    *out = NULL;
    ICS_TRY(ics_table_world_frame_2022(&F, err)); /* WIOD 2011 scaled to 2022 by region */
    ICS_TRY(ics_table_builtin(&C, err));
    ics_nest_opts o = ICS_NEST_DEFAULTS;
    o.mix = ICS_WORLD_MIX;
    ICS_TRY(ics_table_nest(F, C, "c14", &o, &N, NULL, err));
    free(N->source);
    if (!(N->source = ics_strdup("builtin_world", err))) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    *out = N;
    N = NULL;
done:
    ics_table_destroy(&F);
    ics_table_destroy(&C);
    ics_table_destroy(&N);
    return st;
}

int ics_table_is_full_economy(const ics_table *t)
{
    return t && t->source && !strcmp(t->source, "builtin_world");
}

/* The source "builtin_world" as a loader of ics_table_load (table_loaders.c). */
static int claims_world(const char *path, int is_dir)
{
    (void)is_dir;
    return strcmp(path, "builtin_world") == 0;
}

static ics_status load_world(const char *path, ics_table **out, ics_error *err)
{
    (void)path;
    return ics_table_builtin_world(out, err);
}

const ics__table_loader ics__table_loader_builtin_world = {"builtin_world", 0, claims_world,
                                                           load_world};
