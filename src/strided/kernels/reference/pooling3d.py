"""3-D max and average pooling over (N, D, H, W, C) volumes, forward and backward side by side.

The windows are a read-only `as_strided` view (N, D', H', W', kd, kh, kw, C) of the padded
volume (padding -inf for max, 0 for average), as in `reference/conv3d.im2col3d`:

    max:      y[n, i, j, l, c] = max over the window;   the gradient goes to the first maximum
    average:  y = sum over the window / (number of real, non-padding voxels in it)
              (Keras' "same" padding averages only the real voxels)

    D' = floor((D + p_before + p_after - k_d) / s) + 1
"""

import numpy as np

from strided.kernels.reference.conv3d import col2im3d, im2col3d, pad3d, unpad3d


def max_pool3d(x, pool_size, strides, pads):
    """Returns (y, winner): winner is the flat offset (a*kh*kw + b*kw + e) of each window's first maximum."""
    windows = im2col3d(pad3d(x, pads, -np.inf), pool_size, strides)
    flat = windows.reshape(*windows.shape[:4], -1, windows.shape[-1])
    winner = flat.argmax(axis=4)
    return np.take_along_axis(flat, winner[:, :, :, :, None], axis=4)[:, :, :, :, 0], winner


def max_pool3d_backward(gy, winner, x_shape, pool_size, strides, pads):
    """Each upstream gradient to its window's winner; overlapping windows add up (col2im3d)."""
    window = int(np.prod(pool_size))
    chosen = (winner[:, :, :, :, None, :] == np.arange(window)[:, None]).astype(gy.dtype)
    patches = (chosen * gy[:, :, :, :, None, :]).reshape(*gy.shape[:4], *pool_size, gy.shape[-1])
    return unpad3d(col2im3d(patches, _padded(x_shape, pads), strides), pads)


def average_pool3d(x, pool_size, strides, pads):
    """Mean of each window over its real voxels; returns (y, counts) with counts (D', H', W', 1)."""
    windows = im2col3d(pad3d(x, pads), pool_size, strides)
    counts = _counts(x.shape, pool_size, strides, pads)
    return windows.sum(axis=(4, 5, 6)) / counts, counts


def average_pool3d_backward(gy, counts, x_shape, pool_size, strides, pads):
    """Each window's gradient, divided by its count, spread evenly over the window."""
    share = gy / counts
    patches = np.broadcast_to(share[:, :, :, :, None, None, None, :], (*gy.shape[:4], *pool_size, gy.shape[-1]))
    return unpad3d(col2im3d(patches, _padded(x_shape, pads), strides), pads)


def _padded(x_shape, pads):
    n, *spatial, c = x_shape
    return (n, *(size + sum(p) for size, p in zip(spatial, pads)), c)


def _counts(x_shape, pool_size, strides, pads):
    """How many real voxels each window covers: the same pooling applied to a volume of ones."""
    ones = np.ones((1, *x_shape[1:4], 1))
    return im2col3d(pad3d(ones, pads), pool_size, strides).sum(axis=(4, 5, 6))[0].astype(np.float64)
