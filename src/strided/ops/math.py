"""Elementwise maths: exp, log, sqrt, square, abs, clip, maximum, minimum, where, sign,
logsumexp and erf, with keras.ops names.

Each gradient is the local derivative times the upstream gradient, d exp(x) = exp(x),
d log(x) = 1/x, ... At kinks the choice follows PyTorch: abs'(0) = 0, clip passes the
gradient where x_min <= x <= x_max (inclusive), and maximum/minimum split it in half
between equal inputs. Binary ops broadcast; their gradients are summed back (`unbroadcast`).
"""

import numpy as np

from strided.autograd import Function, Tensor
from strided.kernels.special import erf as erf_kernel
from strided.ops._base import as_tensor, check_broadcastable, normalize_axis, unbroadcast


class Exp(Function):
    def forward(self, x):
        self.y = np.exp(x)
        return self.y

    def backward(self, gy):
        return gy * self.y


class Log(Function):
    def forward(self, x):
        self.x = x
        return np.log(x)

    def backward(self, gy):
        return gy / self.x


class Sqrt(Function):
    def forward(self, x):
        self.y = np.sqrt(x)
        return self.y

    def backward(self, gy):
        return gy / (2 * self.y)


class Square(Function):
    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return gy * (2 * self.x)


class Abs(Function):
    def forward(self, x):
        self.sign = np.sign(x)
        return np.abs(x)

    def backward(self, gy):
        return gy * self.sign


class Clip(Function):
    def __init__(self, low, high):
        self.low, self.high = low, high

    def forward(self, x):
        self.inside = (x >= self.low) & (x <= self.high)
        return np.clip(x, self.low, self.high).astype(x.dtype, copy=False)

    def backward(self, gy):
        return gy * self.inside


class Select(Function):
    """where(condition, a, b): the gradient goes to a where condition holds, else to b.

    maximum/minimum are a Select whose condition is a > b (a < b); where a == b each input
    gets half (`tie`), as in PyTorch.
    """

    def __init__(self, condition, tie=None):
        self.condition, self.tie = condition, tie

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return np.where(self.condition, a, b)

    def backward(self, gy):
        share = self.condition if self.tie is None else np.where(self.tie, 0.5, self.condition)
        share = np.asarray(share, dtype=gy.dtype)
        ga = unbroadcast(gy * share, self.shapes[0]) if self.needs_input_grad[0] else None
        gb = unbroadcast(gy * (1 - share), self.shapes[1]) if self.needs_input_grad[1] else None
        return ga, gb


class Extremum(Select):
    """maximum (larger=True) or minimum of a and b: a Select whose condition is a > b (a < b),
    found in forward from the inputs themselves."""

    def __init__(self, larger):
        self.larger = larger

    def forward(self, a, b):
        self.condition = a > b if self.larger else a < b
        self.tie = a == b
        return super().forward(a, b)


class Erf(Function):
    def forward(self, x):
        self.x = x
        return erf_kernel(x)

    def backward(self, gy):
        return gy * (2 / np.sqrt(np.pi) * np.exp(-self.x * self.x)).astype(gy.dtype, copy=False)


class LogSumExp(Function):
    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        shift = np.max(x, axis=self.axes, keepdims=True)
        shift = np.where(np.isfinite(shift), shift, 0).astype(x.dtype, copy=False)  # all -inf rows
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf when every x is -inf
            y = np.log(np.sum(np.exp(x - shift), axis=self.axes, keepdims=True)) + shift
            self.softmax = np.exp(x - y)  # d logsumexp / dx
        return y if self.keepdims else np.squeeze(y, axis=self.axes)

    def backward(self, gy):
        return self.softmax * (gy if self.keepdims else np.expand_dims(gy, self.axes))


def exp(x):
    """e ** x elementwise. Example: exp(Tensor([0.0, 1.0])) -> [1., 2.7183]."""
    return Exp.apply(as_tensor(x))


def log(x):
    """Natural logarithm elementwise (-inf at 0, nan below). Example: log(Tensor([1.0])) -> [0.]."""
    return Log.apply(as_tensor(x))


def sqrt(x):
    """Square root elementwise; the gradient 1 / (2 sqrt(x)) is infinite at 0."""
    return Sqrt.apply(as_tensor(x))


def square(x):
    """x * x elementwise, gradient 2x. Example: square(Tensor([3.0])) -> [9.]."""
    return Square.apply(as_tensor(x))


