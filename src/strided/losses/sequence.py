"""The CTC loss (Keras names `CTC`, `ctc`): sequence labels scored against per-frame logits.

Connectionist Temporal Classification (Graves et al. 2006) sums the probability of every
alignment of a label sequence to the frames, so a text-recognition or speech model learns
without knowing where each character sits. As in Keras, class 0 is the blank, `y_true` holds
the labels padded with 0 and every sample uses all of `y_pred`'s frames:

    y_true (batch, max_label_length) ints, 0 = padding     y_pred (batch, frames, classes) logits
    ctc(y_true, y_pred) = -log p(labels | y_pred)  per sample      (ops.ctc_loss, mask_index=0)

The forward-backward recursion and its gradient are in `kernels.reference.ctc`.
"""

import numpy as np

from strided import ops
from strided.losses.base import LossFunctionWrapper, _array


def ctc(y_true, y_pred):
    """CTC loss per sample: labels (batch, max_length) padded with 0, logits (batch, T, classes).

    The labels of a row are its non-zero entries, which must come first (0 is the blank).

    >>> ctc(np.array([[1, 2, 0]]), np.zeros((1, 5, 3)))   # one value: -log p([1, 2])
    """
    labels = np.asarray(_array(y_true))
    shape = np.shape(_array(y_pred))
    if labels.ndim != 2:
        raise ValueError(
            "ctc: targets `y_true` are expected to be a tensor of shape (batch_size, max_length) "
            f"in integer format, padded with 0. Received: y_true.shape={labels.shape}."
        )
    if len(shape) != 3:
        raise ValueError(
            "ctc: logits `y_pred` are expected to be a tensor of shape (batch_size, max_length, "
            f"num_classes). Received: y_pred.shape={shape}."
        )
    if labels.shape[0] != shape[0]:
        raise ValueError(f"ctc: `y_true` and `y_pred` must have the same batch size. Received: "
                         f"y_true.shape={labels.shape}, y_pred.shape={shape}.")
    label_length = np.sum(labels != 0, axis=-1)
    frames = np.full((shape[0],), shape[1])
    return ops.ctc_loss(labels, y_pred, label_length, frames, mask_index=0)


class CTC(LossFunctionWrapper):
    """CTC loss for sequence outputs (e.g. text in an image), averaged over the batch.

    Args:
        reduction, name: see `Loss` (default "sum_over_batch_size", name "ctc").

    Shape: y_true (N, L) integer labels padded with 0 (the blank); y_pred (N, T, C) logits
    (no softmax) -> one loss per sample, reduced to a scalar.

    Example:
        >>> model.compile(optimizer="adam", loss=strided.losses.CTC())   # or loss="ctc"
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, reduction=reduction, name=name, dtype=dtype)


__all__ = ["CTC", "ctc"]
