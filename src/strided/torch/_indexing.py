"""Indexing with PyTorch's arguments: `x[key]` and `x[key] = v`, index_select, masked_select,
gather/scatter, masked_fill, narrow/select.

Reading goes through `ops.get_item` while gradients are recorded (plain NumPy indexing
otherwise); writing is in place when nothing is recorded, and otherwise an out-of-place
`SetItem` on the tape that the tensor handle is re-pointed to.
"""

import numpy as np

from strided import ops
from strided.autograd import Tensor as Node
from strided.autograd import is_grad_enabled
from strided.torch import _functions as fn
from strided.torch._math import value_of
from strided.torch._tensor import Tensor, as_array, wrap, wrap_array


def narrow(input, dim, start, length):  # noqa: A002
    axis = input._dim(dim)
    key = (slice(None),) * axis + (slice(int(start), int(start) + int(length)),)
    return get_item(input, key)


def select(input, dim, index):  # noqa: A002
    axis = input._dim(dim)
    return get_item(input, (slice(None),) * axis + (int(index),))


def _key(key):
    """An index with Tensors replaced by arrays (bool masks kept bool, others int64)."""
    if isinstance(key, tuple):
        return tuple(_key(k) for k in key)
    if isinstance(key, Tensor):
        data = key._node.data
        if data.ndim == 0 and data.dtype.kind in "iu":
            return int(data)
        return data
    if isinstance(key, list):
        return np.asarray(as_array(key))
    return key


def get_item(input, key):  # noqa: A002
    key = _key(key)
    if not (input.requires_grad and is_grad_enabled()):
        try:
            return wrap_array(np.asarray(input._node.data[key]))
        except IndexError as error:
            raise IndexError(f"{error} (tensor of shape {tuple(input.shape)})") from None
    return wrap(ops.get_item(input._node, key))


def set_item(input, key, value):  # noqa: A002
    """`tensor[key] = value`: in place, or out of place on the tape while recording."""
    key = _key(key)
    node = input._node
    if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled() or (
        node.requires_grad and is_grad_enabled()
    ):
        if node._creator is None and node.requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        source = value._node if isinstance(value, Tensor) else Node(np.asarray(value, node.data.dtype), _copy=False)
        if source.data.dtype != node.data.dtype:
            source = ops.cast(source, node.data.dtype)
        input._node = fn.SetItem.apply(node, source, key=key)
        return
    node.data[key] = value_of(value)


def index_select(input, dim, index):  # noqa: A002
    axis = input._dim(dim)
    return get_item(input, (slice(None),) * axis + (np.asarray(value_of(index), dtype=np.int64),))


def masked_select(input, mask):  # noqa: A002
    mask = np.broadcast_to(np.asarray(value_of(mask), dtype=bool), input._node.data.shape)
    return get_item(input, mask)


def gather(input, dim, index):  # noqa: A002
    return wrap(fn.Gather.apply(input._node, index=np.asarray(value_of(index), dtype=np.int64), axis=input._dim(dim)))


def take_along_dim(input, indices, dim=None):  # noqa: A002
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    return gather(input, dim, indices)


def scatter(input, dim, index, src=None, value=None, reduce=None):  # noqa: A002
    """input with src (or a value) written at index along dim; reduce="add" adds."""
    if src is None:
        src = value
    index = np.asarray(value_of(index), dtype=np.int64)
    if index.ndim == 0:  # PyTorch takes a 0-dim index as a 1-element one (the tutorials' one-hot labels)
        index = index.reshape(1)
        if isinstance(src, Tensor) and src.dim() == 0:
            src = src.reshape(1)
    if not isinstance(src, Tensor):
        src = wrap_array(np.full(index.shape, src, dtype=input._node.data.dtype))
    return wrap(fn.Scatter.apply(input._node, src._node, index=index, axis=input._dim(dim), add=reduce == "add"))


def scatter_add(input, dim, index, src):  # noqa: A002
    index = np.asarray(value_of(index), dtype=np.int64)
    if index.ndim == 0:
        index, src = index.reshape(1), src.reshape(1) if src.dim() == 0 else src
    return wrap(fn.Scatter.apply(input._node, src._node, index=index, axis=input._dim(dim), add=True))


def masked_fill(input, mask, value):  # noqa: A002
    from strided.torch._math import where

    fill = value_of(value)
    result = where(mask, wrap_array(np.asarray(fill, dtype=input._node.data.dtype)), input)
    return result



__all__ = [name for name, value in list(globals().items())
           if callable(value) and getattr(value, "__module__", None) == __name__
           and not name.startswith("_") and name not in ['get_item', 'set_item', 'select']]
