/* `icstress report OUT.h5 [-o REPORT.html]`: the HTML report, written by the Python reader. */
#ifndef ICS_REPORT_CMD_H
#define ICS_REPORT_CMD_H

/* Replaces the process by `python3 -m icstress report ARGS` (argv[0] is "report"); called
 * before MPI starts, so it is not collective. Returns only when the interpreter cannot be
 * started, with exit code 1 after one stderr line. */
int ics_cmd_report(int argc, char **argv);

#endif
