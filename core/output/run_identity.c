/* The identity of a run (see ics_run_identity.h): its text form, comparison and HDF5 attributes. */
#include "ics_run_identity.h"
#include "ics_h5.h"

#include <inttypes.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ics_status ics_sha256_hex(const void *data, size_t len, char hex[65], ics_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        return ics_error_set(err, ICS_EINTERNAL, "computing a SHA-256 digest failed (OpenSSL)");
    for (unsigned i = 0; i < 32; ++i) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return ICS_OK;
}

int ics_run_identity_format(const ics_run_identity *id, char *buf, size_t len)
{
    return snprintf(buf, len,
                    "icstress_version: %s\nblas_core: %s\nconfig_sha256: %s\ntable_sha256: %s\n"
                    "seed: %" PRIu64 "\nscenarios: %" PRId64 "\nblock_size: %" PRId64
                    "\nblocks: %" PRId64 "\n",
                    id->version, id->blas_core, id->config_sha256, id->table_sha256, id->seed,
                    id->scenarios, id->block_size, id->blocks);
}

/* The value of "key: " at the start of a line of text, up to the line's end, into out. */
static int field(const char *text, const char *key, char *out, size_t len)
{
    const size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) != 0 || p[kl] != ':' || p[kl + 1] != ' ') continue;
        const char *v = p + kl + 2, *e = strchr(v, '\n');
        const size_t vl = e ? (size_t)(e - v) : strlen(v);
        if (vl + 1 > len) return 0;
        memcpy(out, v, vl);
        out[vl] = '\0';
        return 1;
    }
    return 0;
}

ics_status ics_run_identity_parse(const char *text, const char *what, ics_run_identity *id,
                                  ics_error *err)
{
    static const char *const keys[] = {"icstress_version", "blas_core", "config_sha256",
                                       "table_sha256", "seed", "scenarios", "block_size", "blocks"};
    char num[4][32];
    memset(id, 0, sizeof *id);
    char *const strs[4] = {id->version, id->blas_core, id->config_sha256, id->table_sha256};
    const size_t lens[4] = {sizeof id->version, sizeof id->blas_core, sizeof id->config_sha256,
                            sizeof id->table_sha256};
    for (int k = 0; k < 8; ++k) {
        const int ok = k < 4 ? field(text, keys[k], strs[k], lens[k])
                             : field(text, keys[k], num[k - 4], sizeof num[k - 4]);
        if (!ok)
            return ics_error_set(err, ICS_EINPUT, "%s: its run_identity has no valid '%s' "
                                 "(damaged?)", what, keys[k]);
    }
    char *end;
    id->seed = strtoull(num[0], &end, 10);
    int bad = *end != '\0';
    id->scenarios = strtoll(num[1], &end, 10), bad |= *end != '\0';
    id->block_size = strtoll(num[2], &end, 10), bad |= *end != '\0';
    id->blocks = strtoll(num[3], &end, 10), bad |= *end != '\0';
    if (bad) return ics_error_set(err, ICS_EINPUT, "%s: its run_identity holds a bad number", what);
    return ICS_OK;
}

static void append(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *why, size_t len, const char *fmt, ...)
{
    const size_t used = strlen(why);
    if (used + 3 >= len) return;
    if (used) strcat(why, "; ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why + strlen(why), len - strlen(why), fmt, ap);
    va_end(ap);
}

int ics_run_identity_diff(const ics_run_identity *was, const ics_run_identity *now, char *why,
                          size_t len)
{
    why[0] = '\0';
    /* digests are shown by their first 12 digits: enough to tell them apart */
    if (strcmp(was->table_sha256, now->table_sha256))
        append(why, len, "the table's numbers differ (sha256 %.12s... in the partial, %.12s... now)",
               was->table_sha256, now->table_sha256);
    if (strcmp(was->config_sha256, now->config_sha256))
        append(why, len, "the config text differs (sha256 %.12s... in the partial, %.12s... now)",
               was->config_sha256, now->config_sha256);
    if (was->seed != now->seed)
        append(why, len, "the seed differs (%" PRIu64 " in the partial, %" PRIu64 " now)",
               was->seed, now->seed);
    if (was->scenarios != now->scenarios)
        append(why, len, "the scenario count differs (%" PRId64 " in the partial, %" PRId64 " now)",
               was->scenarios, now->scenarios);
    if (was->block_size != now->block_size || was->blocks != now->blocks)
        append(why, len, "the block layout differs (%" PRId64 " blocks of %" PRId64 " in the "
               "partial, %" PRId64 " of %" PRId64 " now)", was->blocks, was->block_size,
               now->blocks, now->block_size);
    if (strcmp(was->version, now->version))
        append(why, len, "the icstress version differs (%s in the partial, %s now)", was->version,
               now->version);
    if (strcmp(was->blas_core, now->blas_core))
        append(why, len, "the BLAS core differs (%s in the partial, %s now: its last bits may "
               "differ)", was->blas_core, now->blas_core);
    return why[0] != '\0';
}

ics_status ics_run_identity_write(hid_t file, const ics_run_identity *id, ics_error *err)
{
    ics_status st = ICS_OK;
    char text[512];
    ics_run_identity_format(id, text, sizeof text);
    ICS_TRY(ics_h5_attr_str(file, "run_identity", text, err));
    ICS_TRY(ics_h5_attr_str(file, "config_sha256", id->config_sha256, err));
    ICS_TRY(ics_h5_attr_str(file, "table_sha256", id->table_sha256, err));
done:
    return st;
}

ics_status ics_run_identity_read(hid_t file, const char *what, ics_run_identity *id,
                                 ics_error *err)
{
    char *text = NULL;
    ics_status st = ics_h5_get_attr_str(file, "run_identity", &text, err);
    if (st == ICS_OK) st = ics_run_identity_parse(text, what, id, err);
    free(text);
    return st;
}
