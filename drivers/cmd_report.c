/* `icstress report`: delegates to the Python package (python/icstress), which reads the result
 * file and draws the figures; the C program only finds the interpreter and the package. */
#define _POSIX_C_SOURCE 200809L /* setenv, access, execv */
#include "ics_report_cmd.h"
#include "ics_options.h"

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
    /* the options of `report` are in its table (drivers/commands.c; main.c answers --help):
     * checked here, so that a bad command line gets the one-line error of every command; the
     * reader gets them as given */
    {
        const ics_cmdspec *spec = ics_cmdspec_find("report");
        ics_args a;
        ics_error err;
        ics_error_clear(&err);
        if (ics_args_parse(spec, argc, argv, &a, &err) != ICS_OK ||
            ics_args_operands(&a, 1, 1, &err) != ICS_OK) {
            fprintf(stderr, "icstress: error: %s\n", err.msg);
            return 2;
        }
    }
    const char *python = getenv("ICS_PYTHON");
    if (!python || !*python) python = ICS_PYTHON;

    /* The package: an installed copy beside this program (PREFIX/bin/icstress ->
     * PREFIX/ICS_PYTHON_INSTALL_REL), else the source tree's (a build not installed), else
     * whatever the interpreter finds. */
    char dir[4096 + 512] = "";
#ifdef ICS_PYTHON_INSTALL_REL
    {
        char exe[4096];
        const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash) *slash = '\0';
            char probe[4096 + 1024];
            snprintf(dir, sizeof dir, "%s/../%s", exe, ICS_PYTHON_INSTALL_REL);
            snprintf(probe, sizeof probe, "%s/icstress/__init__.py", dir);
            if (access(probe, R_OK) != 0) dir[0] = '\0';
        }
    }
#endif
#ifdef ICS_PYTHON_SOURCE_DIR
    if (!dir[0] && access(ICS_PYTHON_SOURCE_DIR "/icstress/__init__.py", R_OK) == 0)
        snprintf(dir, sizeof dir, "%s", ICS_PYTHON_SOURCE_DIR);
#endif
    if (dir[0]) {
        const char *old = getenv("PYTHONPATH");
        size_t len = strlen(dir) + (old ? strlen(old) + 1 : 0) + 1;
        char *path = malloc(len);
        if (!path) {
            fputs("icstress: error: out of memory\n", stderr);
            return 1;
        }
        if (old && *old)
            snprintf(path, len, "%s:%s", dir, old);
        else
            snprintf(path, len, "%s", dir);
        setenv("PYTHONPATH", path, 1);
        free(path);
    }
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
