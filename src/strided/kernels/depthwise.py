"""Depthwise convolution kernels: each input channel filtered on its own (channels-last).

A GEMM would have an inner dimension of only kh*kw, so these loop over the kh*kw kernel
offsets and accumulate elementwise products instead (see the forward's docstring).
"""

import numpy as np

from strided.kernels.im2col import col2im, crop_spatial, im2col, pad_spatial


def depthwise_conv2d_forward(x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """Depthwise: each input channel c has its own `multiplier` filters kernel[:, :, c, m].

    y[n, i, j, c*M + m] = sum_{a, b} x_pad[n, i*s + a*d, j*s + b*d, c] * kernel[a, b, c, m]

    A GEMM would have an inner dimension of only kh*kw, so instead we loop over the kh*kw
    kernel offsets and accumulate elementwise products (no im2col buffer at all).
    """
    kh, kw, channels, multiplier = kernel.shape
    patches = im2col(pad_spatial(x, pads), (kh, kw), strides, dilation)
    n, out_h, out_w = patches.shape[:3]
    y = np.zeros((n, out_h, out_w, channels, multiplier), dtype=np.result_type(x, kernel))
    for a in range(kh):
        for b in range(kw):
            y += patches[:, :, :, a, b, :, None] * kernel[a, b]
    return y.reshape(n, out_h, out_w, channels * multiplier)


def depthwise_conv2d_backward(gy, x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)),
                              dilation=(1, 1), need_dx=True, need_dkernel=True):
    """Gradients (dx, dkernel) of depthwise_conv2d_forward."""
    kh, kw, channels, multiplier = kernel.shape
    xp = pad_spatial(x, pads)
    patches = im2col(xp, (kh, kw), strides, dilation)
    n, out_h, out_w = patches.shape[:3]
    gy5 = gy.reshape(n, out_h, out_w, channels, multiplier)
    dkernel = np.empty_like(kernel) if need_dkernel else None
    dcols = np.empty(patches.shape, dtype=gy.dtype) if need_dx else None
    for a in range(kh):
        for b in range(kw):
            if need_dkernel:
                dkernel[a, b] = np.einsum("nijc,nijcm->cm", patches[:, :, :, a, b, :], gy5)
            if need_dx:
                dcols[:, :, :, a, b, :] = (gy5 * kernel[a, b]).sum(axis=-1)
    dx = None
    if need_dx:
        dx = crop_spatial(col2im(dcols, xp.shape, strides, dilation), pads)
    return dx, dkernel
