/* `icstress report`: delegates to the Python package (python/icstress), which reads the result
 * file and draws the figures; the C program only finds the interpreter and the package. */
#define _POSIX_C_SOURCE 200809L /* setenv, access, execv */
#include "ics_report_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ICS_PYTHON
#define ICS_PYTHON "/usr/bin/python3" /* Debian's, which has h5py, pandas, matplotlib */
#endif

int ics_cmd_report(int argc, char **argv)
{
    const char *python = getenv("ICS_PYTHON");
    if (!python || !*python) python = ICS_PYTHON;

#ifdef ICS_PYTHON_SOURCE_DIR
    /* Built, not installed: the package of the source tree comes first on the path (an
     * installed copy is used when the source tree is gone). */
    if (access(ICS_PYTHON_SOURCE_DIR "/icstress/__init__.py", R_OK) == 0) {
        const char *old = getenv("PYTHONPATH");
        size_t len = strlen(ICS_PYTHON_SOURCE_DIR) + (old ? strlen(old) + 1 : 0) + 1;
        char *path = malloc(len);
        if (!path) {
            fputs("icstress: error: out of memory\n", stderr);
            return 1;
        }
        if (old && *old)
            snprintf(path, len, "%s:%s", ICS_PYTHON_SOURCE_DIR, old);
        else
            snprintf(path, len, "%s", ICS_PYTHON_SOURCE_DIR);
        setenv("PYTHONPATH", path, 1);
        free(path);
    }
#endif
    char **args = calloc((size_t)argc + 4, sizeof *args);
    if (!args) {
        fputs("icstress: error: out of memory\n", stderr);
        return 1;
    }
    args[0] = (char *)python;
    args[1] = "-m";
    args[2] = "icstress";
    for (int i = 0; i < argc; i++) args[3 + i] = argv[i]; /* argv[0] is "report" */
    args[3 + argc] = NULL;
    fflush(stdout);
    execv(python, args);
    fprintf(stderr, "icstress: error: report: cannot run %s (%s); it needs Debian's python3 with "
            "python3-h5py python3-pandas python3-xarray python3-matplotlib (set ICS_PYTHON to "
            "use another interpreter)\n", python, strerror(errno));
    free(args);
    return 1;
}
