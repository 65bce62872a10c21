#!/usr/bin/env python3
"""Generate core/table/builtin/table_builtin_data.c, the embedded IC-chain MRIO table.

Usage:  python3 core/table/builtin/make_builtin_table.py ICSTRESS [--doc] [-o OUT.c] [--keep DIR]

Reads only core/table/builtin/data/*.csv (copies of the public figures it uses, with their
source/status columns, plus assumptions.csv), builds a PRIOR table from them (steps 1-6
below), writes it as a pymrio-style directory, balances it with GRAS by running
`ICSTRESS table balance PRIOR -o BALANCED` (the built icstress binary), reads the balanced
directory back and writes core/table/builtin/table_builtin_data.c deterministically: the same input and the
same binary give a byte-identical output (fixed iteration orders, no dates, numbers printed
with %.17g). Standard library only. --doc prints, in addition, the Markdown tables of inputs
and results that docs/data.md reproduces; --keep DIR keeps DIR/prior and DIR/balanced.

Layout
------
Regions R = US CN TW KR JP EU SEA ROW (8), segments S = the 17 codes of INTERFACE.md, nodes
region-major (node = r*17 + s), n = 136. One final-demand column per region, category
"final_demand". Units: million USD per year, 2022 where possible.

Procedure
---------
1. Gross output by segment (world, 2022):
   - design_logic / memory / dao: WSTS 2022 product groups (logic+micro 255.7, memory 129.8,
     DAO 188.7 $bn; they add up to the $574bn market).
   - atp: SIA $95bn (incl. captive ATP).
   - equip_litho / equip_depetch / equip_other: SEMI 2022 billings $107.64bn split by the
     CSET/TechInsights 2025 category market sizes (lithography; deposition + etch & clean;
     all other top-level tool categories).
   - mat_wafer: CSET 2019 silicon wafers $10.9bn grown with SEMI wafer-fab materials
     (44.7/32.8); mat_chem: SEMI 2022 materials $72.691bn minus mat_wafer (other fab
     materials and packaging materials).
   - eda_ip: geometric mean of ESD Alliance 2021 ($13.274bn) and 2023 ($17.04bn).
   - end markets: chip purchases by end use (WSTS 2022 end-use shares of the $574bn; data
     centre = Gartner $64.8bn carved out of PC/computer; government added to
     auto/industrial) divided by a semiconductor content share per end market. The contents
     are relative weights (assumption) scaled so that world chips / world electronic-system
     output = 33.2% (IC Insights 2021).
   - fab_advanced / fab_mature are derived from demand (step 3): output = sales to chip
     vendors / (1 - fab_final_share).
2. Regional split of each given segment: production shares p_s(r) from SIA/BCG 2024 (design
   by HQ, ATP by site), CSET 2019 (EDA, IP, wafers), BCG 2021 (materials), CSET/TechInsights
   (equipment, by category value), WSTS 2021 billing regions split with OECD ICIO 2019 C26
   output (end markets). "Various/Other" blocks go to SEA/ROW by stated shares. Every share
   is floored: p <- (1 - 8*floor)*p + floor, so no node has zero output.
3. Intermediate flows Z. Buyer node j (segment b, region q) demands d_j = a[s,b] * x_j of
   supplier segment s (input coefficients a: assumptions.csv, grounded in company cost
   structures, BEA/Japan/China IO tables and SEMI ratios). Equipment enters as an annualised
   capital service (depreciation), not as capex; the rest of the equipment output is final
   demand (net fixed investment). If world demand for s exceeds (1 - min_final_share) of its
   output, a[s,.] is scaled down (reported). Supplier regions: the initial flow from region r
   to buyer j is d_j * p(r)(1+h[r==q]) / (1 + h p(q)) (home bias h). For given segments these
   flows are RAS-balanced so that each supplier region sells p(r) * D (D = world demand),
   i.e. every region of a segment has the same final-demand share. For the fab segments the
   supplier shares depend on the buyer segment (logic: TrendForce <=16/14nm foundry
   capacity; memory: DRAM/NAND capacity; mature: SIA site capacity) and are not balanced:
   fab output follows demand.
4. Final demand Y = x - Z*1 (the residual, >= 0 by step 3), split over the 8 regional
   columns by a segment-specific destination vector (chips, fab, ATP: region of billing;
   equipment: SEMI installation region; materials: SEMI consumption region; EDA: ESD
   customer region; end markets: GDP-share proxy).
5. va = x - 1'Z (value added plus inputs bought from outside the modelled chain).
   Steps 1-5 give a balanced construction; it is checked, then used as the prior.
6. Value-added prior: within each stage (EDA, logic, memory, DAO design, equipment, materials,
   wafer fabrication) the stage's residual value added is redistributed over regions towards
   the SIA/BCG 2021 regional value-added shares, each region's factor capped to [1/2, 2], the
   stage total kept. ATP and end markets keep the residual.
7. GRAS (icstress table balance): [[Z, Y], [va, 0]] to row sums [x; F] and column sums
   [x; F * prior final-demand column shares], F = total final demand = total value added. x is
   the target; Z, Y and va move. Then the trade figures (China's IC imports/exports, Taiwan's
   IC exports by destination) are compared with the table's sales of chips, fab and ATP output
   across borders (cross-checks, not targets) and dynamics.csv is checked.

Checks (asserted; construction 1e-12, balanced table 1e-9): Z >= 0, Y >= 0, va > 0, x > 0,
|x - Z1 - Y1| <= tol x, |x - 1'Z - va| <= tol x, max column sum of
A = Z diag(x)^-1 < 0.9; the spectral radius of A is computed by power iteration on A + I
with Collatz-Wielandt bounds and printed.
"""
import csv
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
DATA = os.path.join(HERE, 'data')
OUT_DEFAULT = os.path.join(HERE, 'table_builtin_data.c')

REGIONS = ['US', 'CN', 'TW', 'KR', 'JP', 'EU', 'SEA', 'ROW']
SEGMENTS = ['eda_ip', 'design_logic', 'memory', 'dao', 'fab_advanced', 'fab_mature', 'atp',
            'equip_litho', 'equip_depetch', 'equip_other', 'mat_wafer', 'mat_chem',
            'end_datacenter', 'end_comms', 'end_computing', 'end_auto_industrial',
            'end_consumer']
END = SEGMENTS[12:]
CHIPS = ['design_logic', 'memory', 'dao']
EQUIP = ['equip_litho', 'equip_depetch', 'equip_other']
FABS = ['fab_advanced', 'fab_mature']
NR, NS = len(REGIONS), len(SEGMENTS)
N = NR * NS
RI = {r: i for i, r in enumerate(REGIONS)}
SI = {s: i for i, s in enumerate(SEGMENTS)}
BN = 1000.0  # $bn -> $ million

# Source region names -> model region; 'VAR' = an unallocated "various/other" block.
REGION_MAP = {
    'US': 'US', 'USA': 'US', 'United States': 'US', 'North America': 'US',
    'China': 'CN', 'CHN': 'CN', 'China mainland': 'CN',
    'Taiwan': 'TW', 'TWN': 'TW',
    'South Korea': 'KR', 'KOR': 'KR', 'S.Korea': 'KR',
    'Japan': 'JP', 'JPN': 'JP',
    'Europe': 'EU', 'EUR': 'EU', 'GBR': 'EU', 'DEU': 'EU',
    'SE Asia': 'SEA', 'MYS': 'SEA', 'VNM': 'SEA', 'SGP': 'SEA', 'THA': 'SEA', 'PHL': 'SEA',
    'ISR': 'ROW', 'MEX': 'ROW', 'IND': 'ROW', 'RoW/various': 'ROW',
    'East Asia & others': 'VAR',
    # BCG 2021 equipment row: the transcription labels Japan's 32% cell "Korea" (see
    # assumptions.csv, bcg2021_equipment_korea_cell_is_japan)
    'South Korea (as transcribed; almost certainly Japan)': 'JP',
    'Various': 'VAR', 'Various (mostly SE Asia)': 'VAR', 'Other': 'VAR',
}

