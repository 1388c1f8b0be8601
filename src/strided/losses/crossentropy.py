"""Cross-entropy losses (Keras names): sparse, categorical and binary, and their focal forms.

Focal cross-entropy (Lin et al. 2017) multiplies each term by (1 - p_t)^gamma, p_t being the
probability given to the right answer, so confident right answers weigh less:
    binary:       mean_last_axis((1 - p_t)^gamma * bce),  p_t = t p + (1 - t)(1 - p)
    categorical:  sum_c alpha * (1 - p_c)^gamma * (-t_c log p_c)
Both are composed of differentiable `strided.ops`, so their gradients come from the tape.
"""

import numpy as np

from strided import _config, ops
from strided.losses.base import LossFunctionWrapper, _align_last_axis, _array, _prediction


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """-log p[label] per sample; integer labels of shape (N,) or (N, 1), predictions (N, C).

    >>> sparse_categorical_crossentropy(np.array([1]), np.array([[0.5, 0.5]]))   # [0.6931]
    """
    if ignore_class is not None:
        raise NotImplementedError("sparse_categorical_crossentropy: ignore_class is not supported.")
    return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(t * log p) per sample; one-hot targets with the shape of the predictions.

    `label_smoothing` s replaces the targets by t * (1 - s) + s / num_classes.

    >>> categorical_crossentropy(np.array([[0, 1]]), np.array([[0.5, 0.5]]))   # [0.6931]
    """
    if label_smoothing:
        y_pred = _prediction(y_pred)
        target = np.asarray(_array(y_true), dtype=y_pred.dtype)
        if target.shape == y_pred.shape:
            classes = y_pred.shape[axis]
            y_true = target * (1.0 - label_smoothing) + label_smoothing / classes
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over the last axis of -(t log p + (1 - t) log(1 - p)); one value per sample.

    `label_smoothing` s replaces the targets by t * (1 - s) + 0.5 * s.

    >>> binary_crossentropy(np.array([[1.0]]), np.array([[0.5]]))   # [0.6931]
    """
    y_pred = _prediction(y_pred)
    target = _align_last_axis(y_true, y_pred).astype(y_pred.dtype)
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(ops.binary_crossentropy(target, y_pred, from_logits=from_logits), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy scaled by (1 - p_t)^gamma, mean over `axis`; one value per sample.

    With `apply_class_balancing`, positives are weighted by alpha and negatives by 1 - alpha.

    >>> binary_focal_crossentropy(np.array([[0, 1]]), np.array([[0.6, 0.4]]))   # [0.330]
    """
    y_pred = _prediction(y_pred)
    target = _align_last_axis(y_true, y_pred).astype(y_pred.dtype)
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(target, y_pred)
    p_t = y_pred * target + (1.0 - y_pred) * (1.0 - target)
    focal = ops.power(1.0 - p_t, float(gamma)) * bce
    if apply_class_balancing:
        focal = focal * (target * alpha + (1.0 - target) * (1.0 - alpha))
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum over `axis` of alpha * (1 - p)^gamma * (-t log p); one value per sample.

    p is softmax(y_pred) with `from_logits`, else y_pred renormalised to sum to 1 and clipped to
    [1e-7, 1 - 1e-7], as Keras. `alpha` may be one float or one weight per class.

    >>> categorical_focal_crossentropy(np.array([[0, 1, 0]]), np.array([[0.05, 0.9, 0.05]]))
    """
    if isinstance(axis, bool):
        raise ValueError(f"categorical_focal_crossentropy: `axis` must be an int. Received: axis={axis}")
    y_pred = _prediction(y_pred)
    target = _align_last_axis(y_true, y_pred).astype(y_pred.dtype)
    if target.shape != y_pred.shape:
        raise ValueError(
            "categorical_focal_crossentropy: `y_true` (one-hot) and `y_pred` must have the same "
            f"shape. Received: y_true.shape={np.shape(_array(y_true))}, y_pred.shape={y_pred.shape}."
        )
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / target.shape[-1]
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    output = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
    epsilon = _config.epsilon()
    output = ops.clip(output, epsilon, 1.0 - epsilon)
    cross_entropy = -ops.log(output) * target
    weight = np.asarray(alpha, dtype=y_pred.dtype)
    focal = ops.power(1.0 - output, float(gamma)) * weight * cross_entropy
    return ops.sum(focal, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer class labels (N,) against (N, classes) predictions.

    Args:
        from_logits: whether `y_pred` are logits (no softmax applied). The logits path is
            one fused, numerically stable op.
        reduction, name: see `Loss`.

    Example:
        >>> SparseCategoricalCrossentropy()(np.array([1, 0]), np.array([[0.1, 0.9], [0.8, 0.2]]))
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot targets (N, classes).

    Args:
        from_logits: whether `y_pred` are logits.
        label_smoothing: float in [0, 1]; targets become t * (1 - s) + s / classes.
        axis: the class axis. reduction, name: see `Loss`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy for 0/1 targets, averaged over the last axis per sample.

    Args:
        from_logits: whether `y_pred` are logits (no sigmoid applied).
        label_smoothing: targets become t * (1 - s) + 0.5 * s.
        axis, reduction, name: see `Loss`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Focal binary cross-entropy: easy examples (p_t near 1) weigh (1 - p_t)^gamma less.

    Args:
        apply_class_balancing: weight positives by alpha and negatives by 1 - alpha.
        alpha: the positives' weight (default 0.25). gamma: the focusing power (default 2).
        from_logits, label_smoothing, axis, reduction, name: as BinaryCrossentropy.

    Example:
        >>> BinaryFocalCrossentropy(gamma=2)(np.array([[0, 1]]), np.array([[0.6, 0.4]]))
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Focal categorical cross-entropy for one-hot targets: each class term times alpha (1 - p)^gamma.

    Args:
        alpha: a float or one weight per class (default 0.25). gamma: the focusing power (2).
        from_logits, label_smoothing, axis, reduction, name: as CategoricalCrossentropy.

    Example:
        >>> CategoricalFocalCrossentropy()(np.eye(3)[[1, 2]], np.full((2, 3), 1 / 3))
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


__all__ = [
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_crossentropy", "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy",
]
