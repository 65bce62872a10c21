"""icstress.open(): every frame equals the raw HDF5 arrays (values, order, labels), read here
independently with h5py, and satisfies the model's identities."""

import h5py
import numpy as np
import pytest

import icstress


def _dec(a):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in a]


def _raw_labels(f):
    regions, segments = _dec(f["table/regions"][()]), _dec(f["table/segments"][()])
    nr, ns = f["table/node_region"][()], f["table/node_segment"][()]
    nr = [regions[int(i)] for i in nr] if nr.dtype.kind in "iu" else _dec(nr)
    ns = [segments[int(i)] for i in ns] if ns.dtype.kind in "iu" else _dec(ns)
    return regions, segments, [f"{r}/{s}" for r, s in zip(nr, ns)]


@pytest.mark.parametrize("kind", ["static", "diim", "ario", "sensitivity"])
def test_scenarios_equal_raw(runs, kind):
    with icstress.open(runs[kind]) as res, h5py.File(runs[kind], "r") as f:
        df = res.scenarios()
        regions, segments, nodes = _raw_labels(f)
        N = f["scenarios/total_output_loss"].shape[0]
        assert list(df.index) == list(range(N)) and df.index.name == "scenario"
        expected = []

        def visit(name, ds):
            if not isinstance(ds, h5py.Dataset) or name.startswith("parameters/"):
                return
            if ds.attrs.get("CLASS") is not None or ds.ndim > 2:
                return
            v = ds[()]
            if ds.ndim == 1:
                expected.append(name)
                assert np.array_equal(df[name].to_numpy(), v, equal_nan=True), name
                return
            labels = {len(regions): regions, len(segments): segments, len(nodes): nodes}[v.shape[1]]
            for j, lab in enumerate(labels):
                expected.append(f"{name}/{lab}")
                assert np.array_equal(df[f"{name}/{lab}"].to_numpy(), v[:, j], equal_nan=True)
        f["scenarios"].visititems(visit)

        def visit_p(name, ds):
            if isinstance(ds, h5py.Dataset) and ds.attrs.get("CLASS") is None:
                expected.append(f"param:{name}")
                assert np.array_equal(df[f"param:{name}"].to_numpy(), ds[()], equal_nan=True)
        f["scenarios/parameters"].visititems(visit_p)
        assert sorted(df.columns) == sorted(expected)
        assert any(c.startswith("param:") for c in df.columns)


def test_scenarios_labels_are_consistent(runs):
    """Identities that only hold if the column labels are right: the node losses of a region
    sum to its regional loss, and the regions to the total (static Leontief)."""
    with icstress.open(runs["static"]) as res:
        df = res.scenarios()
        for r in res.regions:
            node_cols = [c for c in df.columns if c.startswith(f"output_change/{r}/")]
            assert len(node_cols) == len(res.segments)
            np.testing.assert_allclose(-df[node_cols].sum(axis=1), df[f"output_loss_by_region/{r}"],
                                       rtol=1e-9, atol=1e-6)
        for s in res.segments:
            node_cols = [c for c in df.columns if c.startswith("output_change/") and c.endswith(f"/{s}")]
            np.testing.assert_allclose(-df[node_cols].sum(axis=1),
                                       df[f"output_loss_by_segment/{s}"], rtol=1e-9, atol=1e-6)
        regional = df[[f"output_loss_by_region/{r}" for r in res.regions]].sum(axis=1)
        np.testing.assert_allclose(regional, df["total_output_loss"], rtol=1e-9)
        assert df.attrs["units"]["total_output_loss"]


def test_parameters_drive_outputs(runs):
    """The parameter columns line up with the output rows: the CN datacenter node is hit only by
    the cn_dc shock, so its output change is 0 when the shock does not occur and, by linearity
    of dx = L dy, proportional to the sampled change when it does."""
    with icstress.open(runs["static"]) as res:
        df = res.scenarios()
        occ = df["param:cn_dc/occurs"] > 0.5
        col = df["output_change/CN/end_datacenter"]
        assert 0 < occ.sum() < len(df)
        assert (col[~occ] == 0).all()
        ratio = col[occ] / df.loc[occ, "param:cn_dc/change"]
        np.testing.assert_allclose(ratio, ratio.iloc[0], rtol=1e-9)
        assert ratio.iloc[0] > 0


def test_statistics(runs):
    with icstress.open(runs["static"]) as res:
        df = res.scenarios()
        st = res.statistics("total_output_loss")
        v = df["total_output_loss"].to_numpy()
        assert st["mean"].ndim == 0
        np.testing.assert_allclose(float(st["mean"]), v.mean(), rtol=1e-12)
        np.testing.assert_allclose(float(st["sd"]), v.std(ddof=1), rtol=1e-9)
        for lev in st["level"].values:  # R-7 = numpy's default quantile
            np.testing.assert_allclose(float(st["quantiles"].sel(level=lev)), np.quantile(v, lev),
                                       rtol=1e-12)
        assert "return_period" in st.coords and "ep_probability" in st
        sr = res.statistics("va_loss_by_region")
        assert list(sr["region"].values) == res.regions
        for r in ("CN", "TW"):
            np.testing.assert_allclose(float(sr["mean"].sel(region=r)),
                                       df[f"va_loss_by_region/{r}"].mean(), rtol=1e-12)
        sn = res.statistics("output_change")
        assert sn["mean"].dims == ("node",) and "region" in sn.coords
        np.testing.assert_allclose(float(sn["mean"].sel(node="TW/fab_advanced")),
                                   df["output_change/TW/fab_advanced"].mean(), rtol=1e-12)
        sa = res.statistics("aggregates/tw_fabs")
        np.testing.assert_allclose(float(sa["mean"]), df["aggregates/tw_fabs"].mean(), rtol=1e-12)


