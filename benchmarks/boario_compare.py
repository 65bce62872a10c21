#!/usr/bin/python3
"""BoARIO and `icstress run` (model: ario) side by side (issue 17, docs/performance.md "BoARIO side
by side"): the same random sparse table of the built-in kind, the same event, agreement of the
results and speed per scenario-step.

    /usr/bin/python3 benchmarks/boario_compare.py BOARIO_SRC [PYMRIO_SRC] \\
        [--icstress build/icstress] [--sizes 48 200 500] [--scenarios 4096] [--json FILE]

BOARIO_SRC and PYMRIO_SRC are source trees (the directories holding the `boario` and `pymrio`
packages), e.g. exported from fetched git snapshots with
`git --git-dir=<BoARIO git dir> archive HEAD | tar -x -C /tmp/boario_src`; nothing of either is
in this repository. They run on Debian's python3 with numpy, pandas, scipy and h5py. Modules
they import but never use here are replaced by stand-ins in a temporary directory, only when
missing: `progressbar` (BoARIO's progress bar, off), `requests`/`urllib3` (pymrio's downloaders),
and BoARIO's package metadata (it reads its version from it).

Table (per size): R regions x S sectors with the built-in table's structure, measured on
`table: builtin` (8 x 17 = 136 nodes): 20.1 % of (product, client) pairs have a link; a linked
pair is supplied by every region (so the node-pair density is the same 20.1 %); 21.5 % of the
intermediate flows stay within their region. Here: a random sector-pair pattern with
--density of the S x S pairs (every sector buys at least one product, every product has a
buyer), weights uniform in [0.5, 1.5] times a home factor giving --home of the flows within
their region, column sums of A uniform in [0.1, 0.5], final demand y uniform in [100, 1000],
x = (I - A)^-1 y, Z = A diag(x) (balanced to the printed digits, productive).

Event: capacity loss at three nodes (R00/s000 0.30, R00/s001 0.20, R01/s000 0.40 of capacity).
BoARIO: ARIOPsiModel (order_type alt, its defaults spelled out: alpha_max 1.25, alpha_tau 365,
psi 0.8, inventory_restoration_tau 60, main_inv_dur 90), daily steps, 365 steps, one
`recovery` event per node destroying loss x its productive capital, occurrence 1,
recovery_tau 90, linear. icstress: the same parameters (docs/validation.md section 9):
capacity_loss start 1, duration 3, recovery 89, steps_per_year 365, horizon 365.

Timing. BoARIO: seconds of `Simulation.loop()` for the 365 steps (best of --reps fresh
simulations; the whole step as BoARIO runs it, including its per-step records), divided by
365; loading the table, building the model, the simulation and the events is set-up, timed
apart and not counted. icstress: one `icstress run` of --scenarios scenarios (event sizes
uniform in [0.1, 0.6] per node) x 365 steps per layout (ranks x threads); scenario-steps/s
from the compute time the run prints ("N scenarios computed in T s": the ensemble, without
table set-up, statistics and writing) and, beside it, from the whole command's wall time.
ratio = icstress scenario-steps/s / BoARIO steps/s (BoARIO runs one scenario, on one core:
its numpy's BLAS gets --boario-blas-threads, default 1, as when scenarios run one per core).
On a shared machine CPU seconds compare better: "ratio per CPU s" is icstress's scenario-steps
per CPU second of the whole command (all its processes and threads, set-up and writing
included) over BoARIO's steps per CPU second of its loop.
"""
import argparse
import datetime
import importlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ORIG_ENV = dict(os.environ)
SHAPES = {48: (8, 6), 136: (8, 17), 200: (8, 25), 500: (20, 25)}
EVENT = [("R00", "s000", 0.30), ("R00", "s001", 0.20), ("R01", "s000", 0.40)]
STEPS = 365
TARGET = 1000.0
WHAT = ("icstress scenario-steps/s (compute time of one `icstress run`, model ario, 365 daily "
        "steps, alt orders) over BoARIO ARIOPsiModel steps/s (Simulation.loop of one scenario, "
        "365 steps, set-up excluded), same table and event")


