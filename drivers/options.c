/* The option layer: the parser over a command's table (drivers/commands.c) and the generators
 * of --help, the man page, docs/cli.md and the bash completion from the same tables. */
#include "ics_options.h"
#include "ics_driver.h"
#include "ics_stop.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ parsing */

static int nopts(const ics_cmdspec *c)
{
    int n = 0;
    while (c->opts[n].name) ++n;
    assert(n <= ICS_ARGS_MAX_OPTS);
    return n;
}

static int find_long(const ics_cmdspec *c, const char *name, size_t len)
{
    for (int k = 0; c->opts[k].name; ++k) {
        const ics_opt *o = &c->opts[k];
        if ((strlen(o->name) == len && !strncmp(o->name, name, len)) ||
            (o->alias && strlen(o->alias) == len && !strncmp(o->alias, name, len)))
            return k;
    }
    return -1;
}

static int find_short(const ics_cmdspec *c, char ch)
{
    for (int k = 0; c->opts[k].name; ++k)
        if (c->opts[k].letter == ch) return k;
    return -1;
}

/* "-o OUT.h5, --scenarios N, --resume": the options as the unknown-option message lists them */
static void option_list(const ics_cmdspec *c, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int k = 0; c->opts[k].name && at < len; ++k) {
        const ics_opt *o = &c->opts[k];
        int w;
        if (o->letter && o->metavar)
            w = snprintf(buf + at, len - at, "%s-%c %s", k ? ", " : "", o->letter, o->metavar);
        else
            w = snprintf(buf + at, len - at, "%s--%s%s%s", k ? ", " : "", o->name,
                         o->metavar ? " " : "", o->metavar ? o->metavar : "");
        if (w < 0) break;
        at += (size_t)w;
    }
}

static ics_status unknown(const ics_cmdspec *c, const char *opt, ics_error *err)
{
    if (!c->opts[0].name)
        return ics_error_set(err, ICS_EINPUT, "%s: unknown option '%s' (%s takes no options; see "
                             "icstress %s --help)", c->name, opt, c->name, c->name);
    char list[400];
    option_list(c, list, sizeof list);
    return ics_error_set(err, ICS_EINPUT, "%s: unknown option '%s' (options: %s)", c->name, opt,
                         list);
}

static int parse_real(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return *s && !*end && errno == 0 && isfinite(*v);
}

/* Convert the argument v of option o; 1 when valid. */
static int convert(const ics_opt *o, const char *v, ics_optval *out)
{
    double d;
    out->str = v;
    switch (o->kind) {
    case ICS_ARG_FLAG:
    case ICS_ARG_FILE:
    case ICS_ARG_DIR:
    case ICS_ARG_WORD:
        return 1;
    case ICS_ARG_INT:
        return ics_cli_parse_i64(v, &out->i) && out->i >= o->lo && out->i <= o->hi;
    case ICS_ARG_SEED:
        return ics_cli_parse_u64(v, &out->u);
    case ICS_ARG_DURATION:
        return ics_parse_duration(v, &out->d);
    case ICS_ARG_POSREAL:
        return parse_real(v, &out->d) && out->d > 0;
    case ICS_ARG_WHOLEREAL:
        if (!parse_real(v, &d) || d != floor(d) || d < (double)o->lo || d > (double)o->hi) return 0;
        out->i = (int64_t)d;
        out->d = d;
        return 1;
    }
    return 0;
}

static ics_status take(const ics_cmdspec *c, int k, const char *typed, const char *v, ics_args *a,
                       ics_error *err)
{
    const ics_opt *o = &c->opts[k];
    if (!v) return ics_error_set(err, ICS_EINPUT, "%s: %s needs %s", c->name, typed, o->needs);
    ics_optval val = a->val[k];
    if (!convert(o, v, &val))
        return ics_error_set(err, ICS_EINPUT, "%s: %s needs %s, got %s", c->name, typed, o->needs, v);
    ++val.set;
    a->val[k] = val;
    return ICS_OK;
}

