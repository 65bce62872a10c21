/* Safe outputs: every check of an output path before any computation, the lock that makes a
 * run the only writer of its output, and the identity check that lets --resume continue only
 * the very run that wrote a partial file. Rank 0 checks and locks; the verdict is broadcast, so
 * every rank returns the same status and message (see docs/output-format.md, "Safe outputs"). */
#define _XOPEN_SOURCE 700 /* pread, gethostname, O_CLOEXEC */
#include "ics_driver.h"
#include "ics_h5.h"
#include "ics_run_identity.h"
#include "ics_sysinfo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <libgen.h>
#include <limits.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct ics_out_lock {
    int fd;
    char path[ICS_OUT_PATH_MAX + 16];
};

/* Collective: rank 0's status and message on every rank. */
static ics_status share(const ics_ctx *ctx, ics_status st, ics_error *err)
{
    int code = st;
    if (ctx->size == 1) return st;
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (code != ICS_OK) {
        MPI_Bcast(err->msg, (int)sizeof err->msg, MPI_CHAR, 0, MPI_COMM_WORLD);
        err->code = (ics_status)code;
    }
    return (ics_status)code;
}

/* ---- the path ---- */

/* Is `path` (a file that exists) the same file as `out`, `out`.partial or `out`.lock? */
static int same_as_output(const struct stat *in, const struct stat out[3])
{
    for (int i = 0; i < 3; ++i)
        if (out[i].st_ino && in->st_dev == out[i].st_dev && in->st_ino == out[i].st_ino) return 1;
    return 0;
}

/* Refuse an output that is one of the run's inputs: the config file, the table file, or any file
 * of the table directory. Compared by device and inode, so other spellings and links count. */
static ics_status check_inputs(const char *out, const char *config, const char *table,
                               ics_error *err)
{
    static const char *const suffix[3] = {"", ".partial", ".lock"};
    struct stat os[3], s;
    char name[ICS_OUT_PATH_MAX + 16];
    int any = 0;
    memset(os, 0, sizeof os);
    for (int i = 0; i < 3; ++i) {
        snprintf(name, sizeof name, "%s%s", out, suffix[i]);
        if (stat(name, &os[i]) == 0) any = 1;
        else memset(&os[i], 0, sizeof os[i]);
    }
    if (!any) return ICS_OK; /* nothing there yet: it cannot be an input */
    if (config && stat(config, &s) == 0 && same_as_output(&s, os))
        return ics_error_set(err, ICS_EINPUT, "%s: the output would replace the config file %s: "
                             "choose another -o", out, config);
    if (!table || !strcmp(table, "builtin") || stat(table, &s) != 0) return ICS_OK;
    if (!S_ISDIR(s.st_mode)) {
        if (same_as_output(&s, os))
            return ics_error_set(err, ICS_EINPUT, "%s: the output would replace the table file %s "
                                 "that the config reads: choose another -o", out, table);
        return ICS_OK;
    }
    DIR *d = opendir(table);
    ics_status st = ICS_OK;
    for (struct dirent *e; d && st == ICS_OK && (e = readdir(d));) {
        char p[PATH_MAX];
        if (snprintf(p, sizeof p, "%s/%s", table, e->d_name) >= (int)sizeof p) continue;
        if (stat(p, &s) == 0 && S_ISREG(s.st_mode) && same_as_output(&s, os))
            st = ics_error_set(err, ICS_EINPUT, "%s: the output would replace %s, a file of the "
                               "table directory the config reads: choose another -o", out, p);
    }
    if (d) closedir(d);
    return st;
}

