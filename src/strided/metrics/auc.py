"""AUC: the area under the ROC or precision-recall curve, from confusion counts at thresholds.

Counts TP, FP, TN, FN at `num_thresholds` thresholds (evenly spaced in [0, 1], the ends moved
to -1e-7 and 1 + 1e-7 so every prediction is positive at the first and negative at the last),
then sums the curve as Keras 3 does:

    ROC:  x = FP / (FP + TN), y = TP / (TP + FN);   area = sum (x_i - x_i+1) (y_i + y_i+1) / 2
    PR:   Davis & Goadrich interpolation between thresholds (the default), or the Riemann sum
          with summation_method "minoring" / "majoring" (min / max of the two heights)

With `multi_label=True` each column of the labels has its own curve and the result is their
mean (weighted by `label_weights`); otherwise every entry counts for one curve.
"""

import numpy as np

from strided import _config
from strided.metrics.base import Metric
from strided.metrics.confusion_counts import confusion_counts

_CURVES = ("ROC", "PR", "PRGAIN")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


def _divide(numerator, denominator):
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator != 0)


class AUC(Metric):
    """Area under the ROC (default) or PR curve, accumulated over batches.

    Args:
        num_thresholds: thresholds used to draw the curve (default 200, > 1).
        curve: "ROC" or "PR" (or "PRGAIN"). summation_method: "interpolation", "minoring",
            "majoring".
        thresholds: explicit thresholds in [0, 1] instead of num_thresholds.
        multi_label: one curve per label column, then their mean. num_labels: their number.
        label_weights: per-label weights (of the mean with multi_label, of the counts otherwise).
        from_logits: apply a sigmoid to y_pred first.

    Example:
        >>> m = AUC(num_thresholds=3); m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]); m.result()
        0.75
    """

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        super().__init__(name=name or "auc", dtype=dtype)
        curve, summation_method = str(curve).upper(), str(summation_method).lower()
        if curve not in _CURVES:
            raise ValueError(f"AUC: invalid `curve` {curve!r}. Expected one of {_CURVES}.")
        if summation_method not in _SUMMATIONS:
            raise ValueError(f"AUC: invalid `summation_method` {summation_method!r}. "
                             f"Expected one of {_SUMMATIONS}.")
        epsilon = _config.epsilon()
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in np.atleast_1d(thresholds))
            if any(not 0 <= t <= 1 for t in inner):
                raise ValueError(f"AUC: thresholds must be in [0, 1]. Received: thresholds={thresholds}")
            self.num_thresholds = len(inner) + 2
            ends = np.array([0.0] + inner + [1.0])
            even = np.arange(len(ends), dtype=np.float32) / (len(ends) - 1)
            self._evenly_spaced = bool(len(ends) >= 3 and np.allclose(ends, even, atol=epsilon))
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(f"AUC: `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly_spaced = True
        self._thresholds = np.array([0.0 - epsilon] + inner + [1.0 + epsilon])
        self.curve, self.summation_method = curve, summation_method
        self.multi_label, self.num_labels = bool(multi_label), num_labels
        if num_labels and not multi_label:
            raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True.")
        self.label_weights = None if label_weights is None else np.asarray(label_weights, np.float32)
        self._from_logits = bool(from_logits)
        self.reset_state()

    @property
    def thresholds(self):
        """The thresholds, including the two end points."""
        return self._thresholds.tolist()

    def reset_state(self):
        self.true_positives = self.false_positives = self.true_negatives = self.false_negatives = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(getattr(y_pred, "data", y_pred), np.float32)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        counts = confusion_counts(
            self.name, y_true, y_pred, self._thresholds, sample_weight, evenly_spaced=self._evenly_spaced,
            multi_label=self.multi_label, label_weights=None if self.multi_label else self.label_weights)
        if self.true_positives is None:
            self.true_positives, self.false_positives = counts["tp"], counts["fp"]
            self.true_negatives, self.false_negatives = counts["tn"], counts["fn"]
        else:
            self.true_positives = self.true_positives + counts["tp"]
            self.false_positives = self.false_positives + counts["fp"]
            self.true_negatives = self.true_negatives + counts["tn"]
            self.false_negatives = self.false_negatives + counts["fn"]

    def _by_label(self, terms):
        if not self.multi_label:
            return float(np.sum(terms))
        by_label = np.sum(terms, axis=0)
        if self.label_weights is None:
            return float(np.mean(by_label))
        total = float(np.sum(self.label_weights))
        return float(np.sum(by_label * self.label_weights) / total) if total else 0.0

    def _interpolated_pr_area(self):
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        predicted = tp + fp
        dp = predicted[:-1] - predicted[1:]
        slope = _divide(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * predicted[1:]
        both = (predicted[:-1] > 0) & (predicted[1:] > 0)
        ratio = np.where(both, _divide(predicted[:-1], np.maximum(predicted[1:], 0)), 1.0)
        increment = _divide(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return self._by_label(increment)

    def result(self):
        if self.true_positives is None:
            return 0.0
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr_area()
        recall = _divide(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide(tp, tp + fp)
        else:  # PRGAIN
            scale = _divide(tp + fn, tn + fp)
            x = np.maximum(np.where(tp == 0, 0.0, 1.0 - scale * _divide(fn, tp)), 0.0)
            y = np.where(tp == 0, 1.0, 1.0 - scale * _divide(fp, tp))
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._by_label((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


__all__ = ["AUC"]
