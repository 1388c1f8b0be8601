"""Accuracy metrics: the fraction of predictions that match the labels (Keras names).

Functions return one value (0 or 1) per sample; the classes average them over batches.

- accuracy:                      y_pred == y_true exactly
- binary_accuracy:               (y_pred > threshold) == y_true, mean over the last axis
- categorical_accuracy:          argmax(y_pred) == argmax(y_true)      (one-hot labels)
- sparse_categorical_accuracy:   argmax(y_pred) == y_true              (integer labels)
- (sparse_)top_k_categorical_accuracy: the label is among the k highest scores
"""

import numpy as np

from strided.metrics.base import MeanMetricWrapper, as_array


def _drop_trailing_one(y_true, y_pred):
    """(N, 1) labels against (N,) predictions (or the reverse) become the same rank."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """1.0 where y_pred equals y_true exactly (elementwise), else 0.0."""
    y_true, y_pred = _drop_trailing_one(as_array(y_true), as_array(y_pred))
    return (y_true == y_pred).astype(np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of (y_pred > threshold) == y_true."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    if y_true.ndim == y_pred.ndim - 1:
        y_true = y_true[..., None]
    matches = (y_pred > threshold) == (y_true > 0.5)
    return matches.astype(np.float32).mean(axis=-1) if matches.ndim > 1 else matches.astype(np.float32)


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == argmax(y_true) (one-hot targets)."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _sparse_labels(name, y_true, y_pred):
    y_true = as_array(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1:] == (1,):
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"{name}: expected integer labels of shape {y_pred.shape[:-1]} for predictions of "
            f"shape {y_pred.shape}, received labels of shape {y_true.shape}. One-hot labels "
            "need categorical_accuracy."
        )
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label."""
    y_pred = as_array(y_pred)
    labels = _sparse_labels("sparse_categorical_accuracy", y_true, y_pred)
    return (np.argmax(y_pred, axis=-1) == labels).astype(np.float32)


def _in_top_k(scores, labels, k):
    """True where the label's score is beaten by fewer than k others (ties count as in)."""
    labels = labels.astype(np.intp)
    target = np.take_along_axis(scores, labels[..., None], axis=-1)
    return (scores > target).sum(axis=-1) < k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the k highest predictions."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    return _in_top_k(y_pred, np.argmax(y_true, axis=-1), k).astype(np.float32)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is among the k highest predictions."""
    y_pred = as_array(y_pred)
    labels = _sparse_labels("sparse_top_k_categorical_accuracy", y_true, y_pred)
    return _in_top_k(y_pred, labels, k).astype(np.float32)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    Example:
        >>> m = Accuracy(); m.update_state([1, 2, 3, 4], [0, 2, 3, 4]); m.result()
        0.75
    """

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches 0/1 labels.

    Example:
        >>> m = BinaryAccuracy(); m.update_state([[1], [0]], [[0.9], [0.7]]); m.result()
        0.5
    """

    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches one-hot labels."""

    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches integer labels.

    Example:
        >>> m = SparseCategoricalAccuracy()
        >>> m.update_state([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]]); m.result()
        0.5
    """

    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the k highest predictions (k=5)."""

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the k highest predictions (k=5)."""

    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


__all__ = [
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "TopKCategoricalAccuracy", "accuracy", "binary_accuracy",
    "categorical_accuracy", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy"
]
