/* icstress entry point: MPI start-up, verb dispatch, error line and exit code. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "ics_driver.h"
#include "ics_sysinfo.h"
#include "ics_table_cmd.h"
#include "ics_chokepoints.h"
#include "ics_sensitivity_cmd.h"
#include "ics_bench_cmd.h"
#include "ics_report_cmd.h"
#include "ics_h5.h"
#include "ics_options.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The command whose table applies to argv[1..] ("table balance" for `table balance ...`), and in
 * *shift how many words name it; NULL for no known command. */
static const ics_cmdspec *command_of(int argc, char **argv, int *shift)
{
    *shift = 1;
    if (argc < 2) return NULL;
    const ics_cmdspec *c = ics_cmdspec_find(argv[1]);
    if (c && argc > 2) {
        char sub[128];
        snprintf(sub, sizeof sub, "%s %s", argv[1], argv[2]);
        const ics_cmdspec *s = ics_cmdspec_find(sub);
        if (s) *shift = 2, c = s;
    }
    return c;
}

/* `icstress help [COMMAND [SUBCOMMAND]]`: 0, or 2 with err set for an unknown command. */
static int help_command(int rank, int argc, char **argv, ics_error *err)
{
    int shift;
    const ics_cmdspec *c = argc > 2 ? command_of(argc - 1, argv + 1, &shift) : NULL;
    if (argc > 2 && (!c || argc > 2 + shift)) {
        ics_error_set(err, ICS_EINPUT, "help: unknown command '%s' (commands: run, validate, info, "
                      "sensitivity, chokepoints, export, report, bench, table, help)", argv[argc - 1]);
        return 2;
    }
    if (rank == 0) {
        if (c) ics_usage_command(stdout, c);
        else ics_usage_main(stdout);
    }
    return 0;
}

/* The rank an MPI launcher (mpirun, srun, a PMI launcher) gave this process, as its environment
 * says; NULL when no launcher started it. */
static const char *launcher_rank_var(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; ++i) {
        const char *v = getenv(vars[i]);
        if (v && *v) return v;
    }
    return NULL;
}

/* The rank the MPI launcher gave this process (0 when not launched). */
static int launcher_rank(void)
{
    const char *v = launcher_rank_var();
    return v ? atoi(v) : 0;
}

/* Open MPI start-up setting for processes that need no network, set before MPI_Init unless the
 * environment already names it (docs/hpc.md, "MPI start-up"): every process opened and probed
 * all of Open MPI's point-to-point layers, including its cm layer's network transports, before
 * settling on ob1, the layer a single process or a single node uses anyway; pml=ob1 names it.
 * That is 0.2 s of every command (MPI_Init alone: 0.33 s -> 0.14 s).
 *  - Not started by a launcher (launcher_rank_var): a single process.
 *  - Started by Open MPI's mpirun with every rank on one node (OMPI_COMM_WORLD_LOCAL_SIZE =
 *    OMPI_COMM_WORLD_SIZE), or by Slurm's srun --mpi=pmix in a step on one node (PMIX_RANK set,
 *    SLURM_STEP_NUM_NODES = 1): the same on every rank, so they agree.
 * Anything else (several nodes, other launches) keeps Open MPI's own choice, and
 * ICS_MPI_DEFAULTS=0 keeps it everywhere. Not set: ess_singleton_isolated, which would save
 * another 0.1 s by not starting an orted for a single process, but gives every such process the
 * same session directory, so that one run's exit removes the files of another running beside
 * it (integration_exclusive_output failed so). Returns what was set, for `icstress info`. */
static const char *mpi_startup_defaults(void)
{
    const char *keep = getenv("ICS_MPI_DEFAULTS");
    if (keep && !strcmp(keep, "0")) return "Open MPI's own (ICS_MPI_DEFAULTS=0)";
    const int by_launcher = launcher_rank_var() != NULL;
    const char *size = getenv("OMPI_COMM_WORLD_SIZE"), *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE"),
               *step_nodes = getenv("SLURM_STEP_NUM_NODES");
    const int one_node = size ? local && *size && !strcmp(size, local) /* Open MPI's mpirun */
                              : getenv("PMIX_RANK") && step_nodes && !strcmp(step_nodes, "1");
    if (by_launcher && !one_node)
        return "Open MPI's own (launched over several nodes, or not by mpirun or srun --mpi=pmix)";
    if (getenv("OMPI_MCA_pml")) return "Open MPI's own (OMPI_MCA_pml is set)";
    if (setenv("OMPI_MCA_pml", "ob1", 0)) return "Open MPI's own (setenv failed)";
    return by_launcher ? "pml=ob1 set by icstress for ranks on one node (ICS_MPI_DEFAULTS=0: Open "
                         "MPI's own)"
                       : "pml=ob1 set by icstress for a single process (ICS_MPI_DEFAULTS=0: Open "
                         "MPI's own)";
}

/* --help, -h, --version, -V, help [CMD], CMD --help: text only, printed by the first process
 * before MPI starts (fast, and it works where MPI cannot start). 1 when handled, with *code. */
