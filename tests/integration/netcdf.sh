#!/usr/bin/env bash
# Result files as netCDF-4 datasets and CSV export (issue 13): tests/python/test_netcdf.py opens every group of a
# static, a DIIM, an ARIO, a sensitivity and a chokepoints result with xarray (h5netcdf) and
# netCDF4, checks labels and units, and runs ncdump -h. Debian's python3 (pytest, xarray,
# h5netcdf, netCDF4) and netcdf-bin are needed (.ci/deps).
set -euo pipefail
: "${ICS:?path to the icstress binary}" "${ICS_SOURCE_DIR:?}"
export ICS ICS_SOURCE_DIR
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "$ICS_SOURCE_DIR/tests/python/test_netcdf.py" \
  "$ICS_SOURCE_DIR/tests/python/test_export.py"
