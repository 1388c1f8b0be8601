"""Convolution + bias + ReLU + max pooling in one pass over the batch, a chunk of images at a time.

The tutorials' CNN block is `Conv2D(activation="relu")` then `MaxPooling2D(2)`. Computed layer by
layer, the conv's full-resolution output (26x26x64 floats per Fashion-MNIST image: 11 MB at
batch 64) is written to memory, read back by the ReLU, read again by the pooling, and its gradient
is written and read once more. This kernel never keeps it: for a few images at a time (a chunk
whose conv output fits in the CPU's L2 cache) it computes

    Y = [cols 1] @ [K; b]                 (the conv, bias in the GEMM, as kernels.conv)
    P = relu(max over each pool window of Y)   = max over the window of relu(Y)

and keeps only P, the winner of each window (`argmax`, as kernels.pool) and the im2col matrix.

The trick is the *order of the im2col rows*: "pool-major" within each image. Row (n, k, i, j)
is the patch under conv output (i*ph + a, j*pw + b), k = a*pw + b being the offset inside pool
window (i, j). The GEMM's output is then (n, ph*pw, PH, PW, F), and the max over each window
is ph*pw - 1 elementwise `np.maximum`s of contiguous blocks. Conv outputs that no window covers
(the last row of an odd-sized map, which floor pooling drops) are never computed: they get no
gradient either.

Backward, per chunk: the pooled gradient is masked by the ReLU (P > 0), routed to each window's
winner (dY, again pool-major, in cache), and then

    dK (and db) = [cols 1]^T @ dY           dX += dY @ K[a, b]^T  per kernel offset (a, b)

the latter added one (kernel offset, pool offset) slab at a time, as
`kernels.conv.input_gradient_by_offsets` does.

Shapes: x (N, H, W, C), kernel (kh, kw, C, F), bias (F,), P (N, PH, PW, F) with
PH = H' // ph, H' the conv output size. Pooling here is "valid" with strides == pool_size.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from strided.kernels.conv import copy_patches
from strided.kernels.im2col import crop_spatial, im2col, pad_spatial

FILL_ALL=True
CHUNK_FLOATS = 1 << 18  # conv outputs per chunk: 1 MB of float32, half this machine's L2 (measured)


def chunk_size(conv_outputs_per_image):
    """Images per chunk: as many as keep the chunk's conv output near CHUNK_FLOATS."""
    return max(1, CHUNK_FLOATS // conv_outputs_per_image)


def conv_relu_maxpool_forward(x, kernel, bias, strides, pads, dilation, pool_size, keep=True):
    """P = relu(maxpool(conv(x, kernel) + bias)); returns (P, saved) — saved is None unless `keep`.

    `saved` holds what the backward pass needs: the pool-major im2col matrix (with its column
    of ones), the argmax of every window and P itself.
    """
    kh, kw, channels, filters = kernel.shape
    ph, pw = pool_size
    patches = im2col(pad_spatial(x, pads), (kh, kw), strides, dilation)
    n, out_h, out_w = patches.shape[:3]
    pooled_h, pooled_w = out_h // ph, out_w // pw
    windows, width = ph * pw, kh * kw * channels + 1
    weights = np.concatenate([kernel.reshape(width - 1, filters), bias[None, :]])
    per_image = windows * pooled_h * pooled_w  # conv outputs (GEMM rows) per image
    step = chunk_size(per_image * filters)
    pooled = np.empty((n, pooled_h, pooled_w, filters), x.dtype)
    if keep:
        cols = np.empty((n, windows, pooled_h, pooled_w, width), x.dtype)
        argmax = np.empty((n, pooled_h * pooled_w * filters), np.uint8)
    else:
        cols = np.empty((min(step, n), windows, pooled_h, pooled_w, width), x.dtype)
    y = np.empty((min(step, n) * per_image, filters), x.dtype)
    fill_all = keep and FILL_ALL
    if fill_all:
        _pool_major_im2col(cols, patches, (ph, pw))
    for start in range(0, n, step):
        stop = min(start + step, n)
        chunk_cols = cols[start:stop] if keep else cols[: stop - start]
        if not fill_all:
            _pool_major_im2col(chunk_cols, patches[start:stop], (ph, pw))
        chunk_y = y[: (stop - start) * per_image]
        np.matmul(chunk_cols.reshape(-1, width), weights, out=chunk_y)
        blocks = chunk_y.reshape(stop - start, windows, -1)
        best = pooled[start:stop].reshape(stop - start, -1)
        _window_max(blocks, best, argmax[start:stop] if keep else None)
        np.maximum(best, 0, out=best)
    saved = (cols, argmax, pooled) if keep else None
    return pooled, saved


def conv_relu_maxpool_backward(gp, saved, x_shape, kernel, strides, pads, dilation, pool_size,
                               need_dx=True, need_dkernel=True, need_dbias=True):
    """Gradients (dx, dkernel, dbias) for the upstream gradient gp (N, PH, PW, F) of the pooled output."""
    cols, argmax, pooled = saved
    kh, kw, channels, filters = kernel.shape
    n, windows, pooled_h, pooled_w, width = cols.shape
    ph, pw = pool_size
    (sh, sw), (dh, dw) = strides, dilation
    per_image = windows * pooled_h * pooled_w
    step = chunk_size(per_image * filters)
    dweights = np.zeros((width, filters), gp.dtype) if (need_dkernel or need_dbias) else None
    partial = np.empty_like(dweights) if dweights is not None else None
    if need_dx:
        dx = np.zeros((x_shape[0], x_shape[1] + sum(pads[0]), x_shape[2] + sum(pads[1]), channels),
                      gp.dtype)
        slab = np.empty((min(step, n) * per_image, channels), gp.dtype)
    gy = np.empty((min(step, n), windows, pooled_h * pooled_w * filters), gp.dtype)
    flat_gp = gp.reshape(n, -1)
    flat_pooled = pooled.reshape(n, -1)
    for start in range(0, n, step):
        stop = min(start + step, n)
        count = stop - start
        # ReLU mask on the pooled gradient, then each window's gradient to its winner.
        masked = flat_gp[start:stop] * (flat_pooled[start:stop] > 0)
        chunk_gy = gy[:count]
        winners = argmax[start:stop]
        for k in range(windows):
            np.multiply(masked, winners == k, out=chunk_gy[:, k])
        gy2 = chunk_gy.reshape(-1, filters)
        if dweights is not None:
            chunk_cols = cols[start:stop].reshape(-1, width)
            if width >= filters:
                np.matmul(chunk_cols.T, gy2, out=partial)
            else:  # OpenBLAS is faster with the long side as rows (as in kernels.conv)
                np.matmul(gy2.T, chunk_cols, out=partial.T)
            dweights += partial
        if need_dx:
            chunk_slab = slab[: count * per_image]
            for a in range(kh):
                for b in range(kw):
                    np.matmul(gy2, kernel[a, b].T, out=chunk_slab)
                    parts = chunk_slab.reshape(count, windows, pooled_h, pooled_w, channels)
                    for k in range(windows):
                        i, j = divmod(k, pw)
                        top, left = i * sh + a * dh, j * sw + b * dw
                        rows = slice(top, top + ph * sh * (pooled_h - 1) + 1, ph * sh)
                        columns = slice(left, left + pw * sw * (pooled_w - 1) + 1, pw * sw)
                        dx[start:stop, rows, columns, :] += parts[:, k]
    dkernel = dweights[:-1].reshape(kernel.shape) if need_dkernel else None
    dbias = dweights[-1].copy() if need_dbias else None
    return (crop_spatial(dx, pads) if need_dx else None), dkernel, dbias


def _pool_major_im2col(cols, patches, pool_size):
    """Fill cols (n, ph*pw, PH, PW, kh*kw*C + 1) from the patch view (n, H', W', kh, kw, C)."""
    n, windows, pooled_h, pooled_w, width = cols.shape
    ph, pw = pool_size
    kh, kw, channels = patches.shape[3:]
    for k in range(windows):
        a, b = divmod(k, pw)
        source = patches[:, a: a + ph * pooled_h: ph, b: b + pw * pooled_w: pw]
        block = cols[:, k]  # (n, PH, PW, width); the patch goes in its first width - 1 columns
        item = block.itemsize
        target = as_strided(block, shape=source.shape,
                            strides=block.strides[:3] + (kw * channels * item, channels * item, item))
        copy_patches(target, source)
    cols[..., width - 1] = 1


def _window_max(blocks, best, argmax):
    """best = max over axis 1 of blocks (n, windows, m); argmax = first position of that max.

    Branch-free: `argmax += better * (k - argmax)` (uint8, modulo 256) instead of a masked
    assignment, whose data-dependent branches cost ten times more on real (random) data.
    """
    np.copyto(best, blocks[:, 0])
    if argmax is None:
        for k in range(1, blocks.shape[1]):
            np.maximum(best, blocks[:, k], out=best)
        return
    argmax.fill(0)
    better = np.empty(best.shape, bool)
    step = np.empty_like(argmax)
    for k in range(1, blocks.shape[1]):
        np.greater(blocks[:, k], best, out=better)  # strict: ties keep the first maximum (PyTorch)
        np.maximum(best, blocks[:, k], out=best)
        np.subtract(np.uint8(k), argmax, out=step)
        np.multiply(step, better, out=step)
        np.add(argmax, step, out=argmax)
