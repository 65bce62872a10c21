/* icstress.h: the public header for programs that embed the engine (installed as
 * <icstress/icstress.h>; link icstress::icstress with CMake or `pkg-config --libs icstress`).
 *
 * What another program needs, in the order it calls it (plan, then execute; see STYLE.md):
 *   1. configuration  ics_config_load / ics_config_parse            (ics_config.h)
 *   2. table          ics_table_load, ics_table_validate            (ics_table.h)
 *   3. model          ics_model_create: coefficients, LU of I - A    (ics_model.h)
 *   4. plan           ics_plan_create: shocks, sampler, RNG key      (ics_scenario.h)
 *                     ics_aggset_create: totals and breakdowns      (ics_aggregate.h)
 *   5. blocks         static models: ics_static_ws_create, then ics_static_block for any
 *                     scenarios first .. first+b-1 (ics_pipeline.h); dynamic models:
 *                     ics_dyn_create / ics_dyn_ws_create / ics_dyn_block (ics_dynamic.h).
 *                     A block's numbers depend only on the plan and the global scenario
 *                     indices, so any program that covers 0..N-1 gets the CLI's numbers.
 *   6. statistics     ics_moments_* and ics_quantiles_r7 (ics_stats.h) over the block outputs.
 * Every function returns an ics_status and fills an ics_error (ics_error.h); none prints or
 * exits. Nothing here calls MPI: distribute blocks as you like. Block functions are
 * thread-safe with one workspace per thread and single-threaded BLAS (ics_blas_set_threads).
 * Ownership: create/destroy pairs; destroy takes the handle's address, accepts NULL and clears
 * it. The library version is ICS_LIB_VERSION at compile time and ics_version() at run time. */
#ifndef ICSTRESS_H
#define ICSTRESS_H

#include "ics_aggregate.h"
#include "ics_config.h"
#include "ics_dynamic.h"
#include "ics_error.h"
#include "ics_model.h"
#include "ics_pipeline.h"
#include "ics_scenario.h"
#include "ics_stats.h"
#include "ics_sysinfo.h"
#include "ics_table.h"

#include "icstress_version.h" /* ICS_LIB_VERSION*, generated from the project version */

/* The version of the library linked at run time ("MAJOR.MINOR.PATCH"). */
const char *ics_version(void);

#endif
