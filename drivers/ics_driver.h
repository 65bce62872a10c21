/* The icstress program: command-line verbs. Only drivers/ talk MPI and to the user. */
#ifndef ICS_DRIVER_H
#define ICS_DRIVER_H

#include "ics_error.h"
#include "ics_run_identity.h"
#include "ics_table.h"

#include <stdint.h>

/* The lock that makes a run the only writer of its output (drivers/output_guard.c). */
typedef struct ics_out_lock ics_out_lock;

typedef struct ics_ctx {
    int rank, size;        /* MPI rank and size (1 when not under mpirun) */
    int quiet;
    char threads_rule[96];  /* which rule chose the OpenMP thread count (ics_threads_configure) */
    ics_out_lock *out_lock; /* a lock the caller holds for the runs it makes (sensitivity) */
    int argc;              /* the program's command line, for the provenance of result files */
    char **argv;
    double run_compute_s;  /* set by ics_cmd_run: wall seconds of its compute phase (bench) */
    double run_loop_cpu_s; /* set by ics_cmd_run: CPU s of its block loop's busiest thread */
    const char *mpi_startup; /* what main set for Open MPI's start-up (icstress info) */
} ics_ctx;

/* Set the OpenMP thread count once at start-up: OMP_NUM_THREADS if set, else
 * SLURM_CPUS_PER_TASK, else the CPUs of the process's affinity mask (never more). */
void ics_threads_configure(ics_ctx *ctx);

int ics_cmd_run(ics_ctx *ctx, int argc, char **argv, ics_error *err);
int ics_cmd_validate(ics_ctx *ctx, int argc, char **argv, ics_error *err);
int ics_cmd_info(ics_ctx *ctx, int argc, char **argv, ics_error *err);
/* `export OUT.h5 --csv DIR` (drivers/cmd_export.c). */
int ics_cmd_export(ics_ctx *ctx, int argc, char **argv, ics_error *err);

/* A whole-string decimal integer; 1 on success. */
int ics_cli_parse_i64(const char *s, int64_t *v);
/* A whole-string unsigned decimal integer (a seed: the full 64-bit range, as in the config). */
int ics_cli_parse_u64(const char *s, uint64_t *v);
/* A scenario count in [1, ICS_MAX_SCENARIOS] (ics_config.h); 1 on success. */
int ics_cli_parse_scenarios(const char *s, int64_t *v);
/* Longest output path accepted: Open MPI 4.1's MPI-IO aborts (buffer overflow in its sharedfp
 * component) when the name given to H5Fcreate, OUT.partial, exceeds about 244 characters. */
#define ICS_OUT_PATH_MAX 230
/* The output path itself (no MPI): not empty, at most ICS_OUT_PATH_MAX characters, its name with
 * ".partial" within the file system's NAME_MAX, its directory existing, a directory and
 * writable, and itself not a directory (ICS_EINPUT with one line naming it otherwise). */
ics_status ics_cli_check_output_path(const char *out, ics_error *err);
/* Collective, before any computation; touches no file: rank 0 checks the path (above), refuses
 * an output that is one of the inputs (the config file, the table file or any file of the table
 * directory, compared by device and inode, also for OUT.partial and OUT.lock) and, unless force,
 * a file already at OUT. The same status and message on every rank. */
ics_status ics_output_guard(const ics_ctx *ctx, const char *out, const char *config,
                            const char *table, int force, ics_error *err);
/* Collective, once the inputs are checked and before the output is created, truncated or read
 * for --resume: rank 0 takes the lock OUT.lock for the whole run (unless ctx->out_lock is set:
 * the caller holds it) and checks again, under it, that no result appeared at OUT (unless
 * force). A second run on the same output is refused (ICS_EINPUT naming the holder's pid). *lk
 * is the lock on rank 0 (NULL elsewhere), to be released with ics_output_unlock after the
 * rename. */
ics_status ics_output_lock(const ics_ctx *ctx, const char *out, int force, ics_out_lock **lk,
                           ics_error *err);
/* Release and remove the lock; accepts NULL and clears the caller's pointer. */
void ics_output_unlock(ics_out_lock **lk);
/* Collective: the identity of a run (rank 0 digests the config text and the table, every rank
 * gets the result). */
ics_status ics_cli_run_identity(const ics_ctx *ctx, const char *config_text, const ics_table *t,
                                uint64_t seed, int64_t scenarios, int64_t block_size,
                                ics_run_identity *id, ics_error *err);
/* Collective, when *resuming: rank 0 opens OUT.partial read-only and compares its run_identity
 * with id. ICS_EINPUT with one line naming every differing field; *resuming = 0 with a warning
 * when the partial holds no finished block (unreadable, or killed before its layout); quiet = 2
 * omits that warning too (a first look before the lock, which a second call repeats). */
ics_status ics_cli_resume_check(const ics_ctx *ctx, const char *out, const ics_run_identity *id,
                                int quiet, int *resuming, ics_error *err);

/* Print the generic-BLAS-core warning on stderr (rank 0 only) when it applies. */
void ics_warn_blas_core(const ics_ctx *ctx);

/* The current UTC time as ISO 8601, "2026-12-06T22:47:59Z" (len >= 21). */
void ics_iso_now(char *buf, size_t len);

#endif
