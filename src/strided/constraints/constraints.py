"""The constraint classes: projections of a weight array, as Keras 3 computes them.

    norms     = sqrt(sum(w^2, axis, keepdims))          per output unit (axis=0: a Dense column)
    MaxNorm    w * clip(norms, 0, max_value) / (epsilon + norms)
    MinMaxNorm w * (rate * clip(norms, min, max) + (1 - rate) * norms) / (epsilon + norms)
    UnitNorm   w / (epsilon + norms)
    NonNeg     max(w, 0)

epsilon is `strided.epsilon()` (1e-7), as Keras' `backend.epsilon()`. A constraint takes an
ndarray (what the trainer passes) or a Tensor and returns the same kind.
"""

import numpy as np

from strided import _config
from strided.autograd import Tensor


def _as_array(w):
    return np.asarray(w.data if isinstance(w, Tensor) else w)


def _like(w, result):
    return Tensor(result) if isinstance(w, Tensor) else result


def _norms(array, axis):
    return np.sqrt(np.sum(np.square(array), axis=_axis(axis), keepdims=True))


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


class Constraint:
    """Base class: `__call__(w)` returns the projected weight (here: `w` unchanged).

    Subclass it and override `__call__` (and `get_config` if it has arguments).

    Example:
        >>> class NonNegative(strided.constraints.Constraint):
        ...     def __call__(self, w):
        ...         return w * (w >= 0)
    """

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescale the weights of each unit so their L2 norm is at most `max_value`.

    Args:
        max_value: the largest norm allowed. Defaults to 2.
        axis: the axis (or axes) norms are computed over: 0 for Dense kernels (in, out);
            [0, 1, 2] for Conv2D kernels (h, w, in, out). Defaults to 0.

    Example:
        >>> w = strided.constraints.MaxNorm(1.0)(np.array([[3.0], [4.0]]))   # norm 5 -> 1
        >>> np.round(w, 4).ravel()
        array([0.6, 0.8])
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        array = _as_array(w)
        norms = _norms(array, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return _like(w, array * (desired / (_config.epsilon() + norms)))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero: `max(w, 0)`."""

    def __call__(self, w):
        return _like(w, np.maximum(_as_array(w), 0))


class UnitNorm(Constraint):
    """Rescale the weights of each unit to L2 norm 1.

    Args:
        axis: as `MaxNorm`. Defaults to 0.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        array = _as_array(w)
        return _like(w, array / (_config.epsilon() + _norms(array, self.axis)))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep the L2 norm of each unit's weights between `min_value` and `max_value`.

    Args:
        min_value: the smallest norm. Defaults to 0.0.
        max_value: the largest norm. Defaults to 1.0.
        rate: 1.0 projects exactly; below 1 moves the norm only part of the way
            (`rate * clipped + (1 - rate) * norm`). Defaults to 1.0.
        axis: as `MaxNorm`. Defaults to 0.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        array = _as_array(w)
        norms = _norms(array, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return _like(w, array * (desired / (_config.epsilon() + norms)))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"]