ics_status ics_cli_check_output_path(const char *out, ics_error *err)
{
    if (!out || !out[0])
        return ics_error_set(err, ICS_EINPUT, "the output file name is empty: give -o OUT.h5");
    const size_t len = strlen(out);
    if (len > ICS_OUT_PATH_MAX)
        return ics_error_set(err, ICS_EINPUT, "%s: the output path is %zu characters long; icstress "
                             "accepts at most %d (the file is written as PATH.partial through "
                             "MPI-IO, and Open MPI 4.1 aborts on longer names): use a shorter or "
                             "a relative path", out, len, ICS_OUT_PATH_MAX);
    if (out[len - 1] == '/')
        return ics_error_set(err, ICS_EINPUT, "%s: the output is a directory name: give a file "
                             "name, e.g. %sresults.h5", out, out);
    char *copy = ics_strdup(out, err), *copy2 = ics_strdup(out, err);
    if (!copy || !copy2) {
        free(copy), free(copy2);
        return ICS_ENOMEM;
    }
    const char *dir = dirname(copy), *base = basename(copy2);
    ics_status st = ICS_OK;
    struct stat s;
    long name_max = 0;
    if (stat(dir, &s) != 0)
        st = ics_error_set(err, ICS_EINPUT, "%s: cannot write the output here: directory '%s' %s",
                           out, dir, errno == ENOENT ? "does not exist" : strerror(errno));
    else if (!S_ISDIR(s.st_mode))
        st = ics_error_set(err, ICS_EINPUT, "%s: cannot write the output here: '%s' is not a "
                           "directory", out, dir);
    else if (access(dir, W_OK) != 0)
        st = ics_error_set(err, ICS_EINPUT, "%s: cannot write the output here: directory '%s' is "
                           "not writable", out, dir);
    else if ((name_max = pathconf(dir, _PC_NAME_MAX)) > 0 &&
             (long)strlen(base) + 8 > name_max)
        st = ics_error_set(err, ICS_EINPUT, "%s: the file name is %zu characters long; with "
                           "'.partial' it must fit the file system's limit of %ld", out,
                           strlen(base), name_max);
    else if (stat(out, &s) == 0 && S_ISDIR(s.st_mode))
        st = ics_error_set(err, ICS_EINPUT, "%s: the output is a directory: give a file name, "
                           "e.g. %s/results.h5", out, out);
    else if (stat(out, &s) == 0 && !S_ISREG(s.st_mode))
        st = ics_error_set(err, ICS_EINPUT, "%s: the output exists and is not a regular file",
                           out);
    free(copy), free(copy2);
    return st;
}

/* A file already at `out`: refused, unless the user said --force. */
static ics_status check_existing(const char *out, ics_error *err)
{
    struct stat s;
    if (stat(out, &s) != 0) return ICS_OK;
    int64_t complete = 0;
    char *created = NULL;
    hid_t f = H5I_INVALID_HID;
    ics_error e;
    ics_error_clear(&e);
    H5E_BEGIN_TRY { f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT); }
    H5E_END_TRY;
    if (f >= 0) {
        if (ics_h5_get_attr_i64(f, "complete", &complete, &e) != ICS_OK) complete = 0;
        if (ics_h5_get_attr_str(f, "created", &created, &e) != ICS_OK) created = NULL;
        H5Fclose(f);
    }
    ics_status st;
    if (complete == 1)
        st = ics_error_set(err, ICS_EINPUT, "%s: a complete result is already there (created %s); "
                           "add --force (-f) to overwrite it, or choose another -o", out,
                           created ? created : "earlier");
    else
        st = ics_error_set(err, ICS_EINPUT, "%s: the file already exists (not a complete icstress "
                           "result); add --force (-f) to overwrite it, or choose another -o", out);
    free(created);
    return st;
}

/* ---- the lock ---- */

/* The holder's "pid N on HOST since TIME" from an open lock file, or from F_GETLK. The holder
 * writes its description just after taking the lock: an empty file is read again for up to
 * 50 ms before the pid alone is given. */
static void describe_holder(int fd, const struct flock *held, char *buf, size_t len)
{
    char text[256] = "";
    const struct timespec ms = {0, 1000000};
    ssize_t r;
    for (int k = 0; (r = pread(fd, text, sizeof text - 1, 0)) == 0 && k < 50; ++k)
        nanosleep(&ms, NULL);
    if (r > 0) {
        text[r] = '\0';
        text[strcspn(text, "\n")] = '\0';
        snprintf(buf, len, "%s", text);
    } else if (held && held->l_pid > 0) {
        snprintf(buf, len, "pid %ld", (long)held->l_pid);
    } else {
        snprintf(buf, len, "pid unknown");
    }
}

