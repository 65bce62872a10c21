/* Dynamic models over a block of scenarios: DIIM (core/dynamics/diim.c) and the ARIO-type
 * supply-constrained model (core/dynamics/ario.c). Both advance an n x b state per time step with a few
 * BLAS-3 calls on the whole block plus elementwise work (no per-scenario matrix loops), over
 * `horizon` steps, and report per scenario the cumulative output change (which feeds the same
 * aggregates as the static models), recovery times, peak losses and optionally trajectories.
 *
 * Timing (INTERFACE.md): a shock with start s and duration d acts in steps t = s .. s+d-1 and
 * shapes the states t+1; without duration it lasts to the end of the horizon; `recovery` r steps
 * then bring it linearly back to nothing. Plan-then-execute: ics_dyn_create does all set-up;
 * the block functions allocate nothing and are thread-safe with one workspace per thread. */
#ifndef ICS_DYNAMIC_H
#define ICS_DYNAMIC_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_table.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct ics_ario;
struct ics_dyn;
struct ics_dyn_ws;

/* Default diim.repairable_share: the share of a node's capacity that repair (not rebuilding)
 * can restore after damage. An assumption (docs/models.md, docs/validation.md): no recorded
 * event in configs/history/ destroyed capacity beyond repair, so none identifies it. */
#define ICS_DIIM_REPAIRABLE_SHARE 0.5


/* What the dynamic plan needs of a model: the plan (dynamic.c) prepares the shock schedules,
 * masks, patterns and the shared workspace, records every step (ics_dyn_record) and calls the
 * model only through these. A model fills one in and is listed once in registry.c (or, at run
 * time, passed to ics_dyn_register). */
typedef struct ics_dyn_ops {
    const char *name;      /* the config's model name ("diim", "ario") */
    int demand_relative;   /* pattern of a final_demand shock per unit change: 1 c*_i = -y_i/x_i
                              (inoperability), 0 dy_i = y_i */
    /* set-up after the shared part of the plan: the model's own plan (d->kdiag, d->ario or
     * d->impl); on failure the plan is destroyed, and with it (destroy) what was set */
    ics_status (*create)(const ics_config *cfg, const ics_table *t, const ics_model *m,
                         struct ics_dyn *d, ics_error *err);
    /* bytes of model-specific scratch per workspace of b scenarios (ws->model_ws), or NULL */
    size_t (*ws_bytes)(const struct ics_dyn *d, int b);
    /* run scenarios first .. first+bb-1 over the horizon: ws->Theta/Raw/Occ/Start/Dur hold the
     * sampled parameters; call ics_dyn_reset, then ics_dyn_record for t = 0..T.
     * Allocation-free and thread-safe with one workspace per thread. */
    void (*block)(const struct ics_dyn *d, const ics_plan *p, int64_t first, int bb,
                  struct ics_dyn_ws *ws);
    void (*destroy)(struct ics_dyn *d); /* free the model's own plan; may be NULL */
} ics_dyn_ops;

/* The registered dynamic model of a name, or NULL. Thread-safe once registration is over. */
const ics_dyn_ops *ics_dyn_ops_find(const char *name);
/* Register a model at run time (tests, embedding programs) beside the built-in ones listed in
 * registry.c; *ops is borrowed for the life of the program. ICS_EINPUT if the name is taken,
 * ICS_EINTERNAL if the registry is full. Not thread-safe: register before creating plans. */
ics_status ics_dyn_register(const ics_dyn_ops *ops, ics_error *err);

