"""Transposed convolution ("deconvolution"): the backward-data pass of a convolution, run forward.

The same method as `kernels.reference.conv_transpose` (one GEMM, col2im; im2col of dY and two
GEMMs backward), with the cropping done on views: it has no faster form yet.

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


def conv_transpose2d_forward(x, kernel, strides=(1, 1), crops=((0, 0), (0, 0)), dilation=(1, 1)):
    kh, kw, out_channels, in_channels = kernel.shape
    n, h, w, _ = x.shape
    cols = x.reshape(-1, in_channels) @ kernel.reshape(-1, in_channels).T  # (N*H*W, kh*kw*C_out)
    cols = cols.reshape(n, h, w, kh, kw, out_channels)
    canvas = tuple(
        (size - 1) * s + d * (k - 1) + 1 for size, s, d, k in zip((h, w), strides, dilation, (kh, kw))
    )
    full = col2im(cols, (n, *canvas, out_channels), strides, dilation)
    return _crop_or_extend(full, crops)


def conv_transpose2d_backward(gy, x, kernel, strides=(1, 1), crops=((0, 0), (0, 0)),
                              dilation=(1, 1), need_dx=True, need_dkernel=True):
    """Gradients (dx, dkernel): im2col of the (un-cropped) upstream gradient, then GEMMs."""
    kh, kw, out_channels, in_channels = kernel.shape
    n, h, w, _ = x.shape
    canvas = tuple(
        (size - 1) * s + d * (k - 1) + 1 for size, s, d, k in zip((h, w), strides, dilation, (kh, kw))
    )
    g_full = _uncrop(gy, crops, canvas)
    patches = im2col(g_full, (kh, kw), strides, dilation)  # (N, H, W, kh, kw, C_out)
    gcols = patches.reshape(n * h * w, kh * kw * out_channels)
    dx = dkernel = None
    if need_dx:
        dx = (gcols @ kernel.reshape(-1, in_channels)).reshape(x.shape)
    if need_dkernel:
        dkernel = (gcols.T @ x.reshape(-1, in_channels)).reshape(kernel.shape)
    return dx, dkernel


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
