"""Batch normalization: keras.ops.batch_normalization (given statistics) and the training form.

`batch_normalization` normalises with statistics it is given (the moving averages at inference)
and is differentiable in all five arguments. `batch_norm_train` normalises with the batch's own
statistics, through the shared `Standardize` (ops/normalization.py) or, for the common
channels-last case, `ChannelsLastBatchNorm`, which does the same in fewer passes.

Variance: the statistics normalise with the *biased* variance mean((x - mean)^2), as Keras,
TensorFlow and PyTorch do. PyTorch's BatchNorm then updates its running variance with the
unbiased one (times M / (M - 1)); Keras updates its moving variance with the biased one.
"""

import numpy as np

from strided.autograd import Function
from strided.kernels.dispatch import kernel_set
from strided.kernels.fast.batch_norm_pool import PooledNormalization
from strided.ops._base import batch_axis_sum, normalize_axis
from strided.ops.activations import relu as relu_op
from strided.ops.normalization import _float_input, _param, _standardize


class ChannelsLastBatchNorm(Function):
    """Training-mode batch norm over every axis but the last, in as few passes as NumPy allows.

    On x viewed as (M, C), with the batch statistics mean and var (`kernels.fast.batch_norm.moments`,
    one pass): y = gamma * (x - mean) / sqrt(var + eps) + beta computed as x * scale + shift,
    one pass that reads x and writes y; backward in two passes (the sums, then dx), see
    `kernels.fast.batch_norm`. The same numbers as `Standardize` with batch statistics (tested).

    With `relu`, the output is max(y, 0), applied to each chunk while it is in cache, and the
    backward pass starts with the ReLU's mask (dy * (y > 0)) in its first pass: the CIFAR
    network's BatchNormalization -> Activation("relu") pairs, without the ReLU's own two
    passes over memory (`strided.models.fusion`).
    """

    def __init__(self, epsilon, mean, var, relu=False, rows=None):
        self.epsilon, self.mean, self.var, self.relu, self.rows = epsilon, mean, var, relu, rows

    def forward(self, x, gamma, beta):
        self.x2 = x.reshape(-1, x.shape[-1])
        self.norm = kernel_set().Normalization(self.mean, self.var, gamma, beta, self.epsilon, self.relu, self.rows,
                                               images=x.shape[0] if x.ndim > 1 else None)
        return self.norm.normalize(self.x2).reshape(x.shape)

    def backward(self, gy):
        dy, dbeta, dgamma = self.norm.gradient_sums(gy.reshape(self.x2.shape), self.x2)
        dx = None
        if self.needs_input_grad[0]:
            dx = self.norm.input_gradient_pass(dy, self.x2, dbeta, dgamma).reshape(gy.shape)
        return dx, dgamma, dbeta


class ChannelsLastBatchNormReluMaxPool(Function):
    """max_pool(relu(batch_norm(x))) in training, for channels-last (N, H, W, C) x and a pooling
    window that is its own stride, without padding: lesson 004's BatchNorm2d -> ReLU -> MaxPool2d.

    One Function with its own backward: with the fast kernels, `kernels.fast.batch_norm_pool`
    (the normalised map is never stored, only the pooled one and each window's winner); with the
    reference kernels, their composition (normalise and ReLU, then max pooling; backward
    in the reverse order). The same numbers either way, to float rounding (tested).
    """

    def __init__(self, epsilon, mean, var, window, rows=None):
        self.epsilon, self.mean, self.var, self.window, self.rows = epsilon, mean, var, window, rows

    def forward(self, x, gamma, beta):
        kernels = kernel_set()
        self.x, self.fused = x, kernels.NAME == "fast"
        if self.fused:
            self.norm = PooledNormalization(self.mean, self.var, gamma, beta, self.epsilon, x.shape,
                                                    self.window, self.rows)
            return self.norm.normalize_pool(x)
        self.kernels = kernels
        self.norm = kernels.Normalization(self.mean, self.var, gamma, beta, self.epsilon, True, self.rows,
                                          images=x.shape[0])
        y = self.norm.normalize(x.reshape(-1, x.shape[-1])).reshape(x.shape)
        pooled, self.pool_saved = kernels.max_pool2d_forward(y, self.window, self.window, ((0, 0), (0, 0)))
        return pooled

    def backward(self, gp):
        gp = np.ascontiguousarray(gp)
        x, need_dx = self.x, self.needs_input_grad[0]
        if self.fused:
            dbeta, dgamma = self.norm.pooled_gradient_sums(gp, x)
            dx = self.norm.pooled_input_gradient(gp, x, dbeta, dgamma) if need_dx else None
            return dx, dgamma, dbeta
        gy = self.kernels.max_pool2d_backward(gp, self.pool_saved, x.shape, self.window, self.window,
                                              ((0, 0), (0, 0)))
        x2 = x.reshape(-1, x.shape[-1])
        dy, dbeta, dgamma = self.norm.gradient_sums(np.ascontiguousarray(gy).reshape(x2.shape), x2)
        dx = self.norm.input_gradient_pass(dy, x2, dbeta, dgamma).reshape(x.shape) if need_dx else None
        return dx, dgamma, dbeta


