"""Circle loss (Sun et al. 2020; Keras `Circle`): metric learning on L2-normalised embeddings.

For each embedding (a row of y_pred) and each reference embedding, d = max(1 - cos, 0) is their
cosine distance. Pairs with the same label are positives, the others negatives (a row's pair
with itself is dropped when `remove_diagonal`). Each pair is weighted by how far it is from its
optimum, so the pairs that are most wrong are pushed hardest (m = margin, g = gamma):

    positive:  w_p = max(m + d, 0),      a_p = -g w_p (m - d)
    negative:  w_n = max(1 + m - d, 0),  a_n =  g w_n (1 - m - d)
    loss       = softplus(logsumexp over positives of a_p + logsumexp over negatives of a_n)

A row with no positive or no negative pair has loss 0 and, as Keras, is left out of the
average: the default reduction divides by the number of rows whose loss is above 0.
"""

import numpy as np

from strided import ops
from strided.losses.base import LossFunctionWrapper, _array, _prediction, reduce_values


def _labels(name, labels, rows):
    labels = np.asarray(_array(labels))
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.shape != (rows,):
        raise ValueError(f"circle: `{name}` must hold one integer label per embedding, shape "
                         f"({rows},) or ({rows}, 1). Received: {name}.shape={labels.shape}.")
    return labels.astype(np.int64)


def _masked_logsumexp(values, mask):
    """logsumexp over axis 1 of the entries where `mask` is true; a row with none gives a very
    negative number (not -inf, so that its gradient stays 0 rather than NaN)."""
    lowest = float(np.finfo(values.dtype).min) / 4
    return ops.logsumexp(ops.where(mask, values, lowest), axis=1)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss per embedding: y_true (N,) integer labels, y_pred (N, D) unit-norm embeddings.

    `ref_labels` (M,) and `ref_embeddings` (M, D) are the embeddings compared against (default:
    the batch itself).

    >>> circle(np.array([0, 0, 1]), np.eye(3)[[0, 0, 1]])
    """
    y_pred = _prediction(y_pred)
    if y_pred.ndim != 2:
        raise ValueError("circle: `y_pred` must be embeddings of shape (batch_size, embedding_dim). "
                         f"Received: y_pred.shape={tuple(y_pred.shape)}.")
    labels = _labels("y_true", y_true, y_pred.shape[0])
    reference = y_pred if ref_embeddings is None else _prediction(ref_embeddings)
    if reference.ndim != 2 or reference.shape[1] != y_pred.shape[1]:
        raise ValueError(f"circle: `ref_embeddings` must have shape (M, {y_pred.shape[1]}) like "
                         f"`y_pred`. Received: ref_embeddings.shape={tuple(reference.shape)}.")
    reference_labels = labels if ref_labels is None else _labels("ref_labels", ref_labels, reference.shape[0])

    positive = labels[:, None] == reference_labels[None, :]
    negative = ~positive
    if remove_diagonal:
        positive &= ~np.eye(len(labels), len(reference_labels), dtype=bool)
    distance = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(reference)), 0.0)
    positive_weight = ops.maximum((margin + distance) * positive.astype(y_pred.dtype), 0.0)
    negative_weight = ops.maximum((1.0 + margin - distance) * negative.astype(y_pred.dtype), 0.0)
    positive_logits = -gamma * positive_weight * (margin - distance)
    negative_logits = gamma * negative_weight * ((1.0 - margin) - distance)
    return ops.softplus(_masked_logsumexp(positive_logits, positive)
                        + _masked_logsumexp(negative_logits, negative))


class Circle(LossFunctionWrapper):
    """Circle loss between integer labels and L2-normalised embeddings (metric learning).

    End the model with a Dense layer without activation and a `UnitNormalization` layer.

    Args:
        gamma: the scale of the similarity scores (default 80).
        margin: the relaxation m (default 0.4): positives aim at distance below m, negatives
            above 1 - m.
        remove_diagonal: leave each embedding's pair with itself out of the positives (True).
        reduction, name: see `Loss`. The mean counts only the rows whose loss is above 0.

    Shape: y_true (N,) or (N, 1) labels, y_pred (N, D) embeddings -> (N,) values.

    Example:
        >>> model.compile(optimizer="adam", loss=strided.losses.Circle())   # or loss="circle"
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, reduction=reduction, name=name, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal

    def __call__(self, y_true, y_pred, sample_weight=None):
        """As `Loss.__call__`, but rows with a loss of 0 are masked out as Keras does."""
        values = self.call(y_true, y_pred)
        valid = (values.data > 0).astype(values.dtype)
        if self.reduction in ("sum_over_batch_size", "mean"):
            count = valid.sum()
            weight = valid * (valid.size / count if count else 0.0)  # mean over the valid rows
        else:
            weight = valid
        if sample_weight is not None:
            given = np.asarray(_array(sample_weight), dtype=values.dtype)
            if given.ndim == 2 and given.shape[1:] == (1,):
                given = given[:, 0]
            try:
                weight = weight * given
            except ValueError:
                raise ValueError(f"Circle: sample_weight of shape {given.shape} does not match the "
                                 f"{values.shape[0]} embeddings. Pass one weight per sample.") from None
        return reduce_values(values, weight, self.reduction, name="Circle")


__all__ = ["Circle", "circle"]
