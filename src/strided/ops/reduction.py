"""Reductions: sum, mean, max, min, var, std over some axes, and argmax/argmin.

A reduction's gradient spreads the upstream gradient back over the reduced axes:
`sum` copies it to every element, `mean` divides it by the count, and `max`/`min` hand it
to the extreme elements only, splitting it evenly between ties (as `torch.amax`, which
Keras' torch backend uses). argmax/argmin return integer indices and have no gradient.

All take Keras' `(x, axis=None, keepdims=False)`; `axis` is an int, a tuple or None (all).
"""

import numpy as np

from strided import _config
from strided.autograd import Function, Tensor
from strided.ops._base import as_tensor, batch_axis_sum, normalize_axis


def _axes(op_name, x, axis):
    axes = normalize_axis(op_name, axis, x.ndim)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op_name}: repeated axis in axis={axis!r} (input shape {x.shape})")
    return axes


def _expand(gy, axes, keepdims):
    """Give the reduced axes back to `gy` (as size 1) so it broadcasts against the input."""
    return gy if keepdims else np.expand_dims(gy, axes)


def _float_input(x):
    """Integer/bool tensors are averaged as floatx (as Keras), floats keep their dtype."""
    if x.dtype.kind == "f":
        return x
    return Tensor(x.data.astype(_config.floatx()), _copy=False)


