"""The rest of `keras.ops.numpy`'s elementwise maths: trigonometry, logs, rounding, comparisons.

Differentiable functions are one `Elementwise` Function each: `forward` applies the NumPy
function, `backward` multiplies the upstream gradient by the derivative written beside it
(in terms of the input x and the output y). Comparisons, logical operations, rounding and
tests (isnan, ...) return Tensors without gradient, as their derivative is zero or undefined.
"""

import numpy as np

from strided._config import floatx
from strided.autograd import Function, Tensor
from strided.ops._base import as_tensor, check_broadcastable, unbroadcast

# name: (forward, derivative dy/dx written with x and y)
UNARY = {
    "sin": (np.sin, lambda x, y: np.cos(x)),
    "cos": (np.cos, lambda x, y: -np.sin(x)),
    "tan": (np.tan, lambda x, y: 1 + y * y),
    "arcsin": (np.arcsin, lambda x, y: 1 / np.sqrt(1 - x * x)),
    "arccos": (np.arccos, lambda x, y: -1 / np.sqrt(1 - x * x)),
    "arctan": (np.arctan, lambda x, y: 1 / (1 + x * x)),
    "sinh": (np.sinh, lambda x, y: np.cosh(x)),
    "cosh": (np.cosh, lambda x, y: np.sinh(x)),
    "arcsinh": (np.arcsinh, lambda x, y: 1 / np.sqrt(x * x + 1)),
    "arccosh": (np.arccosh, lambda x, y: 1 / np.sqrt(x * x - 1)),
    "arctanh": (np.arctanh, lambda x, y: 1 / (1 - x * x)),
    "log1p": (np.log1p, lambda x, y: 1 / (1 + x)),
    "log2": (np.log2, lambda x, y: 1 / (x * np.log(2))),
    "log10": (np.log10, lambda x, y: 1 / (x * np.log(10))),
    "expm1": (np.expm1, lambda x, y: y + 1),
    "exp2": (np.exp2, lambda x, y: y * np.log(2)),
    "reciprocal": (np.reciprocal, lambda x, y: -y * y),
    "rsqrt": (lambda x: 1 / np.sqrt(x), lambda x, y: -0.5 * y * y * y),
    "cbrt": (np.cbrt, lambda x, y: 1 / (3 * y * y)),
}


class Elementwise(Function):
    """y = f(x) for one of the UNARY functions; dx = dy * f'(x)."""

    def __init__(self, name):
        self.function, self.derivative = UNARY[name]

    def forward(self, x):
        self.x = x
        self.y = self.function(x).astype(x.dtype, copy=False)
        return self.y

    def backward(self, gy):
        return (gy * self.derivative(self.x, self.y)).astype(gy.dtype, copy=False)


def _float(x):
    x = as_tensor(x)
    if x.dtype.kind != "f":
        x = Tensor(x.data.astype(floatx()))
    return x


def _unary(name):
    def op(x):
        return Elementwise.apply(_float(x), name=name)

    op.__name__ = name
    op.__doc__ = f"Elementwise {name}, as `keras.ops.{name}` (differentiable)."
    return op


for _name in UNARY:
    globals()[_name] = _unary(_name)


class Arctan2(Function):
    """y = atan2(x1, x2); d/dx1 = x2 / r^2, d/dx2 = -x1 / r^2."""

    def forward(self, x1, x2):
        self.x1, self.x2 = x1, x2
        return np.arctan2(x1, x2)

    def backward(self, gy):
        r2 = self.x1 * self.x1 + self.x2 * self.x2
        return unbroadcast(gy * self.x2 / r2, self.x1.shape), unbroadcast(-gy * self.x1 / r2, self.x2.shape)


class LogAddExp(Function):
    """y = log(exp(x1) + exp(x2)); the gradients are the two softmax weights."""

    def forward(self, x1, x2):
        self.shapes = (x1.shape, x2.shape)
        self.y = np.logaddexp(x1, x2)
        self.w1, self.w2 = np.exp(x1 - self.y), np.exp(x2 - self.y)
        return self.y

    def backward(self, gy):
        return unbroadcast(gy * self.w1, self.shapes[0]), unbroadcast(gy * self.w2, self.shapes[1])


def _pair(name, x1, x2):
    a = as_tensor(x1, like=x2 if isinstance(x2, Tensor) else None)
    b = as_tensor(x2, like=a)
    a = as_tensor(a, like=b)
    check_broadcastable(name, a, b)
    return _float(a), _float(b)


