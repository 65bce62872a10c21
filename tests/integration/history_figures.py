"""Print the figures of a historical back-test run (configs/history/*.yaml): for each node hit by
a capacity_loss shock, the model's recovery time and the time the hit plants are back to 90 % and
99 % (the node's lost share over the shock's loss, so a plant that is part of a node is compared
with its own recorded recovery), and the node's lost output; then the run's total loss and, for
ARIO, the end-market losses. docs/validation.md puts these beside the recorded facts.
Usage: history_figures.py RESULT.h5"""
import sys

import h5py
import numpy as np
import yaml

f = h5py.File(sys.argv[1], "r")
cfg = yaml.safe_load(f.attrs["config"])
g = f["scenarios"]
nodes = [s.decode() for s in g["node"][:]]
traj = g["trajectory"][0]  # (T+1, n): share of baseline output lost
rec = g["recovery_time"][0]
dx = g["output_change"][0]
x = f["table/x"][:]
print(f"model {cfg['model']}, horizon {cfg['horizon']} weeks")
for sh in cfg["shocks"]:
    if sh["type"] != "capacity_loss":
        continue
    theta, start = float(sh["loss"]), int(sh.get("start", 0))
    for r in sh["regions"]:
        for s in sh["segments"]:
            i = nodes.index(f"{r}/{s}")
            share = traj[start:, i] / theta
            t90 = next((t for t, v in enumerate(share) if t > 0 and v <= 0.10), None)
            t99 = next((t for t, v in enumerate(share) if t > 0 and v <= 0.01), None)
            print(f"{sh['name']}: {r}/{s} loss {theta:.3f}: node recovery {rec[i] - start:.0f} weeks; "
                  f"plants at 90 % after {t90} weeks, at 99 % after {t99} weeks; "
                  f"lost output {-dx[i]:.1f} M USD ({-dx[i] / (theta * x[i] / 52):.2f} weeks "
                  f"of the plants' output)")
print(f"total output loss {g['total_output_loss'][0]:.1f} M USD")
if "output_loss_by_segment" in g:
    segs = [s.decode() for s in g["segment"][:]]
    loss = g["output_loss_by_segment"][0]
    seg_of = [n.split("/")[1] for n in nodes]
    for k, s in enumerate(segs):
        if s.startswith("end_"):
            xs = sum(x[i] for i in range(len(nodes)) if seg_of[i] == s)
            print(f"{s}: lost output {loss[k]:.2f} M USD = {100 * loss[k] / xs:.5f} % of a year's output")
