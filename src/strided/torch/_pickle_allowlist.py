"""What a torch checkpoint's pickle may name, and the unpickler that allows nothing else.

In a `torch.save` pickle a tensor is `torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, requires_grad, hooks)` where `storage` is a persistent id `("storage", torch.FloatStorage,
key, location, numel)`. `RestrictedUnpickler` resolves only ALLOWED_GLOBALS -- tensor and Parameter
rebuilding, storage and dtype names, OrderedDict and a few builtins, the names
`torch.load(weights_only=True)` accepts -- each replaced by strided's own harmless stand-in, and
refuses every other global with `UnsafeFileError`, so a file cannot call `os.system` or import
anything. Tensors come back as `StoredTensor` placeholders (see `_pickle_reader`). The stand-ins
and placeholders are sealed: the pickle BUILD opcode cannot rewrite them.
"""

import collections
import pickle

import numpy as np

try:  # the project's load error, when it exists
    from strided.errors import FileFormatError as _BaseFileError
except ImportError:  # pragma: no cover - older trees
    _BaseFileError = ValueError


class UnsafeFileError(_BaseFileError):
    """A torch file that is damaged, or asks to run code that strided refuses to run."""



# storage class name -> little-endian NumPy dtype of its elements
STORAGE_DTYPES = {
    "DoubleStorage": "<f8",
    "FloatStorage": "<f4",
    "HalfStorage": "<f2",
    "BFloat16Storage": "<u2",  # NumPy has no bfloat16: widened to float32 when read
    "LongStorage": "<i8",
    "IntStorage": "<i4",
    "ShortStorage": "<i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
    "ComplexFloatStorage": "<c8",
    "ComplexDoubleStorage": "<c16",
}
# `torch.float32` and friends as pickled globals -> NumPy dtype names
TORCH_DTYPES = {
    "float64": "float64", "double": "float64", "float32": "float32", "float": "float32",
    "float16": "float16", "half": "float16", "bfloat16": "bfloat16", "int64": "int64",
    "long": "int64", "int32": "int32", "int": "int32", "int16": "int16", "short": "int16",
    "int8": "int8", "uint8": "uint8", "bool": "bool", "complex64": "complex64",
    "complex128": "complex128",
}  # fmt: skip


class _Sealed:
    """Objects the unpickler hands out: a file's BUILD opcode must not rewrite their fields."""

    __slots__ = ()

    def __setstate__(self, state):
        raise UnsafeFileError("a torch file tried to set attributes on a storage or tensor")


class StorageRef(_Sealed):
    """A storage named in the pickle: its element dtype, key and declared element count."""

    __slots__ = ("storage_class", "dtype", "key", "numel", "location")

    def __init__(self, storage_class, key, numel, location):
        self.storage_class = storage_class
        self.dtype = np.dtype(STORAGE_DTYPES[storage_class])
        self.key = str(key)
        self.numel = int(numel)
        self.location = location


class StoredTensor(_Sealed):
    """`_rebuild_tensor_v2`'s arguments, kept until the storages are read."""

    __slots__ = ("storage", "offset", "size", "stride", "requires_grad", "parameter")

    def __init__(self, storage, offset, size, stride, requires_grad=False, parameter=False):
        self.storage = storage
        self.offset, self.size, self.stride = int(offset), tuple(size), tuple(stride)
        self.requires_grad = bool(requires_grad)
        self.parameter = parameter


class TorchDtype(str):
    """A pickled `torch.float32`-style dtype, kept as its name ("float32")."""

    __slots__ = ()  # no __dict__: a file's BUILD opcode cannot decorate the shared instances


class Allowed:
    """One allowed global: calling it calls `function`; nothing in a file can change it.

    The pickle BUILD opcode sets attributes on the object it follows; `__slots__`, `__setattr__`
    and `__setstate__` make every allowed global immune to that.
    """

    __slots__ = ("function", "storage_class", "name")

    def __init__(self, name, function=None, storage_class=None):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "function", function)
        object.__setattr__(self, "storage_class", storage_class)

    def __call__(self, *args):
        if self.function is None:
            raise UnsafeFileError(f"'{self.name}' cannot be called in a torch file")
        return self.function(*args)

    def __setattr__(self, key, value):
        raise UnsafeFileError(f"a torch file tried to change '{self.name}'")

    def __setstate__(self, state):
        raise UnsafeFileError(f"a torch file tried to change '{self.name}'")

    def __repr__(self):
        return self.name


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    if not isinstance(storage, StorageRef):
        raise UnsafeFileError("_rebuild_tensor_v2 received something that is not a storage")
    return StoredTensor(storage, offset, size, stride, requires_grad)


