"""Chip flows of a built-in table vs customs (issue 15; docs/data.md, "Trade").

usage: chip_trade.py TABLE.h5 TRADE_CSV [--check]

Reads the /table group of an icstress .h5 table (`icstress table convert builtin_physical -o
T.h5`) and prints, in USD bn, the cross-border sales of the IC rows (chips: design_logic, memory,
dao; dies and wafers: fab_advanced, fab_mature; atp), which HS 8542 covers, to all nodes and final
demand of the buying region: China's imports and exports, Taiwan's exports (total, to the US)
and the table's world cross-border IC trade. The customs figures come from TRADE_CSV
(core/table/builtin/data/trade.csv). With --check it asserts (docs/data.md, "Trade"):
  - Taiwan's exports, total and to the US, within 25 % of Taiwan Customs 2022 (184.136, 3.234);
  - China's exports within 25 % of GACC 2022 (153.9);
  - China's imports: either within 25 % of GACC 2022 (415.579), or the explanation holds:
    China's share of the table's world cross-border IC trade is within 25 % of China's share of
    world IC trade in customs (415.579 / 1000, world IC trade "about $1 trn per year", ic-calibration
    README 4.2), i.e. the gap is the customs' counting of each border crossing (re-exports through
    Hong Kong, dies in and packaged chips out) that the table, with one flow per sale, lacks.
"""
import csv
import sys

import h5py
import numpy as np

IC = ["design_logic", "memory", "dao", "fab_advanced", "fab_mature", "atp"]
WORLD_IC_TRADE = 1000.0  # USD bn, ic-calibration README 4.2 ("about $1 trn per year", F2)


def dec(a):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in a]


def load(path):
    with h5py.File(path, "r") as f:
        t = f["table"]
        Z, Y, x = t["Z"][()], t["Y"][()], t["x"][()]
        regions, segments = dec(t["regions"][()]), dec(t["segments"][()])
        nr, ns = t["node_region"][()], t["node_segment"][()]
    nr = np.array([regions.index(v) for v in dec(nr)]) if nr.dtype.kind in "SOU" else np.asarray(nr)
    ns = np.array([segments.index(v) for v in dec(ns)]) if ns.dtype.kind in "SOU" else np.asarray(ns)
    # orientation check: rows sell (Z1 + Y1 = x)
    assert np.allclose(Z.sum(1) + Y.sum(1), x, rtol=1e-6), "Z rows do not add up to x"
    return Z, Y, regions, [segments[s] for s in ns], [regions[r] for r in nr]


def flows(path):
    """B[r][q]: sales of region r's IC rows to region q's nodes and final demand, USD bn."""
    Z, Y, regions, seg, reg = load(path)
    assert Y.shape[1] == len(regions)  # one final-demand column per region, in region order
    B = {r: {q: 0.0 for q in regions} for r in regions}
    for i in range(len(seg)):
        if seg[i] not in IC:
            continue
        for q in regions:
            cols = [j for j in range(len(reg)) if reg[j] == q]
            B[reg[i]][q] += (Z[i, cols].sum() + Y[i, regions.index(q)]) / 1000.0
    return B, regions


def customs(path):
    c = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["year"] != "2022":
                continue
            if r["table"] == "China_GACC" and r["metric"] in ("IC imports (value)",
                                                              "IC exports (value)"):
                c["CN " + r["metric"].split()[1]] = float(r["value"])
            if r["table"] == "Taiwan_customs_HS8542":
                c["TW to " + r["region_or_entity"]] = float(r["value"])
    return c


def main():
    B, regions = flows(sys.argv[1])
    c = customs(sys.argv[2])
    imp = sum(B[r]["CN"] for r in regions if r != "CN")
    exp = sum(B["CN"][q] for q in regions if q != "CN")
    twx = sum(B["TW"][q] for q in regions if q != "TW")
    twus = B["TW"]["US"]
    world = sum(B[r][q] for r in regions for q in regions if r != q)
    share_t, share_c = imp / world, c["CN imports"] / WORLD_IC_TRADE
    rows = [("China IC imports", imp, c["CN imports"]),
            ("China IC exports", exp, c["CN exports"]),
            ("Taiwan IC exports, total", twx, c["TW to TOTAL"]),
            ("Taiwan IC exports to the US", twus, c["TW to United States"])]
    for name, m, cu in rows:
        print(f"{name:32s} table {m:8.2f}  customs {cu:8.2f}  table/customs {m / cu:6.3f}")
    print(f"world cross-border IC trade: table {world:.1f} (customs about {WORLD_IC_TRADE:.0f}); "
          f"China's share of it: table {share_t:.3f}, customs {share_c:.3f} "
          f"(ratio {share_t / share_c:.3f})")
    if "--check" in sys.argv[3:]:
        bad = []
        for name, m, cu in rows[1:]:
            if abs(m / cu - 1.0) > 0.25:
                bad.append(f"{name}: table {m:.2f} vs customs {cu:.2f}")
        if abs(imp / c["CN imports"] - 1.0) > 0.25 and abs(share_t / share_c - 1.0) > 0.25:
            bad.append(f"China IC imports: table {imp:.2f} vs customs {c['CN imports']:.2f}, "
                       f"and China's share of world IC trade {share_t:.3f} vs {share_c:.3f}")
        if bad:
            sys.exit("chip_trade: not within 25 %: " + "; ".join(bad))
        print("chip_trade: within 25 % of customs (China's imports: as a share of world IC "
              "trade)" if abs(imp / c["CN imports"] - 1.0) > 0.25 else
              "chip_trade: within 25 % of customs")


if __name__ == "__main__":
    main()
