"""`MonitorCallback`: shared logic of callbacks that watch one value in the logs.

Used by EarlyStopping and ModelCheckpoint. mode="auto" decides the direction as Keras:
"loss" (and "val_loss") are minimised; a metric found on the model with `_direction == "up"`
(accuracy, precision, recall, ...) is maximised. Names that look like accuracy-style scores
are maximised and error-style names minimised when the model cannot tell.
"""

import warnings

import numpy as np

from strided.callbacks.callback import Callback

_UP_WORDS = ("acc", "precision", "recall", "auc", "f1", "iou")
_DOWN_WORDS = ("loss", "error", "mse", "mae", "crossentropy", "hinge")


def _model_metrics(model):
    found, pending = [], list(getattr(model, "metrics", None) or [])
    while pending:
        metric = pending.pop()
        found.append(metric)
        pending.extend(getattr(metric, "metrics", None) or [])
    return found


def direction_of(monitor, model=None):
    """'up' or 'down' for a monitored log key such as 'val_accuracy', or None if unknown."""
    name = monitor.removeprefix("val_")
    if name == "loss":
        return "down"
    for metric in _model_metrics(model):
        if getattr(metric, "name", None) == name and getattr(metric, "_direction", None):
            return metric._direction
    if any(word in name for word in _UP_WORDS):
        return "up"
    if any(word in name for word in _DOWN_WORDS):
        return "down"
    return None


class MonitorCallback(Callback):
    """Base of callbacks comparing `logs[monitor]` against the best value so far.

    Args:
        monitor: the log key, e.g. "val_loss" or "val_accuracy".
        mode: "auto", "min" or "max".
        baseline: an initial reference value (or None).
        min_delta: the smallest change that counts as an improvement.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None
        self.best = None

    def _set_monitor_op(self):
        if self.mode == "min":
            direction = "down"
        elif self.mode == "max":
            direction = "up"
        else:
            direction = direction_of(self.monitor, self.model)
        if direction is None:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor} but cannot "
                "determine whether that metric should be maximized or minimized. Pass "
                "`mode='max'` to track the highest value, or `mode='min'` the lowest."
            )
        self.monitor_op = np.less if direction == "down" else np.greater
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)
        self.best = float("inf") if self.monitor_op is np.less else -float("inf")

    def _is_improvement(self, monitor_value, reference_value):
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


__all__ = ["MonitorCallback", "direction_of"]
