#!/usr/bin/env python3
"""Write the nesting fixtures (tests/data/nest/): a detailed table D whose electronics sector is
already split into chain segments with the structure that `icstress table nest` assumes
(docs/nesting.md), the frame F = D aggregated over the segments, and the chain table C = D's
chain block. Nesting C into F must give D back (the identity case). Standard library only; the
numbers are whole or simple fractions chosen by hand, not output of icstress.

    python3 tests/data/nest/make_nest_data.py     # writes frame/, chain/, detailed/
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
R = ["A", "B"]
OTHER = ["agr", "srv"]       # frame sectors kept; "elec" sits between them
K = ["chip", "fab", "dev"]   # chain segments replacing elec
SEC = "elec"

# chain block Zc[(r,k),(q,l)]: fab sells to chip, chip sells to dev, dev sells nothing inside
Zc = {}
for r in R:
    for q in R:
        same = 1.0 if r == q else 0.25
        Zc[(r, "fab"), (q, "chip")] = 12.0 * same
        Zc[(r, "chip"), (q, "dev")] = 20.0 * same
        Zc[(r, "chip"), (q, "chip")] = 3.0 * same
        Zc[(r, "fab"), (q, "fab")] = 2.0 * same
CN = [(r, k) for r in R for k in K]
zc = lambda i, j: Zc.get((i, j), 0.0)

# outside inputs and value added of the chain: split over l by s_in[q][l]
s_in = {"A": {"chip": 0.3, "fab": 0.2, "dev": 0.5}, "B": {"chip": 0.25, "fab": 0.25, "dev": 0.5}}
d = {("A", "agr"): {"A": 10.0, "B": 4.0}, ("A", "srv"): {"A": 30.0, "B": 8.0},
     ("B", "agr"): {"A": 5.0, "B": 6.0}, ("B", "srv"): {"A": 12.0, "B": 40.0}}
e = {"A": 60.0, "B": 50.0}   # chain value added by region
x = {}
for (q, l) in CN:
    outside = sum(d[(r, o)][q] for r in R for o in OTHER) + e[q]
    x[(q, l)] = sum(zc(i, (q, l)) for i in CN) + s_in[q][l] * outside
O = {i: x[i] - sum(zc(i, j) for j in CN) for i in CN}
assert all(v > 0 for v in O.values())
s_out = {i: O[i] / sum(O[(i[0], k)] for k in K) for i in CN}
# outside sales of region r's chain, by buyer: weights a (other nodes) and b (final demand)
wa = {("A", "agr"): 1.0, ("A", "srv"): 3.0, ("B", "agr"): 0.5, ("B", "srv"): 1.5}
wb = {"A": 2.0, "B": 1.0}
tot_w = sum(wa.values()) + sum(wb.values())
a = {}
b = {}
for r in R:
    tot = sum(O[(r, k)] for k in K)
    for j in wa:
        a[r, j] = tot * wa[j] / tot_w
    for c in R:
        b[r, c] = tot * wb[c] / tot_w

NODES = [(r, s) for r in R for s in ["agr"] + K + ["srv"]]
Z = {}
for i in NODES:
    for j in NODES:
        ic, jc = i[1] in K, j[1] in K
        if ic and jc:
            v = zc(i, j)
        elif ic:
            v = a[i[0], j] * s_out[i]
        elif jc:
            v = d[i][j[0]] * s_in[j[0]][j[1]]
        else:
            v = (7.0 if i[0] == j[0] else 2.0) * (2.0 if i[1] == "srv" else 1.0) + \
                (5.0 if i == j else 0.0)
        Z[i, j] = v
xo = {("A", "agr"): 400.0, ("A", "srv"): 900.0, ("B", "agr"): 300.0, ("B", "srv"): 700.0}
Y = {}
va = {}
for i in NODES:
    if i[1] in K:
        for c in R:
            Y[i, c] = b[i[0], c] * s_out[i]
        va[i] = e[i[0]] * s_in[i[0]][i[1]]
    else:
        x[i] = xo[i]
        rest = x[i] - sum(Z[i, j] for j in NODES)
        Y[i, "A"], Y[i, "B"] = (0.6 * rest, 0.4 * rest) if i[0] == "A" else (0.3 * rest, 0.7 * rest)
        va[i] = x[i] - sum(Z[j, i] for j in NODES)
for i in NODES:  # D is balanced
    assert abs(sum(Z[i, j] for j in NODES) + Y[i, "A"] + Y[i, "B"] - x[i]) < 1e-9 * x[i]
    assert abs(sum(Z[j, i] for j in NODES) + va[i] - x[i]) < 1e-9 * x[i]
    assert va[i] > 0 and Y[i, "A"] > 0


def num(v):
    return "0" if v == 0 else repr(float(v))


def write(dirname, nodes, Z, Y, x, va):
    path = os.path.join(HERE, dirname)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "Z.csv"), "w") as f:
        f.write("region," + "".join("," + n[0] for n in nodes) + "\n")
        f.write("sector," + "".join("," + n[1] for n in nodes) + "\n")
        f.write("region,sector" + "," * len(nodes) + "\n")
        for i in nodes:
            f.write("%s,%s," % i + ",".join(num(Z.get((i, j), 0.0)) for j in nodes) + "\n")
    with open(os.path.join(path, "Y.csv"), "w") as f:
        f.write("region,," + ",".join(R) + "\n")
        f.write("category,," + ",".join("final_demand" for _ in R) + "\n")
        f.write("region,sector" + "," * len(R) + "\n")
        for i in nodes:
            f.write("%s,%s," % i + ",".join(num(Y[i, c]) for c in R) + "\n")
    with open(os.path.join(path, "x.csv"), "w") as f:
        f.write("region,sector,indout\n")
        for i in nodes:
            f.write("%s,%s,%s\n" % (i[0], i[1], num(x[i])))
    with open(os.path.join(path, "VA.csv"), "w") as f:
        f.write("region" + "".join("," + n[0] for n in nodes) + "\n")
        f.write("sector" + "".join("," + n[1] for n in nodes) + "\n")
        f.write("inputtype" + "," * len(nodes) + "\n")
        f.write("value_added" + "".join("," + num(va[n]) for n in nodes) + "\n")


write("detailed", NODES, Z, Y, x, va)

# the frame: D aggregated over K into elec (placed where chip stood)
agg = lambda n: (n[0], SEC) if n[1] in K else n
FN = [(r, s) for r in R for s in ["agr", SEC, "srv"]]
FZ, FY, Fx, Fva = {}, {}, {}, {}
for i in NODES:
    Fx[agg(i)] = Fx.get(agg(i), 0.0) + x[i]
    Fva[agg(i)] = Fva.get(agg(i), 0.0) + va[i]
    for c in R:
        FY[agg(i), c] = FY.get((agg(i), c), 0.0) + Y[i, c]
    for j in NODES:
        FZ[agg(i), agg(j)] = FZ.get((agg(i), agg(j)), 0.0) + Z[i, j]
write("frame", FN, FZ, FY, Fx, Fva)

# the chain table: D's chain block; outside sales to region q as final demand of q
CY = {(i, q): s_out[i] * (sum(a[i[0], j] for j in wa if j[0] == q) + b[i[0], q])
      for i in CN for q in R}
Cva = {j: x[j] - sum(zc(i, j) for i in CN) for j in CN}
write("chain", CN, {(i, j): zc(i, j) for i in CN for j in CN}, CY, {i: x[i] for i in CN}, Cva)