class Sum(Function):
    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.shape = x.shape
        return np.sum(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        return np.broadcast_to(_expand(gy, self.axes, self.keepdims), self.shape).copy()


class BatchSum(Function):
    """The sum of every element, added leaf by leaf along the batch's halving tree
    (`kernels.parallel.batch_leaves`): the same bits whichever process sums which half."""

    def forward(self, x):
        self.shape = x.shape
        return batch_axis_sum(x, tuple(range(x.ndim))).reshape(())

    def backward(self, gy):
        return np.broadcast_to(gy, self.shape).copy()


class Mean(Sum):
    def forward(self, x):
        self.shape = x.shape
        self.count = int(np.prod([x.shape[a] for a in self.axes]))
        return np.mean(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        return super().backward(gy / np.asarray(self.count, dtype=gy.dtype))


class Extreme(Function):
    """max or min; the gradient goes to the elements equal to the extreme, split evenly."""

    def __init__(self, axes, keepdims, reducer):
        self.axes, self.keepdims, self.reducer = axes, keepdims, reducer

    def forward(self, x):
        y = self.reducer(x, axis=self.axes, keepdims=True)
        self.mask = x == y
        return y if self.keepdims else np.squeeze(y, axis=self.axes)

    def backward(self, gy):
        count = np.sum(self.mask, axis=self.axes, keepdims=True).astype(gy.dtype)
        return self.mask * (_expand(gy, self.axes, self.keepdims) / count)


class Variance(Function):
    """Population variance mean((x - mean(x))^2), as keras.ops.var (no Bessel correction)."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.count = int(np.prod([x.shape[a] for a in self.axes]))
        self.centered = x - np.mean(x, axis=self.axes, keepdims=True)
        return np.mean(self.centered**2, axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        scale = np.asarray(2.0 / self.count, dtype=gy.dtype)
        return _expand(gy, self.axes, self.keepdims) * scale * self.centered


class StandardDeviation(Variance):
    """sqrt(var); d std = d var / (2 std), taken as 0 where std is 0 (as torch)."""

    def forward(self, x):
        self.std = np.sqrt(super().forward(x))
        return self.std

    def backward(self, gy):
        with np.errstate(divide="ignore"):
            half_inverse = np.where(self.std > 0, 0.5 / self.std, 0).astype(gy.dtype, copy=False)
        return super().backward(gy * half_inverse)


def sum(x, axis=None, keepdims=False):
    """Sum of the elements over `axis` (all axes when None).

    Example:
        >>> sum(Tensor([[1.0, 2.0], [3.0, 4.0]]), axis=0)   # [4., 6.]
    """
    x = as_tensor(x)
    return Sum.apply(x, axes=_axes("sum", x, axis), keepdims=bool(keepdims))


def batch_sum(x):
    """Sum of every element of `x` (N, ...), added along the batch's halving tree; the sum
    of a loss over a batch that processes may share (`models.replica`)."""
    x = as_tensor(x)
    if x.ndim == 0 or x.shape[0] == 0:
        return Sum.apply(x, axes=_axes("sum", x, None), keepdims=False)
    return BatchSum.apply(x)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over `axis` (all axes when None); integer inputs give floatx.

    Example:
        >>> mean(Tensor([[1.0, 2.0], [3.0, 4.0]]), axis=1)  # [1.5, 3.5]
    """
    x = _float_input(as_tensor(x))
    axes = _axes("mean", x, axis)
    _check_not_empty("mean", x, axes)
    return Mean.apply(x, axes=axes, keepdims=bool(keepdims))


def max(x, axis=None, keepdims=False):
    """Largest element over `axis`; the gradient is shared evenly by tied maxima (torch.amax).

    Example:
        >>> max(Tensor([[1.0, 5.0], [3.0, 2.0]]), axis=1)   # [5., 3.]
    """
    return _extreme("max", np.max, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """Smallest element over `axis`; the gradient is shared evenly by tied minima (torch.amin).

    Example:
        >>> min(Tensor([[1.0, 5.0], [3.0, 2.0]]), axis=1)   # [1., 2.]
    """
    return _extreme("min", np.min, x, axis, keepdims)


def _extreme(op_name, reducer, x, axis, keepdims):
    x = as_tensor(x)
    axes = _axes(op_name, x, axis)
    _check_not_empty(op_name, x, axes)
    return Extreme.apply(x, axes=axes, keepdims=bool(keepdims), reducer=reducer)


def var(x, axis=None, keepdims=False):
    """Population variance mean((x - mean(x))**2) over `axis` (keras.ops.var; ddof=0).

    Example:
        >>> var(Tensor([1.0, 2.0, 3.0, 4.0]))               # 1.25
    """
    x = _float_input(as_tensor(x))
    axes = _axes("var", x, axis)
    _check_not_empty("var", x, axes)
    return Variance.apply(x, axes=axes, keepdims=bool(keepdims))


def std(x, axis=None, keepdims=False):
    """Population standard deviation sqrt(var(x)) over `axis` (keras.ops.std).

    Where all elements are equal (std 0) the gradient is taken as 0, as in torch.

    Example:
        >>> std(Tensor([1.0, 2.0, 3.0, 4.0]))               # 1.1180
    """
    x = _float_input(as_tensor(x))
    axes = _axes("std", x, axis)
    _check_not_empty("std", x, axes)
    return StandardDeviation.apply(x, axes=axes, keepdims=bool(keepdims))


def argmax(x, axis=None, keepdims=False):
    """Index of the largest element along `axis` (over the flattened input when None).

    Returns an int64 Tensor without gradient. Ties give the first index.

    Example:
        >>> argmax(Tensor([[1.0, 5.0], [3.0, 2.0]]), axis=1)  # [1, 0]
    """
    return _arg_extreme("argmax", np.argmax, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the smallest element along `axis` (over the flattened input when None).

    Returns an int64 Tensor without gradient. Ties give the first index.

    Example:
        >>> argmin(Tensor([[1.0, 5.0], [3.0, 2.0]]), axis=1)  # [0, 1]
    """
    return _arg_extreme("argmin", np.argmin, x, axis, keepdims)


def _arg_extreme(op_name, finder, x, axis, keepdims):
    x = as_tensor(x)
    if axis is not None:
        if np.ndim(axis) != 0:
            raise ValueError(
                f"{op_name}: axis must be a single int or None. Received: axis={axis!r}"
            )
        axis = normalize_axis(op_name, axis, x.ndim)[0]
    _check_not_empty(op_name, x, tuple(range(x.ndim)) if axis is None else (axis,))
    result = finder(x.data, axis=axis, keepdims=bool(keepdims))
    return Tensor(np.asarray(result, dtype=np.int64), _copy=False)


def _check_not_empty(op_name, x, axes):
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(
            f"{op_name}: cannot reduce over an empty axis (input shape {x.shape}, axis {axes})"
        )


__all__ = ["argmax", "argmin", "max", "mean", "min", "std", "sum", "var"]
