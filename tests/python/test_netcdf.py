"""Result files as netCDF-4 datasets (issue 13, acceptance 1).

Makes the result files of a static (leontief), a DIIM, an ARIO, a sensitivity and a chokepoints
run on small configs, then opens every group with xarray (h5netcdf engine) and with netCDF4 (the
netCDF-C library), checks that every axis of every variable is a named dimension, that the label
axes carry the labels of the table, that every numeric variable has `units` and `long_name`, and
that `ncdump -h` reads the file.

Run by ctest through tests/integration/netcdf.sh; by hand:
    ICS=build/icstress ICS_SOURCE_DIR=. /usr/bin/python3 -m pytest tests/python/test_netcdf.py
"""
import os
import subprocess
import textwrap

import h5py
import netCDF4
import numpy as np
import pytest
import xarray as xr

ICS = os.environ.get("ICS", "build/icstress")
SRC = os.environ.get("ICS_SOURCE_DIR", ".")

SHOCKS = """\
shocks:
  - {name: tw_fab, type: capacity_loss, regions: [TW], segments: [fab_advanced],
     loss: {dist: uniform, min: 0.2, max: 0.6}, duration: 4, recovery: 8}
  - {name: demand, type: final_demand, segments: ["end_*"],
     change: {dist: uniform, min: -0.2, max: 0.0}, probability: 0.5}
"""

CONFIGS = {
    "leontief": """\
table: builtin
model: leontief
scenarios: 40
seed: 1
shocks:
  - {name: demand, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0.0}}
  - {name: cn, type: final_demand, regions: [CN], change: {dist: normal, mean: -0.1, sd: 0.05}, probability: 0.5}
output:
  store: [output_change, total_output_loss, va_loss_by_region, output_loss_by_region, output_loss_by_segment]
""",
    "diim": """\
table: builtin
model: diim
scenarios: 24
seed: 2
horizon: 12
""" + SHOCKS + """\
output:
  store: [total_output_loss, va_loss_by_region, trajectory, recovery_time, output_loss_by_region]
""",
    "ario": """\
table: builtin
model: ario
scenarios: 16
seed: 3
horizon: 10
""" + SHOCKS + """\
output:
  store: [total_output_loss, va_loss_by_region, trajectory, recovery_time, peak_loss]
""",
    "sensitivity": """\
table: builtin
model: leontief
seed: 4
shocks:
  - {name: a, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0.0}}
  - {name: b, type: final_demand, regions: [CN], change: {dist: uniform, min: -0.3, max: 0.0}}
  - {name: c, type: final_demand, regions: [US], change: {dist: uniform, min: -0.1, max: 0.0}}
output:
  store: [total_output_loss, va_loss_by_region]
sensitivity:
  method: sobol
  samples: 64
  targets: [total_output_loss, va_loss_by_region/TW]
""",
}


def run(args, **kw):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.run(args, capture_output=True, text=True, env=env, **kw)
    assert p.returncode == 0, f"{args}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("nc")
    out = {}
    for name, text in CONFIGS.items():
        cfg = d / f"{name}.yaml"
        cfg.write_text(text)
        out[name] = d / f"{name}.h5"
        verb = "sensitivity" if name == "sensitivity" else "run"
        p = run([ICS, verb, str(cfg), "-o", str(out[name])])
        out[name + ".stdout"] = p.stdout
    out["chokepoints"] = d / "chokepoints.h5"
    run([ICS, "chokepoints", os.path.join(SRC, "configs", "chokepoints.yaml"),
         "--scenarios-per-node", "2", "-o", str(out["chokepoints"]), "--quiet"])
    return out


KINDS = ["leontief", "diim", "ario", "sensitivity", "chokepoints"]


def groups(path):
    """Every group of the file that holds at least one data variable."""
    out = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Group) and any(
                    isinstance(v, h5py.Dataset) for v in obj.values()):
                out.append(name)
        f.visititems(visit)
    return out


def table_labels(path):
    with h5py.File(path, "r") as f:
        t = f["table"]
        regs = list(t["regions"].asstr()[...])
        segs = list(t["segments"].asstr()[...])
        nodes = [f"{r}/{s}" for r, s in zip(t["node_region"].asstr()[...],
                                             t["node_segment"].asstr()[...])]
    return {"region": regs, "segment": segs, "node": nodes, "buying_node": nodes}


@pytest.mark.parametrize("kind", KINDS)
def test_every_group_opens_with_xarray(files, kind):
    path = files[kind]
    labels = table_labels(path)
    gs = groups(path)
    assert "table" in gs
    for g in gs:
        with xr.open_dataset(path, group=g, engine="h5netcdf") as ds:
            assert len(ds.data_vars) + len(ds.coords) > 0, g
            for name, v in ds.variables.items():
                assert not any(dim.startswith("phony_dim") for dim in v.dims), (g, name, v.dims)
                if v.dtype.kind in "fiu":
                    assert v.attrs.get("units"), f"{g}/{name}: no units"
                    assert v.attrs.get("long_name"), f"{g}/{name}: no long_name"
            # label coordinates are those of the table, in node order
            for dim, want in labels.items():
                if dim in ds.coords:
                    assert list(ds[dim].values) == want, (g, dim)


@pytest.mark.parametrize("kind", KINDS)
def test_every_group_opens_with_netcdf4(files, kind):
    path = files[kind]
    with netCDF4.Dataset(path) as nc:
        for g in groups(path):
            grp = nc["/" + g]
            for name, v in grp.variables.items():
                data = v[...]
                assert data.shape == v.shape, (g, name)
                if v.dtype != str:
                    assert "units" in v.ncattrs(), f"{g}/{name}: no units"
                else:
                    assert all(isinstance(s, str) and s for s in np.ravel(data)), (g, name)