ics_status ics_args_parse(const ics_cmdspec *c, int argc, char **argv, ics_args *a, ics_error *err)
{
    memset(a, 0, sizeof *a);
    a->cmd = c;
    (void)nopts(c);
    int operands_only = 0;
    char typed[80];
    for (int i = 1; i < argc; ++i) {
        const char *s = argv[i];
        if (!operands_only && !strcmp(s, "--")) {
            operands_only = 1;
        } else if (operands_only || s[0] != '-' || s[1] == '\0') {
            if (a->noperands < ICS_ARGS_MAX_OPERANDS) a->operand[a->noperands] = s;
            ++a->noperands;
        } else if (s[1] == '-') {
            const char *name = s + 2, *eq = strchr(name, '=');
            const size_t len = eq ? (size_t)(eq - name) : strlen(name);
            snprintf(typed, sizeof typed, "--%.*s", (int)(len < 70 ? len : 70), name);
            const int k = find_long(c, name, len);
            if (len == 4 && !strncmp(name, "help", 4) && !eq) {
                a->help = 1;
            } else if (k < 0) {
                return unknown(c, eq ? typed : s, err);
            } else if (c->opts[k].kind == ICS_ARG_FLAG) {
                if (eq) return ics_error_set(err, ICS_EINPUT, "%s: %s takes no argument (got '%s')",
                                             c->name, typed, s);
                ++a->val[k].set;
            } else {
                const ics_status st = take(c, k, typed, eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL, a, err);
                if (st != ICS_OK) return st;
            }
        } else {
            for (int j = 1; s[j]; ++j) {
                snprintf(typed, sizeof typed, "-%c", s[j]);
                const int k = find_short(c, s[j]);
                if (s[j] == 'h') {
                    a->help = 1;
                } else if (k < 0) {
                    return unknown(c, j == 1 && !s[2] ? s : typed, err);
                } else if (c->opts[k].kind == ICS_ARG_FLAG) {
                    ++a->val[k].set;
                } else {
                    const ics_status st =
                        take(c, k, typed, s[j + 1] ? s + j + 1 : i + 1 < argc ? argv[++i] : NULL, a, err);
                    if (st != ICS_OK) return st;
                    break;
                }
            }
        }
    }
    return ICS_OK;
}

int ics_args_help_requested(const ics_cmdspec *c, int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const char *s = argv[i];
        if (!strcmp(s, "--")) return 0;
        if (s[0] != '-' || s[1] == '\0') continue;
        if (s[1] == '-') {
            if (!strcmp(s, "--help")) return 1;
            const int k = find_long(c, s + 2, strlen(s + 2));
            if (k >= 0 && c->opts[k].kind != ICS_ARG_FLAG) ++i; /* its argument */
            continue;
        }
        for (int j = 1; s[j]; ++j) {
            if (s[j] == 'h') return 1;
            const int k = find_short(c, s[j]);
            if (k >= 0 && c->opts[k].kind != ICS_ARG_FLAG) {
                if (!s[j + 1]) ++i;
                break;
            }
        }
    }
    return 0;
}

static int index_of(const ics_args *a, const char *name)
{
    const int k = find_long(a->cmd, name, strlen(name));
    assert(k >= 0 && "option not in the command's table");
    return k;
}

const ics_optval *ics_args_get(const ics_args *a, const char *name)
{
    return &a->val[index_of(a, name)];
}

int ics_args_flag(const ics_args *a, const char *name)
{
    return a->val[index_of(a, name)].set > 0;
}

const char *ics_args_str(const ics_args *a, const char *name)
{
    const ics_optval *v = &a->val[index_of(a, name)];
    return v->set ? v->str : NULL;
}

static void synopsis(char *buf, size_t len, const ics_cmdspec *c);

ics_status ics_args_operands(const ics_args *a, int min, int max, ics_error *err)
{
    if (a->noperands > max)
        return ics_error_set(err, ICS_EINPUT, "%s: unexpected argument '%s'", a->cmd->name,
                             a->operand[max]);
    if (a->noperands < min) {
        char syn[1024];
        synopsis(syn, sizeof syn, a->cmd);
        return ics_error_set(err, ICS_EINPUT, "usage: %s", syn);
    }
    return ICS_OK;
}

/* ------------------------------------------------------------------ text helpers */

#define WIDTH 79

/* Words of text onto f from column col, lines at most WIDTH wide, continuation lines indented
 * by indent; "\n\n" in text starts a new paragraph. Returns the column after the last word. */
