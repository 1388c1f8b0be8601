"""Read files written by `torch.save` with NumPy only, never running pickled code.

A `torch.save` file is a pickle whose tensors point at raw byte records ("storages"):

* the zip format (PyTorch >= 1.6): `<archive>/data.pkl` is the pickle, `<archive>/data/<key>` the
  raw little-endian bytes of storage `<key>`, plus `version`, `byteorder` and a few small records;
* the legacy format (`_use_new_zipfile_serialization=False`): four pickles in a row (magic
  number, protocol version, system info, the object), the list of storage keys, then for each
  key an int64 element count followed by the raw bytes.

The pickle goes through `_pickle_allowlist.RestrictedUnpickler` (tensors and plain containers
only); its `StoredTensor` placeholders become ndarrays once the storages are read. Every declared
storage size is checked against the bytes actually in the file before anything is allocated, and
every tensor must lie inside its storage, so a file cannot make strided allocate more than it holds.
"""

import collections
import io
import math
import os
import struct
import zipfile

import numpy as np

from strided.torch._pickle_allowlist import (
    ALLOWED_GLOBALS,
    RestrictedUnpickler,
    StoredTensor,
    TorchDtype,
    UnsafeFileError,
)

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
# deflate expands at most ~1032:1, so a compressed record can never honestly exceed this ratio
_MAX_COMPRESSION_RATIO = 1100
# an expanded tensor (stride 0) may hold more elements than its storage, up to this size
_MAX_EXPANDED_BYTES = 1 << 28


def _unpickle(data, source, storages):
    try:
        return RestrictedUnpickler(io.BytesIO(data), source, storages).load()
    except UnsafeFileError:
        raise
    except Exception as error:  # a damaged pickle: EOFError, UnpicklingError, TypeError, ...
        raise UnsafeFileError(f"{source}: not a readable torch file ({type(error).__name__}: {error})") from None


def _archive_prefix(names, source):
    pickles = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
    if not pickles:
        raise UnsafeFileError(f"{source}: a zip file without data.pkl is not a torch.save file")
    return pickles[0][: -len("data.pkl")]


def _read_zip(archive, source):
    names = archive.namelist()
    prefix = _archive_prefix(names, source)
    byteorder = (
        archive.read(prefix + "byteorder").decode() if prefix + "byteorder" in names else "little"
    )
    storages = {}
    obj = _unpickle(_read_record(archive, archive.getinfo(prefix + "data.pkl"), source), source, storages)
    arrays = {}
    for key, ref in storages.items():
        name = f"{prefix}data/{key}"
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise UnsafeFileError(f"{source}: storage record {name} is missing") from None
        expected = ref.numel * ref.dtype.itemsize
        if info.file_size < expected:
            raise UnsafeFileError(
                f"{source}: storage {name} declares {expected} bytes but holds {info.file_size}"
            )
        arrays[key] = _as_array(_read_record(archive, info, source, expected), ref, byteorder)
    return obj, arrays


def _read_record(archive, info, source, size=None):
    """A record's bytes (the first `size`), refusing compression no honest file could have."""
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > _MAX_COMPRESSION_RATIO * max(
        info.compress_size, 1
    ):
        raise UnsafeFileError(f"{source}: record {info.filename} is implausibly compressed")
    with archive.open(info) as record:
        return record.read(info.file_size if size is None else size)


def _read_legacy(stream, source, total_size):
    def small_pickle():
        return _unpickle_from_stream(stream, source, {})

    if small_pickle() != LEGACY_MAGIC:
        raise UnsafeFileError(f"{source}: not a torch.save file (neither a zip archive nor the legacy format)")
    if small_pickle() != LEGACY_PROTOCOL:
        raise UnsafeFileError(f"{source}: unknown legacy torch file protocol")
    sys_info = small_pickle()
    little = not isinstance(sys_info, dict) or sys_info.get("little_endian", True)
    storages = {}
    obj = _unpickle_from_stream(stream, source, storages)
    keys = small_pickle()
    arrays = {}
    for key in keys:
        ref = storages.get(str(key))
        if ref is None:
            raise UnsafeFileError(f"{source}: storage {key!r} is listed but never used")
        header = stream.read(8)
        if len(header) != 8:
            raise UnsafeFileError(f"{source}: truncated before storage {key!r}")
        (numel,) = struct.unpack("<q" if little else ">q", header)
        expected = numel * ref.dtype.itemsize
        if numel < ref.numel or expected > total_size - stream.tell():
            raise UnsafeFileError(f"{source}: storage {key!r} declares {expected} bytes the file does not hold")
        arrays[ref.key] = _as_array(stream.read(expected), ref, "little" if little else "big")
    return obj, arrays


