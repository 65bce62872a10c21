/* Per-segment parameters of the dynamic models that come with the built-in table (generated from
 * core/table/builtin/data/dynamics.csv): used as defaults when a config on `table: builtin` leaves
 * `diim.recovery_time`, `ario.inventory`, `ario.alpha_max`, `ario.build_lag` or
 * `ario.requalification` unset. */
#ifndef ICS_BUILTIN_DYNAMICS_H
#define ICS_BUILTIN_DYNAMICS_H

typedef struct ics_builtin_dyn {
    const char *segment;
    double inventory_days;   /* inventory target of this product at its users, days of use */
    double recovery_weeks;   /* time to restore output after a disruption */
    double ramp_weeks;       /* time to ramp new or substitute capacity */
    double lead_time_weeks;  /* order-to-delivery lead time */
    double alpha_max;        /* ARIO: largest output relative to the pre-shock capacity */
    double build_lag_weeks;  /* ARIO: time before capacity above the pre-shock level comes online */
    double requalification_weeks; /* ARIO: time before a buyer's substitute supplier of this
                                     product is qualified */
} ics_builtin_dyn;

/* The row of a segment code, or NULL. */
const ics_builtin_dyn *ics_builtin_dynamics(const char *segment);

#endif
