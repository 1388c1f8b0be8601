"""Hinge losses (Keras names), for classifiers trained as maximum-margin (SVM-like) models.

    hinge               mean(max(1 - t p, 0))          t in {-1, 1} (0/1 labels become -1/1)
    squared_hinge       mean(max(1 - t p, 0)^2)
    categorical_hinge   max(max((1 - t) p) - sum(t p) + 1, 0)       t one-hot

Composed of differentiable `strided.ops`, so gradients come from the tape.
"""

import numpy as np

from strided import ops
from strided.autograd import Tensor
from strided.losses.base import LossFunctionWrapper, check_same_shape, same_rank


def _signed_labels(name, y_true, y_pred):
    """Targets as -1/1: labels that are all 0 or 1 become 2t - 1, as Keras; others stay."""
    y_true, y_pred = same_rank(y_true, y_pred)
    check_same_shape(name, y_true, y_pred)
    values = y_true.data if isinstance(y_true, Tensor) else y_true
    if np.all((values == 0) | (values == 1)):
        y_true = y_true * 2.0 - 1.0
    return y_true, y_pred


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0), axis=-1) per sample.

    >>> hinge(np.array([[0.0, 1.0]]), np.array([[0.6, 0.4]]))   # [(1.6 + 0.6) / 2]
    """
    y_true, y_pred = _signed_labels("hinge", y_true, y_pred)
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)^2, axis=-1) per sample."""
    y_true, y_pred = _signed_labels("squared_hinge", y_true, y_pred)
    return ops.mean(ops.square(ops.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(neg - pos + 1, 0) with pos = sum(t p), neg = max((1 - t) p) over the last axis."""
    y_true, y_pred = same_rank(y_true, y_pred)
    check_same_shape("categorical_hinge", y_true, y_pred)
    positive = ops.sum(y_true * y_pred, axis=-1)
    negative = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(negative - positive + 1.0, 0.0)


class Hinge(LossFunctionWrapper):
    """mean(max(1 - t p, 0)) per sample; targets -1/1 (0/1 are converted)."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """mean(max(1 - t p, 0)^2) per sample; targets -1/1 (0/1 are converted)."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """max(max_wrong p - p_right + 1, 0) per sample; one-hot targets.

    Example:
        >>> CategoricalHinge()(np.eye(3)[[0]], np.array([[0.5, 0.3, 0.2]]))   # 0.8
    """

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction=reduction, name=name, dtype=dtype)


__all__ = ["CategoricalHinge", "Hinge", "SquaredHinge", "categorical_hinge", "hinge", "squared_hinge"]
