"""Convolution + bias + ReLU + max pooling in one pass over the batch, a chunk of images at a time.

The tutorials' CNN block is `Conv2D(activation="relu")` then `MaxPooling2D(2)`. Computed layer by
layer, the conv's full-resolution output (26x26x64 floats per Fashion-MNIST image: 11 MB at
batch 64) is written to memory, read back by the ReLU, read again by the pooling, and its gradient
is written and read once more. This kernel never keeps it: for a few images at a time (a chunk
whose conv output fits in the CPU's L2 cache) it computes

    Y = [cols 1] @ [K; b]                       (the conv, bias in the GEMM, as kernels.conv)
    P = relu(max over each pool window of Y)    (= max over the window of relu(Y))

and keeps only P, the winner of each window (`argmax`) and the input. Conv outputs
that no window covers (the last row and column of an odd-sized map, which floor pooling drops)
are never computed: they would get no gradient either.

Backward, per chunk: the pooled gradient is masked by the ReLU (P > 0) and routed to each
window's winner (dY, in cache), then

    dK (and db) = [cols 1]^T @ dY          dX += dY @ K[a, b]^T  per kernel offset (a, b)

as in `kernels.conv`.

Shapes: x (N, H, W, C), kernel (kh, kw, C, F), bias (F,), P (N, PH, PW, F) with
PH = H' // ph, H' the conv output size. Pooling here is "valid" with strides == pool_size.
"""

import numpy as np

from strided.kernels.conv import FEW_CHANNELS, add_input_gradient, fill_im2col
from strided.kernels.im2col import crop_spatial, im2col, pad_spatial
from strided.kernels.parallel import chunk_size, for_each_chunk


def conv_relu_maxpool_forward(x, kernel, bias, strides, pads, dilation, pool_size, keep=True):
    """P = relu(maxpool(conv(x, kernel) + bias)); returns (P, saved) — saved is None unless `keep`.

    `saved` holds what the backward pass needs: the patches (a view of the padded input) or,
    for few input channels, the whole im2col matrix (with its column of ones) of the covered
    conv outputs (as kernels.conv: otherwise each chunk's matrix lives in a per-thread buffer
    and is made again in backward), the argmax of every window (a*pw + b) and P itself.
    """
    kh, kw, channels, filters = kernel.shape
    ph, pw = pool_size
    patches = im2col(pad_spatial(x, pads), (kh, kw), strides, dilation)
    n, out_h, out_w = patches.shape[:3]
    pooled_h, pooled_w = out_h // ph, out_w // pw
    patches = patches[:, : pooled_h * ph, : pooled_w * pw]  # the conv outputs a window covers
    width = kh * kw * channels + 1
    weights = np.concatenate([kernel.reshape(width - 1, filters), bias[None, :]])
    per_image = pooled_h * ph * pooled_w * pw  # GEMM rows per image
    step = chunk_size(per_image * filters, training=keep)
    pooled = np.empty((n, pooled_h, pooled_w, filters), x.dtype)
    argmax = np.empty(pooled.shape, np.uint8) if keep else None
    cols = None
    if keep and channels < FEW_CHANNELS:
        cols = np.empty((n, *patches.shape[1:3], width), x.dtype)
        fill_im2col(cols, patches)  # at once: for few channels, per-chunk copies cost more

    def chunk(start, stop, scratch):
        count = stop - start
        if cols is not None:
            chunk_cols = cols[start:stop]
        else:
            chunk_cols = scratch.buffer("cols", (count, *patches.shape[1:3], width), x.dtype)
            fill_im2col(chunk_cols, patches[start:stop])
        chunk_y = scratch.buffer("y", (count * per_image, filters), x.dtype)
        np.matmul(chunk_cols.reshape(-1, width), weights, out=chunk_y)
        best = pooled[start:stop]
        _window_max(_window_views(chunk_y, best.shape, pool_size), best,
                    argmax[start:stop] if keep else None)
        np.maximum(best, 0, out=best)

    for_each_chunk(chunk, n, step)
    return pooled, ((patches, cols, argmax, pooled) if keep else None)