class BatchNormalization(Function):
    """keras.ops.batch_normalization: y = (x - mean) * scale / sqrt(variance + eps) + offset,
    with the given statistics; gradients for x, mean, variance, offset and scale."""

    def __init__(self, bshape, reduce_axes, epsilon, has_offset, has_scale):
        self.bshape, self.reduce_axes, self.epsilon = bshape, reduce_axes, epsilon
        self.has_offset, self.has_scale = has_offset, has_scale

    def forward(self, x, mean, variance, *params):
        def cast(a):  # a per-channel vector, broadcastable against x
            return a.reshape(self.bshape).astype(x.dtype, copy=False)

        need = self.needs_input_grad
        self.inv = 1 / np.sqrt(cast(variance) + self.epsilon)
        self.s = cast(params[-1]) if self.has_scale else 1
        if need[2] or (self.has_scale and need[-1]):  # d variance and d scale need x - mean
            self.centered = x - cast(mean)
        if self.reduce_axes == tuple(range(x.ndim - 1)) and x.ndim >= 2 and x.flags.c_contiguous:  # channels-last
            # y = x * scale + shift in one chunked pass over x (the training kernel, given the
            # statistics), instead of three passes: BatchNormalization at inference
            def vector(a, default):
                return np.full(x.shape[-1], default, x.dtype) if a is None else a.reshape(-1).astype(x.dtype, copy=False)

            rows = x.reshape(-1, x.shape[-1])
            norm = kernel_set().Normalization(vector(mean, 0), vector(variance, 1),
                                              vector(params[-1] if self.has_scale else None, 1),
                                              vector(params[0] if self.has_offset else None, 0), self.epsilon)
            return norm.normalize(rows).reshape(x.shape)
        scale = (self.inv * self.s).astype(x.dtype, copy=False)
        y = np.multiply(x, scale)
        y += (cast(params[0]) if self.has_offset else 0) - cast(mean) * scale
        return y

    def backward(self, g):
        def flat(a):  # sum over everything but the channel axis -> (C,), along the batch's tree
            return batch_axis_sum(a, self.reduce_axes).reshape(-1)

        # Each per-channel factor multiplies before the sum over the batch, so that processes
        # sharing the batch add exactly what one process adds (`ops._base.batch_axis_sum`).
        need = self.needs_input_grad
        gx = g * (self.inv * self.s)
        g_centered = g * self.centered if need[2] or (self.has_scale and need[-1]) else None
        # d inv / d variance = -inv^3 / 2, with inv = 1 / sqrt(variance + eps)
        grad_variance = flat(g_centered * (self.s * -0.5 * self.inv**3)) if need[2] else None
        grads = [gx if need[0] else None, -flat(gx) if need[1] else None, grad_variance]
        if self.has_offset:
            grads.append(flat(g) if need[3] else None)
        if self.has_scale:
            grads.append(flat(g_centered * self.inv) if need[-1] else None)
        return tuple(grads)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalise x with given per-channel statistics, as keras.ops.batch_normalization.

    y = (x - mean) / sqrt(variance + epsilon) * scale + offset, with mean, variance, offset
    and scale of shape (x.shape[axis],) broadcast along `axis`. This is BatchNormalization
    at inference (moving statistics). Differentiable in every argument.

    Args:
        x: input, e.g. (N, H, W, C).
        mean, variance: 1-D statistics of length x.shape[axis].
        axis: the channel axis (-1 for channels-last).
        offset, scale: optional beta and gamma, same shape as mean.
        epsilon: added to the variance (Keras default 1e-3; PyTorch's is 1e-5).

    >>> batch_normalization(np.ones((2, 3)), np.ones(3), np.zeros(3), axis=-1)  # zeros
    """
    name = "batch_normalization"
    x = _float_input(name, x)
    (axis,) = normalize_axis(name, axis, x.ndim)
    channels = (x.shape[axis],)
    stats = [
        _param(name, arg, v, channels, x)
        for arg, v in (("mean", mean), ("variance", variance), ("offset", offset), ("scale", scale))
    ]
    if stats[0] is None or stats[1] is None:
        raise ValueError(f"{name}: `mean` and `variance` are required.")
    bshape = tuple(n if i == axis else 1 for i, n in enumerate(x.shape))
    reduce_axes = tuple(i for i in range(x.ndim) if i != axis)
    return BatchNormalization.apply(
        x,
        *[s for s in stats if s is not None],
        bshape=bshape,
        reduce_axes=reduce_axes,
        epsilon=float(epsilon),
        has_offset=offset is not None,
        has_scale=scale is not None,
    )


def batch_norm_train(x, gamma=None, beta=None, axis=-1, epsilon=1e-3, relu=False, pool_size=None):
    """Training-mode batch normalization: normalise with this batch's own statistics.

    mean and var are taken over every axis except `axis` (biased variance, as Keras);
    y = (x - mean) / sqrt(var + epsilon) * gamma + beta, with the fused backward that also
    differentiates through mean and var. A BatchNormalization layer calls this in training
    and then updates its moving statistics itself (Keras:
    moving = moving * momentum + batch * (1 - momentum), with the biased variance;
    PyTorch would use the unbiased variance var * M / (M - 1) for its running_var).

    Args:
        x: input, e.g. (N, H, W, C).
        gamma, beta: optional scale and offset of shape (x.shape[axis],) (or the sizes of
            the axes when `axis` is a tuple).
        axis: the channel axis (or axes) kept; -1 for channels-last, 1 for channels-first.
        epsilon: added to the variance.
        relu: return max(y, 0) instead of y (one op for BatchNormalization + ReLU).
        pool_size: (ph, pw) or None. With relu, a channels-last 4-D x and gamma and beta given,
            return max_pool(relu(y)) over windows of pool_size with the window as stride and
            no padding (one op for BatchNorm -> ReLU -> MaxPool: the normalised map is never
            stored). Shape: (N, floor(H / ph), floor(W / pw), C).

    Returns:
        (y, batch_mean, batch_var): y a Tensor like x; the statistics as plain ndarrays of
        shape (C,), not on the tape.

    >>> y, mean, var = batch_norm_train(np.random.randn(8, 4, 4, 3), np.ones(3), np.zeros(3))
    """
    name = "batch_norm_train"
    x = _float_input(name, x)
    kept = tuple(sorted(normalize_axis(name, axis, x.ndim)))
    stats_shape = tuple(x.shape[a] for a in kept)
    params = [
        _param(name, "gamma", gamma, stats_shape, x),
        _param(name, "beta", beta, stats_shape, x),
    ]
    reduce_axes = tuple(i for i in range(x.ndim) if i not in kept)
    if pool_size is not None:
        pool_size = tuple(int(p) for p in pool_size)
        if not (relu and x.ndim == 4 and kept == (3,) and params[0] is not None and params[1] is not None
                and len(pool_size) == 2 and all(1 <= p <= n for p, n in zip(pool_size, x.shape[1:3]))):
            raise ValueError(f"{name}: pool_size={pool_size} needs relu=True, a channels-last (N, H, W, C) "
                             f"input at least as large as the window, gamma and beta; received input shape "
                             f"{x.shape}, axis={axis}, relu={relu}")
        mean, var, rows = kernel_set().moments(x.data.reshape(-1, x.shape[-1]), images=x.shape[0])
        y = ChannelsLastBatchNormReluMaxPool.apply(x, params[0], params[1], epsilon=float(epsilon), mean=mean,
                                                   var=var, window=pool_size, rows=rows)
        return y, mean, var
    if kept == (x.ndim - 1,) and params[0] is not None and params[1] is not None:
        mean, var, rows = kernel_set().moments(x.data.reshape(-1, x.shape[-1]), images=x.shape[0] if x.ndim > 1 else None)
        y = ChannelsLastBatchNorm.apply(
            x, params[0], params[1], epsilon=float(epsilon), mean=mean, var=var, relu=bool(relu),
            rows=rows,
        )
        return y, mean, var
    param_shape = tuple(n if i in kept else 1 for i, n in enumerate(x.shape))
    mean = np.mean(x.data, axis=reduce_axes, keepdims=True)
    centered = x.data - mean
    var = np.mean(centered * centered, axis=reduce_axes, keepdims=True)
    y = _standardize(
        x,
        params,
        view_shape=x.shape,
        axes=reduce_axes,
        param_shape=param_shape,
        epsilon=float(epsilon),
        mean=mean,
        var=var,
    )
    if relu:
        y = relu_op(y)
    return y, mean.reshape(stats_shape), var.reshape(stats_shape)


__all__ = ["batch_norm_train", "batch_normalization"]
