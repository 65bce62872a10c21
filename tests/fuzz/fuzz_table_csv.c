/* libFuzzer target: the pymrio text-table loader (core/table/table_csv.c) and the table validation.
 * The input is up to four files separated by a line "@@": Z.csv, then Y.csv, x.csv and VA.csv
 * (absent parts are absent files; a lone Z gets a fixed two-node Y). They are written into a
 * scratch directory, loaded with ics_table_load and, when that succeeds, validated. */
#include "fuzz_common.h"

#include "ics_table.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char default_y[] = "region,,R1\ncategory,,final_demand\nregion,sector,\n"
                                "R1,s1,350\nR1,s2,1700\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"Z.csv", "Y.csv", "x.csv", "VA.csv"};
    static const char sep[] = "\n@@\n";
    const char *dir = fuzz_scratch();
    char path[512];
    const uint8_t *p = data, *end = data + size;
    int k = 0;
    for (; k < 4 && p <= end; ++k) {
        const uint8_t *q = p;
        while (q + 4 <= end && memcmp(q, sep, 4) != 0) ++q;
        if (q + 4 > end) q = end;
        /* keep the part's own final newline */
        fuzz_write(dir, names[k], p, (size_t)(q - p) + (q < end), path, sizeof path);
        p = q + 4;
        if (q == end) {
            ++k;
            break;
        }
    }
    if (k == 1) fuzz_write(dir, names[k++], default_y, sizeof default_y - 1, path, sizeof path);
    for (; k < 4; ++k) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        unlink(path);
    }

    ics_error err = {0};
    ics_table *t = NULL;
    ics_status st = ics_table_load(dir, &t, &err);
    if (st == ICS_OK) {
        ics_validate_opts opts = ICS_VALIDATE_DEFAULTS;
        ics_validate_report rep;
        ics_error verr = {0};
        if (ics_table_validate(t, &opts, &rep, &verr) != ICS_OK && !verr.msg[0]) abort();
        ics_table_destroy(&t);
    } else if (t || !err.msg[0]) {
        abort();
    }
    return 0;
}
