"""`torch.functional`: the tensor functions PyTorch keeps in this module (`torch.functional.norm`,
`split`, `unique`, `meshgrid`, `broadcast_tensors`, ...), which are also `torch.meshgrid` etc.

Programs import it (`import torch.functional as F`, e.g. the "Building Models" tutorial); note
that, as in PyTorch, it is not `torch.nn.functional` (no `relu` or `max_pool2d` here).
"""

import warnings

import numpy as np

from strided.torch._ordering import unique
from strided.torch._reductions import norm
from strided.torch._shaping import expand, reshape, split


def broadcast_shapes(*shapes):
    """The shape that all `shapes` broadcast to, as a torch.Size."""
    from strided.torch._arrays import Size

    try:
        return Size(np.broadcast_shapes(*[tuple(s) if not isinstance(s, int) else (s,) for s in shapes]))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: {list(shapes)}") from None


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape (views, with gradients)."""
    shape = broadcast_shapes(*[tuple(t.shape) for t in tensors])
    return tuple(expand(t, *shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: "ij" (matrix, PyTorch's default) or "xy" (Cartesian) indexing."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.dim()}D")
    swap = indexing == "xy" and len(tensors) >= 2
    ordered = (tensors[1], tensors[0], *tensors[2:]) if swap else tensors
    shape = [t.numel() for t in ordered]
    grids = []
    for axis, t in enumerate(ordered):
        view = [1] * len(ordered)
        view[axis] = -1
        grids.append(expand(reshape(t, *view), *shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


# the shape atleast_{1,2,3}d gives a tensor of 0, 1 or 2 dimensions, as PyTorch's (NumPy's) rule
_AT_LEAST = {
    1: {0: lambda: (1,)},
    2: {0: lambda: (1, 1), 1: lambda n: (1, n)},
    3: {0: lambda: (1, 1, 1), 1: lambda n: (1, n, 1), 2: lambda m, n: (m, n, 1)},
}


def _at_least(tensor, ndim):
    shape = tuple(tensor.shape)
    if len(shape) >= ndim:
        return tensor
    return reshape(tensor, *_AT_LEAST[ndim][len(shape)](*shape))


def atleast_1d(*tensors):
    return _each(tensors, 1)


def atleast_2d(*tensors):
    return _each(tensors, 2)


def atleast_3d(*tensors):
    return _each(tensors, 3)


def _each(tensors, ndim):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_at_least(t, ndim) for t in tensors[0])
    results = tuple(_at_least(t, ndim) for t in tensors)
    return results[0] if len(results) == 1 else results


__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors", "meshgrid", "norm",
           "split", "unique"]
