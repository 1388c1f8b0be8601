"""Weighted confusion counts at several thresholds: the state behind Precision, Recall, AUC,
TruePositives, ... (Keras' `metrics_utils.update_confusion_matrix_variables`).

For each threshold t a prediction p is positive when p > t; a label is positive when nonzero.

    tp[t] = sum(w * [label] * [p > t])        fp[t] = sum(w * [not label] * [p > t])
    fn[t] = sum(w * [label] * [p <= t])       tn[t] = sum(w * [not label] * [p <= t])

Without `multi_label` every entry of the batch counts for one curve (shape (T,)); with it,
each column is its own label (shape (T, labels)). Evenly spaced thresholds are counted as
Keras counts them: p (clipped to [0, 1]) falls in bucket ceil(p (T - 1)) - 1 and is positive
for every threshold up to its bucket, so the two frameworks agree even at the boundaries.
Sums are float32, as Keras' variables.
"""

import numpy as np

from strided.metrics.base import as_array

NEGATIVE_INFINITY = -1e10  # Keras' NEG_INF: what top_k filtering gives the other entries


def same_rank(name, y_true, y_pred):
    """(y_true, y_pred) with a trailing axis of 1 dropped or added as Keras does; same shapes."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1:] == (1,):
        y_true = y_true[..., 0]
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1:] == (1,):
        y_pred = y_pred[..., 0]
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{name}: y_true and y_pred must have the same shape. Received: "
            f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}."
        )
    return y_true, y_pred


def _weights(name, sample_weight, shape):
    """Per-sample (N,) or (N, 1) weights, or full-shape weights, spread over `shape`."""
    if sample_weight is None:
        return np.ones(shape, np.float32)
    weight = as_array(sample_weight).astype(np.float32)
    if weight.ndim == len(shape) + 1 and weight.shape[-1:] == (1,):
        weight = weight[..., 0]
    while 0 < weight.ndim < len(shape):
        weight = weight[..., None]
    try:
        return np.broadcast_to(weight, shape)
    except ValueError:
        raise ValueError(
            f"{name}: sample_weight of shape {as_array(sample_weight).shape} does not match the "
            f"predictions of shape {shape}. Pass one weight per sample."
        ) from None


def filter_top_k(y_pred, k):
    """Keep the k largest entries of the last axis, set the others to NEGATIVE_INFINITY."""
    order = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    keep = np.zeros(y_pred.shape, bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return np.where(keep, y_pred, NEGATIVE_INFINITY).astype(y_pred.dtype)


def confusion_counts(name, y_true, y_pred, thresholds, sample_weight=None, evenly_spaced=False,
                     multi_label=False, label_weights=None, top_k=None, class_id=None):
    """{"tp", "fp", "tn", "fn"}: float32 arrays of shape (T,) (or (T, labels) with multi_label)."""
    y_true, y_pred = same_rank(name, y_true, y_pred)
    y_pred = y_pred.astype(np.float32)
    weight = _weights(name, sample_weight, y_pred.shape)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2:
            raise ValueError(f"{name}: class_id needs predictions of shape (samples, classes); "
                             f"received shape {y_pred.shape}.")
        y_true, y_pred, weight = y_true[..., class_id], y_pred[..., class_id], weight[..., class_id]
    if label_weights is not None and not multi_label:
        weight = weight * np.broadcast_to(np.asarray(label_weights, np.float32), y_pred.shape)
    positive = y_true.astype(bool)
    columns = (lambda a: a.reshape(a.shape[0], -1)) if multi_label and y_pred.ndim > 1 else (lambda a: a.reshape(-1, 1))
    y_pred, positive, weight = columns(y_pred), columns(positive), columns(weight)
    true_weight = np.where(positive, weight, 0).astype(np.float64)
    false_weight = np.where(positive, 0, weight).astype(np.float64)
    thresholds = np.asarray(thresholds, np.float32)
    count = _count_above_bucket if evenly_spaced else _count_above
    tp = np.stack([count(y_pred[:, j], true_weight[:, j], thresholds) for j in range(y_pred.shape[1])], -1)
    fp = np.stack([count(y_pred[:, j], false_weight[:, j], thresholds) for j in range(y_pred.shape[1])], -1)
    counts = {"tp": tp, "fp": fp, "fn": true_weight.sum(axis=0) - tp, "tn": false_weight.sum(axis=0) - fp}
    counts = {key: value.astype(np.float32) for key, value in counts.items()}
    return counts if multi_label else {key: value[:, 0] for key, value in counts.items()}


def _count_above(predictions, weights, thresholds):
    """sum(weights[predictions > t]) for each threshold t, by sorting once."""
    order = np.argsort(predictions, kind="stable")
    suffix = np.concatenate([np.cumsum(weights[order][::-1])[::-1], [0.0]])
    return suffix[np.searchsorted(predictions[order], thresholds, side="right")]


def _count_above_bucket(predictions, weights, thresholds):
    """The same sums for evenly spaced thresholds, by Keras' bucket rule: p (clipped to [0, 1])
    lands in bucket ceil(p (T - 1)) - 1 (at least 0 when the end thresholds are -eps and 1 + eps)
    and counts as positive for thresholds 0 .. bucket."""
    size = len(thresholds)
    clipped = np.clip(predictions, 0.0, 1.0).astype(np.float32)
    bucket = (np.ceil(clipped * np.float32(size - 1)) - 1).astype(np.int64)
    if thresholds[0] < 0 or thresholds[-1] > 1:
        bucket = np.maximum(bucket, 0)
    per_bucket = np.bincount(bucket + 1, weights=weights, minlength=size + 1)[1:]
    return np.cumsum(per_bucket[::-1])[::-1]


__all__ = ["NEGATIVE_INFINITY", "confusion_counts", "filter_top_k", "same_rank"]
