"""Indexing `x[key]` and `split`: pick elements out of a tensor, differentiably.

Forward is NumPy indexing. Backward writes the upstream gradient into a zero array at the
picked positions. With basic keys (ints, slices, None, ...) every element is picked at
most once, so plain assignment works; with advanced keys (integer or boolean arrays) an
element may be picked several times (`x[[0, 0, 1]]`), so the gradient is *accumulated*
with `np.add.at` -- plain assignment would silently keep only the last copy.
"""

from itertools import pairwise

import numpy as np

from strided.autograd import Function, Tensor
from strided.ops._base import as_tensor, normalize_axis


class GetItem(Function):
    def __init__(self, key, basic):
        self.key, self.basic = key, basic

    def forward(self, x):
        self.input_shape = x.shape
        return x[self.key]

    def backward(self, gy):
        grad = np.zeros(self.input_shape, dtype=gy.dtype)
        if self.basic:
            grad[self.key] = gy
        else:
            np.add.at(grad, self.key, gy)
        return grad


def _plain(part):
    """Tensors inside an index become their arrays."""
    if isinstance(part, Tensor):
        return part.data
    return part


def _is_basic(parts):
    for part in parts:
        if part is None or part is Ellipsis or isinstance(part, slice):
            continue
        if isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_)):
            continue
        return False
    return True


def get_item(x, key):
    """`x[key]` with NumPy semantics: ints, slices, None, Ellipsis, integer and boolean arrays.

    Installed as `Tensor.__getitem__`. Gradients of repeated advanced indices accumulate.

    Example:
        >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> x[[0, 0, 2]].sum().backward()
        >>> x.grad
        array([2., 0., 1.], dtype=float32)
    """
    x = as_tensor(x)
    key = tuple(_plain(k) for k in key) if isinstance(key, tuple) else _plain(key)
    basic = _is_basic(key if isinstance(key, tuple) else (key,))
    try:
        return GetItem.apply(x, key=key, basic=basic)
    except (IndexError, TypeError, ValueError) as error:
        raise type(error)(f"get_item: {error} (input shape {x.shape}, index {key!r})") from None


def split(x, indices_or_sections, axis=0):
    """Split into a list of tensors along `axis` (keras.ops.split / np.split).

    Args:
        indices_or_sections: an int n (n equal parts; the axis length must divide by n)
            or a sorted list of split points, e.g. [2, 5] -> x[:2], x[2:5], x[5:].

    Example:
        >>> [t.shape for t in split(Tensor(np.zeros((4, 6))), 3, axis=1)]
        [(4, 2), (4, 2), (4, 2)]
    """
    x = as_tensor(x)
    (axis,) = normalize_axis("split", axis, x.ndim)
    length = x.shape[axis]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0 or length % sections:
            raise ValueError(
                f"split: axis {axis} of size {length} cannot be split into {sections} equal "
                f"sections (input shape {x.shape})"
            )
        points = [length // sections * i for i in range(1, sections)]
    else:
        points = [int(p) for p in indices_or_sections]
    bounds = [0, *points, length]
    before = (slice(None),) * axis
    return [get_item(x, before + (slice(start, stop),)) for start, stop in pairwise(bounds)]


__all__ = ["get_item", "split"]
