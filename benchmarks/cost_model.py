#!/usr/bin/env python3
"""Cost model of an `icstress run` per block, fitted to benchmarks/bench_scaling.sh records, and
its weak-scaling efficiency at large rank counts (docs/performance.md, "The cost model, refitted").

    T(P) = s0 + l*log2(P)                      launch, MPI init, plan, file layout
         + N0*(t_c + t_w)                      per-rank compute (sample+propagate+aggregates), local write
         + max(0, P*N0*beta/B_fs(P) - hidden)  the parallel file system's bandwidth
         + T_sched(P)                          the shared block counter (drivers/sched.c)
         + T_stats(P)                          statistics merge

B_fs(P): either a fixed total ("total": B_fs, what the model assumed before) or per node
("per node": B_node per node of `rpn` ranks, at most B_fs_max in all), which is how parallel file
systems scale (servers added with the clients); with overlap (now) the clients' write-back caches
drain while the ranks compute, so only P*N0*beta/B_fs(P) - N0*(t_c + t_w) > 0 adds. T_sched: the counter on rank 0 serves its atomics
one at a time (sigma each) and every take waits a round trip (alpha_a):
    A atomics per rank, T_sched = max(P*A*sigma, A*alpha_a)
    single (before issue 17's batches): A = N0/b, one fetch-and-add per block (per T blocks with T threads)
    batched (now): a take per batch_s(P) = max(10 ms, P*0.1 ms) of the rank's work, then the
    guided tail (log2 of the blocks per batch, two single blocks), two atomics per take.
T_stats as implemented since issue 17 ("rows"): every rank reads only its own rows (segments of
G = 65536 rows), N0*t_f; R rounds of allreduce of the fixed-grid histograms (C columns x 2^16 bins
x 8 bytes = h), R*(2*log2(P)*alpha + 2*h/B_net); one allgather of the per-segment moments and tail
sums, P*N0/G * w / B_net with w = C*38*8 + 36*16 bytes per segment. ("columns", before: the C
columns shared among the ranks, each re-reading every scenario of its columns.)

Fit (1-rank x 1-thread records): with cpu_s (bench_scaling.sh records it: user + system seconds of
the whole command), the CPU time, which a loaded machine stretches far less than the wall time, is
split into the compute phase and the rest by the phases' wall-time shares (one thread: time
slicing slows both alike): t_c + t_w = cpu * compute/wall / N; s0 + N*t_f = the rest, two sizes
giving s0 and t_f (one size: s0 taken from the static workload). Without cpu_s, the wall times.
usage: cost_model.py [bench-scaling.jsonl] [--set MODEL=TCW_US,TF_US,S0_S ...] [--sigma US]
  --set takes a workload's parameters as given instead of fitting them; MODEL is static, diim,
  agg or aggonly (agg with output.store_only). --sigma: the counter's service time per atomic
  (e.g. from bench_counter).
"""
import json
import math
import sys

ASSUME = dict(
    l=0.02,          # s per doubling of ranks for launch and collective set-up
    beta_static=100.0,  # bytes per scenario stored (total + regional aggregates + parameters)
    beta_diim=180.0,    # the same with regional recovery times and unmet demand
    beta_agg=81.0,      # aggregate shortcut, bench_scaling's agg run (measured: 168.9 MB / 2^21)
    beta_aggonly=17.0,  # the same with output.store_only (total_output_loss, the parameter, its
                        # occurrence flag; checked against bench_scaling's file_bytes)
    B_fs=100e9,      # "total": aggregate parallel file system write bandwidth, B/s
    B_node=10e9,     # "per node": one client node's write bandwidth, B/s (Lustre: 15 GB/s per client
                     # known in production on HDR InfiniBand; 10 TB/s aggregate, Lustre manual)
    rpn=64,          # ranks (cores) per node (Frontier: one 64-core EPYC per node)
    B_fs_max=10e12,  # "per node": the file system's total, B/s
    B_1=2e9,         # one client's read bandwidth (statistics by column, before), B/s
    sigma=0.56e-6,   # counter service time per atomic, s (bench_counter raw, 2 ranks here: 0.56 us)
    alpha_a=3e-6,    # round trip of one remote atomic, s
    batch_s=0.01,    # seconds of a rank's work per batch (ICS_SCHED_BATCH_S), P*0.1 ms when longer
    alpha=2e-6,      # network latency, s
    B_net=10e9,      # network bandwidth per link, B/s
    R=3,             # collective rounds of the statistics: histograms, refinement, gather
    G=65536,         # rows per segment
    C_static=9,      # full-statistics columns: total and 8 regional VA losses (counted)
    C_diim=9,
    t_f_old=0.056e-6,  # statistics per scenario with column shares (fitted before issue 17)
)
PS = (64, 1024)


