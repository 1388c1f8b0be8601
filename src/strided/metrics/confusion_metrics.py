"""Precision, Recall and the four confusion counts at one or several thresholds, as Keras.

    precision = TP / (TP + FP)      of the samples predicted positive, the fraction that are
    recall    = TP / (TP + FN)      of the positive samples, the fraction that were found

A prediction is positive when `y_pred > threshold` (0.5 by default). With several
thresholds, `result()` returns one value per threshold. `class_id` picks one column of a
multi-class output (one-hot labels); `top_k` counts only the k highest scores of each row as
predicted. A 0/0 ratio gives 0.0, as Keras' divide_no_nan.
"""

import numpy as np

from strided.metrics.base import Metric
from strided.metrics.confusion_counts import NEGATIVE_INFINITY, confusion_counts


def _thresholds(name, thresholds, default):
    values = [default] if thresholds is None else np.atleast_1d(thresholds).astype(float).tolist()
    if thresholds is not None and any(not 0 <= t <= 1 for t in values):
        raise ValueError(f"{name}: Threshold values must be in [0, 1]. Received: thresholds={thresholds}")
    return values


def _value(array):
    return float(array[0]) if len(array) == 1 else array.tolist()


class _ConfusionMetric(Metric):
    """Accumulates TP, FP, TN, FN (float32, one per threshold) over batches."""

    _direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        default = 0.5 if top_k is None else NEGATIVE_INFINITY
        self.thresholds = _thresholds(type(self).__name__, thresholds, default)
        self.top_k, self.class_id = top_k, class_id
        self.reset_state()

    def reset_state(self):
        count = len(self.thresholds)
        self.true_positives, self.false_positives = np.zeros(count, np.float32), np.zeros(count, np.float32)
        self.true_negatives, self.false_negatives = np.zeros(count, np.float32), np.zeros(count, np.float32)

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(self.name, y_true, y_pred, self.thresholds, sample_weight,
                                  top_k=self.top_k, class_id=self.class_id)
        self.true_positives += counts["tp"]
        self.false_positives += counts["fp"]
        self.true_negatives += counts["tn"]
        self.false_negatives += counts["fn"]

    def _ratio(self, numerator, other):
        denominator = numerator + other
        values = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator != 0)
        return _value(values)

    def get_config(self):
        config = super().get_config()
        config.update({"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id})
        return config


class Precision(_ConfusionMetric):
    """TP / (TP + FP): how many predicted positives are right.

    Args:
        thresholds: a float or list in [0, 1] (default 0.5): p > t is a positive prediction.
        top_k: count only the k highest scores of each row. class_id: one column only.

    Example:
        >>> m = Precision(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); m.result()
        0.6666666865348816
    """

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="precision", dtype=None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)

    def result(self):
        return self._ratio(self.true_positives, self.false_positives)


class Recall(_ConfusionMetric):
    """TP / (TP + FN): how many actual positives are found (arguments as Precision).

    Example:
        >>> m = Recall(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); m.result()
        0.6666666865348816
    """

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="recall", dtype=None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)

    def result(self):
        return self._ratio(self.true_positives, self.false_negatives)


class _Count(_ConfusionMetric):
    """One of the four counts; Keras' constructor takes only thresholds, name and dtype."""

    _field = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds, name=name, dtype=dtype)

    def result(self):
        return _value(getattr(self, self._field))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


class TruePositives(_Count):
    """The (weighted) number of positive samples predicted positive (p > threshold)."""

    _field = "true_positives"


class FalsePositives(_Count):
    """The (weighted) number of negative samples predicted positive."""

    _field = "false_positives"
    _direction = "down"


class TrueNegatives(_Count):
    """The (weighted) number of negative samples predicted negative."""

    _field = "true_negatives"


class FalseNegatives(_Count):
    """The (weighted) number of positive samples predicted negative."""

    _field = "false_negatives"
    _direction = "down"


__all__ = ["FalseNegatives", "FalsePositives", "Precision", "Recall", "TrueNegatives", "TruePositives"]
