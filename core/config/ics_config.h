/* The run configuration: a YAML file (libyaml) with the schema of INTERFACE.md.
 * Parsing checks types, ranges and unknown keys (with a "did you mean" hint); labels are checked
 * against the table later (ics_shock_select), since the table is itself named in the config. */
#ifndef ICS_CONFIG_H
#define ICS_CONFIG_H

#include "ics_error.h"

#include <stdint.h>

/* Largest scenario count: every scenario index must be exact as a double (the samplers and the
 * statistics compute with indices as doubles), 2^53; sobol allows at most 2^32 (ics_sampler.h).
 * HDF5 dimensions (64-bit) hold more; the free disk space bounds a run long before either. */
#define ICS_MAX_SCENARIOS (INT64_C(1) << 53)

typedef enum ics_dist_kind {
    ICS_DIST_CONST = 0,
    ICS_DIST_UNIFORM,      /* min, max               */
    ICS_DIST_NORMAL,       /* mean, sd               */
    ICS_DIST_TRUNCNORMAL,  /* mean, sd, min, max     */
    ICS_DIST_LOGNORMAL,    /* mu, sigma              */
    ICS_DIST_BETA,         /* a, b, optional min,max (scaled; default 0,1) */
    ICS_DIST_TRIANGULAR    /* min, mode, max         */
} ics_dist_kind;

typedef struct ics_dist {
    ics_dist_kind kind;
    double value;          /* ICS_DIST_CONST */
    double min, max;       /* uniform, truncnormal, beta (scaling), triangular */
    double mean, sd;       /* normal, truncnormal */
    double mu, sigma;      /* lognormal */
    double a, b;           /* beta shapes */
    double mode;           /* triangular */
    int truncate;          /* `truncate: true`: draws outside the parameter's physical domain are
                              clipped at its bound and counted (ics_shock_domain.h); else a law
                              that leaves the domain is an input error */
} ics_dist;

typedef enum ics_shock_type {
    ICS_SHOCK_FINAL_DEMAND = 0,
    ICS_SHOCK_VALUE_ADDED,
    ICS_SHOCK_CAPACITY_LOSS,
    ICS_SHOCK_TRADE_RESTRICTION,
    ICS_SHOCK_COEFFICIENT
} ics_shock_type;

typedef struct ics_shock {
    char *name;            /* unique; default "shock<k>" (k from 1) */
    ics_shock_type type;
    char **regions;  int nregions;   /* labels or globs as written; nregions = 0 means all */
    char **segments; int nsegments;  /* likewise */
    char **from;     int nfrom;      /* trade_restriction: supplier regions */
    char **to;       int nto;        /* trade_restriction: buyer regions */
    ics_dist change;       /* `change` (or `loss` for capacity_loss) */
    double probability;    /* in [0,1]; default 1 */
    int start;             /* default 0; for a random start, its smallest possible value */
    int duration;          /* -1 = to the end of the horizon; for a random one, its smallest */
    ics_dist start_dist;   /* the start as given: a constant or a law (rounded to whole steps) */
    ics_dist duration_dist;/* likewise (kind CONST with value -1 when absent) */
    int recovery;          /* default 0 */
    int line;              /* 1-based line of the shock's entry in the YAML file, for messages */
} ics_shock;

/* A user-defined aggregate: the loss summed over the selected nodes. */
typedef struct ics_aggdef {
    char *name;            /* unique; the dataset /scenarios/aggregates/<name> */
    char **regions;  int nregions;   /* labels or globs; 0 = all */
    char **segments; int nsegments;
    int value_added;       /* quantity: 0 = output (default), 1 = value_added */
    int line;
} ics_aggdef;

typedef enum ics_model_kind { ICS_MODEL_LEONTIEF = 0, ICS_MODEL_GHOSH, ICS_MODEL_IIM, ICS_MODEL_DIIM, ICS_MODEL_ARIO } ics_model_kind;
typedef enum ics_sampler_kind { ICS_SAMPLER_MC = 0, ICS_SAMPLER_LHS, ICS_SAMPLER_SOBOL } ics_sampler_kind;

/* A DIIM parameter given for every segment and/or per segment code (issue 16). */
typedef struct ics_diim_segmap {
    int given;             /* the config sets the key */
    int has_def;           /* def holds the config's value for segments not listed */
    double def;
    char **segments; double *values; int n;
} ics_diim_segmap;
/* A per-segment parameter of a config section: one value for every segment (`default`, or a
 * plain number) and per-segment overrides; labels are checked against the table later. */
typedef struct ics_segvals {
    int has_default;       /* a default (or a plain number) was given */
    double def;
    char **seg;            /* [n] segment labels (owned) */
    double *val;           /* [n] */
    int *line;             /* [n] config lines, for messages */
    int n;
} ics_segvals;