def _unpickle_from_stream(stream, source, storages):
    try:
        return RestrictedUnpickler(stream, source, storages).load()
    except UnsafeFileError:
        raise
    except Exception as error:
        raise UnsafeFileError(f"{source}: not a readable torch file ({type(error).__name__}: {error})") from None


def _as_array(raw, ref, byteorder):
    dtype = ref.dtype if byteorder == "little" else ref.dtype.newbyteorder(">")
    array = np.frombuffer(raw, dtype=dtype, count=len(raw) // dtype.itemsize)
    if ref.storage_class == "BFloat16Storage":
        return (array.astype("<u4") << 16).view("<f4")
    return array.astype(ref.dtype.newbyteorder("="), copy=False)


def tensor_array(stored, arrays):
    """The ndarray a StoredTensor describes (a copy), after checking it lies inside its storage."""
    storage = arrays[stored.storage.key]
    size, stride = stored.size, stored.stride
    if len(size) != len(stride) or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise UnsafeFileError(f"tensor with size {size} and stride {stride} is malformed")
    if 0 in size:
        return np.zeros(size, dtype=storage.dtype)
    numel = math.prod(size)
    if numel > storage.size and numel * storage.itemsize > _MAX_EXPANDED_BYTES:
        raise UnsafeFileError(
            f"tensor of size {size} repeats its {storage.size} stored elements into "
            f"{numel * storage.itemsize} bytes (stride {stride}); refused to bound memory"
        )
    last = stored.offset + sum((n - 1) * s for n, s in zip(size, stride))
    if stored.offset < 0 or last >= storage.size:
        raise UnsafeFileError(
            f"tensor of size {size} at offset {stored.offset} reaches element {last}, "
            f"but its storage holds {storage.size}"
        )
    view = np.lib.stride_tricks.as_strided(
        storage[stored.offset :],
        shape=size,
        strides=[s * storage.itemsize for s in stride],
        writeable=False,
    )
    return np.array(view)


def materialize(obj, convert):
    """`obj` with every StoredTensor replaced by `convert(stored)`, through plain containers."""
    if isinstance(obj, StoredTensor):
        return convert(obj)
    if isinstance(obj, collections.OrderedDict):
        return collections.OrderedDict((k, materialize(v, convert)) for k, v in obj.items())
    if isinstance(obj, dict):
        return type(obj)((k, materialize(v, convert)) for k, v in obj.items())
    if isinstance(obj, list):
        return [materialize(v, convert) for v in obj]
    if isinstance(obj, tuple):
        return tuple(materialize(v, convert) for v in obj)
    if isinstance(obj, (set, frozenset)):
        return type(obj)(materialize(v, convert) for v in obj)
    return obj


def read_torch_file(source, convert=None):
    """The object of a `torch.save` file, tensors as ndarrays (or as `convert(array, stored)`).

    Args:
        source: a path or a binary file object opened for reading.
        convert: optional `(ndarray, StoredTensor) -> object`, e.g. to make framework tensors.

    Raises:
        UnsafeFileError: the file is damaged, or holds anything but tensors and plain containers.
    """
    convert = convert or (lambda array, stored: array)
    if isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        with open(name, "rb") as stream:
            return _read_stream(stream, name, convert)
    return _read_stream(source, getattr(source, "name", "<file object>"), convert)


def _read_stream(stream, name, convert):
    start = stream.tell()
    total = stream.seek(0, os.SEEK_END) - start
    stream.seek(start)
    if zipfile.is_zipfile(stream):
        stream.seek(start)
        try:
            with zipfile.ZipFile(stream) as archive:
                obj, arrays = _read_zip(archive, name)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
            raise UnsafeFileError(f"{name}: damaged torch zip file ({error})") from None
    else:
        stream.seek(start)
        obj, arrays = _read_legacy(stream, name, total + start)
    try:
        return materialize(obj, lambda stored: convert(tensor_array(stored, arrays), stored))
    except RecursionError:
        raise UnsafeFileError(f"{name}: containers nested too deeply (or holding themselves)") from None
    except (TypeError, ValueError, AttributeError, OverflowError) as error:
        if isinstance(error, UnsafeFileError):
            raise
        raise UnsafeFileError(f"{name}: a tensor in the file is malformed ({error})") from None


__all__ = ["ALLOWED_GLOBALS", "StoredTensor", "TorchDtype", "UnsafeFileError", "materialize", "read_torch_file"]