MS, VA, EQ, CAP = ('market-sizes.csv', 'value-added-shares.csv',
                   'equipment-shares-by-model-region.csv', 'capacity.csv')
TRADE, DYN = 'trade.csv', 'dynamics.csv'
USED = []  # (file, label, value, unit, status, source) of every input number, in use order


def read_csv(name):
    with open(os.path.join(DATA, name), newline='', encoding='utf-8') as f:
        return list(csv.DictReader(f))


TABLES = {}


def rows(name):
    if name not in TABLES:
        TABLES[name] = read_csv(name)
    return TABLES[name]


def num(text):
    return float(str(text).strip().lstrip('+').rstrip('%'))


def record(fname, row, group, item, value):
    """Remember an input number for the provenance table (docs/data.md, --doc)."""
    if any(u[0] == fname and u[1] == group and u[2] == item for u in USED):
        return
    src = row.get('source') or '%s (%s)' % (row.get('basis', ''), row.get('detail_file', ''))
    USED.append((fname, group, item, value, row.get('unit', ''), row.get('status', ''), src))


def get(fname, table, metric, region, year):
    """Exactly one row of an ic-data style file (table, metric, region_or_entity, year)."""
    hits = [r for r in rows(fname) if r['table'] == table and r['metric'] == metric and
            r['region_or_entity'] == region and r['year'] == year]
    if len(hits) != 1:
        raise SystemExit('%s: expected one row for %r/%r/%r/%r, found %d' %
                         (fname, table, metric, region, year, len(hits)))
    v = num(hits[0]['value'])
    record(fname, hits[0], '%s / %s / %s' % (table, metric, year), region, v)
    return v


def get_all(fname, table, metric_prefix, year):
    """All rows of a (table, metric starting with prefix, year) block: {region: value}."""
    out = {}
    for r in rows(fname):
        if r['table'] == table and r['metric'].startswith(metric_prefix) and r['year'] == year:
            v = num(r['value'])
            out[r['region_or_entity']] = out.get(r['region_or_entity'], 0.0) + v
            record(fname, r, '%s / %s / %s' % (table, r['metric'], year), r['region_or_entity'], v)
    if not out:
        raise SystemExit('%s: no rows for %r/%r/%r' % (fname, table, metric_prefix, year))
    return out


# ----------------------------------------------------------------------------- assumptions
ASSUME = {}
for _r in read_csv('assumptions.csv'):
    if _r['status'] != 'assumption':
        raise SystemExit('assumptions.csv: %s: status must be "assumption"' % _r['name'])
    ASSUME[_r['name']] = float(_r['value'])
ASSUME_USED = []


def A_(name):
    if name not in ASSUME:
        raise SystemExit('assumptions.csv: missing %s' % name)
    if name not in ASSUME_USED:
        ASSUME_USED.append(name)
    return ASSUME[name]


# ----------------------------------------------------------------------------- shares
def to_regions(block, various_to_sea, what):
    """Map {source region: value} to a normalised 8-vector, 'VAR' split SEA/ROW, then floor."""
    v = [0.0] * NR
    for name in sorted(block):
        if name in ('Total', 'World'):
            continue
        if name not in REGION_MAP:
            raise SystemExit('%s: unknown region name %r' % (what, name))
        code = REGION_MAP[name]
        if code == 'VAR':
            v[RI['SEA']] += block[name] * various_to_sea
            v[RI['ROW']] += block[name] * (1.0 - various_to_sea)
        else:
            v[RI[code]] += block[name]
    return floor_shares(v, what)


def normalise(v, what):
    t = math.fsum(v)
    if not t > 0:
        raise SystemExit('%s: shares sum to %r' % (what, t))
    return [a / t for a in v]


def floor_shares(v, what):
    f = A_('share_floor')
    p = normalise(v, what)
    return [(1.0 - NR * f) * a + f for a in p]


def parse_args(argv):
    usage = ('usage: make_builtin_table.py ICSTRESS [-o OUT.c] [--doc] [--keep DIR]\n'
             '  ICSTRESS   the built icstress binary (runs `icstress table balance`)\n'
             '  -o OUT.c   output file (default core/table/builtin/table_builtin_data.c)\n'
             '  --doc      also print the Markdown tables of docs/data.md\n'
             '  --keep DIR keep the prior and balanced table directories in DIR/prior, '
             'DIR/balanced')
    opts = {'icstress': None, 'out': OUT_DEFAULT, 'doc': False, 'keep': None}
    k = 1
    while k < len(argv):
        a = argv[k]
        if a in ('-h', '--help'):
            print(usage)
            sys.exit(0)
        elif a == '--doc':
            opts['doc'] = True
        elif a in ('-o', '--keep'):
            if k + 1 >= len(argv):
                raise SystemExit('%s needs an argument\n%s' % (a, usage))
            opts['out' if a == '-o' else 'keep'] = argv[k + 1]
            k += 1
        elif a.startswith('-'):
            raise SystemExit('unknown option %s\n%s' % (a, usage))
        elif opts['icstress'] is None:
            opts['icstress'] = a
        else:
            raise SystemExit('unexpected argument %s\n%s' % (a, usage))
        k += 1
    if opts['icstress'] is None:
        raise SystemExit('the icstress binary is required\n%s' % usage)
    return opts


