/* The SHA-256 digest of a table's numbers and labels (ics_table_sha256, ics_table.h): what a
 * result's numbers depend on, whatever file or directory the table was read from. The canonical
 * byte sequence is documented in ics_table.h and docs/output-format.md; the hashing itself is
 * OpenSSL's (libcrypto). */
#include "ics_table.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static int put_u64(EVP_MD_CTX *c, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = (unsigned char)(v >> (8 * i));
    return EVP_DigestUpdate(c, b, sizeof b);
}

static int put_label(EVP_MD_CTX *c, const char *s)
{
    const size_t len = s ? strlen(s) : 0;
    return put_u64(c, len) && (len == 0 || EVP_DigestUpdate(c, s, len));
}

/* count doubles as IEEE-754 binary64 little-endian, -0.0 as +0.0 */
static int put_doubles(EVP_MD_CTX *c, const double *v, size_t count)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                       \
    defined(__STDC_IEC_559__)
    /* the memory image is the hashed byte sequence already: copy blocks, mapping -0.0 to +0.0 */
    double blk[1024];
    for (size_t i = 0; i < count; i += 1024) {
        const size_t m = count - i < 1024 ? count - i : 1024;
        for (size_t k = 0; k < m; ++k) blk[k] = v[i + k] == 0.0 ? 0.0 : v[i + k];
        if (!EVP_DigestUpdate(c, blk, m * sizeof *blk)) return 0;
    }
    return 1;
#else
    unsigned char buf[8 * 512];
    size_t used = 0;
    for (size_t i = 0; i < count; ++i) {
        uint64_t bits;
        const double d = v[i] == 0.0 ? 0.0 : v[i];
        memcpy(&bits, &d, sizeof bits);
        for (int k = 0; k < 8; ++k) buf[used++] = (unsigned char)(bits >> (8 * k));
        if (used == sizeof buf) {
            if (!EVP_DigestUpdate(c, buf, used)) return 0;
            used = 0;
        }
    }
    return used == 0 || EVP_DigestUpdate(c, buf, used);
#endif
}

ics_status ics_table_sha256(const ics_table *t, char hex[65], ics_error *err)
{
    static const char magic[] = "icstress-table-sha256-v1\n";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(c, magic, sizeof magic - 1) && put_u64(c, (uint64_t)t->n) &&
             put_u64(c, (uint64_t)t->ny) && put_u64(c, (uint64_t)t->nreg) &&
             put_u64(c, (uint64_t)t->nseg);
    for (int r = 0; ok && r < t->nreg; ++r) ok = put_label(c, t->regions[r]);
    for (int s = 0; ok && s < t->nseg; ++s) ok = put_label(c, t->segments[s]);
    for (int i = 0; ok && i < t->n; ++i)
        ok = put_u64(c, (uint64_t)t->node_region[i]) && put_u64(c, (uint64_t)t->node_segment[i]);
    for (int k = 0; ok && k < t->ny; ++k)
        ok = put_label(c, t->y_region ? t->y_region[k] : NULL) &&
             put_label(c, t->y_category ? t->y_category[k] : NULL);
    ok = ok && put_doubles(c, t->Z, (size_t)t->n * (size_t)t->n) &&
         put_doubles(c, t->Y, (size_t)t->n * (size_t)t->ny) && put_doubles(c, t->x, (size_t)t->n) &&
         put_doubles(c, t->va, (size_t)t->n) && EVP_DigestFinal_ex(c, md, &mdlen) && mdlen == 32;
    EVP_MD_CTX_free(c);
    if (!ok)
        return ics_error_set(err, ICS_EINTERNAL, "%s: computing the table's SHA-256 failed "
                             "(OpenSSL)", t->source ? t->source : "table");
    for (unsigned i = 0; i < 32; ++i) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return ICS_OK;
}
