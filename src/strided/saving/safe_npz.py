"""`.npz` archives of weights, read member by member with every header checked first.

An npz is a zip of `.npy` members; each `.npy` is a magic string, a header naming dtype, order
and shape, then the raw values. `np.load` trusts the header: a 100-byte member declaring a
shape of (3e9, 2) makes it reserve 24 GB before reading. Here each header is parsed with
NumPy's own header reader (a literal dict, never pickle), the dtype must be a real number
type, and the declared byte count must equal what the member holds, before any array exists.
"""

import io

import numpy as np
from numpy.lib import format as npy_format

from strided.errors import FileFormatError, file_format_error
from strided.saving.safe_zip import SafeZip
from strided.saving.weight_checks import check_numeric_dtype

MAX_HEADER = 10_000  # NumPy's own limit for .npy headers


def _parse_npy(data, file, key, numeric=True):
    """The array in one `.npy` member's bytes, checked as described above."""
    stream = io.BytesIO(data)
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(stream, max_header_size=MAX_HEADER)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = npy_format.read_array_header_2_0(stream, max_header_size=MAX_HEADER)
        else:
            raise ValueError(f"unknown .npy version {version}")
    except (ValueError, OSError, EOFError, SyntaxError, TypeError, MemoryError, RecursionError) as error:
        raise file_format_error(file, f"npz key '{key}'", f"not a NumPy array header ({type(error).__name__}: "
                                f"{str(error)[:200]})") from None
    if dtype.hasobject:
        raise file_format_error(file, f"npz key '{key}'", "holds Python objects (pickled); expected numbers")
    if numeric:
        check_numeric_dtype(dtype, file, f"npz key '{key}'")
    if not all(isinstance(d, int) and d >= 0 for d in shape):
        raise file_format_error(file, f"npz key '{key}'", f"invalid shape {shape!r}")
    offset = stream.tell()
    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if declared != len(data) - offset:
        raise file_format_error(file, f"npz key '{key}'", f"the header declares shape {shape} of {dtype.str} "
                                f"({declared:,} bytes) but the member holds {len(data) - offset:,} bytes")
    values = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape, dtype=object)), offset=offset)
    order = "F" if fortran else "C"
    return values.reshape(shape, order=order).copy()


def read_npz_safely(source, file, numeric=True):
    """{key: array} from npz bytes or an npz path; FileFormatError names `file` and the key.

    Args:
        numeric: refuse any member that is not a real-valued number array (weights); with
            False, text and booleans are allowed (never Python objects).
    """
    arrays = {}
    with SafeZip(source, name=file) as archive:
        for member in archive.namelist():
            key = member[:-4] if member.endswith(".npy") else member
            if key in arrays:
                raise file_format_error(file, f"npz key '{key}'", "the key appears twice")
            data = archive.read(member)
            try:
                arrays[key] = _parse_npy(data, file, key, numeric)
            except FileFormatError:
                raise
            except (ValueError, TypeError, OverflowError, MemoryError) as error:
                raise file_format_error(file, f"npz key '{key}'", f"{type(error).__name__}: {error}") from None
    return arrays


__all__ = ["read_npz_safely"]
