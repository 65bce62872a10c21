/* Stopping a run early and cleanly: SIGTERM, SIGINT and SIGUSR1 (Slurm's time limit and its
 * --signal), or --max-time. The handler only sets flags; the block loop reads them and stops
 * taking blocks, and the run closes its partial file and exits with status 3 (interrupted,
 * resumable).
 *
 * SIGUSR1 and --max-time are warnings ahead of a limit: the blocks in flight are finished and
 * written. SIGTERM and SIGINT ask to stop now, and a SIGKILL may follow soon (Open MPI's mpirun
 * sends it 1 s after the SIGTERM it passes on, odls_base_sigkill_timeout; Slurm after KillWait):
 * the blocks in flight are dropped (the dynamic models leave them at their next step, and
 * nothing of them is written or flagged, so a resume computes them), and the file is closed at
 * once. */
#define _XOPEN_SOURCE 700
#include "ics_stop.h"

#include <mpi.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop_signal = 0;
static atomic_int cancel_now = 0; /* SIGTERM or SIGINT: drop the blocks in flight (lock-free) */
static double deadline = 0.0; /* MPI_Wtime at which to stop taking blocks; 0 = none */
static int by_time = 0;

static void on_signal(int sig)
{
    stop_signal = sig;
    if (sig != SIGUSR1) atomic_store_explicit(&cancel_now, 1, memory_order_relaxed);
}

void ics_stop_install(double max_time_s)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    if (max_time_s > 0) {
        /* the reserve covers the blocks in flight and the statistics pass */
        double reserve = 0.1 * max_time_s;
        if (reserve < 2.0) reserve = max_time_s < 4.0 ? 0.5 * max_time_s : 2.0;
        deadline = MPI_Wtime() + max_time_s - reserve;
    }
}

void ics_stop_uninstall(int stopped)
{
    /* After a stop (here or on another rank: stopped) the process is on its way out with status 3 (MPI_Finalize, exit): a second
     * SIGTERM then must not kill it with the default action, which would turn the status into
     * "Terminated" (143). Slurm at a time limit signals the tasks and srun, and srun forwards its
     * own SIGTERM to the tasks, so the second one does come, at any moment. */
    void (*after)(int) = stopped || stop_signal || by_time ? SIG_IGN : SIG_DFL;
    signal(SIGTERM, after);
    signal(SIGINT, after);
    signal(SIGUSR1, after);
    deadline = 0.0;
}

int ics_stop_requested(void)
{
    if (stop_signal) return 1;
    if (deadline > 0.0 && MPI_Wtime() >= deadline) by_time = 1;
    return by_time;
}

int ics_stop_urgent(void)
{
    return atomic_load_explicit(&cancel_now, memory_order_relaxed);
}

const atomic_int *ics_stop_cancel_flag(void)
{
    return &cancel_now;
}

const char *ics_stop_reason(char *buf, size_t len)
{
    const int sig = stop_signal;
    if (sig)
        snprintf(buf, len, "%s", sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT"
                                 : sig == SIGUSR1 ? "SIGUSR1" : "a signal");
    else if (by_time)
        snprintf(buf, len, "--max-time");
    else
        snprintf(buf, len, "a signal on another rank");
    return buf;
}

int ics_parse_duration(const char *s, double *seconds)
{
    if (!s || !*s) return 0;
    /* [[HH:]MM:]SS as Slurm writes time limits */
    if (strchr(s, ':')) {
        double parts[3] = {0, 0, 0};
        int np = 0;
        const char *p = s;
        while (*p) {
            char *end;
            const long v = strtol(p, &end, 10);
            if (end == p || v < 0 || np == 3) return 0;
            parts[np++] = (double)v;
            if (*end == ':') p = end + 1;
            else if (*end == '\0') p = end;
            else return 0;
        }
        double t = 0;
        for (int i = 0; i < np; ++i) t = 60.0 * t + parts[i];
        *seconds = t;
        return t > 0;
    }
    /* a sum of NUMBER[hms] terms ("1h30m", "90m", "45s", "3600") */
    double t = 0;
    const char *p = s;
    while (*p) {
        char *end;
        const double v = strtod(p, &end);
        if (end == p || !(v >= 0) || v > 1e9) return 0;
        double unit = 1.0;
        if (*end == 'h') unit = 3600.0, ++end;
        else if (*end == 'm') unit = 60.0, ++end;
        else if (*end == 's') ++end;
        else if (*end != '\0') return 0;
        t += v * unit;
        p = end;
    }
    *seconds = t;
    return t > 0;
}
