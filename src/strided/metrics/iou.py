"""Intersection over union from a running confusion matrix, as Keras 3 (segmentation metrics).

    cm[true, predicted] += weight           for every pixel (or sample)
    IoU_c = cm[c, c] / (row_c + column_c - cm[c, c] + eps)

The result is the mean IoU over `target_class_ids`, skipping classes that never occur (an
empty denominator). MeanIoU targets every class; BinaryIoU thresholds probabilities first
(p >= threshold is class 1); the OneHot variants take the argmax of one-hot labels and scores.
Labels outside [0, num_classes), and `ignore_class`, are left out. As in Keras the matrix has
dtype "int64" by default, so fractional sample weights are truncated; pass dtype="float32"
to keep them.
"""

import numpy as np

from strided import _config
from strided.metrics.base import Metric, as_array


class IoU(Metric):
    """Mean IoU over `target_class_ids`.

    Args:
        num_classes: the number of classes (the matrix is num_classes x num_classes).
        target_class_ids: the classes whose IoU is averaged.
        ignore_class: a label value to leave out (e.g. 255 for "void").
        sparse_y_true, sparse_y_pred: False for one-hot / score inputs (argmax along `axis`).

    Example:
        >>> m = IoU(num_classes=2, target_class_ids=[0]); m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> m.result()
        0.3333333
    """

    _direction = "up"

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int64")
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"{type(self).__name__}: `num_classes` must be a positive int. "
                             f"Received: num_classes={num_classes!r}")
        self.num_classes = int(num_classes)
        self.target_class_ids = [int(c) for c in target_class_ids]
        if max(self.target_class_ids) >= self.num_classes or min(self.target_class_ids) < 0:
            raise ValueError(f"Target class id {max(self.target_class_ids)} is out of range, which is "
                             f"[0, {self.num_classes}).")
        self.ignore_class, self.axis = ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.reset_state()

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes), np.dtype(self.dtype))

    def _classes(self, y_true, y_pred):
        y_true, y_pred = as_array(y_true), as_array(y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        return y_true, y_pred

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = np.dtype(self.dtype)
        y_true, y_pred = self._classes(y_true, y_pred)
        y_true, y_pred = y_true.astype(dtype).reshape(-1), y_pred.astype(dtype).reshape(-1)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{self.name}: y_true and y_pred hold {y_true.size} and {y_pred.size} "
                             "class labels; they must hold one label each per pixel/sample.")
        weight = np.ones(1, dtype) if sample_weight is None else as_array(sample_weight).astype(dtype).reshape(-1)
        try:
            weight = np.broadcast_to(weight, y_true.shape)
        except ValueError:
            raise ValueError(f"{self.name}: sample_weight with {weight.size} values does not match "
                             f"{y_true.size} labels.") from None
        keep = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            keep &= y_true != self.ignore_class
        np.add.at(self.total_cm, (y_true[keep].astype(np.intp), y_pred[keep].astype(np.intp)), weight[keep])

    def result(self):
        cm = self.total_cm.astype(np.float32)
        true_positives = np.diag(cm)
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - true_positives
        ids = self.target_class_ids
        denominator, true_positives = denominator[ids], true_positives[ids]
        valid = denominator > 1e-9
        iou = np.where(valid, true_positives / (denominator + np.float32(_config.epsilon())), 0.0)
        count = float(valid.sum())
        return float(iou.sum() / count) if count else 0.0

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class MeanIoU(IoU):
    """The mean IoU over all `num_classes` classes (semantic segmentation's usual score).

    Example:
        >>> m = MeanIoU(num_classes=2); m.update_state([0, 0, 1, 1], [0, 1, 0, 1]); m.result()
        0.3333333
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)) if isinstance(num_classes, int) else [0],
                         name=name or "mean_io_u", dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class BinaryIoU(IoU):
    """IoU of binary masks: predictions >= `threshold` are class 1, then IoU over target_class_ids."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name or "binary_io_u", dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = (as_array(y_pred) >= self.threshold)
        super().update_state(as_array(y_true), predicted, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class OneHotIoU(IoU):
    """IoU over target_class_ids for one-hot labels and per-class scores (argmax of both)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name or "one_hot_io_u", dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False, sparse_y_pred=sparse_y_pred,
                         axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """Mean IoU over every class for one-hot labels and per-class scores (argmax of both)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name or "one_hot_mean_io_u", dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False, sparse_y_pred=sparse_y_pred,
                         axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


__all__ = ["BinaryIoU", "IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU"]
