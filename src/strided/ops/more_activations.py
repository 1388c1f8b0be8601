"""The rest of Keras 3's activation functions, composed from differentiable ops (so their
gradients come from the ops they are made of):

    celu(x, a)          max(x, 0) + a (exp(min(x, 0) / a) - 1)
    glu(x, axis)        a * sigmoid(b), where a, b = the two halves of x along axis
    hard_shrink(x, t)   x if |x| > t else 0
    hard_tanh(x)        clip(x, -1, 1)
    soft_shrink(x, t)   x - t if x > t, x + t if x < -t, else 0
    sparse_plus(x)      0 if x <= -1, x if x >= 1, else (x + 1)^2 / 4
    sparse_sigmoid(x)   0 if x <= -1, 1 if x >= 1, else (x + 1) / 2
    sparsemax(x, axis)  max(x - tau, 0), tau chosen so the outputs sum to 1 (Martins & Astudillo)
    squareplus(x, b)    (x + sqrt(x^2 + b)) / 2
    tanh_shrink(x)      x - tanh(x)
    threshold(x, t, v)  x if x > t else v
"""

import numpy as np

from strided.ops._base import as_tensor
from strided.ops.activations import sigmoid, tanh
from strided.ops.arithmetic import add, divide, multiply, subtract
from strided.ops.math import clip, maximum, minimum, sqrt, where
from strided.ops.numpy_math import expm1
from strided.ops.reduction import sum as reduce_sum


def _constant(value, like):
    return np.asarray(value, dtype=like.data.dtype)


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)."""
    x = as_tensor(x)
    negative = expm1(divide(minimum(x, _constant(0.0, x)), _constant(alpha, x)))
    return add(maximum(x, _constant(0.0, x)), multiply(negative, _constant(alpha, x)))


def glu(x, axis=-1):
    """Gated linear unit: the first half of `x` along `axis` times sigmoid of the second half."""
    x = as_tensor(x)
    size = x.shape[axis]
    if size % 2 != 0:
        raise ValueError(f"glu: the size of axis {axis} must be divisible by 2. Received: x.shape={x.shape} "
                         f"with axis={axis}")
    index = [slice(None)] * x.ndim
    index[axis] = slice(0, size // 2)
    first = x[tuple(index)]
    index[axis] = slice(size // 2, size)
    return multiply(first, sigmoid(x[tuple(index)]))


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = as_tensor(x)
    return where(np.abs(x.data) > threshold, x, _constant(0.0, x))


def hard_tanh(x):
    """clip(x, -1, 1)."""
    return clip(as_tensor(x), -1.0, 1.0)


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, else 0."""
    x = as_tensor(x)
    shifted = where(x.data > threshold, subtract(x, _constant(threshold, x)), add(x, _constant(threshold, x)))
    return where(np.abs(x.data) > threshold, shifted, _constant(0.0, x))


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)^2 / 4 between: a smooth, sparse softplus."""
    x = as_tensor(x)
    shifted = add(x, _constant(1.0, x))
    middle = multiply(multiply(shifted, shifted), _constant(0.25, x))
    return where(x.data <= -1, _constant(0.0, x), where(x.data >= 1, x, middle))


def sparse_sigmoid(x):
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between."""
    x = as_tensor(x)
    middle = multiply(add(x, _constant(1.0, x)), _constant(0.5, x))
    return where(x.data <= -1, _constant(0.0, x), where(x.data >= 1, _constant(1.0, x), middle))


def sparsemax(x, axis=-1):
    """The Euclidean projection of `x` onto the probability simplex along `axis`.

    The support (which entries stay positive) is found on the sorted values; tau, the
    amount subtracted, is then computed from `x` with differentiable ops, so the gradient is
    that of max(x - tau(x), 0) with the support held fixed.
    """
    x = as_tensor(x)
    data = x.data
    ordered = -np.sort(-data, axis=axis)
    running = np.cumsum(ordered, axis=axis)
    rank_shape = [1] * data.ndim
    rank_shape[axis] = -1
    rank = np.arange(1, data.shape[axis] + 1, dtype=data.dtype).reshape(rank_shape)
    support_size = np.sum(ordered - (running - 1) / rank > 0, axis=axis, keepdims=True)
    cutoff = np.take_along_axis(ordered, support_size - 1, axis=axis)
    in_support = (data >= cutoff).astype(data.dtype)  # the support_size largest entries
    # ties at the cutoff would enlarge the support; keep exactly support_size entries' sum
    total = reduce_sum(multiply(x, in_support), axis=axis, keepdims=True)
    extra = (np.sum(in_support, axis=axis, keepdims=True) - support_size) * cutoff
    tau = divide(subtract(total, extra + 1.0), support_size.astype(data.dtype))
    return maximum(subtract(x, tau), _constant(0.0, x))


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2: a smooth ReLU with algebraic tails."""
    x = as_tensor(x)
    return multiply(add(x, sqrt(add(multiply(x, x), _constant(b, x)))), _constant(0.5, x))


def tanh_shrink(x):
    """x - tanh(x)."""
    x = as_tensor(x)
    return subtract(x, tanh(x))


def threshold(x, threshold, default_value):
    """x where x > threshold, else `default_value`."""
    x = as_tensor(x)
    return where(x.data > threshold, x, _constant(default_value, x))


__all__ = ["celu", "glu", "hard_shrink", "hard_tanh", "soft_shrink", "sparse_plus", "sparse_sigmoid",
           "sparsemax", "squareplus", "tanh_shrink", "threshold"]
