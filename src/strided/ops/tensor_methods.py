"""Attach operators and methods to `Tensor` (x + y, x @ w, x[0], x.sum(), x.reshape(...)).

Kept here, not in autograd, so that autograd depends on no op (Chainer installs its
Variable arithmetic the same way).
"""

from strided.autograd import Tensor
from strided.ops import arithmetic, reduction, shape


def _reflected(function):
    return lambda self, other: function(other, self)


def _reduction_method(name, reduce):
    """`x.sum(axis, keepdims)`, also as NumPy calls it: `np.sum(x)` and `np.max(x)` call
    `x.sum(axis=None, dtype=None, out=None)`; anything but those defaults is refused."""

    def method(self, axis=None, dtype=None, out=None, keepdims=False, **unsupported):
        if out is not None or dtype is not None or unsupported:
            given = {"out": out, "dtype": dtype, **unsupported}
            extra = {k: v for k, v in given.items() if v is not None}
            raise TypeError(f"Tensor.{name}: only axis and keepdims are supported, received "
                            f"{sorted(extra)}")
        return reduce(self, axis=axis, keepdims=keepdims)

    method.__name__ = name
    method.__doc__ = reduce.__doc__
    return method


def install_tensor_methods():
    Tensor.__add__ = arithmetic.add
    Tensor.__radd__ = _reflected(arithmetic.add)
    Tensor.__sub__ = arithmetic.subtract
    Tensor.__rsub__ = _reflected(arithmetic.subtract)
    Tensor.__mul__ = arithmetic.multiply
    Tensor.__rmul__ = _reflected(arithmetic.multiply)
    Tensor.__truediv__ = arithmetic.divide
    Tensor.__rtruediv__ = _reflected(arithmetic.divide)
    Tensor.__neg__ = arithmetic.negative
    Tensor.__pow__ = arithmetic.power
    Tensor.__matmul__ = arithmetic.matmul
    Tensor.__rmatmul__ = _reflected(arithmetic.matmul)
    for name in ("sum", "mean", "max"):
        if hasattr(reduction, name):
            setattr(Tensor, name, _reduction_method(name, getattr(reduction, name)))
    if hasattr(shape, "get_item"):
        Tensor.__getitem__ = shape.get_item
    if hasattr(shape, "reshape"):
        Tensor.reshape = lambda self, *new_shape: shape.reshape(
            self, new_shape[0] if len(new_shape) == 1 else new_shape
        )
    if hasattr(shape, "transpose"):
        Tensor.transpose = lambda self, *axes: shape.transpose(self, axes or None)
        Tensor.T = property(lambda self: shape.transpose(self))
