/* `icstress table ...`: table tools (balance a prior MRIO with GRAS). */
#ifndef ICS_TABLE_CMD_H
#define ICS_TABLE_CMD_H

#include "ics_config.h"
#include "ics_driver.h"
#include "ics_table.h"

#include <hdf5.h>

/* argv[0] = "table"; returns the process exit code (0, 1 or 2) with err set on failure. One
 * process only (under mpirun with more than one rank it refuses). */
int ics_cmd_table(ics_ctx *ctx, int argc, char **argv, ics_error *err);
/* `icstress table convert DIR -o T.h5` (drivers/cmd_table_convert.c); argv[0] = "convert". */
int ics_cmd_table_convert(ics_ctx *ctx, int argc, char **argv, ics_error *err);

/* Write /table of a run's result into f as output.table says (drivers/table_ref.c). */
ics_status ics_run_write_table(const ics_config *cfg, const ics_table *t, hid_t f, ics_error *err);

#endif
