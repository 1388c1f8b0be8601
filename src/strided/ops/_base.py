"""What every op file shares: turning arguments into Tensors and reducing broadcast gradients."""

import numpy as np

from strided.autograd import Tensor


def as_tensor(x, like=None):
    """A Tensor for `x`; a constant takes the dtype of `like` (no silent float64 upcast)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and np.asarray(x).dtype.kind in "fiub" and like.dtype.kind == "f":
        return Tensor(x, dtype=like.dtype)
    return Tensor(x)


def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, back to `shape`."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


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