def die(code, msg):
    print("boario_compare: " + msg, file=sys.stderr)
    sys.exit(code)


def need(module, debian):
    try:
        return importlib.import_module(module)
    except ImportError:
        die(1, "the Python module '%s' is missing: install the Debian package %s "
            "(apt-get install %s); no pip" % (module, debian, debian))


def add_shims(tmp):
    """Stand-ins, only for modules that are missing, for imports BoARIO/pymrio make but never
    use in this comparison; returns the names replaced."""
    made = []
    try:
        import progressbar  # noqa: F401
    except ImportError:
        with open(os.path.join(tmp, "progressbar.py"), "w") as f:
            f.write("# stand-in: BoARIO imports it for its progress bar (off here)\n")
        made.append("progressbar")
    try:
        import requests  # noqa: F401
        import urllib3  # noqa: F401
    except ImportError:
        os.makedirs(os.path.join(tmp, "requests"), exist_ok=True)
        os.makedirs(os.path.join(tmp, "urllib3"), exist_ok=True)
        with open(os.path.join(tmp, "requests", "__init__.py"), "w") as f:
            f.write("# stand-in: pymrio's downloaders import it (never called here)\n"
                    "def _no_net(*a, **k):\n    raise RuntimeError('no network in this stand-in')\n"
                    "get = post = session = Session = _no_net\n"
                    "class exceptions:\n    HTTPError = RuntimeError\nfrom . import adapters\n")
        with open(os.path.join(tmp, "requests", "adapters.py"), "w") as f:
            f.write("HTTPAdapter = object\n")
        with open(os.path.join(tmp, "urllib3", "__init__.py"), "w") as f:
            f.write("")
        made.append("requests/urllib3")
    return made


def import_peers(boario_src, pymrio_src, tmp):
    for mod, deb in (("numpy", "python3-numpy"), ("pandas", "python3-pandas"),
                     ("scipy", "python3-scipy"), ("h5py", "python3-h5py")):
        need(mod, deb)
    if not os.path.isdir(os.path.join(boario_src, "boario")):
        die(2, "%s: no 'boario' package directory in it (give the BoARIO source tree)" % boario_src)
    if pymrio_src and not os.path.isdir(os.path.join(pymrio_src, "pymrio")):
        die(2, "%s: no 'pymrio' package directory in it (give the pymrio source tree)" % pymrio_src)
    shims = add_shims(tmp)
    ver, pp = "unknown", os.path.join(boario_src, "pyproject.toml")
    m = re.search(r'version\s*=\s*"([^"]+)"', open(pp).read()) if os.path.exists(pp) else None
    if m:
        ver = m.group(1)
    try:
        import importlib.metadata as md
        md.version("boario")
    except Exception:
        d = os.path.join(tmp, "boario-%s.dist-info" % (ver if ver != "unknown" else "0"))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "METADATA"), "w") as f:
            f.write("Metadata-Version: 2.1\nName: boario\nVersion: %s\n" % ver)
        shims.append("boario metadata")
    sys.path[:0] = [tmp, boario_src] + ([pymrio_src] if pymrio_src else [])
    try:
        import pymrio
        import boario  # noqa: F401
        from boario.extended_models import ARIOPsiModel
        from boario.simulation import Simulation
        import boario.event as bev
    except ImportError as e:
        die(1, "BoARIO or pymrio cannot be imported: %s (their dependencies must be Debian "
            "python3 packages; give the pymrio source tree as the second argument if pymrio "
            "is not installed)" % e)
    import logging
    import warnings
    logging.getLogger("boario").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="boario")   # "considering 4/1 ratio" etc.
    return pymrio, ARIOPsiModel, Simulation, bev, shims