def _rebuild_tensor(storage, offset, size, stride):
    return _rebuild_tensor_v2(storage, offset, size, stride)


def _rebuild_parameter(data, requires_grad, hooks=None, state=None):
    if not isinstance(data, StoredTensor):
        raise UnsafeFileError("_rebuild_parameter received something that is not a tensor")
    data.requires_grad, data.parameter = bool(requires_grad), True
    return data


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor subclass rebuilt by `func(*args)`; only Tensor and Parameter are accepted."""
    rebuilds = ("torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", "torch._utils._rebuild_tensor")
    if getattr(func, "name", None) not in rebuilds:
        raise UnsafeFileError("_rebuild_from_type_v2 with a function that is not a tensor rebuild")
    if getattr(new_type, "name", None) not in ("torch.Tensor", "torch.nn.parameter.Parameter"):
        raise UnsafeFileError(f"tensor subclass {new_type!r:.80} is not supported")
    tensor = func(*args)
    if new_type.name == "torch.nn.parameter.Parameter" and isinstance(tensor, StoredTensor):
        tensor.parameter = True
    return tensor


def _codecs_encode(text, encoding="utf-8"):
    """How protocol-2 pickles store bytes: `_codecs.encode(str, "latin1")`."""
    return str(text).encode(str(encoding))


def _size(*args):
    return tuple(*args)


def _bytearray(*args):
    """bytearray of bytes or a string only: `bytearray(10**12)` would allocate a terabyte."""
    if args and not isinstance(args[0], (bytes, bytearray, str)):
        raise UnsafeFileError("bytearray(<size>) in a torch file is refused (unbounded memory)")
    return bytearray(*args)


_FUNCTIONS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "Counter"): collections.Counter,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("builtins", "bytearray"): _bytearray,
    ("builtins", "slice"): slice,
    ("_codecs", "encode"): _codecs_encode,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch._tensor", "_rebuild_from_type_v2"): _rebuild_from_type_v2,
    ("torch", "Size"): _size,
    ("torch", "device"): str,
    ("torch.nn.parameter", "Parameter"): None,  # only as _rebuild_from_type_v2's new_type
    ("torch", "Tensor"): None,
}
ALLOWED_GLOBALS = {key: Allowed(".".join(key), function) for key, function in _FUNCTIONS.items()}
ALLOWED_GLOBALS.update(
    {("torch", name): Allowed(f"torch.{name}", storage_class=name) for name in STORAGE_DTYPES}
)
ALLOWED_GLOBALS.update({("torch", name): TorchDtype(dtype) for name, dtype in TORCH_DTYPES.items()})


class RestrictedUnpickler(pickle.Unpickler):
    """A pickle reader that resolves only ALLOWED_GLOBALS and storage persistent ids."""

    def __init__(self, file, source, storages):
        super().__init__(file, encoding="utf-8")
        self.source = source
        self.storages = storages  # key -> StorageRef, shared by every tensor of the file

    def find_class(self, module, name):
        module = {"__builtin__": "builtins"}.get(module, module)
        found = ALLOWED_GLOBALS.get((module, name))
        if found is None:
            raise UnsafeFileError(
                f"{self.source}: refusing to load '{module}.{name}'. strided.torch.load reads only "
                "tensors and plain containers (dict, list, tuple, numbers, strings) and never runs "
                "code stored in a file. If this file holds a whole model or another object, load it "
                "in PyTorch and save its state_dict() instead: torch.save(model.state_dict(), path)."
            )
        return found

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] in ("storage", b"storage")):
            raise UnsafeFileError(f"{self.source}: unexpected persistent id {pid!r:.80}")
        storage_type, key, location, numel = pid[1:5]
        storage_class = getattr(storage_type, "storage_class", None)
        if storage_class is None:
            raise UnsafeFileError(f"{self.source}: a storage of unknown type {storage_type!r:.80}")
        if len(pid) > 5 and pid[5] is not None:
            raise UnsafeFileError(f"{self.source}: storage views of the pre-1.0 format are not supported")
        if not isinstance(numel, int) or numel < 0:
            raise UnsafeFileError(f"{self.source}: storage {key!r} declares {numel!r} elements")
        key = key.decode("ascii") if isinstance(key, bytes) else str(key)
        location = location.decode("ascii") if isinstance(location, bytes) else str(location)
        if key not in self.storages:
            self.storages[key] = StorageRef(storage_class, key, numel, location)
        return self.storages[key]


__all__ = [
    "ALLOWED_GLOBALS",
    "RestrictedUnpickler",
    "STORAGE_DTYPES",
    "StorageRef",
    "StoredTensor",
    "TorchDtype",
    "UnsafeFileError",
]
