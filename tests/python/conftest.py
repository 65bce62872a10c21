"""Result files for the Python reader's tests: one small run of each kind, made once per session
with the icstress binary ($ICS, as ctest sets it; else build/icstress of this source tree)."""

import os
import subprocess
import sys

import pytest

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "python"))

CONFIGS = {
    "static": """
table: builtin
model: leontief
scenarios: 3000
seed: 42
sampler: mc
shocks:
  - {name: downturn, type: final_demand, segments: [end_consumer, end_computing], change: {dist: uniform, min: -0.15, max: -0.05}}
  - {name: cn_dc, type: final_demand, regions: [CN], segments: [end_datacenter], change: {dist: normal, mean: -0.3, sd: 0.1}, probability: 0.5}
aggregates:
  - {name: tw_fabs, regions: [TW], segments: ["fab_*"]}
output:
  store: [output_change, total_output_loss, va_loss_by_region, output_loss_by_region, output_loss_by_segment]
""",
    "diim": """
table: builtin
model: diim
horizon: 26
scenarios: 160
seed: 6
shocks:
  - {name: tw, type: capacity_loss, regions: [TW], segments: [fab_advanced], loss: {dist: uniform, min: 0.2, max: 0.9}, duration: {dist: uniform, min: 1, max: 8}, recovery: 4}
output:
  store: [output_change, recovery_time, trajectory, output_loss_by_region]
""",
    "sensitivity": """
table: builtin
model: leontief
seed: 3
shocks:
  - {name: down, type: final_demand, segments: ["end_*"], change: {dist: uniform, min: -0.2, max: 0}}
  - {name: cn, type: final_demand, regions: [CN], change: {dist: normal, mean: -0.2, sd: 0.1}, probability: 0.5}
  - {name: tw, type: final_demand, regions: [TW], change: {dist: uniform, min: -0.1, max: 0}}
sensitivity:
  method: sobol
  targets: [total_output_loss, va_loss_by_region/CN]
  samples: 128
  second_order: true
  bootstrap: 20
""",
    "chokepoints": """
table: builtin
seed: 42
sampler: sobol
horizon: 52
chokepoints:
  model: ario
  scenarios: 32
  loss: {dist: uniform, min: 0.2, max: 0.8}
  duration: [4, 13]
  regions: [TW, KR, US]
  segments: ["fab_*", memory, design_logic]
""",
}
CONFIGS["ario"] = CONFIGS["diim"].replace("model: diim", "model: ario")
CONFIGS["morris"] = (CONFIGS["sensitivity"].replace("method: sobol", "method: morris")
                     .replace("  second_order: true\n", "").replace("samples: 128", "samples: 16"))
VERB = {"sensitivity": "sensitivity", "morris": "sensitivity", "chokepoints": "chokepoints"}


def _binary():
    ics = os.environ.get("ICS") or os.path.join(SRC, "build", "icstress")
    if not os.access(ics, os.X_OK):
        pytest.skip(f"no icstress binary ({ics}); set ICS")
    return ics


@pytest.fixture(scope="session")
def ics():
    return _binary()


@pytest.fixture(scope="session")
def runs(tmp_path_factory, ics):
    """{kind: path of its result file} for static, diim, ario, sensitivity, morris, chokepoints."""
    d = tmp_path_factory.mktemp("runs")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    out = {}
    for kind, text in CONFIGS.items():
        cfg = d / f"{kind}.yaml"
        cfg.write_text(text.lstrip())
        h5 = d / f"{kind}.h5"
        subprocess.run([ics, VERB.get(kind, "run"), str(cfg), "-o", str(h5), "--quiet"],
                       check=True, env=env, cwd=d, timeout=300)
        out[kind] = str(h5)
    return out