def make_table(R, S, seed, density, home):
    import numpy as np
    rng = np.random.default_rng(seed)
    n = R * S
    P = np.zeros((S, S), bool)                       # P[product, client sector]
    P[rng.permutation(S), np.arange(S)] = True       # every sector buys, every product sold
    extra = max(0, int(round(density * S * S)) - S)
    free = np.flatnonzero(~P.ravel())
    P.ravel()[rng.choice(free, min(extra, free.size), replace=False)] = True
    reg, seg = np.repeat(np.arange(R), S), np.tile(np.arange(S), R)
    same = reg[:, None] == reg[None, :]
    h = home * (R - 1) / (1.0 - home) if R > 1 else 1.0
    W = rng.uniform(0.5, 1.5, (n, n)) * np.where(same, h, 1.0) * P[seg[:, None], seg[None, :]]
    A = W * (rng.uniform(0.1, 0.5, n) / W.sum(axis=0))[None, :]
    y = rng.uniform(100.0, 1000.0, n)
    x = np.linalg.solve(np.eye(n) - A, y)
    Z = A * x[None, :]
    share = rng.uniform(0.1, 1.0, (n, R))
    Y = share / share.sum(axis=1, keepdims=True) * y[:, None]
    nz = Z > 0
    stats = {"node_pair_density": float(nz.mean()), "product_client_density":
             float(np.mean([nz[seg == p].any(axis=0) for p in range(S)])),
             "within_region_flow_share": float(Z[same].sum() / Z.sum()),
             "max_col_sum_A": float(A.sum(axis=0).max())}
    regions = ["R%02d" % r for r in range(R)]
    sectors = ["s%03d" % s for s in range(S)]
    nodes = [(r, s) for r in regions for s in sectors]
    cats = [(r, "fd") for r in regions]
    return Z, Y, nodes, cats, stats


def write_table(out, Z, Y, nodes, cats):
    sys.path.insert(0, HERE)
    from gen_pymrio_table import write_pymrio_dir
    write_pymrio_dir(out, nodes, cats, Z, Y, "random%d" % len(nodes),
                     "random sparse table of the built-in kind (benchmarks/boario_compare.py)")


def run_boario(peers, table, reps):
    import numpy as np
    pymrio, ARIOPsiModel, Simulation, bev, _ = peers
    best, setup, res = None, None, None
    for _ in range(reps):
        t0 = time.perf_counter()
        io = pymrio.load(table)
        io.calc_all()
        model = ARIOPsiModel(io, order_type="alt", alpha_base=1.0, alpha_max=1.25, alpha_tau=365,
                             rebuild_tau=60, main_inv_dur=90, monetary_factor=10**6,
                             temporal_units_by_step=1, iotable_year_to_temporal_unit_factor=365,
                             psi_param=0.80, inventory_restoration_tau=60)
        outdir = tempfile.mkdtemp(prefix="boario_cmp_")
        sim = Simulation(model, n_temporal_units_to_sim=STEPS, boario_output_dir=outdir)
        inds = list(model.industries)
        for r, s, loss in EVENT:
            k = float(model.productive_capital[inds.index((r, s))])
            sim.add_event(bev.from_scalar_regions_sectors(
                impact=loss * k, event_type="recovery", affected_regions=[r], affected_sectors=[s],
                impact_regional_distrib="equal", impact_sectoral_distrib="equal",
                recovery_tau=90, recovery_function="linear", occurrence=1, duration=1,
                event_monetary_factor=10**6))
        t1, c1 = time.perf_counter(), time.process_time()
        sim.loop()
        t2, c2 = time.perf_counter(), time.process_time()
        if best is None or t2 - t1 < best:
            best, cpu = t2 - t1, c2 - c1
        setup = t1 - t0 if setup is None else min(setup, t1 - t0)
        if res is None:
            prod = sim.production_realised.iloc[:STEPS]
            x0 = np.asarray(model.X_0, float)
            res = {"total": prod.to_numpy().sum(axis=1), "x0": x0,
                   "loss": float((x0[None, :] - prod.to_numpy()).sum()),
                   "cols": [tuple(c) for c in prod.columns], "rel": prod.to_numpy() / x0[None, :]}
        shutil.rmtree(outdir, ignore_errors=True)
    res.update({"loop_s": best, "setup_s": setup, "s_per_step": best / STEPS,
                "cpu_s_per_step": cpu / STEPS})
    return res


