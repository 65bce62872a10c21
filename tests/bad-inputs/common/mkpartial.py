"""Turn the complete result OUT.h5 of a run into the partial file OUT.h5.partial that a run killed
before its last block would have left: no statistics, the last block not done, not complete.
The --resume cases of the bad-input corpus build their partial with it (a real kill is not
deterministic). Tolerant of layout additions: it only removes what it knows.

usage: mkpartial.py OUT.h5
"""
import os
import sys

import h5py

out = sys.argv[1]
with h5py.File(out, "r+") as f:
    for name in ("statistics", "sensitivity"):
        if name in f:
            del f[name]
    for name in ("complete", "finished"):
        if name in f.attrs:
            del f.attrs[name]
    if "progress/block_done" in f:
        f["progress/block_done"][-1] = 0
os.rename(out, out + ".partial")