@pytest.mark.parametrize("kind", KINDS)
def test_ncdump_reads_the_header(files, kind):
    p = run(["ncdump", "-h", str(files[kind])])
    assert ":format_version = 2" in p.stdout
    assert ':Conventions = "CF-1.8"' in p.stdout


def test_labelled_selection_static(files):
    """A labelled selection gives the raw h5py numbers of that node and region."""
    path = files["leontief"]
    with xr.open_dataset(path, group="scenarios", engine="h5netcdf") as ds, \
            h5py.File(path, "r") as f:
        nodes = table_labels(path)["node"]
        j = nodes.index("TW/fab_advanced")
        np.testing.assert_array_equal(ds["output_change"].sel(node="TW/fab_advanced").values,
                                      f["/scenarios/output_change"][:, j])
        r = table_labels(path)["region"].index("CN")
        np.testing.assert_array_equal(ds["va_loss_by_region"].sel(region="CN").values,
                                      f["/scenarios/va_loss_by_region"][:, r])
        assert ds["output_loss_by_segment"].dims == ("scenario", "segment")
        assert ds["total_output_loss"].attrs["units"] == "million USD (2022) per year"
        assert ds.sizes["scenario"] == 40


def test_statistics_coordinates(files):
    path = files["leontief"]
    with xr.open_dataset(path, group="statistics/total_output_loss", engine="h5netcdf") as ds, \
            h5py.File(path, "r") as f:
        q = f["/statistics/total_output_loss/quantiles"]
        np.testing.assert_array_equal(ds["quantile"].values, q.attrs["levels"])
        np.testing.assert_array_equal(ds["quantiles"].sel(quantile=0.5).values, q[4, :])
        rp = f["/statistics/total_output_loss/return_period_loss"].attrs["exceedance_probability"]
        np.testing.assert_allclose(ds["return_period"].values, 1.0 / rp)
        assert list(ds["output"].values) == ["total_output_loss"]
    with xr.open_dataset(path, group="statistics/va_loss_by_region/ep_curve",
                         engine="h5netcdf") as ds:
        assert ds["probability"].dims == ("ep_point", "region")
        assert ds["probability"].attrs["units"] == "1"


def test_dynamic_trajectory_and_units(files):
    for kind in ("diim", "ario"):
        path = files[kind]
        with xr.open_dataset(path, group="scenarios", engine="h5netcdf") as ds:
            tr = ds["trajectory"]
            assert tr.dims == ("scenario", "step", "node")
            np.testing.assert_array_equal(ds["step"].values, np.arange(tr.shape[1]))
            assert "1/52 year" in ds["step"].attrs["long_name"]
            # a cumulative loss over the steps is an amount, not a flow per year
            assert ds["total_output_loss"].attrs["units"] == "million USD (2022)"
            assert ds["recovery_time"].attrs["units"] == "steps"
            assert ds["recovery_time_by_region"].dims[1] == "region" if \
                "recovery_time_by_region" in ds else True
        assert "(million USD (2022))" in files[kind + ".stdout"]
    assert "(million USD (2022) per year)" in files["leontief.stdout"]


def test_sensitivity_factors(files):
    path = files["sensitivity"]
    with h5py.File(path, "r") as f:
        factors = list(f["/sensitivity/factors"].asstr()[...])
        st = f["/sensitivity/total_output_loss/ST"][...]
    with xr.open_dataset(path, group="sensitivity/total_output_loss", engine="h5netcdf") as ds:
        assert list(ds["factor"].values) == factors
        np.testing.assert_array_equal(ds["ST"].values, st)
        assert ds["S1"].attrs["units"] == "1"
    with xr.open_dataset(path, group="sensitivity/va_loss_by_region/TW", engine="h5netcdf") as ds:
        assert list(ds["factor"].values) == factors


def test_chokepoints_nodes(files):
    path = files["chokepoints"]
    nodes = table_labels(path)["node"]
    with xr.open_dataset(path, group="chokepoints", engine="h5netcdf") as ds:
        assert list(ds["node"].values) == nodes
        assert ds["expected_loss"].dims == ("node",)
        assert ds["scenario_loss"].dims == ("ensemble_node", "draw")
        idx = ds["ensemble_nodes"].values
        assert list(ds["ensemble_node"].values) == [nodes[i] for i in idx]


@pytest.mark.parametrize("kind", KINDS)
def test_provenance(files, kind):
    with h5py.File(files[kind], "r") as f:
        a = f.attrs
        assert int(a["format_version"]) == 2
        assert a["Conventions"] in (b"CF-1.8", "CF-1.8")
        cmd = a["command_line"]
        cmd = cmd.decode() if isinstance(cmd, bytes) else cmd
        assert str(files[kind]) in cmd and ("chokepoints" in cmd or "run" in cmd
                                             or "sensitivity" in cmd)
        assert a["host"]


def test_scenario_dimension_stores_nothing(files):
    """The scenario axis is a netCDF dimension without a coordinate variable: no data."""
    with h5py.File(files["leontief"], "r") as f:
        d = f["/scenarios/scenario"]
        assert d.attrs["NAME"].startswith(b"This is a netCDF dimension but not a netCDF variable.")
        assert d.id.get_storage_size() == 0
