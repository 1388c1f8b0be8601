"""2-D convolution by im2col and one GEMM (lesson 003, "Implementing Convolutions as Matrix
Multiplications"), forward and backward.

Shapes: x (N, H, W, C), kernel (kh, kw, C, O), bias (O,), y (N, H', W', O). The lesson's

    F[i, j, o] = sum_c sum_x sum_y K[c, x, y, o] * X[c, i + x, j + y] + B[o]

(a cross-correlation, as in every deep-learning framework), with stride s, dilation d and
padding p: y[n, i, j, o] = sum_{a, b, c} x_pad[n, i*s + a*d, j*s + b*d, c] * K[a, b, c, o] + B[o].
As matrices, with cols = im2col(x_pad) of shape (N*H'*W', kh*kw*C):

    Y = cols @ K2 + B          K2 = K reshaped to (kh*kw*C, O)
    dK2 = cols^T @ dY          dB = sum of dY over its rows
    dcols = dY @ K2^T          dX = col2im(dcols), padding removed

With groups G, the C input and O output channels are split into G equal groups and group g's
outputs see only group g's inputs: G independent convolutions, side by side.
"""

import numpy as np

from strided.kernels.reference.im2col import col2im, im2col, pad, unpad


def conv2d(x, kernel, bias=None, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """y = conv(x, kernel) + bias; see the module docstring for the shapes and the formula."""
    if groups > 1:
        return _by_groups(lambda xg, kg: conv2d(xg, kg, None, strides, pads, dilation), x, kernel, bias, groups)
    kh, kw, channels, out_channels = kernel.shape
    patches = im2col(pad(x, pads), (kh, kw), strides, dilation)  # (N, H', W', kh, kw, C)
    n, out_h, out_w = patches.shape[:3]
    cols = patches.reshape(n * out_h * out_w, kh * kw * channels)
    y = cols @ kernel.reshape(kh * kw * channels, out_channels)
    if bias is not None:
        y = y + bias
    return y.reshape(n, out_h, out_w, out_channels)


def conv2d_backward(gy, x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """(dx, dkernel, dbias) of conv2d for the upstream gradient gy (N, H', W', O)."""
    dbias = gy.reshape(-1, gy.shape[-1]).sum(axis=0)
    if groups > 1:
        dx, dkernel = _backward_by_groups(gy, x, kernel, strides, pads, dilation, groups)
        return dx, dkernel, dbias
    kh, kw, channels, out_channels = kernel.shape
    x_padded = pad(x, pads)
    patches = im2col(x_padded, (kh, kw), strides, dilation)
    n, out_h, out_w = patches.shape[:3]
    cols = patches.reshape(n * out_h * out_w, kh * kw * channels)
    gy2 = gy.reshape(n * out_h * out_w, out_channels)
    kernel2 = kernel.reshape(kh * kw * channels, out_channels)
    dkernel = (cols.T @ gy2).reshape(kernel.shape)
    dcols = (gy2 @ kernel2.T).reshape(patches.shape)
    dx = unpad(col2im(dcols, x_padded.shape, strides, dilation), pads)
    return dx, dkernel, dbias


def _by_groups(conv_one, x, kernel, bias, groups):
    """Concatenate conv_one(x's group g, kernel's group g) over the groups, then add the bias."""
    cg, og = x.shape[-1] // groups, kernel.shape[-1] // groups
    parts = [conv_one(x[..., g * cg:(g + 1) * cg], kernel[..., g * og:(g + 1) * og]) for g in range(groups)]
    y = np.concatenate(parts, axis=-1)
    return y if bias is None else y + bias


def _backward_by_groups(gy, x, kernel, strides, pads, dilation, groups):
    cg, og = x.shape[-1] // groups, kernel.shape[-1] // groups
    dx, dkernel = np.empty_like(x, dtype=gy.dtype), np.empty_like(kernel, dtype=gy.dtype)
    for g in range(groups):
        inputs, outputs = slice(g * cg, (g + 1) * cg), slice(g * og, (g + 1) * og)
        dx[..., inputs], dkernel[..., outputs], _ = conv2d_backward(
            gy[..., outputs], x[..., inputs], kernel[..., outputs], strides, pads, dilation
        )
    return dx, dkernel
