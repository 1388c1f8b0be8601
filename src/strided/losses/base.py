"""`Loss` objects and the reduction they share: a per-sample function, then weights, then a mean.

    loss_fn = strided.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss = loss_fn(y_true, logits)          # a scalar Tensor: mean over the batch
    loss.backward()

The default reduction "sum_over_batch_size" divides the (weighted) sum by the number of loss
values, exactly as Keras does, so a sample weight of 0 still counts in the denominator.
"""

import numpy as np

from strided import _config, ops
from strided.autograd import Tensor

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


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


def _align_last_axis(y_true, y_pred):
    """Keras' squeeze_or_expand_to_same_rank for (N,) targets and (N, 1) predictions."""
    true = np.asarray(_array(y_true))
    if true.ndim == y_pred.ndim - 1 and y_pred.shape[-1:] == (1,):
        return true[..., None]
    if true.ndim == y_pred.ndim + 1 and true.shape[-1:] == (1,):
        return true[..., 0]
    return true


def same_rank(y_true, y_pred):
    """(y_true, y_pred) as Keras' squeeze_or_expand_to_same_rank leaves them, y_pred a float Tensor.

    When the ranks differ by one and the longer side ends in an axis of 1, that axis is dropped
    (or, if the other side is rank 1, added to it). y_true keeps its gradient if it is a float
    Tensor of y_pred's dtype; otherwise it becomes a constant array of that dtype.
    """
    y_pred = _prediction(y_pred)
    if not (isinstance(y_true, Tensor) and y_true.dtype == y_pred.dtype):
        y_true = np.asarray(_array(y_true), dtype=y_pred.dtype)
    true_rank, pred_rank = y_true.ndim, y_pred.ndim
    if true_rank == pred_rank + 1 and y_true.shape[-1] == 1:
        if pred_rank == 1:
            y_pred = ops.expand_dims(y_pred, -1)
        else:
            y_true = y_true[..., 0] if not isinstance(y_true, Tensor) else ops.squeeze(y_true, -1)
    elif pred_rank == true_rank + 1 and y_pred.shape[-1] == 1:
        if true_rank == 1:
            y_true = y_true[..., None] if not isinstance(y_true, Tensor) else ops.expand_dims(y_true, -1)
        else:
            y_pred = ops.squeeze(y_pred, -1)
    return y_true, y_pred


def check_same_shape(name, y_true, y_pred):
    """A clear error when targets and predictions cannot be compared elementwise."""
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"{name}: `y_true` and `y_pred` must have the same shape. Received: "
            f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}."
        )


def _snake_case(name):
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


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
    from strided.kernels import collective
    from strided.ops.reduction import batch_sum

    total = batch_sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = float(np.sum(weight * np.ones(values.shape, weight.dtype)))
    else:
        divisor = float(values.size)
        share = collective.batch_share()
        if share is not None and values.shape[0] == share[0]:
            divisor = divisor * share[1] / share[0]  # the whole batch's count, as one process divides
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


__all__ = ["Loss", "LossFunctionWrapper", "check_same_shape", "reduce_values", "same_rank"]
