"""Loss functions with `keras.ops` signatures; each returns one value per sample (no reduction).

Cross-entropy from probabilities follows Keras exactly: the probabilities are renormalised
to sum to 1, clipped to [epsilon, 1 - epsilon] (epsilon = 1e-7) and then logged, so an
output of exactly 0 gives the finite loss -log(1e-7) = 16.118 instead of infinity; the
clip passes no gradient outside that range. From logits, the log-softmax / log-sigmoid is
computed stably, never as log(softmax(x)).

`sparse_categorical_crossentropy(..., from_logits=True)` is one fused `Function`:
forward = log-softmax + pick the label's entry, backward = softmax - one_hot(label).
This is the training hot path: it never builds the one-hot matrix or the full log-softmax.

Targets are constants: no gradient flows into `target` (except in `mean_squared_error`).
"""

import numpy as np

from strided import _config
from strided.autograd import Function, Tensor
from strided.kernels.dispatch import kernel_set
from strided.ops._base import as_tensor, normalize_axis


class SparseSoftmaxCrossentropy(Function):
    """loss = logsumexp(x) - x[label] on the class axis; d loss/dx = softmax(x) - one_hot(label)
    (kernels `sparse_softmax_cross_entropy_*` of the chosen set, `kernels.dispatch`)."""

    def __init__(self, labels, axis=-1):
        self.labels, self.axis = labels, axis  # labels: integer array, logits' shape minus the class axis

    def forward(self, logits):
        self.kernels = kernel_set()  # fast or reference, for both passes
        loss, self.saved = self.kernels.sparse_softmax_cross_entropy_forward(
            np.moveaxis(logits, self.axis, -1), self.labels
        )
        return loss

    def backward(self, gy):
        grad = self.kernels.sparse_softmax_cross_entropy_backward(gy, self.saved, self.labels)
        return np.moveaxis(grad, -1, self.axis)


class SoftmaxCrossentropy(Function):
    """loss = -sum(t * log_softmax(x)); d loss/dx = softmax(x) * sum(t) - t."""

    def __init__(self, target, axis):
        self.target, self.axis = target, axis

    def forward(self, logits):
        self.kernels = kernel_set()  # fast or reference, for both passes
        loss, self.saved = self.kernels.softmax_cross_entropy_forward(logits, self.target, self.axis)
        return loss

    def backward(self, gy):
        return self.kernels.softmax_cross_entropy_backward(gy, self.saved, self.target, self.axis)


class ProbabilityCrossentropy(Function):
    """Keras' categorical cross-entropy on probabilities p:
    q = p / sum(p); c = clip(q, eps, 1 - eps); loss = -sum(t * log(c))."""

    def __init__(self, target, axis, epsilon):
        self.target, self.axis, self.epsilon = target, axis, epsilon

    def forward(self, p):
        self.total = np.sum(p, axis=self.axis, keepdims=True)
        self.q = p / self.total
        self.clipped = np.clip(self.q, self.epsilon, 1 - self.epsilon)
        return -np.sum(self.target * np.log(self.clipped), axis=self.axis)

    def backward(self, gy):
        inside = (self.q >= self.epsilon) & (self.q <= 1 - self.epsilon)
        gq = np.expand_dims(-gy, self.axis) * self.target / self.clipped * inside
        # q = p / sum(p): dq_j/dp_k = (delta_jk - q_j) / sum(p)
        return (gq - np.sum(gq * self.q, axis=self.axis, keepdims=True)) / self.total


class BinaryCrossentropy(Function):
    """Keras' binary cross-entropy on probabilities: c = clip(p, eps, 1 - eps);
    loss = -(t log c + (1 - t) log(1 - c)), elementwise."""

    def __init__(self, target, epsilon):
        self.target, self.epsilon = target, epsilon

    def forward(self, p):
        self.p = p
        self.c = np.clip(p, self.epsilon, 1 - self.epsilon)
        t = self.target
        return -(t * np.log(self.c) + (1 - t) * np.log(1 - self.c))

    def backward(self, gy):
        t, c = self.target, self.c
        inside = (self.p >= self.epsilon) & (self.p <= 1 - self.epsilon)
        return gy * ((1 - t) / (1 - c) - t / c) * inside


