"""Fast activations: ReLU over wide rows on the kernel threads, softmax normalised in place.

Accelerates `kernels.reference.activations.relu` / `relu_backward` / `softmax`. The trick:
ReLU is memory-bound, so large arrays are split by rows over `kernels.parallel`'s threads,
and each part runs `elementwise.relu` (rows of about WIDE floats, where NumPy's SIMD loop
runs at full speed). Softmax divides its exponentials in place (one array less). GELU, SiLU,
softplus, ELU and the like are in `activation_math`; the rest use their reference forms.
"""

import numpy as np

from strided.kernels.fast import elementwise
from strided.kernels.parallel import map_rows


def relu(x):
    """max(x, 0), split over the kernel threads for large arrays."""
    return map_rows(lambda out, part: elementwise.relu(part, out), np.empty_like(x), x)


def relu_backward(dy, x, y=None):
    """dy * (x > 0), split over the kernel threads for large arrays."""
    return map_rows(lambda out, g, part: np.multiply(g, part > 0, out=out),
                    np.empty(x.shape, np.result_type(dy, x)), dy, x)


def softmax(x, axis=-1):
    """exp(x - max) / sum(exp(x - max)), the division in place."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e
