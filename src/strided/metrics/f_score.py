"""F-beta and F1 scores for multi-class and multi-label outputs, as Keras 3.

    precision = TP / (TP + FP + eps), recall = TP / (TP + FN + eps)   (per class)
    F_beta = (1 + beta^2) * precision * recall / (beta^2 * precision + recall + eps)

A prediction counts as positive where it is the row's largest score (threshold None) or above
`threshold`. `average`: None gives one score per class; "micro" pools the counts of every
class first; "macro" averages the per-class scores; "weighted" weighs them by each class's
(weighted) number of positive labels. eps = 1e-7. Inputs are (samples, classes).
"""

import numpy as np

from strided import _config
from strided.metrics.base import Metric, as_array


class FBetaScore(Metric):
    """The F-beta score, accumulated over batches.

    Args:
        average: None, "micro", "macro" or "weighted" (see the module docstring).
        beta: a float > 0 (recall counts beta times as much as precision).
        threshold: a float in (0, 1]: p > threshold is positive; None: each row's maximum.

    Example:
        >>> m = FBetaScore(beta=2.0, average="macro")
        >>> m.update_state(np.eye(3)[[0, 1, 2, 2]], np.eye(3)[[0, 2, 2, 1]]); m.result()
    """

    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             f"{{None, 'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float > 0. Received: beta={beta!r}")
        if threshold is not None and (not isinstance(threshold, float) or not 0.0 < threshold <= 1.0):
            raise ValueError("Invalid `threshold` argument value. It should be a Python float with "
                             f"0 < threshold <= 1. Received: threshold={threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.reset_state()

    def reset_state(self):
        self.true_positives = self.false_positives = self.false_negatives = None
        self.intermediate_weights = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = as_array(y_true).astype(np.float32), as_array(y_pred).astype(np.float32)
        if y_true.ndim != 2 or y_pred.ndim != 2 or y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__} expects 2D inputs of the same shape (batch_size, "
                             f"output_dim). Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}.")
        if self.threshold is None:
            predicted = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(np.float32)
        weight = np.ones((len(y_true), 1), np.float32) if sample_weight is None else \
            as_array(sample_weight).astype(np.float32).reshape(-1, 1)
        axis = None if self.average == "micro" else 0
        sums = [np.sum(values * weight, axis=axis, dtype=np.float32) for values in (
            predicted * y_true, predicted * (1 - y_true), (1 - predicted) * y_true, y_true)]
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.false_negatives, self.intermediate_weights = sums
        else:
            self.true_positives = self.true_positives + sums[0]
            self.false_positives = self.false_positives + sums[1]
            self.false_negatives = self.false_negatives + sums[2]
            self.intermediate_weights = self.intermediate_weights + sums[3]

    def result(self):
        if self.true_positives is None:
            return 0.0
        epsilon = np.float32(_config.epsilon())
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + epsilon)
        recall = tp / (tp + self.false_negatives + epsilon)
        beta2 = np.float32(self.beta**2)
        score = precision * recall / (beta2 * precision + recall + epsilon) * (1 + beta2)
        if self.average == "weighted":
            weights = self.intermediate_weights / (np.sum(self.intermediate_weights) + epsilon)
            return float(np.sum(score * weights))
        if self.average is not None:
            return float(np.mean(score))
        return score.tolist()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score: the harmonic mean of precision and recall (FBetaScore with beta=1).

    Example:
        >>> m = F1Score(average="micro", threshold=0.5)
        >>> m.update_state([[1, 0], [0, 1]], [[0.9, 0.2], [0.6, 0.7]]); m.result()
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


__all__ = ["F1Score", "FBetaScore"]
