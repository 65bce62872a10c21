"""Check an icstress result file against an independent dense solve with numpy.

usage: check_dense.py RESULT.h5 TABLE_DIR MODEL
Reads the table from the pymrio-layout directory (not from the result file), rebuilds each
scenario's shock from the parameters stored in /scenarios/parameters, solves (I - A) dx = dy
(leontief), (I - B)' dx = dv (ghosh) or (I - A*) q = c* (iim, clipped) with numpy.linalg.solve,
and compares every stored output to 1e-10 relative (to the largest magnitude of that output).
"""
import fnmatch
import sys
import h5py
import numpy as np
import yaml


def read_frame(path, header_rows=3):
    rows = [l.rstrip("\n").split(",") for l in open(path)]
    body = rows[header_rows:]
    return [tuple(r[:2]) for r in body], np.array([[float(v) for v in r[2:]] for r in body])


def main():
    res, tdir, model = sys.argv[1], sys.argv[2], sys.argv[3]
    labels, Z = read_frame(f"{tdir}/Z.csv")
    _, Y = read_frame(f"{tdir}/Y.csv")
    x = np.array([float(l.split(",")[2]) for l in open(f"{tdir}/x.csv").readlines()[1:]])
    n = len(labels)
    vrows = [l.rstrip("\n").split(",") for l in open(f"{tdir}/VA.csv")][3:]
    va = np.array([[float(v) for v in r[1:]] for r in vrows]).sum(axis=0)
    y = Y.sum(axis=1)
    A = Z / x[None, :]
    B = Z / x[:, None]
    with h5py.File(res, "r") as f:
        cfg = yaml.safe_load(f.attrs["config"])
        N = int(f.attrs["scenarios"])
        dY = np.zeros((N, n))
        for sh in cfg["shocks"]:
            name = sh["name"]
            theta = f[f"/scenarios/parameters/{name}/change"][...]
            if f"/scenarios/parameters/{name}/occurs" in f:
                theta = theta * f[f"/scenarios/parameters/{name}/occurs"][...]
            regs = sh.get("regions")
            segs = sh.get("segments")
            regs = [regs] if isinstance(regs, str) else regs
            segs = [segs] if isinstance(segs, str) else segs

            def sel(label, pats):
                return pats is None or any(fnmatch.fnmatchcase(label, p) for p in pats)

            mask = np.array([sel(r, regs) and sel(s, segs) for r, s in labels], dtype=float)
            base = va if sh["type"] == "value_added" else y
            dY += theta[:, None] * (base * mask)[None, :]
        if model == "leontief":
            dX = np.linalg.solve(np.eye(n) - A, dY.T).T
        elif model == "ghosh":
            dX = np.linalg.solve((np.eye(n) - B).T, dY.T).T
        else:
            cstar = -dY / x[None, :]
            q = np.clip(np.linalg.solve(np.eye(n) - B, cstar.T).T, 0.0, 1.0)
            dX = -q * x[None, :]
            if "/scenarios/inoperability" in f:
                got_q = f["/scenarios/inoperability"][...]
                err = np.abs(got_q - q).max() / max(np.abs(q).max(), 1e-300)
                print(f"{model}: inoperability max rel err {err:.3g}")
                assert err < 1e-10, err
        checks = {"output_change": dX, "total_output_loss": -dX.sum(axis=1)}
        regs_all = sorted(set(r for r, _ in labels), key=[r for r, _ in labels].index)
        node_reg = np.array([regs_all.index(r) for r, _ in labels])
        contrib = -dY if model == "ghosh" else -(va / x)[None, :] * dX
        checks["va_loss_by_region"] = np.stack([contrib[:, node_reg == k].sum(axis=1)
                                                for k in range(len(regs_all))], axis=1)
        segs_all = sorted(set(s for _, s in labels), key=[s for _, s in labels].index)
        node_seg = np.array([segs_all.index(s) for _, s in labels])
        checks["output_loss_by_region"] = np.stack([-dX[:, node_reg == k].sum(axis=1)
                                                    for k in range(len(regs_all))], axis=1)
        checks["output_loss_by_segment"] = np.stack([-dX[:, node_seg == k].sum(axis=1)
                                                     for k in range(len(segs_all))], axis=1)
        for ag in cfg.get("aggregates", []):
            sel = np.array([(ag.get("regions") is None or any(fnmatch.fnmatchcase(r, p) for p in ag["regions"]))
                            and (ag.get("segments") is None or any(fnmatch.fnmatchcase(s, p) for p in ag["segments"]))
                            for r, s in labels])
            src = contrib if ag.get("quantity") == "value_added" else -dX
            checks["aggregates/" + ag["name"]] = src[:, sel].sum(axis=1)
        for name, want in checks.items():
            if f"/scenarios/{name}" not in f:
                continue
            got = f[f"/scenarios/{name}"][...]
            assert got.shape == want.shape, (name, got.shape, want.shape)
            err = np.abs(got - want).max() / max(np.abs(want).max(), 1e-300)
            print(f"{model}: {name} max rel err {err:.3g}")
            assert err < 1e-10, (name, err)
        # statistics agree with the stored per-scenario data
        tot = f["/scenarios/total_output_loss"][...]
        m = f["/statistics/total_output_loss/mean"][...].ravel()
        s = f["/statistics/total_output_loss/sd"][...].ravel()
        scale = max(abs(tot).max(), 1e-300)
        assert abs(m[0] - tot.mean()) <= 1e-12 * scale, (m, tot.mean())
        assert abs(s[0] - tot.std(ddof=1)) <= 1e-10 * scale, (s, tot.std(ddof=1))
        qs = f["/statistics/total_output_loss/quantiles"]
        want_q = np.quantile(tot, qs.attrs["levels"])  # numpy's default is R-7
        assert np.abs(qs[...].ravel() - want_q).max() <= 1e-12 * scale
    print(f"{model}: OK against numpy.linalg.solve ({N} scenarios, n = {n})")


if __name__ == "__main__":
    main()
