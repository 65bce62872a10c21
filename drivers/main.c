/* icstress entry point: MPI start-up, verb dispatch, error line and exit code. */
#include "ics_driver.h"
#include "ics_sysinfo.h"
#include "ics_table_cmd.h"
#include "ics_chokepoints.h"
#include "ics_sensitivity_cmd.h"
#include "ics_bench_cmd.h"
#include "ics_report_cmd.h"
#include "ics_h5.h"

#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fputs("usage: icstress <command> [options]\n"
          "\n"
          "commands:\n"
          "  run CONFIG [-o OUT.h5] [--scenarios N] [--seed S] [--resume] [--max-time T] [--force]\n"
          "      [--quiet] [--no-space-check]\n"
          "                      run the scenario ensemble of CONFIG and write OUT.h5\n"
          "                      (--force: overwrite an existing OUT.h5)\n"
          "  validate CONFIG [-o OUT.h5] [--scenarios N] [--seed S] [--no-space-check] | TABLE\n"
          "                      every check of a run (and its size), or of a table; exit 0 when valid\n"
          "  info                 version, build, BLAS library and core, threads, MPI, HDF5\n"
          "  sensitivity CONFIG [-o OUT.h5] [--samples N] [--seed S] [--resume] [--force] [--quiet]\n"
          "                       Sobol'/Morris design of CONFIG's sensitivity section; indices in /sensitivity\n"
          "  chokepoints CONFIG [-o OUT.h5] [--scenarios-per-node N] [--seed S] [--top K] [--force]\n"
          "                     [--quiet]\n"
          "                       linkages, hypothetical extraction and the ensemble ranking of nodes\n"
          "  export OUT.h5 --csv DIR\n"
          "                       statistics, EP curves, sensitivity indices, chokepoint ranking as CSV\n"
          "  bench [--quick] [--json FILE] [--cases LIST]\n"
          "                       the benchmark suite: a table, and JSON records\n"
          "  report OUT.h5 [-o REPORT.html]\n"
          "                       one HTML page with the statistics and figures (Python reader)\n"
          "  table balance PRIOR_DIR -o OUT_DIR\n"
          "                       balance a prior table to its gross outputs with GRAS\n"
          "  --help (-h), --version (-V)\n"
          "\n"
          "Run directly (one process) or under mpirun -np N. Exit status: 0 success,\n"
          "2 bad usage or bad input, 3 interrupted by a signal or --max-time (resumable),\n"
          "1 any other failure.\n"
          "A TABLE is 'builtin', a pymrio-style directory (Z.csv, Y.csv[, x.csv, VA.csv]) or an\n"
          "icstress .h5 file. See README.md and docs/ for the configuration format.\n",
          f);
}

int main(int argc, char **argv)
{
    /* report runs the Python reader in place of this process, before MPI starts */
    if (argc >= 2 && !strcmp(argv[1], "report")) return ics_cmd_report(argc - 1, argv + 1);
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    ics_ctx ctx = {0, 1, 0, "", NULL, argc, argv, 0.0};
    ics_threads_configure(&ctx);
    MPI_Comm_rank(MPI_COMM_WORLD, &ctx.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ctx.size);
    /* HDF5 prints no error stacks of its own: every failed call becomes one line of ours
     * (ics_h5_fail names the file and the reason) */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ics_error err;
    ics_error_clear(&err);
    int code = 0;

    if (argc < 2) {
        /* one line; --help prints the full list */
        ics_error_set(&err, ICS_EINPUT, "no command (usage: icstress run|validate|info|sensitivity|"
                      "chokepoints|export|report|bench|table ...; see icstress --help)");
        code = 2;
    } else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        if (ctx.rank == 0) usage(stdout);
    } else if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        if (ctx.rank == 0) printf("icstress %s (commit %s)\n", ICS_VERSION, ics_git_commit);
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