def abs(x):
    """|x| elementwise, gradient sign(x) (0 at x = 0, as PyTorch)."""
    return Abs.apply(as_tensor(x))


def absolute(x):
    """Alias of `abs` (keras.ops.absolute)."""
    return abs(x)


def sign(x):
    """-1, 0 or 1 elementwise. Piecewise constant, so it has no gradient."""
    x = as_tensor(x)
    return Tensor(np.sign(x.data), _copy=False)


def erf(x):
    """The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt (exact GELU uses it).

    Vectorised and accurate to about 1e-15 (NumPy has no erf); gradient
    2/sqrt(pi) * exp(-x^2). Example: erf(Tensor([0.0, 1.0])) -> [0., 0.8427].
    """
    return Erf.apply(as_tensor(x))


def clip(x, x_min, x_max):
    """Limit values to [x_min, x_max] (constants). The gradient passes where
    x_min <= x <= x_max and is 0 outside, as torch.clamp.

    Example: clip(Tensor([-2.0, 0.5, 3.0]), 0, 1) -> [0., 0.5, 1.]
    """
    x = as_tensor(x)
    if not (np.isscalar(x_min) and np.isscalar(x_max)):
        raise TypeError(
            f"clip: x_min and x_max must be numbers. Received: x_min={x_min!r}, x_max={x_max!r}"
        )
    if x_min > x_max:
        raise ValueError(
            f"clip: x_min must not exceed x_max. Received: x_min={x_min}, x_max={x_max}"
        )
    return Clip.apply(x, low=x_min, high=x_max)


def _pair(op_name, x1, x2):
    a = as_tensor(x1, like=x2 if isinstance(x2, Tensor) else None)
    b = as_tensor(x2, like=a)
    a = as_tensor(a, like=b)
    check_broadcastable(op_name, a, b)
    return a, b


def maximum(x1, x2):
    """Elementwise larger of x1 and x2 (broadcast); ties split the gradient in half.

    Example: maximum(Tensor([1.0, 5.0]), 2.0) -> [2., 5.]
    """
    a, b = _pair("maximum", x1, x2)
    return Extremum.apply(a, b, larger=True)


def minimum(x1, x2):
    """Elementwise smaller of x1 and x2 (broadcast); ties split the gradient in half.

    Example: minimum(Tensor([1.0, 5.0]), 2.0) -> [1., 2.]
    """
    a, b = _pair("minimum", x1, x2)
    return Extremum.apply(a, b, larger=False)


def where(condition, x1=None, x2=None):
    """x1 where `condition` is true, else x2 (all three broadcast); differentiable in x1, x2.

    With only `condition`, returns the indices of its true elements, one int Tensor per
    axis (keras.ops.where / np.nonzero).

    Example: where(x.numpy() > 0, x, 0.0) keeps the positive entries of x and zeroes the rest.
    """
    condition = np.asarray(condition.data if isinstance(condition, Tensor) else condition).astype(
        bool
    )
    if x1 is None and x2 is None:
        return tuple(Tensor(i, _copy=False) for i in np.nonzero(condition))
    if x1 is None or x2 is None:
        raise ValueError(
            "where: give both x1 and x2, or neither (to get the indices of true elements)"
        )
    a, b = _pair("where", x1, x2)
    try:
        shape = np.broadcast_shapes(condition.shape, a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"where: cannot broadcast condition {condition.shape}, x1 {a.shape} and "
            f"x2 {b.shape} together"
        ) from None
    return Select.apply(a, b, condition=np.broadcast_to(condition, shape))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed as m + log(sum(exp(x - m))) with m = max(x)
    so it neither overflows nor underflows. Its gradient is softmax(x) over `axis`.

    Example: logsumexp(Tensor([1000.0, 1000.0])) -> 1000.6931
    """
    x = as_tensor(x)
    axes = normalize_axis("logsumexp", axis, x.ndim)
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(
            f"logsumexp: cannot reduce over an empty axis (input shape {x.shape}, axis {axes})"
        )
    return LogSumExp.apply(x, axes=axes, keepdims=bool(keepdims))


__all__ = [
    "abs",
    "absolute",
    "clip",
    "erf",
    "exp",
    "log",
    "logsumexp",
    "maximum",
    "minimum",
    "sign",
    "sqrt",
    "square",
    "where",
]