class BinaryCrossentropyWithLogits(Function):
    """loss = softplus(x) - t x = max(x, 0) - t x + log(1 + exp(-|x|)); grad = sigmoid(x) - t."""

    def __init__(self, target):
        self.target = target

    def forward(self, x):
        self.x = x
        return np.maximum(x, 0) - self.target * x + np.log1p(np.exp(-np.abs(x)))

    def backward(self, gy):
        e = np.exp(-np.abs(self.x))
        sigmoid = np.where(self.x >= 0, 1 / (1 + e), e / (1 + e))
        return gy * (sigmoid - self.target)


class MeanSquaredError(Function):
    """loss = mean((y_pred - y_true)^2, axis=-1); both inputs get a gradient."""

    def __init__(self, shape):
        self.shape = shape  # the common shape after Keras' rank alignment

    def forward(self, y_true, y_pred):
        self.shapes = y_true.shape, y_pred.shape
        self.diff = y_pred.reshape(self.shape) - y_true.reshape(self.shape)
        return np.mean(self.diff * self.diff, axis=-1)

    def backward(self, gy):
        g = (2 / self.shape[-1]) * self.diff * gy[..., None]
        g_true = -g.reshape(self.shapes[0]) if self.needs_input_grad[0] else None
        return g_true, g.reshape(self.shapes[1])


# ------------------------------------------------------------------------ argument checks
def _float_output(name, output):
    output = as_tensor(output)
    if output.dtype.kind != "f":
        output = Tensor(output.data, dtype=_config.floatx())
    if output.ndim < 1:
        raise ValueError(f"{name}: `output` must have at least 1 dimension. Received a scalar.")
    return output


def _target_array(target, dtype):
    return np.asarray(target.data if isinstance(target, Tensor) else target, dtype=dtype)


def _same_shape(name, target, output, hint=""):
    if target.shape != output.shape:
        raise ValueError(
            f"{name}: `target` and `output` must have the same shape. Received: "
            f"target.shape={target.shape}, output.shape={output.shape}.{hint}"
        )


def _sparse_labels(name, target, output, axis):
    """Integer labels with the shape of `output` minus its class axis, each in [0, classes)."""
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    if labels.ndim == output.ndim and labels.ndim > 0 and labels.shape[-1] == 1:
        labels = labels[..., 0]  # (N, 1) -> (N,), as Keras
    expected = output.shape[:axis] + output.shape[axis + 1 :]
    if labels.shape != expected:
        raise ValueError(
            f"{name}: expected integer labels of shape {expected} (the output's shape without its "
            f"class axis {axis}), received target.shape={labels.shape} for output.shape="
            f"{output.shape}. If your targets are one-hot vectors, use categorical_crossentropy."
        )
    integral = labels.dtype.kind in "iu" or (
        labels.dtype.kind == "f" and np.all(np.mod(labels, 1) == 0)
    )
    if not integral:
        raise ValueError(
            f"{name}: labels must be integers (class indices); received dtype {labels.dtype}."
        )
    labels = labels.astype(np.intp)
    classes = output.shape[axis]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)].flat[0]
        raise ValueError(
            f"{name}: labels must be in the range [0, {classes}) for an output with {classes} "
            f"classes; received label {bad} (labels range from {labels.min()} to {labels.max()})."
        )
    return labels


