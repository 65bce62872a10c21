#!/usr/bin/env python3
"""Gather the statistics of a sweep's result files into one table (CSV on stdout).

usage: collect_sweep.py sweep/*.h5 > sweep.csv

One row per file and statistic output: the file, its seed and scenario count, the output's
mean, sd, min, max and every stored quantile (column names q<level>). Needs h5py (Debian
python3-h5py)."""
import csv
import sys

import h5py


def rows(path):
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        print(f"collect_sweep: {path}: {e}, skipped", file=sys.stderr)
        return
    with f:
        if int(f.attrs.get("complete", 0)) != 1:
            print(f"collect_sweep: {path} is not complete, skipped", file=sys.stderr)
            return
        base = {"file": path, "seed": int(f.attrs["seed"]), "scenarios": int(f.attrs["scenarios"])}
        for name, g in f["statistics"].items():
            if "mean" not in g or g["mean"].size != 1:
                continue  # scalar outputs only (per-node and per-region ones stay in the files)
            row = dict(base, output=name)
            for k in ("mean", "sd", "min", "max"):
                row[k] = float(g[k][()].reshape(-1)[0])
            if "quantiles" in g:
                levels = g["quantiles"].attrs["levels"]
                for lev, v in zip(levels, g["quantiles"][()].reshape(-1)):
                    row[f"q{lev:g}"] = float(v)
            yield row


def main(paths):
    out = [r for p in paths for r in rows(p)]
    if not out:
        sys.exit("collect_sweep: no complete result files given")
    cols = list(dict.fromkeys(k for r in out for k in r))
    w = csv.DictWriter(sys.stdout, fieldnames=cols)
    w.writeheader()
    w.writerows(out)


if __name__ == "__main__":
    main(sys.argv[1:])
