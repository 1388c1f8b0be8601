"""Shapes with PyTorch's arguments: view/reshape, flatten, (un)squeeze, permute, transpose,
expand, repeat, cat/stack, split/chunk (indexing is in `_indexing.py`, sorting in `_ordering.py`).

The engine's ops (`ops.reshape`, `ops.transpose`, `ops.get_item`, `ops.concatenate`, ...)
carry the gradients; this file translates PyTorch's `dim`s and size arguments to them.
"""

import builtins
import math
import numbers

import numpy as np

from strided import ops
from strided.autograd import is_grad_enabled
from strided.torch import _functions as fn
from strided.torch._indexing import narrow, select
from strided.torch._math import promoted
from strided.torch._tensor import Tensor, wrap, wrap_array


def _sizes(args):
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        args = tuple(args[0])
    return tuple(int(a) for a in args)


def reshape(input, *shape):  # noqa: A002
    """Same elements, new shape (one entry may be -1)."""
    shape = _sizes(shape)
    if shape == input._node.data.shape:
        return input
    try:
        return wrap(ops.reshape(input._node, shape))
    except ValueError:
        raise RuntimeError(
            f"shape '{list(shape)}' is invalid for input of size {input._node.data.size}"
        ) from None


def view(input, *shape):  # noqa: A002
    if len(shape) == 1 and not isinstance(shape[0], (numbers.Integral, tuple, list, Tensor)):
        return input.type(shape[0])  # view(dtype) reinterprets in PyTorch; here a conversion
    return reshape(input, *shape)


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    shape = input._node.data.shape
    if not shape:
        return reshape(input, 1)
    start, end = input._dim(start_dim), input._dim(end_dim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return reshape(input, *shape[:start], math.prod(shape[start:end + 1]), *shape[end + 1:])


def unflatten(input, dim, sizes):  # noqa: A002
    shape = input._node.data.shape
    axis = input._dim(dim)
    sizes = list(sizes)
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        sizes[sizes.index(-1)] = shape[axis] // known
    return reshape(input, *shape[:axis], *sizes, *shape[axis + 1:])


def unsqueeze(input, dim):  # noqa: A002
    ndim = input._node.data.ndim + 1
    dim = int(dim)
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    shape = list(input._node.data.shape)
    shape.insert(dim % ndim, 1)
    return reshape(input, *shape)


def squeeze(input, dim=None):  # noqa: A002
    """Drop length-1 dims (only `dim` when given; a dim of another length is kept, as PyTorch)."""
    shape = input._node.data.shape
    if dim is None:
        axes = {a for a, n in enumerate(shape) if n == 1}
    else:
        dims = (dim,) if np.ndim(dim) == 0 else tuple(dim)
        axes = {input._dim(d) for d in dims if shape and shape[input._dim(d)] == 1}
    return reshape(input, *[n for a, n in enumerate(shape) if a not in axes])


def permute(input, *dims):  # noqa: A002
    dims = tuple(input._dim(d) for d in _sizes(dims))
    if sorted(dims) != list(range(input._node.data.ndim)):
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
            f"of the desired ordering of dimensions i.e. input.dim() = {input.dim()} is not equal to "
            f"len(dims) = {len(dims)}"
        )
    if dims == tuple(range(len(dims))):
        return input
    return wrap(ops.transpose(input._node, dims))


def transpose(input, dim0, dim1):  # noqa: A002
    if input._node.data.ndim < 2:
        return input
    axes = list(range(input._node.data.ndim))
    a, b = input._dim(dim0), input._dim(dim1)
    axes[a], axes[b] = axes[b], axes[a]
    return permute(input, *axes)


swapaxes = swapdims = transpose


def t(input):  # noqa: A002
    if input._node.data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    return transpose(input, 0, 1) if input._node.data.ndim == 2 else input


def movedim(input, source, destination):  # noqa: A002
    return wrap(ops.moveaxis(input._node, source, destination))


def contiguous(input, memory_format=None):  # noqa: A002
    if input._node.data.flags.c_contiguous:
        return input
    if input.requires_grad and is_grad_enabled():
        return wrap(fn.Copy.apply(input._node))
    return wrap_array(np.ascontiguousarray(input._node.data))


def clone(input, memory_format=None):  # noqa: A002
    if input.requires_grad and is_grad_enabled():
        return wrap(fn.Copy.apply(input._node))
    return wrap_array(np.array(input._node.data, copy=True))


def expand(input, *sizes):  # noqa: A002
    sizes = _sizes(sizes)
    shape = input._node.data.shape
    offset = len(sizes) - len(shape)
    target = tuple(shape[i - offset] if s == -1 else s for i, s in enumerate(sizes))
    try:
        np.broadcast_shapes(shape, target)
    except ValueError:
        raise RuntimeError(
            f"The expanded size of the tensor must match the existing size at non-singleton "
            f"dimensions. Target sizes: {list(sizes)}. Tensor sizes: {list(shape)}"
        ) from None
    return wrap(fn.BroadcastTo.apply(input._node, shape=target))


def expand_as(input, other):  # noqa: A002
    return expand(input, *other.shape)


def broadcast_to(input, size):  # noqa: A002
    return expand(input, *size)


def repeat(input, *sizes):  # noqa: A002
    return wrap(ops.tile(input._node, _sizes(sizes)))


def repeat_interleave(input, repeats, dim=None):  # noqa: A002
    return wrap(ops.repeat(input._node, int(repeats), axis=None if dim is None else input._dim(dim)))


def cat(tensors, dim=0, *, out=None):
    """Join along an existing dim; dtypes promote as PyTorch's (float32 + int64 -> float32)."""
    tensors = [t for t in tensors if not (t.dim() == 1 and t.numel() == 0)] or list(tensors)[:1]
    nodes = promoted(*tensors, broadcast=False)
    return wrap(ops.concatenate(nodes, axis=tensors[0]._dim(dim)))


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    nodes = promoted(*tensors, broadcast=False)
    ndim = tensors[0].dim() + 1
    return wrap(ops.stack(nodes, axis=int(dim) % ndim))


def hstack(tensors):
    return cat(tensors, 0 if tensors[0].dim() == 1 else 1)


def vstack(tensors):
    return cat([t.reshape(1, -1) if t.dim() == 1 else t for t in tensors], 0)


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of `split_size` along dim (the last may be smaller), or of the listed sizes."""
    axis = tensor._dim(dim)
    length = tensor._node.data.shape[axis]
    if isinstance(split_size_or_sections, numbers.Integral):
        size = int(split_size_or_sections)
        bounds = list(range(0, length, size)) + [length]
    else:
        bounds = [0, *np.cumsum(list(split_size_or_sections)).tolist()]
        if bounds[-1] != length:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's size "
                f"at dimension {dim}), but got split_sizes={list(split_size_or_sections)}"
            )
    return tuple(narrow(tensor, axis, start, stop - start) for start, stop in zip(bounds[:-1], bounds[1:]))


def chunk(input, chunks, dim=0):  # noqa: A002
    length = input._node.data.shape[input._dim(dim)]
    return split(input, builtins.max(math.ceil(length / chunks), 1), dim)


def unbind(input, dim=0):  # noqa: A002
    axis = input._dim(dim)
    return tuple(select(input, axis, i) for i in range(input._node.data.shape[axis]))


__all__ = [name for name, value in list(globals().items())
           if callable(value) and getattr(value, "__module__", None) == __name__
           and not name.startswith("_")]
