"""The reference kernel set: the ops' kernel interface (`kernels.fast_set`'s names and
signatures) on the textbook kernels of `kernels.reference`.

Each function here only adapts: it calls the reference kernels and keeps what their backward
needs (the inputs; the reference backward passes recompute the rest). A fused op is the
composition of its parts' references (conv + ReLU + max pooling; Dense + ReLU; batch norm +
ReLU), and performance-only steps are absent (`live_crop` crops nothing). Arguments the fast
kernels use only to go faster (`training`, `keep`, `need_*`) change nothing but which
gradients are returned.
"""

import numpy as np

from strided.kernels import collective
from strided.kernels.reference import (
    activations,
    batch_norm,
    conv,
    conv_transpose,
    dense,
    depthwise,
    global_pooling,
    losses,
    normalization,
    pooling,
)
from strided.kernels.reference.activations import (  # noqa: F401  (the interface's names)
    elu,
    elu_backward,
    gelu,
    gelu_backward,
    general_relu,
    general_relu_backward,
    hard_sigmoid,
    hard_sigmoid_backward,
    hard_silu,
    hard_silu_backward,
    leaky_relu,
    leaky_relu_backward,
    log_sigmoid,
    log_sigmoid_backward,
    log_softmax,
    log_softmax_backward,
    relu6,
    relu6_backward,
    selu,
    selu_backward,
    sigmoid,
    sigmoid_backward,
    silu,
    silu_backward,
    softmax_backward,
    softplus,
    softplus_backward,
    softsign,
    softsign_backward,
    tanh,
    tanh_backward,
)
from strided.kernels.reference.normalization import standardize, standardize_backward  # noqa: F401

NAME = "reference"
relu, relu_backward, softmax = activations.relu, activations.relu_backward, activations.softmax


def _only(needed, *gradients):
    return tuple(g if need else None for g, need in zip(gradients, needed))


def _relu_mask(gy, relu_output):
    return gy if relu_output is None else activations.relu_backward(gy, relu_output)


# ------------------------------------------------------------------------ convolutions
def live_crop(x_shape, kernel_shape, strides, pads, dilation):
    """No crop: the reference convolution multiplies every tap, padding included."""
    return None


def conv2d_forward(x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1,
                   bias=None, relu=False, training=True):
    """(y, saved): conv2d (then relu); saved is x."""
    y = conv.conv2d(x, kernel, bias, strides, pads, dilation, groups)
    return (activations.relu(y) if relu else y), x


def conv2d_backward(gy, saved, x_shape, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1),
                    groups=1, need_dx=True, need_dkernel=True, need_dbias=False, relu_output=None):
    gy = _relu_mask(gy, relu_output)
    gradients = conv.conv2d_backward(gy, saved, kernel, strides, pads, dilation, groups)
    return _only((need_dx, need_dkernel, need_dbias), *gradients)


def depthwise_conv2d_forward(x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    return depthwise.depthwise_conv2d(x, kernel, strides, pads, dilation)


def depthwise_conv2d_forward_channels_first(x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """x (N, C, H, W) -> y (N, C*M, H', W'): the channels-last reference, transposed in and out."""
    y = depthwise.depthwise_conv2d(x.transpose(0, 2, 3, 1), kernel, strides, pads, dilation)
    return np.ascontiguousarray(y.transpose(0, 3, 1, 2))


def depthwise_conv2d_backward(gy, x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1),
                              need_dx=True, need_dkernel=True):
    gradients = depthwise.depthwise_conv2d_backward(gy, x, kernel, strides, pads, dilation)
    return _only((need_dx, need_dkernel), *gradients)


def depthwise_conv2d_backward_channels_first(gy, x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)),
                                            dilation=(1, 1), need_dx=True, need_dkernel=True):
    """(dx (N, C, H, W), dkernel) for gy (N, C*M, H', W'): the channels-last reference, transposed."""
    dx, dkernel = depthwise.depthwise_conv2d_backward(
        gy.transpose(0, 2, 3, 1), x.transpose(0, 2, 3, 1), kernel, strides, pads, dilation
    )
    return _only((need_dx, need_dkernel), np.ascontiguousarray(dx.transpose(0, 3, 1, 2)), dkernel)


def pointwise_planes_forward(x, kernel, bias=None, relu=False, training=True):
    """y (N, O, H, W) of a 1x1 convolution of x (N, C, H, W): the channels-last reference,
    transposed in and out."""
    y, _ = conv2d_forward(x.transpose(0, 2, 3, 1), kernel, bias=bias, relu=relu)
    return np.ascontiguousarray(y.transpose(0, 3, 1, 2))


