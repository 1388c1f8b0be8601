"""ReLU, per-channel arithmetic and column sums, written the way NumPy runs them fastest.

Accelerates the elementwise parts of the reference kernels (`reference.activations.relu`,
batch norm's per-channel arithmetic and sums over rows). Three NumPy forms are slow on float32
(measurements in docs/speed.md):

* `np.maximum(x, 0)`: a scalar operand misses the SIMD loop, where `np.maximum` of rows of 16K
  floats with a row of zeros does not;
* `x * scale` with `scale` of shape (C,) on channels-last (M, C) data: the inner loop is only
  C long (32 for CIFAR); on rows of 16K floats with `scale` repeated to that length it runs at
  full speed (from NumPy's buffer size, 8K floats, a broadcast row runs as fast as an operand
  of the array's own shape);
* `x.sum(axis=0)` on (M, C), several times slower than the product `ones @ x` (a BLAS GEMV).

So `relu` and `per_channel` view their (contiguous) arrays as wide rows (`tuning.WIDE`), and the
column sums are GEMVs: the same arithmetic and the same numbers (the sums add in another order,
as any BLAS does). ReLU, batch norm, the convolutions' fused ReLU and Dense use them.
"""

import functools

import numpy as np

from strided.kernels.fast.tuning import SMALL, WIDE  # rows of WIDE floats; plain below SMALL

_zero_rows = {}


def relu(x, out):
    """out = max(x, 0) (NaN stays NaN, as `np.maximum`); x and out of one shape. Returns out."""
    zeros = _zero_rows.get(out.dtype)
    if zeros is None:
        zeros = _zero_rows[out.dtype] = ChannelVector(np.zeros(1, out.dtype))
    return per_channel(np.maximum, x, zeros, out)


class ChannelVector:
    """A per-channel vector (C,) for `per_channel`, with its copy repeated to about WIDE floats
    (made once per op, not once per chunk, and only when an array is large enough to use it:
    the repeat is not free)."""

    def __init__(self, vector):
        self.vector = vector

    @functools.cached_property
    def wide(self):
        return np.tile(self.vector, max(1, WIDE // self.vector.shape[-1]))


def per_channel(op, x, channels, out):
    """out = op(x, vector) for a ufunc `op` and a `ChannelVector` broadcast along x's last axis.

    x (..., C) and out are viewed as rows of k*C floats (about WIDE) against the vector
    repeated k times; the rows left over (fewer than k) use the vector as it is. Small or
    non-contiguous arrays use the plain broadcast.
    """
    vector = channels.vector
    if x.size < SMALL or not (x.flags.c_contiguous and out.flags.c_contiguous) or x.shape != out.shape:
        return op(x, vector, out=out)
    wide_vector = channels.wide
    flat_x, flat_out = x.reshape(-1), out.reshape(-1)
    width = wide_vector.shape[0]
    wide = flat_x.size // width * width
    op(flat_x[:wide].reshape(-1, width), wide_vector, out=flat_out[:wide].reshape(-1, width))
    if wide < flat_x.size:
        period = vector.shape[0]
        op(flat_x[wide:].reshape(-1, period), vector, out=flat_out[wide:].reshape(-1, period))
    return out


def column_sums(x2):
    """Sum over the rows of an (M, C) array: x2.sum(axis=0) as one GEMV (ones @ x2)."""
    return np.ones(x2.shape[0], x2.dtype) @ x2


def column_dots(a2, b2, scratch):
    """Sum over the rows of a2 * b2, both (M, C): the product goes to `scratch` (a2's shape)."""
    return column_sums(np.multiply(a2, b2, out=scratch))


def masked_by_relu(gy, relu_output, scratch):
    """gy * (relu_output > 0), the gradient through a fused ReLU, in the chunk's scratch buffer
    "gy" (gy itself when there was no ReLU: relu_output None)."""
    if relu_output is None:
        return gy
    masked = scratch.buffer("gy", gy.shape, gy.dtype)
    return np.multiply(gy, relu_output > 0, out=masked)
