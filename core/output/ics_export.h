/* CSV export of a result file for users without an HDF5 reader: one tidy CSV per kind of result
 * (statistics, exceedance-probability curves, sensitivity indices, chokepoint ranking), every
 * number printed with %.17g so that reading it back gives the same double. */
#ifndef ICS_EXPORT_H
#define ICS_EXPORT_H

#include "ics_error.h"

#include <stdio.h>

/* Write DIR/statistics.csv, DIR/ep_curves.csv, DIR/sensitivity.csv and DIR/chokepoints.csv
 * (each only when the file has that group) from the result file `h5path`; DIR is created when
 * missing. The names of the files written go to `written` (comma-separated, caller's buffer of
 * `len` bytes). ICS_EINPUT when the file is not an icstress result; nothing is written then.
 * Serial; not thread-safe. */
ics_status ics_export_csv(const char *h5path, const char *dir, char *written, size_t len,
                          ics_error *err);

/* One CSV field (RFC 4180): quoted, with inner quotes doubled, when it holds a comma, a quote,
 * a tab or a line break, is empty, or starts or ends with a space (pandas and pymrio read it
 * back unchanged); as it is otherwise. */
void ics_csv_put_field(FILE *f, const char *s);

#endif