/* The dynamic plan shared by every model. */
typedef struct ics_dyn {
    ics_model_kind model;  /* the config's model (ICS_MODEL_DIIM or ICS_MODEL_ARIO) */
    const ics_dyn_ops *ops;/* the model's operations */
    void *impl;            /* the model's own plan, for a model without a field below (its
                              destroy frees it) */
    int n, k, T;           /* nodes, shocks, horizon (steps) */
    double level;          /* recovered when output >= level * baseline (default 0.99) */
    /* schedule of each shock k: intensity factor f_k(t) in [0, 1] for t = 0..T-1
     * (1 during start..start+duration-1, linear ramp down over `recovery`, else 0) */
    double *sched;         /* [T * k] row t: f_k(t) */
    ics_shock_type *type;  /* [k] */
    unsigned char *mask;   /* [n * k] selected nodes of each shock (buyers for trade) */
    double *pattern;       /* [n * k] per-unit effect of each shock (model-specific meaning) */
    int *start;            /* [k] */
    int *duration;         /* [k] (-1 = to the end of the horizon) */
    int *recovery;         /* [k] ramp-down steps */
    /* DIIM */
    double *Astar;         /* [n*n] borrowed: the model's B (= A*) */
    double *kdiag;         /* [n] resilience coefficients k_i */
    /* severity-dependent recovery (issue 16): a capacity_loss without a duration that destroys
     * more than repairable[i] of node i leaves the excess as a floor on q_i for rebuild_hold[i]
     * steps after its start (rebuild time minus repair time), after which it recovers through K */
    double *trec;          /* [n] recovery (repair) time T_i of each node, steps */
    double *repairable;    /* [n] share of capacity that repair restores (1: all) */
    double *rebuild_hold;  /* [n] steps the unrepairable share stays lost (0: none) */
    int rebuild;           /* some node has rebuild_hold > 0 and repairable < 1 */
    double *x;             /* [n] borrowed: baseline gross output (per year, the table's unit) */
    double *xstep;         /* [n] baseline output per step: x / steps_per_year */
    int nreg;              /* regions */
    const int *node_region;/* [n] borrowed from the table */
    double *xreg;          /* [nreg] baseline output per step of each region */
    /* ARIO */
    struct ics_ario *ario; /* ARIO-specific plan (core/dynamics/ario.c), NULL for DIIM */
    int nunc;              /* calibration-uncertainty factors of the plan (ics_uncertainty.h) */
    /* table draws (`uncertainty: table:`, ics_uncertainty.h): the plan of this model on each of
     * the K perturbed tables (its own A*, inventories, orders, ...; built once, about 4 n^2
     * doubles each); ics_dyn_block runs each scenario with the draw of its factor
     * uncertainty/table, grouping a block's scenarios by draw. ndraws = 0: none */
    int ndraws, draw_row;  /* K, and the row of the draw index in a block's factors */
    struct ics_dyn **draws;/* [K] */
} ics_dyn;

/* Per-thread workspace and per-block results (caller-owned via ics_dyn_ws_create). */
typedef struct ics_dyn_ws {
    int n, k, b, T;
    double *Theta, *Raw, *Occ; /* k x b sampled parameters (ics_plan_sample) */
    double *Start, *Dur;   /* k x b each scenario's start and duration (ics_plan_timing) */
    double *Q, *G, *C;     /* n x b state and scratch (DIIM: q, A* q, c*) */
    double *Rb, *Rt;       /* n x b DIIM rebuild floor and the last step it holds (issue 16) */
    double *X;             /* n x b out: cumulative output change over the horizon (table units;
                              <= 0 for a loss): sum over t = 0..T-1 of (x_i(t) - x0_i) */
    double *rec;           /* n x b out: recovery time in steps: 1 + the last t with output below
                              level * baseline; 0 when never below; T + 1 when not recovered */
    double *peak;          /* n x b out: largest share of baseline output lost */
    double *rec_region;    /* nreg x b out: recovery time of each region's total output */
    double *regloss;       /* nreg scratch */
    double *unmet;         /* b out: cumulative unmet final demand (ARIO; 0 for DIIM) */
    double *traj;          /* n x (T+1) x b out (or NULL): share of baseline output lost at each
                              step, traj[i + t*n + j*(T+1)*n] */
    void *model_ws;        /* model-specific scratch (ARIO) */
    double *Unc;           /* nunc x b calibration-uncertainty factors (ics_plan_uncertainty),
                              NULL when the plan has none */
    int *dord, *dpos;      /* table draws: b grouped column -> scenario column, and back */
    int *dstart;           /* K + 1 first grouped column of each draw */
    unsigned char *dmark;  /* b scratch of the column permutations */
    double *dtmp;          /* one column of the largest per-scenario array */
    size_t dtmp_len;
    const atomic_int *cancel; /* optional (caller-set): once non-zero, the models leave the
                              block at their next step; its results are then incomplete and
                              the caller discards them (drivers: a SIGTERM drops the blocks in
                              flight, drivers/stop.c) */
} ics_dyn_ws;

/* The plan of the config's model (the registered operations of ics_model_name(cfg->model)). */
ics_status ics_dyn_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                          const ics_plan *p, ics_dyn **out, ics_error *err);
/* The same with given operations (a model not named by the config, e.g. a test's). */
ics_status ics_dyn_create_ops(const ics_dyn_ops *ops, const ics_config *cfg, const ics_table *t,
                              const ics_model *m, const ics_plan *p, ics_dyn **out,
                              ics_error *err);
