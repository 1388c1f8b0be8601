"""Losses used as metrics: the running mean of a per-sample loss (Keras' `keras.metrics`
MeanSquaredError, MeanAbsoluteError, the cross-entropies, MAPE, MSLE, Poisson, KLDivergence
and the hinges). Lower is better.

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


def _loss_metric(class_name, function, metric_name, doc):
    """A LossMetric subclass with Keras' signature (name, dtype) around `function`."""

    def __init__(self, name=metric_name, dtype=None):
        LossMetric.__init__(self, function, name=name, dtype=dtype)

    return type(class_name, (LossMetric,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


MeanAbsolutePercentageError = _loss_metric(
    "MeanAbsolutePercentageError", losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "Running mean of 100 * mean(|t - p| / max(|t|, eps)).")
MeanSquaredLogarithmicError = _loss_metric(
    "MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Running mean of mean((log(p + 1) - log(t + 1))^2).")
Poisson = _loss_metric("Poisson", losses.poisson, "poisson", "Running mean of mean(p - t log(p + eps)).")
KLDivergence = _loss_metric("KLDivergence", losses.kl_divergence, "kl_divergence",
                            "Running mean of sum(t log(t / p)) (t and p clipped to [eps, 1]).")
Hinge = _loss_metric("Hinge", losses.hinge, "hinge", "Running mean of mean(max(1 - t p, 0)).")
SquaredHinge = _loss_metric("SquaredHinge", losses.squared_hinge, "squared_hinge",
                            "Running mean of mean(max(1 - t p, 0)^2).")
CategoricalHinge = _loss_metric("CategoricalHinge", losses.categorical_hinge, "categorical_hinge",
                                "Running mean of max(max((1 - t) p) - sum(t p) + 1, 0).")


__all__ = [
    "BinaryCrossentropy", "CategoricalCrossentropy", "CategoricalHinge", "Hinge", "KLDivergence",
    "LossMetric", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge",
]
