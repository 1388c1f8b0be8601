"""Overlap losses for segmentation masks (Keras names): Dice and Tversky.

    dice     1 - 2 sum(t p) / (sum(t) + sum(p) + eps)
    tversky  1 - sum(t p) / (sum(t p) + alpha sum((1 - p) t) + beta sum(p (1 - t)) + eps)

The sums run over `axis` (default None: every axis, giving one value for the batch; pass
e.g. axis=(1, 2, 3) for one value per image). eps = 1e-7. Tversky with alpha = beta = 0.5 is
Dice. Composed of differentiable `strided.ops`, so gradients come from the tape.
"""

from strided import _config, ops
from strided.losses.base import LossFunctionWrapper, check_same_shape, same_rank


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def dice(y_true, y_pred, axis=None):
    """1 - 2 |t p| / (|t| + |p|), sums over `axis` (all axes by default).

    >>> dice(np.array([[1.0, 0.0]]), np.array([[1.0, 1.0]]))   # 1 - 2 / 3
    """
    y_true, y_pred = same_rank(y_true, y_pred)
    check_same_shape("dice", y_true, y_pred)
    axis = _axis(axis)
    intersection = ops.sum(y_pred * y_true, axis=axis)
    total = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis)
    return 1.0 - intersection * 2.0 / (total + _config.epsilon())


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha FP + beta FN), soft counts summed over `axis` (all axes by default).

    As in Keras, alpha weighs sum((1 - y_pred) * y_true) and beta sum(y_pred * (1 - y_true)).
    """
    y_true, y_pred = same_rank(y_true, y_pred)
    check_same_shape("tversky", y_true, y_pred)
    axis = _axis(axis)
    intersection = ops.sum(y_pred * y_true, axis=axis)
    first = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    second = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    denominator = intersection + first * float(alpha) + second * float(beta) + _config.epsilon()
    return 1.0 - intersection / denominator


class Dice(LossFunctionWrapper):
    """The Dice loss 1 - 2|t p| / (|t| + |p|) for segmentation masks.

    Args:
        axis: the axes summed over (None: all, one value per batch; (1, 2, 3): one per image).

    Example:
        >>> Dice(axis=(1, 2, 3))(masks, predicted)
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction=reduction, name=name, dtype=dtype, axis=axis)


class Tversky(LossFunctionWrapper):
    """The Tversky loss: Dice with separate weights for missed and spurious pixels.

    Args:
        alpha, beta: the weights (0.5, 0.5 gives Dice). axis: as Dice.
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction=reduction, name=name, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)


__all__ = ["Dice", "Tversky", "dice", "tversky"]