static int wrap(FILE *f, const char *text, int col, int indent)
{
    const char *p = text;
    int first = 1;
    while (*p) {
        if (p[0] == '\n' && p[1] == '\n') {
            fprintf(f, "\n\n%*s", indent, "");
            col = indent, first = 1, p += 2;
            continue;
        }
        if (*p == ' ' || *p == '\n') {
            ++p;
            continue;
        }
        const char *e = p;
        while (*e && *e != ' ' && *e != '\n') ++e;
        const int w = (int)(e - p);
        if (!first && col + 1 + w > WIDTH) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', f);
            ++col;
        }
        fwrite(p, 1, (size_t)w, f);
        col += w, first = 0, p = e;
    }
    return col;
}

/* "[-o OUT.h5]" or "[--resume]" (without brackets when required): one option in a synopsis */
static void synopsis_item(char *buf, size_t len, const ics_opt *o, int required)
{
    const char *l = required ? "" : "[", *r = required ? "" : "]";
    if (o->letter && o->metavar)
        snprintf(buf, len, "%s-%c %s%s", l, o->letter, o->metavar, r);
    else
        snprintf(buf, len, "%s--%s%s%s%s", l, o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "", r);
}

/* "icstress run CONFIG [-o OUT.h5] ..." into buf */
static void synopsis(char *buf, size_t len, const ics_cmdspec *c)
{
    size_t at = (size_t)snprintf(buf, len, "icstress %s%s%s", c->name, *c->operands ? " " : "",
                                 c->operands);
    for (int k = 0; c->opts[k].name && at < len; ++k) {
        char item[128];
        synopsis_item(item, sizeof item, &c->opts[k],
                      c->required && !strcmp(c->required, c->opts[k].name));
        at += (size_t)snprintf(buf + at, len - at, " %s", item);
    }
}

/* "-o, --output OUT.h5" */
static void option_head(char *buf, size_t len, const ics_opt *o)
{
    const char *sp = o->metavar ? " " : "", *mv = o->metavar ? o->metavar : "";
    if (o->letter)
        snprintf(buf, len, "-%c, --%s%s%s", o->letter, o->name, sp, mv);
    else
        snprintf(buf, len, "--%s%s%s", o->name, sp, mv);
}

/* The help sentence of an option with its default: the text --help, man and cli.md all show. */
static void option_help(char *buf, size_t len, const ics_opt *o)
{
    snprintf(buf, len, "%s%s%s%s", o->help, o->deflt ? " (default: " : "", o->deflt ? o->deflt : "",
             o->deflt ? ")" : "");
}

static const ics_opt help_opt = {"help", 'h', ICS_ARG_FLAG, NULL, "print this help and exit",
                                 NULL, NULL, 0, 0, NULL};

/* ------------------------------------------------------------------ --help */

void ics_usage_command(FILE *f, const ics_cmdspec *c)
{
    char syn[1024];
    synopsis(syn, sizeof syn, c);
    fputs("usage: ", f);
    wrap(f, syn, 7, 11);
    fputs("\n\n", f);
    wrap(f, c->text, 0, 0);
    fputs("\n", f);
    if (!strcmp(c->name, "help") || !strcmp(c->name, "table")) {
        fputs("\ncommands:\n", f);
        for (const ics_cmdspec *d = ics_commands; d->name; ++d)
            if (strcmp(c->name, "table") || !strncmp(d->name, "table ", 6))
                fprintf(f, "  %-16s %s\n", d->name, d->summary);
    }
    fputs("\noptions:\n", f);
    for (int k = 0;; ++k) {
        const ics_opt *o = c->opts[k].name ? &c->opts[k] : &help_opt;
        char head[160], help[1024];
        option_head(head, sizeof head, o);
        option_help(help, sizeof help, o);
        int col = fprintf(f, "  %s%s", o->letter ? "" : "    ", head);
        if (col > 27) {
            fprintf(f, "\n%*s", 28, "");
        } else {
            fprintf(f, "%*s", 28 - col, "");
        }
        wrap(f, help, 28, 28);
        fputs("\n", f);
        if (o == &help_opt) break;
    }
}

