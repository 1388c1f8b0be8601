"""Comparisons and logical/bitwise ops (eq, lt, logical_and, ...): bool tensors, no gradient.

Operands are promoted to their common PyTorch dtype first (so `int_tensor == 2.5` compares
as floats), then compared by NumPy.
"""

import builtins

import numpy as np

from strided.torch import _dtypes
from strided.torch._math import value_of
from strided.torch._tensor import wrap_array


def _compare(op):
    def apply(input, other):  # noqa: A002
        dtype = _dtypes.result_type(value_of(input), value_of(other))
        return wrap_array(np.asarray(op(np.asarray(value_of(input), dtype=dtype),
                                        np.asarray(value_of(other), dtype=dtype))))
    return apply


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = less = _compare(np.less)
le = less_equal = _compare(np.less_equal)
gt = greater = _compare(np.greater)
ge = greater_equal = _compare(np.greater_equal)
logical_and = _compare(np.logical_and)
logical_or = _compare(np.logical_or)
logical_xor = _compare(np.logical_xor)
bitwise_and = _compare(np.bitwise_and)
bitwise_or = _compare(np.bitwise_or)
bitwise_xor = _compare(np.bitwise_xor)


def bitwise_not(input):  # noqa: A002
    return wrap_array(np.invert(input._node.data))


def equal(input, other):  # noqa: A002
    """True when both have the same shape and elements."""
    return builtins.bool(np.array_equal(value_of(input), value_of(other)))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    return builtins.bool(np.allclose(value_of(input), value_of(other), rtol, atol, equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    return wrap_array(np.isclose(value_of(input), value_of(other), rtol, atol, equal_nan))


__all__ = [name for name, value in list(globals().items())
           if callable(value) and getattr(value, "__module__", None) == __name__ and not name.startswith("_")]
