"""Losses with Keras 3 names: functions give one value per sample, `Loss` objects reduce them.

    loss_fn = strided.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss = loss_fn(y_true, logits)          # a scalar Tensor: mean over the batch
    loss.backward()

The per-sample maths (and its gradient) lives in `strided.ops.losses`; this module adds
Keras' options (label smoothing, sample weights, reductions) and the string names used by
`model.compile(loss="...")`. The default reduction "sum_over_batch_size" divides the
(weighted) sum by the number of loss values, exactly as Keras does, so a sample weight of 0
still counts in the denominator.
"""

import numpy as np

from strided import _config, ops
from strided.autograd import Tensor

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# ------------------------------------------------------------------- per-sample functions
def _array(value):
    """The ndarray behind a Tensor, or `value` itself (arrays, lists, numbers)."""
    return value.data if isinstance(value, Tensor) else value


def _prediction(y_pred):
    """y_pred as a float Tensor (arrays and integer inputs become floatx)."""
    if not isinstance(y_pred, Tensor):
        y_pred = Tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = Tensor(y_pred.data, dtype=_config.floatx())
    return y_pred


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """-log p[label] per sample; integer labels of shape (N,) or (N, 1), predictions (N, C).

    >>> sparse_categorical_crossentropy(np.array([1]), np.array([[0.5, 0.5]]))   # [0.6931]
    """
    if ignore_class is not None:
        raise NotImplementedError("sparse_categorical_crossentropy: ignore_class is not supported.")
    return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(t * log p) per sample; one-hot targets with the shape of the predictions.

    `label_smoothing` s replaces the targets by t * (1 - s) + s / num_classes.

    >>> categorical_crossentropy(np.array([[0, 1]]), np.array([[0.5, 0.5]]))   # [0.6931]
    """
    if label_smoothing:
        y_pred = _prediction(y_pred)
        target = np.asarray(_array(y_true), dtype=y_pred.dtype)
        if target.shape == y_pred.shape:
            classes = y_pred.shape[axis]
            y_true = target * (1.0 - label_smoothing) + label_smoothing / classes
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def _align_last_axis(y_true, y_pred):
    """Keras' squeeze_or_expand_to_same_rank for (N,) targets and (N, 1) predictions."""
    true = np.asarray(_array(y_true))
    if true.ndim == y_pred.ndim - 1 and y_pred.shape[-1:] == (1,):
        return true[..., None]
    if true.ndim == y_pred.ndim + 1 and true.shape[-1:] == (1,):
        return true[..., 0]
    return true


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over the last axis of -(t log p + (1 - t) log(1 - p)); one value per sample.

    `label_smoothing` s replaces the targets by t * (1 - s) + 0.5 * s.

    >>> binary_crossentropy(np.array([[1.0]]), np.array([[0.5]]))   # [0.6931]
    """
    y_pred = _prediction(y_pred)
    target = _align_last_axis(y_true, y_pred).astype(y_pred.dtype)
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return ops.mean(ops.binary_crossentropy(target, y_pred, from_logits=from_logits), axis=axis)


def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true)^2, axis=-1) per sample.

    >>> mean_squared_error(np.array([[1.0, 2.0]]), np.array([[1.0, 4.0]]))   # [2.]
    """
    return ops.mean_squared_error(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_pred - y_true|, axis=-1) per sample.

    >>> mean_absolute_error(np.array([[1.0, 2.0]]), np.array([[1.0, 4.0]]))   # [1.]
    """
    y_pred = _prediction(y_pred)
    target = _align_last_axis(y_true, y_pred)
    if target.shape != y_pred.shape:
        raise ValueError(
            "mean_absolute_error: `y_true` and `y_pred` must have the same shape. Received: "
            f"y_true.shape={np.shape(_array(y_true))}, y_pred.shape={y_pred.shape}."
        )
    return ops.mean(ops.abs(y_pred - Tensor(target, dtype=y_pred.dtype)), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# ------------------------------------------------------------------------- Loss objects
def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size", name="loss"):
    """Weight per-sample loss `values` (a Tensor) and reduce them as Keras does."""
    if sample_weight is not None:
        weight = np.asarray(_array(sample_weight), dtype=values.dtype)
        if weight.ndim == values.ndim + 1 and weight.shape[-1:] == (1,):
            weight = weight[..., 0]
        while 0 < weight.ndim < values.ndim:
            weight = weight[..., None]  # per-sample weights over per-pixel losses
        try:
            np.broadcast_shapes(weight.shape, values.shape)
        except ValueError:
            raise ValueError(
                f"{name}: sample_weight of shape {np.shape(_array(sample_weight))} "
                f"does not match the per-sample losses of shape {values.shape}. Pass one weight per sample."
            ) from None
        values = values * weight
    if reduction is None or reduction == "none" or values.ndim == 0:
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = float(np.sum(weight * np.ones(values.shape, weight.dtype)))
    else:
        divisor = float(values.size)
    return total * (1.0 / divisor) if divisor else total * 0.0


class Loss:
    """Base class: `__call__` computes `call(y_true, y_pred)` per sample, then weights and reduces.

    Args:
        name: name of the loss (shown by Keras in some messages).
        reduction: "sum_over_batch_size" (default: weighted sum / number of values), "sum",
            "mean_with_sample_weight" (weighted sum / sum of weights) or "none".

    Subclass and implement `call(y_true, y_pred)` returning a Tensor with one value per
    sample; it must use differentiable `strided.ops`.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                             f"{_REDUCTIONS}. Received: reduction={reduction!r}")
        self.name = name or _snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        if not isinstance(values, Tensor):
            values = Tensor(values)
        return reduce_values(values, sample_weight, self.reduction, name=type(self).__name__)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A `Loss` around a per-sample function `fn(y_true, y_pred, **kwargs)`.

    Example:
        >>> loss = LossFunctionWrapper(mean_squared_error, name="mse")
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "loss"), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer class labels (N,) against (N, classes) predictions.

    Args:
        from_logits: whether `y_pred` are logits (no softmax applied). The logits path is
            one fused, numerically stable op.
        reduction, name: see `Loss`.

    Example:
        >>> SparseCategoricalCrossentropy()(np.array([1, 0]), np.array([[0.1, 0.9], [0.8, 0.2]]))
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot targets (N, classes).

    Args:
        from_logits: whether `y_pred` are logits.
        label_smoothing: float in [0, 1]; targets become t * (1 - s) + s / classes.
        axis: the class axis. reduction, name: see `Loss`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy for 0/1 targets, averaged over the last axis per sample.

    Args:
        from_logits: whether `y_pred` are logits (no sigmoid applied).
        label_smoothing: targets become t * (1 - s) + 0.5 * s.
        axis, reduction, name: see `Loss`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class MeanSquaredError(LossFunctionWrapper):
    """mean((y_pred - y_true)^2) over the last axis, then over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """mean(|y_pred - y_true|) over the last axis, then over the batch."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


