"""Argument helpers shared by the functional ops: PyTorch's int-or-tuple sizes and reductions."""

import numbers

from strided.torch._tensor import Tensor


def pair(value, name, n=2):
    """An int or a sequence of n ints as a tuple of n ints (PyTorch's `_pair`)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),) * n
    values = tuple(value)
    if len(values) == 1:
        values = values * n
    if len(values) != n or not all(isinstance(v, numbers.Integral) for v in values):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return tuple(int(v) for v in values)


def check_tensor(op, name, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")
    return value


def reduce(loss, reduction, op):
    """Apply PyTorch's `reduction` ('mean', 'sum' or 'none') to an elementwise loss."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: {reduction} is not a valid value for reduction (use 'mean', 'sum' or 'none')")


def legacy_reduction(size_average, reduce_, reduction):
    """PyTorch's deprecated size_average/reduce arguments mapped to `reduction`."""
    if size_average is None and reduce_ is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce_ = True if reduce_ is None else reduce_
    return "none" if not reduce_ else "mean" if size_average else "sum"