def icstress_yaml(table, scenarios, random_sizes, store):
    lines = ["table: %s" % table, "model: ario", "scenarios: %d" % scenarios, "seed: 1",
             "block_size: %d" % min(scenarios, 1024),
             "steps_per_year: 365", "horizon: %d" % STEPS, "shocks:"]
    for r, s, loss in EVENT:
        size = "{dist: uniform, min: 0.1, max: 0.6}" if random_sizes else "%g" % loss
        lines += ["  - {name: %s_%s, type: capacity_loss, regions: [%s], segments: [%s], "
                  "loss: %s, start: 1, duration: 3, recovery: 89}" % (r, s, r, s, size)]
    lines += ["ario:", "  alpha_max: 1.25", "  tau_alpha: 365", "  psi: 0.8",
              "  tau_inventory: 60", "  inventory: {default: 90}", "  order_type: alt",
              "  recovery_curve: linear", "output:", "  store: [%s]" % ", ".join(store)]
    return "\n".join(lines) + "\n"


def run_icstress(a, cfg, out, ranks, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    for k in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):   # set for BoARIO's numpy only
        if k in ORIG_ENV:
            env[k] = ORIG_ENV[k]
        else:
            env.pop(k, None)
    cmd = [a.icstress, "run", cfg, "-o", out]
    if ranks > 1:
        cmd = [a.mpiexec, "-n", str(ranks)] + cmd
    if os.path.exists(out):
        os.remove(out)
    t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    if p.returncode:
        die(1, "%s failed (exit %d): %s" % (" ".join(cmd), p.returncode, p.stderr.strip()[-400:]))
    text = p.stdout + p.stderr
    m = re.search(r"(\d+) scenarios computed in ([0-9.eE+-]+) s", text)
    core = re.search(r"\(core ([^)]+)\)", text)
    return {"wall_s": wall, "cpu_s": cpu, "compute_s": float(m.group(2)) if m else None,
            "blas_core": core.group(1) if core else "unknown"}


def agreement(a, table_dir, Z, Y, nodes, b, tmp):
    import h5py
    import numpy as np
    cfg, out = os.path.join(tmp, "one.yaml"), os.path.join(tmp, "one.h5")
    with open(cfg, "w") as f:
        f.write(icstress_yaml(table_dir, 1, False, ["total_output_loss", "trajectory"]))
    run_icstress(a, cfg, out, 1, 1)
    with h5py.File(out, "r") as f:
        loss = float(f["/scenarios/total_output_loss"][0])
        traj = f["/scenarios/trajectory"][0][:STEPS]
    xbar = (Z.sum(axis=1) + Y.sum(axis=1)) / 365.0
    rel_ics = 1.0 - traj                               # x/x0 per step and node (table order)
    tot_ics = (rel_ics * xbar[None, :]).sum(axis=1)
    col = {c: i for i, c in enumerate(b["cols"])}
    idx = [col[nd] for nd in nodes]
    node_diff = float(np.abs(rel_ics - b["rel"][:, idx]).max())
    tot_diff = float(np.abs(tot_ics - b["total"]).max() / xbar.sum())
    os.remove(out)
    return {"loss_icstress": loss, "loss_boario": b["loss"],
            "loss_rel_diff": (loss - b["loss"]) / b["loss"], "max_total_output_diff": tot_diff,
            "max_node_output_diff": node_diff}


