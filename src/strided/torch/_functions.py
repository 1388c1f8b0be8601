"""The few differentiable Functions PyTorch's tensor API needs that `strided.ops` has no op
for (broadcast_to, gather/scatter, cumsum, prod, flip, sin/cos, index assignment, a copy).

Each is a plain `strided.autograd.Function`: forward and backward on NumPy arrays, recorded
on the same tape as every op; nothing here holds parameters or checks PyTorch arguments.
"""

import numpy as np

from strided.autograd import Function
from strided.ops._base import unbroadcast


class Copy(Function):
    """y = x, a new array (clone)."""

    def forward(self, x):
        return np.array(x, copy=True)

    def backward(self, gy):
        return gy


class BroadcastTo(Function):
    """expand: a broadcast view; the gradient is summed back over the stretched axes."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return np.ascontiguousarray(unbroadcast(gy, self.input_shape))


class Gather(Function):
    """take_along_axis(x, index, axis); backward scatters (adds) into zeros."""

    def __init__(self, index, axis):
        self.index, self.axis = index, axis

    def forward(self, x):
        self.input_shape = x.shape
        return np.take_along_axis(x, self.index, axis=self.axis)

    def backward(self, gy):
        grad = np.zeros(self.input_shape, dtype=gy.dtype)
        _scatter_add(grad, self.index, gy, self.axis)
        return grad


def _scatter_add(target, index, values, axis):
    grids = np.indices(index.shape, sparse=True)
    where = tuple(index if a == axis else grids[a] for a in range(index.ndim))
    np.add.at(target, where, values)


class Scatter(Function):
    """x with `source` values written (or added) at index along axis (torch.scatter / scatter_add)."""

    def __init__(self, index, axis, add):
        self.index, self.axis, self.add = index, axis, add

    def forward(self, x, source):
        y = np.array(x, copy=True)
        grids = np.indices(self.index.shape, sparse=True)
        self.where = tuple(self.index if a == self.axis else grids[a] for a in range(self.index.ndim))
        part = source[tuple(slice(0, n) for n in self.index.shape)]
        if self.add:
            np.add.at(y, self.where, part)
        else:
            y[self.where] = part
        self.source_shape = source.shape
        return y

    def backward(self, gy):
        gx = gy
        if not self.add:
            gx = np.array(gy, copy=True)
            gx[self.where] = 0
        gs = np.zeros(self.source_shape, dtype=gy.dtype)
        gs[tuple(slice(0, n) for n in self.index.shape)] = gy[self.where]
        return gx, gs


class SetItem(Function):
    """x with x[key] = value (the out-of-place form of `tensor[key] = value` while recording)."""

    def __init__(self, key):
        self.key = key

    def forward(self, x, value):
        y = np.array(x, copy=True)
        y[self.key] = value
        self.value_shape = value.shape
        return y

    def backward(self, gy):
        gx = np.array(gy, copy=True)
        gx[self.key] = 0
        gv = unbroadcast(np.asarray(gy[self.key]), self.value_shape) if self.needs_input_grad[1] else None
        return gx, gv


class Cumsum(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return np.cumsum(x, axis=self.axis, dtype=x.dtype)

    def backward(self, gy):
        return np.flip(np.cumsum(np.flip(gy, self.axis), axis=self.axis), self.axis)


class Prod(Function):
    """Product over axes; gradient prod / x (by exclusive products where x is 0)."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.x = x
        self.y = np.prod(x, axis=self.axes, keepdims=True)
        return self.y if self.keepdims else np.squeeze(self.y, self.axes)

    def backward(self, gy):
        gy = gy if self.keepdims else np.expand_dims(gy, self.axes)
        x = self.x
        if np.all(x != 0):
            return gy * self.y / x
        flat = np.moveaxis(x, self.axes, tuple(range(-len(self.axes), 0)))
        shape = flat.shape
        flat = flat.reshape(*shape[: x.ndim - len(self.axes)], -1)
        before = np.cumprod(np.concatenate([np.ones_like(flat[..., :1]), flat[..., :-1]], -1), -1)
        after = np.flip(np.cumprod(np.concatenate(
            [np.ones_like(flat[..., :1]), np.flip(flat, -1)[..., :-1]], -1), -1), -1)
        grad = (before * after).reshape(shape)
        grad = np.moveaxis(grad, tuple(range(-len(self.axes), 0)), self.axes)
        return gy * grad


class Flip(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return np.flip(x, self.axes).copy()

    def backward(self, gy):
        return np.flip(gy, self.axes).copy()


class Sin(Function):
    def forward(self, x):
        self.x = x
        return np.sin(x)

    def backward(self, gy):
        return gy * np.cos(self.x)


class Cos(Function):
    def forward(self, x):
        self.x = x
        return np.cos(x)

    def backward(self, gy):
        return -gy * np.sin(self.x)


class Pointwise(Function):
    """y = f(x) with dy/dx = df(x, y), for the rarer unary functions (log1p, expm1, ...)."""

    def __init__(self, f, df):
        self.f, self.df = f, df

    def forward(self, x):
        self.x = x
        self.y = self.f(x)
        return self.y

    def backward(self, gy):
        return (gy * self.df(self.x, self.y)).astype(gy.dtype, copy=False)


class RetainGrad(Function):
    """y = x (the same array), whose backward also keeps the gradient on a tensor handle:
    `tensor.retain_grad()` for a non-leaf tensor, called before the tensor is used."""

    def __init__(self, owner):
        self.owner = owner

    def forward(self, x):
        return x

    def backward(self, gy):
        kept = getattr(self.owner, "_retained_grad", None)
        self.owner._retained_grad = np.array(gy, copy=True) if kept is None else kept + gy
        return gy
