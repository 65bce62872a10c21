/* The built-in IC-chain table as a loader of ics_table_load: the source "builtin", the
 * generated data of table_builtin_data.c with its unit and price year. */
#include "ics_table_loader_internal.h"

#include <string.h>

static int claims_builtin(const char *path, int is_dir)
{
    (void)is_dir;
    return strcmp(path, "builtin") == 0;
}

static ics_status load_builtin(const char *path, ics_table **out, ics_error *err)
{
    ics_status st = ICS_OK;
    (void)path;
    ICS_TRY(ics_table_builtin(out, err));
    /* its unit and price year: docs/data.md, "Layout and units" */
    (*out)->base_year = 2022;
    if (!((*out)->unit = ics_strdup("million USD per year", err))) {
        ics_table_destroy(out);
        ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    }
    return ICS_OK;
done:
    return st;
}

const ics__table_loader ics__table_loader_builtin = {"builtin", 0, claims_builtin, load_builtin};
