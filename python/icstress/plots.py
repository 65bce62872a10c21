"""The standard figures of an icstress result file; each function returns a matplotlib Figure.

Figures are drawn with the Agg backend (no display needed). Each function takes an open
Results (icstress.open) and raises reader.FormatError when the file lacks what it draws;
applicable(res) lists the figures a file supports (what the report draws).
"""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .reader import FormatError  # noqa: E402

KINDS = ("loss", "exceedance", "recovery", "sensitivity", "chokepoints", "heatmap")


def _unit_label(u):
    """A short axis label from a units attribute ('table units (as Z); a loss...' -> first part)."""
    if not u:
        return ""
    # drop explanations in parentheses ("(as Z)", "(NaN: ...)", "(h + 1 = ...)"), keep a base
    # year such as "million USD (2022) per year"
    return re.sub(r"\s*\((?:as |NaN|[^)]*[:=])[^)]*\)", "", u.split(";")[0]).strip()


def _num(v):
    """A number for a legend or cell: thousands separated when large, 4 digits otherwise."""
    v = float(v)
    if abs(v) >= 1e4:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def _compact(v):
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e3:
        return f"{v / 1e3:.3g}k"
    return f"{v:.3g}"


def _figure(w=7.0, h=4.2, **kw):
    fig, ax = plt.subplots(figsize=(w, h), constrained_layout=True, **kw)
    return fig, ax


def _column(res, output, column):
    """The values of one scalar series of `output` (a column label for 2-D outputs)."""
    f = res.h5
    path = f"scenarios/{output}"
    if path not in f:
        raise FormatError(f"{res.path}: no /{path}")
    ds = f[path]
    if ds.ndim == 1:
        return ds[()], output
    labels = res.labels_for(output, ds.shape[1], ds)
    if column is None:
        raise FormatError(f"/{path} has {ds.shape[1]} columns: name one ({', '.join(labels[:8])}...)")
    if column not in labels:
        raise FormatError(f"/{path}: no column {column!r}")
    j = labels.index(column)
    return ds[:, j], f"{output}/{column}"


def _stat_at(res, output, column, name, level):
    """var/cvar of the file's statistics at `level` (None when not stored)."""
    try:
        st = res.statistics(output)
    except FormatError:
        return None
    if name not in st or level not in list(np.round(st["risk_level"].values, 6)):
        return None
    v = st[name].sel(risk_level=level, method="nearest")
    if column is not None:
        v = v.sel({[d for d in v.dims][0]: column})
    return float(v)


def loss_distribution(res, output="total_output_loss", column=None, bins=60):
    """Histogram of the per-scenario loss with the mean, VaR and CVaR (95 %, 99 %) marked."""
    v, title = _column(res, output, column)
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    unit = _unit_label(res.units(f"scenarios/{output}"))
    fig, ax = _figure()
    ax.hist(v, bins=bins, color="#9ecae1", edgecolor="#4292c6", linewidth=0.5)
    ax.axvline(v.mean(), color="k", lw=1.2, label=f"mean {_num(v.mean())}")
    styles = {0.95: ("#fd8d3c", "--"), 0.99: ("#d7301f", "--")}
    for a, (col, ls) in styles.items():
        var = _stat_at(res, output, column, "var", a)
        cvar = _stat_at(res, output, column, "cvar", a)
        if var is None:  # compute from the sample (R-7 quantile, tail mean) when not stored
            var = float(np.quantile(v, a))
            tail = v[v >= var]
            cvar = float(tail.mean()) if tail.size else var
        ax.axvline(var, color=col, ls=ls, lw=1.2, label=f"VaR {a:.0%} {_num(var)}")
        ax.axvline(cvar, color=col, ls=":", lw=1.6, label=f"CVaR {a:.0%} {_num(cvar)}")
    ax.set_xlabel(f"{title}" + (f" [{unit}]" if unit else ""))
    ax.set_ylabel("scenarios")
    ax.set_title(f"Distribution of {title} ({v.size:,} scenarios, {res.model})")
    ax.legend(fontsize=8, frameon=False)
    return fig


