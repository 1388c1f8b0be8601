"""Group normalization of channels-last samples x3 (N, S, C) (channels-first: `group_norm_planes`).

Accelerates `kernels.reference.normalization.group_norm` (and its backward). The trick: a
group's mean and variance are sums over positions, per channel, then over the group's
channels; the sums over positions are matrix products 1 (1, S) @ x_n (S, C), and everything
else is per (sample, channel), so each pass over the data is a plain one or a
`broadcasts.per_sample_channel` one (the sample's vector tiled to wide rows). With m and
s = 1 / sqrt(var + eps) per sample and group, spread over the group's channels:

    c = x - m                 var = (1 @ (c * c)) summed over the group / M
    y = c * (s * gamma) + beta                      (M = S * C / groups values per group)

Training keeps x, m and s (c is made again in the backward pass, a chunk at a time: cheaper
than a new array of x's size, whose pages the system must map). Backward, per sample and channel, with A = 1 @ dy, D = s * (1 @ (dy * c))
(the sum of dy * xhat), and a, b the group means of gamma * A and gamma * D:

    dbeta = sum_n A      dgamma = sum_n D
    dx = (s * gamma) * dy + (-s^2 b) * c + (-s a)

the textbook dx = s (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) gathered per channel. The
samples are split over `kernels.parallel`'s threads in chunks of whole samples, dgamma and
dbeta added along the batch's halving tree: the same bits on any number of threads.
"""

import numpy as np

from strided.kernels.fast import group_norm_planes, tuning
from strided.kernels.fast.broadcasts import per_sample_channel
from strided.kernels.parallel import for_each_sample_chunk


def group_sums(per_channel, groups):
    """(k, groups) sums of a (k, C) array over each group's C / groups channels."""
    k, channels = per_channel.shape
    return per_channel.reshape(k, groups, channels // groups).sum(axis=2)


def for_each_samples(work, samples, rows_per_sample, floats_per_sample):
    """`for_each_sample_chunk` over `samples` samples of `rows_per_sample` rows, in chunks of
    about NORM_CHUNK_FLOATS floats (at least one sample)."""
    per_chunk = max(1, tuning.NORM_CHUNK_FLOATS // max(floats_per_sample, 1))
    smallest = max(1, tuning.NORM_THREADED_FLOATS // max(floats_per_sample, 1))
    return for_each_sample_chunk(work, samples * rows_per_sample, samples, per_chunk * rows_per_sample,
                                 smallest * rows_per_sample)


def _parameter(value, channels, dtype, default):
    return np.full(channels, default, dtype) if value is None else value.astype(dtype, copy=False)


def group_norm_forward(x3, groups, gamma, beta, epsilon, channels_first=False, training=True):
    """(y, saved) for x3 (N, S, C), or (N, C, S) with channels_first; gamma, beta (C,) or None.
    saved is what `group_norm_backward` needs (None for inference)."""
    if channels_first:
        return group_norm_planes.forward(x3, groups, gamma, beta, epsilon, training)
    n, positions, channels = x3.shape
    dtype, per_group = x3.dtype, channels // groups
    count = dtype.type(positions * per_group)
    y = np.empty_like(x3)
    mean, inv_std = np.empty((n, groups), dtype), np.empty((n, groups), dtype)
    scale = _parameter(gamma, channels, dtype, 1)
    ones_row = np.ones((1, positions), dtype)

    def chunk(start, stop, scratch):
        if stop == start:
            return
        xc, cc = x3[start:stop], y[start:stop]  # c, then y in place
        m = mean[start:stop]
        np.divide(group_sums(np.matmul(ones_row, xc)[:, 0], groups), count, out=m)
        per_sample_channel(np.subtract, xc, np.repeat(m, per_group, axis=1), cc)
        square = np.multiply(cc, cc, out=scratch.buffer("square", xc.shape, dtype))
        var = group_sums(np.matmul(ones_row, square)[:, 0], groups) / count
        s = inv_std[start:stop]
        np.divide(1, np.sqrt(var + dtype.type(epsilon)), out=s)
        per_sample_channel(np.multiply, cc, np.repeat(s, per_group, axis=1) * scale, cc)
        if beta is not None:
            per_sample_channel(np.add, cc, np.broadcast_to(beta.astype(dtype, copy=False), (stop - start, channels)),
                               cc)

    for_each_samples(chunk, n, 1, positions * channels)
    return y, ((x3, mean, inv_std) if training else None)


def group_norm_backward(gy3, saved, groups, gamma, channels_first=False, need_dx=True, need_dgamma=True,
                        need_dbeta=True):
    """(dx, dgamma, dbeta) for the upstream gradient gy3 (x3's shape); None for those not needed."""
    if channels_first:
        return group_norm_planes.backward(gy3, saved, groups, gamma, need_dx, need_dgamma, need_dbeta)
    x3, mean, inv_std = saved
    n, positions, channels = gy3.shape
    dtype, per_group = gy3.dtype, channels // groups
    count = dtype.type(positions * per_group)
    scale = _parameter(gamma, channels, dtype, 1)
    ones_row = np.ones((1, positions), dtype)
    dx = np.empty_like(gy3) if need_dx else None

    def chunk(start, stop, scratch):
        if stop == start:
            return
        g = gy3[start:stop]
        c = per_sample_channel(np.subtract, x3[start:stop], np.repeat(mean[start:stop], per_group, axis=1),
                               scratch.buffer("centered", g.shape, dtype))
        s = np.repeat(inv_std[start:stop], per_group, axis=1)
        sum_dy = np.matmul(ones_row, g)[:, 0]
        product = np.multiply(g, c, out=scratch.buffer("product", g.shape, dtype))
        sum_dy_xhat = np.matmul(ones_row, product)[:, 0] * s
        if need_dbeta:
            scratch.add("dbeta", sum_dy.sum(axis=0), fresh=True)
        if need_dgamma:
            scratch.add("dgamma", sum_dy_xhat.sum(axis=0), fresh=True)
        if need_dx:
            a = np.repeat(group_sums(sum_dy * scale, groups) / count, per_group, axis=1)
            b = np.repeat(group_sums(sum_dy_xhat * scale, groups) / count, per_group, axis=1)
            out = per_sample_channel(np.multiply, g, s * scale, dx[start:stop])
            term = per_sample_channel(np.multiply, c, -s * s * b, scratch.buffer("term", g.shape, dtype))
            np.add(out, term, out=out)
            per_sample_channel(np.add, out, -s * a, out)

    sums = for_each_samples(chunk, n, 1, positions * channels)
    zeros = np.zeros(channels, dtype)
    return (dx, sums.get("dgamma", zeros) if need_dgamma else None,
            sums.get("dbeta", zeros) if need_dbeta else None)
