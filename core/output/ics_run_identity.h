/* The identity of a run: everything that determines the numbers of a result file (config text,
 * table numbers, the build's numerical identity, seed, scenario count, block layout). It is
 * written into every result (root attributes `run_identity`, `table_sha256`, `config_sha256`),
 * and `--resume` accepts a partial file only when its identity equals the new run's, field by
 * field. No MPI here: the driver computes it on one rank and shares it. */
#ifndef ICS_RUN_IDENTITY_H
#define ICS_RUN_IDENTITY_H

#include "ics_error.h"

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ics_run_identity {
    char version[32];        /* icstress version (ICS_VERSION) */
    char blas_core[64];      /* the OpenBLAS core (kernels) in use: its last bits may differ */
    char config_sha256[65];  /* SHA-256 of the config text, as hex */
    char table_sha256[65];   /* ics_table_sha256 of the table */
    uint64_t seed;
    int64_t scenarios;
    int64_t block_size;
    int64_t blocks;
} ics_run_identity;

/* SHA-256 of len bytes as 64 lower-case hex digits (OpenSSL). ICS_EINTERNAL on failure. */
ics_status ics_sha256_hex(const void *data, size_t len, char hex[65], ics_error *err);

/* The `run_identity` text: one "key: value" line per field, in a fixed order. Returns the
 * length it needed (as snprintf). */
int ics_run_identity_format(const ics_run_identity *id, char *buf, size_t len);
/* Parse that text back. ICS_EINPUT naming `what` (the file) when a field is missing or bad. */
ics_status ics_run_identity_parse(const char *text, const char *what, ics_run_identity *id,
                                  ics_error *err);
/* 0 when equal; otherwise 1, with one phrase per differing field in `why` (joined by "; "),
 * e.g. "the table's numbers differ (sha256 1a2b3c4d5e6f... in the partial, ... now)". */
int ics_run_identity_diff(const ics_run_identity *was, const ics_run_identity *now, char *why,
                          size_t len);

/* Write the root attributes run_identity, config_sha256 and table_sha256 (collective when the
 * file is parallel: every process passes the same identity). */
ics_status ics_run_identity_write(hid_t file, const ics_run_identity *id, ics_error *err);
/* Read run_identity back; ICS_EIO when the attribute is missing (an older icstress). */
ics_status ics_run_identity_read(hid_t file, const char *what, ics_run_identity *id,
                                 ics_error *err);

#endif
