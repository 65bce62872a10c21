/* Early, clean stops of a run (drivers/stop.c): signals and --max-time. */
#ifndef ICS_STOP_H
#define ICS_STOP_H

#include <stdatomic.h>
#include <stddef.h>

/* Catch SIGTERM, SIGINT and SIGUSR1 (see stop.c for what each does); with max_time_s > 0 also stop taking blocks when the run
 * has used max_time_s minus a reserve for the blocks in flight and the statistics (10 %, at
 * least 2 s). ics_stop_uninstall restores the default actions, or
 * ignores these signals from then on when the run was stopped (it is exiting with status 3). */
void ics_stop_install(double max_time_s);
void ics_stop_uninstall(int stopped);
/* Non-zero once a stop was asked for (async-signal flag or deadline). */
int ics_stop_requested(void);
/* Non-zero after SIGTERM or SIGINT: the blocks in flight are to be dropped, not finished. */
int ics_stop_urgent(void);
/* The flag behind ics_stop_urgent, for the models to poll at every step (ics_dyn_ws.cancel). */
const atomic_int *ics_stop_cancel_flag(void);
/* What asked for the stop: "SIGTERM", "--max-time", ... */
const char *ics_stop_reason(char *buf, size_t len);
/* "3600", "90s", "15m", "1h30m", "HH:MM:SS", "MM:SS"; 1 on success. */
int ics_parse_duration(const char *s, double *seconds);

#endif