def arctan2(x1, x2):
    """atan2(x1, x2) elementwise (differentiable)."""
    return Arctan2.apply(*_pair("arctan2", x1, x2))


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)) without overflow (differentiable)."""
    return LogAddExp.apply(*_pair("logaddexp", x1, x2))


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _constant(name, function):
    def op(*args, **kwargs):
        return Tensor(np.asarray(function(*[_data(a) for a in args], **kwargs)))

    op.__name__ = name
    op.__doc__ = f"`keras.ops.{name}` (no gradient: the result is piecewise constant or boolean)."
    return op


CONSTANT = {
    "equal": np.equal, "not_equal": np.not_equal, "greater": np.greater, "greater_equal": np.greater_equal,
    "less": np.less, "less_equal": np.less_equal, "logical_and": np.logical_and, "logical_or": np.logical_or,
    "logical_not": np.logical_not, "logical_xor": np.logical_xor, "isnan": np.isnan, "isinf": np.isinf,
    "isfinite": np.isfinite, "isneginf": np.isneginf, "isposinf": np.isposinf, "signbit": np.signbit,
    "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "floor_divide": np.floor_divide, "mod": np.mod,
    "isclose": np.isclose, "bitwise_and": np.bitwise_and,
    "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor, "bitwise_not": np.invert,
    "bitwise_invert": np.invert, "digitize": np.digitize, "searchsorted": np.searchsorted,
    "bincount": np.bincount, "heaviside": np.heaviside,
}


def argsort(x, axis=-1):
    """Indices that sort `x` along `axis` (int32, as Keras)."""
    return Tensor(np.argsort(_data(x), axis=axis, kind="stable").astype(np.int32))


def count_nonzero(x, axis=None):
    """How many entries are not zero (int32, as Keras)."""
    return Tensor(np.asarray(np.count_nonzero(_data(x), axis=axis), dtype=np.int32))
for _name, _function in CONSTANT.items():
    globals()[_name] = _constant(_name, _function)


def round(x, decimals=0):
    """Round half to even, as `keras.ops.round` (no gradient)."""
    return Tensor(np.round(_data(x), decimals))


def all(x, axis=None, keepdims=False):
    return Tensor(np.all(_data(x), axis=axis, keepdims=keepdims))


def any(x, axis=None, keepdims=False):
    return Tensor(np.any(_data(x), axis=axis, keepdims=keepdims))


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return bool(np.allclose(_data(x1), _data(x2), rtol, atol, equal_nan))


def nonzero(x):
    return tuple(Tensor(i.astype(np.int32)) for i in np.nonzero(_data(x)))


def median(x, axis=None, keepdims=False):
    return Tensor(np.median(_data(x), axis=axis, keepdims=keepdims).astype(_data(x).dtype if _data(x).dtype.kind == "f" else floatx()))


def quantile(x, q, axis=None, method="linear", keepdims=False):
    return Tensor(np.quantile(_data(x), _data(q), axis=axis, method=method, keepdims=keepdims))


def percentile(x, q, axis=None, method="linear", keepdims=False):
    return Tensor(np.percentile(_data(x), _data(q), axis=axis, method=method, keepdims=keepdims))


def unique(x, sorted=True, return_inverse=False, return_counts=False, axis=None, size=None, fill_value=None):
    results = np.unique(_data(x), return_inverse=return_inverse, return_counts=return_counts, axis=axis)
    if isinstance(results, tuple):
        return tuple(Tensor(r) for r in results)
    return Tensor(results)


def top_k(x, k, sorted=True):
    """The k largest values along the last axis and their indices (values keep a gradient)."""
    from strided.ops.numpy_arrays import take_along_axis

    data = _data(x)
    indices = np.argsort(-data, axis=-1, kind="stable")[..., :k].astype(np.int32)
    return take_along_axis(x, indices, axis=-1), Tensor(indices)


def in_top_k(targets, predictions, k):
    """True where the target class is among the k highest predictions of its row."""
    targets = _data(targets).astype(np.int64)
    predictions = _data(predictions)
    target_scores = np.take_along_axis(predictions, targets[:, None], axis=1)
    return Tensor((predictions > target_scores).sum(axis=1) < k)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN and infinities replaced by numbers (the gradient passes where x was finite)."""
    from strided.ops.math import where

    x = as_tensor(x)
    replaced = np.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    return where(np.isfinite(x.data), x, Tensor(replaced))


def divide_no_nan(x1, x2):
    """x1 / x2, with 0 where x2 == 0 (as `keras.ops.divide_no_nan`)."""
    from strided.ops.arithmetic import divide
    from strided.ops.math import where

    a, b = _pair("divide_no_nan", x1, x2)
    zero = b.data == 0
    safe = where(zero, Tensor(np.ones_like(b.data)), b)
    return where(np.broadcast_to(zero, np.broadcast_shapes(a.shape, b.shape)), Tensor(np.zeros((), a.dtype)), divide(a, safe))


def true_divide(x1, x2):
    from strided.ops.arithmetic import divide

    return divide(x1, x2)


__all__ = sorted(list(UNARY) + list(CONSTANT) + [
    "arctan2", "logaddexp", "argsort", "count_nonzero", "round", "all", "any", "allclose", "nonzero", "median", "quantile", "percentile",
    "unique", "top_k", "in_top_k", "nan_to_num", "divide_no_nan", "true_divide"])
