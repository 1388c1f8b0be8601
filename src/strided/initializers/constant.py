"""Initializers that need no randomness: zeros, ones, a constant, the identity matrix."""

import numpy as np

from strided.initializers.base import Initializer, _floatx


class Zeros(Initializer):
    """All zeros (the default for biases). `Zeros()((2,))` -> [0., 0.]"""

    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype=_floatx(dtype))


class Ones(Initializer):
    """All ones (BatchNormalization's gamma and moving variance). `Ones()((2,))` -> [1., 1.]"""

    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype=_floatx(dtype))


class Constant(Initializer):
    """Every value equal to `value` (a Python scalar). `Constant(0.1)((2,))` -> [0.1, 0.1]"""

    def __init__(self, value=0.0):
        if not np.isscalar(value):
            raise ValueError(f"Constant initializer: `value` must be a Python scalar. Received: value={value!r}")
        self.value = float(value)

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype=_floatx(dtype))

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(
                f"Identity matrix initializer can only be used for 2D matrices. Received: shape={tuple(shape)} "
                f"of rank {len(shape)}."
            )
        return (self.gain * np.eye(*shape)).astype(_floatx(dtype))

    def get_config(self):
        return {"gain": self.gain}


__all__ = ["Constant", "Identity", "Ones", "Zeros"]