static void write_holder(int fd)
{
    char host[256] = "", now[32], text[400];
    gethostname(host, sizeof host - 1);
    const time_t tt = time(NULL);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const int n = snprintf(text, sizeof text, "pid %ld on %s since %s\n", (long)getpid(), host, now);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n) {
        /* the lock holds without its description; a refused run then names the pid only */
    }
}

/* Without fcntl locks (some network file systems): the holder's pid and host in the file decide.
 * A lock of a dead process on this host is stale and taken over; another host's is respected. */
static ics_status lock_by_pid(int fd, const char *lockpath, const char *out, ics_error *err)
{
    char text[256] = "", host[256] = "", me[256] = "";
    long pid = 0;
    const ssize_t r = pread(fd, text, sizeof text - 1, 0);
    if (r > 0) text[r] = '\0';
    gethostname(me, sizeof me - 1);
    if (sscanf(text, "pid %ld on %255s", &pid, host) == 2 && pid > 0) {
        const int alive = strcmp(host, me) != 0 || kill((pid_t)pid, 0) == 0 || errno == EPERM;
        if (alive)
            return ics_error_set(err, ICS_EINPUT, "%s: another icstress run is writing this output "
                                 "(%s; lock file %s, on a file system without fcntl locks: remove it "
                                 "if that run is gone): wait for it, or choose another -o", out,
                                 text[0] ? strtok(text, "\n") : "pid unknown", lockpath);
    }
    write_holder(fd);
    return ICS_OK;
}

/* Rank 0: take OUT.lock (fcntl write lock, held until ics_output_unlock or the process ends). */
static ics_status take_lock(const char *out, ics_out_lock **lk, ics_error *err)
{
    ics_out_lock *l = calloc(1, sizeof *l);
    if (!l) return ics_error_set(err, ICS_ENOMEM, "out of memory");
    snprintf(l->path, sizeof l->path, "%s.lock", out);
    /* A run that ends unlinks its lock file while holding it; a run that opened the old file
     * just before may then lock an unlinked inode: it sees that and tries again. */
    for (int attempt = 0; attempt < 5; ++attempt) {
        const int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            free(l);
            return ics_error_set(err, ICS_EINPUT, "%s: cannot create the lock file %s.lock: %s",
                                 out, out, strerror(errno));
        }
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        if (fcntl(fd, F_SETLK, &fl) != 0) {
            const int e = errno;
            if (e == EACCES || e == EAGAIN) {
                char who[300];
                struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
                if (fcntl(fd, F_GETLK, &q) != 0) q.l_pid = 0;
                describe_holder(fd, &q, who, sizeof who);
                close(fd);
                free(l);
                return ics_error_set(err, ICS_EINPUT, "%s: another icstress run is writing this "
                                     "output (%s; lock file %s.lock): wait for it, or choose "
                                     "another -o", out, who, out);
            }
            /* no lock support on this file system: decide by the recorded pid */
            const ics_status st = lock_by_pid(fd, l->path, out, err);
            if (st != ICS_OK) {
                close(fd);
                free(l);
                return st;
            }
            l->fd = fd;
            *lk = l;
            return ICS_OK;
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(l->path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            write_holder(fd);
            l->fd = fd;
            *lk = l;
            return ICS_OK;
        }
        close(fd); /* locked a file that is no longer the lock file: again */
    }
    free(l);
    return ics_error_set(err, ICS_EIO, "%s: cannot take the lock %s.lock (it keeps changing)", out,
                         out);
}

void ics_output_unlock(ics_out_lock **lk)
{
    if (!lk || !*lk) return;
    unlink((*lk)->path); /* while still holding it: see take_lock */
    close((*lk)->fd);
    free(*lk);
    *lk = NULL;
}

ics_status ics_output_guard(const ics_ctx *ctx, const char *out, const char *config,
                            const char *table, int force, ics_error *err)
{
    ics_status st = ICS_OK;
    if (ctx->rank == 0) {
        st = ics_cli_check_output_path(out, err);
        if (st == ICS_OK) st = check_inputs(out, config, table, err);
        if (st == ICS_OK && !force) st = check_existing(out, err);
    }
    return share(ctx, st, err);
}

