/* Small helpers shared by the command-line verbs. */
#include "ics_driver.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
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

/* ics_cli_check_output_path: drivers/output_guard.c, with the other output checks. */
