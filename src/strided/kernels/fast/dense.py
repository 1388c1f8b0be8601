"""Fast Dense: y = x @ W + b with the bias added and the ReLU applied in place on the GEMM's output.

Accelerates `kernels.reference.dense` (followed by `reference.activations.relu`). The tricks:
no new array for y + b or for max(y, 0) -- both run in place on the GEMM's result, the ReLU
over wide rows (`elementwise.relu`); the backward pass is the reference one, with dy masked
by y > 0 first when the ReLU was fused.

Every product runs on the batch's leaves (`parallel.batch_leaves`, a few samples each, on the
kernel threads when the product is large enough to pay for the hand-off), and dW and db are added along the batch's halving tree: a BLAS product's
rounding depends on how many rows it is given, so a sample's y, and the sums, are then the
same bits whoever computes which half of the batch (threads or processes).
"""

import numpy as np

from strided.kernels.fast import elementwise
from strided.kernels.fast.tuning import LINEAR_THREADED_PRODUCTS
from strided.kernels.parallel import for_each_sample_chunk


def _smallest_rows(x2, kernel):
    """Rows below which a product stays on the calling thread: all of them when the product is
    small (`tuning.LINEAR_THREADED_PRODUCTS` multiply-adds, the cost of a hand-off between
    threads against a GEMM's rate), else any."""
    products = x2.shape[0] * x2.shape[1] * kernel.shape[1]
    return 1 if products >= LINEAR_THREADED_PRODUCTS else max(1, x2.shape[0])


def dense_forward(x2, kernel, bias=None, relu=False, images=None):
    """y (M, U) = x2 @ kernel (+ bias) (then max(y, 0)), for x2 (M, K): `images` samples' rows."""
    y = np.empty((x2.shape[0], kernel.shape[1]), np.result_type(x2, kernel))

    def chunk(start, stop, scratch):
        out = np.matmul(x2[start:stop], kernel, out=y[start:stop])
        if bias is not None:
            out += bias
        if relu:
            elementwise.relu(out, out)

    for_each_sample_chunk(chunk, x2.shape[0], images, smallest_rows=_smallest_rows(x2, kernel))
    return y


def dense_backward(gy2, x2, kernel, relu_output=None, need_dx=True, need_dkernel=True, need_dbias=True,
                   images=None):
    """(dx, dkernel, dbias) for the upstream gradient gy2 (M, U); `relu_output` is the forward's
    y when it applied a ReLU (its mask y > 0 is applied to gy2 first)."""
    dx = np.empty_like(x2, dtype=np.result_type(gy2, kernel)) if need_dx else None

    def chunk(start, stop, scratch):
        g = elementwise.masked_by_relu(
            gy2[start:stop], None if relu_output is None else relu_output[start:stop], scratch)
        if need_dx:
            np.matmul(g, kernel.T, out=dx[start:stop])
        if need_dkernel:
            scratch.add("dk", x2[start:stop].T @ g, fresh=True)
        if need_dbias:
            scratch.add("db", g.sum(axis=0), fresh=True)

    sums = for_each_sample_chunk(chunk, x2.shape[0], images, smallest_rows=_smallest_rows(x2, kernel))
    return dx, sums.get("dk") if need_dkernel else None, sums.get("db") if need_dbias else None
