"""Global average and max pooling: one value per sample and channel, over every position.

On x3 (N, S, C) channels-last or (N, C, S) channels-first (S = H * W, or the positions of any
number of spatial axes):

    average:  y[n, c] = 1/S * sum_s x[n, s, c]     dX[n, s, c] = dy[n, c] / S
    max:      y[n, c] = max_s x[n, s, c]           dX gets dy[n, c] at the first s reaching the
                                                   maximum, 0 elsewhere (as max pooling's ties)
"""

import numpy as np


def _spatial_axis(channels_first):
    return 2 if channels_first else 1


def global_average_pool(x3, channels_first=False):
    """y (N, C): the mean of each sample's channel."""
    return x3.mean(axis=_spatial_axis(channels_first))


def global_average_pool_backward(gy, x_shape, channels_first=False):
    """dx of x_shape: each position gets its channel's dy / S."""
    axis = _spatial_axis(channels_first)
    return np.broadcast_to(np.expand_dims(gy / x_shape[axis], axis), x_shape).copy()


def global_max_pool(x3, channels_first=False):
    """y (N, C): the largest value of each sample's channel."""
    return x3.max(axis=_spatial_axis(channels_first))


def global_max_pool_backward(gy, x3, channels_first=False):
    """dx like x3: each channel's dy at the position of its first maximum."""
    axis = _spatial_axis(channels_first)
    winner = np.expand_dims(x3.argmax(axis=axis), axis)
    dx = np.zeros(x3.shape, gy.dtype)
    np.put_along_axis(dx, winner, np.expand_dims(gy, axis), axis=axis)
    return dx
