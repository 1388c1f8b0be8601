"""Reordering with PyTorch's arguments: flip, roll, sort/argsort, topk, nonzero, unique,
tril/triu, diag, bincount (values gathered by an order: the gradient scatters back)."""

import builtins
import numbers

import numpy as np

from strided.torch import _functions as fn
from strided.torch._indexing import get_item, index_select, masked_fill
from strided.torch._math import value_of
from strided.torch._reductions import values_indices
from strided.torch._shaping import flatten, reshape
from strided.torch._tensor import wrap, wrap_array


def flip(input, dims):  # noqa: A002
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    return wrap(fn.Flip.apply(input._node, axes=tuple(input._dim(d) for d in dims)))


def roll(input, shifts, dims=None):  # noqa: A002
    if dims is None:
        return reshape(roll(flatten(input), shifts, 0), *input.shape)
    shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    result = input
    for shift, dim in zip(shifts, dims):
        axis = input._dim(dim)
        n = input._node.data.shape[axis]
        order = np.roll(np.arange(n), shift)
        result = index_select(result, axis, order)
    return result


def sort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    axis = input._dim(dim)
    data = input._node.data
    order = np.argsort(-data if descending and data.dtype.kind != "b" else data, axis=axis, kind="stable")
    values = fn.Gather.apply(input._node, index=order, axis=axis)
    return values_indices(wrap(values), wrap_array(order.astype(np.int64)), "sort")


def argsort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    axis = input._dim(dim)
    data = input._node.data
    order = np.argsort(-data if largest else data, axis=axis, kind="stable")
    order = np.take(order, np.arange(int(k)), axis=axis)
    values = fn.Gather.apply(input._node, index=order, axis=axis)
    return values_indices(wrap(values), wrap_array(order.astype(np.int64)), "topk")


def nonzero(input, as_tuple=False):  # noqa: A002
    indices = np.nonzero(input._node.data)
    if as_tuple:
        return tuple(wrap_array(i.astype(np.int64)) for i in indices)
    return wrap_array(np.stack(indices, axis=1).astype(np.int64))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    values, inverse, counts = np.unique(input._node.data, return_inverse=True, return_counts=True)
    result = [wrap_array(values)]
    if return_inverse:
        result.append(wrap_array(inverse.reshape(input._node.data.shape).astype(np.int64)))
    if return_counts:
        result.append(wrap_array(counts.astype(np.int64)))
    return result[0] if len(result) == 1 else tuple(result)


def tril(input, diagonal=0):  # noqa: A002
    return masked_fill(input, wrap_array(~np.tril(np.ones(input._node.data.shape[-2:], bool), diagonal)), 0)


def triu(input, diagonal=0):  # noqa: A002
    return masked_fill(input, wrap_array(~np.triu(np.ones(input._node.data.shape[-2:], bool), diagonal)), 0)


def diag(input, diagonal=0):  # noqa: A002
    data = input._node.data
    if data.ndim == 1:
        return wrap_array(np.diag(data, diagonal))
    n = builtins.min(data.shape)
    rows = np.arange(n)
    return get_item(input, (rows, rows + diagonal) if diagonal >= 0 else (rows - diagonal, rows))


def bincount(input, weights=None, minlength=0):  # noqa: A002
    return wrap_array(np.bincount(input._node.data, None if weights is None else value_of(weights), minlength))



__all__ = [name for name, value in list(globals().items())
           if callable(value) and getattr(value, "__module__", None) == __name__ and not name.startswith("_")]
