"""One rate at the threshold where another reaches a target: PrecisionAtRecall,
RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity (Keras 3).

The confusion counts are kept at `num_thresholds` evenly spaced thresholds in [0, 1]
(`confusion_counts`, Keras' bucket rule; a single threshold means 0.5). At the end,

    result = max over thresholds t with constrained(t) >= target of dependent(t)   (0 if none)

    sensitivity = recall = tp / (tp + fn)     specificity = tn / (tn + fp)
    precision = tp / (tp + fp)                (0/0 counts as 0)
"""

import numpy as np

from strided.metrics.base import Metric
from strided.metrics.confusion_counts import confusion_counts


def _rate(numerator, other):
    denominator = numerator + other
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator != 0)


class _AtTargetMetric(Metric):
    """Counts TP/FP/TN/FN at evenly spaced thresholds; subclasses say which rate is constrained."""

    _direction = "up"
    _target_name = None  # "recall", "precision", "specificity" or "sensitivity"

    def __init__(self, target, num_thresholds=200, class_id=None, name=None, dtype=None):
        label = type(self).__name__
        if not isinstance(target, (int, float)) or isinstance(target, bool) or not 0 <= target <= 1:
            raise ValueError(f"{label}: argument `{self._target_name}` must be in the range [0, 1]. "
                             f"Received: {self._target_name}={target!r}")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError(f"{label}: argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds!r}")
        super().__init__(name=name, dtype=dtype)
        setattr(self, self._target_name, target)
        self.value = target
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly_spaced = [0.5], False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly_spaced = [0.0] + inner + [1.0], True
        self.reset_state()

    def reset_state(self):
        count = len(self.thresholds)
        self.true_positives, self.false_positives = np.zeros(count, np.float32), np.zeros(count, np.float32)
        self.true_negatives, self.false_negatives = np.zeros(count, np.float32), np.zeros(count, np.float32)

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(self.name, y_true, y_pred, self.thresholds, sample_weight,
                                  evenly_spaced=self._evenly_spaced, class_id=self.class_id)
        self.true_positives += counts["tp"]
        self.false_positives += counts["fp"]
        self.true_negatives += counts["tn"]
        self.false_negatives += counts["fn"]

    def _rates(self):
        return {"recall": _rate(self.true_positives, self.false_negatives),
                "sensitivity": _rate(self.true_positives, self.false_negatives),
                "specificity": _rate(self.true_negatives, self.false_positives),
                "precision": _rate(self.true_positives, self.false_positives)}

    def _max_where(self, constrained, dependent):
        rates = self._rates()
        feasible = rates[constrained] >= np.float32(self.value)
        return float(np.max(np.where(feasible, rates[dependent], 0.0), initial=0.0))

    def get_config(self):
        config = super().get_config()
        config.update({"class_id": self.class_id, "num_thresholds": self.num_thresholds,
                       self._target_name: getattr(self, self._target_name)})
        return config


class SensitivityAtSpecificity(_AtTargetMetric):
    """The best sensitivity (recall) at a specificity of at least `specificity`.

    Args:
        specificity: the target specificity, in [0, 1].
        num_thresholds: thresholds tried, evenly spaced in [0, 1]. Defaults to 200.
        class_id: score only this class of a (samples, classes) prediction.
        name, dtype: as every metric.

    Example:
        >>> m = strided.metrics.SensitivityAtSpecificity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]); m.result()
        0.5
    """

    _target_name = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name or "sensitivity_at_specificity", dtype)

    def result(self):
        return self._max_where("specificity", "sensitivity")


class SpecificityAtSensitivity(_AtTargetMetric):
    """The best specificity at a sensitivity (recall) of at least `sensitivity`.

    Args:
        sensitivity: the target sensitivity, in [0, 1].
        num_thresholds, class_id, name, dtype: as `SensitivityAtSpecificity`.
    """

    _target_name = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name or "specificity_at_sensitivity", dtype)

    def result(self):
        return self._max_where("sensitivity", "specificity")


class PrecisionAtRecall(_AtTargetMetric):
    """The best precision at a recall of at least `recall`.

    Args:
        recall: the target recall, in [0, 1].
        num_thresholds, class_id, name, dtype: as `SensitivityAtSpecificity`.
    """

    _target_name = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name or "precision_at_recall", dtype)

    def result(self):
        return self._max_where("recall", "precision")


class RecallAtPrecision(_AtTargetMetric):
    """The best recall at a precision of at least `precision` (0 when no threshold reaches it).

    Args:
        precision: the target precision, in [0, 1].
        num_thresholds, class_id, name, dtype: as `SensitivityAtSpecificity`.
    """

    _target_name = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name or "recall_at_precision", dtype)

    def result(self):
        return self._max_where("precision", "recall")


__all__ = ["SensitivityAtSpecificity", "SpecificityAtSensitivity", "PrecisionAtRecall", "RecallAtPrecision"]