def exceedance_curve(res, output="total_output_loss", column=None):
    """Exceedance probability P(loss > l) on a log axis, with return periods (1/p) on the right
    axis and the stored return-period losses marked; empirical from every scenario."""
    v, title = _column(res, output, column)
    v = np.sort(np.asarray(v, dtype=float)[np.isfinite(v)])[::-1]
    n = v.size
    p = np.arange(1, n + 1) / n  # P(L >= v_(k)), the usual plotting position of EP tables
    unit = _unit_label(res.units(f"scenarios/{output}"))
    fig, ax = _figure()
    ax.step(v, p, where="post", color="#08519c", lw=1.4, label="empirical EP curve")
    try:
        st = res.statistics(output)
        if "return_period_loss" in st:
            rp = st["return_period_loss"]
            if column is not None:
                rp = rp.sel({rp.dims[1]: column})
            ax.plot(rp.values, st["exceedance_probability"].values, "o", color="#d7301f",
                    ms=5, label="return-period losses (file)")
            for l, q in zip(rp.values, st["exceedance_probability"].values):
                if q >= 1.0 / n:
                    ax.annotate(f"{1 / q:.0f}", (l, q), textcoords="offset points",
                                xytext=(4, 2), fontsize=7, color="#d7301f")
    except FormatError:
        pass
    ax.set_yscale("log")
    ax.set_ylim(min(0.5 / n, 1e-3), 1.05)
    ax.set_xlabel(f"{title}" + (f" [{unit}]" if unit else ""))
    ax.set_ylabel("exceedance probability")
    sec = ax.secondary_yaxis("right", functions=(lambda q: 1 / np.maximum(q, 1e-12),
                                                 lambda r: 1 / np.maximum(r, 1e-12)))
    sec.set_ylabel("return period (scenarios)")
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(f"Exceedance probability of {title}")
    ax.legend(fontsize=8, frameon=False)
    return fig


def _group_loss(res, by, chunk=512):
    """Output-weighted lost share of each region/segment: (N, T+1, G) from the trajectory."""
    f = res.h5
    if "scenarios/trajectory" not in f:
        raise FormatError(f"{res.path}: no /scenarios/trajectory (store it with a dynamic model)")
    ds = f["scenarios/trajectory"]
    x = np.asarray(f["table/x"][()], dtype=float)
    names = res.regions if by == "region" else res.segments
    lab = res.node_region if by == "region" else res.node_segment
    W = np.zeros((len(x), len(names)))
    for i, g in enumerate(lab):
        W[i, names.index(g)] = x[i]
    tot = W.sum(axis=0)
    keep = tot > 0
    W, names = W[:, keep] / tot[keep], [g for g, k in zip(names, keep) if k]
    out = np.empty((ds.shape[0], ds.shape[1], len(names)))
    for s in range(0, ds.shape[0], chunk):
        out[s:s + chunk] = ds[s:s + chunk] @ W
    return out, names


