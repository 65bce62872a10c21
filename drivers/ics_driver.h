/* The icstress program: command-line verbs. Only drivers/ talk MPI and to the user. */
#ifndef ICS_DRIVER_H
#define ICS_DRIVER_H

#include "ics_error.h"

#include <stdint.h>

typedef struct ics_ctx {
    int rank, size;        /* MPI rank and size (1 when not under mpirun) */
    int quiet;
    int argc;              /* the program's command line, for the provenance of result files */
    char **argv;
} ics_ctx;

int ics_cmd_run(ics_ctx *ctx, int argc, char **argv, ics_error *err);
int ics_cmd_validate(ics_ctx *ctx, int argc, char **argv, ics_error *err);
int ics_cmd_info(ics_ctx *ctx, int argc, char **argv, ics_error *err);
/* `export OUT.h5 --csv DIR` (drivers/cmd_export.c). */
int ics_cmd_export(ics_ctx *ctx, int argc, char **argv, ics_error *err);

/* A whole-string decimal integer; 1 on success. */
int ics_cli_parse_i64(const char *s, int64_t *v);
/* The output's directory must exist and be writable (ICS_EINPUT naming it otherwise). */
ics_status ics_cli_check_output_path(const char *out, ics_error *err);

/* Print the generic-BLAS-core warning on stderr (rank 0 only) when it applies. */
void ics_warn_blas_core(const ics_ctx *ctx);

#endif