def pointwise_planes_backward(gy, x, kernel, need_dx=True, need_dkernel=True, need_dbias=False,
                              relu_output=None):
    """(dx (N, C, H, W), dkernel, dbias) of pointwise_planes_forward: the channels-last
    reference, transposed."""
    last = x.transpose(0, 2, 3, 1)
    dx, dkernel, dbias = conv2d_backward(
        gy.transpose(0, 2, 3, 1), last, last.shape, kernel, need_dx=need_dx, need_dkernel=need_dkernel,
        need_dbias=need_dbias, relu_output=None if relu_output is None else relu_output.transpose(0, 2, 3, 1))
    return (None if dx is None else np.ascontiguousarray(dx.transpose(0, 3, 1, 2))), dkernel, dbias


def depthwise_bias_gradient(gy, channel_axis=-1):
    """dBias (C,): gy summed over every axis but the channels'."""
    axis = channel_axis % gy.ndim
    return gy.sum(axis=tuple(a for a in range(gy.ndim) if a != axis))


def conv_relu_maxpool_forward(x, kernel, bias, strides, pads, dilation, pool_size, keep=True, need_dx=True):
    """(P, saved) with P = max_pool(relu(conv(x) + bias)) ("valid", strides == pool_size)."""
    activated = activations.relu(conv.conv2d(x, kernel, bias, strides, pads, dilation))
    pooled = pooling.max_pool2d(activated, pool_size, pool_size)
    return pooled, ((x, activated) if keep else None)


def conv_relu_maxpool_backward(gp, saved, x_shape, kernel, strides, pads, dilation, pool_size,
                               need_dx=True, need_dkernel=True, need_dbias=True):
    x, activated = saved
    gy = pooling.max_pool2d_backward(gp, activated, pool_size, pool_size)
    gy = activations.relu_backward(gy, activated)
    gradients = conv.conv2d_backward(gy, x, kernel, strides, pads, dilation)
    return _only((need_dx, need_dkernel, need_dbias), *gradients)


def conv_transpose2d_forward(x, kernel, strides=(1, 1), crops=((0, 0), (0, 0)), dilation=(1, 1)):
    return conv_transpose.conv_transpose2d(x, kernel, strides, crops, dilation)


def conv_transpose2d_backward(gy, x, kernel, strides=(1, 1), crops=((0, 0), (0, 0)), dilation=(1, 1),
                              need_dx=True, need_dkernel=True):
    gradients = conv_transpose.conv_transpose2d_backward(gy, x, kernel, strides, crops, dilation)
    return _only((need_dx, need_dkernel), *gradients)


# ------------------------------------------------------------------------------ pooling
def max_pool2d_forward(x, pool_size, strides, pads, return_argmax=True):
    """(y, saved): saved is x (the reference backward finds each window's winner again)."""
    return pooling.max_pool2d(x, pool_size, strides, pads), (x if return_argmax else None)


def max_pool2d_backward(gy, saved, x_shape, pool_size, strides, pads):
    return pooling.max_pool2d_backward(gy, saved, pool_size, strides, pads)


def sum_pool2d_forward(x, pool_size, strides, pads):
    return pooling.sum_pool2d(x, pool_size, strides, pads)


def sum_pool2d_backward(gy, x_shape, pool_size, strides, pads):
    return pooling.sum_pool2d_backward(gy, x_shape, pool_size, strides, pads)


# ------------------------------------------------------------------------- batch norm
def moments(x2, images=None):
    """(mean, var, rows) of x2 (M, C) (`images` images' rows); in data-parallel training, of every process's rows."""
    mean, var = batch_norm.batch_statistics(x2)
    rows = x2.shape[0]
    if collective.active():  # combine the processes' (rows, mean, var), in process order
        channels = x2.shape[1]
        parts = collective.all_gather(np.concatenate([[rows], mean, var]).astype(np.float64))
        counts, means, variances = parts[:, 0], parts[:, 1:channels + 1], parts[:, channels + 1:]
        rows = counts.sum()
        total_mean = counts @ means / rows
        var = (counts @ variances + counts @ (means - total_mean) ** 2) / rows
        mean, rows = total_mean, int(rows)
    return mean.astype(x2.dtype), var.astype(x2.dtype), rows


