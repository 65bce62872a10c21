#!/usr/bin/python3
"""Write a random productive MRIO table in the text layout pymrio saves (IOSystem.save:
tab-separated Z.txt, Y.txt, unit.txt with two-level indices, numbers as '%.12g', and
file_parameters.json / metadata.json), so that `icstress` and `pymrio.load` read the same files.

    /usr/bin/python3 benchmarks/gen_pymrio_table.py OUTDIR --regions 49 --sectors 163

49 x 163 = 7,987 nodes is the EXIOBASE 3 product-by-product size (issue 17). The table is dense:
a_ij = c_j w_ij / sum_i w_ij with w uniform in (0, 1) and column sums c_j uniform in
[0.1, 0.5] (so rho(A) < 0.5), gross output x uniform in [300, 1000], Z = A diag(x), and final
demand x - Z 1 (positive: each row sum of Z is close to its mean 0.3 * 650) split over
`--categories` final-demand columns per region with random positive shares."""
import argparse
import json
import os
import sys

import numpy as np


def write_frame(path, rows, cols, data, colnames):
    """data: 2-D array, rows/cols: lists of (level1, level2) labels."""
    with open(path, "w") as f:
        f.write(colnames[0] + "\t\t" + "\t".join(c[0] for c in cols) + "\n")
        f.write(colnames[1] + "\t\t" + "\t".join(c[1] for c in cols) + "\n")
        f.write("region\tsector" + "\t" * len(cols) + "\n")
        fmt = "\t".join(["%.12g"] * data.shape[1]) + "\n"
        for (r, s), row in zip(rows, data):
            f.write(r + "\t" + s + "\t" + fmt % tuple(row))


def write_pymrio_dir(out, nodes, cats, Z, Y, name, description):
    """Z.txt, Y.txt, unit.txt, file_parameters.json and metadata.json of pymrio's saved layout;
    nodes: (region, sector) labels of Z's rows/columns, cats: (region, category) of Y's columns."""
    os.makedirs(out, exist_ok=True)
    write_frame(os.path.join(out, "Z.txt"), nodes, nodes, Z, ("region", "sector"))
    write_frame(os.path.join(out, "Y.txt"), nodes, cats, Y, ("region", "category"))
    with open(os.path.join(out, "unit.txt"), "w") as f:
        f.write("region\tsector\tunit\n")
        for r, s in nodes:
            f.write("%s\t%s\tM.EUR\n" % (r, s))
    files = {k: {"name": k + ".txt", "nr_index_col": "2", "nr_header": h}
             for k, h in (("Z", "2"), ("Y", "2"), ("unit", "1"))}
    with open(os.path.join(out, "file_parameters.json"), "w") as f:
        json.dump({"files": files, "systemtype": "IOSystem"}, f, indent=4)
    with open(os.path.join(out, "metadata.json"), "w") as f:
        json.dump({"description": description, "name": name, "system": None, "version": None,
                   "history": []}, f, indent=4)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--regions", type=int, default=49)
    ap.add_argument("--sectors", type=int, default=163)
    ap.add_argument("--categories", type=int, default=7)
    ap.add_argument("--seed", type=int, default=17)
    a = ap.parse_args()
    R, S, K = a.regions, a.sectors, a.categories
    n = R * S
    rng = np.random.default_rng(a.seed)
    regions = ["R%02d" % r for r in range(R)]
    sectors = ["s%03d" % s for s in range(S)]
    nodes = [(r, s) for r in regions for s in sectors]
    x = rng.uniform(300.0, 1000.0, n)
    Z = rng.uniform(0.0, 1.0, (n, n))
    Z *= (rng.uniform(0.1, 0.5, n) / Z.sum(axis=0) * x)[None, :]
    fd = x - Z.sum(axis=1)
    if (fd <= 0).any():
        sys.exit("gen_pymrio_table: a row sum of Z exceeds its output; change the seed")
    share = rng.uniform(0.1, 1.0, (n, R * K))
    Y = share / share.sum(axis=1, keepdims=True) * fd[:, None]
    cats = [(r, "fd%d" % k) for r in regions for k in range(K)]
    write_pymrio_dir(a.out, nodes, cats, Z, Y, "random%d" % n,
                     "random productive table (benchmarks/gen_pymrio_table.py)")
    print("%s: %d regions x %d sectors = %d nodes, %d final-demand columns" % (a.out, R, S, n, R * K))


if __name__ == "__main__":
    main()
