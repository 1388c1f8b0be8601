"""Precision and Recall for binary (or one-class-of-many) predictions, as Keras.

    precision = TP / (TP + FP)      of the samples predicted positive, the fraction that are
    recall    = TP / (TP + FN)      of the positive samples, the fraction that were found

A prediction is positive when `y_pred > threshold` (0.5 by default). With several
thresholds, `result()` returns one value per threshold. `class_id` picks one column of a
multi-class output (one-hot labels). A 0/0 ratio gives 0.0, as Keras' divide_no_nan.
"""

import numpy as np

from strided.metrics.base import Metric, _broadcast_weights, as_array


class _ConfusionMetric(Metric):
    _direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if top_k is not None:
            raise NotImplementedError(f"{type(self).__name__}: top_k is not supported.")
        self.init_thresholds = thresholds
        values = [0.5] if thresholds is None else np.atleast_1d(thresholds).astype(float).tolist()
        if any(not 0 <= t <= 1 for t in values):
            raise ValueError(f"Threshold values must be in [0, 1]. Received: thresholds={thresholds}")
        self.thresholds = values
        self.class_id = class_id
        self.reset_state()

    def reset_state(self):
        count = len(self.thresholds)
        self.true_positives = np.zeros(count)
        self.false_positives = np.zeros(count)
        self.false_negatives = np.zeros(count)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = as_array(y_true), as_array(y_pred).astype(np.float64)
        if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1:] == (1,):
            y_true = y_true[..., None]
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"{self.name}: y_true and y_pred must have the same shape. Received: "
                f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}."
            )
        weight = None
        if sample_weight is not None:
            weight = _broadcast_weights(self.name, y_pred, sample_weight)
        if self.class_id is not None:
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
            weight = None if weight is None else weight[..., self.class_id]
        positive = y_true.astype(bool)
        weight = np.ones(y_pred.shape) if weight is None else weight
        for i, threshold in enumerate(self.thresholds):
            predicted = y_pred > threshold
            self.true_positives[i] += weight[predicted & positive].sum()
            self.false_positives[i] += weight[predicted & ~positive].sum()
            self.false_negatives[i] += weight[~predicted & positive].sum()

    def _ratio(self, numerator, other):
        denominator = numerator + other
        values = np.divide(numerator, denominator, out=np.zeros_like(numerator),
                           where=denominator > 0)
        return float(values[0]) if len(values) == 1 else values.tolist()

    def get_config(self):
        config = super().get_config()
        config.update({"thresholds": self.init_thresholds, "class_id": self.class_id})
        return config


class Precision(_ConfusionMetric):
    """TP / (TP + FP): how many predicted positives are right.

    Example:
        >>> m = Precision(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); m.result()
        0.6666666666666666
    """

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="precision", dtype=None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)

    def result(self):
        return self._ratio(self.true_positives, self.false_positives)


class Recall(_ConfusionMetric):
    """TP / (TP + FN): how many actual positives are found.

    Example:
        >>> m = Recall(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); m.result()
        0.6666666666666666
    """

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="recall", dtype=None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)

    def result(self):
        return self._ratio(self.true_positives, self.false_negatives)


__all__ = ["Precision", "Recall"]
