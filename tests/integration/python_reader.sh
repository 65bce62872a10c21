#!/usr/bin/env bash
# The Python reader (python/icstress, issue 13): pytest files in tests/python make one small run
# of each kind with $ICS and check the frames against the raw HDF5 arrays, the figures of each
# HTML report, its rendering in headless Chromium, and `icstress report` of the C program.
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_SOURCE_DIR:?source tree}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$ICS_SOURCE_DIR/python${PYTHONPATH:+:$PYTHONPATH}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# Debian's interpreter (h5py, pandas, xarray, matplotlib, pytest from apt), never a pyenv shim.
/usr/bin/python3 -m pytest -q -p no:cacheprovider --basetemp="$tmp/pytest" "$ICS_SOURCE_DIR/tests/python"
