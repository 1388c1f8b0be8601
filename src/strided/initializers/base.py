"""The initializer base class, the fan computation and where random numbers come from."""

import math

import numpy as np

from strided import _config


def _floatx(dtype):
    return np.dtype(dtype or _config.floatx())


def _generator(seed):
    """A NumPy Generator: fresh from `seed` when given (same values on every call, as Keras),
    else the shared one of `strided.utils.random` (follows `set_random_seed`)."""
    if seed is not None:
        return np.random.default_rng(seed)
    from strided.utils.random import get_rng

    return get_rng()


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape, as Keras computes them.

    Dense (in, out): (in, out). Conv kernel (..., cin, cout): each multiplied by the
    receptive-field size (the product of the spatial dims).

    >>> compute_fans((3, 3, 1, 32))
    (9, 288)
    """
    shape = tuple(int(d) for d in shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: subclasses define `__call__(shape, dtype=None)` and `get_config()`."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


__all__ = ["Initializer", "compute_fans"]