static const char *const exit_text =
    "Run directly (one process) or under mpirun -np N. Exit status: 0 success, 2 bad usage or bad "
    "input (one line on stderr naming the file, the place and what was wrong; nothing written), 3 "
    "interrupted by a signal or --max-time (resumable with --resume), 1 any other failure.";

static const char *const table_text =
    "A TABLE is 'builtin', a pymrio-style directory (Z.csv, Y.csv[, x.csv, VA.csv]) or an "
    "icstress .h5 file. See README.md and docs/ for the configuration format.";

void ics_usage_main(FILE *f)
{
    fputs("usage: icstress <command> [options]\n\ncommands:\n", f);
    for (const ics_cmdspec *c = ics_commands; c->name; ++c) {
        char syn[1024];
        synopsis(syn, sizeof syn, c);
        fputs("  ", f);
        const int col = wrap(f, syn + strlen("icstress "), 2, 6);
        if (col < 21)
            fprintf(f, "%*s", 22 - col, "");
        else
            fprintf(f, "\n%*s", 22, "");
        wrap(f, c->summary, 22, 22);
        fputs("\n", f);
    }
    fputs("  --help (-h), --version (-V)\n\n", f);
    wrap(f, exit_text, 0, 0);
    fputs("\n", f);
    wrap(f, table_text, 0, 0);
    fputs("\n`icstress COMMAND --help` (or `icstress help COMMAND`) prints a command's options.\n", f);
}

/* ------------------------------------------------------------------ man page */

/* roff text: backslashes, hyphens (as \-, so they copy as ASCII), leading dots and quotes */
static void roff(FILE *f, const char *s, int line_start)
{
    for (; *s; ++s) {
        if (line_start && (*s == '.' || *s == '\'')) fputs("\\&", f);
        line_start = 0;
        if (*s == '\\') fputs("\\e", f);
        else if (*s == '-') fputs("\\-", f);
        else if (*s == '\n') {
            /* paragraphs: "\n\n" becomes .PP */
            if (s[1] == '\n') {
                fputs("\n.PP\n", f);
                ++s;
            } else {
                fputc(' ', f);
            }
            line_start = 1;
        } else fputc(*s, f);
    }
}

