"""`Metric`: a running statistic over batches (update_state / result / reset_state), as Keras.

Metrics work on plain NumPy arrays (Tensors are accepted and read through `.data`); they
are never differentiated. Running totals are kept as Python floats (float64) so a long
epoch does not lose precision.
"""

import numpy as np

from strided.autograd import Tensor


def as_array(value):
    """An ndarray for an ndarray, a Tensor (its data) or a nested list."""
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def _snake_case(name):
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


class Metric:
    """Base class of stateful metrics.

    Subclasses implement `update_state(...)`, `result()` and `reset_state()`.
    `_direction` ("up" or "down") tells EarlyStopping/ModelCheckpoint in mode="auto"
    whether larger values are better.

    Args:
        name: the key of this metric in the training logs.
        dtype: accepted for Keras compatibility.
    """

    _direction = None

    def __init__(self, name=None, dtype=None):
        self.name = name or _snake_case(type(self).__name__)
        self.dtype = dtype or "float32"

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def reset_state(self):
        raise NotImplementedError(f"{type(self).__name__} must implement reset_state")

    def __call__(self, *args, **kwargs):
        """Update the state with one batch and return the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _broadcast_weights(name, values, sample_weight):
    """Per-value weights: (N,) or (N, 1) weights spread over values of shape (N, ...)."""
    weight = as_array(sample_weight).astype(np.float64)
    if weight.ndim == values.ndim + 1 and weight.shape[-1:] == (1,):
        weight = weight[..., 0]
    while 0 < weight.ndim < values.ndim:
        weight = weight[..., None]
    try:
        return np.broadcast_to(weight, values.shape)
    except ValueError:
        raise ValueError(
            f"{name}: sample_weight of shape {as_array(sample_weight).shape} does not match "
            f"the values of shape {values.shape}. Pass one weight per sample."
        ) from None


class Mean(Metric):
    """The (weighted) mean of every value seen: sum(values * w) / sum(w).

    Example:
        >>> m = Mean(); m.update_state([1, 3, 5, 7]); m.result()
        4.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def update_state(self, values, sample_weight=None):
        values = as_array(values).astype(np.float64)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += values.size
        else:
            weight = _broadcast_weights(self.name, values, sample_weight)
            self.total += float((values * weight).sum())
            self.count += float(weight.sum())

    def result(self):
        return self.total / self.count if self.count else 0.0


class Sum(Metric):
    """The (weighted) sum of every value seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        values = as_array(values).astype(np.float64)
        if sample_weight is not None:
            values = values * _broadcast_weights(self.name, values, sample_weight)
        self.total += float(values.sum())

    def result(self):
        return self.total


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` (one value per sample) over all batches.

    Example:
        >>> m = MeanMetricWrapper(lambda t, p: np.abs(t - p), name="abs_error")
        >>> m.update_state(np.array([1.0, 2.0]), np.array([2.0, 2.0])); m.result()
        0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = as_array(self._fn(as_array(y_true), as_array(y_pred), **self._fn_kwargs))
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config


__all__ = ["Mean", "MeanMetricWrapper", "Metric", "Sum"]
