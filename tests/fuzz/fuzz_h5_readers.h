/* What both HDF5 fuzz targets do with a file: the table reader (core/table/table_h5.c, `table: x.h5`)
 * and, when it accepts the file, the table validation; then what `run --resume` reads from a
 * partial result file (core/base/h5.c: root attributes config, scenarios, seed, block_size, complete;
 * /progress/block_done). After each reader every HDF5 object must be closed again. */
#ifndef ICS_FUZZ_H5_READERS_H
#define ICS_FUZZ_H5_READERS_H

#include "ics_h5.h"
#include "ics_table.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline void fuzz_check_no_open_objects(void)
{
    ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    if (open != 0) {
        fprintf(stderr, "fuzz: %zd HDF5 objects left open\n", open);
        abort();
    }
}

static inline void fuzz_read_h5(const char *path)
{
    ics_error err = {0};
    ics_table *t = NULL;
    if (ics_table_load_h5(path, &t, &err) == ICS_OK) {
        ics_validate_opts opts = ICS_VALIDATE_DEFAULTS;
        ics_validate_report rep;
        ics_error verr = {0};
        if (ics_table_validate(t, &opts, &rep, &verr) != ICS_OK && !verr.msg[0]) abort();
        ics_table_destroy(&t);
    } else if (t || !err.msg[0]) {
        abort();
    }
    if (getenv("ICS_FUZZ_VERBOSE")) fprintf(stderr, "table: %s\n", err.msg[0] ? err.msg : "ok");
    fuzz_check_no_open_objects();

    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f >= 0) {
        char *text = NULL;
        int64_t v = 0;
        unsigned char *flags = NULL;
        double *vals = NULL;
        int64_t cnt = 0;
        if (ics_h5_get_attr_str(f, "config", &text, &err) == ICS_OK) free(text);
        static const char *const ints[] = {"scenarios", "seed", "block_size", "complete"};
        for (size_t i = 0; i < sizeof ints / sizeof ints[0]; ++i)
            (void)ics_h5_get_attr_i64(f, ints[i], &v, &err);
        if (ics_h5_read_u8(f, "/progress/block_done", &flags, &cnt, &err) == ICS_OK) free(flags);
        if (ics_h5_read_doubles(f, "/scenarios/total_output_loss", &vals, &cnt, &err) == ICS_OK)
            free(vals);
        H5Fclose(f);
    }
    fuzz_check_no_open_objects();
}

#endif
