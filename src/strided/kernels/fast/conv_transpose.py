"""Transposed convolution ("deconvolution"): the backward-data pass of a convolution, run forward.

The same method as `kernels.reference.conv_transpose` (one GEMM, col2im; im2col of dY and two
GEMMs backward), with the cropping done on views, run on chunks of whole images on the kernel
threads (`kernels.parallel.for_each_chunk`): the chunks are the leaves of the batch's halving
tree and the kernel gradient's partial sums are added along it, so the result has the same bits
on any number of threads or processes (a GEMM's rounding depends on how many rows it is given).

Shapes (Keras layout):  x (N, H, W, C_in)   kernel (kh, kw, C_out, C_in)   y (N, H', W', C_out)

Every input pixel scatters kernel-weighted copies into the output: as matrices,
cols = X @ K^T gives one (kh, kw, C_out) patch per input pixel, and col2im adds the patches
into a canvas of size (H - 1)*s + d*(kh - 1) + 1, from which `crop` pixels are removed
(`crop` may be negative on the far side: that is output padding, extra zeros). So

    H' = (H - 1)*s + d*(kh - 1) + 1 - crop_before - crop_after

The backward pass is an ordinary convolution (im2col + GEMM) of dY with the same kernel.
"""

import numpy as np

from strided.kernels.fast.im2col import col2im, im2col, pad_spatial
from strided.kernels.parallel import chunk_size, for_each_chunk


def conv_transpose2d_forward(x, kernel, strides=(1, 1), crops=((0, 0), (0, 0)), dilation=(1, 1)):
    kh, kw, out_channels, in_channels = kernel.shape
    n, h, w, _ = x.shape
    canvas = _canvas((h, w), strides, dilation, (kh, kw))
    flat_kernel = kernel.reshape(-1, in_channels).T  # (C_in, kh*kw*C_out)
    full = np.empty((n, *canvas, out_channels), np.result_type(x, kernel))

    def chunk(start, stop, scratch):
        cols = x[start:stop].reshape(-1, in_channels) @ flat_kernel  # one patch per input pixel
        col2im(cols.reshape(stop - start, h, w, kh, kw, out_channels), (stop - start, *canvas, out_channels),
               strides, dilation, out=full[start:stop])

    for_each_chunk(chunk, n, chunk_size(max(1, h * w * kh * kw * out_channels)))
    return _crop_or_extend(full, crops)


def conv_transpose2d_backward(gy, x, kernel, strides=(1, 1), crops=((0, 0), (0, 0)),
                              dilation=(1, 1), need_dx=True, need_dkernel=True):
    """Gradients (dx, dkernel): im2col of the (un-cropped) upstream gradient, then GEMMs."""
    kh, kw, out_channels, in_channels = kernel.shape
    n, h, w, _ = x.shape
    canvas = _canvas((h, w), strides, dilation, (kh, kw))
    flat_kernel = kernel.reshape(-1, in_channels)
    dx = np.empty(x.shape, np.result_type(gy, kernel)) if need_dx else None

    def chunk(start, stop, scratch):
        g_full = _uncrop(gy[start:stop], crops, canvas)
        gcols = im2col(g_full, (kh, kw), strides, dilation).reshape(-1, kh * kw * out_channels)
        if need_dx:
            dx[start:stop] = (gcols @ flat_kernel).reshape(dx[start:stop].shape)
        if need_dkernel:
            scratch.add("dkernel", gcols.T @ x[start:stop].reshape(-1, in_channels), fresh=True)

    sums = for_each_chunk(chunk, n, chunk_size(max(1, h * w * kh * kw * out_channels)))
    dkernel = sums["dkernel"].reshape(kernel.shape) if need_dkernel and n else None
    if need_dkernel and dkernel is None:
        dkernel = np.zeros(kernel.shape, np.result_type(gy, x))
    return dx, dkernel


def _canvas(sizes, strides, dilation, kernel_size):
    """The un-cropped output size per spatial axis: (size - 1)*s + d*(k - 1) + 1."""
    return tuple((size - 1) * s + d * (k - 1) + 1 for size, s, d, k in zip(sizes, strides, dilation, kernel_size))


def _crop_or_extend(full, crops):
    """Crop (before, after) per spatial axis; a negative `after` appends zeros instead."""
    extend = tuple((0, max(-after, 0)) for _, after in crops)
    full = pad_spatial(full, extend)
    index = [slice(None)]
    for (before, after), size in zip(crops, full.shape[1:-1]):
        index.append(slice(before, size - max(after, 0)))
    return full[tuple(index) + (slice(None),)]


def _uncrop(gy, crops, canvas):
    """Adjoint of _crop_or_extend: place gy back into a zero canvas of the full size."""
    n, c = gy.shape[0], gy.shape[-1]
    full = np.zeros((n, *canvas, c), dtype=gy.dtype)
    (top, _), (left, _) = crops
    h = min(gy.shape[1], canvas[0] - top)
    w = min(gy.shape[2], canvas[1] - left)
    full[:, top:top + h, left:left + w, :] = gy[:, :h, :w, :]
    return full
