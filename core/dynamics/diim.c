/* Dynamic inoperability input-output model (Haimes et al. 2005; Lian & Haimes 2006) over a block
 * of scenarios: q(t+1) = clip(q(t) + K [A* q(t) + c*(t) - q(t)], 0, 1), one DGEMM (A* Q) per step
 * on the n x b state plus one fused elementwise pass.
 *
 * Shocks: final_demand gives c*_i(t) = -dy_i/x_i = -change y_i/x_i while active; a trade
 * restriction gives the buyers c*_j(t) = -change r_j (r_j its lost input share); a capacity_loss
 * sets the inoperability of its nodes to at least `loss` at its start (q(0) for start 0) and,
 * when it has a duration, holds that floor while the shock is active (then ramped over
 * `recovery`); after that the nodes recover through K. */
#include "ics_dynamic.h"

#include <cblas.h>
#include <string.h>

void ics_diim_block(const ics_dyn *d, const ics_plan *p, int64_t first, int bb, ics_dyn_ws *w)
{
    (void)p;
    (void)first;
    const int n = d->n, k = d->k, T = d->T;
    const size_t nb = (size_t)n * bb;
    double *Q = w->Q, *G = w->G, *C = w->C;
    memset(Q, 0, nb * sizeof *Q);
    ics_dyn_reset(d, bb, w);

    for (int t = 0; t <= T; ++t) {
        /* capacity floors at step t */
        for (int s = 0; s < k; ++s) {
            if (d->type[s] != ICS_SHOCK_CAPACITY_LOSS || t == T) continue;
            const unsigned char *mk = d->mask + (size_t)s * n;
            for (int j = 0; j < bb; ++j) {
                const double st = w->Start[s + (size_t)j * k], du = w->Dur[s + (size_t)j * k];
                double f;
                if (t == st)
                    f = 1.0;
                else if (du < 0 || t < st)
                    f = 0.0;
                else
                    f = ics_dyn_intensity(d, s, t, st, du);
                if (f == 0.0) continue;
                const double floor = f * w->Theta[s + (size_t)j * k];
                double *q = Q + (size_t)j * n;
                for (int i = 0; i < n; ++i)
                    if (mk[i] && q[i] < floor) q[i] = floor > 1.0 ? 1.0 : floor;
            }
        }
        ics_dyn_record(d, t, bb, Q, w);
        if (t == T) break;
        /* c*(t) = sum over demand-side shocks of intensity * theta * pattern */
        memset(C, 0, nb * sizeof *C);
        for (int s = 0; s < k; ++s) {
            if (d->type[s] == ICS_SHOCK_CAPACITY_LOSS) continue;
            const double sign = d->type[s] == ICS_SHOCK_TRADE_RESTRICTION ? -1.0 : 1.0;
            const double *pt = d->pattern + (size_t)s * n;
            for (int j = 0; j < bb; ++j) {
                const double f = ics_dyn_intensity(d, s, t, w->Start[s + (size_t)j * k],
                                                   w->Dur[s + (size_t)j * k]);
                const double a = sign * f * w->Theta[s + (size_t)j * k];
                if (a == 0.0) continue;
                double *c = C + (size_t)j * n;
                for (int i = 0; i < n; ++i) c[i] += a * pt[i];
            }
        }
        /* G = A* Q, then q <- clip(q + k (g + c - q), 0, 1) in one pass */
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, bb, n, 1.0, d->Astar, n, Q, n,
                    0.0, G, n);
        for (int j = 0; j < bb; ++j) {
            double *q = Q + (size_t)j * n;
            const double *g = G + (size_t)j * n, *c = C + (size_t)j * n;
            for (int i = 0; i < n; ++i) {
                double v = q[i] + d->kdiag[i] * (g[i] + c[i] - q[i]);
                q[i] = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
            }
        }
    }
}