@pytest.mark.parametrize("kind", ["diim", "ario"])
def test_trajectories(runs, kind):
    with icstress.open(runs[kind]) as res, h5py.File(runs[kind], "r") as f:
        da = res.trajectories()
        raw = f["scenarios/trajectory"][()]
        _, _, nodes = _raw_labels(f)
        assert da.dims == ("scenario", "step", "node") and da.shape == raw.shape
        j = nodes.index("TW/fab_advanced")
        assert np.array_equal(da.sel(node="TW/fab_advanced").values, raw[:, :, j])
        assert list(da["region"].values[:3]) == [n.split("/")[0] for n in nodes[:3]]
        if kind == "diim":
            assert 0 <= raw.min() and raw.max() <= 1  # q is clipped to [0, 1]
        sub = res.trajectories(scenarios=[5, 2])
        assert list(sub["scenario"].values) == [2, 5]
        assert np.array_equal(sub.values, raw[[2, 5]])


def test_sensitivity_equals_raw(runs):
    with icstress.open(runs["sensitivity"]) as res, h5py.File(runs["sensitivity"], "r") as f:
        df = res.sensitivity()
        factors = _dec(f["sensitivity/factors"][()])
        targets = ["total_output_loss", "va_loss_by_region/CN"]
        assert list(dict.fromkeys(df.index.get_level_values("target"))) == targets
        for t in targets:
            d = df.loc[t]
            assert list(d.index) == factors
            for k in ("S1", "S1_conf", "ST", "ST_conf"):
                assert np.array_equal(d[k].to_numpy(), f[f"sensitivity/{t}/{k}"][()]), (t, k)
        one = res.sensitivity("total_output_loss")
        assert list(one.index) == factors
        s2 = res.sensitivity_s2("total_output_loss")
        S2 = f["sensitivity/total_output_loss/S2"][()]
        assert len(s2) == len(factors) * (len(factors) - 1) // 2
        for (t, a, b), r in s2.iterrows():
            assert r["S2"] == S2[factors.index(a), factors.index(b)]


def test_morris_equals_raw(runs):
    with icstress.open(runs["morris"]) as res, h5py.File(runs["morris"], "r") as f:
        df = res.sensitivity("total_output_loss")
        for k in ("mu", "mu_star", "sigma", "mu_star_conf"):
            assert np.array_equal(df[k].to_numpy(), f[f"sensitivity/total_output_loss/{k}"][()])
        assert (df["mu_star"] >= df["mu"].abs() - 1e-9).all()  # |mean| <= mean |.|


def test_chokepoints(runs):
    with icstress.open(runs["chokepoints"]) as res, h5py.File(runs["chokepoints"], "r") as f:
        cp = res.chokepoints()
        _, _, nodes = _raw_labels(f)
        ens = [nodes[i] for i in f["chokepoints/ensemble_nodes"][()]]
        d = cp["by_expected"]
        assert sorted(d.index) == sorted(ens)
        assert list(d["rank_expected"]) == list(range(1, len(ens) + 1))
        assert d["expected_loss"].is_monotonic_decreasing
        raw = f["chokepoints/expected_loss"][()]
        for n in ens:
            assert cp["nodes"].loc[n, "expected_loss"] == raw[nodes.index(n)]
        assert list(cp["scenario_loss"].index) == ens


def test_table_and_provenance(runs):
    with icstress.open(runs["static"]) as res, h5py.File(runs["static"], "r") as f:
        t = res.table()
        _, _, nodes = _raw_labels(f)
        i, j = nodes.index("TW/fab_advanced"), nodes.index("CN/design_logic")
        assert t.Z.loc[("TW", "fab_advanced"), ("CN", "design_logic")] == f["table/Z"][i, j]
        assert t.Z.index.names == ["region", "sector"]
        assert np.array_equal(t.x.to_numpy(), f["table/x"][()])
        assert np.array_equal(t.va.to_numpy(), f["table/va"][()])
        assert t.Y.shape == f["table/Y"].shape
        p = res.provenance
        assert p["model"] == "leontief" and p["scenarios"] == 3000 and "shocks:" in p["config"]


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        icstress.open(tmp_path / "missing.h5")
    bad = tmp_path / "bad.h5"
    bad.write_text("not hdf5")
    with pytest.raises(icstress.FormatError):
        icstress.open(bad)
