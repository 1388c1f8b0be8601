"""Regression and distribution losses (Keras names): one value per sample, mean over the last axis.

    mean_squared_error              mean((p - t)^2)
    mean_absolute_error             mean(|p - t|)
    mean_absolute_percentage_error  100 * mean(|t - p| / max(|t|, eps))
    mean_squared_logarithmic_error  mean((log(max(p, eps) + 1) - log(max(t, eps) + 1))^2)
    huber                           mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2)
    log_cosh                        mean(log(cosh(p - t))), computed as e + softplus(-2e) - log 2
    poisson                         mean(p - t log(p + eps))
    kl_divergence                   sum(t log(t / p)), t and p clipped to [eps, 1]
    cosine_similarity               -sum(t / |t| * p / |p|) over `axis`

eps = 1e-7 (`strided.config.epsilon()`), as Keras. Every function is composed of differentiable
`strided.ops`, so gradients come from the tape.
"""

import math

import numpy as np

from strided import _config, ops
from strided.autograd import Tensor
from strided.losses.base import (
    LossFunctionWrapper,
    _align_last_axis,
    _array,
    _prediction,
    check_same_shape,
    same_rank,
)


def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true)^2, axis=-1) per sample.

    >>> mean_squared_error(np.array([[1.0, 2.0]]), np.array([[1.0, 4.0]]))   # [2.]
    """
    return ops.mean_squared_error(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_pred - y_true|, axis=-1) per sample.

    >>> mean_absolute_error(np.array([[1.0, 2.0]]), np.array([[1.0, 4.0]]))   # [1.]
    """
    y_pred = _prediction(y_pred)
    target = _align_last_axis(y_true, y_pred)
    if target.shape != y_pred.shape:
        raise ValueError(
            "mean_absolute_error: `y_true` and `y_pred` must have the same shape. Received: "
            f"y_true.shape={np.shape(_array(y_true))}, y_pred.shape={y_pred.shape}."
        )
    return ops.mean(ops.abs(y_pred - Tensor(target, dtype=y_pred.dtype)), axis=-1)


def _pair(name, y_true, y_pred):
    y_true, y_pred = same_rank(y_true, y_pred)
    check_same_shape(name, y_true, y_pred)
    return y_true, y_pred


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7), axis=-1) per sample.

    >>> mean_absolute_percentage_error(np.array([[2.0, 4.0]]), np.array([[1.0, 4.0]]))   # [25.]
    """
    y_true, y_pred = _pair("mean_absolute_percentage_error", y_true, y_pred)
    scale = ops.maximum(ops.abs(y_true) if isinstance(y_true, Tensor) else np.abs(y_true),
                        _config.epsilon())
    return ops.mean(ops.abs((y_true - y_pred) / scale), axis=-1) * 100.0


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(p, eps) + 1) - log(max(t, eps) + 1))^2, axis=-1) per sample.

    >>> mean_squared_logarithmic_error(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]]))
    """
    y_true, y_pred = _pair("mean_squared_logarithmic_error", y_true, y_pred)
    epsilon = _config.epsilon()
    first = ops.log(ops.maximum(y_pred, epsilon) + 1.0)
    second = ops.log(ops.maximum(y_true, epsilon) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def _l2_normalize(x, axis):
    """x / sqrt(max(sum(x^2), 1e-12)), as keras.utils.normalize / tf.math.l2_normalize."""
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(squares, 1e-12))


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(normalize(y_true) * normalize(y_pred), axis): -1 for the same direction, 0 if orthogonal.

    >>> cosine_similarity(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]]))   # [-0.7071]
    """
    y_true, y_pred = _pair("cosine_similarity", y_true, y_pred)
    if not isinstance(y_true, Tensor):
        y_true = Tensor(y_true)
    return -ops.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    """Quadratic for errors up to `delta`, linear beyond: mean over the last axis per sample.

    >>> huber(np.array([[0.0, 0.0]]), np.array([[0.5, 3.0]]))   # [(0.125 + 2.5) / 2]
    """
    y_true, y_pred = _pair("huber", y_true, y_pred)
    error = y_pred - y_true
    absolute = ops.abs(error)
    delta = float(delta)
    quadratic = ops.square(error) * 0.5
    linear = absolute * delta - 0.5 * delta * delta
    return ops.mean(ops.where(absolute.data <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true)), axis=-1), computed stably as e + softplus(-2e) - log 2.

    >>> log_cosh(np.array([[0.0]]), np.array([[1.0]]))   # [0.4338]
    """
    y_true, y_pred = _pair("log_cosh", y_true, y_pred)
    error = y_pred - y_true
    return ops.mean(error + ops.softplus(error * -2.0) - math.log(2.0), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1): for count targets.

    >>> poisson(np.array([[1.0]]), np.array([[2.0]]))   # [2 - log 2]
    """
    y_true, y_pred = _pair("poisson", y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + _config.epsilon()), axis=-1)


def kl_divergence(y_true, y_pred):
    """sum(t * log(t / p), axis=-1) with t and p clipped to [1e-7, 1]: between distributions.

    >>> kl_divergence(np.array([[0.5, 0.5]]), np.array([[0.9, 0.1]]))   # [0.5108]
    """
    y_true, y_pred = _pair("kl_divergence", y_true, y_pred)
    epsilon = _config.epsilon()
    y_true = ops.clip(y_true, epsilon, 1.0) if isinstance(y_true, Tensor) else np.clip(y_true, epsilon, 1.0)
    y_pred = ops.clip(y_pred, epsilon, 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


class MeanSquaredError(LossFunctionWrapper):
    """mean((y_pred - y_true)^2) over the last axis, then over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """mean(|y_pred - y_true|) over the last axis, then over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """100 * mean(|t - p| / max(|t|, 1e-7)) over the last axis, then over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """mean((log(p + 1) - log(t + 1))^2) over the last axis, then over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """-cosine(t, p) along `axis` (default -1): minimising it aligns the predictions with the targets."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)


class Huber(LossFunctionWrapper):
    """0.5 e^2 for |e| <= delta, delta (|e| - 0.5 delta) beyond; robust to outliers.

    Args:
        delta: where the loss turns from quadratic to linear (default 1.0).
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """mean(log(cosh(p - t))) over the last axis: like MSE for small errors, like MAE for large."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """mean(p - t log(p + 1e-7)) over the last axis: for predicted rates of count targets."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence sum(t log(t / p)) over the last axis, then mean over the batch.

    Example:
        >>> KLDivergence()(np.array([[0.5, 0.5]]), np.array([[0.9, 0.1]]))   # 0.5108
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


__all__ = [
    "KLD", "MAE", "MAPE", "MSE", "MSLE", "CosineSimilarity", "Huber", "KLDivergence", "LogCosh",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "cosine_similarity", "huber", "kl_divergence", "kld",
    "kullback_leibler_divergence", "log_cosh", "logcosh", "mae", "mape", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "mse", "msle", "poisson",
]
