"""Mean GDP loss by region over the scenarios of a result file in which a given shock occurred
(docs/plausibility.md). Standard library + h5py + numpy (Debian's /usr/bin/python3).

    /usr/bin/python3 docs/plausibility_split.py RESULT.h5 SHOCK

prints, for the scenarios with /scenarios/parameters/SHOCK/occurs = 1: their number, how many lose
more than 1 trillion (table units: million, so 1e6), and per region and for the world the mean GDP
loss (table units, cumulative over the horizon) and its share of one year's GDP; a dynamic run's
loss is cumulative over its horizon, so the share per year is that divided by horizon/52.
"""
import sys

import h5py
import numpy as np


def main():
    path, shock = sys.argv[1], sys.argv[2]
    f = h5py.File(path, "r")
    regs = [r.decode() if isinstance(r, bytes) else str(r) for r in f["/table/regions"][:]]
    g = f["/scenarios/gdp_loss_by_region"][:]
    gs = f["/scenarios/gdp_loss_share_by_region"][:]
    on = f[f"/scenarios/parameters/{shock}/occurs"][:] > 0.5
    world = g.sum(axis=1)
    gdp = f["/table/va"][:].sum()
    print(f"{path}: {int(on.sum())} of {len(on)} scenarios with {shock}; "
          f"{int((world[on] > 1e6).sum())} of them lose more than 1e6 (table units)")
    for k, r in enumerate(regs):
        print(f"  {r:4s} {g[on, k].mean():14.6g}  {100 * gs[on, k].mean():7.3f} %")
    print(f"  {'world':4s} {world[on].mean():14.6g}  {100 * world[on].mean() / gdp:7.3f} %"
          f"  (median {np.median(world[on]):.6g}, min {world[on].min():.6g}, "
          f"max {world[on].max():.6g})")


if __name__ == "__main__":
    main()
