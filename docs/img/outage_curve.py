"""Loss against the length of a Taiwan fab outage (docs/models.md, "Loss against outage length").

Runs `icstress run` once per outage length L = 1..52 weeks (model ario, table builtin, 104 weekly
steps; Taiwan's fab_advanced and fab_mature lose all capacity from week 0 for L weeks, then are
back at once) and writes, per L: the direct loss (the capacity removed, L weeks of Taiwan's fab
output), the loss of
the end markets (the five end_* segments), the total output loss and their ratio, as a CSV, and
a figure of them (matplotlib).

usage: /usr/bin/python3 docs/img/outage_curve.py [--icstress BIN] [--ario YAML] [--lengths A:B]
                                                 [--csv OUT.csv] [--png OUT.png]
--ario is the text of an `ario:` section (flow style) added to every config, e.g. to change the
inventory targets; the default is none (the built-in table's defaults). The end-market threshold
(the first L whose end-market loss exceeds 1e-6 of the end markets' weekly output) is printed.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def config(L, ario):
    return (
        "table: builtin\nmodel: ario\nscenarios: 1\nseed: 1\nsampler: mc\nhorizon: 104\n"
        + (f"ario: {ario}\n" if ario else "")
        + "shocks:\n  - {name: taiwan_fabs, type: capacity_loss, regions: [TW], "
        f"segments: [fab_advanced, fab_mature], loss: 1.0, start: 0, duration: {L}, recovery: 0}}\n"
        "output:\n  store: [total_output_loss, output_change]\n"
    )


def run(ics, L, ario, tmp):
    cfg = os.path.join(tmp, f"L{L}.yaml")
    out = os.path.join(tmp, f"L{L}.h5")
    with open(cfg, "w") as f:
        f.write(config(L, ario))
    subprocess.run([ics, "run", cfg, "-o", out, "--quiet"], check=True)
    with h5py.File(out, "r") as f:
        segs = [s.decode() for s in f["/table/segments"][...]]
        regs = [s.decode() for s in f["/table/regions"][...]]
        nseg = [v.decode() if isinstance(v, bytes) else segs[int(v)] for v in f["/table/node_segment"][...]]
        nreg = [v.decode() if isinstance(v, bytes) else regs[int(v)] for v in f["/table/node_region"][...]]
        dx = f["/scenarios/output_change"][0]
        x = f["/table/x"][...]
        total = float(f["/scenarios/total_output_loss"][0])
    os.remove(out)
    end = np.array([s.startswith("end_") for s in nseg])
    tw_fab = np.array([r == "TW" and s.startswith("fab_") for r, s in zip(nreg, nseg)])
    return {
        "weeks": L,
        "direct": float(L * x[tw_fab].sum() / 52.0),
        "end_markets": float(-dx[end].sum()),
        "total": total,
        "end_weekly_output": float(x[end].sum() / 52.0),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--icstress", default=os.path.join(ROOT, "build", "icstress"))
    ap.add_argument("--ario", default="")
    ap.add_argument("--lengths", default="1:52")
    ap.add_argument("--csv", default=None)
    ap.add_argument("--png", default=None)
    a = ap.parse_args()
    lo, hi = (int(v) for v in a.lengths.split(":"))
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(a.icstress, L, a.ario, tmp) for L in range(lo, hi + 1)]
    thr = next((r["weeks"] for r in rows if r["end_markets"] > 1e-6 * r["end_weekly_output"]), None)
    print(f"end-market threshold: {thr} weeks" if thr else "end-market threshold: none in range")
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["weeks", "direct_loss", "end_market_loss", "total_loss", "total_over_direct"])
            for r in rows:
                w.writerow([r["weeks"], "%.6g" % r["direct"], "%.6g" % (r["end_markets"] + 0.0),
                            "%.6g" % r["total"], "%.4g" % (r["total"] / r["direct"])])
    if a.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        L = [r["weeks"] for r in rows]
        fig, ax = plt.subplots(1, 2, figsize=(10, 4))
        bn = 1e3  # table units are million USD; plot bn USD
        ax[0].plot(L, [r["total"] / bn for r in rows], label="total output loss")
        ax[0].plot(L, [r["direct"] / bn for r in rows], label="direct: Taiwan's lost fab capacity")
        ax[0].plot(L, [r["end_markets"] / bn for r in rows], label="end markets (end_*)")
        if thr:
            ax[0].axvline(thr, color="grey", ls=":", lw=1)
        ax[0].set_xlabel("outage length (weeks)")
        ax[0].set_ylabel("loss over 2 years (bn USD, 2022)")
        ax[0].legend(frameon=False)
        ax[1].plot(L, [r["total"] / r["direct"] for r in rows], color="C3")
        ax[1].set_xlabel("outage length (weeks)")
        ax[1].set_ylabel("total loss / direct loss")
        if thr:
            ax[1].axvline(thr, color="grey", ls=":", lw=1)
        fig.suptitle("Taiwan fab outage (both fab segments, 100 %), model ario, built-in table")
        fig.tight_layout()
        fig.savefig(a.png, dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
