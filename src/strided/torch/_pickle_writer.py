"""Write PyTorch's zip checkpoint format without torch: the pickle opcodes by hand, the storages raw.

`torch.load(path, weights_only=True)` accepts a file when its `data.pkl` names only allowed globals
(`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`, `torch.FloatStorage`, ...). Python's
own pickler cannot write a reference to `torch._utils._rebuild_tensor_v2` without importing torch
(it checks that the name resolves), so this module emits the protocol-2 opcodes itself, for the
objects a checkpoint holds: tensors, dicts (plain and ordered), lists, tuples, sets, None, bools,
ints, floats, complex numbers, strings and bytes. The layout of the zip file is torch.save's:

    <archive>/data.pkl            the pickle; a tensor is
                                  _rebuild_tensor_v2(("storage", torch.FloatStorage, "0", "cpu", numel),
                                                     offset, size, stride, requires_grad, OrderedDict())
    <archive>/.format_version     "1"
    <archive>/.storage_alignment  "64"
    <archive>/byteorder           "little"
    <archive>/data/0, data/1 ...  each storage's raw little-endian bytes, starting on a 64-byte boundary
    <archive>/version             "3"
"""

import collections
import io
import struct
import zipfile

import numpy as np

# NumPy dtype -> the storage class torch pickles for it
STORAGE_CLASSES = {
    np.dtype("float64"): "DoubleStorage",
    np.dtype("float32"): "FloatStorage",
    np.dtype("float16"): "HalfStorage",
    np.dtype("int64"): "LongStorage",
    np.dtype("int32"): "IntStorage",
    np.dtype("int16"): "ShortStorage",
    np.dtype("int8"): "CharStorage",
    np.dtype("uint8"): "ByteStorage",
    np.dtype("bool"): "BoolStorage",
    np.dtype("complex64"): "ComplexFloatStorage",
    np.dtype("complex128"): "ComplexDoubleStorage",
}
ALIGNMENT = 64


class TensorRecord:
    """What the writer needs of a tensor: its array and whether it is a Parameter / requires grad."""

    def __init__(self, array, requires_grad=False, parameter=False):
        self.array, self.requires_grad, self.parameter = array, requires_grad, parameter