def _snake_case(name):
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


_CLASSES = {cls.__name__: cls for cls in (
    SparseCategoricalCrossentropy, CategoricalCrossentropy, BinaryCrossentropy, MeanSquaredError,
    MeanAbsoluteError)}
_FUNCTIONS = {
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
}


def serialize(loss):
    """{"class_name", "config"} for a built-in `Loss` object."""
    return {"module": "keras.losses", "class_name": type(loss).__name__,
            "config": loss.get_config(), "registered_name": None}


def get(identifier):
    """A `Loss` object (call it to get a scalar) from a name, a config dict, a Loss or a function.

    Names: "sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy",
    "mean_squared_error" / "mse", "mean_absolute_error" / "mae", or a class name such as
    "SparseCategoricalCrossentropy". A plain function `fn(y_true, y_pred)` giving per-sample
    values is wrapped so its values are averaged over the batch. None gives None.

    Example:
        >>> strided.losses.get("mse").name
        'mean_squared_error'
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        cls = _CLASSES.get(identifier.get("class_name"))
        if cls is None:
            raise ValueError(f"Unknown loss class: {identifier.get('class_name')!r}. "
                             f"Known: {sorted(_CLASSES)}.")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = _CLASSES.get(identifier) or _FUNCTIONS.get(identifier.lower())
        if cls is not None:
            return cls()
    elif callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ValueError(
        f"Could not interpret loss identifier: {identifier!r}. Expected one of "
        f"{sorted(_FUNCTIONS)}, a Loss instance or a function fn(y_true, y_pred)."
    )


__all__ = [
    "MAE", "MSE", "BinaryCrossentropy", "CategoricalCrossentropy", "Loss", "LossFunctionWrapper",
    "MeanAbsoluteError", "MeanSquaredError", "SparseCategoricalCrossentropy",
    "binary_crossentropy", "categorical_crossentropy", "get", "mae", "mean_absolute_error",
    "mean_squared_error", "mse", "reduce_values", "serialize", "sparse_categorical_crossentropy"
]