static int text_only(int argc, char **argv, int *code)
{
    int shift = 1;
    const ics_cmdspec *spec = command_of(argc, argv, &shift);
    const int rank = launcher_rank();
    *code = 0;
    if (argc < 2) return 0;
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (rank == 0) ics_usage_main(stdout);
    } else if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        if (rank == 0) printf("icstress %s (commit %s)\n", ICS_VERSION, ics_git_commit);
    } else if (spec && ics_args_help_requested(spec, argc - shift, argv + shift)) {
        /* CMD --help, whatever else is on the line */
        if (rank == 0) ics_usage_command(stdout, spec);
    } else if (!strcmp(argv[1], "help")) {
        ics_error err;
        ics_error_clear(&err);
        *code = help_command(rank, argc, argv, &err);
        if (*code && rank == 0) fprintf(stderr, "icstress: error: %s\n", err.msg);
    } else {
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    /* generated text for the build (man page, completion, docs/cli.md), before MPI starts */
    if (argc == 2 && !strcmp(argv[1], "--man")) return ics_write_man(stdout), 0;
    if (argc == 2 && !strcmp(argv[1], "--completion")) return ics_write_completion(stdout), 0;
    if (argc == 2 && !strcmp(argv[1], "--markdown")) return ics_write_markdown(stdout), 0;
    int code = 0;
    if (text_only(argc, argv, &code)) return code;
    /* report runs the Python reader in place of this process, before MPI starts */
    if (argc >= 2 && !strcmp(argv[1], "report")) return ics_cmd_report(argc - 1, argv + 1);
    const char *startup = mpi_startup_defaults();
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    ics_ctx ctx = {0, 1, 0, "", NULL, argc, argv, 0.0, 0.0, NULL};
    ctx.mpi_startup = startup;
    ics_threads_configure(&ctx);
    MPI_Comm_rank(MPI_COMM_WORLD, &ctx.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ctx.size);
    /* HDF5 prints no error stacks of its own: every failed call becomes one line of ours
     * (ics_h5_fail names the file and the reason) */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ics_error err;
    ics_error_clear(&err);

    if (argc < 2) {
        /* one line; --help prints the full list */
        ics_error_set(&err, ICS_EINPUT, "no command (usage: icstress run|validate|info|sensitivity|"
                      "chokepoints|export|report|bench|table ...; see icstress --help)");
        code = 2;
    } else if (!strcmp(argv[1], "run") && ics_sensitivity_requested(argc - 1, argv + 1)) {
        /* a config with a sensitivity section: the run is its design, then the indices */
        code = ics_cmd_sensitivity(&ctx, argc - 1, argv + 1, &err);
    } else if (!strcmp(argv[1], "run")) {
        code = ics_cmd_run(&ctx, argc - 1, argv + 1, &err);
    } else if (!strcmp(argv[1], "validate")) {
        code = ics_cmd_validate(&ctx, argc - 1, argv + 1, &err);
    } else if (!strcmp(argv[1], "info")) {
        code = ics_cmd_info(&ctx, argc - 1, argv + 1, &err);
    } else if (!strcmp(argv[1], "table")) {
        code = ics_cmd_table(&ctx, argc - 1, argv + 1, &err);
    } else if (!strcmp(argv[1], "sensitivity")) {
        code = ics_cmd_sensitivity(&ctx, argc - 1, argv + 1, &err);
    } else if (!strcmp(argv[1], "bench")) {
        code = ics_cmd_bench(&ctx, argc - 1, argv + 1, &err);
    } else if (!strcmp(argv[1], "chokepoints")) {
        code = ics_cmd_chokepoints(&ctx, argc - 1, argv + 1, &err);
    } else if (!strcmp(argv[1], "export")) {
        code = ics_cmd_export(&ctx, argc - 1, argv + 1, &err);
    } else {
        ics_error_set(&err, ICS_EINPUT, "unknown command '%s' (commands: run, validate, info, sensitivity, chokepoints, export, "
                      "report, bench, table; "
                      "see icstress --help)", argv[1]);
        code = 2;
    }
    /* Input errors are found identically on every rank, so rank 0 reports them and all ranks
     * finish normally; any other failure may be local to one rank, which reports and aborts. */
    /* An error every rank agreed on (err.shared) is likewise reported once, with no abort;
     * an interrupted run (3) is known to every rank, and rank 0 says it. */
    if (code == 3 && ctx.rank == 0)
        fprintf(stderr, "icstress: interrupted: %s\n", err.msg);
    else if (code != 0 && code != 3 && err.code != ICS_OK &&
             (ctx.rank == 0 || (code != 2 && !err.shared)))
        fprintf(stderr, "icstress: error: %s\n", err.msg);
    fflush(stdout);
    fflush(stderr);
    if (code == 1 && ctx.size > 1 && !err.shared) MPI_Abort(MPI_COMM_WORLD, code);
    /* After a failed H5Fclose, HDF5 1.10's shutdown (run by MPI_Finalize) would touch the freed
     * file and crash: leave without it (the partial file on disk is what counts). */
    if (ics_h5_close_failed()) _exit(code ? code : 1);
    MPI_Finalize();
    return code;
}