class PickleWriter:
    """Protocol-2 opcodes for checkpoint objects; tensors become persistent storage references.

    Args:
        as_tensor: `object -> TensorRecord or None`, recognising the front end's tensors.
        where: the file name, for error messages.
        dtype_name: `object -> "float32" or None`, recognising the front end's dtype objects
            (pickled as the globals `torch.float32`, ...).
    """

    def __init__(self, as_tensor, where, dtype_name=None):
        self.out = io.BytesIO()
        self.as_tensor, self.where = as_tensor, where
        self.dtype_name = dtype_name or (lambda obj: None)
        self.storages = []  # arrays, in key order
        self.keys = {}  # id(tensor object) -> key, so a tensor saved twice is stored once

    def dump(self, obj):
        self.out.write(b"\x80\x02")
        self.save(obj, "the saved object")
        self.out.write(b".")
        return self.out.getvalue()

    def global_(self, module, name):
        self.out.write(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def save(self, obj, path):
        w = self.out.write
        record = self.as_tensor(obj)
        if record is not None:
            return self.save_tensor(obj, record, path)
        dtype_name = self.dtype_name(obj)
        if dtype_name is not None:
            self.global_("torch", dtype_name)
        elif obj is None:
            w(b"N")
        elif obj is True or obj is False:
            w(b"\x88" if obj else b"\x89")
        elif isinstance(obj, (int, np.integer)):
            self.save_int(int(obj))
        elif isinstance(obj, (float, np.floating)):
            w(b"G" + struct.pack(">d", float(obj)))
        elif isinstance(obj, complex):
            self.global_("builtins", "complex")
            self.save_tuple((obj.real, obj.imag), path)
            w(b"R")
        elif isinstance(obj, str):
            self.save_str(obj)
        elif isinstance(obj, (bytes, bytearray)):
            self.global_("_codecs", "encode")  # protocol 2 has no bytes opcode; as torch writes them
            self.save_tuple((bytes(obj).decode("latin1"), "latin1"), path)
            w(b"R")
        elif isinstance(obj, tuple):
            self.save_tuple(obj, path)
        elif isinstance(obj, list):
            w(b"]")
            self.save_items(obj, path, b"e")
        elif isinstance(obj, (set, frozenset)):
            self.global_("builtins", "set" if isinstance(obj, set) else "frozenset")
            w(b"]")
            self.save_items(list(obj), path, b"e")
            w(b"\x85R")
        elif isinstance(obj, dict):
            if isinstance(obj, collections.OrderedDict):
                self.global_("collections", "OrderedDict")
                w(b")R")
            else:
                w(b"}")
            self.save_items(obj.items(), path, b"u", pairs=True)
        else:
            raise TypeError(
                f"strided.torch.save({self.where}): cannot save {path} of type {type(obj).__name__}. "
                "It saves tensors and plain containers (dict, list, tuple, numbers, strings), which "
                "any PyTorch opens with torch.load(weights_only=True); save a model's or an "
                "optimizer's state_dict() rather than the object itself."
            )

    def save_int(self, value):
        w = self.out.write
        if 0 <= value < 256:
            w(b"K" + bytes([value]))
        elif 0 <= value < 65536:
            w(b"M" + struct.pack("<H", value))
        elif -(2**31) <= value < 2**31:
            w(b"J" + struct.pack("<i", value))
        else:
            encoded = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
            w(b"\x8a" + bytes([len(encoded)]) + encoded)

    def save_str(self, text):
        data = text.encode("utf-8", "surrogatepass")
        self.out.write(b"X" + struct.pack("<I", len(data)) + data)

    def save_tuple(self, items, path):
        if len(items) <= 3:
            for i, item in enumerate(items):
                self.save(item, f"{path}[{i}]")
            self.out.write([b")", b"\x85", b"\x86", b"\x87"][len(items)])
        else:
            self.out.write(b"(")
            for i, item in enumerate(items):
                self.save(item, f"{path}[{i}]")
            self.out.write(b"t")

    def save_items(self, items, path, opcode, pairs=False):
        items = list(items)
        if not items:
            return
        self.out.write(b"(")
        for i, item in enumerate(items):
            if pairs:
                key, value = item
                self.save(key, f"{path} key {key!r}")
                self.save(value, f"{path}[{key!r}]")
            else:
                self.save(item, f"{path}[{i}]")
        self.out.write(opcode)

    def save_tensor(self, obj, record, path):
        array = np.asarray(record.array)
        if array.dtype not in STORAGE_CLASSES:
            raise TypeError(
                f"strided.torch.save({self.where}): {path} has dtype {array.dtype}, which has no "
                "PyTorch storage type."
            )
        w = self.out.write
        if record.parameter:
            self.global_("torch._utils", "_rebuild_parameter")
        key = self.keys.get(id(obj))
        if key is None:
            key = self.keys[id(obj)] = str(len(self.storages))
            self.storages.append(np.array(array, dtype=array.dtype.newbyteorder("<"), order="C"))
        self.global_("torch._utils", "_rebuild_tensor_v2")
        w(b"(")
        w(b"(")
        self.save_str("storage")
        self.global_("torch", STORAGE_CLASSES[array.dtype])
        self.save_str(key)
        self.save_str("cpu")
        self.save_int(int(array.size))
        w(b"tQ")  # the storage reference tuple, as a persistent id
        self.save_int(0)
        self.save_tuple(tuple(int(n) for n in array.shape), path)
        self.save_tuple(contiguous_strides(array.shape), path)
        w(b"\x88" if record.requires_grad and not record.parameter else b"\x89")
        self.global_("collections", "OrderedDict")
        w(b")R")
        w(b"tR")
        if record.parameter:
            w(b"\x88" if record.requires_grad else b"\x89")
            self.global_("collections", "OrderedDict")
            w(b")R\x87R")


def contiguous_strides(shape):
    """Row-major element strides: (C*H*W, H*W, W, 1) for (N, C, H, W)."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(int(n), 1)
    return tuple(reversed(strides))


def _padding_extra(offset, name):
    """A zip extra field that makes the record's data start on an ALIGNMENT boundary (as torch does)."""
    header = 30 + len(name.encode())
    pad = (-(offset + header + 4)) % ALIGNMENT
    return b"FB" + struct.pack("<H", pad) + b"Z" * pad


def write_archive(file, pickle_bytes, storages, archive_name):
    """The zip container of torch.save, records uncompressed and storages aligned."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:

        def record(name, data):
            info = zipfile.ZipInfo(f"{archive_name}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.extra = _padding_extra(archive.fp.tell(), info.filename)
            archive.writestr(info, data)

        record("data.pkl", pickle_bytes)
        record(".format_version", b"1")
        record(".storage_alignment", str(ALIGNMENT).encode())
        record("byteorder", b"little")
        for key, array in enumerate(storages):
            record(f"data/{key}", array.tobytes())
        record("version", b"3\n")


__all__ = ["PickleWriter", "TensorRecord", "contiguous_strides", "write_archive"]
