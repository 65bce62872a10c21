#!/usr/bin/python3
"""Recompute /statistics/<name> of an icstress result file from /scenarios/<name> with numpy
and compare. Independent of the C code: numpy sorts and applies the definitions documented in
core/stats/ics_finalstats.h (np.quantile's default 'linear' method is R-7).

usage: /usr/bin/python3 check_stats.py RESULT.h5 NAME [NAME ...] [--rtol 1e-12]
Exit status 0 when every statistic agrees, 1 otherwise (each mismatch is printed)."""
import argparse
import math
import sys

import h5py
import numpy as np


def cvar(sorted_col, a):
    """Acerbi-Tasche expected shortfall of the empirical distribution: (1/(1-a)) times the
    integral of the quantile function over [a, 1]; x_(k) (0-based) covers (k/N, (k+1)/N]."""
    n = sorted_col.size
    if a >= 1:
        return sorted_col[-1]
    na = float(n) * float(a)
    k = np.arange(n, dtype=np.float64)
    w = np.clip(k + 1 - na, 0.0, 1.0)  # share of (k/N, (k+1)/N] above a, times N
    return math.fsum(w * sorted_col) / (n * (1.0 - a))


class Checker:
    def __init__(self, rtol):
        self.rtol = rtol
        self.failures = 0

    def close(self, what, got, want, scale):
        """|got - want| <= rtol * max(|want|, scale * 1e-3) elementwise; scale is the data's
        magnitude, so values near zero (a mean of mixed signs) are not held to 1e-12 of 0."""
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            print(f"FAIL {what}: shape {got.shape}, expected {want.shape}")
            self.failures += 1
            return
        tol = self.rtol * np.maximum(np.abs(want), 1e-3 * scale)
        bad = ~((np.abs(got - want) <= tol) | ((got == want)))
        if np.any(bad):
            i = np.argwhere(bad)[0]
            print(f"FAIL {what}{list(i)}: {got[tuple(i)]!r} vs numpy {want[tuple(i)]!r}"
                  f" ({int(bad.sum())} of {bad.size} differ)")
            self.failures += 1

    def equal(self, what, got, want):
        got, want = np.asarray(got), np.asarray(want)
        if got.shape != want.shape:
            print(f"FAIL {what}: shape {got.shape}, expected {want.shape}")
            self.failures += 1
        elif not np.array_equal(got, want):
            bad = got != want
            i = tuple(np.argwhere(bad)[0]) if got.ndim else ()
            print(f"FAIL {what}{list(i)}: {got[i]!r} vs expected {want[i]!r}"
                  f" ({int(bad.sum())} of {bad.size} differ)")
            self.failures += 1


def moments(col):
    """Mean and sample sd of one column with exactly rounded sums (math.fsum), so the
    reference is accurate to a few ulps for any N (numpy's axis-0 sums of a C-ordered (N, m)
    array are not pairwise and lose digits at large N)."""
    n = col.size
    mean = math.fsum(col) / n
    if n < 2:
        return mean, 0.0
    d = col - mean
    return mean, math.sqrt(math.fsum(d * d) / (n - 1))


def check(f, name, ck):
    src = f[f"/scenarios/{name}"][...].astype(np.float64)
    x = src.reshape(src.shape[0], -1)  # (N) -> (N, 1)
    g = f[f"/statistics/{name}"]
    n, m = x.shape
    ck.equal(f"{name}: count", int(g.attrs["count"]), n)
    if n == 0:
        return
    scale = np.max(np.abs(x), axis=0)
    s = np.sort(x, axis=0)

    mo = np.array([moments(np.ascontiguousarray(x[:, c])) for c in range(m)])
    ck.close(f"{name}/mean", g["mean"][...], mo[:, 0], scale)
    ck.close(f"{name}/sd", g["sd"][...], mo[:, 1], scale)
    ck.equal(f"{name}/min", g["min"][...], s[0])
    ck.equal(f"{name}/max", g["max"][...], s[-1])

    if "quantiles" in g:
        lev = np.atleast_1d(g["quantiles"].attrs["levels"])
        ck.close(f"{name}/quantiles", g["quantiles"][...], np.quantile(x, lev, axis=0), scale)
    if "var" in g:
        lev = np.atleast_1d(g["var"].attrs["levels"])
        ck.close(f"{name}/var", g["var"][...], np.quantile(x, lev, axis=0), scale)
        cols = [np.ascontiguousarray(s[:, c]) for c in range(m)]
        want = np.array([[cvar(col, a) for col in cols] for a in lev])
        ck.close(f"{name}/cvar", g["cvar"][...], want, scale)
    if "return_period_loss" in g:
        p = np.atleast_1d(g["return_period_loss"].attrs["exceedance_probability"])
        ck.close(f"{name}/return_period_loss", g["return_period_loss"][...],
                 np.quantile(x, 1.0 - p, axis=0), scale)
    if "ep_curve" in g:
        t = g["ep_curve/threshold"][...]
        prob = g["ep_curve/probability"][...]
        k = t.shape[0]
        # thresholds: evenly spaced from min to max (unless the run gave its own)
        if k > 1 and np.all(t[0] == s[0]) and np.all(t[-1] == s[-1]):
            even = s[0] + (s[-1] - s[0]) * (np.arange(k)[:, None] / (k - 1))
            ck.close(f"{name}/ep_curve/threshold", t, even, scale)
        want = np.array([(x > t[i]).sum(axis=0) / n for i in range(k)])
        ck.equal(f"{name}/ep_curve/probability", prob, want)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("names", nargs="+", help="dataset names under /scenarios and /statistics")
    ap.add_argument("--rtol", type=float, default=1e-12)
    a = ap.parse_args()
    ck = Checker(a.rtol)
    with h5py.File(a.file, "r") as f:
        for name in a.names:
            if f"/statistics/{name}" not in f or f"/scenarios/{name}" not in f:
                print(f"FAIL {name}: /scenarios/{name} or /statistics/{name} missing")
                ck.failures += 1
                continue
            check(f, name, ck)
    if ck.failures:
        print(f"check_stats: {ck.failures} mismatches")
        return 1
    print(f"check_stats: {', '.join(a.names)} agree with numpy (rtol {a.rtol:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
