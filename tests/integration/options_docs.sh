#!/usr/bin/env bash
# The docs and the option tables agree (rules in docs/cli.md, "How the docs are checked"):
# docs/cli.md's reference is what `icstress --markdown` prints, every option the docs mention
# exists (for the command it is given to), and every option in the tables is documented.
set -uo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_SOURCE_DIR:?source directory}"
exec /usr/bin/python3 "$ICS_SOURCE_DIR/tests/integration/options_docs.py" "$ICS" "$ICS_SOURCE_DIR"