void ics_dyn_destroy(ics_dyn **d);
ics_status ics_dyn_ws_create(const ics_dyn *d, int b, int with_traj, ics_dyn_ws **ws,
                             ics_error *err);
void ics_dyn_ws_destroy(ics_dyn_ws **ws);

/* A view of ws at the block's scenarios c0 .. c0+cb-1: every per-scenario array (parameters,
 * timing, uncertainty factors, the state Q, the results) starts at column c0 and b = cb; the
 * scratch and the model's workspace are shared. Used by ARIO's chunks and the table-draw groups. */
ics_dyn_ws ics_dyn_ws_cols(const ics_dyn *d, const ics_dyn_ws *w, int c0, int cb);

/* Run scenarios first .. first+bb-1 over the horizon into ws (through d->ops->block); samples
 * the parameters into ws->Theta/Raw/Occ first, so the block functions below read them there.
 * With table draws, the block's columns are ordered by draw, each draw's group is run by that
 * draw's plan (d->draws[q]), and every array of ws is put back in scenario order: a scenario's
 * result depends only on its own parameters and draw, never on the block. */
void ics_dyn_block(const ics_dyn *d, const ics_plan *p, const ics_model *m, int64_t first, int bb,
                   ics_dyn_ws *ws);

/* Non-zero when the caller asked the block in ws to be abandoned (ws->cancel). */
static inline int ics_dyn_cancelled(const ics_dyn_ws *ws)
{
    return ws->cancel && atomic_load_explicit(ws->cancel, memory_order_relaxed);
}

/* Intensity of shock s at step t for a scenario whose shock starts at `start` and lasts `dur`
 * steps (-1: to the end): 1 during start .. start+dur-1, then a linear ramp to 0 over the
 * shock's `recovery` steps (INTERFACE.md timing). */
static inline double ics_dyn_intensity(const ics_dyn *d, int s, int t, double start, double dur)
{
    if (t < start) return 0.0;
    if (dur < 0) return 1.0;
    const double end = start + dur;
    if (t < end) return 1.0;
    const int rec = d->recovery[s];
    if (rec > 0 && t < end + rec) return 1.0 - (t - end + 1) / (double)(rec + 1);
    return 0.0;
}

/* Record step t (0..T) of a block: share (n x bb) is the share of baseline output each node
 * has lost at step t (q in DIIM, 1 - x/x0 in ARIO). Updates X (for t < T: X -= xstep * share, so
 * the cumulative loss is in the table's units per step), peak, rec, rec_region and traj.
 * Both models call it once per step, starting with t = 0 after zeroing via ics_dyn_reset. */
void ics_dyn_reset(const ics_dyn *d, int bb, ics_dyn_ws *ws);
void ics_dyn_record(const ics_dyn *d, int t, int bb, const double *share, ics_dyn_ws *ws);

/* The built-in models' operations (diim_plan.c, ario.c). */
extern const ics_dyn_ops ics_diim_ops, ics_ario_ops;

/* DIIM: q(t+1) = clip(q(t) + K [A* q(t) + c*(t) - q(t)], 0, 1). */
void ics_diim_block(const ics_dyn *d, const ics_plan *p, int64_t first, int bb, ics_dyn_ws *ws);

/* The resilience coefficient k_i of a node with recovery time T steps (> 0), recovery target
 * lambda in (0, 1) and self-interdependency aii < 1, in the form cfg->diim_coefficients:
 * 0 discrete_exact (1 - lambda^(1/T)) / (1 - aii), 1 lian_haimes -ln(lambda) / (T (1 - aii)). */
double ics_diim_coefficient(int form, double lambda, double T, double aii);

/* Fills d->repairable, d->rebuild_hold and d->rebuild from the config's diim.repairable_share
 * and diim.rebuild_time (or the built-in table's per-segment data); needs d->trec (the repair
 * times) filled first. Unknown segment labels are input errors. */
ics_status ics_diim_rebuild_create(const ics_config *cfg, const ics_table *t, ics_dyn *d,
                                   ics_error *err);

/* ARIO (core/dynamics/ario.c). */
ics_status ics_ario_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                           ics_dyn *d, ics_error *err);
void ics_ario_destroy(struct ics_ario **a);
size_t ics_ario_ws_bytes(const ics_dyn *d, int b);
void ics_ario_block(const ics_dyn *d, const ics_plan *p, int64_t first, int bb, ics_dyn_ws *ws);

#endif