# --------------------------------------------------------------------------- public API
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) targets and predicted class probabilities.

    loss = -sum_c target_c * log(p_c), with p = softmax(output) when `from_logits`, else
    p = clip(output / sum(output), 1e-7, 1 - 1e-7) as Keras.

    Args:
        target: array of the same shape as `output` (one-hot rows); no gradient.
        output: Tensor of probabilities (after softmax) or logits (`from_logits=True`).
        axis: the class axis (default -1).

    Returns:
        a Tensor of shape output.shape without `axis` (one value per sample).

    >>> categorical_crossentropy([[0, 1]], [[0.5, 0.5]])   # Tensor([0.6931])
    """
    name = "categorical_crossentropy"
    output = _float_output(name, output)
    target = _target_array(target, output.dtype)
    hint = (
        " For integer labels use sparse_categorical_crossentropy."
        if target.ndim < output.ndim or target.shape[-1:] == (1,)
        else ""
    )
    _same_shape(name, target, output, hint)
    (axis,) = normalize_axis(name, axis, output.ndim)
    if from_logits:
        return SoftmaxCrossentropy.apply(output, target=target, axis=axis)
    return ProbabilityCrossentropy.apply(
        output, target=target, axis=axis, epsilon=_config.epsilon()
    )


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy with integer class labels: loss = -log(p[label]).

    With `from_logits=True` this runs the fused log-softmax + negative-log-likelihood
    Function (backward: softmax - one_hot), the fastest path for training a classifier.

    Args:
        target: integer labels of shape (N,) or (N, 1) (more generally: output's shape
            without the class axis), each in [0, classes); no gradient.
        output: Tensor (N, classes) of probabilities, or logits when `from_logits=True`.
        axis: the class axis (default -1).

    Returns:
        a Tensor of shape (N,) (one value per sample).

    >>> sparse_categorical_crossentropy([1], [[0.5, 0.5]])   # Tensor([0.6931])
    """
    name = "sparse_categorical_crossentropy"
    output = _float_output(name, output)
    (axis,) = normalize_axis(name, axis, output.ndim)
    labels = _sparse_labels(name, target, output, axis)
    if from_logits:
        return SparseSoftmaxCrossentropy.apply(output, labels=labels, axis=axis)
    one_hot = np.zeros(np.moveaxis(output.data, axis, -1).shape, dtype=output.dtype)
    np.put_along_axis(one_hot, labels[..., None], 1, axis=-1)
    one_hot = np.moveaxis(one_hot, -1, axis)
    return ProbabilityCrossentropy.apply(
        output, target=one_hot, axis=axis, epsilon=_config.epsilon()
    )


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy: -(t log p + (1 - t) log(1 - p)), as keras.ops.

    p = sigmoid(output) when `from_logits` (computed stably), else clip(output, 1e-7, 1 - 1e-7).
    Note: keras.ops returns this elementwise; keras.losses.binary_crossentropy then takes
    the mean over the last axis.

    Args:
        target: array of 0/1 (or soft) labels, same shape as `output`; no gradient.
        output: Tensor of probabilities, or logits when `from_logits=True`.

    >>> binary_crossentropy([1.0], [0.5])   # Tensor([0.6931])
    """
    name = "binary_crossentropy"
    output = _float_output(name, output)
    target = _target_array(target, output.dtype)
    _same_shape(name, target, output)
    if from_logits:
        return BinaryCrossentropyWithLogits.apply(output, target=target)
    return BinaryCrossentropy.apply(output, target=target, epsilon=_config.epsilon())


def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true)^2, axis=-1): one value per sample, as keras.losses.

    Ranks are aligned as Keras does: (N,) against (N, 1) is treated as (N, 1) against (N, 1).

    Args:
        y_true: targets (array or Tensor; a Tensor that requires grad receives one).
        y_pred: Tensor of predictions.

    Returns:
        a Tensor of shape y_pred.shape[:-1] (after alignment).

    >>> mean_squared_error([[1.0, 2.0]], [[1.0, 4.0]])   # Tensor([2.])
    """
    name = "mean_squared_error"
    y_pred = _float_output(name, y_pred)
    if not (isinstance(y_true, Tensor) and y_true.dtype == y_pred.dtype):
        y_true = Tensor(y_true.data if isinstance(y_true, Tensor) else y_true, dtype=y_pred.dtype)
    true_shape, pred_shape = y_true.shape, y_pred.shape
    # Keras' squeeze_or_expand_to_same_rank: a trailing axis of 1 is added to a rank-1 side,
    # otherwise removed from the other side.
    if len(true_shape) == len(pred_shape) + 1 and true_shape[-1:] == (1,):
        pred_shape, true_shape = (
            (pred_shape + (1,), true_shape)
            if len(pred_shape) == 1
            else (pred_shape, true_shape[:-1])
        )
    elif len(pred_shape) == len(true_shape) + 1 and pred_shape[-1:] == (1,):
        true_shape, pred_shape = (
            (true_shape + (1,), pred_shape)
            if len(true_shape) == 1
            else (true_shape, pred_shape[:-1])
        )
    if true_shape != pred_shape:
        raise ValueError(
            f"{name}: `y_true` and `y_pred` must have the same shape. Received: "
            f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}."
        )
    return MeanSquaredError.apply(y_true, y_pred, shape=pred_shape)


__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "mean_squared_error",
    "sparse_categorical_crossentropy",
]