typedef struct ics_config {
    char *path;            /* the file it was read from (owned) */
    char *text;            /* the whole file, stored as the `config` attribute (owned) */
    char *table;           /* "builtin" (default), a directory or an .h5 file; relative paths are
                              resolved against the config file's directory (owned) */
    ics_model_kind model;  /* default leontief */
    int64_t scenarios;     /* default 1000; >= 1 */
    uint64_t seed;         /* default 42 */
    ics_sampler_kind sampler; /* default mc */
    int horizon;           /* default 104 */
    int block_size;        /* `block_size`, scenarios per block; default 1024; 1..1048576 */
    double balance_rtol;   /* `balance_tolerance`; default 1e-6 */
    ics_shock *shocks; int nshocks;
    char *output_file;     /* output.file; default "results.h5" (owned) */
    char **store; int nstore;  /* output.store; default {output_change, total_output_loss} */
    ics_aggdef *aggs; int naggs; /* `aggregates:` section */
    int compression;       /* output.compression: gzip level 0..9 (0 = none; default) */
    int table_reference;   /* output.table: 0 copy (default), 1 reference (path + SHA-256) */
    int store_only;        /* output.store_only: va_loss_by_region and the GDP outputs only when
                              store lists them (or a sensitivity target names them); default 0:
                              always stored (the GDP outputs on a full-economy table) */
    int fast_aggregates;   /* `fast_aggregates`: aggregates as (S L P) Theta when no node output
                              is stored and the model is linear (default true) */
    /* correlation section: a Gaussian copula over the named shocks' parameters */
    char **corr_factors; int ncorr;  /* shock names (or "<shock>/change|loss") */
    double *corr_matrix;   /* [ncorr*ncorr] row-major */
    int corr_line;         /* line of the section, for messages */
    /* dynamic models */
    double recovery_level; /* `recovery_level`: share of baseline output that counts as
                              recovered (default 0.99) */
    int steps_per_year;    /* `steps_per_year`: the table's flows are per year; a step is
                              1/steps_per_year of it (default 52: weekly steps) */
    int ario_line;         /* line of the `ario:` section (0 = absent) */
    /* diim section */
    double diim_lambda;    /* default 0.01 */
    /* recovery_time: default and per-segment overrides (segment labels checked later) */
    double diim_recovery_default;      /* default 26 */
    int diim_rt_given;     /* 1 when the config sets recovery_time (else the built-in table's
                              per-segment recovery times apply on table: builtin) */
    char **diim_rt_segments; double *diim_rt_values; int diim_nrt;
    int diim_coefficients; /* 0 discrete_exact (default), 1 lian_haimes (docs/models.md) */
    /* severity-dependent recovery (issue 16): the share of a node's capacity that repair can
     * restore, and the rebuild time (steps) of what is lost beyond it */
    ics_diim_segmap diim_repairable, diim_rebuild;
    /* sensitivity section (parsed now, used by the sensitivity issue) */
    int has_sensitivity;
    char *sens_method;     /* "sobol" | "morris" */
    char **sens_targets; int sens_ntargets;
    int64_t sens_samples;
    /* groups: {name: [factor, ...]}; factors "<shock>/change|loss|occurs" (checked against the
     * plan in core/analysis/sensitivity.c). sens_gfactors[i] belongs to group sens_gfactor_group[i]. */
    char **sens_group_names; int sens_ngroups;
    char **sens_gfactors; int *sens_gfactor_group; int *sens_gfactor_line; int sens_ngfactors;
    int sens_line;             /* line of the section, for messages */
    ics_sampler_kind sens_sampler; /* `sampler` of the design's base set; default sobol */
    int sens_second_order;     /* `second_order`: default false */
    int sens_levels;           /* morris `levels` p (even >= 2); default 4 */
    int sens_bootstrap;        /* `bootstrap` resamples; default 200, 0 = none */
    double sens_ci_target;     /* `ci_target`: stop when every ST half-width is below (0 = off) */
    int64_t sens_max_samples;  /* `max_samples`: budget of base samples for the stopping rule */
    /* ario section (core/dynamics/ario.c; keys in docs/models.md). A value left 0 was not given and
     * ics_ario_create applies its default: alpha_max 1.25, tau_alpha steps_per_year steps, psi
     * 0.8, tau_inventory 60 days and inventory 90 days of use (in steps), substitution share 0
     * and ramp 0. Inventory targets are steps of use, INFINITY for `inf` (no constraint). */
    double ario_alpha_max;     /* >= 1 */
    double ario_tau_alpha;     /* steps, >= 1 */
    double ario_psi;           /* (0, 1] */
    double ario_tau_inventory; /* steps, >= 1 */
    double ario_inv_default;   /* steps > 0 or INFINITY */
    char **ario_inv_segments;  /* [ario_ninv] per-segment targets (labels checked later; owned) */
    double *ario_inv_values;   /* [ario_ninv] steps > 0 or INFINITY */
    int *ario_inv_lines;       /* [ario_ninv] config lines, for messages */
    int ario_ninv;
    int ario_order_base;       /* order_type: 0 = alt (default), 1 = base */
    int ario_recovery_curve;   /* 0 = linear (default), 1 = convex, 2 = concave */
    double ario_subst_share;   /* substitution.share in [0, 1] */
    double ario_subst_ramp;    /* substitution.ramp, steps >= 0 */
    /* Per-segment physical limits (docs/models.md, "Physical limits"): alpha_max per segment
     * (ario_alpha_max mirrors its default), build_lag (steps before capacity above the
     * pre-shock level comes online) and requalification (steps before substitution acts). */
    ics_segvals ario_amax, ario_build_lag, ario_requal;
    /* essential_for: which buyers each product's stock constrains, as pairs (product pattern,
     * buyer pattern) in seg[0,1], seg[2,3], ...; has_default = 1 when the key was given */
    ics_segvals ario_essential;
    /* ario.rebuilding (issue 16; core/dynamics/ario_config.c, docs/models.md "Rebuilding"): off
     * when absent (ario_rb_line 0). share and capital_ratio per segment; sectors as (pattern,
     * weight) in seg/val; tau in steps (0: the default, 60 days); origin 0 purchases, 1 local */
    int ario_rb_line;
    ics_segvals ario_rb_share, ario_rb_capital, ario_rb_sectors;
    double ario_rb_tau;
    int ario_rb_origin;
    /* `uncertainty:` section (core/config/config_uncertainty.c; docs/config.md): calibration
     * parameters sampled per scenario exactly like a shock's parameter (a design dimension, a
     * column of /scenarios/parameters/uncertainty/, a sensitivity factor uncertainty/<key>) */
    int unc_line;              /* line of the section (0 = absent) */
    int unc_has_inventory;     /* `inventory` given */
    ics_dist unc_inventory;    /* multiplier on ARIO's inventory targets (> 0) */
    int unc_inventory_line;
    char **unc_inv_segments;   /* `inventory_segments`: products it scales (owned; 0 = all) */
    int *unc_inv_seg_lines;
    int unc_ninv_segments;
    int unc_has_table;         /* `table: {coefficients, draws}` given */
    double unc_table_cv;       /* relative sd of each input coefficient's perturbation, [0, 1] */
    int unc_table_draws;       /* perturbed tables K, 1 .. 1024 */
    int unc_table_line;
    int unc_has_amax, unc_has_lag;  /* `alpha_max`, `build_lag` given (model: ario) */
    ics_dist unc_amax;         /* multiplier on every segment's overproduction headroom alpha_max - 1 */
    ics_dist unc_lag;          /* multiplier on every segment's build lag */
    int unc_amax_line, unc_lag_line;
    int unc_has_requal;        /* `requalification` given (model: ario) */
    ics_dist unc_requal;       /* multiplier on every segment's requalification lag */
    int unc_requal_line;
} ics_config;

