"""The HTML report of each kind of run: every figure that applies is in the page, each is a
non-blank PNG, and the page renders in headless Chromium to a screenshot that is not blank."""

import base64
import io
import os
import re
import shutil
import subprocess
import tempfile

import matplotlib.image as mpimg
import numpy as np
import pytest

import icstress
from icstress import __main__ as cli
from icstress import report

# figure kind -> how many of it each report must hold
EXPECTED = {
    "static": {"loss": 1, "exceedance": 1, "heatmap": 1},
    "diim": {"loss": 1, "exceedance": 1, "recovery": 2, "heatmap": 1},
    "ario": {"loss": 1, "exceedance": 1, "recovery": 2, "heatmap": 1},
    "sensitivity": {"loss": 1, "exceedance": 1, "sensitivity": 1, "heatmap": 1},
    "chokepoints": {"chokepoints": 1, "heatmap": 1},
}
CHROMIUM = shutil.which("chromium")


def _blankness(rgb):
    """(pixel variance, share of non-white pixels) of an RGB(A) image in [0, 1]."""
    g = np.asarray(rgb, dtype=float)[..., :3].mean(axis=-1)
    return float(g.var()), float((g < 0.97).mean())


@pytest.fixture(scope="session")
def reports(runs, tmp_path_factory):
    d = tmp_path_factory.mktemp("reports")
    out = {}
    for kind in EXPECTED:
        with icstress.open(runs[kind]) as res:
            out[kind] = report.write(res, str(d / f"{kind}.html"))
    return out


@pytest.fixture(scope="session")
def screenshots(reports, tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium not installed (Debian package chromium)")
    d = tmp_path_factory.mktemp("shots")
    procs = {}
    for kind, html in reports.items():  # all at once: each Chromium mostly waits on start-up
        prof = tempfile.mkdtemp(dir=d)
        shot = d / f"{kind}.png"
        procs[kind] = (shot, subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={prof}", f"--screenshot={shot}",
             "--window-size=1200,3000", "file://" + os.path.abspath(html)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    out = {}
    for kind, (shot, p) in procs.items():
        p.wait(timeout=120)
        out[kind] = shot
    return out


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_every_figure_present(reports, kind):
    text = open(reports[kind], encoding="utf-8").read()
    assert text.startswith("<!DOCTYPE html>") and "Provenance" in text and "Configuration" in text
    found = {}
    for fig_kind, b64 in re.findall(r"<img id='fig-([a-z]+)-\d+'[^>]*src='data:image/png;base64,([^']+)'",
                                    text):
        found[fig_kind] = found.get(fig_kind, 0) + 1
        var, ink = _blankness(mpimg.imread(io.BytesIO(base64.b64decode(b64)), format="png"))
        assert var > 1e-3 and ink > 0.01, f"{kind}: blank {fig_kind} figure"
    assert found == EXPECTED[kind]
    assert "src='http" not in text and 'src="http' not in text  # self-contained
    if kind != "chokepoints":
        assert "Headline statistics" in text


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_renders_in_chromium(screenshots, kind):
    shot = screenshots[kind]
    assert shot.exists(), f"chromium wrote no screenshot of the {kind} report"
    var, ink = _blankness(mpimg.imread(str(shot)))
    assert var > 1e-3 and ink > 0.02, f"{kind}: blank screenshot (variance {var}, ink {ink})"


def test_cli_plot_and_errors(runs, tmp_path, capsys):
    png = tmp_path / "ep.png"
    assert cli.main(["plot", "exceedance", runs["static"], "-o", str(png)]) == 0
    var, ink = _blankness(mpimg.imread(str(png)))
    assert var > 1e-3
    svg = tmp_path / "m.svg"
    assert cli.main(["plot", "sensitivity", runs["morris"], "-o", str(svg)]) == 0
    assert svg.read_text().lstrip().startswith("<?xml")
    # input errors: exit 2, one line naming the file, nothing written
    out = tmp_path / "r.html"
    assert cli.main(["report", str(tmp_path / "missing.h5"), "-o", str(out)]) == 2
    assert cli.main(["plot", "recovery", runs["static"], "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "missing.h5" in err[0] and "trajectory" in err[1]
    assert not out.exists() and not (tmp_path / "x.png").exists()


def test_c_program_delegates(runs, ics, tmp_path):
    """`icstress report` of the C program runs this package (exit codes passed through)."""
    out = tmp_path / "c.html"
    p = subprocess.run([ics, "report", runs["chokepoints"], "-o", str(out)], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "id='fig-chokepoints-0'" in out.read_text()
    p = subprocess.run([ics, "report", str(tmp_path / "none.h5"), "-o", str(tmp_path / "n.html")],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and "none.h5" in p.stderr
    assert not (tmp_path / "n.html").exists()
