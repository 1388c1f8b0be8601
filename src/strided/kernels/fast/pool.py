"""Pooling kernels on channels-last arrays: max (with argmax), sum, and per-axis linear maps.

Accelerates `kernels.reference.pooling`. The trick: never build the (N, H', W', kh, kw, C)
window view and reduce over it; take one elementwise max (or sum) per window offset instead,
keep the winning offset as a small integer (not the whole window) for backward, split large
batches over the kernel threads, and handle the common 2x2 window as a branch-free tournament.
The adaptive poolings and the per-axis linear maps have no reference form: both kernel sets
use them as they are.

Shapes: x (N, H, W, C) -> y (N, H', W', C) with, per spatial axis (the lessons' formula),

    H' = floor((H + p_top + p_bottom - k_h) / s_h) + 1

Every window is visited by looping over the kh x kw *offsets* (a, b), never over pixels:
offset (a, b) of every window at once is the strided slice

    x_pad[:, a : a + s_h*(H'-1) + 1 : s_h,  b : b + s_w*(W'-1) + 1 : s_w, :]     (a view, no copy)

When pool == stride and the input divides evenly (the common 2x2/2 case) these slices are
exactly the views x.reshape(N, H/2, 2, W/2, 2, C)[:, :, a, :, b, :]: no padding, no im2col.
An elementwise `np.maximum` / `np.add` per offset is several times faster in NumPy than a
`.max(axis=(2, 4))` reduction over the strided window axes.

Max pooling keeps the *argmax* (which offset a*kw + b won each window, a uint8 for pools up to
16x16); backward sends each upstream gradient to that one element. Ties go to the first
maximum in row-major window order, as PyTorch's max_pool2d.
"""

import math

import numpy as np

from strided.kernels.fast import tuning
from strided.kernels.fast.im2col import conv_output_size, crop_spatial, pad_spatial, padded_shape
from strided.kernels.parallel import chunk_size, for_each_chunk


def pool_output_shape(x_shape, pool_size, strides, pads):
    """(N, H', W', C) for an (N, H, W, C) input."""
    n, h, w, c = x_shape
    out_h = conv_output_size(h, pool_size[0], strides[0], sum(pads[0]))
    out_w = conv_output_size(w, pool_size[1], strides[1], sum(pads[1]))
    return n, out_h, out_w, c


def offset_slices(pool_size, strides, out_hw):
    """Yield (k, rows, columns): the slices picking offset k = a*kw + b of every window."""
    (kh, kw), (sh, sw), (out_h, out_w) = pool_size, strides, out_hw
    for a in range(kh):
        rows = slice(a, a + sh * (out_h - 1) + 1, sh)
        for b in range(kw):
            yield a * kw + b, rows, slice(b, b + sw * (out_w - 1) + 1, sw)


def _is_tiling(x_shape, pool_size, strides, pads):
    """True when the windows cover every pixel exactly once (pool == stride, even division)."""
    return all(
        k == s and size % k == 0 and not any(p)
        for size, k, s, p in zip(x_shape[1:3], pool_size, strides, pads)
    )


def _gradient_image(shape, dtype, tiling):
    # Tiled windows overwrite every pixel, so the gradient image needs no zero fill.
    return np.empty(shape, dtype) if tiling else np.zeros(shape, dtype)


def max_pool2d_forward(x, pool_size, strides, pads, return_argmax=True):
    """Max over each window; returns (y, argmax) (argmax None when not asked for).

    Padding uses -inf, so a padded cell never wins. `argmax[n, i, j, c]` is the winning offset
    a*kw + b inside window (i, j). Large batches are split over `kernels.parallel`'s threads.
    """
    out_shape = pool_output_shape(x.shape, pool_size, strides, pads)
    best = np.empty(out_shape, x.dtype)
    argmax = None
    if return_argmax:
        argmax = np.empty(out_shape, np.min_scalar_type(pool_size[0] * pool_size[1] - 1))

    def chunk(start, stop, scratch):
        xp = pad_spatial(x[start:stop], pads, value=-np.inf)
        blocks = [xp[:, rows, columns, :]
                  for _, rows, columns in offset_slices(pool_size, strides, out_shape[1:3])]
        window_max(blocks, best[start:stop], None if argmax is None else argmax[start:stop])

    _by_images(chunk, x.shape)
    return best, argmax


def max_pool2d_backward(gy, argmax, x_shape, pool_size, strides, pads):
    """Route each upstream gradient gy[n, i, j, c] to the element that won its window."""
    tiling = _is_tiling(x_shape, pool_size, strides, pads)
    gx = _gradient_image(padded_shape(x_shape, pads), gy.dtype, tiling)
    overlapping = any(s < k for k, s in zip(pool_size, strides))

    slices = list(offset_slices(pool_size, strides, gy.shape[1:3]))

    def chunk(start, stop, scratch):
        route_to_winners(gx[start:stop], gy[start:stop], argmax[start:stop], slices, overlapping)

    _by_images(chunk, x_shape)
    return crop_spatial(gx, pads)


def route_to_winners(image, g, winner, slices, overlapping):
    """image[window's winner] (+)= g for every window: the gradient of a max pooling.

    `slices` are `offset_slices`' (k, rows, columns); `winner` the winning offset k of each
    window. Without overlapping windows each pixel belongs to at most one window, so the
    windows' offsets are assigned (no read-modify-write; pixels in no window keep their value);
    else added.
    """
    for k, rows, columns in slices:
        if overlapping:
            image[:, rows, columns, :] += g * (winner == k)
        else:
            np.multiply(g, winner == k, out=image[:, rows, columns, :])


