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

ics_status ics_cli_check_output_path(const char *out, ics_error *err)
{
    char *copy = ics_strdup(out, err);
    if (!copy) return ICS_ENOMEM;
    const char *dir = dirname(copy);
    ics_status st = ICS_OK;
    if (access(dir, W_OK) != 0)
        st = ics_error_set(err, ICS_EINPUT, "%s: cannot write the output here: directory '%s' %s",
                           out, dir, errno == ENOENT ? "does not exist" : "is not writable");
    free(copy);
    return st;
}