/* Limits of a config file: its size and the nesting depth of its YAML (checked before the
 * document is composed; core/config/config_limits.c). */
#define ICS_CONFIG_MAX_BYTES (16u << 20)
#define ICS_CONFIG_MAX_DEPTH 64
ics_status ics__config_check_limits(const char *text, const char *name, ics_error *err);

/* Parse a YAML config file. Errors are ICS_EINPUT with "FILE:LINE: key 'k': what" messages;
 * unknown keys name the nearest valid key. A missing or unreadable file is ICS_EINPUT too
 * (the user named it). */
ics_status ics_config_load(const char *path, ics_config **out, ics_error *err);
/* Parse from a string (path is only used in messages). */
ics_status ics_config_parse(const char *text, const char *path, ics_config **out, ics_error *err);
void ics_config_destroy(ics_config **cfg);

const char *ics_model_name(ics_model_kind m);
const char *ics_sampler_name(ics_sampler_kind s);
const char *ics_shock_type_name(ics_shock_type t);
/* "normal(mean 0, sd 1)" and the like, for messages. */
const char *ics_dist_describe(const ics_dist *d, char *buf, size_t len);

/* Edit distance used for "did you mean" hints; exposed for tests. */
int ics_levenshtein(const char *a, const char *b);
/* The candidate nearest to `word` (or NULL when none is within a sensible distance). */
const char *ics_nearest(const char *word, const char *const *candidates, int ncand);

#endif
