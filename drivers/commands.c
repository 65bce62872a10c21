/* The command table of the icstress program: every command, its operands and its options, one
 * line per option. The parser, each command's --help, the man page icstress(1), the bash
 * completion and docs/cli.md are all generated from here (drivers/options.c): to add an option,
 * add its line to its command's table and read it in the command with ics_args_get/flag/str. */
#include "ics_options.h"
#include "ics_config.h"

#include <string.h>

/* Options several commands share, spelled once. */
#define OPT_OUTPUT(help, deflt) {"output", 'o', ICS_ARG_FILE, "OUT.h5", help, deflt, "a file name", 0, 0, NULL}
#define OPT_SEED(help) {"seed", 0, ICS_ARG_SEED, "S", help, "the config's seed", "an integer in [0, 2^64 - 1]", 0, 0, NULL}
#define OPT_SCENARIOS {"scenarios", 0, ICS_ARG_INT, "N", "number of scenarios, replacing the config's", "the config's scenarios", "an integer in [1, 2^53 = 9007199254740992]", 1, ICS_MAX_SCENARIOS, NULL}
#define OPT_RESUME(help) {"resume", 0, ICS_ARG_FLAG, NULL, help, NULL, NULL, 0, 0, NULL}
#define OPT_FORCE {"force", 'f', ICS_ARG_FLAG, NULL, "overwrite an existing complete result at OUT.h5 (without it the run refuses and says so)", NULL, NULL, 0, 0, NULL}
#define OPT_QUIET {"quiet", 'q', ICS_ARG_FLAG, NULL, "no progress lines and no summary on stdout", NULL, NULL, 0, 0, NULL}
#define OPT_NO_SPACE_CHECK {"no-space-check", 0, ICS_ARG_FLAG, NULL, "skip the check that the file system has room for the result", NULL, NULL, 0, 0, NULL}
#define OPT_END {NULL, 0, ICS_ARG_FLAG, NULL, NULL, NULL, NULL, 0, 0, NULL}

/* the message names 2^53 in digits: keep it equal to the limit */
_Static_assert(ICS_MAX_SCENARIOS == INT64_C(9007199254740992), "OPT_SCENARIOS names 2^53");

static const ics_opt run_opts[] = {
    OPT_OUTPUT("write the result to OUT.h5 (through OUT.h5.partial, renamed when complete)", "the config's output: file, else results.h5"),
    OPT_SCENARIOS,
    OPT_SEED("seed of the counter-based random numbers, replacing the config's"),
    {"table", 0, ICS_ARG_WORD, "TABLE", "run on TABLE instead of the config's table: builtin, builtin_physical, builtin_world, a pymrio-style directory or an icstress .h5 file", "the config's table", "a table (builtin, builtin_physical, builtin_world, a directory or an .h5 file)", 0, 0, NULL},
    OPT_RESUME("continue OUT.h5.partial, left by an interrupted or failed run of the same config, table, seed and scenarios; a complete OUT.h5 is grown to --scenarios"),
    {"max-time", 0, ICS_ARG_DURATION, "T", "stop cleanly (exit 3, resumable) before T has passed, allowing for the finalisation: 3600, 90s, 45m, 1h30m or 01:30:00", "no limit", "a duration such as 3600, 90s, 45m, 1h30m or 01:30:00", 0, 0, NULL},
    OPT_FORCE,
    OPT_QUIET,
    OPT_NO_SPACE_CHECK,
    OPT_END};

static const ics_opt validate_opts[] = {
    OPT_OUTPUT("check the output location a run would write", "the config's output: file"),
    OPT_SCENARIOS,
    OPT_SEED("the seed a run would use"),
    OPT_NO_SPACE_CHECK,
    OPT_END};

static const ics_opt none_opts[] = {OPT_END};

static const ics_opt sensitivity_opts[] = {
    OPT_OUTPUT("write the design's runs and the indices to OUT.h5", "the config's output: file"),
    {"samples", 0, ICS_ARG_INT, "N", "base samples N (sobol) or trajectories r (morris), replacing the config's sensitivity: samples", "the config's", "an integer >= 2", 2, INT64_MAX, NULL},
    OPT_SEED("seed of the design, replacing the config's"),
    OPT_RESUME("continue an interrupted design; a complete result with fewer samples is extended"),
    OPT_FORCE,
    OPT_QUIET,
    OPT_END};

static const ics_opt chokepoints_opts[] = {
    OPT_OUTPUT("write the linkages, extraction losses and ranking to OUT.h5", "the config's output: file"),
    {"scenarios-per-node", 0, ICS_ARG_INT, "N", "scenarios of the ensemble ranking for each node (also --scenarios)", "the config's scenarios", "an integer in 1 .. 100000000", 1, 100000000, "scenarios"},
    OPT_SEED("seed of the ensemble ranking, replacing the config's"),
    {"top", 0, ICS_ARG_INT, "K", "rows of the ranking printed on stdout", "the config's chokepoints: top, else 20", "an integer >= 0", 0, 1000000, NULL},
    OPT_FORCE,
    OPT_QUIET,
    OPT_END};

