"""Losses used as metrics: the running mean of a per-sample loss (Keras' `keras.metrics`
MeanSquaredError, MeanAbsoluteError and the cross-entropies). Lower is better.

    model.compile(..., metrics=["mae"])                      # via metrics.get
    model.compile(..., metrics=[MeanAbsoluteError()])
"""

from strided import losses
from strided.autograd import Tensor, no_grad
from strided.metrics.base import MeanMetricWrapper


class LossMetric(MeanMetricWrapper):
    """The running mean of `fn(y_true, y_pred, **kwargs)`, a `strided.losses` function.

    Example:
        >>> m = LossMetric(losses.mean_absolute_error, name="mae")
        >>> m.update_state(np.ones((2, 3)), np.zeros((2, 3))); m.result()
        1.0
    """

    _direction = "down"

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        def values(y_true, y_pred, **fn_kwargs):
            with no_grad():
                return fn(y_true, Tensor(y_pred), **fn_kwargs).numpy()

        super().__init__(values, name=name or fn.__name__, dtype=dtype, **kwargs)


class MeanSquaredError(LossMetric):
    """Running mean of mean((y_pred - y_true)^2, axis=-1)."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(LossMetric):
    """Running mean of mean(|y_pred - y_true|, axis=-1)."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class SparseCategoricalCrossentropy(LossMetric):
    """Running mean of the sparse categorical cross-entropy."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, axis=axis)


class CategoricalCrossentropy(LossMetric):
    """Running mean of the categorical cross-entropy."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0.0, axis=-1):
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryCrossentropy(LossMetric):
    """Running mean of the binary cross-entropy."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0.0):
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


__all__ = [
    "BinaryCrossentropy", "CategoricalCrossentropy", "LossMetric", "MeanAbsoluteError",
    "MeanSquaredError", "SparseCategoricalCrossentropy"
]
