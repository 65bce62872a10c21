/* `icstress table convert DIR -o T.h5`: parse a text table once, validate it, and write it as
 * an HDF5 table (the /table group of a result file, which `table:` accepts), so that a big
 * table is not parsed again by every run. Written to T.h5.partial and renamed. */
#define _POSIX_C_SOURCE 200809L

#include "ics_options.h"
#include "ics_table_cmd.h"
#include "ics_table.h"

#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ics_cmd_table_convert(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    ics_status st = ICS_OK;
    const char *in = NULL, *out = NULL;
    ics_table *t = NULL;
    hid_t f = H5I_INVALID_HID;
    char partial[4096] = "";
    int made = 0;
    ics_args args; /* the options of `table convert` are in its table (drivers/commands.c) */
    ICS_TRY(ics_args_parse(ics_cmdspec_find("table convert"), argc, argv, &args, err));
    ICS_TRY(ics_args_operands(&args, 1, 1, err));
    in = args.operand[0];
    out = ics_args_str(&args, "output");
    if (!in || !out)
        ICS_FAIL(err, ICS_EINPUT, "usage: icstress table convert TABLE_DIR -o TABLE.h5");
    struct stat sb;
    if (stat(out, &sb) == 0)
        ICS_FAIL(err, ICS_EINPUT, "table convert: %s exists (remove it, or choose another name)",
                 out);
    ICS_TRY(ics_table_load(in, &t, err));
    ics_validate_report rep;
    ICS_TRY(ics_table_validate(t, NULL, &rep, err));
    if (ctx->rank == 0) {
        snprintf(partial, sizeof partial, "%s.partial", out);
        f = H5Fcreate(partial, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        if (f < 0) ICS_FAIL(err, ICS_EIO, "table convert: cannot create %s", partial);
        made = 1;
        ICS_TRY(ics_table_write_h5(t, f, err));
        const herr_t c = H5Fclose(f);
        f = H5I_INVALID_HID;
        if (c < 0) ICS_FAIL(err, ICS_EIO, "table convert: cannot write %s", partial);
        if (rename(partial, out) != 0)
            ICS_FAIL(err, ICS_EIO, "table convert: cannot rename %s to %s", partial, out);
        made = 0;
        if (!ctx->quiet)
            printf("converted %s -> %s: %d regions x %d segments, %d nodes, %d final-demand "
                   "columns\n", in, out, t->nreg, t->nseg, t->n, t->ny);
    }
done:
    if (f >= 0) H5Fclose(f);
    if (made) unlink(partial);
    ics_table_destroy(&t);
    return ics_status_exit_code(st);
}
