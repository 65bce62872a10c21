/* `icstress export OUT.h5 --csv DIR`: the results of a file as tidy CSV files (core/output/export_csv.c).
 * Rank 0 writes; under mpirun the other ranks only wait for its status. */
#include "ics_driver.h"
#include "ics_export.h"
#include "ics_options.h"

#include <mpi.h>
#include <stdio.h>
#include <string.h>

int ics_cmd_export(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    ics_args a;
    if (ics_args_parse(ics_cmdspec_find("export"), argc, argv, &a, err) != ICS_OK) return 2;
    const char *in = a.operand[0], *dir = ics_args_str(&a, "csv");
    if (a.noperands > 1) {
        ics_error_set(err, ICS_EINPUT, "export: unexpected argument '%s' (usage: icstress "
                      "export OUT.h5 --csv DIR)", a.operand[1]);
        return 2;
    }
    if (!in || !dir) {
        ics_error_set(err, ICS_EINPUT, "usage: icstress export OUT.h5 --csv DIR");
        return 2;
    }
    int code = ICS_OK;
    char written[256];
    if (ctx->rank == 0) {
        code = ics_export_csv(in, dir, written, sizeof written, err);
        if (code == ICS_OK && !ctx->quiet) printf("icstress: wrote %s in %s\n",
                                                  *written ? written : "nothing", dir);
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (code != ICS_OK && ctx->rank != 0) ics_error_set(err, (ics_status)code, "export failed on rank 0");
    return code == ICS_OK ? 0 : code == ICS_EINPUT ? 2 : 1;
}
