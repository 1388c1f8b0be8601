"""Joining and copying tensors: concatenate, stack, repeat, tile.

Each output element is a copy of exactly one input element, so each gradient is the
upstream gradient cut back into pieces (concatenate, stack) or summed over the copies
(repeat, tile).
"""

import numpy as np

from strided.autograd import Function
from strided.ops._base import as_tensor, normalize_axis
from strided.ops.shape import reshape


class Concatenate(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] for x in xs]
        self.dtypes = [x.dtype for x in xs]
        return np.concatenate(xs, axis=self.axis)

    def backward(self, gy):
        pieces = np.split(gy, np.cumsum(self.sizes)[:-1], axis=self.axis)
        return tuple(p.astype(d, copy=False) for p, d in zip(pieces, self.dtypes))


class Stack(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        self.dtypes = [x.dtype for x in xs]
        return np.stack(xs, axis=self.axis)

    def backward(self, gy):
        return tuple(
            g.astype(d, copy=False) for g, d in zip(np.moveaxis(gy, self.axis, 0), self.dtypes)
        )


class Repeat(Function):
    def __init__(self, repeats, axis):
        self.repeats, self.axis = repeats, axis

    def forward(self, x):
        self.input_shape = x.shape
        return np.repeat(x, self.repeats, axis=self.axis)

    def backward(self, gy):
        axis, shape = self.axis, self.input_shape
        if np.ndim(self.repeats) == 0:  # every element copied r times in a row: sum each run
            runs = shape[:axis] + (shape[axis], int(self.repeats)) + shape[axis + 1 :]
            return gy.reshape(runs).sum(axis=axis + 1)
        owner = np.repeat(np.arange(shape[axis]), self.repeats)  # input index of each output slot
        grad = np.zeros(shape, dtype=gy.dtype)
        np.add.at(np.moveaxis(grad, axis, 0), owner, np.moveaxis(gy, axis, 0))
        return grad


class Tile(Function):
    def __init__(self, reps):
        self.reps = reps

    def forward(self, x):
        self.input_shape = x.shape
        return np.tile(x, self.reps)

    def backward(self, gy):
        # Output axis i of size r_i * n_i is r_i blocks of n_i: view it as (r_i, n_i), sum the r_i.
        interleaved = [d for pair in zip(self.reps, self.input_shape) for d in pair]
        return gy.reshape(interleaved).sum(axis=tuple(range(0, len(interleaved), 2)))


def _tensors(op_name, xs):
    if not isinstance(xs, (list, tuple)) or not xs:
        raise ValueError(
            f"{op_name}: expected a non-empty list of tensors. Received: {type(xs).__name__}"
        )
    first = as_tensor(xs[0])
    tensors = [first] + [as_tensor(x, like=first) for x in xs[1:]]
    return tensors


def concatenate(xs, axis=0):
    """Join tensors along an existing axis (keras.ops.concatenate; default axis 0).

    All inputs must have the same shape except along `axis`. Output size along `axis`
    is the sum of the inputs' sizes.

    Example:
        >>> concatenate([Tensor(np.zeros((2, 3))), Tensor(np.ones((2, 5)))], axis=-1).shape
        (2, 8)
    """
    xs = _tensors("concatenate", xs)
    if xs[0].ndim == 0:
        raise ValueError("concatenate: cannot concatenate scalars (shape ()); use stack")
    (axis,) = normalize_axis("concatenate", axis, xs[0].ndim)
    reference = xs[0].shape[:axis] + xs[0].shape[axis + 1 :]
    for i, x in enumerate(xs[1:], start=1):
        if x.ndim != xs[0].ndim or x.shape[:axis] + x.shape[axis + 1 :] != reference:
            raise ValueError(
                f"concatenate: input {i} has shape {x.shape}, but input 0 has shape {xs[0].shape}; "
                f"all sizes must match except along the concatenation axis {axis}"
            )
    return Concatenate.apply(*xs, axis=axis)


def stack(xs, axis=0):
    """Join same-shape tensors along a new axis (keras.ops.stack).

    Shape: n inputs of shape S give S with n inserted at position `axis`.

    Example:
        >>> stack([Tensor(np.zeros((2, 3)))] * 4, axis=1).shape
        (2, 4, 3)
    """
    xs = _tensors("stack", xs)
    (axis,) = normalize_axis("stack", axis, xs[0].ndim + 1)
    for i, x in enumerate(xs[1:], start=1):
        if x.shape != xs[0].shape:
            raise ValueError(
                f"stack: input {i} has shape {x.shape}, but input 0 has shape {xs[0].shape}; "
                f"all must match"
            )
    return Stack.apply(*xs, axis=axis)


def repeat(x, repeats, axis=None):
    """Repeat each element `repeats` times along `axis` (keras.ops.repeat / np.repeat).

    With axis=None the input is flattened first. `repeats` is an int or one int per element
    of the axis. Example: repeat([1, 2], 2) -> [1, 1, 2, 2].
    """
    x = as_tensor(x)
    if axis is None:
        x, axis = reshape(x, -1), 0
    (axis,) = normalize_axis("repeat", axis, x.ndim)
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iu" or np.any(counts < 0) or counts.ndim > 1:
        raise ValueError(f"repeat: repeats must be non-negative integers. Received: {repeats!r}")
    if counts.ndim == 1 and counts.size == 1:
        counts = counts.reshape(())
    if counts.ndim == 1 and counts.size != x.shape[axis]:
        raise ValueError(
            f"repeat: got {counts.size} repeat counts for axis {axis} of size {x.shape[axis]} "
            f"(input shape {x.shape})"
        )
    return Repeat.apply(x, repeats=int(counts) if counts.ndim == 0 else counts, axis=axis)


def tile(x, repeats):
    """Repeat the whole tensor `repeats[i]` times along each axis i (keras.ops.tile / np.tile).

    If `repeats` is shorter than x.ndim it is padded with leading 1s; if longer, x gets
    leading length-1 axes. Output axis i has size repeats[i] * x.shape[i].

    Example:
        >>> tile(Tensor(np.zeros((2, 3))), (2, 1)).shape
        (4, 3)
    """
    x = as_tensor(x)
    reps = np.atleast_1d(np.asarray(repeats))
    if reps.ndim != 1 or reps.dtype.kind not in "iu" or np.any(reps < 0):
        raise ValueError(f"tile: repeats must be non-negative integers. Received: {repeats!r}")
    ndim = max(x.ndim, reps.size)
    if x.ndim < ndim:
        x = reshape(x, (1,) * (ndim - x.ndim) + x.shape)
    reps = (1,) * (ndim - reps.size) + tuple(int(r) for r in reps)
    return Tile.apply(x, reps=reps)


__all__ = ["concatenate", "repeat", "stack", "tile"]
