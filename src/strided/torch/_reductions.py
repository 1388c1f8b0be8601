"""Reductions with PyTorch's arguments: sum/mean/std/var/prod(dim, keepdim), max/min (with
`dim`: a (values, indices) named tuple), argmax, amax, all/any, cumsum, logsumexp, norm.

`dim` may be an int, a tuple or None (all dims); the engine's `ops.sum`/`ops.mean`/... do
the work. std/var use PyTorch's default Bessel correction (`correction=1`, `unbiased=True`).
"""

import builtins

import numpy as np

from strided import ops
from strided.autograd import Tensor as Node
from strided.torch import _functions as fn
from strided.torch._math import float_node
from strided.torch._return_types import return_type
from strided.torch._tensor import wrap, wrap_array

_RESULT_TYPES = {}


def values_indices(values, indices, op):
    """`op`'s (values, indices) result, a torch.return_types.<op> named tuple."""
    if op not in _RESULT_TYPES:
        _RESULT_TYPES[op] = return_type(op, ["values", "indices"])
    return _RESULT_TYPES[op](values, indices)


def _axes(input, dim):  # noqa: A002
    if dim is None or dim == () or dim == []:
        return None
    dims = (dim,) if np.ndim(dim) == 0 else tuple(dim)
    return tuple(input._dim(d) for d in dims)


def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001, A002
    """Sum over `dim` (all when None); bool and integer tensors sum to int64, as PyTorch."""
    node = input._node
    if dtype is not None:
        node = input.type(dtype)._node
    elif node.data.dtype.kind in "biu":
        node = Node(node.data.astype(np.int64), _copy=False)
    return wrap(ops.sum(node, axis=_axes(input, dim), keepdims=keepdim))


def mean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    if dtype is not None:
        input = input.type(dtype)
    if input._node.data.dtype.kind not in "fc":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype.name.capitalize()}"
        )
    return wrap(ops.mean(input._node, axis=_axes(input, dim), keepdims=keepdim))


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _count(input, axes):  # noqa: A002
    shape = input._node.data.shape
    return int(np.prod([shape[a] for a in (axes if axes is not None else range(len(shape)))]))


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """Variance with Bessel's correction by default: sum((x - mean)^2) / (N - correction)."""
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    axes = _axes(input, dim)
    n, c = _count(input, axes), _correction(unbiased, correction)
    population = ops.var(float_node(input), axis=axes, keepdims=keepdim)
    scale = n / builtins.max(n - c, 0) if n - c > 0 else np.inf
    return wrap(ops.multiply(population, Node(np.asarray(scale, population.data.dtype), _copy=False)))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    axes = _axes(input, dim)
    n, c = _count(input, axes), _correction(unbiased, correction)
    population = ops.std(float_node(input), axis=axes, keepdims=keepdim)
    scale = np.sqrt(n / (n - c)) if n - c > 0 else np.inf
    return wrap(ops.multiply(population, Node(np.asarray(scale, population.data.dtype), _copy=False)))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    node = input._node if dtype is None else input.type(dtype)._node
    axes = _axes(input, dim)
    axes = tuple(range(node.data.ndim)) if axes is None else axes
    return wrap(fn.Prod.apply(node, axes=axes, keepdims=keepdim))


def _extreme(name, reduce, find, input, dim, keepdim):  # noqa: A002
    if dim is None:
        if input._node.data.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        return wrap(reduce(input._node))
    axis = input._dim(dim)
    data = input._node.data
    if data.ndim == 0:
        return values_indices(input, wrap_array(np.zeros((), np.int64)), name)
    index = np.expand_dims(find(data, axis=axis), axis)
    values = fn.Gather.apply(input._node, index=index, axis=axis)
    if not keepdim:
        values = ops.squeeze(values, axis)
        index = np.squeeze(index, axis)
    return values_indices(wrap(values), wrap_array(index.astype(np.int64)), name)


