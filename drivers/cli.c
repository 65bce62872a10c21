/* Small helpers shared by the command-line verbs. */
#include "ics_driver.h"
#include "ics_config.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int ics_cli_parse_i64(const char *s, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || *end || end == s) return 0;
    *v = x;
    return 1;
}

int ics_cli_parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (*s < '0' || *s > '9') return 0; /* strtoull would take a sign */
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end || end == s) return 0;
    *v = x;
    return 1;
}

int ics_cli_parse_scenarios(const char *s, int64_t *v)
{
    int64_t x;
    if (!ics_cli_parse_i64(s, &x) || x < 1 || x > ICS_MAX_SCENARIOS) return 0;
    *v = x;
    return 1;
}

/* ics_cli_check_output_path: drivers/output_guard.c, with the other output checks. */

void ics_iso_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