class Normalization:
    """Batch norm (then ReLU) with given statistics: the reference forms behind the fast
    `kernels.fast.batch_norm.Normalization`'s three passes."""

    def __init__(self, mean, var, gamma, beta, epsilon, relu=False, rows=None, images=None):
        self.mean, self.var, self.gamma, self.beta = mean, var, gamma, beta
        self.epsilon, self.relu, self.rows, self.y = epsilon, relu, rows, None

    def normalize(self, x2):
        y = batch_norm.batch_norm(x2, self.mean, self.var, self.gamma, self.beta, self.epsilon)
        if self.relu:
            y = self.y = activations.relu(y)
        return y.astype(x2.dtype, copy=False)

    def gradient_sums(self, g2, x2):
        """(dy, dbeta, dgamma): dy is g2 through the ReLU's mask (when fused). In data-parallel
        training dbeta and dgamma are the whole batch's, on the first process (the others'
        zero: the processes' gradients are added afterwards)."""
        dy = _relu_mask(g2, self.y if self.relu else None)
        dgamma, dbeta = batch_norm.batch_norm_parameter_gradients(dy, x2, self.mean, self.var, self.epsilon)
        self.whole_sums = dbeta, dgamma
        if collective.active():
            channels = g2.shape[1]
            summed = collective.all_gather(np.concatenate([dbeta, dgamma]).astype(np.float64)).sum(axis=0)
            self.whole_sums = summed[:channels].astype(g2.dtype), summed[channels:].astype(g2.dtype)
            share = 1 if collective.first() else 0
            return dy, self.whole_sums[0] * share, self.whole_sums[1] * share
        return dy, dbeta, dgamma

    def input_gradient_pass(self, dy2, x2, dbeta, dgamma):
        """dx; in data-parallel training with the whole batch's dbeta and dgamma."""
        if collective.active():
            dbeta, dgamma = self.whole_sums
        dx = batch_norm.batch_norm_backward(dy2, x2, self.mean, self.var, self.gamma, self.epsilon,
                                            dgamma, dbeta, self.rows)
        return dx.astype(dy2.dtype, copy=False)


# ------------------------------------------------------------------------------- dense
def dense_forward(x2, kernel, bias=None, relu=False, images=None):
    y = dense.dense(x2, kernel, bias)
    return activations.relu(y) if relu else y


def dense_backward(gy2, x2, kernel, relu_output=None, need_dx=True, need_dkernel=True, need_dbias=True,
                   images=None):
    gradients = dense.dense_backward(_relu_mask(gy2, relu_output), x2, kernel)
    return _only((need_dx, need_dkernel, need_dbias), *gradients)


def linear_forward(x2, weight, bias=None, relu=False, images=None):
    """PyTorch's Linear (weight (out, in)): the Dense reference with the weight transposed."""
    return dense_forward(x2, weight.T, bias, relu, images)


def linear_backward(gy2, x2, weight, relu_output=None, need_dx=True, need_dweight=True, need_dbias=True,
                    images=None):
    dx, dkernel, dbias = dense_backward(gy2, x2, weight.T, relu_output, need_dx, need_dweight, need_dbias,
                                        images)
    return dx, None if dkernel is None else dkernel.T, dbias


# ------------------------------------------------------------------------------ losses
def sparse_softmax_cross_entropy_forward(logits, labels):
    return losses.sparse_softmax_cross_entropy(logits, labels), logits


def sparse_softmax_cross_entropy_backward(dloss, saved, labels):
    return losses.sparse_softmax_cross_entropy_backward(dloss, saved, labels)


def softmax_cross_entropy_forward(logits, target, axis=-1):
    return losses.softmax_cross_entropy(logits, target, axis), logits


def softmax_cross_entropy_backward(dloss, saved, target, axis=-1):
    return losses.softmax_cross_entropy_backward(dloss, saved, target, axis)


# ------------------------------------------------- layer and group norm, global pooling
def layer_norm_forward(x2, gamma, beta, epsilon, samples=None, training=True):
    """(y, saved) for the rows of x2 (R, F); saved is x2 and epsilon (backward recomputes)."""
    return normalization.layer_norm(x2, gamma, beta, epsilon), ((x2, epsilon) if training else None)


def layer_norm_backward(gy2, saved, gamma, samples=None, need_dx=True, need_dgamma=True, need_dbeta=True):
    x2, epsilon = saved
    return _only((need_dx, need_dgamma, need_dbeta), *normalization.layer_norm_backward(gy2, x2, gamma, epsilon))


def group_norm_forward(x3, groups, gamma, beta, epsilon, channels_first=False, training=True):
    """(y, saved) for x3 (N, S, C) or (N, C, S); saved is x3 and epsilon."""
    y = normalization.group_norm(x3, groups, gamma, beta, epsilon, channels_first)
    return y, ((x3, epsilon) if training else None)


def group_norm_backward(gy3, saved, groups, gamma, channels_first=False, need_dx=True, need_dgamma=True,
                        need_dbeta=True):
    x3, epsilon = saved
    gradients = normalization.group_norm_backward(gy3, x3, groups, gamma, epsilon, channels_first)
    return _only((need_dx, need_dgamma, need_dbeta), *gradients)


def global_average_pool_forward(x3, channels_first=False):
    return global_pooling.global_average_pool(x3, channels_first)


def global_average_pool_backward(gy, x_shape, channels_first=False):
    return global_pooling.global_average_pool_backward(gy, x_shape, channels_first)


def global_max_pool_forward(x3, channels_first=False, training=True):
    """(y, saved): saved is x3 (the reference backward finds each channel's winner again)."""
    return global_pooling.global_max_pool(x3, channels_first), (x3 if training else None)


def global_max_pool_backward(gy, saved, x_shape, channels_first=False):
    return global_pooling.global_max_pool_backward(gy, saved, channels_first)