def fit(recs, model, s0_given=None):
    one = [r for r in recs if r["case"].startswith("scaling_%s_" % model) and r["ranks"] == 1
           and r["threads"] == 1]
    if not one:
        return None
    cpu = all("cpu_s" in r for r in one)

    def split(r):  # (compute-phase seconds, the rest) of one run
        if cpu:
            c = r["cpu_s"] * r["compute_s"] / r["wall_s"]
            return c, r["cpu_s"] - c
        return r["compute_s"], r["wall_s"] - r["compute_s"]
    tcw = sum(split(r)[0] for r in one) / sum(r["scenarios"] for r in one)
    sizes = sorted({r["scenarios"] for r in one})
    if len(sizes) == 1:
        if s0_given is None:
            return None
        rest = sum(split(r)[1] for r in one) / len(one)
        return tcw, max((rest - s0_given) / sizes[0], 0.0), s0_given
    # rest = s0 + N*t_f: least squares over the runs
    xs = [r["scenarios"] for r in one]
    ys = [split(r)[1] for r in one]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    t_f = max(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs), 0.0)
    return tcw, t_f, max(my - t_f * mx, 0.0)


def terms(P, N0, b, tcw, t_f, s0, beta, C, rows=True, fs="per node", sched="batched", overlap=True,
          a=ASSUME):
    """The model's terms at P ranks, a dict name -> seconds (their sum is T(P))."""
    t = {"start-up": s0 + a["l"] * math.log2(P), "compute": N0 * tcw}
    t_w_share = N0 * beta / 1e9  # local page-cache write at ~1 GB/s is part of the compute phase
    if fs == "none":
        B = float("inf")
    elif fs == "total":
        B = a["B_fs"]
    else:
        B = min(a["B_node"] * math.ceil(P / a["rpn"]), a["B_fs_max"])
    # overlap: the client's write-back cache drains to the servers while the rank computes, so
    # only a drain longer than the compute phase adds; else only the local write is hidden
    t["file system"] = max(0.0, P * N0 * beta / B - (N0 * tcw if overlap else t_w_share))
    if sched == "single":
        A = N0 / b
    else:
        bs = max(a["batch_s"], 1e-4 * P)
        blocks_per_batch = max(1.0, bs / (b * tcw))
        A = (N0 * tcw / bs + math.log2(blocks_per_batch) + 2) * (2 if P > 1 else 1)
    t["block counter"] = max(P * A * a["sigma"], A * a["alpha_a"]) if P > 1 else 0.0
    if rows:
        h = C * 65536 * 8
        t["statistics"] = N0 * t_f
        t["collectives"] = (a["R"] * (2 * math.log2(P) * a["alpha"] + 2 * h / a["B_net"])
                            if P > 1 else 0.0)
        t["segment gather"] = (P * N0 / a["G"] * (C * 38 * 8 + 36 * 16) / a["B_net"]
                               if P > 1 else 0.0)
    else:
        t["statistics"] = P * N0 * (a["t_f_old"] + beta / a["B_1"]) / min(P, C)
    return t


