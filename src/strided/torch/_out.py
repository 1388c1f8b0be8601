"""PyTorch's `out=` argument: `torch.mul(a, b, out=c)` writes the result into `c` and returns `c`.

As PyTorch does:
- the result is cast to `out`'s dtype when PyTorch allows it (int -> float yes, float -> int no:
  "result type Float can't be cast to the desired output type Long");
- an `out` of another shape is resized (with PyTorch's deprecation warning unless it was empty);
- `out=` does not record gradients, so it is refused when gradients would be recorded.
`out` may be a tuple for functions returning several tensors (`torch.max(x, 1, out=(values, indices))`).
"""

import functools
import warnings

import numpy as np

from strided.autograd import Tensor as Node
from strided.autograd import is_grad_enabled
from strided.torch import _dtypes
from strided.torch._tensor import Tensor

_SHORT_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _short_name(numpy_dtype):
    return _SHORT_NAMES.get(np.dtype(numpy_dtype).name, np.dtype(numpy_dtype).name)


def _tensors_in(values):
    for value in values:
        if isinstance(value, Tensor):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from _tensors_in(value)


def _check_no_grad(name, args, kwargs, outs):
    if not is_grad_enabled():
        return
    if any(t._node.requires_grad for t in _tensors_in((*args, *kwargs.values(), *outs))):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


def _write(out, result):
    """Copy `result` (a Tensor) into `out` (a Tensor), casting and resizing as PyTorch does."""
    if not isinstance(out, Tensor):
        raise TypeError(f"out= expected a Tensor, got {type(out).__name__}")
    value, target = result._node.data, out._node.data
    if _dtypes._category(value.dtype) > _dtypes._category(target.dtype):
        raise RuntimeError(f"result type {_short_name(value.dtype)} can't be cast to the desired output type "
                           f"{_short_name(target.dtype)}")
    if value.shape != target.shape:
        if target.size != 0:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(target.shape)}, "
                f"which does not match the required output shape {list(value.shape)}. This behavior is "
                "deprecated, and in a future PyTorch release outputs will not be resized unless they have zero "
                "elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).", UserWarning, stacklevel=4)
        out._node = Node(np.array(value, dtype=target.dtype), _copy=False)
    else:
        np.copyto(target, value, casting="unsafe")
    return out


def with_out(function):
    """`function` (returning a Tensor or a tuple of Tensors) extended with PyTorch's `out=`."""

    @functools.wraps(function)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return function(*args, **kwargs)
        outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        _check_no_grad(function.__name__, args, kwargs, outs)
        result = function(*args, **kwargs)
        if isinstance(out, (tuple, list)):
            results = tuple(result)
            if len(results) != len(outs):
                raise TypeError(f"{function.__name__}(): out= expected a tuple of {len(results)} tensors, "
                                f"got {len(outs)}")
            for target, value in zip(outs, results):
                _write(target, value)
            return type(result)(outs) if isinstance(result, tuple) and not hasattr(result, "_fields") \
                else type(result)(*outs)
        return _write(out, result)

    return wrapper


__all__ = ["with_out"]
