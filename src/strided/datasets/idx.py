"""The IDX file format of MNIST and Fashion-MNIST, parsed and checked.

An IDX file is a 4-byte magic number, one big-endian uint32 per dimension, then the values:

    magic = 0x00 0x00 <type code> <number of dimensions>
    dims  = ndim x uint32 (big-endian)
    data  = prod(dims) values of the type, big-endian, row-major

Images are magic 2051 (0x00000803: uint8, 3 dims N x 28 x 28); labels are 2049 (0x00000801:
uint8, 1 dim N). The reader checks the magic number, the dimensions and that the file holds
exactly prod(dims) values, so a truncated file is an error naming the file, never a short dataset.
A gzip stream is decompressed with a bound on its output (the file's known size, or
MAX_IDX_BYTES), so a small crafted .gz cannot expand to gigabytes.
"""

import math
import zlib
from pathlib import Path

import numpy as np

from strided.datasets.errors import DatasetError

# type code -> big-endian NumPy dtype
IDX_TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


MAX_IDX_BYTES = 1 << 26  # the largest IDX file read when its size is not known (64 MiB; MNIST's is 45)


def decompress(data, name="<bytes>", max_bytes=MAX_IDX_BYTES):
    """`data` itself, or its decompressed contents (a bytearray) if it is gzip (magic 1f 8b).

    Decompression stops as soon as the output passes `max_bytes`, which raises DatasetError;
    so does a damaged or truncated gzip stream. Both name the file.
    """
    if data[:2] != b"\x1f\x8b":
        return data
    out = bytearray()  # grown 1 MiB at a time: memory stays within max_bytes + 1 MiB
    try:
        while data:
            stream, pending = zlib.decompressobj(wbits=31), data  # one gzip member
            while not stream.eof:
                chunk = stream.decompress(pending, 1 << 20)
                out += chunk
                if len(out) > max_bytes:
                    raise DatasetError(f"{name}: the gzip data decompresses to more than {max_bytes:,} bytes, "
                                       "more than this file can hold; refused (a damaged or crafted file).",
                                       file=name, part="gzip stream")
                pending = stream.unconsumed_tail
                if not chunk and not pending:
                    raise EOFError("the stream ends before its end marker")
            data = stream.unused_data
            if data[:2] != b"\x1f\x8b" and not data.strip(b"\0"):
                break  # trailing padding
    except (zlib.error, EOFError) as error:
        raise DatasetError(
            f"{name}: the gzip data is damaged or truncated ({error}). Delete the file and fetch it again.",
            file=name, part="gzip stream") from None
    return out


def read_bytes(path, max_bytes=MAX_IDX_BYTES):
    """The contents of a file, decompressed (at most `max_bytes`) if it is gzip."""
    return decompress(Path(path).read_bytes(), str(path), max_bytes)


def parse_idx(data, name="<bytes>", magic=None, shape=None):
    """Parse the bytes of an IDX file into a NumPy array (native byte order).

    Args:
        data: the (decompressed) file contents.
        name: the file name used in error messages.
        magic: the expected magic number (2051 for images, 2049 for labels), or None for any.
        shape: the expected dimensions; None entries match anything, e.g. (None, 28, 28).

    Returns:
        A writable array of shape `dims` and the file's value type.

    Example:
        >>> header = bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big")
        >>> parse_idx(header + bytes([7, 2, 1]), magic=2049)
        array([7, 2, 1], dtype=uint8)
    """
    if len(data) < 4:
        raise DatasetError(f"{name}: not an IDX file: only {len(data)} bytes long.")
    if data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise DatasetError(
            f"{name}: not an IDX file: the magic number is {int.from_bytes(data[:4], 'big')} "
            f"(bytes {data[:4].hex(' ')}); IDX files start with 00 00 <type> <ndim>."
        )
    found_magic = int.from_bytes(data[:4], "big")
    if magic is not None and found_magic != magic:
        raise DatasetError(
            f"{name}: wrong IDX magic number {found_magic}, expected {magic} "
            f"({'images' if magic == 2051 else 'labels' if magic == 2049 else 'another kind of IDX file'}). "
            "Are the image and label files swapped?"
        )
    dtype, ndim = IDX_TYPES[data[2]], data[3]
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DatasetError(
            f"{name}: truncated IDX header ({len(data)} bytes; {ndim} dimensions need {header_size})."
        )
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if shape is not None and (
        len(dims) != len(shape) or any(s is not None and s != d for s, d in zip(shape, dims))
    ):
        raise DatasetError(
            f"{name}: the IDX dimensions are {dims}, expected {tuple(shape)} (None = any)."
        )
    count = math.prod(dims)  # Python ints: no overflow for crafted dimensions
    expected_size = header_size + count * dtype.itemsize
    if len(data) != expected_size:
        problem = "truncated" if len(data) < expected_size else "has extra bytes after the data"
        raise DatasetError(
            f"{name}: the file is {problem}: its header promises {dims} values of {dtype.name} "
            f"({expected_size:,} bytes in all) but it holds {len(data):,} bytes."
        )
    values = np.frombuffer(data, dtype=dtype, count=count, offset=header_size).reshape(dims)
    return values.astype(dtype.newbyteorder("="), copy=True)  # native order, writable


def read_idx(path, magic=None, shape=None, max_bytes=MAX_IDX_BYTES):
    """Read an IDX file (raw or .gz, decompressed to at most `max_bytes`); see `parse_idx`.

    >>> x = read_idx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", 2051, (None, 28, 28))  # doctest: +SKIP
    >>> x.shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    if Path(path).stat().st_size > max_bytes:
        raise DatasetError(f"{path}: {Path(path).stat().st_size:,} bytes, more than max_bytes={max_bytes:,}.",
                           file=str(path))
    return parse_idx(read_bytes(path, max_bytes), name=str(path), magic=magic, shape=shape)


__all__ = ["IDX_TYPES", "MAX_IDX_BYTES", "decompress", "parse_idx", "read_bytes", "read_idx"]
