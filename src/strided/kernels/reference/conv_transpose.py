"""Transposed convolution (lesson 003, "Transposed Convolutions"): upsampling by a learned kernel.

Shapes: x (N, H, W, C_in), kernel (kh, kw, C_out, C_in), y (N, H', W', C_out).

Every input pixel scatters a kernel-weighted (kh, kw, C_out) patch into the output, `stride`
pixels apart: the convolution's backward-data pass, run forward. As matrices, with K2 the
kernel reshaped to (kh*kw*C_out, C_in):

    cols = X2 @ K2^T           one patch per input pixel, (N*H*W, kh*kw*C_out)
    Y = col2im(cols)           on a canvas of (H - 1)*s + d*(kh - 1) + 1 pixels, then cropped
    dcols = im2col(dY)         (dY placed back on the canvas)
    dX2 = dcols @ K2           dK2 = dcols^T @ X2

`crops` ((top, bottom), (left, right)) are the pixels removed from the canvas's sides; a
negative `bottom`/`right` adds that many rows/columns of zeros instead (output padding).
"""

import numpy as np

from strided.kernels.reference.im2col import col2im, im2col


def conv_transpose2d(x, kernel, strides=(1, 1), crops=((0, 0), (0, 0)), dilation=(1, 1)):
    """y for x (N, H, W, C_in) and kernel (kh, kw, C_out, C_in); see the module docstring."""
    kh, kw, out_channels, in_channels = kernel.shape
    n, height, width, _ = x.shape
    cols = x.reshape(-1, in_channels) @ kernel.reshape(-1, in_channels).T
    canvas = _canvas((height, width), (kh, kw), strides, dilation)
    full = col2im(cols.reshape(n, height, width, kh, kw, out_channels), (n, *canvas, out_channels),
                  strides, dilation)
    return _crop(full, crops)


def conv_transpose2d_backward(gy, x, kernel, strides=(1, 1), crops=((0, 0), (0, 0)), dilation=(1, 1)):
    """(dx, dkernel) of conv_transpose2d for the upstream gradient gy (N, H', W', C_out)."""
    kh, kw, out_channels, in_channels = kernel.shape
    n, height, width, _ = x.shape
    canvas = _canvas((height, width), (kh, kw), strides, dilation)
    gy_full = _uncrop(gy, crops, (n, *canvas, out_channels))
    dcols = im2col(gy_full, (kh, kw), strides, dilation).reshape(n * height * width, -1)
    dx = (dcols @ kernel.reshape(-1, in_channels)).reshape(x.shape)
    dkernel = (dcols.T @ x.reshape(-1, in_channels)).reshape(kernel.shape)
    return dx, dkernel


def _canvas(spatial, kernel_size, strides, dilation):
    """The uncropped output size per axis: (H - 1)*s + d*(k - 1) + 1."""
    return tuple((size - 1) * s + d * (k - 1) + 1 for size, k, s, d in zip(spatial, kernel_size, strides, dilation))


def _crop(full, crops):
    """full[:, top:H - bottom, left:W - right]; a negative bottom/right appends zeros."""
    (top, bottom), (left, right) = crops
    n, height, width, channels = full.shape
    out = np.zeros((n, height - top - bottom, width - left - right, channels), full.dtype)
    rows, columns = min(out.shape[1], height - top), min(out.shape[2], width - left)
    out[:, :rows, :columns] = full[:, top:top + rows, left:left + columns]
    return out


def _uncrop(gy, crops, canvas_shape):
    """The adjoint of _crop: gy placed back on a zero canvas (extra zero rows dropped)."""
    (top, _), (left, _) = crops
    full = np.zeros(canvas_shape, gy.dtype)
    rows, columns = min(gy.shape[1], canvas_shape[1] - top), min(gy.shape[2], canvas_shape[2] - left)
    full[:, top:top + rows, left:left + columns] = gy[:, :rows, :columns]
    return full
