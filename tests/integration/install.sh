#!/usr/bin/env bash
# Install and packages: `cmake --install` into a scratch prefix, the installed program runs; a
# consumer project outside the tree builds against the installed library with find_package and
# with pkg-config, and its ensemble equals the CLI's (h5diff); `cpack -G DEB` builds a package
# that, unpacked into a scratch root, runs `icstress info` and a small run.
set -euo pipefail
build=$(dirname "$ICS")
src=${ICS_SOURCE_DIR:?}
if grep -q '^ICS_ENABLE_SANITIZERS:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "install: skipped in the sanitizer build (an outside program would need the sanitizer runtime)"
  exit 77
fi
tmp=$(mktemp -d)
# values bit for bit (h5diff would also count the attributes the CLI adds)
same() {
  /usr/bin/python3 -c "
import sys, h5py, numpy as np
a = h5py.File(sys.argv[1], 'r')['/scenarios/total_output_loss'][...]
b = h5py.File(sys.argv[2], 'r')['/scenarios/total_output_loss'][...]
assert a.shape == b.shape and np.array_equal(a.view(np.uint64), b.view(np.uint64)), (sys.argv[1], sys.argv[2])
" "$1" "$2"
}
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
"$prefix/bin/icstress" info | grep -q "^BLAS core:"
test -f "$prefix/include/icstress/icstress.h"
test -f "$prefix/lib/cmake/icstress/icstress-config.cmake"
test -f "$prefix/lib/pkgconfig/icstress.pc"
test -f "$prefix/share/icstress/configs/default.yaml"
# the Python reader lands under the prefix too (nothing outside it), and the installed
# `icstress report` finds it there
ls "$prefix"/lib/python3*/dist-packages/icstress/__init__.py >/dev/null

cat > "$tmp/c.yaml" <<'YAML'
table: builtin
model: leontief
scenarios: 3000
seed: 7
sampler: sobol
shocks:
  - name: downturn
    type: final_demand
    segments: ["end_*"]
    change: {dist: uniform, min: -0.2, max: 0.0}
output:
  store: [total_output_loss]
YAML
(cd "$tmp" && "$prefix/bin/icstress" run c.yaml -o cli.h5 --quiet)
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import matplotlib, pandas, xarray" 2>/dev/null; then
  (cd "$tmp" && "$prefix/bin/icstress" report cli.h5 -o report.html >/dev/null)
  grep -q "<img" "$tmp/report.html"
fi

# find_package
cmake -S "$src/tests/consumer" -B "$tmp/cbuild" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/cbuild" >/dev/null
LD_LIBRARY_PATH="$prefix/lib" "$tmp/cbuild/consumer" "$tmp/c.yaml" "$tmp/cm.h5"
same "$tmp/cli.h5" "$tmp/cm.h5"
# pkg-config
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cc -std=c11 -o "$tmp/consumer_pc" "$src/tests/consumer/main.c" \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs icstress)
LD_LIBRARY_PATH="$prefix/lib" "$tmp/consumer_pc" "$tmp/c.yaml" "$tmp/pc.h5"
same "$tmp/cli.h5" "$tmp/pc.h5"
echo "install: find_package and pkg-config consumers equal the CLI bit for bit"

# Debian package
if command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null; then
  (cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >/dev/null)
  deb=$(ls "$tmp"/pkg/icstress_*.deb)
  dpkg-deb -f "$deb" Depends | tee "$tmp/depends"
  grep -q "libhdf5-openmpi" "$tmp/depends"
  dpkg -x "$deb" "$tmp/root"
  "$tmp/root/usr/bin/icstress" info | grep -q "^BLAS core:"
  (cd "$tmp" && "$tmp/root/usr/bin/icstress" run c.yaml -o deb.h5 --quiet)
  h5diff "$tmp/cli.h5" "$tmp/deb.h5" /scenarios
  echo "install: $(basename "$deb") unpacked into a scratch root runs and equals the CLI"
  # the man page and the completion are in the package, and man renders the page
  man1="$tmp/root/usr/share/man/man1/icstress.1.gz"
  test -s "$man1"
  test -s "$tmp/root/usr/share/bash-completion/completions/icstress"
  if command -v man >/dev/null; then
    LC_ALL=C MANWIDTH=80 man -l "$man1" >"$tmp/man.txt" 2>&1
    grep -q "icstress run CONFIG" "$tmp/man.txt"
  fi
  # lintian: no errors, and none about the man page (warnings are listed in docs/hpc.md)
  if command -v lintian >/dev/null; then
    lintian "$deb" >"$tmp/lintian" 2>&1 || true
    cat "$tmp/lintian"
    if grep -E "^E: |no-manual-page|manpage-" "$tmp/lintian"; then
      echo "install: lintian reports the above" >&2
      exit 1
    fi
  fi
else
  echo "install: dpkg-dev missing, the .deb part was not checked" >&2
  exit 1
fi
