"""Batch norm folded into the convolution before it: the kernel and bias of one convolution that
computes `batch_normalization(conv(x, kernel) + bias)` with fixed (moving) statistics.

    scale   = gamma / sqrt(variance + epsilon)
    kernel' = kernel * scale                       (per output channel: the kernel's last axis,
                                                    or its last two for a depthwise kernel)
    bias'   = (bias - mean) * scale + beta

This is what TensorFlow's graph optimizer and PyTorch's `fuse_conv_bn_eval` do for inference:
the batch norm's pass over the feature map disappears (`strided.models.fusion` uses it for
Conv2D / DepthwiseConv2D -> BatchNormalization whenever the batch norm uses its moving
statistics and no gradient is recorded). Both are ops with their own backward (gradients
reach the kernel, the bias, gamma and beta), and an inference trace replays them on the
variables' current values.
"""

import numpy as np

from strided.autograd import Function
from strided.ops.normalization import _float_input, _param


def _inverse_std(variance, epsilon):
    return 1 / np.sqrt(variance + epsilon)


class FoldedKernel(Function):
    """kernel * gamma / sqrt(variance + epsilon), per output channel (`gamma` optional)."""

    def __init__(self, epsilon, channel_shape, has_gamma):
        self.epsilon, self.channel_shape, self.has_gamma = epsilon, channel_shape, has_gamma

    def forward(self, kernel, variance, *gamma):
        self.kernel, self.variance = kernel, variance
        self.gamma = gamma[0] if self.has_gamma else None
        self.inv = _inverse_std(variance, self.epsilon)
        self.scale = self.inv * self.gamma if self.has_gamma else self.inv
        return kernel * self.scale.reshape(self.channel_shape)

    def backward(self, g):
        need = self.needs_input_grad
        axes = tuple(range(g.ndim - len(self.channel_shape)))
        d_scale = np.sum(g * self.kernel, axis=axes).reshape(-1) if any(need[1:]) else None
        grads = [g * self.scale.reshape(self.channel_shape) if need[0] else None]
        gamma = self.gamma if self.has_gamma else 1
        # d inv / d variance = -inv^3 / 2
        grads.append(d_scale * gamma * -0.5 * self.inv**3 if need[1] else None)
        if self.has_gamma:
            grads.append(d_scale * self.inv if need[2] else None)
        return tuple(grads)


class FoldedBias(Function):
    """(bias - mean) * gamma / sqrt(variance + epsilon) + beta (bias, gamma, beta optional)."""

    def __init__(self, epsilon, has_bias, has_gamma, has_beta):
        self.epsilon = epsilon
        self.has = (has_bias, has_gamma, has_beta)

    def forward(self, mean, variance, *optional):
        values = iter(optional)
        bias, gamma, beta = (next(values) if present else None for present in self.has)
        self.inv = _inverse_std(variance, self.epsilon)
        self.gamma = gamma
        self.centered = -mean if bias is None else bias - mean
        scale = self.inv if gamma is None else self.inv * gamma
        self.scale = scale
        out = self.centered * scale
        return out if beta is None else out + beta

    def backward(self, g):
        need = self.needs_input_grad
        gamma = 1 if self.gamma is None else self.gamma
        d_inv = g * self.centered * gamma
        grads = [-g * self.scale if need[0] else None, d_inv * -0.5 * self.inv**3 if need[1] else None]
        position = 2
        has_bias, has_gamma, has_beta = self.has
        if has_bias:
            grads.append(g * self.scale if need[position] else None)
            position += 1
        if has_gamma:
            grads.append(g * self.centered * self.inv if need[position] else None)
            position += 1
        if has_beta:
            grads.append(g if need[position] else None)
        return tuple(grads)


def batch_norm_fold(kernel, bias, mean, variance, gamma=None, beta=None, epsilon=1e-3, depthwise=False):
    """(kernel', bias'): the convolution `kernel` (kh, kw, in, out) -- or a depthwise kernel
    (kh, kw, channels, multiplier) with `depthwise=True` -- and its `bias` (None: no bias)
    with the batch norm of statistics `mean`, `variance`, scale `gamma`, offset `beta` (each
    (out,) or None) and `epsilon` folded in. See the module's docstring for the formula."""
    name = "batch_norm_fold"
    kernel = _float_input(name, kernel)
    channel_shape = tuple(kernel.shape[-2:]) if depthwise else (kernel.shape[-1],)
    channels = (int(np.prod(channel_shape)),)  # one value per output channel
    bias, mean, variance, gamma, beta = (
        _param(name, argument, value, channels, kernel)
        for argument, value in (("bias", bias), ("mean", mean), ("variance", variance), ("gamma", gamma),
                                ("beta", beta))
    )
    if mean is None or variance is None:
        raise ValueError(f"{name}: `mean` and `variance` are required.")
    epsilon = float(epsilon)
    folded_kernel = FoldedKernel.apply(kernel, variance, *([gamma] if gamma is not None else []),
                                       epsilon=epsilon, channel_shape=channel_shape, has_gamma=gamma is not None)
    present = [v for v in (bias, gamma, beta) if v is not None]
    folded_bias = FoldedBias.apply(mean, variance, *present, epsilon=epsilon, has_bias=bias is not None,
                                   has_gamma=gamma is not None, has_beta=beta is not None)
    return folded_kernel, folded_bias


__all__ = ["batch_norm_fold"]
