"""Activation functions with Keras 3 `keras.ops` names: relu, sigmoid, softmax, gelu, ...

Each is a `Function` over a pair of kernels, the value and the derivative written out by
hand (`kernels.reference.activations`; ReLU and softmax have faster forms in `kernels.fast.activations`,
chosen by `kernels.dispatch`). They are numerically stable: `sigmoid` never computes exp of a large positive number,
`softplus` uses max(x, 0) + log1p(exp(-|x|)), and `softmax` subtracts the maximum first
(softmax(x) = softmax(x - c) for any constant c, and exp of a value <= 0 cannot overflow).
All keep the input's float type (float32 in, float32 out).
"""

import numpy as np

from strided import _config
from strided.autograd import Function, Tensor
from strided.kernels.dispatch import kernel_set
from strided.ops._base import as_tensor, normalize_axis


def _float_input(x):
    """A float Tensor for `x` (integer arrays become floatx, as Keras casts them)."""
    x = as_tensor(x)
    return x if x.dtype.kind == "f" else Tensor(x.data, dtype=_config.floatx())


class Pointwise(Function):
    """y = f(x) (softmax: along an axis), with the kernels `f` and `f_backward` of the chosen
    kernel set (`kernels.dispatch`; the formulas are in `kernels.reference.activations`).

    Subclasses name their kernel `f`; the keyword parameters go to both kernels.
    """

    kernel = None

    def __init__(self, **params):
        self.params = params

    def forward(self, x):
        self.kernels = kernel_set()  # fast or reference, for both passes
        self.x = x
        self.y = getattr(self.kernels, self.kernel)(x, **self.params)
        return self.y

    def backward(self, gy):
        return getattr(self.kernels, self.kernel + "_backward")(gy, self.x, self.y, **self.params)


class Relu(Pointwise):
    """y = max(x, 0), dy/dx = (x > 0); the fast kernel splits large arrays over the threads."""

    kernel = "relu"


class Relu6(Pointwise):
    kernel = "relu6"


class GeneralRelu(Pointwise):
    """Keras' relu(x, negative_slope, max_value, threshold): x between threshold and max_value,
    max_value above it, negative_slope * (x - threshold) at or below the threshold."""

    kernel = "general_relu"


class LeakyRelu(Pointwise):
    kernel = "leaky_relu"


class Elu(Pointwise):
    kernel = "elu"


class Selu(Pointwise):
    kernel = "selu"


class Sigmoid(Pointwise):
    kernel = "sigmoid"


class Tanh(Pointwise):
    kernel = "tanh"


class Softplus(Pointwise):
    kernel = "softplus"


class LogSigmoid(Pointwise):
    kernel = "log_sigmoid"


class Softsign(Pointwise):
    kernel = "softsign"


class Silu(Pointwise):
    """x * sigmoid(x); d/dx = s * (1 + x * (1 - s))."""

    kernel = "silu"


class HardSigmoid(Pointwise):
    kernel = "hard_sigmoid"


class HardSilu(Pointwise):
    kernel = "hard_silu"


class Gelu(Pointwise):
    """x * Phi(x): exact with erf, or the tanh approximation of Hendrycks & Gimpel."""

    kernel = "gelu"


class Softmax(Pointwise):
    """exp(x - max) / sum(exp(x - max)) along `axis`; backward: y * (gy - sum(gy * y))."""

    kernel = "softmax"


class LogSoftmax(Pointwise):
    """(x - max) - log(sum(exp(x - max))); backward: gy - softmax * sum(gy)."""

    kernel = "log_softmax"


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