def recovery_bands(res, by="region", max_panels=None):
    """Median and 5-95 % band over scenarios of the share of output lost, per region or segment
    (output-weighted over the group's nodes), against the time step."""
    if by not in ("region", "segment"):
        raise FormatError(f"recovery bands: by must be region or segment, not {by!r}")
    q, names = _group_loss(res, by)
    peak = q.max(axis=(0, 1))
    order = np.argsort(-peak)
    if max_panels:
        order = order[:max_panels]
    k = len(order)
    ncol = 4
    nrow = int(np.ceil(k / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(11, 2.3 * nrow + 0.6), sharex=True,
                             sharey=True, constrained_layout=True, squeeze=False)
    t = np.arange(q.shape[1])
    for a, j in zip(axes.flat, order):
        lo, med, hi = np.percentile(q[:, :, j], [5, 50, 95], axis=0)
        a.fill_between(t, 100 * lo, 100 * hi, color="#9ecae1", label="5–95 %")
        a.plot(t, 100 * med, color="#08519c", lw=1.3, label="median")
        a.set_title(names[j], fontsize=9)
        a.grid(alpha=0.3)
    for a in axes.flat[k:]:
        a.set_visible(False)
    for a in axes[:, 0]:
        a.set_ylabel("output lost [%]")
    for a in axes[-1, :]:
        a.set_xlabel("step")
    axes.flat[0].legend(fontsize=7, frameon=False)
    fig.suptitle(f"Recovery by {by}: median and 5–95 % over {q.shape[0]:,} scenarios ({res.model})")
    return fig


def sensitivity_indices(res, target=None, top=15):
    """Sobol' S1 and ST with their confidence half-widths (bars), or Morris mu* (bars with its
    interval) and sigma against mu* (scatter). One row of panels per target (first four)."""
    df = res.sensitivity()
    targets = list(dict.fromkeys(df.index.get_level_values("target")))
    if target is not None:
        if target not in targets:
            raise FormatError(f"{res.path}: no sensitivity target {target!r}")
        targets = [target]
    targets = targets[:4]
    morris = "mu_star" in df.columns
    ncols = 2 if morris else 1
    fig, axes = plt.subplots(len(targets), ncols, squeeze=False, constrained_layout=True,
                             figsize=(10 if morris else 8, 0.3 * min(top, len(df.loc[targets[0]])) * len(targets) + 1.6 * len(targets)))
    for row, t in zip(axes, targets):
        d = df.loc[t]
        if morris:
            d = d.sort_values("mu_star", ascending=False).head(top)
            y = np.arange(len(d))
            row[0].barh(y, d["mu_star"], xerr=d.get("mu_star_conf"), color="#6baed6",
                        ecolor="k", capsize=2)
            row[0].set_yticks(y, d.index, fontsize=8)
            row[0].invert_yaxis()
            row[0].set_xlabel("μ* (mean |elementary effect|)")
            row[0].ticklabel_format(axis="x", style="sci", scilimits=(-3, 4))
            row[1].ticklabel_format(axis="both", style="sci", scilimits=(-3, 4))
            row[0].set_title(f"Morris μ*: {t}", fontsize=10)
            row[1].scatter(d["mu_star"], d["sigma"], color="#08519c")
            for name, r in d.head(8).iterrows():
                row[1].annotate(name, (r["mu_star"], r["sigma"]), fontsize=7,
                                textcoords="offset points", xytext=(3, 3))
            lim = max(d["mu_star"].max(), d["sigma"].max()) * 1.1 or 1
            row[1].plot([0, lim], [0, lim], ls=":", color="grey", lw=0.8)
            row[1].set_xlabel("μ*")
            row[1].set_ylabel("σ")
            row[1].set_title("σ against μ* (above the diagonal: interactions / non-linearity)",
                             fontsize=9)
        else:
            d = d.sort_values("ST", ascending=False).head(top)
            y = np.arange(len(d))
            h = 0.38
            a = row[0]
            a.barh(y - h / 2, d["S1"], h, xerr=d.get("S1_conf"), color="#fd8d3c", label="S1",
                   ecolor="k", capsize=2)
            a.barh(y + h / 2, d["ST"], h, xerr=d.get("ST_conf"), color="#3182bd", label="ST",
                   ecolor="k", capsize=2)
            a.set_yticks(y, d.index, fontsize=8)
            a.invert_yaxis()
            a.axvline(0, color="k", lw=0.6)
            a.set_xlabel("Sobol' index (bars: 95 % interval)")
            a.set_title(f"Sobol' indices: {t} (ΣS1 = {df.loc[t]['S1'].sum():.2f}, "
                        f"ΣST = {df.loc[t]['ST'].sum():.2f})", fontsize=10)
            a.legend(fontsize=8, frameon=False, loc="lower right")
    return fig


def chokepoint_ranking(res, top=15):
    """Top nodes by expected system loss (bars with the 5-95 % band) and expected loss against
    CVaR for every node of the ensemble (the tail chokepoints stand above the diagonal)."""
    cp = res.chokepoints()
    if "by_expected" not in cp or cp["by_expected"].empty:
        raise FormatError(f"{res.path}: /chokepoints has no ensemble ranking")
    d = cp["by_expected"]
    unit = _unit_label(cp["nodes"].attrs["units"].get("expected_loss", ""))
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 0.28 * min(top, len(d)) + 2.2),
                               constrained_layout=True, gridspec_kw={"width_ratios": [1.1, 1]})
    h = d.head(top)
    y = np.arange(len(h))
    err = None
    if "loss_q05" in h and "loss_q95" in h:
        err = np.vstack([np.clip(h["expected_loss"] - h["loss_q05"], 0, None),
                         np.clip(h["loss_q95"] - h["expected_loss"], 0, None)])
    a.barh(y, h["expected_loss"], xerr=err, color="#6baed6", ecolor="#555", capsize=2)
    if "cvar95_loss" in h:
        a.plot(h["cvar95_loss"], y, "D", color="#d7301f", ms=4, label="CVaR 95 %")
        a.legend(fontsize=8, frameon=False, loc="lower right")
    a.set_yticks(y, h.index, fontsize=8)
    a.invert_yaxis()
    a.set_xlabel(f"expected system loss, 5–95 % band" + (f" [{unit}]" if unit else ""))
    a.set_title(f"Top {len(h)} chokepoints by expected loss", fontsize=10)
    all_ = d
    b.scatter(all_["expected_loss"], all_.get("cvar95_loss", all_["expected_loss"]),
              c="#08519c", s=14)
    # labels in a column at the upper left with leader lines: the leaders crowd the corner
    cv = all_.get("cvar95_loss", all_["expected_loss"])
    picked = list(dict.fromkeys(list(all_.head(6).index) +
                                list(cv.sort_values(ascending=False).head(6).index)))
    picked.sort(key=lambda k: -cv[k])
    for k, name in enumerate(picked):
        b.annotate(name, (all_.loc[name, "expected_loss"], cv[name]),
                   xytext=(0.03, 0.97 - 0.06 * k), textcoords="axes fraction", fontsize=7,
                   va="top", color="#08519c" if name in set(all_.head(6).index) else "#d7301f",
                   arrowprops={"arrowstyle": "-", "color": "#bbb", "lw": 0.6})
    b.set_xscale("symlog")
    b.set_yscale("symlog")
    b.set_xlabel("expected loss")
    b.set_ylabel("CVaR 95 %")
    b.grid(alpha=0.3)
    b.set_title(f"{len(all_)} nodes: expected loss against the tail", fontsize=10)
    return fig


