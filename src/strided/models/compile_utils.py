"""What `compile(loss=..., metrics=...)` turns into: per-output losses and metrics.

Resolved on the first batch, because "accuracy" depends on the labels' and predictions'
shapes (sparse or one-hot) and a single loss applies to every output of a multi-output
model, as in Keras. Logs use Keras' names: "loss", the metric names ("accuracy"), and for
several outputs "<output>_loss" and "<output>_<metric>".
"""

import numpy as np

from strided import losses as losses_module
from strided import metrics as metrics_module
from strided.autograd import Tensor
from strided.layers.keras_tensor import flatten


def _per_output(spec, names, argument, default=None):
    """One entry per output from a single value, a list or a dict keyed by output name."""
    n = len(names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError(
                f"compile(): `{argument}` has keys {unknown} that are not output names {names}."
            )
        return [spec.get(name, default) for name in names]
    if isinstance(spec, (list, tuple)) and argument != "metrics":
        if len(spec) != n:
            raise ValueError(
                f"compile(): `{argument}` has {len(spec)} entries, but the model has {n} outputs {names}."
            )
        return list(spec)
    return [spec] * n


def _leaves(spec):
    if spec is None:
        return []
    if isinstance(spec, dict):
        return [leaf for value in spec.values() for leaf in _leaves(value)]
    if isinstance(spec, (list, tuple)):
        return [leaf for value in spec for leaf in _leaves(value)]
    return [spec]


def _metric_lists(spec, names):
    if spec is None:
        return [[] for _ in names]
    if isinstance(spec, dict):
        lists = _per_output(spec, names, "metrics", default=[])
        return [item if isinstance(item, (list, tuple)) else [item] for item in lists]
    spec = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    if len(names) > 1 and len(spec) == len(names) and all(isinstance(s, (list, tuple)) or s is None for s in spec):
        return [list(s or []) for s in spec]
    return [list(spec) for _ in names]


def log_value(result):
    """A metric's result as logged: a float, or an array for per-class results (Keras logs
    `F1Score(average=None)` as one value per class)."""
    array = np.asarray(getattr(result, "data", result))
    return float(array) if array.ndim == 0 else array.astype(np.float64)


class CompileState:
    """Losses, loss weights and metrics of a compiled model, with their running values."""

    def __init__(self, loss=None, loss_weights=None, metrics=None, weighted_metrics=None):
        for spec in _leaves(loss):  # unknown names fail in compile(), not in the first fit step
            losses_module.get(spec)
        for spec in _leaves(metrics) + _leaves(weighted_metrics):
            if not isinstance(spec, metrics_module.Metric):
                metrics_module.get(spec)
        self.loss_spec = loss
        self.loss_weights_spec = loss_weights
        self.metrics_spec = metrics
        self.weighted_metrics_spec = weighted_metrics
        self.built = False
        self.loss_tracker = metrics_module.Mean(name="loss")
        self.output_names = []
        self.losses = []          # per output: Loss or None
        self.loss_weights = []    # per output: float
        self.output_loss_trackers = []
        self.metrics = []         # (output index, Metric, weighted)
        self.last_output_losses = []

    def build(self, y, y_pred, output_names):
        outputs = flatten(y_pred)
        names = list(output_names) if len(output_names) == len(outputs) else [
            f"output_{i}" for i in range(len(outputs))]
        self.output_names = names
        raw_losses = _per_output(self.loss_spec, names, "loss")
        self.losses = [None if spec is None else losses_module.get(spec) for spec in raw_losses]
        weights = _per_output(self.loss_weights_spec, names, "loss_weights", default=1.0)
        self.loss_weights = [1.0 if w is None else float(w) for w in weights]
        if len(names) > 1:
            self.output_loss_trackers = [
                metrics_module.Mean(name=f"{name}_loss") if loss is not None else None
                for name, loss in zip(names, self.losses)
            ]
        targets = self.split_targets(y) if y is not None else [None] * len(names)
        self.metrics = []
        for weighted, spec in ((False, self.metrics_spec), (True, self.weighted_metrics_spec)):
            for index, identifiers in enumerate(_metric_lists(spec, names)):
                for identifier in identifiers:
                    prediction = outputs[index].data if isinstance(outputs[index], Tensor) else outputs[index]
                    metric = metrics_module.get(identifier, loss=raw_losses[index],
                                                y_true=targets[index], y_pred=prediction)
                    if len(names) > 1:
                        metric.name = f"{names[index]}_{metric.name}"
                    self.metrics.append((index, metric, weighted))
        self.built = True

    def split_targets(self, y):
        """The targets as a list aligned with the outputs."""
        names = self.output_names
        if len(names) == 1:
            if isinstance(y, dict):
                return [y.get(names[0], next(iter(y.values())))]
            if isinstance(y, (list, tuple)) and len(y) == 1:
                return [y[0]]
            return [y]
        if isinstance(y, dict):
            return [y.get(name) for name in names]
        if isinstance(y, (list, tuple)) and len(y) == len(names):
            return list(y)
        raise ValueError(
            f"The model has {len(names)} outputs {names}, so `y` must be a list of "
            f"{len(names)} arrays or a dict keyed by output name. Received: {type(y).__name__}."
        )

    def compute_loss(self, y, y_pred, sample_weight=None):
        """The weighted sum of the per-output losses (a scalar Tensor), or None without loss."""
        outputs = flatten(y_pred)
        targets = self.split_targets(y) if y is not None else [None] * len(outputs)
        total = None
        self.last_output_losses = []
        for name, loss, weight, target, prediction in zip(
            self.output_names, self.losses, self.loss_weights, targets, outputs
        ):
            if loss is None:
                self.last_output_losses.append(None)
                continue
            if target is None:
                raise ValueError(
                    f"No target (y) was given for output '{name}', which has loss "
                    f"'{getattr(loss, 'name', loss)}'. Pass y to fit()/evaluate()."
                )
            try:
                value = loss(target, prediction, sample_weight=sample_weight)
            except (ValueError, TypeError) as error:
                raise type(error)(
                    f"Error in loss '{getattr(loss, 'name', type(loss).__name__)}' for output "
                    f"'{name}' (y_true shape {np.shape(getattr(target, 'data', target))}, y_pred "
                    f"shape {tuple(prediction.shape)}): {error}"
                ).with_traceback(error.__traceback__) from None
            self.last_output_losses.append(value)
            if weight != 1.0:
                value = value * weight
            total = value if total is None else total + value
        return total

    def update(self, total_loss, y, y_pred, sample_weight, batch_size):
        """Accumulate this batch into the running loss and metrics."""
        if total_loss is not None:
            self.loss_tracker.update_state(float(np.asarray(total_loss.data)), sample_weight=batch_size)
        for tracker, value in zip(self.output_loss_trackers, self.last_output_losses):
            if tracker is not None and value is not None:
                tracker.update_state(float(np.asarray(value.data)), sample_weight=batch_size)
        if y is None or not self.metrics:
            return
        outputs = [p.data if isinstance(p, Tensor) else np.asarray(p) for p in flatten(y_pred)]
        targets = self.split_targets(y)
        for index, metric, weighted in self.metrics:
            if targets[index] is None:
                continue
            metric.update_state(targets[index], outputs[index],
                                sample_weight=sample_weight if weighted else None)

    def all_metrics(self):
        trackers = [t for t in self.output_loss_trackers if t is not None]
        return [self.loss_tracker] + trackers + [m for _, m, _ in self.metrics]

    def results(self):
        """Logs in Keras 3's order: the compiled metrics, then "loss" and the output losses."""
        logs = {}
        for _, metric, _ in self.metrics:
            logs[metric.name] = log_value(metric.result())
        logs["loss"] = float(self.loss_tracker.result())
        for tracker in self.output_loss_trackers:
            if tracker is not None:
                logs[tracker.name] = float(tracker.result())
        return logs

    def ordered_values(self, logs):
        """evaluate()'s list: loss first, then output losses and metrics (a float if alone)."""
        names = [m.name for m in self.all_metrics()]
        values = [logs[name] for name in names if name in logs]
        values += [logs[key] for key in sorted(logs) if key not in names]
        return values[0] if len(values) == 1 else values

    def reset(self):
        for metric in self.all_metrics():
            metric.reset_state()


__all__ = ["CompileState"]
