#!/usr/bin/env python3
"""Cost model of an `icstress run` per block, fitted to benchmarks/bench_scaling.sh records, and
its weak-scaling efficiency at large rank counts (docs/performance.md, "Cost model").

    T(P) = s0 + l*log2(P)                      launch, MPI init, plan, file layout
         + N0*(t_c + t_w)                      per-rank compute (sample+propagate+aggregates), local write
         + max(0, P*N0*beta/B_fs - N0*t_w)     shared parallel file system bandwidth
         + P*(N0/b)*sigma                      the one shared block counter (serialised atomics)
         + T_stats(P)                          statistics merge

T_stats as implemented since issue 17 ("rows"): every rank reads only its own rows (fixed segments
of G = 65536 rows), so its share is N0*t_f; then R rounds of allreduce of the fixed-grid
histograms (C columns x 2^16 bins x 8 bytes = h) and refinement counts,
R*(2*log2(P)*alpha + 2*h/B_net), and one allgather of the per-segment moments and tail sums,
P*N0/G * w / B_net with w = C*38*8 + 36*16 bytes per segment. Before ("columns"): the C columns
shared among the ranks, each re-reading every scenario of its columns,
P*N0*(t_f_old + beta/B_1) / min(P, C).

t_c + t_w and s0 + N*t_f are fitted from the 1-rank x 1-thread weak and strong runs (compute
phase and wall time); everything else is an assumption printed with the result.
usage: cost_model.py [bench-scaling.jsonl] [--set MODEL=TCW_US,TF_US,S0_S ...]
  --set takes a workload's parameters as given (e.g. from a quiet machine, or CPU times
  measured on a loaded one) instead of fitting them; MODEL is static, diim or agg.
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
    R=3,             # collective rounds of the statistics: histograms, refinement, gather
    G=65536,         # rows per segment
    C_static=9,      # full-statistics columns: total and 8 regional VA losses (counted)
    C_diim=9,
    t_f_old=0.056e-6,  # statistics per scenario with column shares (fitted before issue 17)
)


def fit(recs, model, s0_given=None):
    one = [r for r in recs if r["case"].startswith("scaling_" + model) and r["ranks"] == 1
           and r["threads"] == 1]
    if len(one) == 1 and s0_given is not None:  # one size: start-up taken from another workload
        r = one[0]
        return (r["compute_s"] / r["scenarios"],
                max((r["wall_s"] - r["compute_s"] - s0_given) / r["scenarios"], 0.0), s0_given)
    if len(one) < 2:
        return None
    # compute phase: N*(t_c + t_w); wall - compute: s0 + N*t_f (two sizes -> two unknowns)
    tcw = sum(r["compute_s"] for r in one) / sum(r["scenarios"] for r in one)
    (n1, f1), (n2, f2) = [(r["scenarios"], r["wall_s"] - r["compute_s"]) for r in one[:2]]
    if n1 == n2:
        sys.exit("the 1 x 1 runs need different sizes")
    t_f = max((f2 - f1) / (n2 - n1), 0.0)
    s0 = max(f1 - n1 * t_f, 0.0)
    return tcw, t_f, s0


def T(P, N0, b, tcw, t_f, s0, beta, C, rows, a=ASSUME):
    t_w_share = N0 * beta / 1e9  # local page-cache write at ~1 GB/s is part of the compute phase
    io_extra = max(0.0, P * N0 * beta / a["B_fs"] - t_w_share)
    sched = P * (N0 / b) * a["sigma"]
    if rows:
        h = C * 65536 * 8
        coll = a["R"] * (2 * math.log2(P) * a["alpha"] + 2 * h / a["B_net"]) if P > 1 else 0.0
        gather = P * N0 / a["G"] * (C * 38 * 8 + 36 * 16) / a["B_net"] if P > 1 else 0.0
        stats = N0 * t_f + coll + gather
    else:
        stats = P * N0 * (a["t_f_old"] + beta / a["B_1"]) / min(P, C)
    return s0 + a["l"] * math.log2(P) + N0 * tcw + io_extra + sched + stats


def main():
    args, given = sys.argv[1:], {}
    while "--set" in args:
        i = args.index("--set")
        name, vals = args[i + 1].split("=")
        tcw, tf, s0 = (float(v) for v in vals.split(","))
        given[name] = (tcw * 1e-6, tf * 1e-6, s0)
        del args[i:i + 2]
    path = args[0] if args else "bench-scaling.jsonl"
    recs = [json.loads(line) for line in open(path)] if not given or args else []
    print("assumptions:", ", ".join("%s=%g" % kv for kv in ASSUME.items()))
    s0_static = None
    for model, b, beta, C in (("static", 1024, ASSUME["beta_static"], ASSUME["C_static"]),
                              ("diim", 256, ASSUME["beta_diim"], ASSUME["C_diim"]),
                              ("agg", 1024, ASSUME["beta_static"], ASSUME["C_static"])):
        got = given.get(model) or fit(recs, model, s0_static)
        if got is None:
            print("\n%s: no 1 x 1 records, skipped" % model)
            continue
        tcw, t_f, s0 = got
        if model == "static":
            s0_static = s0
        print("\n%s: fitted t_c+t_w = %.3g us/scenario, t_f = %.3g us/scenario (statistics), "
              "s0 = %.3g s" % (model, tcw * 1e6, t_f * 1e6, s0))
        N0s = sorted({r["scenarios"] for r in recs if r["case"] == "scaling_%s_weak" % model
                      and r["ranks"] == 1 and r["threads"] == 1}) or \
            [{"static": 10**6, "diim": 4 * 10**4, "agg": 10**7}[model]]
        for N0 in N0s + [N0s[0] * 100]:
            print("  N0 = %.3g scenarios per rank:" % N0)
            for rows in (False, True):
                T1 = T(1, N0, b, tcw, t_f, s0, beta, C, rows)
                row = ["E(%d) = %.3f" % (P, T1 / T(P, N0, b, tcw, t_f, s0, beta, C, rows))
                       for P in (2, 64, 1024, 10000)]
                print("    %-30s T(1) = %7.3g s  %s" % ("rows over all ranks (now)" if rows else
                                                          "column shares (before)", T1, "  ".join(row)))
            # the same without the shared file system term (node-local scratch, or a file system that keeps up)
            T1 = T(1, N0, b, tcw, t_f, s0, 0.0, C, True)
            row = ["E(%d) = %.3f" % (P, T1 / T(P, N0, b, tcw, t_f, s0, 0.0, C, True))
                   for P in (2, 64, 1024, 10000)]
            print("    %-30s T(1) = %7.3g s  %s" % ("rows, file system unbounded", T1, "  ".join(row)))


if __name__ == "__main__":
    main()
