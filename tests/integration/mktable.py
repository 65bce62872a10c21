"""Write a random productive MRIO table in pymrio's text layout (Z.csv, Y.csv, x.csv, VA.csv).

usage: mktable.py DIR NREG NSEC SEED
Flows are drawn so every column sum of A is below 0.7; Y has one column per region; x and VA
are written so the table balances exactly up to decimal printing (17 significant digits).
"""
import sys
import numpy as np


def main():
    out, nreg, nsec, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = np.random.default_rng(seed)
    n = nreg * nsec
    regs = [f"r{i}" for i in range(nreg)]
    secs = [f"s{j}" for j in range(nsec)]
    labels = [(r, s) for r in regs for s in secs]
    x = rng.uniform(50.0, 500.0, n)
    # z_ij <= 0.7 min(x_i, x_j) / n keeps every row and column sum of Z below 0.7 of output
    mask = rng.uniform(size=(n, n)) < 0.6
    Z = rng.uniform(0.0, 0.7, (n, n)) * mask * np.minimum(x[:, None], x[None, :]) / n
    # final demand: the row residual split over regions
    resid = x - Z.sum(axis=1)
    assert (resid > 0).all(), "row residual must be positive"
    w = rng.uniform(0.5, 1.5, (n, nreg))
    Y = resid[:, None] * w / w.sum(axis=1, keepdims=True)
    va = x - Z.sum(axis=0)
    VA = np.vstack([0.6 * va, 0.4 * va])

    def frame(path, mat, col_labels, col_names):
        with open(path, "w") as f:
            f.write(col_names[0] + "," + ",".join(c[0] for c in col_labels) + "\n")
            f.write(col_names[1] + "," + ",".join(c[1] for c in col_labels) + "\n")
            f.write("region,sector" + "," * len(col_labels) + "\n")
            for (r, s), row in zip(labels, mat):
                f.write(f"{r},{s}," + ",".join(f"{v:.17g}" for v in row) + "\n")

    frame(f"{out}/Z.csv", Z, labels, ("region", "sector"))
    frame(f"{out}/Y.csv", Y, [(r, "final") for r in regs], ("region", "category"))
    with open(f"{out}/x.csv", "w") as f:
        f.write("region,sector,indout\n")
        for (r, s), v in zip(labels, x):
            f.write(f"{r},{s},{v:.17g}\n")
    with open(f"{out}/VA.csv", "w") as f:
        f.write("region," + ",".join(l[0] for l in labels) + "\n")
        f.write("sector," + ",".join(l[1] for l in labels) + "\n")
        f.write("stressor" + "," * n + "\n")
        for name, row in zip(("compensation", "surplus"), VA):
            f.write(name + "," + ",".join(f"{v:.17g}" for v in row) + "\n")


if __name__ == "__main__":
    main()
