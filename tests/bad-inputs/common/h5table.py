"""Write the table next to this file (table/*.csv) as an HDF5 table in icstress's /table layout,
then apply one named defect: the HDF5 cases of the bad-input corpus build their input with it.

usage: h5table.py OUT.h5 DEFECT      (DEFECT "none" writes the valid file)
"""
import os
import sys

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def read_frame(path):
    rows = [line.rstrip("\n").split(",") for line in open(path)]
    return rows[0][1:], rows[1][1:], [r[:2] for r in rows[3:]], np.array(
        [[float(v) for v in r[2:]] for r in rows[3:]])


def main():
    out, defect = sys.argv[1], sys.argv[2]
    creg, cseg, labels, Z = read_frame(f"{here}/table/Z.csv")
    yreg, ycat, _, Y = read_frame(f"{here}/table/Y.csv")
    x = Z.sum(axis=1) + Y.sum(axis=1)
    va = x - Z.sum(axis=0)
    regions = list(dict.fromkeys(r for r, _ in labels))
    segments = list(dict.fromkeys(s for _, s in labels))
    data = {
        "regions": regions, "segments": segments,
        "node_region": [r for r, _ in labels], "node_segment": [s for _, s in labels],
        "y_region": yreg, "y_category": ycat,
        "Z": Z, "Y": Y, "x": x, "va": va,
    }
    # each defect edits `data` (None removes the dataset) or writes the file itself
    if defect == "none":
        pass
    elif defect.startswith("missing_"):
        data[defect[len("missing_"):]] = None
    elif defect == "Z_transposed_shape":
        data["Z"] = Z[:, :-1]
    elif defect == "Z_1d":
        data["Z"] = Z.ravel()
    elif defect == "Y_wrong_rows":
        data["Y"] = Y[:-1, :]
    elif defect == "x_short":
        data["x"] = x[:-1]
    elif defect == "va_2d":
        data["va"] = va[None, :]
    elif defect == "Z_strings":
        data["Z"] = np.array([[str(v) for v in row] for row in Z], dtype="S24")
    elif defect == "regions_numbers":
        data["regions"] = np.arange(len(regions), dtype=np.float64)
    elif defect == "Z_nan":
        Z = Z.copy()
        Z[1, 2] = np.nan
        data["Z"] = Z
    elif defect == "x_inf":
        x = x.copy()
        x[0] = np.inf
        data["x"] = x
    elif defect == "Z_negative":
        Z = Z.copy()
        Z[0, 1] = -Z[0, 1] - 1.0
        data["Z"] = Z
    elif defect == "unbalanced":
        x = x.copy()
        x[2] *= 1.1
        data["x"] = x
    elif defect == "node_region_short":
        data["node_region"] = data["node_region"][:-1]
    elif defect == "node_segment_unknown":
        data["node_segment"] = ["s0", "s1", "zz"] * len(regions)
    elif defect == "node_region_bad_index":
        data["node_region"] = np.array([0, 0, 0, 1, 1, 7], dtype=np.int32)
    elif defect == "duplicate_region":
        data["regions"] = [regions[0], regions[0]]
        data["node_region"] = [regions[0]] * len(labels)
    elif defect == "no_table_group":
        with h5py.File(out, "w") as f:
            f.create_dataset("Z", data=Z)
        return
    elif defect == "table_is_dataset":
        with h5py.File(out, "w") as f:
            f.create_dataset("table", data=Z)
        return
    elif defect == "empty":
        data = {k: (np.zeros((0, 0)) if k == "Z" else
                    np.zeros((0, len(yreg))) if k == "Y" else
                    np.zeros(0) if k in ("x", "va") else
                    (v if k in ("y_region", "y_category") else []))
                for k, v in data.items()}
    else:
        sys.exit(f"h5table.py: unknown defect {defect}")
    with h5py.File(out, "w") as f:
        g = f.create_group("table")
        for k, v in data.items():
            if v is None:
                continue
            if isinstance(v, list):
                g.create_dataset(k, data=np.array(v, dtype=h5py.string_dtype()))
            else:
                g.create_dataset(k, data=v)


if __name__ == "__main__":
    main()
