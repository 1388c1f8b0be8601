"""Correlation metrics (Keras 3): the running mean, over samples, of a per-sample correlation
along `axis` between y_true and y_pred.

    pearson_correlation      mean(z(t) * z(p)), z(v) = (v - mean(v)) / std(v)
    concordance_correlation  mean(2 cov / (var(t) + var(p) + (mean(t) - mean(p))^2 + eps))

As in Keras 3.15, the concordance "covariance" term is (t - mean(p)) (p - mean(p)).
"""

import numpy as np

from strided import _config
from strided.metrics.base import MeanMetricWrapper, as_array


def _same_rank(y_true, y_pred):
    y_true, y_pred = as_array(y_true).astype(np.float32), as_array(y_pred).astype(np.float32)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1:] == (1,):
        y_true = y_true[..., 0]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1:] == (1,):
        y_pred = y_pred[..., 0]
    return y_true, y_pred


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r between y_true and y_pred along `axis` (one value per sample)."""
    y_true, y_pred = _same_rank(y_true, y_pred)
    true = y_true - y_true.mean(axis=axis, keepdims=True)
    pred = y_pred - y_pred.mean(axis=axis, keepdims=True)
    true = true / true.std(axis=axis, keepdims=True)
    pred = pred / pred.std(axis=axis, keepdims=True)
    return np.mean(true * pred, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along `axis`, with Keras 3's covariance term."""
    y_true, y_pred = _same_rank(y_true, y_pred)
    true_mean, pred_mean = y_true.mean(axis=axis, keepdims=True), y_pred.mean(axis=axis, keepdims=True)
    true_var = (y_true - true_mean).var(axis=axis, keepdims=True)
    pred_var = (y_pred - pred_mean).var(axis=axis, keepdims=True)
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + np.square(true_mean - pred_mean)
    return np.mean(2 * covariance / (norm + np.float32(_config.epsilon())), axis=axis)


class PearsonCorrelation(MeanMetricWrapper):
    """Running mean of Pearson's correlation between y_true and y_pred along `axis`."""

    _direction = "up"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class ConcordanceCorrelation(MeanMetricWrapper):
    """Running mean of the concordance correlation between y_true and y_pred along `axis`."""

    _direction = "up"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis


__all__ = ["ConcordanceCorrelation", "PearsonCorrelation", "concordance_correlation", "pearson_correlation"]