ics_status ics_output_lock(const ics_ctx *ctx, const char *out, int force, ics_out_lock **lk,
                           ics_error *err)
{
    ics_status st = ICS_OK;
    *lk = NULL;
    /* the caller (sensitivity) already holds the lock of this output for its runs */
    if (ctx->rank == 0 && !ctx->out_lock) {
        st = take_lock(out, lk, err);
        /* again under the lock: a run that finished meanwhile has left its result */
        if (st == ICS_OK && !force) st = check_existing(out, err);
        if (st != ICS_OK) ics_output_unlock(lk);
    }
    return share(ctx, st, err);
}

/* ---- resume identity ---- */

ics_status ics_cli_run_identity(const ics_ctx *ctx, const char *config_text, const ics_table *t,
                                uint64_t seed, int64_t scenarios, int64_t block_size,
                                ics_run_identity *id, ics_error *err)
{
    ics_status st = ICS_OK;
    memset(id, 0, sizeof *id);
    if (ctx->rank == 0) {
        ics_sysinfo si;
        ics_sysinfo_get(&si);
        snprintf(id->version, sizeof id->version, "%s", ICS_VERSION);
        snprintf(id->blas_core, sizeof id->blas_core, "%s", si.blas_core[0] ? si.blas_core : "unknown");
        id->seed = seed;
        id->scenarios = scenarios;
        id->block_size = block_size;
        id->blocks = (scenarios + block_size - 1) / block_size;
        st = ics_sha256_hex(config_text, strlen(config_text), id->config_sha256, err);
        if (st == ICS_OK) st = ics_table_sha256(t, id->table_sha256, err);
    }
    st = share(ctx, st, err);
    if (st == ICS_OK && ctx->size > 1) MPI_Bcast(id, (int)sizeof *id, MPI_BYTE, 0, MPI_COMM_WORLD);
    return st;
}

ics_status ics_cli_resume_check(const ics_ctx *ctx, const char *out, const ics_run_identity *id,
                                int quiet, int *resuming, ics_error *err)
{
    ics_status st = ICS_OK;
    if (ctx->rank == 0 && *resuming) {
        char partial[ICS_OUT_PATH_MAX + 16];
        snprintf(partial, sizeof partial, "%s.partial", out);
        hid_t f = H5I_INVALID_HID;
        /* read-only until accepted: a refused partial is left exactly as it was */
        H5E_BEGIN_TRY { f = H5Fopen(partial, H5F_ACC_RDONLY, H5P_DEFAULT); }
        H5E_END_TRY;
        htri_t layout = 0;
        if (f >= 0) {
            H5E_BEGIN_TRY
            {
                layout = H5Lexists(f, "/progress", H5P_DEFAULT) > 0 &&
                         H5Lexists(f, "/progress/block_done", H5P_DEFAULT) > 0;
            }
            H5E_END_TRY;
        }
        if (f < 0 || !layout) {
            /* killed before its layout reached the disk: it holds no finished block (said even
             * under --quiet: the file is replaced) */
            if (quiet < 2)
                fprintf(stderr, "icstress: warning: %s %s, so it holds no finished block: starting "
                        "a new run\n", partial, f < 0 ? "is not a readable HDF5 file (killed "
                        "before its first flush?)" : "has no /progress/block_done (killed before "
                        "its layout was written)");
            *resuming = 0;
        } else {
            ics_run_identity was;
            char why[ICS_ERRMSG_MAX];
            if (H5Aexists(f, "run_identity") <= 0)
                st = ics_error_set(err, ICS_EINPUT, "%s: cannot resume: it records no run_identity "
                                   "(written by an older icstress); remove it or run without "
                                   "--resume", partial);
            else if ((st = ics_run_identity_read(f, partial, &was, err)) != ICS_OK) {
                snprintf(why, sizeof why, "%s", err->msg);
                st = ics_error_set(err, ICS_EINPUT, "cannot resume: %s", why);
            }
            else if (ics_run_identity_diff(&was, id, why, sizeof why))
                st = ics_error_set(err, ICS_EINPUT, "%s: cannot resume: %s; remove it or run "
                                   "without --resume", partial, why);
        }
        if (f >= 0) H5Fclose(f);
    }
    st = share(ctx, st, err);
    if (ctx->size > 1) MPI_Bcast(resuming, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return st;
}
