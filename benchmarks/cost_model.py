#!/usr/bin/env python3
"""Cost model of an `icstress run` per block, fitted to benchmarks/bench_scaling.sh records, and
its weak-scaling efficiency at large rank counts (docs/performance.md, "Cost model").

    T(P) = s0 + l*log2(P)                      launch, MPI init, plan, file layout
         + N0*(t_c + t_w)                      per-rank compute (sample+propagate+aggregates), local write
         + max(0, P*N0*beta/B_fs - N0*t_w)     shared parallel file system bandwidth
         + P*(N0/b)*sigma                      the one shared block counter (serialised atomics)
         + T_stats(P)                          statistics merge

T_stats as implemented: the statistics columns (C of them) are shared among the ranks, each rank
re-reading every scenario of its columns, P*N0*(t_f + beta/B_1) / min(P, C) (before the column
shares: rank 0 alone, the same with min(P, C) = 1). With a parallel merge over rows as well
(moments by reduction, exact quantiles by a few rounds of histogram refinement):
N0*t_f + R*log2(P)*(alpha + h/B_net).

t_c + t_w and s0 + N*t_f are fitted from the 1-rank x 1-thread weak and strong runs (compute
phase and wall time); everything else is an assumption printed with the result.
usage: cost_model.py [bench-scaling.jsonl]
"""
import json
import math
import sys

ASSUME = dict(
    l=0.02,          # s per doubling of ranks for launch and collective set-up
    beta_static=100.0,  # bytes per scenario stored (total + regional aggregates + parameters)
    beta_diim=180.0,    # the same with regional recovery times and unmet demand
    B_fs=100e9,      # aggregate parallel file system write bandwidth, B/s
    B_1=2e9,         # one client's read bandwidth from it, B/s
    sigma=0.1e-6,    # serialised service time of one remote atomic on the counter, s
    alpha=2e-6,      # network latency, s
    B_net=10e9,      # network bandwidth per link, B/s
    R=4, h=400e3,    # histogram rounds and bytes per round of the parallel quantile merge
    C_static=34,     # statistics columns: total, 8 regional VA, 8 regional and 17 segment losses
    C_diim=34,
)


def fit(recs, model):
    one = [r for r in recs if r["case"].startswith("scaling_" + model) and r["ranks"] == 1
           and r["threads"] == 1]
    if len(one) < 2:
        sys.exit("need the 1 x 1 weak and strong runs of %s" % model)
    # compute phase: N*(t_c + t_w); wall - compute: s0 + N*t_f (two sizes -> two unknowns)
    tcw = sum(r["compute_s"] for r in one) / sum(r["scenarios"] for r in one)
    (n1, f1), (n2, f2) = [(r["scenarios"], r["wall_s"] - r["compute_s"]) for r in one[:2]]
    if n1 == n2:
        sys.exit("the 1 x 1 runs need different sizes")
    t_f = max((f2 - f1) / (n2 - n1), 0.0)
    s0 = max(f1 - n1 * t_f, 0.0)
    return tcw, t_f, s0


def T(P, N0, b, tcw, t_f, s0, beta, C, parallel_stats, a=ASSUME):
    t_w_share = N0 * beta / 1e9  # local page-cache write at ~1 GB/s is part of the compute phase
    io_extra = max(0.0, P * N0 * beta / a["B_fs"] - t_w_share)
    sched = P * (N0 / b) * a["sigma"]
    if parallel_stats:
        stats = N0 * t_f + (a["R"] * math.log2(P) * (a["alpha"] + a["h"] / a["B_net"]) if P > 1 else 0)
    else:
        stats = P * N0 * (t_f + beta / a["B_1"]) / min(P, C)
    return s0 + a["l"] * math.log2(P) + N0 * tcw + io_extra + sched + stats


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "bench-scaling.jsonl"
    recs = [json.loads(line) for line in open(path)]
    print("assumptions:", ", ".join("%s=%g" % kv for kv in ASSUME.items()))
    for model, b, beta, C in (("static", 1024, ASSUME["beta_static"], ASSUME["C_static"]),
                              ("diim", 256, ASSUME["beta_diim"], ASSUME["C_diim"])):
        tcw, t_f, s0 = fit(recs, model)
        print("\n%s: fitted t_c+t_w = %.3g us/scenario, t_f = %.3g us/scenario (statistics), "
              "s0 = %.3g s" % (model, tcw * 1e6, t_f * 1e6, s0))
        N0s = sorted({r["scenarios"] for r in recs if r["case"] == "scaling_%s_weak" % model
                      and r["ranks"] == 1 and r["threads"] == 1})
        for N0 in N0s + [N0s[0] * 100]:
            print("  N0 = %.3g scenarios per rank:" % N0)
            for ps in (False, True):
                T1 = T(1, N0, b, tcw, t_f, s0, beta, C, ps)
                row = ["E(%d) = %.3f" % (P, T1 / T(P, N0, b, tcw, t_f, s0, beta, C, ps))
                       for P in (2, 64, 1024, 10000)]
                print("    %-28s T(1) = %7.3g s  %s" % ("parallel statistics merge" if ps else
                                                          "as implemented (col. shares)", T1, "  ".join(row)))


if __name__ == "__main__":
    main()