def conv_relu_maxpool_backward(gp, saved, x_shape, kernel, strides, pads, dilation, pool_size,
                               need_dx=True, need_dkernel=True, need_dbias=True):
    """Gradients (dx, dkernel, dbias) for the upstream gradient gp (N, PH, PW, F) of the pooled output."""
    patches, cols, argmax, pooled = saved
    kh, kw, channels, filters = kernel.shape
    n, covered_h, covered_w = patches.shape[:3]
    width = kh * kw * channels + 1
    per_image = covered_h * covered_w
    step = chunk_size(per_image * filters)
    want_weights = need_dkernel or need_dbias
    dx = None
    if need_dx:
        dx = np.zeros((x_shape[0], x_shape[1] + sum(pads[0]), x_shape[2] + sum(pads[1]), channels),
                      gp.dtype)

    def chunk(start, stop, scratch):
        count = stop - start
        # The ReLU's mask on the pooled gradient, then each window's gradient to its winner.
        masked = gp[start:stop] * (pooled[start:stop] > 0)
        chunk_gy = scratch.buffer("gy", (count, covered_h, covered_w, filters), gp.dtype)
        winners = argmax[start:stop]
        for k, view in enumerate(_window_views(chunk_gy, masked.shape, pool_size)):
            np.multiply(masked, winners == k, out=view)
        gy2 = chunk_gy.reshape(-1, filters)
        if want_weights:
            if cols is not None:
                chunk_cols = cols[start:stop]
            else:
                chunk_cols = scratch.buffer("cols", (count, covered_h, covered_w, width), gp.dtype)
                fill_im2col(chunk_cols, patches[start:stop])
            chunk_cols = chunk_cols.reshape(-1, width)
            partial = scratch.buffer("partial", (width, filters), gp.dtype)
            if width >= filters:
                np.matmul(chunk_cols.T, gy2, out=partial)
            else:  # OpenBLAS is faster with the long side as rows (as in kernels.conv)
                np.matmul(gy2.T, chunk_cols, out=partial.T)
            scratch.add("dweights", partial)
        if need_dx:
            slab = scratch.buffer("slab", (count * per_image, channels), gp.dtype)
            add_input_gradient(dx[start:stop], chunk_gy, kernel, strides, dilation, slab)

    dweights = for_each_chunk(chunk, n, step).get("dweights")
    dkernel = dweights[:-1].reshape(kernel.shape) if need_dkernel else None
    dbias = dweights[-1].copy() if need_dbias else None
    return (crop_spatial(dx, pads) if need_dx else None), dkernel, dbias


def _window_views(y, pooled_shape, pool_size):
    """The ph*pw views (n, PH, PW, F) of a conv output y with element k = a*pw + b of every window."""
    n, pooled_h, pooled_w, filters = pooled_shape
    ph, pw = pool_size
    windows = y.reshape(n, pooled_h, ph, pooled_w, pw, filters)
    return [windows[:, :, a, :, b] for a in range(ph) for b in range(pw)]


def _window_max(blocks, best, argmax):
    """best = elementwise max of the arrays in `blocks`; argmax = index of the first maximum.

    Ties keep the first maximum (strict comparisons), as PyTorch's max_pool2d. Branch-free:
    arithmetic on the comparison masks instead of masked assignments, whose data-dependent
    branches cost ten times more on real (random) data.
    """
    if argmax is not None and len(blocks) == 4:
        _window_max_2x2(blocks, best, argmax)
        return
    if argmax is None:
        if len(blocks) == 1:
            np.copyto(best, blocks[0])
        else:
            np.maximum(blocks[0], blocks[1], out=best)
        for block in blocks[2:]:
            np.maximum(best, block, out=best)
        return
    np.copyto(best, blocks[0])
    argmax.fill(0)
    better = np.empty(best.shape, bool)
    step = np.empty_like(argmax)
    for k, block in enumerate(blocks[1:], start=1):
        np.greater(block, best, out=better)
        np.maximum(best, block, out=best)
        np.subtract(np.uint8(k), argmax, out=step)  # argmax += better * (k - argmax), mod 256
        np.multiply(step, better, out=step)
        np.add(argmax, step, out=argmax)


def _window_max_2x2(blocks, best, argmax):
    """The 2x2 window as a tournament: max of (0, 1), max of (2, 3), then of the two winners.

    argmax = first + bottom * (2 + second - first), where first = (y1 > y0),
    second = (y3 > y2) and bottom = (max(y2, y3) > max(y0, y1)): ten passes instead of 17.
    """
    y0, y1, y2, y3 = blocks
    first, second = np.greater(y1, y0), np.greater(y3, y2)
    np.maximum(y0, y1, out=best)
    lower = np.maximum(y2, y3)
    bottom = np.greater(lower, best)
    np.maximum(best, lower, out=best)
    np.add(second, np.uint8(2), out=argmax)
    np.subtract(argmax, first, out=argmax)
    np.multiply(argmax, bottom, out=argmax)
    np.add(argmax, first, out=argmax)