def _heat_values(res):
    """(values by node, what they are, unit) for the region x segment heat map."""
    f = res.h5
    if "statistics/output_change/mean" in f:
        return (-np.asarray(f["statistics/output_change/mean"][()], dtype=float),
                "mean output loss (−Δx)", _unit_label(res.units("scenarios/output_change")))
    if "statistics/inoperability/mean" in f:
        return (np.asarray(f["statistics/inoperability/mean"][()], dtype=float) * 100,
                "mean inoperability [%]", "")
    if "chokepoints/expected_loss" in f:
        return (np.asarray(f["chokepoints/expected_loss"][()], dtype=float),
                "expected system loss when the node is disrupted",
                _unit_label(res.units("chokepoints/expected_loss")))
    raise FormatError(f"{res.path}: no node-level output (store output_change) for a heat map")


def loss_heatmap(res):
    """Region x segment heat map of the mean loss of each node (or, for a chokepoints file, of
    the expected system loss when that node is disrupted)."""
    v, what, unit = _heat_values(res)
    M = np.full((len(res.regions), len(res.segments)), np.nan)
    for k, (r, s) in enumerate(zip(res.node_region, res.node_segment)):
        M[res.regions.index(r), res.segments.index(s)] = v[k]
    fig, ax = _figure(11, 4.6)
    finite = M[np.isfinite(M)]
    vmax = np.max(np.abs(finite)) if finite.size else 1.0
    neg = finite.size and finite.min() < 0
    im = ax.imshow(M, cmap="RdBu_r" if neg else "Reds", vmin=-vmax if neg else 0, vmax=vmax,
                   aspect="auto")
    ax.set_xticks(range(len(res.segments)), res.segments, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(res.regions)), res.regions, fontsize=8)
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            if np.isfinite(M[i, j]) and vmax > 0 and abs(M[i, j]) >= 0.1 * vmax:
                ax.text(j, i, _compact(M[i, j]), ha="center", va="center", fontsize=6,
                        color="white" if abs(M[i, j]) > 0.6 * vmax else "black")
    cb = fig.colorbar(im, ax=ax)
    cb.set_label(unit)
    ax.set_title(f"{what} by region and segment ({res.model})", fontsize=10)
    return fig


def applicable(res):
    """[(kind, kwargs, title)] of the figures this file supports, in report order."""
    f = res.h5
    out = []
    if "scenarios/total_output_loss" in f and f["scenarios/total_output_loss"].shape[0] > 1:
        out.append(("loss", {}, "Loss distribution"))
        out.append(("exceedance", {}, "Exceedance probability and return periods"))
    if "scenarios/trajectory" in f:
        out.append(("recovery", {"by": "region"}, "Recovery by region"))
        out.append(("recovery", {"by": "segment", "max_panels": 8},
                    "Recovery by segment (the eight most affected)"))
    if res.sensitivity_targets():
        out.append(("sensitivity", {}, "Sensitivity indices"))
    if "chokepoints/expected_loss" in f and "chokepoints/rank_expected" in f:
        out.append(("chokepoints", {}, "Chokepoint ranking"))
    try:
        _heat_values(res)
        out.append(("heatmap", {}, "Loss by region and segment"))
    except FormatError:
        pass
    return out


FUNCTIONS = {"loss": loss_distribution, "exceedance": exceedance_curve,
             "recovery": recovery_bands, "sensitivity": sensitivity_indices,
             "chokepoints": chokepoint_ranking, "heatmap": loss_heatmap}


def plot(res, kind, **kw):
    if kind not in FUNCTIONS:
        raise FormatError(f"unknown figure kind {kind!r} (kinds: {', '.join(KINDS)})")
    return FUNCTIONS[kind](res, **kw)
