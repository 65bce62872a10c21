"""icstress: read icstress result files (HDF5) into pandas/xarray, draw figures, write reports.

    import icstress
    res = icstress.open("results.h5")
    df = res.scenarios()
"""

from .reader import FormatError, Results, Table, open  # noqa: A004
from . import plots, report  # noqa: E402

__version__ = "0.1.0"
__all__ = ["open", "Results", "Table", "FormatError", "plots", "report", "__version__"]
