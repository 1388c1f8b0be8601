"""PyTorch's dtype objects (`torch.float32`, `torch.long`, ...) over NumPy dtypes, and its
type-promotion rule.

Each `dtype` names a NumPy dtype; `strided.torch.float32.numpy_dtype` is `np.float32`.
Promotion follows `torch.result_type`: categories bool < integer < float; a Python number
or a 0-dim tensor only decides the result when it brings a higher category than every
dimensioned tensor (so `int_tensor * 0.5` is float32 and `float32_tensor * float64_scalar`
stays float32); otherwise NumPy's promotion of the dimensioned operands applies.
"""

import builtins

import numpy as np


class dtype:  # noqa: N801 - PyTorch's name
    """A tensor element type, e.g. `torch.float32`; `numpy_dtype` is the array dtype behind it."""

    def __init__(self, name, numpy_dtype):
        self.name = name
        self.numpy_dtype = np.dtype(numpy_dtype)

    @property
    def is_floating_point(self):
        return self.numpy_dtype.kind == "f"

    @property
    def is_complex(self):
        return self.numpy_dtype.kind == "c"

    @property
    def is_signed(self):
        return self.numpy_dtype.kind in "fic"

    @property
    def itemsize(self):
        return self.numpy_dtype.itemsize

    def to_real(self):
        return self

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)  # noqa: A001 - PyTorch's names
float64 = double = dtype("float64", np.float64)
complex64 = cfloat = dtype("complex64", np.complex64)
complex128 = cdouble = dtype("complex128", np.complex128)
uint8 = dtype("uint8", np.uint8)
uint16 = dtype("uint16", np.uint16)
uint32 = dtype("uint32", np.uint32)
uint64 = dtype("uint64", np.uint64)
int8 = dtype("int8", np.int8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)  # noqa: A001
int64 = long = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)  # noqa: A001

ALL = (float16, float32, float64, complex64, complex128, uint8, uint16, uint32, uint64, int8,
       int16, int32, int64, bool)
_FROM_NUMPY = {d.numpy_dtype: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}

_default_float = [float32]


def _by_name(name):
    return _BY_NAME[name]


def get_default_dtype():
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(d):
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"set_default_dtype: expected a floating point dtype such as torch.float64, got {d!r}")
    _default_float[0] = d


def from_numpy_dtype(numpy_dtype):
    """The torch dtype of a NumPy dtype; a clear error for dtypes PyTorch has no twin of."""
    try:
        return _FROM_NUMPY[np.dtype(numpy_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert an array of dtype {np.dtype(numpy_dtype)}; the supported types are: "
            f"{', '.join(str(d.numpy_dtype) for d in ALL)}"
        ) from None


def to_numpy_dtype(d):
    """A NumPy dtype from a torch dtype (or anything NumPy understands: np.float32, "float64")."""
    if d is None:
        return None
    if isinstance(d, dtype):
        return d.numpy_dtype
    if d is builtins.float:
        return get_default_dtype().numpy_dtype
    if d is builtins.int:
        return np.dtype(np.int64)
    if d is builtins.bool:
        return np.dtype(np.bool_)
    return np.dtype(d)


def _category(numpy_dtype):
    kind = numpy_dtype.kind
    return 0 if kind == "b" else 1 if kind in "iu" else 2 if kind == "f" else 3


def scalar_dtype(value):
    """The dtype a Python number takes in an op: bool, int64 or the default float."""
    if isinstance(value, (np.bool_, builtins.bool)):
        return np.dtype(np.bool_)
    if isinstance(value, (builtins.int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(value, complex):
        return np.dtype(np.complex64)
    return get_default_dtype().numpy_dtype


def result_type(*operands):
    """`torch.result_type` for arrays (dimensioned or 0-dim) and Python numbers, as a NumPy dtype.

    Each operand is a NumPy array or a Python number.
    """
    groups = ([], [], [])  # dimensioned tensors, 0-dim tensors, Python numbers
    for operand in operands:
        if isinstance(operand, np.ndarray):
            groups[0 if operand.ndim else 1].append(operand.dtype)
        else:
            groups[2].append(scalar_dtype(operand))
    highest = max(_category(d) for group in groups for d in group)
    for group in groups:
        same = [d for d in group if _category(d) == highest]
        if same:
            if group is groups[2]:
                return same[0] if highest != 2 else get_default_dtype().numpy_dtype
            result = same[0]
            for d in same[1:]:
                result = np.promote_types(result, d)
            return result
    raise AssertionError("unreachable")
