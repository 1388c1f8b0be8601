"""Depthwise convolution: each input channel filtered on its own (MobileNet's building block).

Shapes: x (N, H, W, C), kernel (kh, kw, C, M), y (N, H', W', C*M). With the im2col view of
`reference.im2col` (patches[n, i, j, a, b, c] = x_pad[n, i*s + a*d, j*s + b*d, c]):

    y[n, i, j, c*M + m]   = sum_{a, b} patches[n, i, j, a, b, c] * K[a, b, c, m]
    dK[a, b, c, m]        = sum_{n, i, j} patches[n, i, j, a, b, c] * dy[n, i, j, c, m]
    dpatches[n,i,j,a,b,c] = sum_m dy[n, i, j, c, m] * K[a, b, c, m]      dX = col2im(dpatches)

There is no sum over channels, so no GEMM: each line is one `np.einsum`.
"""

import numpy as np

from strided.kernels.reference.im2col import col2im, im2col, pad, unpad


def depthwise_conv2d(x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """y (N, H', W', C*M) for x (N, H, W, C) and kernel (kh, kw, C, M)."""
    kh, kw, channels, multiplier = kernel.shape
    patches = im2col(pad(x, pads), (kh, kw), strides, dilation)
    y = np.einsum("nijabc,abcm->nijcm", patches, kernel)
    return y.reshape(*y.shape[:3], channels * multiplier)


def depthwise_conv2d_backward(gy, x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """(dx, dkernel) of depthwise_conv2d for the upstream gradient gy (N, H', W', C*M)."""
    kh, kw, channels, multiplier = kernel.shape
    x_padded = pad(x, pads)
    patches = im2col(x_padded, (kh, kw), strides, dilation)
    gy5 = gy.reshape(*gy.shape[:3], channels, multiplier)
    dkernel = np.einsum("nijabc,nijcm->abcm", patches, gy5)
    dpatches = np.einsum("nijcm,abcm->nijabc", gy5, kernel)
    dx = unpad(col2im(dpatches, x_padded.shape, strides, dilation), pads)
    return dx, dkernel