void ics_write_man(FILE *f)
{
    fprintf(f, ".\\\" icstress(1), generated by `icstress --man` from drivers/commands.c: do not edit.\n"
               ".TH ICSTRESS 1 \"\" \"icstress %s\" \"User Commands\"\n"
               ".nh\n.ad l\n"
               ".SH NAME\nicstress \\- scenario engine for a multi\\-regional input\\-output model of "
               "the IC industry chain\n.SH SYNOPSIS\n", ICS_VERSION);
    for (const ics_cmdspec *c = ics_commands; c->name; ++c) {
        char syn[1024];
        synopsis(syn, sizeof syn, c);
        roff(f, syn, 1);
        fputs("\n.br\n", f);
    }
    fputs(".B icstress\n\\-\\-help | \\-h | \\-\\-version | \\-V\n", f);
    fputs(".SH DESCRIPTION\n", f);
    roff(f, "icstress runs large stochastic ensembles of shocks through a multi-regional "
            "input-output model of the global integrated-circuit industry chain (static Leontief, "
            "Ghosh and inoperability models, DIIM and ARIO-type dynamics) with OpenMP and MPI, "
            "reproducibly for any number of processes, and writes HDF5.", 1);
    fputs("\n.PP\n", f);
    roff(f, table_text, 1);
    fputs("\n.PP\n", f);
    roff(f, "Options and operands may come in any order; --name=VALUE, -oVALUE and clustered flag "
            "letters (-qf) are accepted; long names are never abbreviated; -- ends the options.", 1);
    fputs("\n.SH COMMANDS\n", f);
    for (const ics_cmdspec *c = ics_commands; c->name; ++c) {
        fputs(".SS \"", f);
        roff(f, c->name, 0);
        fputs("\"\n", f);
        char syn[1024];
        synopsis(syn, sizeof syn, c);
        fputs(".B ", f);
        roff(f, syn, 0);
        fputs("\n.PP\n", f);
        roff(f, c->text, 1);
        fputs("\n", f);
        for (int k = 0;; ++k) {
            const ics_opt *o = c->opts[k].name ? &c->opts[k] : &help_opt;
            char head[160], help[1024];
            option_head(head, sizeof head, o);
            option_help(help, sizeof help, o);
            fputs(".TP\n.B ", f);
            roff(f, head, 0);
            fputs("\n", f);
            roff(f, help, 1);
            fputs("\n", f);
            if (o == &help_opt) break;
        }
    }
    fputs(".SH EXIT STATUS\n", f);
    roff(f, exit_text, 1);
    fputs("\n.SH ENVIRONMENT\n.TP\n.B OMP_NUM_THREADS\n", f);
    roff(f, "OpenMP threads per process; if unset, SLURM_CPUS_PER_TASK, else the CPUs of the "
            "process's affinity mask (icstress info says which rule chose).", 1);
    fputs("\n.TP\n.B SLURM_CPUS_PER_TASK\n", f);
    roff(f, "threads per process when OMP_NUM_THREADS is unset.", 1);
    fputs("\n.TP\n.B OPENBLAS_CORETYPE\n", f);
    roff(f, "the BLAS kernels OpenBLAS uses (icstress info warns about generic kernels).", 1);
    fputs("\n.TP\n.B ICS_MPI_DEFAULTS\n", f);
    roff(f, "0 keeps Open MPI's own start-up; otherwise a process no launcher started, and the "
            "ranks of an mpirun or srun --mpi=pmix step on one node, get OMPI_MCA_pml=ob1 unless the "
            "environment sets it "
            "(icstress info says what is in effect; docs/hpc.md).", 1);
    fputs("\n.TP\n.B ICS_PYTHON\n", f);
    roff(f, "the Python interpreter of icstress report (default /usr/bin/python3).", 1);
    fputs("\n.TP\n.B TMPDIR\n", f);
    roff(f, "temporary files of icstress bench (default /tmp).", 1);
    fputs("\n.SH SIGNALS\n", f);
    roff(f, "SIGINT, SIGTERM and SIGUSR1 (Slurm's --signal) stop a run: no new block is taken; "
            "after SIGUSR1 the blocks in flight are finished, after SIGTERM and SIGINT they are "
            "dropped (recomputed by a resume); the partial result is flushed and closed, one line "
            "says how to resume, and the exit status is 3 (under mpirun: SIGUSR1 to mpirun gives "
            "3; SIGTERM to mpirun gives mpirun's own status 1, see docs/hpc.md).", 1);
    fputs("\n.SH SEE ALSO\n", f);
    roff(f, "mpirun(1), srun(1), h5dump(1). The documentation in /usr/share/doc/icstress "
            "(README.md, docs/cli.md, docs/config.md, docs/hpc.md).", 1);
    fputs("\n", f);
}

/* ------------------------------------------------------------------ docs/cli.md */

/* text with "|" escaped for a Markdown table cell */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; ++s) {
        if (*s == '|') fputs("\\|", f);
        else if (*s == '\n') fputc(' ', f);
        else fputc(*s, f);
    }
}

void ics_write_markdown(FILE *f)
{
    fputs("<!-- generated by `icstress --markdown` from drivers/commands.c: begin -->\n", f);
    for (const ics_cmdspec *c = ics_commands; c->name; ++c) {
        char syn[1024];
        synopsis(syn, sizeof syn, c);
        fprintf(f, "\n## icstress %s\n\n```\n%s\n```\n\n", c->name, syn);
        for (const char *p = c->text; *p; ++p) {
            if (p[0] == '\n' && p[1] == '\n') {
                fputs("\n\n", f);
                ++p;
            } else {
                fputc(*p, f);
            }
        }
        fputs("\n\n| option | meaning | default |\n|---|---|---|\n", f);
        for (int k = 0;; ++k) {
            const ics_opt *o = c->opts[k].name ? &c->opts[k] : &help_opt;
            char head[160];
            option_head(head, sizeof head, o);
            fputs("| `", f);
            md_cell(f, head);
            fputs("`", f);
            if (o->alias) fprintf(f, " (also `--%s`)", o->alias);
            fputs(" | ", f);
            md_cell(f, o->help);
            fputs(" | ", f);
            md_cell(f, o->deflt ? o->deflt : "");
            fputs(" |\n", f);
            if (o == &help_opt) break;
        }
    }
    fputs("\n<!-- generated by `icstress --markdown` from drivers/commands.c: end -->\n", f);
}

