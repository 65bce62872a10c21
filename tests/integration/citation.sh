#!/usr/bin/env bash
# LICENSE, CITATION.cff and CHANGELOG.md exist; CITATION.cff is valid CFF 1.2 as far as a YAML
# check can say (the keys the Citation File Format requires, with the right types), and its
# version is the one the program reports.
set -euo pipefail
src=${ICS_SOURCE_DIR:?}
test -s "$src/LICENSE" && grep -q "BSD 3-Clause" "$src/LICENSE"
test -s "$src/CHANGELOG.md"
ver=$("$ICS" --version | awk '{print $2}')
/usr/bin/python3 - "$src/CITATION.cff" "$ver" "$src/CHANGELOG.md" <<'PY'
import sys, yaml, datetime
cff = yaml.safe_load(open(sys.argv[1]))
ver = sys.argv[2]
for key in ("cff-version", "message", "title", "authors", "version"):
    assert key in cff, f"CITATION.cff lacks required key {key!r}"
assert str(cff["cff-version"]).startswith("1.2"), cff["cff-version"]
assert isinstance(cff["authors"], list) and cff["authors"], "authors must be a non-empty list"
for a in cff["authors"]:
    assert "name" in a or "family-names" in a, f"author without a name: {a}"
assert str(cff["version"]) == ver, f"CITATION.cff version {cff['version']} != icstress --version {ver}"
if "date-released" in cff:
    datetime.date.fromisoformat(str(cff["date-released"]))
assert cff.get("license") in (None, "BSD-3-Clause"), cff.get("license")
log = open(sys.argv[3]).read()
assert f"## {ver}" in log, f"CHANGELOG.md has no section for {ver}"
print(f"citation: CITATION.cff valid, version {ver} matches --version and CHANGELOG")
PY
