/* The option layer of the icstress program: one table per command (drivers/commands.c) that
 * the parser (drivers/options.c) reads, and from which each command's --help, the man page
 * icstress(1), the bash completion and docs/cli.md are generated, so none of them can drift. */
#ifndef ICS_OPTIONS_H
#define ICS_OPTIONS_H

#include "ics_error.h"

#include <stdint.h>
#include <stdio.h>

/* What an option's argument is; the parser converts and checks it. */
typedef enum ics_argkind {
    ICS_ARG_FLAG,      /* no argument */
    ICS_ARG_FILE,      /* a path (completed as a file name) */
    ICS_ARG_DIR,       /* a directory (completed as a directory name) */
    ICS_ARG_WORD,      /* any other text (not completed) */
    ICS_ARG_INT,       /* a whole-string decimal integer in [lo, hi] */
    ICS_ARG_SEED,      /* an unsigned 64-bit integer */
    ICS_ARG_DURATION,  /* 3600, 90s, 45m, 1h30m or 01:30:00, in seconds (ics_parse_duration) */
    ICS_ARG_POSREAL,   /* a finite number > 0 */
    ICS_ARG_WHOLEREAL  /* a number written any way strtod reads, whole, in [lo, hi] */
} ics_argkind;

/* One option: one line of a command's table. */
typedef struct ics_opt {
    const char *name;      /* long name without "--" */
    char letter;           /* short option letter, 0 for none */
    ics_argkind kind;
    const char *metavar;   /* the argument's name in the help (NULL for a flag) */
    const char *help;      /* one sentence, no final period */
    const char *deflt;     /* the default in words, NULL when there is none worth saying */
    const char *needs;     /* "<option> needs ...": NULL for the kind's own words */
    int64_t lo, hi;        /* ICS_ARG_INT and ICS_ARG_WHOLEREAL range */
    const char *alias;     /* a second long name accepted for the same option, or NULL */
} ics_opt;

/* One command (or subcommand, "table balance"): its operands, what it does, its options. */
typedef struct ics_cmdspec {
    const char *name;      /* "run", "table balance" */
    const char *operands;  /* the synopsis of its operands ("CONFIG"), "" for none */
    const char *summary;   /* one line for the command list */
    const char *text;      /* what it does, paragraphs separated by "\n\n", for --help and man */
    const ics_opt *opts;   /* terminated by an entry with name NULL */
    const char *required;  /* the long name of an option the command requires (shown without
                              brackets; the command checks it), or NULL */
} ics_cmdspec;

/* Every command, in the order of the help text, terminated by an entry with name NULL. */
extern const ics_cmdspec ics_commands[];
/* The command called name ("run", "table balance"), or NULL. */
const ics_cmdspec *ics_cmdspec_find(const char *name);

#define ICS_ARGS_MAX_OPTS 32
#define ICS_ARGS_MAX_OPERANDS 8

/* An option's value after parsing. */
typedef struct ics_optval {
    int set;               /* how often it was given (a later value replaces an earlier one) */
    const char *str;       /* the argument as given (NULL for a flag) */
    const char *as_typed;  /* the option as the user wrote it ("-o", "--output") */
    int64_t i;             /* ICS_ARG_INT, ICS_ARG_WHOLEREAL */
    uint64_t u;            /* ICS_ARG_SEED */
    double d;              /* ICS_ARG_DURATION (seconds), ICS_ARG_POSREAL */
} ics_optval;

/* A parsed command line: values by table position, the operands in order. */
typedef struct ics_args {
    const ics_cmdspec *cmd;
    ics_optval val[ICS_ARGS_MAX_OPTS];
    const char *operand[ICS_ARGS_MAX_OPERANDS];
    int noperands;         /* all operands given (only the first ICS_ARGS_MAX_OPERANDS kept) */
    int help;              /* -h or --help was given */
} ics_args;

/* Parse argv[1..argc-1] (argv[0] is the command's name) against cmd's table: options and
 * operands in any order, "--name VALUE", "--name=VALUE", "-x VALUE", "-xVALUE", clustered flag
 * letters ("-qf"), "--" ends the options, a lone "-" is an operand. Long names must be written
 * in full (no abbreviations: adding an option never breaks a script). -h and --help are every
 * command's. ICS_EINPUT with one line "<command>: ..." for an unknown option, a missing or
 * invalid argument; the operands are for the command to check. */
ics_status ics_args_parse(const ics_cmdspec *cmd, int argc, char **argv, ics_args *a,
                          ics_error *err);
/* 1 when -h or --help appears among argv[1..] as an option (not as an option's argument and not
 * after "--"); whatever else is on the line, the command then prints its help and exits 0. */
int ics_args_help_requested(const ics_cmdspec *cmd, int argc, char **argv);

/* Between min and max operands, else ICS_EINPUT: "<command>: unexpected argument 'X'" for one
 * too many, "usage: icstress <command> <synopsis>" for too few. */
ics_status ics_args_operands(const ics_args *a, int min, int max, ics_error *err);

/* Accessors by long name (an unknown name is a programming error: assert). */
const ics_optval *ics_args_get(const ics_args *a, const char *name);
int ics_args_flag(const ics_args *a, const char *name);
const char *ics_args_str(const ics_args *a, const char *name); /* NULL when not given */

/* Generators (drivers/options.c), all from ics_commands[]. */
void ics_usage_command(FILE *f, const ics_cmdspec *cmd);  /* `icstress CMD --help` */
void ics_usage_main(FILE *f);                              /* `icstress --help` */
void ics_write_man(FILE *f);                               /* icstress(1) in roff */
void ics_write_markdown(FILE *f);                          /* docs/cli.md */
void ics_write_completion(FILE *f);                        /* bash completion */

#endif
