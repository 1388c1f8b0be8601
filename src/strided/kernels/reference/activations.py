"""Activation functions and their derivatives, elementwise (softmax: along an axis).

Every activation `f` comes as a pair: `f(x, ...) -> y` and `f_backward(dy, x, y, ...) -> dx`,
with dx = dy * f'(x) written out by hand (each derivative uses whichever of x and y is simpler).
They keep x's float dtype and are numerically stable: sigmoid never takes exp of a large
positive number, softplus is max(x, 0) + log1p(exp(-|x|)), softmax subtracts the maximum first.

    relu(x)       = max(x, 0)                         relu'    = [x > 0]
    leaky_relu(x) = x if x > 0 else slope * x         leaky'   = 1 or slope
    elu(x)        = x if x > 0 else a (e^x - 1)       elu'     = 1 or y + a
    sigmoid(x)    = 1 / (1 + e^-x)                    sigmoid' = y (1 - y)
    tanh(x)                                           tanh'    = 1 - y^2
    silu(x)       = x sigmoid(x)  (swish)             silu'    = s (1 + x (1 - s)),  s = sigmoid(x)
    gelu(x)       = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2     gelu' = Phi(x) + x phi(x)
                    (or the tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))))
    softmax(x)_i  = e^(x_i - max) / sum_j e^(x_j - max)       dx = y (dy - sum(dy y))
"""

import math

import numpy as np

from strided.kernels.special import erf

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
_TANH_GELU = math.sqrt(2 / math.pi)


def _stable_sigmoid(x):
    """1 / (1 + exp(-x)) computed from e = exp(-|x|) <= 1, so it never overflows."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def relu(x):
    return np.maximum(x, 0)


def relu_backward(dy, x, y=None):
    return dy * (x > 0)


def relu6(x):
    return np.clip(x, 0, 6)


def relu6_backward(dy, x, y):
    return dy * ((x > 0) & (x < 6))


def general_relu(x, slope, upper, threshold):
    """Keras' relu(x, negative_slope, max_value, threshold)."""
    return np.where(x > threshold, np.minimum(x, upper), slope * (x - threshold)).astype(x.dtype, copy=False)


def general_relu_backward(dy, x, y, slope, upper, threshold):
    return dy * np.where(x > threshold, x < upper, slope).astype(x.dtype)


def leaky_relu(x, slope):
    return np.where(x > 0, x, x * slope)


def leaky_relu_backward(dy, x, y, slope):
    return dy * np.where(x > 0, 1, slope).astype(x.dtype)


def elu(x, alpha):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_backward(dy, x, y, alpha):
    return dy * np.where(x > 0, 1, y + alpha).astype(x.dtype)


def selu(x):
    return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))


def selu_backward(dy, x, y):
    return dy * np.where(x > 0, SELU_SCALE, y + SELU_SCALE * SELU_ALPHA).astype(x.dtype)


def sigmoid(x):
    return _stable_sigmoid(x)


def sigmoid_backward(dy, x, y):
    return dy * (y * (1 - y))


def tanh(x):
    return np.tanh(x)


def tanh_backward(dy, x, y):
    return dy * (1 - y * y)


def softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def softplus_backward(dy, x, y):
    return dy * _stable_sigmoid(x)


def log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def log_sigmoid_backward(dy, x, y):
    return dy * _stable_sigmoid(-x)


def softsign(x):
    return x / (1 + np.abs(x))


def softsign_backward(dy, x, y):
    return dy * (1 / (1 + np.abs(x)) ** 2)


def silu(x):
    return x * _stable_sigmoid(x)


def silu_backward(dy, x, y):
    s = _stable_sigmoid(x)
    return dy * (s * (1 + x * (1 - s)))


def hard_sigmoid(x):
    return np.clip(x + 3, 0, 6) / 6


def hard_sigmoid_backward(dy, x, y):
    return dy * (((x > -3) & (x < 3)).astype(x.dtype) / 6)


def hard_silu(x):
    return x * np.clip(x + 3, 0, 6) / 6


def hard_silu_backward(dy, x, y):
    return dy * np.where(x < -3, 0, np.where(x > 3, 1, x / 3 + 0.5)).astype(x.dtype)


def gelu(x, approximate):
    if approximate:
        return 0.5 * x * (1 + np.tanh(_TANH_GELU * (x + 0.044715 * x**3)))
    return x * (0.5 * (1 + erf(x / math.sqrt(2)))).astype(x.dtype)


def gelu_backward(dy, x, y, approximate):
    if approximate:
        t = np.tanh(_TANH_GELU * (x + 0.044715 * x**3))
        dt = (1 - t * t) * _TANH_GELU * (1 + 3 * 0.044715 * x * x)
        return dy * (0.5 * (1 + t) + 0.5 * x * dt)
    cdf = (0.5 * (1 + erf(x / math.sqrt(2)))).astype(x.dtype)
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    return dy * (cdf + x * pdf)


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_backward(dy, x, y, axis=-1):
    return y * (dy - np.sum(dy * y, axis=axis, keepdims=True))


def log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def log_softmax_backward(dy, x, y, axis=-1):
    return dy - np.exp(y) * np.sum(dy, axis=axis, keepdims=True)
