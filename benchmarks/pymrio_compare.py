#!/usr/bin/python3
"""Time pymrio on a table in its saved layout, beside `icstress run` (docs/performance.md,
"pymrio side by side"): load + calc_all, then scenarios as pymrio users run them: per scenario
reset_to_coefficients, a new final demand Y (the base Y with each node's rows scaled by a drawn
change), calc_all (x = L y, Z = A diag(x)).

    /usr/bin/python3 benchmarks/pymrio_compare.py TABLE_DIR --pymrio PATH [--scenarios 1 100]

PATH is a checkout of pymrio (https://github.com/IndEcol/pymrio, never committed here); it is
put first on sys.path. Prints wall and CPU seconds (CPU: this process, all BLAS threads), and
per scenario, from which docs/performance.md extrapolates N scenarios linearly."""
import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("table")
    ap.add_argument("--pymrio", required=True)
    ap.add_argument("--stubs", help="directory with stand-ins for pymrio's download-only imports "
                    "(default: boario_compare.py's, made only for the modules that are missing)")
    ap.add_argument("--scenarios", type=int, nargs="*", default=[1])
    a = ap.parse_args()
    stubs = a.stubs
    if not stubs:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from boario_compare import add_shims
        stubs = tempfile.mkdtemp(prefix="pymrio_compare_")
        atexit.register(shutil.rmtree, stubs, ignore_errors=True)
        add_shims(stubs)
    sys.path[:0] = [a.pymrio, stubs]
    import numpy as np
    import pymrio

    w0, c0 = time.perf_counter(), time.process_time()
    io = pymrio.load(a.table)
    w1, c1 = time.perf_counter(), time.process_time()
    io.calc_all()
    w2, c2 = time.perf_counter(), time.process_time()
    n = io.Z.shape[0]
    print("pymrio n=%d load %.2f s (cpu %.2f), calc_all %.2f s (cpu %.2f)"
          % (n, w1 - w0, c1 - c0, w2 - w1, c2 - c1), flush=True)
    Y0 = io.Y.copy()
    rng = np.random.default_rng(42)
    for N in a.scenarios:
        w3, c3 = time.perf_counter(), time.process_time()
        loss = np.empty(N)
        for s in range(N):
            io.reset_to_coefficients()
            io.Y = Y0 * (1.0 + rng.normal(-0.1, 0.05))
            io.calc_all()
            loss[s] = float(io.x.values.sum())
        w4, c4 = time.perf_counter(), time.process_time()
        print("pymrio n=%d scenarios %d: %.2f s (cpu %.2f); with load + calc_all %.2f s (cpu %.2f);"
              " per scenario %.4f s (cpu %.4f)"
              % (n, N, w4 - w3, c4 - c3, w4 - w3 + w2 - w0, c4 - c3 + c2 - c0,
                 (w4 - w3) / N, (c4 - c3) / N), flush=True)


if __name__ == "__main__":
    main()
