"""Shape ops: the same numbers, arranged differently (reshape, transpose, flatten, ...).

None of these changes a value, so each gradient only undoes the rearrangement: reshape's
gradient is reshaped back, transpose's is transposed by the inverse permutation.
Splitting and indexing (`x[key]`) and padding live in `ops/indexing.py` and
`ops/padding.py` and are re-exported here; joining (concatenate, stack, repeat, tile) lives in
`ops/joining.py`, which uses `reshape` from here (so `strided.ops` exports it directly).
"""

import math

import numpy as np

from strided import _config
from strided.autograd import Function, Tensor
from strided.ops._base import as_tensor, normalize_axis
from strided.ops.indexing import get_item, split
from strided.ops.padding import pad


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return gy.reshape(self.input_shape)


class Transpose(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return np.transpose(x, self.axes)

    def backward(self, gy):
        return np.transpose(gy, np.argsort(self.axes))


class Cast(Function):
    """Float-to-float cast; the gradient is cast back to the input's dtype."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.input_dtype = x.dtype
        return x.astype(self.dtype, copy=False)

    def backward(self, gy):
        return gy.astype(self.input_dtype, copy=False)


def _target_shape(op_name, input_shape, size, newshape):
    """Resolve one -1 in `newshape` and check the element count is unchanged."""
    dims = (newshape,) if np.ndim(newshape) == 0 else tuple(newshape)
    try:
        dims = tuple(int(d) for d in dims)
    except (TypeError, ValueError):
        raise TypeError(
            f"{op_name}: the new shape must be ints (and at most one -1). Received: {newshape!r}"
        ) from None
    if dims.count(-1) > 1 or any(d < -1 for d in dims):
        raise ValueError(
            f"{op_name}: the new shape may contain at most one -1 and no other negative "
            f"size. Received: {dims}"
        )
    known = int(np.prod([d for d in dims if d != -1]))
    if -1 in dims:
        if known == 0 or size % known:
            raise ValueError(
                f"{op_name}: cannot reshape an input of shape {input_shape} ({size} elements) "
                f"into shape {dims}: {size} is not a multiple of {known}"
            )
        dims = tuple(size // known if d == -1 else d for d in dims)
    elif known != size:
        raise ValueError(
            f"{op_name}: cannot reshape an input of shape {input_shape} ({size} elements) "
            f"into shape {dims} ({known} elements)"
        )
    return dims


def reshape(x, newshape):
    """The same elements (in row-major order) with a new shape; one entry may be -1.

    Args:
        x: input tensor.
        newshape: int or tuple of ints; a -1 is inferred from the element count.

    Example:
        >>> reshape(Tensor(np.arange(6.0)), (2, -1)).shape
        (2, 3)
    """
    x = as_tensor(x)
    return Reshape.apply(x, shape=_target_shape("reshape", x.shape, x.size, newshape))


def transpose(x, axes=None):
    """Permute the axes: output axis i is input axis axes[i] (reversed order when None).

    Example:
        >>> transpose(Tensor(np.zeros((2, 3, 4))), (0, 2, 1)).shape
        (2, 4, 3)
    """
    x = as_tensor(x)
    if axes is not None and len(axes) == 1 and np.ndim(axes[0]) == 1:
        axes = axes[0]  # x.transpose((1, 0)) arrives as ((1, 0),)
    if axes is None:
        axes = tuple(reversed(range(x.ndim)))
    elif len(axes) != x.ndim:
        raise ValueError(
            f"transpose: axes {tuple(axes)} must name each of the {x.ndim} axes of shape "
            f"{x.shape} once"
        )
    axes = normalize_axis("transpose", axes, x.ndim)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(
            f"transpose: axes {axes} is not a permutation of range({x.ndim}) "
            f"(input shape {x.shape})"
        )
    return Transpose.apply(x, axes=axes)


def moveaxis(x, source, destination):
    """Move axes `source` to positions `destination`, the others keeping their order.

    As keras.ops.moveaxis. Example: moveaxis(x, 1, -1) turns (N, C, H, W) into (N, H, W, C).
    """
    x = as_tensor(x)
    source = normalize_axis("moveaxis", source, x.ndim)
    destination = normalize_axis("moveaxis", destination, x.ndim)
    if len(source) != len(destination):
        raise ValueError(
            f"moveaxis: source {source} and destination {destination} must have the same length"
        )
    order = [a for a in range(x.ndim) if a not in source]
    for dst, src in sorted(zip(destination, source)):
        order.insert(dst, src)
    return transpose(x, tuple(order))


def swapaxes(x, axis1, axis2):
    """Exchange two axes (keras.ops.swapaxes)."""
    x = as_tensor(x)
    axes = list(range(x.ndim))
    a, b = normalize_axis("swapaxes", (axis1, axis2), x.ndim)
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, tuple(axes))


def flatten(x, data_format=None):
    """Keep the batch axis, flatten the rest: (batch, d1, ..., dk) -> (batch, d1 * ... * dk).

    What the Keras `Flatten` layer does. A 1-D input (batch,) becomes (batch, 1). With
    `data_format="channels_first"` (default: the global image_data_format()) the channel
    axis is first moved last, so the flattened order matches a channels-last model.

    Example:
        >>> flatten(Tensor(np.zeros((32, 7, 7, 64)))).shape
        (32, 3136)
    """
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError(
            "flatten: expected an input with a batch axis, received a scalar (shape ())"
        )
    if _config.standardize_data_format(data_format) == "channels_first" and x.ndim > 2:
        x = transpose(x, (0, *range(2, x.ndim), 1))
    return Reshape.apply(x, shape=(x.shape[0], math.prod(x.shape[1:])))


def squeeze(x, axis=None):
    """Remove axes of length 1 (all of them when `axis` is None).

    Example:
        >>> squeeze(Tensor(np.zeros((2, 1, 3))), axis=1).shape
        (2, 3)
    """
    x = as_tensor(x)
    if axis is None:
        axes = tuple(a for a, n in enumerate(x.shape) if n == 1)
    else:
        axes = normalize_axis("squeeze", axis, x.ndim)
        wide = [a for a in axes if x.shape[a] != 1]
        if wide:
            raise ValueError(
                f"squeeze: cannot squeeze axis {wide[0]} of size {x.shape[wide[0]]} "
                f"(input shape {x.shape})"
            )
    return Reshape.apply(x, shape=tuple(n for a, n in enumerate(x.shape) if a not in axes))


def expand_dims(x, axis):
    """Insert a length-1 axis at position `axis` (an int or a tuple) of the output.

    Example:
        >>> expand_dims(Tensor(np.zeros((28, 28))), -1).shape
        (28, 28, 1)
    """
    x = as_tensor(x)
    count = 1 if np.ndim(axis) == 0 else len(axis)
    axes = normalize_axis("expand_dims", axis, x.ndim + count)
    if len(set(axes)) != len(axes):
        raise ValueError(f"expand_dims: repeated axis in axis={axis!r}")
    return Reshape.apply(x, shape=np.expand_dims(np.broadcast_to(False, x.shape), axes).shape)


def cast(x, dtype):
    """Convert to `dtype` (e.g. "float32", "int64"). Float-to-float casts are differentiable;
    a cast to or from an integer/bool type returns a Tensor without gradient.

    Example:
        >>> cast(Tensor([1.7, -0.2]), "int32")   # [1, 0]
    """
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"cast: unknown dtype {dtype!r}") from None
    if not isinstance(x, Tensor):
        return Tensor(np.asarray(x), dtype=dtype)
    if dtype.kind != "f" or x.dtype.kind != "f":
        return Tensor(x.data.astype(dtype), _copy=False)
    return Cast.apply(x, dtype=dtype)


__all__ = [
    "cast",
    "expand_dims",
    "flatten",
    "get_item",
    "moveaxis",
    "pad",
    "reshape",
    "split",
    "squeeze",
    "swapaxes",
    "transpose",
]
