"""`icstress export OUT.h5 --csv DIR` (issue 13): a DataFrame built from the raw HDF5 arrays
equals the DataFrame read back from the CSV files, exactly (numbers are written with %.17g,
which round-trips every double; pandas must parse them with float_precision="round_trip").

Uses the result files of test_netcdf.py (static, sensitivity, chokepoints runs).
"""
import os
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest

from test_netcdf import ICS, files  # noqa: F401  (the session fixture)


def export(path, d):
    p = subprocess.run([ICS, "export", str(path), "--csv", str(d)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


def read(path, labels):
    return pd.read_csv(path, float_precision="round_trip", keep_default_na=False,
                       na_values={"level": [""], "value": ["nan"]}, dtype={c: str for c in labels})


def labels_of(ds, axis):
    """The label scale attached to an axis (the labels a reader sees)."""
    return [s.decode() if isinstance(s, bytes) else str(s) for s in ds.dims[axis][0][...]]


def expected_statistics(f):
    rows, ep = [], []

    def visit(name, g):
        if not isinstance(g, h5py.Group) or "mean" not in g:
            return
        for st in ("mean", "sd", "min", "max"):
            if st in g:
                d = g[st]
                units = d.attrs["units"]
                for c, v in zip(labels_of(d, d.ndim - 1), d[...]):
                    rows.append((name, c, st, np.nan, v, units))
        for st, attr in (("quantiles", "levels"), ("var", "levels"), ("cvar", "levels"),
                         ("return_period_loss", "exceedance_probability")):
            if st in g:
                d = g[st]
                a = d[...]
                for j, c in enumerate(labels_of(d, 1)):
                    for i, lev in enumerate(d.attrs[attr]):
                        rows.append((name, c, st, lev, a[i, j], d.attrs["units"]))
        if "ep_curve" in g:
            t, p = g["ep_curve/threshold"], g["ep_curve/probability"]
            for j, c in enumerate(labels_of(t, 1)):
                for i in range(t.shape[0]):
                    ep.append((name, c, i, t[i, j], p[i, j], t.attrs["units"]))

    f["statistics"].visititems(visit)
    cols = ["output", "column", "statistic", "level", "value", "units"]
    ecols = ["output", "column", "point", "threshold", "exceedance_probability", "units"]
    return pd.DataFrame(rows, columns=cols), pd.DataFrame(ep, columns=ecols)


def as_str(df, cols):
    for c in cols:
        df[c] = df[c].map(lambda s: s.decode() if isinstance(s, bytes) else s)
    return df


def test_statistics_round_trip(files, tmp_path):  # noqa: F811
    for kind in ("leontief", "diim"):
        d = tmp_path / kind
        out = export(files[kind], d)
        assert "statistics.csv" in out and "ep_curves.csv" in out
        with h5py.File(files[kind], "r") as f:
            want, want_ep = expected_statistics(f)
        got = read(d / "statistics.csv", ["output", "column", "statistic", "units"])
        want = as_str(want, ["units"])
        key = ["output", "column", "statistic", "level"]
        pd.testing.assert_frame_equal(got.sort_values(key, ignore_index=True),
                                      want.sort_values(key, ignore_index=True), check_exact=True)
        got_ep = read(d / "ep_curves.csv", ["output", "column", "units"])
        want_ep = as_str(want_ep, ["units"])
        key = ["output", "column", "point"]
        pd.testing.assert_frame_equal(got_ep.sort_values(key, ignore_index=True),
                                      want_ep.sort_values(key, ignore_index=True), check_exact=True)
        # the units are in the file, with the statistic they belong to
        assert set(got["units"]) <= {"million USD (2022) per year", "million USD (2022)", "steps"}


def test_sensitivity_round_trip(files, tmp_path):  # noqa: F811
    export(files["sensitivity"], tmp_path)
    got = read(tmp_path / "sensitivity.csv", ["target", "factor", "index", "units"])
    rows = []
    with h5py.File(files["sensitivity"], "r") as f:
        factors = list(f["/sensitivity/factors"].asstr()[...])

        def visit(name, d):
            if isinstance(d, h5py.Dataset) and "/" in name and d.ndim == 1 \
                    and d.dtype.kind == "f" and "CLASS" not in d.attrs:
                target, index = name.rsplit("/", 1)
                for fac, v in zip(factors, d[...]):
                    rows.append((target, fac, index, v, d.attrs["units"].decode()
                                 if isinstance(d.attrs["units"], bytes) else d.attrs["units"]))
        f["sensitivity"].visititems(visit)
    want = pd.DataFrame(rows, columns=["target", "factor", "index", "value", "units"])
    key = ["target", "index", "factor"]
    pd.testing.assert_frame_equal(got.sort_values(key, ignore_index=True),
                                  want.sort_values(key, ignore_index=True), check_exact=True)
    assert {"S1", "ST", "S1_conf", "ST_conf"} <= set(got["index"])
    assert set(got["target"]) == {"total_output_loss", "va_loss_by_region/TW"}


def test_chokepoints_round_trip(files, tmp_path):  # noqa: F811
    export(files["chokepoints"], tmp_path)
    got = pd.read_csv(tmp_path / "chokepoints.csv", float_precision="round_trip",
                      keep_default_na=False, na_values=["nan"], index_col="node")
    with h5py.File(files["chokepoints"], "r") as f:
        g = f["chokepoints"]
        nodes = [f"{r}/{s}" for r, s in zip(f["table/node_region"].asstr()[...],
                                             f["table/node_segment"].asstr()[...])]
        want = {}
        for name, d in g.items():
            if isinstance(d, h5py.Dataset) and d.ndim == 1 and d.shape[0] == len(nodes) \
                    and d.dtype.kind in "fi" and "CLASS" not in d.attrs \
                    and name != "ensemble_nodes":
                u = d.attrs["units"]
                want[f"{name} [{u.decode() if isinstance(u, bytes) else u}]"] = d[...]
    want = pd.DataFrame(want, index=pd.Index(nodes, name="node"))
    assert "expected_loss [million USD (2022)]" in want.columns
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_dtype=False)


def test_export_errors(tmp_path):
    p = subprocess.run([ICS, "export", str(tmp_path / "none.h5"), "--csv", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "no such file" in p.stderr
    assert not (tmp_path / "o").exists()
    bad = tmp_path / "bad.h5"
    with h5py.File(bad, "w") as f:
        f["x"] = 1.0
    p = subprocess.run([ICS, "export", str(bad), "--csv", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "not an icstress result" in p.stderr
    assert not (tmp_path / "o").exists()
    p = subprocess.run([ICS, "export", str(bad)], capture_output=True, text=True)
    assert p.returncode == 2 and "usage" in p.stderr
