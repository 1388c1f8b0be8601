"""1x1 convolutions as plain matrix products: no im2col at all.

Accelerates `kernels.reference.conv` for a 1x1 kernel without padding (the pointwise half of
a separable convolution, the bottleneck layers of ResNet and MobileNet). The idea: with a
1x1 kernel a channels-last image already *is* its im2col matrix, (N*H*W, C), so

    Y = X @ K              dK = X^T @ dY           dX = dY @ K^T

(with stride s: X is x[:, ::s, ::s], and dX is zero except at those pixels). The batch goes
a chunk of images at a time on `kernels.parallel`'s threads, as in `fast.conv`, each chunk's
GEMM single-threaded and its sums added in chunk order (the same result on any thread count).
"""

import numpy as np

from strided.kernels.fast import elementwise
from strided.kernels.parallel import for_each_chunk, images_per_chunk


def is_pointwise(kernel_shape, pads, groups):
    """True for a 1x1 kernel, no padding, no groups: the geometry this file handles."""
    return kernel_shape[:2] == (1, 1) and groups == 1 and not any(p for pair in pads for p in pair)


def _sampled(x, strides):
    """The input pixels a strided 1x1 convolution reads: x[:, ::sh, ::sw] (a view)."""
    return x if strides == (1, 1) else x[:, :: strides[0], :: strides[1]]


def _rows(array, scratch, name):
    """array (n, h, w, C) as (n*h*w, C): a view when contiguous, else a copy in scratch."""
    if array.flags.c_contiguous:
        return array.reshape(-1, array.shape[-1])
    buffer = scratch.buffer(name, array.shape, array.dtype)
    np.copyto(buffer, array)
    return buffer.reshape(-1, array.shape[-1])


def pointwise_conv2d_forward(x, kernel, strides, bias=None, relu=False, training=True):
    """y (N, H', W', O) = x[:, ::sh, ::sw] @ kernel (1, 1, C, O) (+ bias) (then max(., 0))."""
    weights = kernel.reshape(kernel.shape[2], kernel.shape[3])
    sampled = _sampled(x, strides)
    n, out_h, out_w, channels = sampled.shape
    out_channels = weights.shape[1]
    y = np.empty((n, out_h, out_w, out_channels), np.result_type(x, kernel))
    bias_vector = None if bias is None else elementwise.ChannelVector(bias)

    def chunk(start, stop, scratch):
        out = y[start:stop].reshape(-1, out_channels)
        np.matmul(_rows(sampled[start:stop], scratch, "x"), weights, out=out)
        if bias_vector is not None:
            elementwise.per_channel(np.add, out, bias_vector, out)
        if relu:
            elementwise.relu(out, out)

    for_each_chunk(chunk, n, images_per_chunk(out_h * out_w * (channels + out_channels), training))
    return y


def pointwise_conv2d_backward(gy, x, kernel, strides, need_dx=True, need_dkernel=True,
                              need_dbias=False, relu_output=None):
    """(dx, dkernel, dbias) of pointwise_conv2d_forward; gy (N, H', W', O)."""
    channels, out_channels = kernel.shape[2], kernel.shape[3]
    weights = kernel.reshape(channels, out_channels)
    sampled = _sampled(x, strides)
    n, out_h, out_w = gy.shape[:3]
    dtype = np.result_type(gy, kernel)
    dx = None
    if need_dx:
        dx = np.empty(x.shape, dtype) if strides == (1, 1) else np.zeros(x.shape, dtype)
    dx_sampled = None if dx is None else _sampled(dx, strides)

    def chunk(start, stop, scratch):
        grad = elementwise.masked_by_relu(
            gy[start:stop], None if relu_output is None else relu_output[start:stop], scratch)
        gy2 = _rows(grad, scratch, "gy_rows")
        if need_dx:
            part = dx_sampled[start:stop]
            if part.flags.c_contiguous:
                np.matmul(gy2, weights.T, out=part.reshape(-1, channels))
            else:
                part[...] = (gy2 @ weights.T).reshape(part.shape)
        if need_dkernel:
            scratch.add("dkernel", _rows(sampled[start:stop], scratch, "x").T @ gy2)
        if need_dbias:
            scratch.add("dbias", elementwise.column_sums(gy2))

    floats_per_pixel = 2 * (channels + out_channels)
    sums = for_each_chunk(chunk, n, images_per_chunk(out_h * out_w * floats_per_pixel))
    dkernel = dbias = None
    if need_dkernel:
        dkernel = sums.get("dkernel", np.zeros((channels, out_channels), dtype)).reshape(kernel.shape)
    if need_dbias:
        dbias = sums.get("dbias", np.zeros(out_channels, dtype))
    return dx, dkernel, dbias