static const ics_opt export_opts[] = {
    {"csv", 0, ICS_ARG_DIR, "DIR", "write the CSV files into DIR (created if missing)", NULL, "a directory", 0, 0, NULL},
    OPT_END};

static const ics_opt bench_opts[] = {
    {"quick", 0, ICS_ARG_FLAG, NULL, "small sizes and short timings: about a minute on 2 cores", NULL, NULL, 0, 0, NULL},
    {"json", 0, ICS_ARG_FILE, "FILE", "append one JSON object per case to FILE", NULL, "a file name", 0, 0, NULL},
    {"cases", 0, ICS_ARG_WORD, "LIST", "comma-separated cases to run: propagate, pipeline, diim, ario, coefficient, hdf5 or all; large (n = 8,000 set-up, solves and memory) runs only when named", "all", "a list of cases", 0, 0, NULL},
    OPT_END};

static const ics_opt report_opts[] = {
    {"output", 'o', ICS_ARG_FILE, "REPORT.html", "write the HTML page to REPORT.html", "OUT.html next to the result file", "a file name", 0, 0, NULL},
    {"title", 0, ICS_ARG_WORD, "TEXT", "the page's title", "the result file's name", "a title", 0, 0, NULL},
    OPT_END};

static const ics_opt nest_opts[] = {
    {"into", 0, ICS_ARG_WORD, "SECTOR", "the frame's sector (by label, e.g. c14 or C26) that the chain's segments replace in every region", NULL, "a sector label of the frame", 0, 0, NULL},
    {"output", 'o', ICS_ARG_DIR, "OUT_DIR", "write the nested table to OUT_DIR, which must not exist", NULL, "a directory", 0, 0, NULL},
    {"mix", 0, ICS_ARG_WORD, "W", "weight in [0, 1) of output-proportional prior links in the split of the frame's SECTOR row and column (builtin_world uses 0.1; docs/nesting.md)", "0", "a number in [0, 1)", 0, 0, NULL},
    {"tol", 0, ICS_ARG_POSREAL, "T", "largest relative row/column imbalance of a chain node", "1e-11", "a positive number", 0, 0, NULL},
    {"max-iter", 0, ICS_ARG_WHOLEREAL, "N", "sweeps before giving up", "20000", "a whole number >= 1", 1, 1000000000, NULL},
    OPT_END};

static const ics_opt convert_opts[] = {
    {"output", 'o', ICS_ARG_FILE, "TABLE.h5", "write the table to TABLE.h5, which must not exist", NULL, "a file name", 0, 0, NULL},
    OPT_END};

static const ics_opt balance_opts[] = {
    {"output", 'o', ICS_ARG_DIR, "OUT_DIR", "write the balanced table to OUT_DIR, which must not exist", NULL, "a directory", 0, 0, NULL},
    {"tol", 0, ICS_ARG_POSREAL, "T", "GRAS convergence: largest relative error of a margin", "1e-12", "a positive number", 0, 0, NULL},
    {"max-iter", 0, ICS_ARG_WHOLEREAL, "N", "GRAS iterations before giving up", "10000", "a whole number >= 1", 1, 1000000000, NULL},
    OPT_END};