def main():
    opts = parse_args(sys.argv)
    doc = opts['doc']
    out_path = opts['out']

    EU_, ICIO, EMC = 'structure-enduse.csv', 'icio2019-c26-output.csv', 'end-market-content.csv'

    X = {}     # world output by given segment, $ million
    P = {}     # production shares by given segment
    DEST = {}  # final-demand destination vector by segment

    # --- chips (design): WSTS 2022 product groups x SIA 2022 design shares by HQ
    wsts_total = get(MS, 'WSTS', 'semiconductor market (actual)', 'World', '2022')
    prod = {'design_logic': 'Logic + micro (logic, MPU, MCU, DSP)', 'memory': 'Memory',
            'dao': 'DAO (discrete, analog, sensor, opto)'}
    for seg, ent in prod.items():
        X[seg] = get(MS, 'WSTS/SIA via CSET', 'segment sales', ent, '2022') * BN
    vs = A_('various_to_sea.design')
    P['design_logic'] = to_regions(get_all(VA, 'SIA_BCG2024_via_ETO',
                                           'regional share (Logic design', '2022'), vs, 'logic')
    P['memory'] = to_regions(get_all(VA, 'SIA_BCG2024_via_ETO', 'regional share (Memory design',
                                     '2022'), vs, 'memory')
    P['dao'] = to_regions(get_all(VA, 'SIA_BCG2024_via_ETO', 'regional share (DAO design',
                                  '2022'), vs, 'dao')
    S_chips = sum(X[s] for s in CHIPS)
    foundry23 = get(MS, 'TrendForce_foundry', 'top-10 foundry revenue (annual)', 'World', '2023')

    # --- ATP
    X['atp'] = get(MS, 'SIA_via_CSET', 'ATP segment size', 'World', '2022') * BN
    P['atp'] = to_regions(get_all(VA, 'SIA_BCG2024_via_ETO', 'regional share (ATP site capacity',
                                  '2022'), A_('various_to_sea.atp'), 'atp')

    # --- EDA + IP
    eda21 = get(MS, 'ESD_Alliance', 'electronic system design (EDA+IP) industry revenue',
                'World', '2021')
    eda23 = get(MS, 'ESD_Alliance', 'ESD industry revenue (sum of 2023 quarters)', 'World',
                '2023')
    A_('eda_2022_geometric_interpolation')
    X['eda_ip'] = math.sqrt(eda21 * eda23) * BN
    eda_sz = get(MS, 'CSET_market_size', 'global market size', 'EDA software', '2019')
    ip_sz = get(MS, 'CSET_market_size', 'global market size', 'Core IP', '2019')
    blk = {}
    for pre, w in (('market/value share (EDA software', eda_sz), ('market/value share (Core IP',
                                                                   ip_sz)):
        b = get_all(VA, 'CSET2021_2019data', pre, '2019')
        tot = math.fsum(b.values())
        for k in sorted(b):
            blk[k] = blk.get(k, 0.0) + w * b[k] / tot
    P['eda_ip'] = to_regions(blk, A_('various_to_sea.eda'), 'eda_ip')

    # --- equipment: SEMI 2022 total x CSET/TechInsights category values
    semi_eq = {}
    for reg in ('China', 'Taiwan', 'South Korea', 'North America', 'Japan', 'Europe',
                'Rest of World', 'Total'):
        semi_eq[reg] = get(MS, 'SEMI_equipment',
                           'semiconductor equipment billings by region of installation', reg,
                           '2022')
    eq_total = semi_eq['Total'] * BN
    cat_of = {'Lithography tools': 'equip_litho', 'Deposition tools': 'equip_depetch',
              'Etch and clean tools': 'equip_depetch'}
    cat_val = {s: 0.0 for s in EQUIP}
    cat_blk = {s: {} for s in EQUIP}
    metrics = []
    for r in rows(EQ):
        if r['metric'] not in metrics:
            metrics.append(r['metric'])
    for m in metrics:
        mm = re.match(r'supplier share \(firm HQ\) (.*) \(\$([0-9.]+) billion \(2025\)\)$', m)
        if not mm:
            raise SystemExit('%s: cannot parse %r' % (EQ, m))
        name, size = mm.group(1), float(mm.group(2))
        seg = cat_of.get(name, 'equip_other')
        cat_val[seg] += size
        b = get_all(EQ, 'CSET_ETO_equipment_by_model_region', m, '2025')
        tot = math.fsum(b.values())
        for k in sorted(b):
            cat_blk[seg][k] = cat_blk[seg].get(k, 0.0) + size * b[k] / tot
    cat_sum = math.fsum(cat_val.values())
    for s in EQUIP:
        X[s] = eq_total * cat_val[s] / cat_sum
        P[s] = to_regions(cat_blk[s], 0.5, s)

    # --- materials
    wafers19 = get(MS, 'CSET_market_size', 'global market size', 'Silicon wafers', '2019')
    wfm19 = get(MS, 'SEMI_materials', 'materials revenue by segment', 'wafer fab materials',
                '2019')
    wfm22 = get(MS, 'SEMI_materials', 'materials revenue by segment', 'wafer fab materials',
                '2022')
    get(MS, 'SEMI_materials', 'materials revenue by segment', 'packaging materials', '2022')
    A_('mat_wafer_scales_with_fab_materials')
    semi_mat = {}
    for reg in ('Taiwan', 'China', 'South Korea', 'Rest of World', 'Japan', 'North America',
                'Europe', 'Total'):
        semi_mat[reg] = get(MS, 'SEMI_materials',
                            'semiconductor materials revenue by consuming region', reg, '2022')
    X['mat_wafer'] = wafers19 * wfm22 / wfm19 * BN
    X['mat_chem'] = semi_mat['Total'] * BN - X['mat_wafer']
    P['mat_wafer'] = to_regions(get_all(VA, 'CSET2021_2019data',
                                        'market/value share (Silicon wafers', '2019'), 0.5,
                                'mat_wafer')
    P['mat_chem'] = to_regions(get_all(VA, 'BCG2021_value_added',
                                       'regional share of segment value added (Materials)',
                                       '2019'), A_('various_to_sea.materials'), 'mat_chem')

    # --- end markets: production location = WSTS 2021 billing region, APAC and Americas
    #     split by OECD ICIO 2019 C26 output
    wsts_reg = {}
    for reg in ('Americas', 'Europe', 'Japan', 'Asia Pacific'):
        wsts_reg[reg] = get(MS, 'WSTS', 'semiconductor market by region (actual)', reg, '2021')
    c26 = {}
    for r in rows(ICIO):  # the file holds exactly the countries used below
        c26[r['country']] = float(r['c26_gross_output_musd'])
        record(ICIO, r, 'OECD ICIO 2025 ed. / C26 gross output (USD m) / 2019', r['country'],
               c26[r['country']])
    if sorted(c26) != sorted(['USA', 'MEX', 'CHN', 'TWN', 'KOR', 'MYS', 'VNM', 'SGP', 'THA',
                              'PHL', 'IND']):
        raise SystemExit('%s: unexpected country set %s' % (ICIO, sorted(c26)))
    endv = [0.0] * NR
    amer = c26['USA'] + c26['MEX']
    endv[RI['US']] += wsts_reg['Americas'] * c26['USA'] / amer
    endv[RI['ROW']] += wsts_reg['Americas'] * c26['MEX'] / amer
    endv[RI['EU']] += wsts_reg['Europe']
    endv[RI['JP']] += wsts_reg['Japan']
    apac = {'CN': ['CHN'], 'TW': ['TWN'], 'KR': ['KOR'],
            'SEA': ['MYS', 'VNM', 'SGP', 'THA', 'PHL'], 'ROW': ['IND']}
    apac_tot = math.fsum(c26[c] for cs in apac.values() for c in cs)
    for reg in ('CN', 'TW', 'KR', 'SEA', 'ROW'):
        endv[RI[reg]] += wsts_reg['Asia Pacific'] * math.fsum(c26[c] for c in apac[reg]) / apac_tot
    endv = floor_shares(endv, 'end-market production')

    eus = {}
    for ent in ('Communications', 'PC/Computer', 'Automotive', 'Industrial',
                'Consumer electronics', 'Government (residual)'):
        eus[ent] = get(EU_, 'End_use', 'share of global semiconductor sales by end use', ent,
                       '2022') / 100.0
    get(EU_, 'End_use', 'data-center semiconductor revenue', 'Data center', '2024')
    dc = A_('datacenter_chip_sales') * BN
    A_('government_to_auto_industrial')
    chips_e = {
        'end_datacenter': dc,
        'end_comms': eus['Communications'] * S_chips,
        'end_computing': eus['PC/Computer'] * S_chips - dc,
        'end_auto_industrial': (eus['Automotive'] + eus['Industrial'] +
                                eus['Government (residual)']) * S_chips,
        'end_consumer': eus['Consumer electronics'] * S_chips,
    }
    emc = [r for r in rows(EMC) if r['end_market'] == 'all electronic systems' and
           r['year'] == '2021']
    if len(emc) != 1:
        raise SystemExit('%s: expected the 2021 IC Insights row' % EMC)
    content_avg = float(emc[0]['value']) / 100.0
    record(EMC, emc[0], 'IC Insights / semiconductor share of electronic systems / 2021',
           'all electronic systems', content_avg * 100)
    w = {e: A_('content_weight.' + e) for e in END}
    cscale = content_avg * math.fsum(chips_e[e] / w[e] for e in END) / math.fsum(chips_e.values())
    content = {e: cscale * w[e] for e in END}
    for e in END:
        X[e] = chips_e[e] / content[e]
        P[e] = endv

    # --- cost-structure rows (provenance of the coefficient assumptions; printed with --doc)
    for tbl, met, ent, yr in (
            ('Cost_structure_foundry', 'depreciation share of revenue', 'TSMC', '2004-2018'),
            ('Cost_structure_OSAT', 'D&A+rental share of ATM revenue (derived)',
             'ASE ATM business', '2020'),
            ('Cost_structure_OSAT', 'raw material cost share of ATM revenue', 'ASE ATM business',
             '2020'),
            ('Cost_structure_fabless', 'COGS / revenue', 'NVIDIA', '2025'),
            ('Cost_structure_fabless', 'COGS / revenue', 'Qualcomm', '2025'),
            ('Cost_structure_fabless', 'COGS / revenue', 'Micron', '2025'),
            ('Cost_structure_fabless', 'COGS / revenue', 'Broadcom', '2025'),
            ('Cost_structure_fabless', 'COGS / revenue', 'AMD', '2025'),
            ('Cost_structure_fabless', 'COGS / revenue', 'Intel', '2025')):
        get(EU_, tbl, met, ent, yr)
    for r in rows('key-coefficients.csv'):
        record('key-coefficients.csv', r, r['coefficient'], r['segment'], float(r['value']))

    # --- final-demand destination vectors
    def semi_vec(block):
        v = [0.0] * NR
        m = {'China': 'CN', 'Taiwan': 'TW', 'South Korea': 'KR', 'North America': 'US',
             'Japan': 'JP', 'Europe': 'EU'}
        sea = A_('semi_row_to_sea')
        for k in sorted(block):
            if k == 'Total':
                continue
            if k == 'Rest of World':
                v[RI['SEA']] += block[k] * sea
                v[RI['ROW']] += block[k] * (1 - sea)
            else:
                v[RI[m[k]]] += block[k]
        return normalise(v, 'semi')
    esd = {}
    for reg in ('Americas', 'APAC', 'EMEA', 'Japan'):
        esd[reg] = get(MS, 'ESD_Alliance', 'ESD revenue by customer region Q3 2023', reg, '2023')
    edv = [0.0] * NR
    edv[RI['US']] += esd['Americas']
    edv[RI['JP']] += esd['Japan']
    edv[RI['EU']] += esd['EMEA'] * A_('esd_emea_to_eu')
    edv[RI['ROW']] += esd['EMEA'] * (1 - A_('esd_emea_to_eu'))
    apac_end = math.fsum(endv[RI[r]] for r in ('CN', 'TW', 'KR', 'SEA'))
    for r in ('CN', 'TW', 'KR', 'SEA'):
        edv[RI[r]] += esd['APAC'] * endv[RI[r]] / apac_end
    edv = normalise(edv, 'esd')
    gdp = normalise([A_('final_demand_share.' + r) for r in REGIONS], 'final demand')
    for s in SEGMENTS:
        if s == 'eda_ip':
            DEST[s] = edv
        elif s in EQUIP:
            DEST[s] = semi_vec(semi_eq)
        elif s in ('mat_wafer', 'mat_chem'):
            DEST[s] = semi_vec(semi_mat)
        elif s in END:
            DEST[s] = gdp
        else:
            DEST[s] = normalise(endv, 'billing')

    # --- input coefficients a[supplier][buyer]
    a = {s: {} for s in SEGMENTS}
    for b in CHIPS:
        f = A_('coef.fab.' + b)
        adv = A_('coef.adv_share.' + b)
        if adv > 0:
            a['fab_advanced'][b] = f * adv
        if adv < 1:
            a['fab_mature'][b] = f * (1 - adv)
        a['atp'][b] = A_('coef.atp.' + b)
        a['eda_ip'][b] = A_('coef.eda.' + b)
    for e in END:
        a['eda_ip'][e] = A_('coef.eda.end_market')
    absorb = A_('end_market_absorption')
    for e in END:
        mix = [A_('mix.%s.%s' % (e, c)) for c in CHIPS]
        if abs(math.fsum(mix) - 1.0) > 1e-9:
            raise SystemExit('assumptions.csv: mix.%s.* must sum to 1' % e)
        for c, m in zip(CHIPS, mix):
            a[c][e] = absorb * content[e] * m
    for fb in FABS:
        cap = A_('coef.capital.' + fb)
        for q in EQUIP:
            a[q][fb] = cap * A_('capital_split.%s.%s' % (fb, q))
        a['mat_wafer'][fb] = A_('coef.mat_wafer.fab')
        a['mat_chem'][fb] = A_('coef.mat_chem.fab')
    a['equip_other']['atp'] = A_('coef.capital.atp')
    a['mat_chem']['atp'] = A_('coef.mat_chem.atp')
    for q in EQUIP:
        for c in CHIPS:
            a[c][q] = A_('coef.chips_in_equipment.' + c)
        a['equip_other'][q] = a['equip_other'].get(q, 0.0) + A_('coef.equipment_subsystems')
    a['mat_chem']['mat_wafer'] = A_('coef.mat_chem.mat_wafer')
    a['end_comms']['end_datacenter'] = A_('coef.end_comms.end_datacenter')
    a['end_computing']['end_datacenter'] = A_('coef.end_computing.end_datacenter')

    # --- fab sourcing vectors by buyer segment
    adv_f = get_all(CAP, 'TrendForce_capacity', 'share of advanced (<=16/14nm) foundry capacity',
                    '2023')
    adv_logic = to_regions(adv_f, 0.5, 'advanced foundry')
    dram = {'South Korea': get(CAP, 'BCG2024_node', 'share of DRAM capacity', 'South Korea',
                               '2022'),
            'Taiwan': get(CAP, 'BCG2024_node', 'share of DRAM capacity', 'Taiwan', '2022'),
            'China': get(CAP, 'TrendForce_memory_capacity', 'DRAM -> 12% by 2025', 'China',
                         '2023')}
    for r in ('JP', 'US', 'SEA', 'EU', 'ROW'):
        dram[{'JP': 'Japan', 'US': 'US', 'SEA': 'SE Asia', 'EU': 'Europe',
              'ROW': 'RoW/various'}[r]] = A_('dram_fill.' + r)
    nand = {k: get(CAP, 'BCG2024_node', 'share of NAND capacity', k, '2022')
            for k in ('South Korea', 'Japan', 'China')}
    for r in ('US', 'SEA', 'TW', 'EU', 'ROW'):
        nand[{'US': 'US', 'SEA': 'SE Asia', 'TW': 'Taiwan', 'EU': 'Europe',
              'ROW': 'RoW/various'}[r]] = A_('nand_fill.' + r)
    dw = A_('dram_weight')
    pd_ = to_regions(dram, 0.5, 'dram')
    pn_ = to_regions(nand, 0.5, 'nand')
    mem_fab = floor_shares([dw * x + (1 - dw) * y for x, y in zip(pd_, pn_)], 'memory fab')
    mature = to_regions(get_all(VA, 'SIA_BCG2024_via_ETO', 'regional share (Fabrication capacity',
                                '2022'), A_('various_to_sea.fab'), 'mature fab')
    FAB_SRC = {('fab_advanced', 'design_logic'): adv_logic, ('fab_advanced', 'memory'): mem_fab,
               ('fab_advanced', 'dao'): adv_logic}
    for b in CHIPS:
        FAB_SRC[('fab_mature', b)] = mature

    # --- node outputs of given segments
    x = [0.0] * N
    for s in SEGMENTS:
        if s in FABS:
            continue
        for r in range(NR):
            x[r * NS + SI[s]] = X[s] * P[s][r]

    h = A_('home_bias')
    min_final = A_('min_final_share')
    fab_final = A_('fab_final_share')
    Z = [[0.0] * N for _ in range(N)]  # Z[i][j]
    scaled = []

    def initial_flows(s, demand, src_of):
        """flows[r][j] = d_j * p(r)(1+h[r==q]) / (1 + h p(q)) for buyer nodes j with d_j > 0."""
        flows = {}
        for j in sorted(demand):
            q = j // NS
            p = src_of(j)
            norm = 1.0 + h * p[q]
            flows[j] = [demand[j] * p[r] * (1.0 + (h if r == q else 0.0)) / norm
                        for r in range(NR)]
        return flows

    def ras(flows, row_t, tol=1e-15, itmax=100000):
        js = sorted(flows)
        col_t = {j: math.fsum(flows[j]) for j in js}
        for it in range(itmax):
            rs = [math.fsum(flows[j][r] for j in js) for r in range(NR)]
            fr = [row_t[r] / rs[r] for r in range(NR)]
            for j in js:
                flows[j] = [flows[j][r] * fr[r] for r in range(NR)]
            dev = 0.0
            for j in js:
                cs = math.fsum(flows[j])
                fc = col_t[j] / cs
                flows[j] = [v * fc for v in flows[j]]
            rs = [math.fsum(flows[j][r] for j in js) for r in range(NR)]
            dev = max(abs(rs[r] / row_t[r] - 1.0) for r in range(NR))
            if dev < tol:
                return it + 1, dev
        raise SystemExit('RAS did not converge (dev %g)' % dev)

    def demand_for(s):
        d = {}
        for b, coef in sorted(a[s].items()):
            for q in range(NR):
                j = q * NS + SI[b]
                if coef > 0 and x[j] > 0:
                    d[j] = coef * x[j]
        return d

    ras_report = []
    # fabs first (their buyers, the chip segments, have given outputs), then everything else
    for s in FABS:
        d = demand_for(s)
        flows = initial_flows(s, d, lambda j, s=s: FAB_SRC[(s, SEGMENTS[j % NS])])
        for j in flows:
            for r in range(NR):
                Z[r * NS + SI[s]][j] = flows[j][r]
        for r in range(NR):
            i = r * NS + SI[s]
            x[i] = math.fsum(Z[i]) / (1.0 - fab_final)
        X[s] = math.fsum(x[r * NS + SI[s]] for r in range(NR))
        P[s] = [x[r * NS + SI[s]] / X[s] for r in range(NR)]
    for s in SEGMENTS:
        if s in FABS or not a[s]:
            continue
        d = demand_for(s)
        D = math.fsum(d.values())
        if D > (1.0 - min_final) * X[s]:
            k = (1.0 - min_final) * X[s] / D
            scaled.append((s, k))
            for b in a[s]:
                a[s][b] *= k
            d = {j: v * k for j, v in d.items()}
            D = math.fsum(d.values())
        flows = initial_flows(s, d, lambda j, s=s: P[s])
        its, dev = ras(flows, [P[s][r] * D for r in range(NR)])
        ras_report.append((s, its, dev, D / X[s]))
        for j in flows:
            for r in range(NR):
                Z[r * NS + SI[s]][j] = flows[j][r]

    # --- final demand, value added
    zrow = [math.fsum(Z[i]) for i in range(N)]
    y = [x[i] - zrow[i] for i in range(N)]
    Y = [[y[i] * DEST[SEGMENTS[i % NS]][k] for k in range(NR)] for i in range(N)]
    zcol = [math.fsum(Z[i][j] for i in range(N)) for j in range(N)]
    va = [x[j] - zcol[j] for j in range(N)]

    # --- checks of the construction (steps 1-5 give a balanced table before the VA prior)
    label = lambda i: '%s/%s' % (REGIONS[i // NS], SEGMENTS[i % NS])
    for i in range(N):
        assert x[i] > 0, 'x <= 0 at %s' % label(i)
        assert all(v >= 0 for v in Z[i]), 'negative Z in row %s' % label(i)
        assert all(v >= 0 for v in Y[i]), 'negative Y at %s (y=%g)' % (label(i), y[i])
        assert va[i] > 0, 'va <= 0 at %s' % label(i)
        bal = abs(x[i] - zrow[i] - math.fsum(Y[i])) / x[i]
        assert bal <= 1e-12, 'row balance %g at %s' % (bal, label(i))
        cb = abs(x[i] - zcol[i] - va[i]) / x[i]
        assert cb <= 1e-12, 'column balance %g at %s' % (cb, label(i))
    prior_tot = {'Z': math.fsum(map(math.fsum, Z)), 'Y': math.fsum(map(math.fsum, Y))}

    # --- step 6: value-added prior. The residual va above carries no information of its own;
    #     BCG 2021 gives each region's share of a stage's value added. Within each stage the
    #     stage total is kept and redistributed over regions by those shares, each region's
    #     factor capped to [1/cap, cap] (shares are 2019 and by firm HQ, outputs 2022 and partly
    #     by site), then the stage is rescaled to its total again.
    va_prior = list(va)
    vaq = {}
    cap = A_('va_prior_ratio_cap')
    A_('bcg2021_equipment_korea_cell_is_japan')
    for stage, segs in (('EDA & core IP', ['eda_ip']), ('Logic design', ['design_logic']),
                        ('Memory design', ['memory']), ('DAO design', ['dao']),
                        ('Manufacturing equipment', EQUIP),
                        ('Materials', ['mat_wafer', 'mat_chem']),
                        ('Wafer fabrication', FABS)):
        q = to_regions(get_all(VA, 'BCG2021_value_added',
                               'regional share of segment value added (%s)' % stage, '2019'),
                       A_('various_to_sea.materials'), stage)
        nodes = [r * NS + SI[sg] for r in range(NR) for sg in segs]
        total = math.fsum(va[j] for j in nodes)
        ratio = {}
        for r in range(NR):
            base = math.fsum(va[r * NS + SI[sg]] for sg in segs)
            ratio[r] = min(cap, max(1.0 / cap, q[r] * total / base))
        for r in range(NR):
            for sg in segs:
                va_prior[r * NS + SI[sg]] = va[r * NS + SI[sg]] * ratio[r]
        k = total / math.fsum(va_prior[j] for j in nodes)
        for j in nodes:
            va_prior[j] *= k
        vaq[stage] = (q, [ratio[r] * k for r in range(NR)])
    prior_tot['va'] = math.fsum(va_prior)

    # --- step 7: balance the prior (Z, Y, x, va_prior) with GRAS: icstress table balance
    Z, Y, va, gras_log = balance(opts['icstress'], Z, Y, x, va_prior, opts['keep'])
    zrow = [math.fsum(Z[i]) for i in range(N)]
    y = [math.fsum(Y[i]) for i in range(N)]
    zcol = [math.fsum(Z[i][j] for i in range(N)) for j in range(N)]
    for i in range(N):
        assert all(v >= 0 for v in Z[i]), 'negative Z in row %s' % label(i)
        assert all(v >= 0 for v in Y[i]), 'negative Y at %s' % label(i)
        assert va[i] > 0, 'va <= 0 at %s' % label(i)
        bal = abs(x[i] - zrow[i] - y[i]) / x[i]
        assert bal <= 1e-9, 'row balance %g at %s' % (bal, label(i))
        cb = abs(x[i] - zcol[i] - va[i]) / x[i]
        assert cb <= 1e-9, 'column balance %g at %s' % (cb, label(i))
    colsumA = [zcol[j] / x[j] for j in range(N)]
    jmax = max(range(N), key=lambda j: colsumA[j])
    assert colsumA[jmax] < 0.9, 'column sum of A %g at %s' % (colsumA[jmax], label(jmax))
    rho, lo, hi, iters = spectral_radius(Z, x)
    assert hi < 1.0

    # --- cross-checks against trade figures (not targets: customs count shipments by location,
    #     the table counts sales by the selling firm's region; see docs/data.md)
    trade = trade_checks(Z, Y)
    dyn = read_dynamics()

    # every row of the copied CSVs must be used (the data directory holds only used rows)
    seen = set((u[0], u[1], u[2]) for u in USED)
    for fname in sorted(TABLES):
        for r in TABLES[fname]:
            if 'table' in r:
                key = (fname, '%s / %s / %s' % (r['table'], r['metric'], r['year']),
                       r['region_or_entity'])
            elif fname == ICIO:
                key = (fname, 'OECD ICIO 2025 ed. / C26 gross output (USD m) / 2019', r['country'])
            elif fname == DYN:
                key = (fname, 'dynamics / %s' % r['parameter'], r['segment'])
            elif fname == EMC:
                key = (fname, 'IC Insights / semiconductor share of electronic systems / 2021',
                       'all electronic systems')
            else:
                key = (fname, r['coefficient'], r['segment'])
            assert key in seen, '%s: row not used by the table: %r' % (fname, key)
    listed = sorted(f for f in os.listdir(DATA) if f.endswith('.csv') and f != 'assumptions.csv')
    assert listed == sorted(TABLES), 'unread CSV in %s: %s' % (DATA, set(listed) - set(TABLES))
    unused_a = [k for k in ASSUME if k not in ASSUME_USED]
    assert not unused_a, 'assumptions.csv: unused %s' % unused_a

    # --- report
    tot = math.fsum(x)
    print('icstress built-in table: %d regions x %d segments = %d nodes, %d final-demand columns'
          % (NR, NS, N, NR))
    print('total gross output: %.1f $bn (chips %.1f, end markets %.1f)' %
          (tot / BN, S_chips / BN, math.fsum(X[e] for e in END) / BN))
    print('gross output by segment ($bn):')
    for s in SEGMENTS:
        print('  %-20s %9.2f' % (s, X[s] / BN))
    print('gross output by region ($bn):')
    for r in range(NR):
        print('  %-4s %9.2f' % (REGIONS[r], math.fsum(x[r * NS:(r + 1) * NS]) / BN))
    print('cross-checks: chip segments %.2f vs WSTS 2022 total %.2f $bn; fab output (foundry + '
          'captive) %.2f vs top-10 foundry revenue 2023 %.2f $bn' %
          (S_chips / BN, wsts_total, (X['fab_advanced'] + X['fab_mature']) / BN, foundry23))
    print('semiconductor content of end markets: ' +
          ', '.join('%s %.3f' % (e, content[e]) for e in END))
    print('intermediate share of output (world demand / output) by supplier segment:')
    for s, its, dev, share in ras_report:
        print('  %-20s %.3f  (RAS %d iterations, dev %.1e)' % (s, share, its, dev))
    for s in FABS:
        print('  %-20s %.3f  (output follows demand)' % (s, 1.0 - fab_final))
    if scaled:
        for s, k in scaled:
            print('coefficients of supplier %s scaled by %.6f to keep final demand >= %.0f%%' %
                  (s, k, 100 * min_final))
    else:
        print('no coefficient scaling was needed')
    print('max column sum of A: %.6f at %s' % (colsumA[jmax], label(jmax)))
    print('min va/x: %.6f at %s' % (min(va[j] / x[j] for j in range(N)),
                                    label(min(range(N), key=lambda j: va[j] / x[j]))))
    print('spectral radius of A: %.9f (power iteration on A+I, %d iterations; '
          'Collatz-Wielandt bounds [%.9f, %.9f])' % (rho, iters, lo, hi))
    print('prior totals ($bn): Z %.2f, Y %.2f, va %.2f; balanced: Z %.2f, Y %.2f, va %.2f' %
          (prior_tot['Z'] / BN, prior_tot['Y'] / BN, prior_tot['va'] / BN,
           math.fsum(zrow) / BN, math.fsum(y) / BN, math.fsum(va) / BN))
    print('icstress table balance:')
    for line in gras_log:
        print('  ' + line)
    print('value-added prior factors by stage and region (after the cap %.1f and rescaling):' % cap)
    for stage in vaq:
        print('  %-24s %s' % (stage, ' '.join('%s %.3f' % (REGIONS[r], vaq[stage][1][r])
                                                for r in range(NR))))
    print('trade cross-checks (model sales of chips, fab and ATP vs customs, $bn):')
    for name, model, customs in trade:
        print('  %-44s model %8.2f  customs %8.2f' % (name, model, customs))

    text = render_c(Z, Y, x, va, tot, colsumA[jmax], rho)
    with open(out_path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
    print('wrote %s (%d bytes)' % (os.path.relpath(out_path, ROOT), len(text)))

    if doc:
        print_doc(X, P, content, a, colsumA[jmax], label(jmax), rho, lo, hi, tot, x, y, va)
        print_doc_extra(vaq, trade, dyn, gras_log, prior_tot, Z, x)


def node_labels():
    return [(REGIONS[i // NS], SEGMENTS[i % NS]) for i in range(N)]


def write_frame(path, mat, cols, names):
    """A frame with a two-level row index (region, sector) in pymrio's text layout."""
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(names[0] + ',,' + ','.join(c[0] for c in cols) + '\n')
        f.write(names[1] + ',,' + ','.join(c[1] for c in cols) + '\n')
        f.write('region,sector' + ',' * len(cols) + '\n')
        for (r, s_), row in zip(node_labels(), mat):
            f.write('%s,%s,' % (r, s_) + ','.join(fmt(v) for v in row) + '\n')


def read_frame(path, ncol, skip):
    """Rows of a frame written by icstress table balance: skip header lines, check the node
    labels, return the numbers."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    body = [ln for ln in lines[skip:] if ln]
    if len(body) != N:
        raise SystemExit('%s: %d rows, expected %d' % (path, len(body), N))
    out = []
    for (r, s_), ln in zip(node_labels(), body):
        fl = ln.split(',')
        if fl[0] != r or fl[1] != s_ or len(fl) != 2 + ncol:
            raise SystemExit('%s: unexpected row %r' % (path, ln[:60]))
        out.append([float(v) for v in fl[2:]])
    return out


def balance(icstress, Z, Y, x, va_prior, keep):
    """Write the prior table directory, run `icstress table balance` on it and read the
    balanced Z, Y, va back. Returns (Z, Y, va, the command's report lines)."""
    work = tempfile.mkdtemp(prefix='ics_builtin_')
    try:
        prior = os.path.join(work, 'prior')
        out = os.path.join(work, 'balanced')
        os.mkdir(prior)
        labels = node_labels()
        write_frame(os.path.join(prior, 'Z.csv'), Z, labels, ('region', 'sector'))
        write_frame(os.path.join(prior, 'Y.csv'), Y, [(r, 'final_demand') for r in REGIONS],
                    ('region', 'category'))
        with open(os.path.join(prior, 'x.csv'), 'w', encoding='utf-8', newline='\n') as f:
            f.write('region,sector,indout\n')
            for (r, s_), v in zip(labels, x):
                f.write('%s,%s,%s\n' % (r, s_, fmt(v)))
        with open(os.path.join(prior, 'VA.csv'), 'w', encoding='utf-8', newline='\n') as f:
            f.write('region,' + ','.join(l[0] for l in labels) + '\n')
            f.write('sector,' + ','.join(l[1] for l in labels) + '\n')
            f.write('inputtype' + ',' * N + '\n')
            f.write('value_added,' + ','.join(fmt(v) for v in va_prior) + '\n')
        env = dict(os.environ)
        env.setdefault('OMPI_ALLOW_RUN_AS_ROOT', '1')
        env.setdefault('OMPI_ALLOW_RUN_AS_ROOT_CONFIRM', '1')
        env.setdefault('OMP_NUM_THREADS', '1')
        env.setdefault('OPENBLAS_NUM_THREADS', '1')
        cmd = [icstress, 'table', 'balance', prior, '-o', out]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, env=env)
        if p.returncode != 0:
            raise SystemExit('%s failed (exit %d):\n%s%s' % (' '.join(cmd), p.returncode,
                                                           p.stdout, p.stderr))
        Zb = read_frame(os.path.join(out, 'Z.csv'), N, 3)
        Yb = read_frame(os.path.join(out, 'Y.csv'), NR, 3)
        with open(os.path.join(out, 'VA.csv'), encoding='utf-8') as f:
            vl = [ln for ln in f.read().split('\n') if ln]
        if len(vl) != 4 or not vl[3].startswith('value_added,'):
            raise SystemExit('%s/VA.csv: expected one value_added row' % out)
        vab = [float(v) for v in vl[3].split(',')[1:]]
        if len(vab) != N:
            raise SystemExit('%s/VA.csv: %d values, expected %d' % (out, len(vab), N))
        xb = read_frame(os.path.join(out, 'x.csv'), 1, 1)
        assert all(xb[i][0] == x[i] for i in range(N)), 'balanced x differs from the targets'
        log = [ln.strip().replace(work, '$WORK') for ln in p.stdout.split('\n') if ln.strip()]
        if keep:
            for sub in ('prior', 'balanced'):
                dst = os.path.join(keep, sub)
                if os.path.exists(dst):
                    shutil.rmtree(dst)
                shutil.copytree(os.path.join(work, sub), dst)
        return Zb, Yb, vab, log
    finally:
        shutil.rmtree(work, ignore_errors=True)


IC_SEGS = ['design_logic', 'memory', 'dao', 'fab_advanced', 'fab_mature', 'atp']


def sales(Z, Y, src_region, dst_region):
    """Sales of chips, fab and ATP output by src_region's nodes to dst_region's nodes and final
    demand, $ million."""
    tot = []
    for sg in IC_SEGS:
        i = src_region * NS + SI[sg]
        tot.append(math.fsum(Z[i][dst_region * NS:(dst_region + 1) * NS]) + Y[i][dst_region])
    return math.fsum(tot)


def trade_checks(Z, Y):
    cn, tw = RI['CN'], RI['TW']
    out = []
    imp = math.fsum(sales(Z, Y, r, cn) for r in range(NR) if r != cn)
    exp = math.fsum(sales(Z, Y, cn, r) for r in range(NR) if r != cn)
    out.append(('China IC imports 2022 (GACC)', imp / BN,
                get(TRADE, 'China_GACC', 'IC imports (value)', 'China', '2022')))
    out.append(('China IC exports 2022 (GACC)', exp / BN,
                get(TRADE, 'China_GACC', 'IC exports (value)', 'China', '2022')))
    dest = {'CN': ['China mainland', 'Hong Kong/Macao'], 'SEA': ['Southeast Asia'],
            'JP': ['Japan'], 'KR': ['South Korea'], 'EU': ['Europe'], 'US': ['United States'],
            'ROW': ['Rest of world', 'India']}
    met = 'Taiwan IC exports by destination region (share % in note)'
    total = 0.0
    for reg in ('CN', 'SEA', 'JP', 'KR', 'EU', 'US', 'ROW'):
        c = math.fsum(get(TRADE, 'Taiwan_customs_HS8542', met, d, '2022') for d in dest[reg])
        out.append(('Taiwan IC exports 2022 to %s (%s)' % (reg, '+'.join(dest[reg])),
                    sales(Z, Y, tw, RI[reg]) / BN, c))
        total += sales(Z, Y, tw, RI[reg])
    out.append(('Taiwan IC exports 2022, total', total / BN,
                get(TRADE, 'Taiwan_customs_HS8542', met, 'TOTAL', '2022')))
    return out


DYN_PARAMS = ['inventory_target_days', 'recovery_weeks', 'ramp_weeks', 'lead_time_weeks', 'alpha_max',
              'build_lag_weeks', 'requalification_weeks']


def read_dynamics():
    """dynamics.csv: one value per segment and parameter, each with status and source. Not
    used by the table; checked here and printed in docs/data.md."""
    seen = {}
    for r in rows(DYN):
        key = (r['segment'], r['parameter'])
        if r['segment'] not in SI or r['parameter'] not in DYN_PARAMS:
            raise SystemExit('%s: unknown segment/parameter %r' % (DYN, key))
        if key in seen:
            raise SystemExit('%s: duplicate %r' % (DYN, key))
        v = float(r['value'])
        if v < 0 or r['status'] not in ('found', 'found-secondary', 'derived', 'assumption'):
            raise SystemExit('%s: bad value or status in %r' % (DYN, key))
        if r['status'] != 'assumption' and not r['source'].strip('- '):
            raise SystemExit('%s: %r has status %s but no source' % (DYN, key, r['status']))
        seen[key] = r
        record(DYN, r, 'dynamics / %s' % r['parameter'], r['segment'], v)
    missing = [(s_, p_) for s_ in SEGMENTS for p_ in DYN_PARAMS if (s_, p_) not in seen]
    if missing:
        raise SystemExit('%s: missing %s' % (DYN, missing[:4]))
    return seen


def print_doc_extra(vaq, trade, dyn, gras_log, prior_tot, Z, x):
    print('\n#### Balancing (icstress table balance)\n')
    print('Prior totals ($ bn): Z %.2f, Y %.2f, value added %.2f. Output of the command:\n' %
          (prior_tot['Z'] / BN, prior_tot['Y'] / BN, prior_tot['va'] / BN))
    print('```')
    for line in gras_log:
        print(line.replace(ROOT, '.'))
    print('```')
    print('\n#### Value-added prior: BCG 2021 regional shares and the resulting factors\n')
    print('Factor = prior value added / residual value added of the construction, by region '
          '(stage totals kept).\n')
    print('| stage | ' + ' | '.join(REGIONS) + ' |')
    print('|---|' + '---:|' * NR)
    for stage in vaq:
        q, f = vaq[stage]
        print('| %s | %s |' % (stage, ' | '.join('%.1f%% (x%.2f)' % (100 * q[r], f[r])
                                                  for r in range(NR))))
    print('\n#### Trade cross-checks ($ bn, 2022): chips + fab + ATP sales in the balanced table '
          'vs customs\n')
    print('| flow | table | customs |')
    print('|---|---:|---:|')
    for name, m, c in trade:
        print('| %s | %.2f | %.2f |' % (md_escape(name), m, c))
    print('\n#### Dynamic parameters by segment (core/table/builtin/data/dynamics.csv)\n')
    print('| segment | inventory target (days) | recovery (weeks) | ramp (weeks) | '
          'lead time (weeks) | ARIO alpha_max | build lag (weeks) | requalification (weeks) |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|')
    for sg in SEGMENTS:
        cells = []
        for p_ in DYN_PARAMS:
            r = dyn[(sg, p_)]
            cells.append('%s%s' % (r['value'], '' if r['status'] != 'assumption' else ' (A)'))
        print('| %s | %s |' % (sg, ' | '.join(cells)))
    print('\n(A) = assumption. Sources and bases of every value:\n')
    print('| segment | parameter | value | status | source | basis |')
    print('|---|---|---:|---|---|---|')
    for sg in SEGMENTS:
        for p_ in DYN_PARAMS:
            r = dyn[(sg, p_)]
            print('| %s | %s | %s %s | %s | %s | %s |' % (sg, p_, r['value'], r['unit'],
                                                       r['status'], md_escape(r['source']),
                                                       md_escape(r['basis'])))


def spectral_radius(Z, x, itmax=100000, tol=1e-15):
    """Power iteration on B = A + I (A >= 0, so rho(B) = rho(A) + 1 and B has no other
    eigenvalue of the same modulus even when A has cycles). Returns the estimate, the
    Collatz-Wielandt bounds min/max_i (Bv)_i/v_i - 1 over the final positive v (the upper one
    is a rigorous bound for any v > 0; the lower one is taken over the nodes that carry the
    dominant eigenvector, v_i >= 1e-9 max v, since rows of A that are zero give ratio 0) and
    the number of iterations."""
    nz = []  # sparse rows of A
    for i in range(N):
        nz.append([(j, Z[i][j] / x[j]) for j in range(N) if Z[i][j] != 0.0])
    v = [1.0] * N
    lam_old = hi_old = -1.0
    lo = hi = lam = 0.0
    for it in range(1, itmax + 1):
        w = [v[i] + math.fsum(a * v[j] for j, a in nz[i]) for i in range(N)]
        vmax = max(v)
        ratios = [w[i] / v[i] for i in range(N)]
        hi = max(ratios) - 1.0
        lo = min(ratios[i] for i in range(N) if v[i] >= 1e-9 * vmax) - 1.0
        s = math.fsum(w)
        lam = s / math.fsum(v) - 1.0
        v = [t / s * N for t in w]
        if abs(lam - lam_old) < tol and abs(hi - hi_old) < tol and hi - lo < 1e-12:
            return lam, lo, hi, it
        lam_old, hi_old = lam, hi
    return lam, lo, hi, itmax


def fmt(v):
    return '0' if v == 0.0 else '%.17g' % v


def c_array(name, vals, per_line=4):
    out = ['static const double %s[%d] = {' % (name, len(vals))]
    for k in range(0, len(vals), per_line):
        out.append('    ' + ', '.join(fmt(v) for v in vals[k:k + per_line]) + ',')
    out.append('};')
    return '\n'.join(out)


def render_c(Z, Y, x, va, tot, maxcol, rho):
    zc = [Z[i][j] for j in range(N) for i in range(N)]   # column-major
    yc = [Y[i][k] for k in range(NR) for i in range(N)]
    nnz = sum(1 for v in zc if v != 0.0)
    L = []
    L.append('/* GENERATED by core/table/builtin/make_builtin_table.py from the CSV files in core/table/builtin/data/.')
    L.append(' * Do not edit: change the CSVs or the script and run')
    L.append(' *     python3 core/table/builtin/make_builtin_table.py BUILD/icstress')
    L.append(' * The built-in IC-chain MRIO table (prior from public figures, balanced with GRAS by')
    L.append(' * `icstress table balance`; see docs/data.md): 8 regions x 17')
    L.append(' * segments = 136 nodes (region-major), one final-demand column per region.')
    L.append(' * Units: million USD per year (2022 where possible).')
    L.append(' * Total gross output %.1f; %d non-zero flows; max column sum of A %.4f;' %
             (tot, nnz, maxcol))
    L.append(' * spectral radius of A %.6f. */' % rho)
    L.append('#include "ics_table.h"')
    L.append('')
    L.append('#include <string.h>')
    L.append('')
    L.append('#define BUILTIN_NREG %d' % NR)
    L.append('#define BUILTIN_NSEG %d' % NS)
    L.append('#define BUILTIN_N %d' % N)
    L.append('#define BUILTIN_NY %d' % NR)
    L.append('')
    L.append('static const char *const builtin_regions[BUILTIN_NREG] = {')
    L.append('    ' + ', '.join('"%s"' % r for r in REGIONS) + ',')
    L.append('};')
    L.append('static const char *const builtin_segments[BUILTIN_NSEG] = {')
    for k in range(0, NS, 4):
        L.append('    ' + ', '.join('"%s"' % s for s in SEGMENTS[k:k + 4]) + ',')
    L.append('};')
    L.append('/* final-demand columns: one per region, category "final_demand" */')
    L.append('static const char *const builtin_y_region[BUILTIN_NY] = {')
    L.append('    ' + ', '.join('"%s"' % r for r in REGIONS) + ',')
    L.append('};')
    L.append('static const char *const builtin_y_category = "final_demand";')
    L.append('')
    L.append('/* Z[i + j*n]: flow from node i to node j (column-major) */')
    L.append(c_array('builtin_Z', zc, 6))
    L.append('/* Y[i + k*n]: final demand for node i in region column k (column-major) */')
    L.append(c_array('builtin_Y', yc, 4))
    L.append('/* gross output */')
    L.append(c_array('builtin_x', x, 4))
    L.append('/* value added (plus inputs from outside the modelled chain) = x - 1\'Z */')
    L.append(c_array('builtin_va', va, 4))
    L.append('')
    L.append('ics_status ics_table_builtin(ics_table **out, ics_error *err)')
    L.append('{')
    L.append('    ics_status st = ICS_OK;')
    L.append('    ics_table *t = NULL;')
    L.append('    if (!out) return ics_error_set(err, ICS_EINTERNAL, "ics_table_builtin: out is NULL");')
    L.append('    *out = NULL;')
    L.append('    t = ics_table_create(BUILTIN_NREG, BUILTIN_NSEG, BUILTIN_N, BUILTIN_NY, err);')
    L.append('    if (!t) return (err && err->code != ICS_OK) ? err->code : ICS_ENOMEM;')
    L.append('    for (int r = 0; r < BUILTIN_NREG; ++r) {')
    L.append('        t->regions[r] = ics_strdup(builtin_regions[r], err);')
    L.append('        if (!t->regions[r]) { st = ICS_ENOMEM; goto done; }')
    L.append('    }')
    L.append('    for (int s = 0; s < BUILTIN_NSEG; ++s) {')
    L.append('        t->segments[s] = ics_strdup(builtin_segments[s], err);')
    L.append('        if (!t->segments[s]) { st = ICS_ENOMEM; goto done; }')
    L.append('    }')
    L.append('    for (int i = 0; i < BUILTIN_N; ++i) {')
    L.append('        t->node_region[i] = i / BUILTIN_NSEG;')
    L.append('        t->node_segment[i] = i % BUILTIN_NSEG;')
    L.append('    }')
    L.append('    for (int k = 0; k < BUILTIN_NY; ++k) {')
    L.append('        t->y_region[k] = ics_strdup(builtin_y_region[k], err);')
    L.append('        t->y_category[k] = ics_strdup(builtin_y_category, err);')
    L.append('        if (!t->y_region[k] || !t->y_category[k]) { st = ICS_ENOMEM; goto done; }')
    L.append('    }')
    L.append('    memcpy(t->Z, builtin_Z, sizeof builtin_Z);')
    L.append('    memcpy(t->Y, builtin_Y, sizeof builtin_Y);')
    L.append('    memcpy(t->x, builtin_x, sizeof builtin_x);')
    L.append('    memcpy(t->va, builtin_va, sizeof builtin_va);')
    L.append('    t->source = ics_strdup("builtin", err);')
    L.append('    if (!t->source) st = ICS_ENOMEM;')
    L.append('done:')
    L.append('    if (st != ICS_OK) {')
    L.append('        ics_table_destroy(&t);')
    L.append('        return st;')
    L.append('    }')
    L.append('    *out = t;')
    L.append('    return ICS_OK;')
    L.append('}')
    return '\n'.join(L) + '\n'


def md_escape(s):
    return str(s).replace('|', '/').replace('\n', ' ')


def print_doc(X, P, content, a, maxcol, maxnode, rho, lo, hi, tot, x, y, va):
    print('\n<!-- ===== BEGIN generated by make_builtin_table.py --doc ===== -->')
    print('\n#### Gross output by segment and region ($ bn, 2022)\n')
    print('| segment | world | ' + ' | '.join(REGIONS) + ' |')
    print('|---|---:|' + '---:|' * NR)
    for s in SEGMENTS:
        print('| %s | %.2f | %s |' % (s, X[s] / BN, ' | '.join(
            '%.2f' % (x[r * NS + SI[s]] / BN) for r in range(NR))))
    print('| **total** | **%.2f** | %s |' % (tot / BN, ' | '.join(
        '%.2f' % (math.fsum(x[r * NS:(r + 1) * NS]) / BN) for r in range(NR))))
    print('\n#### Input coefficients a[supplier, buyer] (per $ of buyer output, after any '
          'scaling)\n')
    print('| supplier | buyer | a |')
    print('|---|---|---:|')
    for s in SEGMENTS:
        for b in sorted(a[s], key=lambda k: SI[k]):
            print('| %s | %s | %.4f |' % (s, b, a[s][b]))
    print('\n#### Every input number used (from core/table/builtin/data/*.csv)\n')
    print('| file | table / metric / year | values | unit | status | source |')
    print('|---|---|---|---|---|---|')
    groups = []
    for u in USED:
        if (u[0], u[1]) not in groups:
            groups.append((u[0], u[1]))
    for f, g in groups:
        us = [u for u in USED if u[0] == f and u[1] == g]
        vals = '; '.join('%s %s' % (md_escape(u[2]), ('%.0f' % u[3]) if u[3] >= 1e5 else
                                    ('%g' % u[3])) for u in us)
        units = sorted(set(md_escape(u[4]) for u in us))
        stats = sorted(set(md_escape(u[5]) for u in us))
        srcs = sorted(set(md_escape(u[6])[:160] for u in us))
        print('| %s | %s | %s | %s | %s | %s |' % (f, md_escape(g), vals, ', '.join(units),
                                                  ', '.join(stats), ' ; '.join(srcs)))
    print('\n#### Assumptions used (core/table/builtin/data/assumptions.csv)\n')
    print('| name | value | unit | rationale |')
    print('|---|---:|---|---|')
    rows_ = {r['name']: r for r in read_csv('assumptions.csv')}
    for name in rows_:
        r = rows_[name]
        flag = '' if name in ASSUME_USED else ' (unused)'
        print('| %s%s | %s | %s | %s |' % (name, flag, r['value'], md_escape(r['unit']),
                                           md_escape(r['rationale'])))
    print('\n<!-- ===== END generated ===== -->')


if __name__ == '__main__':
    main()