def max(input, dim=None, keepdim=False):  # noqa: A001, A002
    """The largest element; with `dim`, a named tuple (values, indices) along it.

    `max(a, b)` with two tensors is `maximum(a, b)`, as in PyTorch.
    """
    from strided.torch._tensor import Tensor

    if isinstance(dim, Tensor):
        from strided.torch._math import maximum

        return maximum(input, dim)
    return _extreme("max", ops.max, np.argmax, input, dim, keepdim)


def min(input, dim=None, keepdim=False):  # noqa: A001, A002
    from strided.torch._tensor import Tensor

    if isinstance(dim, Tensor):
        from strided.torch._math import minimum

        return minimum(input, dim)
    return _extreme("min", ops.min, np.argmin, input, dim, keepdim)


def amax(input, dim=(), keepdim=False):  # noqa: A002
    return wrap(ops.max(input._node, axis=_axes(input, dim), keepdims=keepdim))


def amin(input, dim=(), keepdim=False):  # noqa: A002
    return wrap(ops.min(input._node, axis=_axes(input, dim), keepdims=keepdim))


def argmax(input, dim=None, keepdim=False):  # noqa: A002
    data = input._node.data
    if dim is None:
        return wrap_array(np.asarray(np.argmax(data), dtype=np.int64))
    return wrap_array(np.argmax(data, axis=input._dim(dim), keepdims=keepdim).astype(np.int64))


def argmin(input, dim=None, keepdim=False):  # noqa: A002
    data = input._node.data
    if dim is None:
        return wrap_array(np.asarray(np.argmin(data), dtype=np.int64))
    return wrap_array(np.argmin(data, axis=input._dim(dim), keepdims=keepdim).astype(np.int64))


def all(input, dim=None, keepdim=False):  # noqa: A001, A002
    return wrap_array(np.asarray(np.all(input._node.data, axis=_axes(input, dim), keepdims=keepdim)))


def any(input, dim=None, keepdim=False):  # noqa: A001, A002
    return wrap_array(np.asarray(np.any(input._node.data, axis=_axes(input, dim), keepdims=keepdim)))


def count_nonzero(input, dim=None):  # noqa: A002
    return wrap_array(np.asarray(np.count_nonzero(input._node.data, axis=_axes(input, dim)), dtype=np.int64))


def cumsum(input, dim, *, dtype=None):  # noqa: A002
    node = input._node if dtype is None else input.type(dtype)._node
    if node.data.dtype.kind in "biu":
        node = Node(node.data.astype(np.int64), _copy=False)
    return wrap(fn.Cumsum.apply(node, axis=input._dim(dim)))


def logsumexp(input, dim, keepdim=False):  # noqa: A002
    return wrap(ops.logsumexp(float_node(input), axis=_axes(input, dim), keepdims=keepdim))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):  # noqa: A002
    """The vector p-norm (2 by default) over `dim` (all elements when None)."""
    from strided.torch import _math

    if p in ("fro", 2, 2.0):
        return _math.sqrt(sum(_math.mul(input, input), dim, keepdim))
    if p in (float("inf"), "inf"):
        return amax(_math.abs(input), dim if dim is not None else (), keepdim)
    if p == 1:
        return sum(_math.abs(input), dim, keepdim)
    return _math.pow(sum(_math.pow(_math.abs(input), p), dim, keepdim), 1.0 / p)


def median(input, dim=None, keepdim=False):  # noqa: A002
    data = input._node.data
    if dim is None:
        flat = np.sort(data.reshape(-1))
        return wrap_array(np.asarray(flat[(flat.size - 1) // 2]))
    axis = input._dim(dim)
    order = np.argsort(data, axis=axis, kind="stable")
    middle = np.take(order, [(data.shape[axis] - 1) // 2], axis=axis)
    values = fn.Gather.apply(input._node, index=middle, axis=axis)
    if not keepdim:
        values, middle = ops.squeeze(values, axis), np.squeeze(middle, axis)
    return values_indices(wrap(values), wrap_array(middle.astype(np.int64)), "median")




__all__ = [name for name, value in list(globals().items())
           if callable(value) and getattr(value, "__module__", None) == __name__
           and not name.startswith("_") and name not in ['values_indices']]
