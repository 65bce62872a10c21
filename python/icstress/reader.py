"""Reading icstress result files (HDF5) into pandas and xarray.

Everything is read by the paths of the user contract (INTERFACE.md, docs/output-format.md) with
h5py. Attributes that newer writers add (`units`, `long_name`, HDF5 dimension scales) are used
when present and never required, so files of every icstress version open the same way.
"""

import builtins
import os

import h5py
import numpy as np
import pandas as pd
import xarray as xr


class FormatError(ValueError):
    """The file is not an icstress result file, or lacks what was asked for."""


def _text(v):
    """An attribute or dataset element as Python text/number (bytes decoded, numpy unwrapped)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        if v.dtype.kind in "SO":
            return [_text(x) for x in v.tolist()]
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _strings(ds):
    """A 1-D string dataset as a list of str (fixed or variable length)."""
    return [_text(x).strip() if isinstance(_text(x), str) else str(_text(x)) for x in ds[()]]


def _is_scale(obj):
    """True for an HDF5 dimension scale (netCDF-4 coordinate variable), not an output."""
    c = obj.attrs.get("CLASS")
    return c is not None and _text(c) == "DIMENSION_SCALE"


def _attr(obj, name, default=None):
    return _text(obj.attrs[name]) if name in obj.attrs else default


def _scale_labels(ds, axis):
    """Labels of axis `axis` from an attached dimension scale, or None when there is none."""
    try:
        dim = ds.dims[axis]
        if len(dim) == 0:
            return None
        scale = dim[0]
        # a netCDF-4 dimension without a coordinate variable (its values are fill, not labels)
        if str(_attr(scale, "NAME", "")).startswith("This is a netCDF dimension but not"):
            return None
        vals = scale[()]
    except Exception:  # no DIMENSION_LIST, or a reader without scale support
        return None
    if len(vals) != ds.shape[axis]:
        return None
    return [_text(v) for v in vals]


class Table:
    """The input-output table of a result file, labelled (pymrio's habits: region/sector)."""

    def __init__(self, Z, Y, x, va, units):
        self.Z, self.Y, self.x, self.va, self.units = Z, Y, x, va, units

    def __repr__(self):
        return f"<icstress.Table {self.Z.shape[0]} nodes, Y {self.Y.shape}, units {self.units!r}>"


class Results:
    """An open icstress result file. Use as a context manager or call close()."""

    def __init__(self, path):
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no such file")
        try:
            self._f = h5py.File(path, "r")
        except OSError as e:
            raise FormatError(f"{path}: not an HDF5 file ({e})") from None
        self.path = path
        f = self._f
        if "table" not in f or "regions" not in f["table"]:
            self._f.close()
            raise FormatError(f"{path}: no /table/regions (not an icstress result file)")
        t = f["table"]
        self.regions = _strings(t["regions"])
        self.segments = _strings(t["segments"])
        self.node_region = self._node_labels(t["node_region"], self.regions)
        self.node_segment = self._node_labels(t["node_segment"], self.segments)
        self.nodes = [f"{r}/{s}" for r, s in zip(self.node_region, self.node_segment)]

    # -- basics -----------------------------------------------------------------------------

    @staticmethod
    def _node_labels(ds, names):
        v = ds[()]
        if v.dtype.kind in "iu":  # "index or string per node" (INTERFACE.md)
            return [names[int(i)] for i in v]
        return [_text(x).strip() for x in v]

    def close(self):
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return (f"<icstress.Results {self.path!r}: model {self.model}, "
                f"{self.provenance.get('scenarios', '?')} scenarios, groups {list(self._f.keys())}>")

    @property
    def h5(self):
        """The underlying h5py.File (read-only), for anything not wrapped here."""
        return self._f

    @property
    def provenance(self):
        """Root attributes as a dict of Python values (config text, versions, seed, host...)."""
        return {k: _text(v) for k, v in self._f.attrs.items()}

    @property
    def config(self):
        return self.provenance.get("config", "")

    @property
    def model(self):
        return self.provenance.get("model", "")

    @property
    def command(self):
        """'chokepoints', 'sensitivity' or 'run' (what wrote the file)."""
        p = self.provenance
        if "command" in p:
            return p["command"]
        if "sensitivity" in self._f:
            return "sensitivity"
        return "run"

    def has(self, path):
        return path in self._f

    def units(self, path, default=""):
        """The `units` attribute of a dataset (or of its /scenarios source), or default."""
        f = self._f
        if path in f and "units" in f[path].attrs:
            return _attr(f[path], "units")
        return default

    def long_name(self, path, default=None):
        f = self._f
        if path in f and "long_name" in f[path].attrs:
            return _attr(f[path], "long_name")
        return default if default is not None else path.rsplit("/", 1)[-1].replace("_", " ")

    def labels_for(self, name, width, ds=None, axis=1):
        """Labels of the columns of output `name` of `width` columns (dimension scale first)."""
        if ds is not None:
            lab = _scale_labels(ds, axis)
            if lab is not None:
                return [str(v) for v in lab]
        base = name.rsplit("/", 1)[-1]
        R, S, n = len(self.regions), len(self.segments), len(self.nodes)
        if "by_region" in base and width == R:
            return list(self.regions)
        if "by_segment" in base and width == S:
            return list(self.segments)
        if width == n:
            return list(self.nodes)
        if width == R:
            return list(self.regions)
        if width == S:
            return list(self.segments)
        return [str(i) for i in range(width)]

    def label_kind(self, labels):
        if labels == self.nodes:
            return "node"
        if labels == self.regions:
            return "region"
        if labels == self.segments:
            return "segment"
        return "column"

    # -- /scenarios -------------------------------------------------------------------------

    def outputs(self):
        """Names of the per-scenario outputs under /scenarios (relative paths), parameters apart."""
        if "scenarios" not in self._f:
            return []
        out = []

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.startswith("parameters/") \
                    and not _is_scale(obj):
                out.append(name)
        self._f["scenarios"].visititems(visit)
        return out

    def parameters(self):
        """Names `<shock>/<parameter>` of the sampled parameters under /scenarios/parameters."""
        if "scenarios/parameters" not in self._f:
            return []
        out = []

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not _is_scale(obj):
                out.append(name)
        self._f["scenarios/parameters"].visititems(visit)
        return out

    def n_scenarios(self):
        f = self._f
        if "scenarios/total_output_loss" in f:
            return f["scenarios/total_output_loss"].shape[0]
        if "scenarios" in self._f.attrs:
            return int(_text(self._f.attrs["scenarios"]))
        return 0

    def scenarios(self, outputs=None, parameters=True):
        """One row per scenario (index `scenario`, 0..N-1 in file order): each scalar output as a
        column, each 2-D output as one column per label (`va_loss_by_region/CN`,
        `output_change/US/eda_ip`), and the sampled parameters as `param:<shock>/<parameter>`.
        `outputs` selects outputs by name (default: every 1-D and 2-D output; the 3-D
        `trajectory` is read by trajectories()). Units are in `df.attrs['units']`."""
        f = self._f
        if "scenarios" not in f:
            raise FormatError(f"{self.path}: no /scenarios group (a {self.command} file)")
        names = self.outputs() if outputs is None else list(outputs)
        N = self.n_scenarios()
        cols, units = {}, {}
        index = None
        for name in names:
            path = f"scenarios/{name}"
            if path not in f:
                raise FormatError(f"{self.path}: no /{path}")
            ds = f[path]
            if ds.ndim == 0 or ds.ndim > 2 or ds.shape[0] != N:
                if outputs is not None:
                    raise FormatError(f"/{path} has shape {ds.shape}, not (N[, m])")
                continue
            if index is None:
                index = _scale_labels(ds, 0)
            u = _attr(ds, "units", "")
            v = ds[()]
            if ds.ndim == 1:
                cols[name] = v
                units[name] = u
            else:
                for j, lab in enumerate(self.labels_for(name, ds.shape[1], ds)):
                    cols[f"{name}/{lab}"] = v[:, j]
                    units[f"{name}/{lab}"] = u
        if parameters:
            for p in self.parameters():
                ds = f[f"scenarios/parameters/{p}"]
                if ds.ndim == 1 and ds.shape[0] == N:
                    cols[f"param:{p}"] = ds[()]
                    units[f"param:{p}"] = _attr(ds, "units", "1")
        idx = pd.RangeIndex(N, name="scenario")
        if index is not None and len(index) == N:
            idx = pd.Index(index, name="scenario")
        df = pd.DataFrame(cols, index=idx)
        df.attrs["units"] = units
        df.attrs["source"] = self.path
        return df

    def trajectories(self, scenarios=None):
        """/scenarios/trajectory as a DataArray (scenario, step, node): the share of baseline
        output each node has lost at each step (0 = normal). `scenarios` selects rows (a slice or
        indices; default all). Coordinates region and segment ride along the node axis."""
        f = self._f
        if "scenarios/trajectory" not in f:
            raise FormatError(f"{self.path}: no /scenarios/trajectory "
                              "(a dynamic model run with output.store: [trajectory])")
        ds = f["scenarios/trajectory"]
        if scenarios is None:
            sel = np.arange(ds.shape[0])
            data = ds[()]
        elif isinstance(scenarios, slice):
            sel = np.arange(ds.shape[0])[scenarios]
            data = ds[scenarios]
        else:
            sel = np.unique(np.asarray(scenarios, dtype=np.int64))
            data = ds[sel]
        da = xr.DataArray(
            data, dims=("scenario", "step", "node"),
            coords={"scenario": sel, "step": np.arange(ds.shape[1]), "node": self.nodes,
                    "region": ("node", self.node_region), "segment": ("node", self.node_segment)},
            name="trajectory",
            attrs={"units": _attr(ds, "units", "1"),
                   "long_name": _attr(ds, "long_name", "share of baseline output lost")})
        return da

    # -- /statistics ------------------------------------------------------------------------

    def statistics_names(self):
        """Outputs that have a /statistics group (e.g. total_output_loss, aggregates/tw_fabs)."""
        if "statistics" not in self._f:
            return []
        out = []

        def visit(name, obj):
            if isinstance(obj, h5py.Group) and "mean" in obj and isinstance(obj["mean"], h5py.Dataset):
                out.append(name)
        self._f["statistics"].visititems(visit)
        return out

    def statistics(self, output="total_output_loss"):
        """/statistics/<output> as an xarray.Dataset: mean, sd, min, max per column; quantiles
        (coordinate `level`), var/cvar (coordinate `risk_level`), return_period_loss
        (coordinates `exceedance_probability`, `return_period`), the EP curve (ep_threshold,
        ep_probability on `ep_point`). Columns are labelled (node, region or segment); a scalar
        output has no column dimension."""
        f = self._f
        path = f"statistics/{output}"
        if path not in f:
            raise FormatError(f"{self.path}: no /{path} (has: {', '.join(self.statistics_names())})")
        g = f[path]
        src = f"scenarios/{output}"
        width = g["mean"].shape[0] if g["mean"].ndim else 1
        scalar = (src in f and f[src].ndim == 1) or (src not in f and width == 1)
        labels = None if scalar else self.labels_for(output, width,
                                                     f[src] if src in f else None)
        cdim = None if scalar else self.label_kind(labels)
        if cdim == "column":
            cdim = "column"
        unit = _attr(g["mean"], "units", self.units(src, ""))

        def cols(v):
            v = np.asarray(v, dtype=float)
            if scalar:
                return v.reshape(v.shape[:-1]) if v.ndim >= 1 and v.shape[-1] == 1 else v.reshape(())
            return v

        data, coords = {}, {}
        if cdim:
            coords[cdim] = labels
            if cdim == "node":
                coords["region"] = ("node", self.node_region)
                coords["segment"] = ("node", self.node_segment)

        def attrs_of(ds, u=unit):
            a = {"units": _attr(ds, "units", u)}
            for k in ("long_name", "definition"):
                if k in ds.attrs:
                    a[k] = _attr(ds, k)
            return a

        for k in ("mean", "sd", "min", "max"):
            if k in g:
                v = cols(g[k][()])
                data[k] = (((cdim,) if cdim else ()), v, attrs_of(g[k]))
        for k, dim, lev_attr in (("quantiles", "level", "levels"), ("var", "risk_level", "levels"),
                                 ("cvar", "risk_level", "levels"),
                                 ("return_period_loss", "exceedance_probability",
                                  "exceedance_probability")):
            if k not in g:
                continue
            ds = g[k]
            lev = np.asarray(_attr(ds, lev_attr, _scale_labels(ds, 0) or
                                   list(range(ds.shape[0]))), dtype=float).reshape(-1)
            if dim in coords and not np.allclose(coords[dim], lev):
                raise FormatError(f"/{path}/{k}: levels differ from its sibling's")
            coords[dim] = lev
            v = np.asarray(ds[()], dtype=float)
            v = v.reshape(v.shape[0], -1)
            dims = (dim, cdim) if cdim else (dim,)
            data[k] = (dims, v if cdim else v[:, 0], attrs_of(ds))
        if "exceedance_probability" in coords:
            coords["return_period"] = ("exceedance_probability",
                                       1.0 / np.asarray(coords["exceedance_probability"]))
        if "ep_curve" in g and "threshold" in g["ep_curve"]:
            for k in ("threshold", "probability"):
                ds = g["ep_curve"][k]
                v = np.asarray(ds[()], dtype=float)
                v = v.reshape(v.shape[0], -1)
                dims = ("ep_point", cdim) if cdim else ("ep_point",)
                data[f"ep_{k}"] = (dims, v if cdim else v[:, 0],
                                   attrs_of(ds, unit if k == "threshold" else "1"))
        out = xr.Dataset(data, coords=coords)
        out.attrs.update({"output": output, "units": unit,
                          "long_name": self.long_name(src, output.replace("_", " ")),
                          "count": _attr(g, "count", self.n_scenarios()), "source": self.path})
        return out

    # -- /sensitivity -----------------------------------------------------------------------

    def sensitivity_targets(self):
        if "sensitivity" not in self._f:
            return []
        out = []

        def visit(name, obj):
            if isinstance(obj, h5py.Group) and ("S1" in obj or "mu_star" in obj):
                out.append(name)
        self._f["sensitivity"].visititems(visit)
        return out

    @property
    def sensitivity_method(self):
        if "sensitivity" not in self._f:
            return None
        return _attr(self._f["sensitivity"], "method", "sobol")

    def factors(self):
        return _strings(self._f["sensitivity/factors"])

    def sensitivity(self, target=None):
        """Indices as a DataFrame like SALib's to_df(): index (target, factor), columns S1,
        S1_conf, ST, ST_conf (+ the bootstrap half-widths when stored) for Sobol'; mu, mu_star,
        sigma, mu_star_conf for Morris. With `target`, the index is the factor only."""
        f = self._f
        targets = self.sensitivity_targets()
        if not targets:
            raise FormatError(f"{self.path}: no /sensitivity (an `icstress sensitivity` file)")
        if target is not None:
            if target not in targets:
                raise FormatError(f"{self.path}: no sensitivity target {target!r} "
                                  f"(targets: {', '.join(targets)})")
            targets = [target]
        factors = self.factors()
        frames = []
        order = ["S1", "S1_conf", "ST", "ST_conf", "S1_conf_bootstrap", "ST_conf_bootstrap",
                 "mu", "mu_star", "sigma", "mu_star_conf"]
        for t in targets:
            g = f[f"sensitivity/{t}"]
            cols = {k: np.asarray(g[k][()], dtype=float) for k in order
                    if k in g and g[k].ndim == 1 and g[k].shape[0] == len(factors)}
            idx = pd.MultiIndex.from_arrays([[t] * len(factors), factors], names=["target", "factor"])
            frames.append(pd.DataFrame(cols, index=idx))
        df = pd.concat(frames)
        if target is not None:
            df = df.droplevel("target")
        df.attrs["method"] = self.sensitivity_method
        df.attrs.update({k: _text(v) for k, v in f["sensitivity"].attrs.items()
                         if k in ("N", "k", "conf_level", "estimators", "conf_method")})
        return df

    def sensitivity_s2(self, target=None):
        """Second-order Sobol' indices (when the design had second_order): one row per pair
        (target, factor_i, factor_j), i < j, columns S2 and S2_conf (SALib's third frame)."""
        rows = []
        factors = self.factors() if "sensitivity/factors" in self._f else []
        for t in self.sensitivity_targets():
            if target is not None and t != target:
                continue
            g = self._f[f"sensitivity/{t}"]
            if "S2" not in g:
                continue
            S2 = g["S2"][()]
            C = g["S2_conf"][()] if "S2_conf" in g else np.full_like(S2, np.nan)
            for i in range(len(factors)):
                for j in range(i + 1, len(factors)):
                    rows.append((t, factors[i], factors[j], S2[i, j], C[i, j]))
        df = pd.DataFrame(rows, columns=["target", "factor_i", "factor_j", "S2", "S2_conf"])
        return df.set_index(["target", "factor_i", "factor_j"])

    # -- /chokepoints -----------------------------------------------------------------------

    def chokepoints(self):
        """The rankings of `icstress chokepoints` as DataFrames: 'nodes' (every per-node measure,
        all nodes, index node), 'by_expected', 'by_cvar95', 'by_spillover' (the ensemble nodes
        in rank order), and 'scenario_loss' (ensemble nodes x scenarios) when stored."""
        f = self._f
        if "chokepoints" not in f:
            raise FormatError(f"{self.path}: no /chokepoints (an `icstress chokepoints` file)")
        g = f["chokepoints"]
        n = len(self.nodes)
        cols, units = {"region": self.node_region, "segment": self.node_segment}, {}
        for k, ds in g.items():
            if isinstance(ds, h5py.Dataset) and ds.ndim == 1 and ds.shape[0] == n \
                    and ds.dtype.kind in "fiu" and not _is_scale(ds):
                cols[k] = ds[()]
                units[k] = _attr(ds, "units", "")
        nodes = pd.DataFrame(cols, index=pd.Index(self.nodes, name="node"))
        nodes.attrs["units"] = units
        out = {"nodes": nodes}
        ens = np.asarray(g["ensemble_nodes"][()], dtype=int) if "ensemble_nodes" in g else \
            np.flatnonzero(np.isfinite(nodes.get("expected_loss", pd.Series(dtype=float))))
        for key, rank in (("by_expected", "rank_expected"), ("by_cvar95", "rank_cvar95"),
                          ("by_spillover", "rank_spillover")):
            if rank in nodes:
                r = nodes.iloc[ens]
                out[key] = r[r[rank] > 0].sort_values(rank)
        if "scenario_loss" in g:
            sl = g["scenario_loss"][()]
            out["scenario_loss"] = pd.DataFrame(
                sl, index=pd.Index([self.nodes[i] for i in ens], name="node"),
                columns=pd.RangeIndex(sl.shape[1], name="scenario"))
        out["attrs"] = {k: _text(v) for k, v in g.attrs.items()}
        return out

    # -- /table -----------------------------------------------------------------------------

    def _referenced_z(self, t):
        """Z of a result written with output.table: reference, from the table it names, checked
        against the SHA-256 the run recorded (FormatError when it differs or is missing)."""
        ref, want = _attr(t, "Z_reference", ""), _attr(t, "Z_reference_sha256", "")
        if not ref or not want:
            raise FormatError(f"{self.path}: /table has no Z and no Z_reference")
        if not os.path.exists(ref):
            raise FormatError(f"{self.path}: Z is referenced from {ref}, which does not exist")
        if os.path.isdir(ref):
            Z = _read_text_matrix(ref, "Z")
        else:
            with h5py.File(ref, "r") as g:
                Z = g["table/Z"][()]
        Y = t["Y"][()]
        yr = _strings(t["y_region"]) if "y_region" in t else [""] * Y.shape[1]
        yc = _strings(t["y_category"]) if "y_category" in t else [""] * Y.shape[1]
        got = _table_sha256(list(self.regions), list(self.segments), self.node_region,
                            self.node_segment, yr, yc, Z, Y, t["x"][()], t["va"][()])
        if got != want:
            raise FormatError(f"{self.path}: the table at {ref} is not the one this result was "
                              f"computed from (SHA-256 {got[:12]}..., recorded {want[:12]}...)")
        return Z

    def table(self):
        """Z (n x n), Y (n x k), x, va labelled with MultiIndex (region, sector), as pymrio."""
        t = self._f["table"]
        rows = pd.MultiIndex.from_arrays([self.node_region, self.node_segment],
                                         names=["region", "sector"])
        Zv = t["Z"][()] if "Z" in t else self._referenced_z(t)
        Z = pd.DataFrame(Zv, index=rows, columns=rows.copy())
        Yv = t["Y"][()]
        if "y_region" in t and "y_category" in t:
            ycols = pd.MultiIndex.from_arrays([_strings(t["y_region"]), _strings(t["y_category"])],
                                              names=["region", "category"])
        else:
            ycols = pd.RangeIndex(Yv.shape[1], name="category")
        Y = pd.DataFrame(Yv, index=rows, columns=ycols)
        x = pd.Series(t["x"][()], index=rows, name="x")
        va = pd.Series(t["va"][()], index=rows, name="va")
        units = _attr(t, "units", _attr(t["Z"], "units", "") if "Z" in t else "")
        return Table(Z, Y, x, va, units)


def _table_sha256(regions, segments, node_region, node_segment, y_region, y_category, Z, Y,
                  x, va):
    """The digest of core/table/table_digest.c (ics_table.h: "icstress-table-sha256-v1")."""
    import hashlib
    import struct

    h = hashlib.sha256(b"icstress-table-sha256-v1\n")
    u64 = lambda v: h.update(struct.pack("<Q", v))  # noqa: E731
    for v in (Z.shape[0], Y.shape[1], len(regions), len(segments)):
        u64(v)
    for lab in list(regions) + list(segments):
        b = lab.encode()
        u64(len(b))
        h.update(b)
    for r, s in zip(node_region, node_segment):
        u64(regions.index(r))
        u64(segments.index(s))
    for r, c in zip(y_region, y_category):
        for lab in (r, c):
            b = lab.encode()
            u64(len(b))
            h.update(b)
    for a in (Z.T, Y.T, x, va):  # column-major, as the C table holds them
        v = np.ascontiguousarray(a, dtype="<f8").ravel() + 0.0  # -0.0 hashed as +0.0
        h.update(v.tobytes())
    return h.hexdigest()


builtins_open = builtins.open


def _read_text_matrix(dirname, stem):
    for ext in (".csv", ".txt"):
        p = os.path.join(dirname, stem + ext)
        if os.path.exists(p):
            with builtins_open(p) as f:
                sep = "\t" if "\t" in f.readline() else ","
            # round_trip: Python's correctly rounded strtod, as icstress's reader
            return pd.read_csv(p, sep=sep, index_col=[0, 1], header=[0, 1],
                               float_precision="round_trip").to_numpy(dtype=float)
    raise FormatError(f"{dirname}: no {stem}.csv or {stem}.txt")


def open(path):  # noqa: A001 - the package's public entry point, icstress.open(path)
    """Open an icstress result file; returns a Results object (a context manager)."""
    return Results(os.fspath(path))
