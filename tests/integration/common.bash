# Helpers sourced by the integration tests (not a test itself: tests/CMakeLists.txt runs *.sh).
#
# icstress warns once per command when OpenBLAS runs its generic kernels on a CPU that could
# run faster ones (OpenBLAS 0.3.21 does not recognise some recent CPUs and falls back to
# Prescott when OPENBLAS_CORETYPE is unset; core/base/sysinfo.c). That line says something
# about the machine, not about the command, so the tests' "exactly one stderr line" counts
# every other line.
ICS_ENV_WARNING="OpenBLAS is using its generic"

# not_env FILE: FILE without that warning
not_env() { grep -v -- "$ICS_ENV_WARNING" "$1" || true; }
# err_lines FILE: the number of FILE's lines besides that warning
err_lines() { not_env "$1" | wc -l; }
