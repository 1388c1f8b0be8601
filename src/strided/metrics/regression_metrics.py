"""Regression metrics with Keras 3 names: RootMeanSquaredError, R2Score, CosineSimilarity,
LogCoshError.

    root_mean_squared_error  sqrt(weighted mean of (p - t)^2 over every value)
    r2_score                 1 - sum(w (t - p)^2) / sum(w (t - mean_t)^2), per output column,
                             then averaged ("uniform_average"), variance-weighted, or not (None)
    cosine_similarity        mean of cos(t, p) along `axis` (+1 = same direction)
    logcosh                  mean of mean(log(cosh(p - t)), axis=-1)
"""

import warnings

import numpy as np

from strided import losses
from strided.autograd import Tensor, no_grad
from strided.metrics.base import Mean, Metric, as_array
from strided.metrics.loss_metrics import LossMetric


class RootMeanSquaredError(Mean):
    """sqrt of the running (weighted) mean of (y_pred - y_true)^2.

    Example:
        >>> m = RootMeanSquaredError(); m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]]); m.result()
        0.5
    """

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = as_array(y_true).astype(np.float64), as_array(y_pred).astype(np.float64)
        if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1:] == (1,):
            y_true = y_true[..., 0]
        elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1:] == (1,):
            y_pred = y_pred[..., 0]
        error = np.square(y_pred - y_true)
        if sample_weight is not None and error.ndim > 1:
            error = error.reshape(len(error), -1).mean(axis=1)  # one value per sample, as Keras
        super().update_state(error, sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


class CosineSimilarity(LossMetric):
    """Running mean of the cosine similarity between y_true and y_pred along `axis`."""

    _direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}  # Keras' config leaves out `axis`


class LogCoshError(LossMetric):
    """Running mean of mean(log(cosh(y_pred - y_true)), axis=-1)."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(losses.log_cosh, name=name, dtype=dtype)


def cosine_similarity(y_true, y_pred, axis=-1):
    """cos(y_true, y_pred) along `axis` (the metric; the loss is its negative)."""
    with no_grad():
        return -losses.cosine_similarity(y_true, Tensor(as_array(y_pred)), axis=axis)


class R2Score(Metric):
    """The coefficient of determination R^2 of regression outputs (samples, outputs).

    Args:
        class_aggregation: "uniform_average" (default), "variance_weighted_average" or None
            (one score per output).
        num_regressors: p > 0 gives the adjusted R^2 = 1 - (1 - R^2)(n - 1) / (n - p - 1).

    Example:
        >>> m = R2Score(); m.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.5], [3.0]]); m.result()
        0.875
    """

    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             "{None, 'uniform_average', 'variance_weighted_average'}. "
                             f"Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError(f"Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.reset_state()

    def reset_state(self):
        self._sums = None  # sum, squared_sum, total_mse, count per output
        self.num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = as_array(y_true).astype(np.float32), as_array(y_pred).astype(np.float32)
        if y_true.ndim == 1 and y_pred.ndim == 2 and y_pred.shape[-1] == 1:
            y_true = y_true[:, None]
        elif y_pred.ndim == 1 and y_true.ndim == 2 and y_true.shape[-1] == 1:
            y_pred = y_pred[:, None]
        if y_true.ndim != 2 or y_pred.shape != y_true.shape:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). Received "
                             f"input shapes: y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        weight = np.float32(1.0) if sample_weight is None else as_array(sample_weight).astype(np.float32)
        if np.ndim(weight) == 1:
            weight = weight[:, None]
        weight = np.broadcast_to(weight, y_true.shape)
        weighted = y_true * weight
        sums = np.stack([weighted.sum(0), (y_true * weighted).sum(0),
                         ((y_true - y_pred) ** 2 * weight).sum(0), weight.sum(0)]).astype(np.float32)
        self._sums = sums if self._sums is None else self._sums + sums
        self.num_samples += y_true.size

    def result(self):
        if self._sums is None:
            return 0.0
        total_sum, squared_sum, residual, count = self._sums
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total_sum / count
            total = squared_sum - total_sum * mean
            raw = 1 - residual / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        n, p = self.num_samples, self.num_regressors
        if p:
            if p >= n - 1:
                warnings.warn("Adjusted R2 score needs more data points than predictors + 1; "
                              "falling back to the standard R2 score.", stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return float(score) if np.ndim(score) == 0 else np.asarray(score).tolist()

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


__all__ = ["CosineSimilarity", "LogCoshError", "R2Score", "RootMeanSquaredError", "cosine_similarity"]
