"""Dropout: randomly zero a fraction `rate` of the values during training.

Inverted dropout, as Keras and PyTorch: the kept values are scaled by 1 / (1 - rate) while
training, so the expected value of every unit is unchanged and inference is the identity.
The random mask is drawn once in the public function and handed to the `Function`, whose
backward multiplies by the same mask (a dropped unit passes no gradient).
"""

import numbers

import numpy as np

from strided import _config
from strided.autograd import Function, Tensor
from strided.ops._base import as_tensor
from strided.utils import random as strided_random


class Dropout(Function):
    """y = x * mask, where mask holds 0 or 1 / (1 - rate) and broadcasts over x."""

    def __init__(self, mask):
        self.mask = mask

    def forward(self, x):
        return x * self.mask

    def backward(self, gy):
        return gy * self.mask


def _generator(seed):
    """A NumPy Generator for `seed`: an int (same mask every call), a Generator (advances on
    each call), or None: inside a training step of fit, the step's generator (each sample's
    mask keyed by the run's seed, the epoch and the sample: `strided.utils.keyed_random`),
    else a fresh Generator seeded from NumPy's global state, so that `np.random.seed(...)`
    (and hence a global set-seed utility) makes runs reproducible."""
    if seed is None:
        step = strided_random.step_rng()
        if step is not None:
            return step
        return np.random.default_rng(np.random.randint(0, 2**63 - 1, dtype=np.int64))
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise TypeError(
        f"dropout: `seed` must be None, an int or a numpy.random.Generator. Received: seed={seed!r}"
    )


def _noise_shape(noise_shape, shape):
    """Fill None entries from `shape` and check every entry is 1 or the input's size."""
    if noise_shape is None:
        return shape
    noise_shape = tuple(noise_shape)
    if len(noise_shape) != len(shape):
        raise ValueError(
            f"dropout: `noise_shape` must have one entry per input axis ({len(shape)} for input "
            f"shape {shape}). Received: noise_shape={noise_shape}"
        )
    filled = tuple(n if d is None else int(d) for d, n in zip(noise_shape, shape))
    if any(d not in (1, n) for d, n in zip(filled, shape)):
        raise ValueError(
            f"dropout: each `noise_shape` entry must be 1 (share the mask along that axis) or the "
            f"input's size. Received: noise_shape={noise_shape} for input shape {shape}"
        )
    return filled


def dropout(x, rate, noise_shape=None, seed=None, training=True):
    """Zero each value with probability `rate` and scale the rest by 1 / (1 - rate).

    Args:
        x: input Tensor or array.
        rate: fraction of units to drop, a float in [0, 1].
        noise_shape: shape of the random mask, broadcast over `x`; entries may be None
            (use the input's size). SpatialDropout2D on (N, H, W, C) uses (N, 1, 1, C), so
            whole feature maps are dropped together.
        seed: None, an int (the same mask on every call: deterministic) or a
            `numpy.random.Generator` (a new mask each call, reproducible from its seed). The
            masks are drawn with the generator's `random(shape)`: the generator of a training
            step of fit (`strided.utils.keyed_random`) makes each sample's mask from its own
            stream, the same whichever process computes it.
        training: when False the input is returned unchanged (inference).

    Returns:
        a Tensor of the input's shape and float type.

    >>> y = dropout(np.ones((2, 4)), rate=0.5, seed=0)   # entries are 0 or 2
    """
    x = as_tensor(x)
    if x.dtype.kind != "f":
        x = Tensor(x.data, dtype=_config.floatx())
    if not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
        raise ValueError(
            f"dropout: `rate` must be a float between 0 and 1. Received: rate={rate!r}"
        )
    generator = _generator(seed) if seed is not None else None  # validate the seed early
    if not training or rate == 0:
        return x
    generator = generator or _generator(None)
    shape = _noise_shape(noise_shape, x.shape)
    if rate == 1:
        mask = np.zeros(shape, dtype=x.dtype)
    else:
        keep = 1.0 - float(rate)
        if hasattr(generator, "keep_mask"):  # a training step's keyed generator: its own way
            kept = generator.keep_mask(shape, keep)
        else:
            kept = generator.random(shape, dtype=np.float32) < keep
        mask = np.multiply(kept, 1 / keep, dtype=x.dtype)  # one pass: no float copy of `kept` first
    return Dropout.apply(x, mask=mask)


__all__ = ["dropout"]
