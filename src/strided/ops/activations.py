"""Activation functions with Keras 3 `keras.ops` names: relu, sigmoid, softmax, gelu, ...

Each is a `Function` whose backward is the derivative written out by hand. They are
written to be numerically stable: `sigmoid` never computes exp of a large positive number,
`softplus` uses max(x, 0) + log1p(exp(-|x|)), and `softmax` subtracts the maximum first
(softmax(x) = softmax(x - c) for any constant c, and exp of a value <= 0 cannot overflow).
All keep the input's float type (float32 in, float32 out).
"""

import math

import numpy as np

from strided import _config
from strided.autograd import Function, Tensor
from strided.kernels import elementwise
from strided.kernels.parallel import map_rows
from strided.ops._base import as_tensor, normalize_axis

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805
_erf = np.frompyfunc(math.erf, 1, 1)  # exact (double precision); NumPy has no vectorised erf


def _float_input(x):
    """A float Tensor for `x` (integer arrays become floatx, as Keras casts them)."""
    x = as_tensor(x)
    return x if x.dtype.kind == "f" else Tensor(x.data, dtype=_config.floatx())


def _stable_sigmoid(x):
    """1 / (1 + exp(-x)) computed from e = exp(-|x|) <= 1, so it never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Pointwise(Function):
    """y = f(x) elementwise; subclasses give `value(x)` and `derivative(x, y)` (dy/dx)."""

    def __init__(self, **params):
        self.params = params

    def forward(self, x):
        self.x = x
        self.y = self.value(x, **self.params)
        return self.y

    def backward(self, gy):
        return gy * self.derivative(self.x, self.y, **self.params)


class Relu(Function):
    """y = max(x, 0), dy/dx = (x > 0); large arrays are split over the kernel threads."""

    def forward(self, x):
        self.x = x
        return map_rows(lambda out, part: elementwise.relu(part, out), np.empty_like(x), x)

    def backward(self, gy):
        return map_rows(lambda out, g, part: np.multiply(g, part > 0, out=out),
                        np.empty(self.x.shape, np.result_type(gy, self.x)), gy, self.x)


class Relu6(Pointwise):
    value = staticmethod(lambda x: np.clip(x, 0, 6))
    derivative = staticmethod(lambda x, y: (x > 0) & (x < 6))


class GeneralRelu(Pointwise):
    """Keras' relu(x, negative_slope, max_value, threshold): x between threshold and max_value,
    max_value above it, negative_slope * (x - threshold) at or below the threshold."""

    value = staticmethod(
        lambda x, slope, upper, threshold: np.where(
            x > threshold, np.minimum(x, upper), slope * (x - threshold)
        ).astype(x.dtype, copy=False)
    )
    derivative = staticmethod(
        lambda x, y, slope, upper, threshold: np.where(x > threshold, x < upper, slope).astype(x.dtype)
    )


class LeakyRelu(Pointwise):
    value = staticmethod(lambda x, slope: np.where(x > 0, x, x * slope))
    derivative = staticmethod(lambda x, y, slope: np.where(x > 0, 1, slope).astype(x.dtype))


class Elu(Pointwise):
    value = staticmethod(lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))))
    derivative = staticmethod(lambda x, y, alpha: np.where(x > 0, 1, y + alpha).astype(x.dtype))


class Selu(Pointwise):
    value = staticmethod(
        lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))
    )
    derivative = staticmethod(
        lambda x, y: np.where(x > 0, _SELU_SCALE, y + _SELU_SCALE * _SELU_ALPHA).astype(x.dtype)
    )


class Sigmoid(Pointwise):
    value = staticmethod(_stable_sigmoid)
    derivative = staticmethod(lambda x, y: y * (1 - y))


class Tanh(Pointwise):
    value = staticmethod(np.tanh)
    derivative = staticmethod(lambda x, y: 1 - y * y)


class Softplus(Pointwise):
    value = staticmethod(lambda x: np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))))
    derivative = staticmethod(lambda x, y: _stable_sigmoid(x))


class LogSigmoid(Pointwise):
    value = staticmethod(lambda x: np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))))
    derivative = staticmethod(lambda x, y: _stable_sigmoid(-x))


class Softsign(Pointwise):
    value = staticmethod(lambda x: x / (1 + np.abs(x)))
    derivative = staticmethod(lambda x, y: 1 / (1 + np.abs(x)) ** 2)


class Silu(Pointwise):
    """x * sigmoid(x); d/dx = s * (1 + x * (1 - s))."""

    def forward(self, x):
        self.x, self.s = x, _stable_sigmoid(x)
        return x * self.s

    def backward(self, gy):
        return gy * self.s * (1 + self.x * (1 - self.s))


class HardSigmoid(Pointwise):
    value = staticmethod(lambda x: np.clip(x + 3, 0, 6) / 6)
    derivative = staticmethod(lambda x, y: ((x > -3) & (x < 3)).astype(x.dtype) / 6)


class HardSilu(Pointwise):
    value = staticmethod(lambda x: x * np.clip(x + 3, 0, 6) / 6)
    derivative = staticmethod(
        lambda x, y: np.where(x < -3, 0, np.where(x > 3, 1, x / 3 + 0.5)).astype(x.dtype)
    )


class Gelu(Pointwise):
    """x * Phi(x): exact with erf, or the tanh approximation of Hendrycks & Gimpel."""

    def forward(self, x):
        self.x = x
        if self.params["approximate"]:
            c = math.sqrt(2 / math.pi)
            self.t = np.tanh(c * (x + 0.044715 * x**3))
            return 0.5 * x * (1 + self.t)
        self.cdf = (0.5 * (1 + _erf(x / math.sqrt(2)))).astype(x.dtype)
        return x * self.cdf

    def backward(self, gy):
        x = self.x
        if self.params["approximate"]:
            c = math.sqrt(2 / math.pi)
            dt = (1 - self.t * self.t) * c * (1 + 3 * 0.044715 * x * x)
            return gy * (0.5 * (1 + self.t) + 0.5 * x * dt)
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return gy * (self.cdf + x * pdf)


class Softmax(Function):
    """exp(x - max) / sum(exp(x - max)); backward: y * (gy - sum(gy * y))."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        e = np.exp(x - x.max(axis=self.axis, keepdims=True))
        e /= e.sum(axis=self.axis, keepdims=True)
        self.y = e
        return e

    def backward(self, gy):
        return self.y * (gy - np.sum(gy * self.y, axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """(x - max) - log(sum(exp(x - max))); backward: gy - softmax * sum(gy)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        shifted = x - np.max(x, axis=self.axis, keepdims=True)
        self.y = shifted - np.log(np.sum(np.exp(shifted), axis=self.axis, keepdims=True))
        return self.y

    def backward(self, gy):
        return gy - np.exp(self.y) * np.sum(gy, axis=self.axis, keepdims=True)


def _softmax_axis(name, x, axis):
    if x.ndim == 0:
        raise ValueError(f"{name}: expected an input with at least 1 dimension, received a scalar")
    axes = normalize_axis(name, axis, x.ndim)
    return axes[0] if len(axes) == 1 else axes


def relu(x):
    """Rectified linear unit, max(x, 0): the default activation of the lessons' CNNs.

    >>> relu([-1.0, 2.0])            # Tensor([0., 2.])
    """
    return Relu.apply(_float_input(x))


def relu6(x):
    """min(max(x, 0), 6) (MobileNet's bounded ReLU).

    >>> relu6([-1.0, 3.0, 9.0])      # Tensor([0., 3., 6.])
    """
    return Relu6.apply(_float_input(x))


def general_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras' full relu: capped at `max_value`, `negative_slope` * (x - threshold) at or below
    `threshold`, x in between (`activations.relu` and the ReLU layer with their options).

    >>> general_relu([-1.0, 3.0, 9.0], negative_slope=0.5, max_value=6.0)   # Tensor([-0.5, 3., 6.])
    """
    upper = np.inf if max_value is None else float(max_value)
    return GeneralRelu.apply(_float_input(x), slope=float(negative_slope), upper=upper,
                             threshold=float(threshold))


def leaky_relu(x, negative_slope=0.2, *, alpha=None):
    """x if x > 0 else negative_slope * x; lets a little gradient through negative inputs.

    Args:
        negative_slope: slope for x < 0 (Keras 3 name, default 0.2).
        alpha: the Keras 2 name of the same argument; accepted as an alias.

    >>> leaky_relu([-10.0, 1.0])     # Tensor([-2., 1.])
    """
    slope = negative_slope if alpha is None else alpha
    return LeakyRelu.apply(_float_input(x), slope=float(slope))


def elu(x, alpha=1.0):
    """Exponential linear unit: x if x > 0 else alpha * (exp(x) - 1).

    >>> elu([-1.0, 1.0])             # Tensor([-0.632, 1.])
    """
    return Elu.apply(_float_input(x), alpha=float(alpha))


def selu(x):
    """Scaled ELU: 1.0507 * elu(x, alpha=1.6733) (self-normalising networks)."""
    return Selu.apply(_float_input(x))


def gelu(x, approximate=True):
    """Gaussian error linear unit, x * Phi(x) where Phi is the standard normal CDF.

    Args:
        approximate: True (Keras' default) uses 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            (torch's approximate="tanh"); False uses the exact 0.5 x (1 + erf(x / sqrt(2))).

    >>> gelu([1.0], approximate=False)   # Tensor([0.8413])
    """
    return Gelu.apply(_float_input(x), approximate=bool(approximate))


def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), stable for large |x| (no overflow warning).

    >>> sigmoid([0.0, 1000.0, -1000.0])  # Tensor([0.5, 1., 0.])
    """
    return Sigmoid.apply(_float_input(x))


def tanh(x):
    """Hyperbolic tangent; derivative 1 - tanh(x)^2."""
    return Tanh.apply(_float_input(x))


def softplus(x):
    """log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so it never overflows."""
    return Softplus.apply(_float_input(x))


def softsign(x):
    """x / (1 + |x|)."""
    return Softsign.apply(_float_input(x))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return LogSigmoid.apply(_float_input(x))


def silu(x):
    """Sigmoid linear unit x * sigmoid(x) (also called swish).

    >>> silu([0.0, 1.0])             # Tensor([0., 0.7311])
    """
    return Silu.apply(_float_input(x))


def hard_sigmoid(x):
    """Piecewise-linear sigmoid, Keras 3 formula relu6(x + 3) / 6 (0 below -3, 1 above 3)."""
    return HardSigmoid.apply(_float_input(x))


def hard_silu(x):
    """x * hard_sigmoid(x) = x * relu6(x + 3) / 6 (MobileNetV3's hard swish)."""
    return HardSilu.apply(_float_input(x))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`: turns scores into probabilities that sum to 1.

    The maximum is subtracted first, so large scores do not overflow.

    Args:
        axis: an int or a tuple of ints (default: the last axis, the classes).

    >>> softmax([[1.0, 1.0, 1000.0]])    # Tensor([[0., 0., 1.]])
    """
    x = _float_input(x)
    return Softmax.apply(x, axis=_softmax_axis("softmax", x, axis))


def log_softmax(x, axis=-1):
    """log(softmax(x)) computed as (x - max) - log(sum(exp(x - max))), stable and exact.

    >>> log_softmax([[0.0, 0.0]])        # Tensor([[-0.6931, -0.6931]])
    """
    x = _float_input(x)
    return LogSoftmax.apply(x, axis=_softmax_axis("log_softmax", x, axis))


swish = silu
hard_swish = hard_silu

__all__ = [
    "elu",
    "gelu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "leaky_relu",
    "general_relu",
    "log_sigmoid",
    "log_softmax",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]
