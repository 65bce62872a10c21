#!/usr/bin/python3
"""The include graph against the documented layers (issue 12; core/README.md).

Reads the order of core/'s subsystems from core/README.md (the numbered list under
"## Layer order"), resolves every `#include "x.h"` in core/, kernels/ and drivers/ to its file by
basename, and fails (exit 1, one line per finding) when
  - a file in core/<sub>/ includes a header of a subsystem later in the order, or one at
    core/'s root (the public umbrella header sits above every subsystem);
  - kernels/ includes anything from core/ or drivers/, or core/ includes anything from drivers/;
  - files include each other in a cycle (the cycle is printed);
  - a core/ subfolder is not in the documented order or has no README.md;
  - two files share a basename (an include would be ambiguous).
An include that resolves to no file of the tree (system headers, the generated
icstress_version.h) is not checked. Usage: check_layers.py [--selftest] [SOURCE_DIR] (default:
this repository); --selftest plants each kind of violation in a copy of the tree and checks
that it is reported.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SOURCES = (".c", ".h")


def layer_order(root):
    path = os.path.join(root, "core", "README.md")
    try:
        text = open(path, encoding="utf-8").read()
    except OSError as e:
        sys.exit(f"check_layers: {path}: cannot read the layer order: {e.strerror}")
    m = re.search(r"^## Layer order\s*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        sys.exit(f"check_layers: {path}: no '## Layer order' section")
    order = re.findall(r"^\s*\d+\.\s+`([a-z0-9_]+)/`", m.group(1), re.M)
    if not order:
        sys.exit(f"check_layers: {path}: the '## Layer order' section lists no `sub/` folder")
    return order


def collect(root):
    """{relative path: text} of the C sources and headers under core/, kernels/, drivers/."""
    files = {}
    for top in ("core", "kernels", "drivers"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for f in sorted(filenames):
                if f.endswith(SOURCES):
                    p = os.path.join(dirpath, f)
                    files[os.path.relpath(p, root)] = open(p, encoding="utf-8",
                                                           errors="replace").read()
    return files


def where(rel):
    """('core', sub) for core/<sub>/..., ('core', None) for core's root, (top, None) else."""
    parts = rel.split(os.sep)
    if parts[0] == "core":
        return ("core", parts[1] if len(parts) > 2 else None)
    return (parts[0], None)


def find_cycles(graph):
    """Every elementary cycle found by depth-first search, each reported once (by its nodes)."""
    cycles, seen = [], set()
    state = {}

    def dfs(u, stack):
        state[u] = 1
        stack.append(u)
        for v in sorted(graph.get(u, ())):
            if state.get(v) == 1:
                cyc = stack[stack.index(v):] + [v]
                key = frozenset(cyc)
                if key not in seen:
                    seen.add(key)
                    cycles.append(cyc)
            elif v not in state:
                dfs(v, stack)
        stack.pop()
        state[u] = 2

    for u in sorted(graph):
        if u not in state:
            dfs(u, [])
    return cycles


def check(root):
    problems = []
    order = layer_order(root)
    rank = {s: i for i, s in enumerate(order)}
    core = os.path.join(root, "core")
    for sub in sorted(os.listdir(core)):
        if not os.path.isdir(os.path.join(core, sub)):
            continue
        if sub not in rank:
            problems.append(f"core/{sub}/: not in the layer order of core/README.md")
        if not os.path.isfile(os.path.join(core, sub, "README.md")):
            problems.append(f"core/{sub}/: no README.md (what it holds, what it may use, its "
                            "public header)")
    for sub in order:
        if not os.path.isdir(os.path.join(core, sub)):
            problems.append(f"core/README.md: subsystem '{sub}' has no folder core/{sub}/")

    files = collect(root)
    by_name = {}
    for rel in files:
        by_name.setdefault(os.path.basename(rel), []).append(rel)
    for name, rels in sorted(by_name.items()):
        if len(rels) > 1:
            problems.append(f"{name}: the same basename in {', '.join(sorted(rels))}")

    graph = {}
    for rel, text in sorted(files.items()):
        top, sub = where(rel)
        for m in INCLUDE.finditer(text):
            name = os.path.basename(m.group(1))
            if name not in by_name:
                continue  # system or generated header
            target = sorted(by_name[name])[0]
            line = text.count("\n", 0, m.start()) + 1
            ttop, tsub = where(target)
            if target != rel:
                graph.setdefault(rel, set()).add(target)
            what = f"{rel}:{line}: includes \"{m.group(1)}\" ({target})"
            if top == "kernels" and ttop != "kernels":
                problems.append(f"{what}: kernels/ are pure and may include only kernels/")
            elif top == "core" and ttop == "drivers":
                problems.append(f"{what}: core/ may not include drivers/")
            elif top == "core" and sub is not None and ttop == "core":
                if tsub is None:
                    problems.append(f"{what}: a subsystem may not include the public umbrella "
                                    "header at core/'s root")
                elif sub in rank and tsub in rank and rank[tsub] > rank[sub]:
                    problems.append(f"{what}: {sub} may include only {sub} and the subsystems "
                                    f"before it ({', '.join(order[:rank[sub]]) or 'none'}), "
                                    f"not {tsub}")
    for cyc in find_cycles(graph):
        problems.append("include cycle: " + " -> ".join(cyc))
    return order, len(files), problems


def selftest(root):
    """The check can fail: plant each kind of violation in a copy of the tree and expect it
    among the problems the unmodified tree does not have."""
    import shutil
    import tempfile

    def plant(tmp, rel, line):
        path = os.path.join(tmp, rel)
        text = open(path, encoding="utf-8").read()
        open(path, "w", encoding="utf-8").write(line + "\n" + text)

    cases = [
        ("an upward include", lambda t: plant(t, "core/base/ics_error.c",
                                               '#include "ics_table.h"'),
         "core/base/ics_error.c:1: includes \"ics_table.h\""),
        ("a kernel including core", lambda t: plant(t, "kernels/propagate.c",
                                                    '#include "ics_error.h"'),
         "kernels/ are pure"),
        ("core including drivers", lambda t: plant(t, "core/output/h5meta.c",
                                                   '#include "ics_driver.h"'),
         "core/ may not include drivers/"),
        ("an include cycle", lambda t: plant(t, "core/base/ics_error.h", '#include "ics_h5.h"'),
         "include cycle: "),
        ("a missing README", lambda t: os.remove(os.path.join(t, "core", "stats", "README.md")),
         "core/stats/: no README.md"),
    ]
    failures = 0
    _, _, baseline = check(root)
    for name, mutate, expect in cases:
        with tempfile.TemporaryDirectory() as tmp:
            for top in ("core", "kernels", "drivers"):
                shutil.copytree(os.path.join(root, top), os.path.join(tmp, top))
            mutate(tmp)
            _, _, problems = check(tmp)
        new = [p for p in problems if p not in baseline]
        ok = any(expect in p for p in new)
        print(f"check_layers selftest: {name}: " + (f"reported: {new[0]}" if ok else
              f"NOT reported (new problems: {new})"))
        failures += not ok
    return 1 if failures else 0


def main():
    args = [a for a in sys.argv[1:] if a != "--selftest"]
    root = args[0] if args else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if "--selftest" in sys.argv[1:]:
        return selftest(root)
    order, nfiles, problems = check(root)
    for p in problems:
        print(f"check_layers: {p}", file=sys.stderr)
    if problems:
        print(f"check_layers: {len(problems)} problem(s) in {nfiles} files", file=sys.stderr)
        return 1
    print(f"check_layers: {nfiles} files, layers {' < '.join(order)}: no upward include, "
          "no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
