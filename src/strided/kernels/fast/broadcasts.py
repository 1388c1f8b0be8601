"""A value per row, or per (sample, channel), applied at the speed of a plain elementwise pass.

Helps the normalization kernels (`layer_norm`, `group_norm`, `group_norm_planes`): the same
arithmetic as NumPy's broadcasts, x * v[:, None] or x3 * v[:, None, :], in forms NumPy runs
faster. NumPy runs a broadcast pass as one inner loop per row of the broadcast vector; on rows
of a few hundred floats (a layer norm's features, a group norm's 64 channels) the loop's set-up
costs more than its work, and the pass runs at a third of the speed of a plain x * y
(docs/speed.md, "Layer/group norm and global pooling"). Two ways round it:

* a value per row, on short rows (`per_row`): the matrix v (x) w (v along the rows, w along the
  columns) is written by a matrix product of inner size 2, [v, 0] @ [w; 0] (BLAS writes it at
  memory speed; an inner size of 1 takes a slow path), and then the pass is a plain one. Every
  element of the product is v[i] * w[j] + 0 * 0: the same number as the broadcast's.
* a value per (sample, channel) on channels-last samples (`per_sample_channel`): each sample's
  (S, C) block is viewed as rows of r * C floats (r dividing S) against the sample's vector
  repeated r times, so each inner loop is r * C floats long.
"""

import functools

import numpy as np

from strided.kernels.fast import tuning

_vecdot = getattr(np, "vecdot", None)  # NumPy 2; einsum before


def row_dots(a, b):
    """(a * b).sum(axis=-1) for (R, F) arrays, without the product's array."""
    return _vecdot(a, b) if _vecdot is not None else np.einsum("ij,ij->i", a, b)


def outer_columns(v):
    """The (2, n) right factor of `outer`: v above a row of zeros."""
    columns = np.zeros((2, v.shape[0]), v.dtype)
    columns[0] = v
    return columns


@functools.lru_cache(maxsize=64)
def _ones_columns(n, dtype):
    columns = outer_columns(np.ones(n, dtype))
    columns.flags.writeable = False
    return columns


def outer(u, columns, out):
    """out = u (x) v for u (m,), columns = `outer_columns(v)`, out (m, n): one GEMM of inner
    size 2, [u, 0] @ [v; 0]."""
    left = np.zeros((u.shape[0], 2), out.dtype)
    left[:, 0] = u
    return np.matmul(left, columns, out=out)


def per_row(op, x, values, out, scratch):
    """out = op(x, values[:, None]) for x (R, F) and a ufunc `op`; `scratch` is an (R, F) array
    the short-row form may overwrite (not x or out)."""
    values = values.astype(x.dtype, copy=False)
    if x.shape[1] >= tuning.ROW_BROADCAST_FLOATS:
        return op(x, values[:, None], out=out)
    outer(values, _ones_columns(x.shape[1], x.dtype), scratch)
    return op(x, scratch, out=out)


@functools.lru_cache(maxsize=256)
def tile_repeats(positions, channels):
    """The largest r dividing `positions` with r * channels <= CHANNEL_TILE_FLOATS (at least 1)."""
    for r in range(max(1, min(positions, tuning.CHANNEL_TILE_FLOATS // max(channels, 1))), 0, -1):
        if positions % r == 0:
            return r
    return 1


def per_sample_channel(op, x3, values, out):
    """out = op(x3, values[:, None, :]) for contiguous x3 and out (k, S, C), values (k, C)."""
    k, positions, channels = x3.shape
    r = tile_repeats(positions, channels)
    tiled = np.tile(values.astype(x3.dtype, copy=False), (1, r)).reshape(k, 1, r * channels)
    wide = (k, positions // r, r * channels)
    op(x3.reshape(wide), tiled, out=out.reshape(wide))
    return out
