/* The /table group of a result (output.table, docs/output-format.md): a copy of the table
 * (default), or everything but Z plus where Z is and the SHA-256 of the table's numbers, so
 * that a result of an 8,000-node table is not 512 MB of Z. The built-in table is always
 * copied (it has no path to refer to). */
#define _DEFAULT_SOURCE

#include "ics_table_cmd.h"
#include "ics_table.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

ics_status ics_run_write_table(const ics_config *cfg, const ics_table *t, hid_t f, ics_error *err)
{
    char abs[PATH_MAX], hex[65];
    if (!cfg->table_reference || !t->source || !strcmp(t->source, "builtin") ||
        !realpath(t->source, abs))
        return ics_table_write_h5(t, f, err);
    ics_status st = ics_table_sha256(t, hex, err);
    if (st != ICS_OK) return st;
    return ics_table_write_h5_ref(t, f, abs, hex, err);
}
