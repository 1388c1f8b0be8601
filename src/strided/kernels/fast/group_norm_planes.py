"""Group normalization of channels-first samples x3 (N, C, S): one plane of S positions per
(sample, channel).

Accelerates `kernels.reference.normalization.group_norm` with channels_first (and its
backward); `group_norm.group_norm_forward` calls it. The trick: viewed as rows (N * C, S), a
group is C / groups consecutive rows, so every sum is a row sum, a GEMV x2 @ 1 or a row dot
product (`broadcasts.row_dots`, no product array), and every other step is a value per row
(`broadcasts.per_row`). With m and s = 1 / sqrt(var + eps) per sample and group:

    c = x - m        var = rowdot(c, c) summed over the group / M
    y = c * (s * gamma) + beta

Backward, per row (sample, channel), with A = dy @ 1, D = s * rowdot(dy, c), and a, b the
group means of gamma * A and gamma * D: dbeta = sum_n A, dgamma = sum_n D, and
dx = (s * gamma) * dy + (-s^2 b) * c + (-s a), as in `group_norm` (c made again from x and m).
"""

import numpy as np

from strided.kernels.fast import tuning
from strided.kernels.fast.broadcasts import per_row, row_dots
from strided.kernels.parallel import for_each_sample_chunk


def _chunks(work, n, channels, positions):
    floats = channels * positions
    per_chunk = max(1, tuning.NORM_CHUNK_FLOATS // max(floats, 1))
    smallest = max(1, tuning.NORM_THREADED_FLOATS // max(floats, 1))
    return for_each_sample_chunk(work, n * channels, n, per_chunk * channels, smallest * channels)


def forward(x3, groups, gamma, beta, epsilon, training=True):
    """(y, saved) for x3 (N, C, S); see `group_norm.group_norm_forward`."""
    n, channels, positions = x3.shape
    dtype, per_group = x3.dtype, channels // groups
    count = dtype.type(positions * per_group)
    x2 = x3.reshape(n * channels, positions)
    y = np.empty_like(x2)
    mean, inv_std = np.empty((n, groups), dtype), np.empty((n, groups), dtype)
    ones = np.ones(positions, dtype)
    scale = np.ones(channels, dtype) if gamma is None else gamma.astype(dtype, copy=False)

    def chunk(a, b, scratch):
        if a == b:
            return
        k = (b - a) // channels
        xr, cr = x2[a:b], y[a:b]  # c, then y in place
        spare = scratch.buffer("spare", xr.shape, dtype)
        m = mean[a // channels:b // channels]
        np.divide((xr @ ones).reshape(k, groups, per_group).sum(axis=2), count, out=m)
        per_row(np.subtract, xr, np.repeat(m.reshape(-1), per_group), cr, spare)
        var = row_dots(cr, cr).reshape(k, groups, per_group).sum(axis=2) / count
        s = inv_std[a // channels:b // channels]
        np.divide(1, np.sqrt(var + dtype.type(epsilon)), out=s)
        per_row(np.multiply, cr, (np.repeat(s, per_group, axis=1) * scale).reshape(-1), cr, spare)
        if beta is not None:
            per_row(np.add, cr, np.tile(beta.astype(dtype, copy=False), k), cr, spare)

    _chunks(chunk, n, channels, positions)
    return y.reshape(x3.shape), ((x2, mean, inv_std) if training else None)


def backward(gy3, saved, groups, gamma, need_dx=True, need_dgamma=True, need_dbeta=True):
    """(dx, dgamma, dbeta) for gy3 (N, C, S); see `group_norm.group_norm_backward`."""
    x2, mean, inv_std = saved
    n, channels, positions = gy3.shape
    dtype, per_group = gy3.dtype, channels // groups
    count = dtype.type(positions * per_group)
    g2 = gy3.reshape(n * channels, positions)
    dx = np.empty_like(g2) if need_dx else None
    ones = np.ones(positions, dtype)
    scale = np.ones(channels, dtype) if gamma is None else gamma.astype(dtype, copy=False)

    def chunk(a, b, scratch):
        if a == b:
            return
        k = (b - a) // channels
        g = g2[a:b]
        spare = scratch.buffer("spare", g.shape, dtype)
        c = per_row(np.subtract, x2[a:b], np.repeat(mean[a // channels:b // channels].reshape(-1), per_group),
                    scratch.buffer("centered", g.shape, dtype), spare)
        s = np.repeat(inv_std[a // channels:b // channels], per_group, axis=1)  # (k, C)
        sum_dy = (g @ ones).reshape(k, channels)
        sum_dy_xhat = row_dots(g, c).reshape(k, channels) * s
        if need_dbeta:
            scratch.add("dbeta", sum_dy.sum(axis=0), fresh=True)
        if need_dgamma:
            scratch.add("dgamma", sum_dy_xhat.sum(axis=0), fresh=True)
        if need_dx:
            mean_dxhat = (sum_dy * scale).reshape(k, groups, per_group).sum(axis=2) / count
            mean_dxhat_xhat = (sum_dy_xhat * scale).reshape(k, groups, per_group).sum(axis=2) / count
            a_rows = np.repeat(mean_dxhat, per_group, axis=1)
            b_rows = np.repeat(mean_dxhat_xhat, per_group, axis=1)
            out = per_row(np.multiply, g, (s * scale).reshape(-1), dx[a:b], spare)
            term = per_row(np.multiply, c, (-s * s * b_rows).reshape(-1), scratch.buffer("term", g.shape, dtype),
                           spare)
            np.add(out, term, out=out)
            per_row(np.add, out, (-s * a_rows).reshape(-1), out, spare)

    sums = _chunks(chunk, n, channels, positions)
    zeros = np.zeros(channels, dtype)
    return (None if dx is None else dx.reshape(gy3.shape), sums.get("dgamma", zeros) if need_dgamma else None,
            sums.get("dbeta", zeros) if need_dbeta else None)
