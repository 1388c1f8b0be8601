"""The `.safetensors` format, parsed with NumPy only and checked like the reference library.

    8 bytes          N, the header's length (little-endian uint64)
    N bytes          JSON: {name: {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
                            "__metadata__": {str: str}}
    the rest         the tensors' bytes; offsets count from the end of the header

A file is refused (FileFormatError naming it and the tensor) unless the header is a bounded
JSON object, every dtype is known, every shape a list of non-negative ints, and the offsets
tile the data exactly: in range, in order, no overlap, no gap, each as long as its shape says.
"""

import collections
import math
import os
import struct

import numpy as np

from strided.errors import file_format_error
from strided.saving.safe_json import loads_bounded

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
          "U8": "u1", "BOOL": "?"}
MAX_HEADER = 100_000_000  # the reference library's limit


def _check_entry(path, name, info):
    part = f"tensor '{name}'"
    if not isinstance(info, dict):
        raise file_format_error(path, part, f"expected {{dtype, shape, data_offsets}}, found {type(info).__name__}")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise file_format_error(path, part, f"dtype {dtype!r}; expected one of {sorted(DTYPES)}")
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        raise file_format_error(path, part, f"shape {shape!r}; expected a list of non-negative integers")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
            or not 0 <= offsets[0] <= offsets[1]):
        raise file_format_error(path, part, f"data_offsets {offsets!r}; expected [begin, end] with "
                                "0 <= begin <= end")
    expected = math.prod(shape) * np.dtype(DTYPES[dtype]).itemsize
    if offsets[1] - offsets[0] != expected:
        raise file_format_error(path, part, f"shape {shape} of {dtype} needs {expected:,} bytes, its "
                                f"data_offsets {offsets} give {offsets[1] - offsets[0]:,}")
    return np.dtype(DTYPES[dtype]), shape, offsets


def read_safetensors(path):
    """{name: ndarray} from a .safetensors file, in file order; FileFormatError if anything is off."""
    path = os.fspath(path)
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        head = handle.read(8)
        if len(head) < 8:
            raise file_format_error(path, "header length", f"the file has {len(head)} bytes; expected at least 8")
        (header_size,) = struct.unpack("<Q", head)
        if header_size > min(MAX_HEADER, size - 8):
            raise file_format_error(path, "header length", f"declares a {header_size:,}-byte header in a "
                                    f"{size:,}-byte file: not a safetensors file, or truncated")
        header = loads_bounded(handle.read(header_size), path, "JSON header")
        if not isinstance(header, dict):
            raise file_format_error(path, "JSON header", f"expected an object, found {type(header).__name__}")
        metadata = header.pop("__metadata__", {})
        if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
            raise file_format_error(path, "__metadata__", "expected an object of strings")
        entries = sorted(((name, _check_entry(path, name, info)) for name, info in header.items()),
                         key=lambda entry: entry[1][2])
        data_size = size - 8 - header_size
        position = 0
        for name, (_, _, (begin, end)) in entries:
            if begin != position:
                problem = "overlaps the previous tensor" if begin < position else "leaves a gap before it"
                raise file_format_error(path, f"tensor '{name}'", f"data_offsets [{begin}, {end}] {problem}; "
                                        "expected tensors to tile the data exactly")
            position = end
        if position != data_size:
            raise file_format_error(path, "data", f"the tensors cover {position:,} bytes, the file holds "
                                    f"{data_size:,} after its header")
        data = handle.read()
    arrays = collections.OrderedDict()
    for name, (dtype, shape, (begin, end)) in entries:
        arrays[name] = np.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize,
                                     offset=begin).reshape(shape).copy()
    return arrays


__all__ = ["DTYPES", "read_safetensors"]
