# Spack recipe for icstress (untested: Spack is not available where icstress is tested; see
# docs/hpc.md). Copy into a Spack repository as packages/icstress/package.py.
from spack.package import *


class Icstress(CMakePackage):
    """Parallel scenario engine for a multi-regional input-output model of the
    integrated-circuit industry chain: stochastic shock ensembles through static and dynamic
    IO models, BLAS-3 batched, OpenMP + MPI, reproducible and resumable, HDF5 output."""

    homepage = "https://example.invalid/icstress"
    git = "https://example.invalid/icstress.git"
    maintainers = []
    license("BSD-3-Clause")

    version("main", branch="main")
    version("0.1.0", tag="v0.1.0")

    variant("tests", default=False, description="Build the cmocka test suite")

    depends_on("c", type="build")
    depends_on("cmake@3.18:", type="build")
    depends_on("pkgconfig", type="build")
    depends_on("mpi")
    depends_on("hdf5+mpi+hl")
    depends_on("openblas threads=openmp")
    depends_on("netlib-lapack+lapacke", when="^[virtuals=lapack] netlib-lapack")
    depends_on("libyaml")
    depends_on("gsl")
    depends_on("openssl")
    depends_on("cmocka", when="+tests", type="build")

    def cmake_args(self):
        return [
            self.define_from_variant("ICS_ENABLE_TESTS", "tests"),
            self.define("BLA_VENDOR", "OpenBLAS"),
            self.define("HDF5_PREFER_PARALLEL", True),
        ]
