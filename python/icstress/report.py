"""One self-contained HTML page for a result file: config, provenance, headline statistics and
every figure that applies (PNG embedded as base64, so the page needs nothing else)."""

import base64
import html
import io
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np

from . import plots
from .reader import FormatError

_CSS = """
body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;background:#fff}
h1{font-size:1.5em;border-bottom:2px solid #08519c;padding-bottom:.2em}
h2{font-size:1.2em;margin-top:1.6em;color:#08519c}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:right}
th{background:#eef3f8}td.l,th.l{text-align:left}
pre{background:#f6f6f6;border:1px solid #ddd;padding:.6em;font-size:.8em;overflow-x:auto;max-height:30em}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
.small{font-size:.8em;color:#666}
"""


def _png(fig, dpi=90):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _fmt(v):
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "–"
        return f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:.4g}"
    return html.escape(str(v))


def _table(header, rows, left=1):
    h = "".join(f'<th class="l">{html.escape(c)}</th>' if i < left else f"<th>{html.escape(c)}</th>"
                for i, c in enumerate(header))
    body = []
    for r in rows:
        body.append("<tr>" + "".join(
            f'<td class="l">{_fmt(c)}</td>' if i < left else f"<td>{_fmt(c)}</td>"
            for i, c in enumerate(r)) + "</tr>")
    return f"<table><tr>{h}</tr>{''.join(body)}</table>"


def _headline(res):
    """Rows: output, unit, mean, sd, VaR/CVaR 95 and 99 %, max, for every scalar output."""
    rows = []
    for name in res.statistics_names():
        try:
            st = res.statistics(name)
        except FormatError:
            continue
        if st["mean"].ndim != 0:
            continue

        def at(var, a):
            if var not in st:
                return float("nan")
            return float(st[var].sel(risk_level=a, method="nearest"))
        rows.append([name, plots._unit_label(st.attrs.get("units", "")), float(st["mean"]),
                     float(st["sd"]) if "sd" in st else float("nan"), at("var", 0.95),
                     at("cvar", 0.95), at("var", 0.99), at("cvar", 0.99),
                     float(st["max"]) if "max" in st else float("nan")])
    return rows


def _regional(res):
    """Per-region mean and CVaR 95 % of the per-region outputs (va_loss_by_region, ...)."""
    parts = []
    for name in res.statistics_names():
        if "by_region" not in name:
            continue
        st = res.statistics(name)
        if "region" not in st.dims:
            continue
        rows = []
        for r in st["region"].values:
            s = st.sel(region=r)
            rows.append([str(r), float(s["mean"]),
                         float(s["cvar"].sel(risk_level=0.95, method="nearest")) if "cvar" in s
                         else float("nan"), float(s["max"])])
        unit = plots._unit_label(st.attrs.get("units", ""))
        parts.append(f"<h3>{html.escape(name)}</h3>" +
                     (f'<p class="small">{html.escape(unit)}</p>' if unit else "") +
                     _table(["region", "mean", "CVaR 95 %", "max"], rows))
    return "".join(parts)


def render(res, title=None):
    """The report of an open Results as an HTML string."""
    p = res.provenance
    title = title or f"icstress report: {os.path.basename(res.path)}"
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{html.escape(title)}</h1>",
           f"<p>{html.escape(res.command)} · model <b>{html.escape(str(res.model))}</b> · "
           f"{_fmt(p.get('scenarios', ''))} scenarios · sampler {html.escape(str(p.get('sampler', '')))}"
           f" · seed {_fmt(p.get('seed', ''))} · {len(res.nodes)} nodes "
           f"({len(res.regions)} regions × {len(res.segments)} segments)</p>"]

    units = res.table().units
    if units:
        out.append(f"<p class='small'>Table units: {html.escape(str(units))}</p>")

    rows = _headline(res)
    if rows:
        out.append("<h2 id='statistics'>Headline statistics</h2>")
        out.append(_table(["output", "unit", "mean", "sd", "VaR 95 %", "CVaR 95 %", "VaR 99 %",
                           "CVaR 99 %", "max"], rows, left=2))
        out.append(_regional(res))

    if res.sensitivity_targets():
        df = res.sensitivity()
        out.append(f"<h2 id='sensitivity'>Sensitivity indices ({html.escape(str(res.sensitivity_method))})</h2>")
        key = "ST" if "ST" in df.columns else "mu_star"
        for t in dict.fromkeys(df.index.get_level_values("target")):
            d = df.loc[t].sort_values(key, ascending=False)
            cols = [c for c in ("S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star", "sigma",
                                "mu_star_conf") if c in d.columns]
            out.append(f"<h3>{html.escape(t)}</h3>")
            out.append(_table(["factor"] + cols,
                              [[i] + [float(r[c]) for c in cols] for i, r in d.iterrows()]))

    if res.has("chokepoints/rank_expected"):
        cp = res.chokepoints()
        if "by_expected" in cp:
            d = cp["by_expected"].head(15)
            cols = [c for c in ("expected_loss", "loss_se", "cvar95_loss", "loss_q05", "loss_q95",
                                "expected_spillover_loss", "backward_linkage", "forward_linkage",
                                "extraction_total_share", "rank_expected", "rank_cvar95")
                    if c in d.columns]
            out.append("<h2 id='chokepoints'>Chokepoints: top 15 by expected loss</h2>")
            out.append(_table(["node"] + cols, [[i] + [r[c] for c in cols] for i, r in d.iterrows()]))

    figs = plots.applicable(res)
    if figs:
        out.append("<h2 id='figures'>Figures</h2>")
    count = {}
    for kind, kw, caption in figs:
        k = count.get(kind, 0)
        count[kind] = k + 1
        try:
            fig = plots.plot(res, kind, **kw)
        except FormatError as e:  # a figure the file cannot support after all: say so
            out.append(f"<p class='small'>{html.escape(caption)}: not drawn ({html.escape(str(e))})</p>")
            continue
        out.append(f"<figure><img id='fig-{kind}-{k}' class='fig' data-kind='{kind}' "
                   f"alt='{html.escape(caption)}' src='data:image/png;base64,{_png(fig)}'>"
                   f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    out.append("<h2 id='provenance'>Provenance</h2>")
    prov = [[k, v] for k, v in sorted(p.items()) if k != "config"]
    out.append(_table(["attribute", "value"], prov, left=2))
    out.append("<h2 id='config'>Configuration</h2>")
    out.append(f"<pre>{html.escape(str(p.get('config', '(not stored)')))}</pre>")
    out.append(f"<p class='small'>Written by the icstress Python reader from "
               f"{html.escape(os.path.abspath(res.path))}.</p></body></html>")
    return "\n".join(out)


def write(res, path, title=None):
    """Write the report to `path` atomically (a failed report leaves no file under that name)."""
    text = render(res, title)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
