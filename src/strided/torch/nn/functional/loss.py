"""Loss functions with PyTorch's arguments: cross_entropy (weight, ignore_index,
label_smoothing, probability targets), nll_loss, mse/l1/smooth_l1/huber, binary cross-entropy
(with logits, pos_weight), kl_div.

The common case of `cross_entropy` (class indices, no weight, no smoothing) is the engine's
fused `ops.sparse_categorical_crossentropy(from_logits=True)`; the general cases are composed
from log_softmax, gather and sums, following PyTorch's definitions (including how 'mean'
divides by the summed weights of the non-ignored targets).
"""

import numpy as np

from strided import ops
from strided.torch import _math
from strided.torch._tensor import Tensor, wrap, wrap_array
from strided.torch.nn.functional._helpers import legacy_reduction
from strided.torch.nn.functional._helpers import reduce as apply_reduction


def _class_last_labels(op, input, target):  # noqa: A002
    if target.is_floating_point():
        raise RuntimeError(f"{op}: expected target of class indices (int64), got {target.dtype}")
    labels = target._node.data
    expected = (input.shape[0], *input.shape[2:]) if input.dim() > 1 else ()
    if tuple(labels.shape) != tuple(expected):
        raise ValueError(
            f"{op}: expected target of size {list(expected)} for input of size {list(input.shape)}, "
            f"got {list(labels.shape)}"
        )
    return labels


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
             reduction="mean"):
    """-weight[t] * input[n, t] for log-probabilities input (N, C, ...) and class indices t."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    labels = _class_last_labels("nll_loss", input, target)
    classes = input.shape[1] if input.dim() > 1 else input.shape[0]
    ignored = labels == ignore_index
    valid = np.where(ignored, 0, labels)
    if np.any((valid < 0) | (valid >= classes)):
        raise IndexError(f"nll_loss: Target {int(valid[(valid < 0) | (valid >= classes)][0])} is out of bounds "
                         f"for {classes} classes.")
    weights = np.ones(classes, input._node.data.dtype) if weight is None else weight._node.data
    sample_weight = np.where(ignored, 0, weights[valid]).astype(input._node.data.dtype)
    class_dim = 1 if input.dim() > 1 else 0
    index = np.expand_dims(valid, class_dim)
    picked = input.gather(class_dim, wrap_array(index)).squeeze(class_dim)
    loss = -picked * wrap_array(sample_weight)
    if reduction == "mean":
        return loss.sum() / wrap_array(np.asarray(sample_weight.sum(), sample_weight.dtype))
    return apply_reduction(loss, reduction, "nll_loss")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits (N, C, ...) against class indices (N, ...) or probabilities."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not isinstance(target, Tensor):
        raise TypeError(f"cross_entropy(): argument 'target' must be Tensor, not {type(target).__name__}")
    class_dim = 1 if input.dim() > 1 else 0
    classes = input.shape[class_dim]
    if target.is_floating_point():  # class probabilities
        if target.shape != input.shape:
            raise ValueError(f"cross_entropy: probability targets must have the input's shape {list(input.shape)}, "
                             f"got {list(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        log_p = input.log_softmax(class_dim)
        products = log_p * target
        if weight is not None:
            shape = [1] * input.dim()
            shape[class_dim] = classes
            products = products * weight.reshape(*shape)
        loss = -products.sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // classes)
        return apply_reduction(loss, reduction, "cross_entropy")
    labels = _class_last_labels("cross_entropy", input, target)
    if weight is None and label_smoothing == 0 and not np.any(labels == ignore_index) and input.dim() > 1:
        if np.any((labels < 0) | (labels >= classes)):
            raise IndexError(f"cross_entropy: Target {int(labels[(labels < 0) | (labels >= classes)][0])} is out of "
                             f"bounds for {classes} classes.")
        per_sample = wrap(ops.sparse_categorical_crossentropy(labels, _math.float_node(input), from_logits=True,
                                                              axis=1))
        return apply_reduction(per_sample, reduction, "cross_entropy")
    log_p = input.log_softmax(class_dim)
    nll = nll_loss(log_p, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0:
        return nll
    ignored = labels == ignore_index
    if weight is not None:
        shape = [1] * input.dim()
        shape[class_dim] = classes
        smooth = -(log_p * weight.reshape(*shape)).sum(class_dim)
    else:
        smooth = -log_p.sum(class_dim)
    smooth = smooth * wrap_array((~ignored).astype(input._node.data.dtype))
    if reduction == "mean":
        if weight is not None:
            denominator = weight._node.data[labels[~ignored]].sum()
        else:
            denominator = (~ignored).sum()
        smooth = smooth.sum() / float(denominator)
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def _pointwise_loss(op, input, target, compute, reduction):  # noqa: A002
    if input.shape != target.shape:
        try:
            np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            raise RuntimeError(
                f"{op}: The size of tensor a ({list(input.shape)}) must match the size of tensor b "
                f"({list(target.shape)})"
            ) from None
    return apply_reduction(compute(input, target), reduction, op)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _pointwise_loss("mse_loss", input, target, lambda a, b: (a - b) ** 2, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _pointwise_loss("l1_loss", input, target, lambda a, b: (a - b).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):  # noqa: A002
    reduction = legacy_reduction(size_average, reduce, reduction)

    def compute(a, b):
        diff = (a - b).abs()
        if beta == 0:
            return diff
        return _math.where(diff < beta, diff * diff * (0.5 / beta), diff - 0.5 * beta)
    return _pointwise_loss("smooth_l1_loss", input, target, compute, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    def compute(a, b):
        diff = (a - b).abs()
        return _math.where(diff < delta, diff * diff * 0.5, (diff - 0.5 * delta) * delta)
    return _pointwise_loss("huber_loss", input, target, compute, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """-(t log p + (1 - t) log(1 - p)), each log clamped at -100 as PyTorch does."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if input.shape != target.shape:
        raise ValueError(
            f"Using a target size ({list(target.shape)}) that is different to the input size "
            f"({list(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    data = input._node.data
    if np.any((data < 0) | (data > 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    log_p = _math.clamp(input.log(), min=-100)
    log_q = _math.clamp((1 - input).log(), min=-100)
    loss = -(target * log_p + (1 - target) * log_q)
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                     reduction="mean", pos_weight=None):
    """BCE of sigmoid(x), computed stably: (1 - t) x + w_pos(t) (log(1 + exp(-|x|)) + max(-x, 0))."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if input.shape != target.shape:
        raise ValueError(f"Target size ({list(target.shape)}) must be the same as input size ({list(input.shape)})")
    softplus_negative = (-input.abs()).exp().log1p() + (-input).clamp(min=0)
    if pos_weight is None:
        loss = (1 - target) * input + softplus_negative
    else:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_negative
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, reduction, "binary_cross_entropy_with_logits")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):  # noqa: A002
    """target * (log target - input) for log-probabilities input; 'batchmean' divides by N."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _math.where(target > 0, target * (_math.clamp(target, min=1e-45).log() - input), 0.0 * input)
    if reduction == "batchmean":
        return loss.sum() / input.shape[0]
    return apply_reduction(loss, reduction, "kl_div")


__all__ = [name for name, value in list(globals().items())
           if callable(value) and getattr(value, "__module__", None) == __name__ and not name.startswith("_")]
