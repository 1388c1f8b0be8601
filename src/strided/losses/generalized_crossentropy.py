"""Generalized cross-entropy (Zhang & Sabuncu 2018; Keras `CategoricalGeneralizedCrossEntropy`).

A loss that tolerates noisy labels: with p the probability given to the true class,

    loss = (1 - p^q) / q,     q in (0, 1)

which tends to the cross-entropy -log p as q -> 0 and to the mean absolute error 1 - p at q = 1.
Labels are integers (as sparse categorical cross-entropy), predictions are probabilities.
Composed of differentiable `strided.ops`.
"""

import numpy as np

from strided import ops
from strided.losses.base import LossFunctionWrapper, _array, _prediction


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p^q) / q per sample, p = y_pred's probability of the integer label y_true.

    y_true: (batch,) or (batch, 1) labels; y_pred: (batch, classes) probabilities.

    >>> categorical_generalized_cross_entropy(np.array([1]), np.array([[0.2, 0.8]]), q=0.5)  # [0.2111]
    """
    y_pred = _prediction(y_pred)
    labels = np.asarray(_array(y_true))
    if labels.ndim == y_pred.ndim and labels.shape[-1:] == (1,):
        labels = labels[..., 0]  # (batch, 1) labels, as the docstring of Keras allows
    if y_pred.ndim < 1 or labels.shape != tuple(y_pred.shape[:-1]):
        raise ValueError(
            "categorical_generalized_cross_entropy: expected integer labels `y_true` of shape "
            f"{tuple(y_pred.shape[:-1])} (or with a trailing 1) for probabilities `y_pred` of shape "
            f"{tuple(y_pred.shape)}. Received: y_true.shape={np.shape(_array(y_true))}."
        )
    classes = y_pred.shape[-1]
    if labels.size and (np.any(labels < 0) or np.any(labels >= classes) or np.any(labels != np.round(labels))):
        raise ValueError(
            f"categorical_generalized_cross_entropy: labels must be integers 0..{classes - 1}. "
            f"Received values from {labels.min()} to {labels.max()}."
        )
    one_hot = (labels.astype(np.int64)[..., None] == np.arange(classes)).astype(y_pred.dtype)
    p = ops.sum(y_pred * one_hot, axis=-1)
    return (1.0 - ops.power(p, float(q))) / float(q)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy (1 - p^q) / q for integer labels: robust to label noise.

    Args:
        q: in (0, 1); near 0 it behaves like cross-entropy, near 1 like mean absolute error
            (default 0.5).
        reduction, name: see `Loss`.

    Shape: y_true (N,) or (N, 1) integer labels, y_pred (N, C) probabilities -> (N,) values.

    Example:
        >>> CategoricalGeneralizedCrossEntropy()(np.array([0, 1]), np.array([[0.7, 0.3], [0.2, 0.8]]))
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must be in the interval (0, 1). "
                             f"Received: q={q}")
        super().__init__(categorical_generalized_cross_entropy, reduction=reduction, name=name,
                         dtype=dtype, q=q)
        self.q = q


__all__ = ["CategoricalGeneralizedCrossEntropy", "categorical_generalized_cross_entropy"]
