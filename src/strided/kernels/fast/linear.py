"""PyTorch's Linear, y = x W^T + b with W in its (out, in) layout, on `kernels.parallel`'s threads.

Accelerates `kernels.reference.dense` (dense, dense_backward) for a weight stored transposed:

    y = x W^T + b          dx = dy W          dW = dy^T x          db = sum of dy over rows

As the fast Dense (`kernels.fast.dense`), every product runs on the batch's leaves
(`parallel.batch_leaves`, a few samples each) and dW and db are added along the batch's halving
tree (`parallel.tree_combine`), so a sample's y and the sums are the same bits whoever computes
which half of the batch (threads or processes); dW comes out in W's own (out, in) layout.

The trick: the work is split by *features* into blocks of W that stay in the cache while every
leaf of the batch uses them (a leaf's product alone would stream the whole of a wide W, and its
share of dW, through memory once per leaf), and the blocks are shared among the kernel threads,
each GEMM single-threaded. The forward product is y_leaf^T = W_block @ x_leaf^T, W's rows
BLAS's left operand as they lie (x_leaf @ W^T would have BLAS pack the transposed W anew for
every leaf). So OpenBLAS never starts threads of its own here: its idle threads
would otherwise spin for a while after each multi-threaded product (`_blas_threads`), taking a
core from the chunked kernels (convolutions, pooling, batch norm) that run next, and a training
loop written the PyTorch way calls no `fit` that could shorten that wait.
"""

import numpy as np

from strided.kernels.fast import elementwise
from strided.kernels.fast.tuning import (
    LINEAR_BLOCK_FLOATS,
    LINEAR_FORWARD_BLOCK_ROWS,
    LINEAR_THREADED_PRODUCTS,
)
from strided.kernels.parallel import batch_leaves, for_each_chunk, tree_combine


def sample_leaves(rows, images=None):
    """(leaves in samples, the same leaves in rows) of a batch of `images` samples (default: one
    per row) laid out as `rows` rows."""
    images = images or rows
    per_sample = rows // max(images, 1)
    leaves = batch_leaves(images, images)
    return leaves, [(start * per_sample, stop * per_sample) for start, stop in leaves]


def _by_feature_blocks(work, features, floats_per_feature, products):
    """for_each_chunk(work) over blocks of `features` of about `tuning.LINEAR_BLOCK_FLOATS` floats;
    on the kernel threads when the products are large (`tuning.LINEAR_THREADED_PRODUCTS`)."""
    step = max(1, LINEAR_BLOCK_FLOATS // max(floats_per_feature, 1))
    smallest = 1 if products >= LINEAR_THREADED_PRODUCTS else max(features, 1)
    for_each_chunk(work, features, step, smallest, batch=False)  # no sums across the blocks


def _added(left, right):
    left += right
    return left


def linear_forward(x2, weight, bias=None, relu=False, images=None):
    """y (M, out) = x2 @ weight^T (+ bias) (then max(y, 0)), for x2 (M, in) (`images` samples'
    rows) and weight (out, in).

    Each leaf's rows come from y_leaf^T = W_block @ x_leaf^T: W's rows as BLAS's left operand,
    read as they lie (as x_leaf @ W^T, BLAS would pack the transposed W again for every leaf),
    in blocks of `tuning.LINEAR_FORWARD_BLOCK_ROWS` output features (x's leaf, packed again
    for each block, stays small beside the block)."""
    rows, features = x2.shape
    units = weight.shape[0]
    y = np.empty((rows, units), np.result_type(x2, weight))
    _, leaves = sample_leaves(rows, images)
    count = -(-units // LINEAR_FORWARD_BLOCK_ROWS)
    blocks = [(units * i // count, units * (i + 1) // count) for i in range(count)]
    pairs = [(block, leaf) for block in blocks for leaf in leaves]

    def work(first_pair, last_pair, scratch):
        for (start, stop), (first, last) in pairs[first_pair:last_pair]:
            transposed = scratch.buffer("y_t", (stop - start, last - first), y.dtype)
            np.matmul(weight[start:stop], x2[first:last].T, out=transposed)
            y[first:last, start:stop] = transposed.T

    smallest = 1 if rows * weight.size >= LINEAR_THREADED_PRODUCTS else max(len(pairs), 1)
    for_each_chunk(work, len(pairs), 1, smallest, batch=False)  # no sums across the pairs
    if bias is not None:
        y += bias
    if relu:
        elementwise.relu(y, y)
    return y


def linear_backward(gy2, x2, weight, relu_output=None, need_dx=True, need_dweight=True, need_dbias=True,
                    images=None):
    """(dx, dweight, dbias) for the upstream gradient gy2 (M, out); `relu_output` is the forward's
    y when it applied a ReLU (its mask y > 0 is applied to gy2 first). dweight is (out, in)."""
    rows, features = x2.shape
    g = gy2 if relu_output is None else gy2 * (relu_output > 0)
    image_leaves, leaves = sample_leaves(rows, images)
    dtype = np.result_type(g, weight, x2)
    dx = np.empty(x2.shape, dtype) if need_dx else None
    dweight = np.empty(weight.shape, dtype) if need_dweight else None

    def block(start, stop, scratch):  # input features start:stop
        part = weight[:, start:stop]
        if need_dx:
            for first, last in leaves:
                np.matmul(g[first:last], part, out=dx[first:last, start:stop])
        if need_dweight:
            sums = [g[first:last].T @ x2[first:last, start:stop] for first, last in leaves]
            dweight[:, start:stop] = tree_combine(sums, image_leaves, _added)

    if need_dx or need_dweight:
        work = rows * weight.size * (int(need_dx) + int(need_dweight))
        _by_feature_blocks(block, features, 2 * weight.shape[0] + rows, work)
    dbias = None
    if need_dbias:
        dbias = tree_combine([g[first:last].sum(axis=0) for first, last in leaves], image_leaves, _added)
    return dx, dweight, dbias
