"""1x1 convolutions on channels-first images, one matrix product per image: no transposes.

Accelerates `kernels.reference.conv` for a 1x1 kernel, stride 1, no padding, no groups, on
x (N, C, H, W) (the pointwise half of a channels-first SeparableConv2D, the bottleneck layers
of a channels-first ResNet or MobileNet), which `pointwise_conv` would first transpose to
channels-last and back. The idea: a channels-first image already *is* a matrix (C, H*W), so

    Y[n] = K^T @ X[n]      dX[n] = K @ dY[n]      dK = sum_n X[n] @ dY[n]^T      db = sum dY

with K (C, O). Images go a chunk at a time on `kernels.parallel`'s threads, each GEMM
single-threaded, dK and db summed per chunk from that chunk's images (`scratch.add`) and the
chunks added in a fixed order: the same result on any thread count.
"""

import numpy as np

from strided.kernels.fast import elementwise
from strided.kernels.parallel import for_each_chunk, images_per_chunk


def pointwise_planes_forward(x, kernel, bias=None, relu=False, training=True):
    """y (N, O, H, W) = K^T @ x[n] per image (+ bias) (then max(., 0)); kernel (1, 1, C, O)."""
    n, channels, height, width = x.shape
    out_channels = kernel.shape[3]
    dtype = np.result_type(x, kernel)
    weights = np.ascontiguousarray(kernel.reshape(channels, out_channels).T, dtype=dtype)  # (O, C)
    planes = np.ascontiguousarray(x, dtype=dtype).reshape(n, channels, height * width)
    y = np.empty((n, out_channels, height * width), dtype)
    column = None if bias is None else np.asarray(bias, dtype).reshape(out_channels, 1)

    def chunk(start, stop, scratch):
        out = y[start:stop]
        np.matmul(weights, planes[start:stop], out=out)
        if column is not None:
            out += column
        if relu:
            np.maximum(out, 0, out=out)

    pixels = height * width * (channels + out_channels)
    for_each_chunk(chunk, n, images_per_chunk(pixels, training), batch=False)  # no sums over the batch
    return y.reshape(n, out_channels, height, width)


def pointwise_planes_backward(gy, x, kernel, need_dx=True, need_dkernel=True, need_dbias=False,
                              relu_output=None):
    """(dx (N, C, H, W), dkernel (1, 1, C, O), dbias (O,)) of pointwise_planes_forward."""
    n, channels, height, width = x.shape
    out_channels = kernel.shape[3]
    dtype = np.result_type(gy, x, kernel)
    weights = np.ascontiguousarray(kernel.reshape(channels, out_channels), dtype=dtype)  # (C, O)
    planes = np.ascontiguousarray(x, dtype=dtype).reshape(n, channels, height * width)
    grads = np.ascontiguousarray(gy, dtype=dtype).reshape(n, out_channels, height * width)
    mask = None if relu_output is None else relu_output.reshape(n, out_channels, height * width)
    dx = np.empty((n, channels, height * width), dtype) if need_dx else None

    def chunk(start, stop, scratch):
        grad = elementwise.masked_by_relu(grads[start:stop], None if mask is None else mask[start:stop], scratch)
        if need_dx:
            np.matmul(weights, grad, out=dx[start:stop])
        if need_dkernel and stop > start:
            total = scratch.buffer("dkernel", (channels, out_channels), dtype)
            np.matmul(planes[start], grad[0].T, out=total)
            for image in range(1, stop - start):
                total += planes[start + image] @ grad[image].T
            scratch.add("dkernel", total)
        if need_dbias:
            scratch.add("dbias", grad.sum(axis=(0, 2)))

    pixels = height * width * 2 * (channels + out_channels)
    sums = for_each_chunk(chunk, n, images_per_chunk(pixels))
    dkernel = dbias = None
    if need_dkernel:
        dkernel = sums.get("dkernel", np.zeros((channels, out_channels), dtype)).reshape(kernel.shape)
    if need_dbias:
        dbias = sums.get("dbias", np.zeros(out_channels, dtype))
    return (None if dx is None else dx.reshape(x.shape)), dkernel, dbias
