"""What a weight read from a file may be: a real-valued numeric array, nothing else.

A weight file can hold text ("1.5"), complex numbers (whose imaginary part a cast would drop
silently), dates, booleans, Python objects or records. None of them is a weight, so each is
refused with the file and the entry named, before any weight of the model is changed.
"""

import numpy as np

from strided.errors import file_format_error

NUMERIC_KINDS = "fiu"  # float, signed and unsigned integers
_KIND_NAMES = {"b": "booleans", "c": "complex numbers", "U": "text", "S": "bytes/text", "O": "Python objects",
               "M": "dates", "m": "time spans", "V": "records or raw bytes"}


def check_numeric_dtype(dtype, file, part):
    """Raise FileFormatError unless `dtype` is a plain real number type."""
    dtype = np.dtype(dtype)
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        what = _KIND_NAMES.get(dtype.kind, "a non-numeric type")
        raise file_format_error(file, part, f"expected a weight of real numbers (float or int), found {what} "
                                f"(dtype {dtype.str!r})")


def as_weight(array, variable, file, part):
    """`array` converted to `variable`'s dtype, after checking its type and shape.

    Called for every weight of a file before any is assigned, so a bad entry anywhere leaves
    the model as it was.
    """
    array = np.asarray(array)
    check_numeric_dtype(array.dtype, file, part)
    if tuple(array.shape) != tuple(variable.shape):
        raise file_format_error(file, part, f"weight '{variable.name}' has shape {tuple(variable.shape)} in the "
                                f"model, the file has {tuple(array.shape)}")
    return array.astype(variable.dtype, copy=False)  # converted now, so assigning cannot fail


__all__ = ["NUMERIC_KINDS", "as_weight", "check_numeric_dtype"]
