/* Helpers shared by the libFuzzer harnesses: a private scratch directory (on /dev/shm when it
 * exists, so that the per-input files cost no disk I/O) and whole-buffer file writes. */
#ifndef ICS_FUZZ_COMMON_H
#define ICS_FUZZ_COMMON_H

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The scratch directory, created once per process; removed by fuzz_cleanup at exit. */
static char fuzz_dir[256];

static inline void fuzz_cleanup(void)
{
    if (!fuzz_dir[0]) return;
    char cmd[320];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
}

static inline const char *fuzz_scratch(void)
{
    if (fuzz_dir[0]) return fuzz_dir;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/icsfuzz.XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(fuzz_dir)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(fuzz_cleanup);
    return fuzz_dir;
}

/* Write len bytes to dir/name (replacing it); abort on a failure of the harness itself. */
static inline void fuzz_write(const char *dir, const char *name, const void *data, size_t len,
                       char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

#endif
