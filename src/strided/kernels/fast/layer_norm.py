"""Layer normalization of the rows of x2 (R, F): the statistics of each row, gamma and beta per
feature.

Accelerates `kernels.reference.normalization.layer_norm` (and its backward). The trick: every
pass is either a matrix-vector product or a plain elementwise pass, block by block of rows in
the cache. For a block of rows, with s = 1 / sqrt(var + eps) per row:

    mean = x @ 1 / F                  (a GEMV)
    c = x - mean (x) 1                (the outer product by a GEMM, `broadcasts.outer`)
    var = rowdot(c, c) / F            (no product array)
    y = c * (s (x) gamma) + beta      (a GEMM, a plain pass, a pass against beta tiled wide)

Training keeps x, mean and s (c is made again, block by block, in the backward pass: cheaper
than a new array of x's size). Backward, with P = dy * c (one pass):

    dbeta = 1 @ dy      dgamma = s @ P            (GEMVs over the rows)
    dx = (s (x) gamma) * dy + (k1 (x) 1) * c + k0 (x) 1,
    k1 = -s^3 (P @ gamma) / F,   k0 = -s (dy @ gamma) / F

the textbook dx = s (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy * gamma,
xhat = c * s, with its per-row means as GEMVs against gamma. The rows are split over
`kernels.parallel`'s threads in chunks of whole samples, each chunk's dgamma and dbeta added
along the batch's halving tree: statistics are per row, so y and dx are the same bits on any
number of threads, and so are dgamma and dbeta.
"""

import numpy as np

from strided.kernels.fast import tuning
from strided.kernels.fast.broadcasts import outer, outer_columns, row_dots
from strided.kernels.fast.elementwise import ChannelVector, per_channel
from strided.kernels.parallel import for_each_sample_chunk


def _blocks(start, stop, features):
    step = max(1, tuning.NORM_BLOCK_FLOATS // max(features, 1))
    return [(a, min(a + step, stop)) for a in range(start, stop, step)]


def _chunked(work, rows, features, samples):
    return for_each_sample_chunk(work, rows, samples, max(1, tuning.NORM_CHUNK_FLOATS // max(features, 1)),
                                 max(1, tuning.NORM_THREADED_FLOATS // max(features, 1)))


def layer_norm_forward(x2, gamma, beta, epsilon, samples=None, training=True):
    """(y, saved) for x2 (R, F), the rows being `samples` samples' (default R) rows in turn;
    gamma, beta (F,) or None. saved is (x2, mean, s) for `layer_norm_backward` (None for
    inference): x itself, not a centred copy (a new array of x's size costs its page faults)."""
    rows, features = x2.shape
    dtype = x2.dtype
    y = np.empty_like(x2)
    mean, inv_std = np.empty(rows, dtype), np.empty(rows, dtype)
    ones = np.ones(features, dtype)
    scale = ones if gamma is None else gamma.astype(dtype, copy=False)
    shift = None if beta is None else ChannelVector(beta.astype(dtype, copy=False))
    ones_columns, scale_columns = outer_columns(ones), outer_columns(scale)

    def chunk(start, stop, scratch):
        for a, b in _blocks(start, stop, features):
            xb, yb, m, s = x2[a:b], y[a:b], mean[a:b], inv_std[a:b]
            np.multiply(xb @ ones, dtype.type(1 / features), out=m)
            cb = _centered(xb, m, ones_columns, scratch)
            np.sqrt(row_dots(cb, cb) * dtype.type(1 / features) + dtype.type(epsilon), out=s)
            np.divide(1, s, out=s)
            np.multiply(outer(s, scale_columns, yb), cb, out=yb)
            if shift is not None:
                per_channel(np.add, yb, shift, yb)

    _chunked(chunk, rows, features, samples)
    return y, ((x2, mean, inv_std) if training else None)


def _centered(xb, mean, ones_columns, scratch):
    """x - mean (x) 1 for a block of rows, in the thread's scratch."""
    cb = scratch.buffer("centered", xb.shape, xb.dtype)
    return np.subtract(xb, outer(mean, ones_columns, cb), out=cb)


def layer_norm_backward(gy2, saved, gamma, samples=None, need_dx=True, need_dgamma=True, need_dbeta=True):
    """(dx, dgamma, dbeta) for the upstream gradient gy2 (R, F); None for those not needed."""
    x2, mean, inv_std = saved
    rows, features = gy2.shape
    dtype = gy2.dtype
    ones = np.ones(features, dtype)
    scale = ones if gamma is None else gamma.astype(dtype, copy=False)
    dx = np.empty_like(gy2) if need_dx else None
    ones_columns, scale_columns = outer_columns(ones), outer_columns(scale)
    inverse_f = dtype.type(1 / features)

    def chunk(start, stop, scratch):
        for a, b in _blocks(start, stop, features):
            g, s = gy2[a:b], inv_std[a:b]
            c = _centered(x2[a:b], mean[a:b], ones_columns, scratch)
            if need_dbeta:
                scratch.add("dbeta", np.ones(b - a, dtype) @ g, fresh=True)
            product = np.multiply(g, c, out=scratch.buffer("product", g.shape, dtype))
            if need_dgamma:
                scratch.add("dgamma", s @ product, fresh=True)
            if need_dx:
                k1 = -(s * s * s) * (product @ scale) * inverse_f
                k0 = -s * (g @ scale) * inverse_f
                out = dx[a:b]
                np.multiply(outer(s, scale_columns, out), g, out=out)
                term = np.multiply(outer(k1, ones_columns, product), c, out=product)  # P is used up
                np.add(out, term, out=out)
                np.add(out, outer(k0, ones_columns, term), out=out)

    sums = _chunked(chunk, rows, features, samples)
    zeros = np.zeros(features, dtype)  # no rows: nothing to add
    return (dx, sums.get("dgamma", zeros) if need_dgamma else None,
            sums.get("dbeta", zeros) if need_dbeta else None)
