"""Max and average pooling (lesson 003, "Max-Pooling and Average Pooling") on window views.

The windows are the im2col view of `reference.im2col` with C kept apart: windows[n, i, j, a, b, c]
= x_pad[n, i*s_h + a, j*s_w + b, c], of shape (N, H', W', kh, kw, C), where (the lesson's formula)

    H' = floor((H + p_top + p_bottom - k_h) / s_h) + 1

    max:      y = max over (a, b) of the window;  dX gets dy at the window's (first) maximum
    average:  y = sum over (a, b) / count;        dX gets dy / count at every window element

Max pooling pads with -inf (a padded cell never wins). Where windows overlap (stride < pool),
col2im adds their gradients. Ties go to the first maximum in row-major window order, as
PyTorch's max_pool2d.
"""

import numpy as np

from strided.kernels.reference.im2col import col2im, im2col, pad, unpad


def max_pool2d(x, pool_size, strides, pads=((0, 0), (0, 0))):
    """y (N, H', W', C): the maximum of each window of x (N, H, W, C)."""
    windows = im2col(pad(x, pads, -np.inf), pool_size, strides)
    return windows.max(axis=(3, 4))


def max_pool2d_backward(gy, x, pool_size, strides, pads=((0, 0), (0, 0))):
    """dx: each window's upstream gradient sent to the element that won it."""
    x_padded = pad(x, pads, -np.inf)
    windows = im2col(x_padded, pool_size, strides)
    n, out_h, out_w, kh, kw, channels = windows.shape
    flat = windows.transpose(0, 1, 2, 5, 3, 4).reshape(n, out_h, out_w, channels, kh * kw)
    winner = flat.argmax(axis=-1)  # the first maximum of each window
    one_hot = np.arange(kh * kw) == winner[..., None]  # (N, H', W', C, kh*kw)
    dwindows = (one_hot * gy[..., None]).reshape(n, out_h, out_w, channels, kh, kw)
    return unpad(col2im(dwindows.transpose(0, 1, 2, 4, 5, 3), x_padded.shape, strides), pads)


def sum_pool2d(x, pool_size, strides, pads=((0, 0), (0, 0))):
    """y (N, H', W', C): the sum of each window (zero padding)."""
    return im2col(pad(x, pads), pool_size, strides).sum(axis=(3, 4))


def sum_pool2d_backward(gy, x_shape, pool_size, strides, pads=((0, 0), (0, 0))):
    """dx: every element of a window receives that window's upstream gradient."""
    n, height, width, channels = x_shape
    kh, kw = pool_size
    padded_shape = (n, height + sum(pads[0]), width + sum(pads[1]), channels)
    dwindows = np.broadcast_to(gy[:, :, :, None, None, :], (*gy.shape[:3], kh, kw, channels))
    return unpad(col2im(dwindows, padded_shape, strides), pads)


def average_pool2d(x, pool_size, strides, pads=((0, 0), (0, 0))):
    """y = window sum / (kh*kw): padded zeros count in the average (torch's default)."""
    return sum_pool2d(x, pool_size, strides, pads) / (pool_size[0] * pool_size[1])


def average_pool2d_backward(gy, x_shape, pool_size, strides, pads=((0, 0), (0, 0))):
    return sum_pool2d_backward(gy / (pool_size[0] * pool_size[1]), x_shape, pool_size, strides, pads)