def _by_images(chunk, x_shape):
    """Run chunk(start, stop, scratch) over the batch, split over the threads when it is large."""
    per_image = math.prod(x_shape[1:])
    for_each_chunk(chunk, x_shape[0], chunk_size(per_image), max(1, tuning.POOL_THREADED_FLOATS // per_image), batch=False)


def sum_pool2d_forward(x, pool_size, strides, pads):
    """Sum over each window, zero padding. Average pooling divides this by the window counts."""
    xp = pad_spatial(x, pads)
    out_hw = pool_output_shape(x.shape, pool_size, strides, pads)[1:3]
    offsets = offset_slices(pool_size, strides, out_hw)
    _, rows, columns = next(offsets)
    total = xp[:, rows, columns, :].copy()
    for _, rows, columns in offsets:
        np.add(total, xp[:, rows, columns, :], out=total)
    return total


def sum_pool2d_backward(gy, x_shape, pool_size, strides, pads):
    """Every element of a window receives that window's upstream gradient (summed if shared)."""
    n, h, w, c = x_shape
    (kh, kw), (out_h, out_w) = pool_size, gy.shape[1:3]
    if _is_tiling(x_shape, pool_size, strides, pads):  # a broadcast and one reshape
        tiles = np.broadcast_to(gy[:, :, None, :, None, :], (n, out_h, kh, out_w, kw, c))
        return tiles.reshape(x_shape)
    gx = np.zeros(padded_shape(x_shape, pads), gy.dtype)
    for _, rows, columns in offset_slices(pool_size, strides, gy.shape[1:3]):
        gx[:, rows, columns, :] += gy
    return crop_spatial(gx, pads)


def window_counts(spatial, pool_size, strides, pads, dtype):
    """(H', W') number of real (non-padded) elements in each window.

    Per axis, window i covers padded positions [i*s, i*s + k), i.e. real positions
    [i*s - p_before, i*s - p_before + k) clipped to [0, size); the 2-D count is the product.
    """
    counts = []
    for size, k, s, (before, after) in zip(spatial, pool_size, strides, pads):
        starts = np.arange(conv_output_size(size, k, s, before + after)) * s - before
        counts.append(np.minimum(starts + k, size) - np.maximum(starts, 0))
    return np.multiply.outer(counts[0], counts[1]).astype(dtype)


def adaptive_bins(size, out):
    """PyTorch's adaptive-pooling bins: start = floor(i*size/out), end = ceil((i+1)*size/out)."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def adaptive_average_matrix(size, out, dtype):
    """(out, size) matrix whose row i averages bin i: 1/len on the bin, 0 elsewhere."""
    starts, ends = adaptive_bins(size, out)
    position = np.arange(size)
    inside = (position >= starts[:, None]) & (position < ends[:, None])
    return (inside / (ends - starts)[:, None]).astype(dtype)


def separable_linear_map(x, matrix_h, matrix_w):
    """y[n, i, j, c] = sum_{h, w} matrix_h[i, h] * x[n, h, w, c] * matrix_w[j, w].

    Two matrix products (one per spatial axis), so adaptive average pooling and bilinear or
    nearest resizing share one kernel; the gradient is the same map with the transposes.
    A matrix of None leaves that axis unchanged.
    """
    n, h, w, c = x.shape
    if matrix_h is not None:
        x = np.matmul(matrix_h, x.reshape(n, h, w * c)).reshape(n, -1, w, c)
        h = x.shape[1]
    if matrix_w is not None:
        x = np.matmul(matrix_w, x.reshape(n * h, w, c)).reshape(n, h, -1, c)
    return x


def adaptive_max_pool2d_forward(x, output_size):
    """Max over PyTorch's adaptive bins; returns (y, winner) with winner the flat index h*W + w.

    Bins have different lengths, so each is gathered with its index list padded by repeating
    its last element (a repeat never changes a max, and never wins a tie): offset (a, b) of
    every bin is x[:, rows[:, a]][:, :, columns[:, b]], one gather per offset.
    """
    width = x.shape[2]
    rows, columns = (_bin_indices(size, out) for size, out in zip(x.shape[1:3], output_size))
    best = winner = None
    for a in range(rows.shape[1]):
        for b in range(columns.shape[1]):
            value = x[:, rows[:, a]][:, :, columns[:, b]]
            flat = (rows[:, a, None] * width + columns[None, :, b])[None, :, :, None]
            if best is None:
                best, winner = value.copy(), np.broadcast_to(flat, value.shape).copy()
                continue
            better = value > best  # strict: ties keep the first maximum
            np.copyto(winner, flat, where=better)
            np.maximum(best, value, out=best)
    return best, winner


def adaptive_max_pool2d_backward(gy, winner, x_shape):
    """Scatter-add each upstream gradient to its bin's winner (bins may share a pixel)."""
    n, h, w, c = x_shape
    gx = np.zeros((n, h * w, c), gy.dtype)
    batch = np.arange(n)[:, None, None, None]
    channel = np.arange(c)[None, None, None, :]
    np.add.at(gx, (batch, winner, channel), gy)
    return gx.reshape(x_shape)


def _bin_indices(size, out):
    """(out, longest) input positions of each bin, the short bins padded with their last one."""
    starts, ends = adaptive_bins(size, out)
    longest = int((ends - starts).max())
    return np.minimum(starts[:, None] + np.arange(longest), ends[:, None] - 1)


def window_max(blocks, best, argmax):
    """best = elementwise max of the arrays in `blocks`; argmax = index of the first maximum.

    `blocks` are the windows' offsets k = a*kw + b (views of the same shape as best); argmax
    is None when no backward pass will need it.

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
        np.subtract(argmax.dtype.type(k), argmax, out=step)  # argmax += better * (k - argmax), unsigned wrap-around
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