/* ------------------------------------------------------------------ bash completion */

void ics_write_completion(FILE *f)
{
    fputs("# bash completion for icstress, generated by `icstress --completion` from\n"
          "# drivers/commands.c: do not edit.\n"
          "_icstress()\n{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
          "    local cmd=${COMP_WORDS[1]}\n"
          "    COMPREPLY=()\n"
          "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
          "        COMPREPLY=($(compgen -W \"", f);
    for (const ics_cmdspec *c = ics_commands; c->name; ++c)
        if (!strchr(c->name, ' ')) fprintf(f, "%s ", c->name);
    fputs("--help -h --version -V\" -- \"$cur\"))\n"
          "        return\n    fi\n"
          "    case \"$cmd\" in\n", f);
    /* commands with subcommands complete the subcommand first */
    for (const ics_cmdspec *c = ics_commands; c->name; ++c) {
        if (strchr(c->name, ' ')) continue;
        int subs = 0;
        for (const ics_cmdspec *d = ics_commands; d->name; ++d)
            subs += !strncmp(d->name, c->name, strlen(c->name)) && d->name[strlen(c->name)] == ' ';
        if (!subs) continue;
        fprintf(f, "    %s)\n        if [ \"$COMP_CWORD\" -eq 2 ]; then\n"
                   "            COMPREPLY=($(compgen -W \"", c->name);
        for (const ics_cmdspec *d = ics_commands; d->name; ++d)
            if (!strncmp(d->name, c->name, strlen(c->name)) && d->name[strlen(c->name)] == ' ')
                fprintf(f, "%s ", d->name + strlen(c->name) + 1);
        fputs("--help -h\" -- \"$cur\"))\n            return\n        fi\n"
              "        cmd=\"$cmd ${COMP_WORDS[2]}\" ;;\n", f);
    }
    fputs("    help)\n        COMPREPLY=($(compgen -W \"", f);
    for (const ics_cmdspec *c = ics_commands; c->name; ++c)
        if (!strchr(c->name, ' ')) fprintf(f, "%s ", c->name);
    fputs("\" -- \"$cur\"))\n        return ;;\n    esac\n"
          "    local opts files dirs\n"
          "    case \"$cmd\" in\n", f);
    for (const ics_cmdspec *c = ics_commands; c->name; ++c) {
        fprintf(f, "    \"%s\")\n        opts=\"", c->name);
        for (int k = 0; c->opts[k].name; ++k) {
            const ics_opt *o = &c->opts[k];
            if (o->letter) fprintf(f, "-%c ", o->letter);
            fprintf(f, "--%s ", o->name);
            if (o->alias) fprintf(f, "--%s ", o->alias);
        }
        fputs("-h --help\"\n        files=\"", f);
        for (int k = 0; c->opts[k].name; ++k) {
            const ics_opt *o = &c->opts[k];
            if (o->kind == ICS_ARG_FLAG || o->kind == ICS_ARG_DIR) continue;
            const char *none = o->kind == ICS_ARG_FILE ? "" : ":none"; /* nothing to complete */
            if (o->letter) fprintf(f, " -%c%s", o->letter, none);
            fprintf(f, " --%s%s", o->name, none);
            if (o->alias) fprintf(f, " --%s%s", o->alias, none);
        }
        fputs(" \"\n        dirs=\"", f);
        for (int k = 0; c->opts[k].name; ++k) {
            const ics_opt *o = &c->opts[k];
            if (o->kind != ICS_ARG_DIR) continue;
            if (o->letter) fprintf(f, " -%c", o->letter);
            fprintf(f, " --%s", o->name);
        }
        fputs(" \" ;;\n", f);
    }
    fputs("    *) return ;;\n    esac\n"
          "    if [[ \" $dirs \" == *\" $prev \"* ]]; then\n"
          "        COMPREPLY=($(compgen -d -- \"$cur\"))\n"
          "    elif [[ \" $files \" == *\" $prev:none \"* ]]; then\n"
          "        return\n"
          "    elif [[ \" $files \" == *\" $prev \"* ]]; then\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    elif [[ \"$cur\" == -* ]]; then\n"
          "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
          "    else\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    fi\n"
          "}\n"
          "complete -o filenames -F _icstress icstress\n", f);
}
