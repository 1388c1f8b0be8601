"""What every op file shares: turning arguments into Tensors and reducing broadcast gradients."""

import numpy as np

from strided.autograd import Tensor
from strided.kernels import parallel


def as_tensor(x, like=None):
    """A Tensor for `x`; a constant takes the dtype of `like` (no silent float64 upcast)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and np.asarray(x).dtype.kind in "fiub" and like.dtype.kind == "f":
        return Tensor(x, dtype=like.dtype)
    return Tensor(x)


def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, back to `shape`.

    A sum over the first axis -- the batch's, for a weight broadcast over the samples (a bias,
    a per-channel scale) -- is added leaf by leaf along the batch's halving tree
    (`batch_axis_sum`), so the weight's gradient has the same bits whichever process sums which
    part of the batch."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    stretched = tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
    axes = tuple(range(extra)) + stretched
    if axes and axes[0] == 0:
        return batch_axis_sum(grad, axes).reshape(shape)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def batch_axis_sum(array, axes):
    """array.sum(axis=axes, keepdims=True) for `axes` that include 0, the first axis added
    along its halving tree (`kernels.parallel.batch_leaves`, `tree_combine`)."""
    leaves = parallel.batch_leaves(array.shape[0], array.shape[0])
    if len(leaves) == 1:
        return array.sum(axis=axes, keepdims=True)
    parts = [array[start:stop].sum(axis=axes, keepdims=True) for start, stop in leaves]
    return parallel.tree_combine(parts, leaves, np.add)


def check_broadcastable(op_name, a, b):
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"{op_name}: cannot broadcast shapes {a.shape} and {b.shape}. Trailing axes must be "
            f"equal or 1."
        ) from None


def normalize_axis(op_name, axis, ndim):
    """A tuple of non-negative axes (None means all), with a clear error when out of range."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    result = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"{op_name}: axis {a} is out of range for an input with {ndim} dimensions")
        result.append(a % ndim)
    return tuple(result)