def commit_of(icstress):
    p = subprocess.run([icstress, "info"], capture_output=True, text=True)
    m = re.search(r"commit ([0-9a-f]+)", p.stdout + p.stderr)
    return m.group(1) if m else "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("boario", help="BoARIO source tree (holds the 'boario' package)")
    ap.add_argument("pymrio_src", nargs="?", help="pymrio source tree (holds the 'pymrio' "
                    "package), if pymrio is not installed")
    ap.add_argument("--pymrio", help="the same as PYMRIO_SRC")
    ap.add_argument("--icstress", default=os.path.join(HERE, "..", "build", "icstress"))
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--sizes", type=int, nargs="+", default=[48, 200, 500],
                    help="node counts; shapes: " + ", ".join("%d = %d x %d" % (k, *v)
                                                             for k, v in SHAPES.items()))
    ap.add_argument("--scenarios", type=int, default=4096, help="icstress ensemble size")
    ap.add_argument("--layouts", nargs="+", default=["1x2", "2x1"], help="RANKSxTHREADS")
    ap.add_argument("--reps", type=int, default=3, help="BoARIO repetitions (best counted)")
    ap.add_argument("--density", type=float, default=0.2, help="share of sector pairs linked")
    ap.add_argument("--home", type=float, default=0.215, help="share of flows within a region")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--keep", help="write the tables under this directory and keep them")
    ap.add_argument("--json", help="append one JSON record per size and layout to this file")
    ap.add_argument("--boario-blas-threads", type=int, default=1,
                    help="BLAS threads of BoARIO's numpy (default 1: one scenario on one core)")
    a = ap.parse_args()
    a.pymrio = a.pymrio or a.pymrio_src
    for k in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # before numpy is first imported
        os.environ[k] = str(a.boario_blas_threads)
    for n in a.sizes:
        if n not in SHAPES:
            die(2, "--sizes %d: not one of %s" % (n, sorted(SHAPES)))
    layouts = []
    for L in a.layouts:
        m = re.fullmatch(r"(\d+)x(\d+)", L)
        if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
            die(2, "--layouts %s: expected RANKSxTHREADS, e.g. 2x1" % L)
        layouts.append((int(m.group(1)), int(m.group(2))))
    if not os.access(a.icstress, os.X_OK):
        die(2, "%s: not an executable icstress (build it or give --icstress)" % a.icstress)
    tmp = tempfile.mkdtemp(prefix="boario_compare_")
    try:
        peers = import_peers(os.path.abspath(a.boario), a.pymrio and os.path.abspath(a.pymrio), tmp)
        if peers[4]:
            print("stand-ins for unused imports: %s" % ", ".join(peers[4]))
        commit = commit_of(a.icstress)
        jf = open(a.json, "a") if a.json else None
        rows = []
        for n in a.sizes:
            R, S = SHAPES[n]
            Z, Y, nodes, cats, st = make_table(R, S, a.seed, a.density, a.home)
            tdir = os.path.join(a.keep, "table%d" % n) if a.keep else os.path.join(tmp, "t%d" % n)
            write_table(tdir, Z, Y, nodes, cats)
            print("n = %d (%d regions x %d sectors): links on %.1f %% of node pairs, %.1f %% of "
                  "(product, client) pairs; %.1f %% of flows within a region; max col sum of A %.3f"
                  % (n, R, S, 100 * st["node_pair_density"], 100 * st["product_client_density"],
                     100 * st["within_region_flow_share"], st["max_col_sum_A"]), flush=True)
            lb = os.getloadavg()
            b = run_boario(peers, os.path.abspath(tdir), a.reps)
            print("  BoARIO: %.3f ms/step (loop of %d steps %.3f s, best of %d; set-up %.2f s "
                  "not counted); load %.2f" % (1e3 * b["s_per_step"], STEPS, b["loop_s"], a.reps,
                                              b["setup_s"], lb[0]), flush=True)
            ag = agreement(a, os.path.abspath(tdir), Z, Y, nodes, b, tmp)
            print("  agreement: total output loss BoARIO %.6g, icstress %.6g (%+.2e relative); "
                  "max |x/x0 difference| per node %.2e, total output per day %.2e of baseline"
                  % (ag["loss_boario"], ag["loss_icstress"], ag["loss_rel_diff"],
                     ag["max_node_output_diff"], ag["max_total_output_diff"]), flush=True)
            cfg = os.path.join(tmp, "ens%d.yaml" % n)
            with open(cfg, "w") as f:
                f.write(icstress_yaml(os.path.abspath(tdir), a.scenarios, True,
                                      ["total_output_loss"]))
            for ranks, threads in layouts:
                li = os.getloadavg()
                r = run_icstress(a, cfg, os.path.join(tmp, "ens.h5"), ranks, threads)
                ss = a.scenarios * STEPS
                sps = ss / r["compute_s"] if r["compute_s"] else None
                spw = ss / r["wall_s"]
                bps = 1.0 / b["s_per_step"]
                ratio = sps / bps if sps else None
                ratio_cpu = (ss / r["cpu_s"]) * b["cpu_s_per_step"]
                rec = {"case": "boario_ratio", "n": n, "regions": R, "sectors": S,
                       "ratio": ratio, "ratio_whole_command": spw / bps,
                       "ratio_per_cpu_s_whole_command": ratio_cpu, "target": TARGET,
                       "met": bool(ratio is not None and ratio >= TARGET), "what": WHAT,
                       "icstress_scenario_steps_per_s": sps,
                       "icstress_whole_command_scenario_steps_per_s": spw,
                       "icstress_compute_s": r["compute_s"], "icstress_wall_s": r["wall_s"],
                       "icstress_cpu_s": r["cpu_s"], "boario_cpu_s_per_step": b["cpu_s_per_step"],
                       "scenarios": a.scenarios, "steps": STEPS,
                       "boario_s_per_step": b["s_per_step"], "boario_setup_s": b["setup_s"],
                       "boario_reps": a.reps, **ag, **st,
                       "blas_core": r["blas_core"], "ranks": ranks, "threads": threads,
                       "loadavg_boario": lb[0], "loadavg": li[0], "loadavg_5_15": li[1:],
                       "commit": commit,
                       "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(
                           timespec="seconds")}
                rows.append(rec)
                print("  icstress %dx%d: %d scenarios x %d steps, compute %.2f s, whole command "
                      "%.2f s (%.2f CPU s): %.4g scenario-steps/s -> %.0f x BoARIO (whole command "
                      "%.0f x; per CPU second, whole command against BoARIO's loop, %.0f x); load "
                      "%.2f" % (ranks, threads, a.scenarios, STEPS, r["compute_s"] or -1,
                                r["wall_s"], r["cpu_s"], sps or -1, ratio or -1,
                                rec["ratio_whole_command"], ratio_cpu, li[0]), flush=True)
                if jf:
                    jf.write(json.dumps(rec) + "\n")
                    jf.flush()
        print("\n| n | R x S | BoARIO ms/step | ranks x threads | icstress scenario-steps/s | "
              "ratio (compute) | ratio (whole command) | ratio per CPU s | target | "
              "loss rel. diff | load |")
        print("|---:|---|---:|---|---:|---:|---:|---:|---|---:|---:|")
        for r in rows:
            print("| %d | %d x %d | %.3f | %d x %d | %.4g | %.0f | %.0f | %.0f | >= %g %s | %+.1e "
                  "| %.2f |"
                  % (r["n"], r["regions"], r["sectors"], 1e3 * r["boario_s_per_step"], r["ranks"],
                     r["threads"], r["icstress_scenario_steps_per_s"] or -1, r["ratio"] or -1,
                     r["ratio_whole_command"], r["ratio_per_cpu_s_whole_command"], TARGET,
                     "met" if r["met"] else "MISSED",
                     r["loss_rel_diff"], r["loadavg"]))
        print("icstress commit %s; BoARIO %s" % (commit, os.path.abspath(a.boario)))
        if jf:
            jf.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