const ics_cmdspec ics_commands[] = {
    {"run", "CONFIG", "run the scenario ensemble of CONFIG and write OUT.h5",
     "Runs the scenario ensemble that CONFIG describes (docs/config.md) directly or under mpirun -np N, "
     "and writes the scenarios and their statistics to OUT.h5 (docs/output-format.md). "
     "A config with a sensitivity: section runs as `icstress sensitivity CONFIG`.\n\n"
     "An interrupted run (SIGINT, SIGTERM, SIGUSR1 or --max-time) exits 3 after one line saying how "
     "to resume; a failed or killed run leaves OUT.h5.partial for --resume.",
     run_opts, NULL},
    {"validate", "CONFIG | TABLE", "every check of a run (and its size), or of a table; exit 0 when valid",
     "Checks CONFIG as `icstress run` would (config, table, shocks, output location and free space) "
     "without computing, or checks TABLE (builtin, a pymrio-style directory or an icstress .h5 file): "
     "balance, signs, finiteness and productivity. Exit 0 when valid, 2 with one line naming the "
     "problem otherwise. The options apply to a CONFIG only.",
     validate_opts, NULL},
    {"info", "", "version, build, BLAS library and core, threads, MPI, HDF5",
     "Prints the version and commit, the build, the BLAS library and the core it chose, the "
     "OpenMP threads and the rule that chose them (OMP_NUM_THREADS, SLURM_CPUS_PER_TASK or the "
     "affinity mask), MPI with the start-up settings in effect (ICS_MPI_DEFAULTS, docs/hpc.md) "
     "and HDF5.",
     none_opts, NULL},
    {"sensitivity", "CONFIG", "Sobol'/Morris design of CONFIG's sensitivity section; indices in /sensitivity",
     "Runs the design of CONFIG's sensitivity: section (docs/sensitivity.md) through the ensemble and "
     "writes the indices to /sensitivity of OUT.h5, with a ranked table on stdout.",
     sensitivity_opts, NULL},
    {"chokepoints", "CONFIG", "linkages, hypothetical extraction and the ensemble ranking of nodes",
     "Computes backward and forward linkages, the hypothetical extraction of every node and an "
     "ensemble ranking of nodes by the loss their disruption causes (docs/chokepoints.md).",
     chokepoints_opts, NULL},
    {"export", "OUT.h5", "statistics, EP curves, sensitivity indices, chokepoint ranking as CSV",
     "Writes the results of OUT.h5 as tidy CSV files (docs/output-format.md): statistics, "
     "exceedance-probability curves, sensitivity indices and the chokepoint ranking, as present. "
     "--csv is required.",
     export_opts, "csv"},
    {"bench", "", "the benchmark suite: a table, and JSON records",
     "Runs the benchmark suite on every rank and OpenMP thread, prints a table and appends one JSON "
     "object per case to FILE (docs/performance.md). Temporary files go to $TMPDIR (default /tmp).",
     bench_opts, NULL},
    {"report", "OUT.h5", "one HTML page with the statistics and figures (Python reader)",
     "Writes one self-contained HTML page with the statistics and figures of OUT.h5, through the "
     "Python package in python/ (Debian's python3 with h5py, pandas, xarray and matplotlib; ICS_PYTHON "
     "names another interpreter).",
     report_opts, NULL},
    {"table", "SUBCOMMAND ...", "table tools: balance, nest, convert",
     "Table tools. Subcommands: balance, nest, convert (see icstress table SUBCOMMAND --help).",
     none_opts, NULL},
    {"table balance", "PRIOR_DIR", "balance a prior table to its gross outputs with GRAS",
     "Balances a prior MRIO table with GRAS (Junius & Oosterhaven 2003; Lenzen et al. 2007). "
     "PRIOR_DIR is in pymrio text layout: Z.csv, Y.csv, x.csv (required: the gross outputs are the "
     "targets) and optional VA.csv (prior value added, rows summed; default x - 1'Z).\n\n"
     "The matrix [[Z, Y], [va, 0]] is balanced to row sums [x; F] and column sums "
     "[x; F * (prior shares of the final-demand columns)], where F = total final demand = total "
     "value added keeps the prior's final-demand share of output. Entries keep their signs, zeros "
     "stay zero. The result (Z.csv, Y.csv, x.csv, VA.csv with one row 'value_added', 17 significant "
     "digits) is validated (balance 1e-9, productive) and written to OUT_DIR.partial, then renamed "
     "to OUT_DIR. -o is required. One process only.\n\n"
     "Exit status: 0 written, 2 bad usage or input (including infeasible targets), 1 other.",
     balance_opts, "output"},
    {"table nest", "FRAME CHAIN", "nest a chain table into a full-economy frame's sector",
     "Replaces SECTOR of the full-economy table FRAME, in every region, by the segments of the "
     "chain table CHAIN (builtin, a pymrio-style directory or an icstress .h5 file; FRAME may also "
     "be builtin_world_frame, the WIOD 2011 frame of builtin_world). The frame's cells are kept: "
     "the nested table aggregated over the chain's segments is the frame, so region totals, value "
     "added and final demand are the frame's. The chain's structure is the prior, fitted with GRAS "
     "updates (docs/nesting.md). The result (pymrio layout, 17 significant digits) is validated and "
     "written to OUT_DIR.partial, then renamed to OUT_DIR. --into and -o are required. One process "
     "only.\n\n"
     "Exit status: 0 written, 2 bad usage or input (including a fit that does not converge), 1 other.",
     nest_opts, "output"},
    {"table convert", "TABLE_DIR", "parse a table once, validate it and write it as an icstress .h5 table",
     "Reads TABLE_DIR (a pymrio-style directory, or any TABLE), validates it and writes it to "
     "TABLE.h5 (through TABLE.h5.partial), so that a large table is parsed once: runs and validate "
     "then read the binary file (docs/performance.md, \"Large tables\"). -o is required.",
     convert_opts, "output"},
    {"help", "[COMMAND]", "this list, or the help of COMMAND",
     "Prints the list of commands, or the help of COMMAND (as `icstress COMMAND --help`).",
     none_opts, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL}};

const ics_cmdspec *ics_cmdspec_find(const char *name)
{
    for (const ics_cmdspec *c = ics_commands; c->name; ++c)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}