def efficiency(P, *args, **kw):
    t1 = sum(terms(1, *args, **kw).values())
    tp = terms(P, *args, **kw)
    # the limiting term: the largest growth over T(1)'s
    base = terms(1, *args, **kw)
    lim = max(tp, key=lambda k: tp[k] - base.get(k, 0.0))
    return t1 / sum(tp.values()), lim, sum(tp.values())


def main():
    args, given = sys.argv[1:], {}
    while "--set" in args:
        i = args.index("--set")
        name, vals = args[i + 1].split("=")
        tcw, tf, s0 = (float(v) for v in vals.split(","))
        given[name] = (tcw * 1e-6, tf * 1e-6, s0)
        del args[i:i + 2]
    if "--sigma" in args:
        i = args.index("--sigma")
        ASSUME["sigma"] = float(args[i + 1]) * 1e-6
        del args[i:i + 2]
    path = args[0] if args else "bench-scaling.jsonl"
    recs = [json.loads(line) for line in open(path)] if not given or args else []
    print("assumptions:", ", ".join("%s=%g" % kv for kv in ASSUME.items()))
    s0_static = None
    workloads = (("static", 1024, ASSUME["beta_static"], ASSUME["C_static"], (10**6, 10**8)),
                 ("diim", 256, ASSUME["beta_diim"], ASSUME["C_diim"], (4 * 10**4, 4 * 10**6)),
                 ("agg", 1024, ASSUME["beta_agg"], ASSUME["C_static"], (10**7, 10**9)),
                 ("aggonly", 1024, ASSUME["beta_aggonly"], 1, (10**7, 10**9)))
    variants = (("columns, single counter, fs total (before 17)",
                 dict(rows=False, fs="total", sched="single", overlap=False)),
                ("rows, single counter, fs total (before)",
                 dict(fs="total", sched="single", overlap=False)),
                ("rows, batched counter, fs total", dict(fs="total", overlap=False)),
                ("rows, batched, fs per node, no overlap", dict(overlap=False)),
                ("rows, batched, fs per node (now)", dict()),
                ("rows, batched, fs unbounded", dict(fs="none")))
    for model, b, beta, C, N0s in workloads:
        got = given.get(model) or fit(recs, model, s0_static)
        if got is None:
            print("\n%s: no 1 x 1 records, skipped" % model)
            continue
        tcw, t_f, s0 = got
        if model == "static":
            s0_static = s0
        mine = [r for r in recs if r["case"].startswith("scaling_%s_" % model)]
        how = "given" if model in given else \
            "fitted, %s" % ("CPU time" if mine and all("cpu_s" in r for r in mine) else "wall time")
        print("\n%s: t_c+t_w = %.3g us/scenario, t_f = %.3g us/scenario (statistics), s0 = %.3g s (%s)"
              % (model, tcw * 1e6, t_f * 1e6, s0, how))
        print("  per-rank write rate %.3g MB/s; a node of %d ranks %.3g GB/s (B_node %.3g GB/s)"
              % (beta / tcw / 1e6, ASSUME["rpn"], ASSUME["rpn"] * beta / tcw / 1e9,
                 ASSUME["B_node"] / 1e9))
        for N0 in N0s:
            args1 = (N0, b, tcw, t_f, s0, beta, C)
            print("  N0 = %.3g scenarios per rank, T(1) = %.3g s:"
                  % (N0, sum(terms(1, *args1).values())))
            for label, kw in variants:
                cells = []
                for P in PS:
                    e, lim, _ = efficiency(P, *args1, **kw)
                    cells.append("E(%d) = %.3f [%s]" % (P, e, lim))
                print("    %-46s %s" % (label, "  ".join(cells)))
            cnt = [terms(1024, *args1, sched=k)["block counter"] for k in ("single", "batched")]
            print("    block counter at P = 1024: one fetch per block %.3g s, batched %.3g s"
                  % tuple(cnt))

if __name__ == "__main__":
    main()
