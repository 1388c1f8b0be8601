"""Depthwise convolution as a direct windowed kernel: one multiply-add per kernel tap.

Accelerates `kernels.reference.depthwise` (one einsum over the whole im2col view and the
multiplier axis, plus col2im). The idea: there is no sum over channels, so no GEMM; instead

    y[n, i, j, c] = sum_{a, b} x_pad[n, i*s + a*d, j*s + b*d, c] * K[a, b, c]

is kh*kw multiply-adds, each of a strided window of x_pad (a view, no copy) by one tap's
channel vector, accumulated into the output. The work is cut into blocks of output rows
(`tuning.DEPTHWISE_BLOCK` floats) shared by `kernels.parallel`'s threads, so a block's
accumulator stays in the cache across the taps. Per block, one `np.einsum`: NumPy's
sum-of-products loop does out += window * tap in one pass per tap. With a width stride of 1
a tap's window rows are W'*C contiguous floats, so the einsum runs over rows of that length
against the tap's vector repeated W' times. With a larger width stride, the einsum runs over
the patches view (loops C floats long) from `tuning.DEPTHWISE_EINSUM_CHANNELS` channels on;
with fewer, each tap is a multiply and an add over rows of W'*C floats, after a copy of the
block's input rows (in the cache) that splits their columns by position modulo the stride.

Backward, the same kernels:
* dX is the correlation of dY (zeros between its pixels for a stride s > 1, padded by
  (k-1)*d - p) with the kernel turned by 180 degrees: a stride-1 depthwise forward pass;
* dK[a, b, c] = sum_{n,i,j} window_ab(x_pad)[n, i, j, c] * dY[n, i, j, c]: one einsum per
  block of rows, the blocks' sums added in a fixed order (the same on any thread count).
A channel multiplier M > 1 (C*M outputs) is the same on x repeated M times along channels.
"""

import numpy as np

from strided.kernels.fast.im2col import conv_output_hw, im2col, pad_spatial
from strided.kernels.fast.tuning import DEPTHWISE_BLOCK, DEPTHWISE_EINSUM_CHANNELS
from strided.kernels.parallel import for_each_chunk


def depthwise_conv2d_forward(x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """y (N, H', W', C*M) for x (N, H, W, C) and kernel (kh, kw, C, M), channels-last.

    H' = floor((H + p_top + p_bottom - d*(kh - 1) - 1) / s) + 1, and the same for W'.
    """
    kh, kw, channels, multiplier = kernel.shape
    taps = kernel.reshape(kh, kw, channels * multiplier)
    x = _repeated(x, multiplier)
    out_h, out_w = conv_output_hw(x.shape, kernel.shape, strides, pads, dilation)
    y = np.empty((x.shape[0], out_h, out_w, taps.shape[-1]), np.result_type(x, kernel))
    windowed_sum(np.ascontiguousarray(pad_spatial(x, pads)), taps.astype(y.dtype, copy=False), strides, dilation, y)
    return y


def depthwise_conv2d_backward(gy, x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)),
                              dilation=(1, 1), need_dx=True, need_dkernel=True):
    """Gradients (dx, dkernel) of depthwise_conv2d_forward for gy (N, H', W', C*M)."""
    kh, kw, channels, multiplier = kernel.shape
    dtype = np.result_type(gy, x, kernel)
    gy = np.ascontiguousarray(gy, dtype=dtype)
    dx = dkernel = None
    if need_dx:
        taps = kernel.reshape(kh, kw, channels * multiplier).astype(dtype, copy=False)
        source = _spread_gradient(gy, x.shape, (kh, kw), strides, pads, dilation)
        dx = np.empty((*x.shape[:3], taps.shape[-1]), dtype)
        windowed_sum(source, np.ascontiguousarray(taps[::-1, ::-1]), (1, 1), dilation, dx)
        if multiplier > 1:
            dx = dx.reshape(*x.shape, multiplier).sum(axis=-1)
    if need_dkernel:
        xp = np.ascontiguousarray(pad_spatial(_repeated(x, multiplier).astype(dtype, copy=False), pads))
        dkernel = windowed_products_sum(xp, gy, (kh, kw), strides, dilation)
        dkernel = dkernel.reshape(kernel.shape)
    return dx, dkernel


def _repeated(x, multiplier):
    """x with each channel repeated `multiplier` times (channel c*M + m is x's channel c)."""
    return x if multiplier == 1 else np.repeat(x, multiplier, axis=-1)


def _spread_gradient(gy, x_shape, kernel_size, strides, pads, dilation):
    """dY placed so that dX = its stride-1 correlation with the turned kernel (H x W out).

    G[q] = dY_up[q + p_top - (k-1)*d] per spatial axis (zero elsewhere), with dY_up dY with
    s-1 zeros between its pixels; G has H + (k-1)*d rows (W + (k-1)*d columns).
    """
    n, out_h, out_w, channels = gy.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, strides, dilation
    shifts = ((kh - 1) * dh - pads[0][0], (kw - 1) * dw - pads[1][0])
    size = (x_shape[1] + (kh - 1) * dh, x_shape[2] + (kw - 1) * dw)
    if strides == (1, 1) and shifts[0] >= 0 and shifts[1] >= 0:
        bottom, right = size[0] - shifts[0] - out_h, size[1] - shifts[1] - out_w
        if bottom >= 0 and right >= 0:  # the common case: dY padded, one copy
            return np.ascontiguousarray(pad_spatial(gy, ((shifts[0], bottom), (shifts[1], right))))
    spread = np.zeros((n, *size, channels), gy.dtype)
    index = []
    for shift, length, step, out_size in zip(shifts, size, (sh, sw), (out_h, out_w)):
        first = max(0, -(shift // step))  # the first output pixel that lands inside: ceil(-shift / s)
        last = min(out_size, (length - 1 - shift) // step + 1)  # one past the last
        index.append((first, max(first, last), shift + first * step, step))
    (i0, i1, q0, sh_), (j0, j1, r0, sw_) = index
    if i1 > i0 and j1 > j0:
        spread[:, q0 : q0 + (i1 - i0 - 1) * sh_ + 1 : sh_, r0 : r0 + (j1 - j0 - 1) * sw_ + 1 : sw_] = gy[:, i0:i1, j0:j1]
    return spread


def _row_blocks(n, out_h, floats_per_row):
    """(n * out_h) output rows in blocks of about DEPTHWISE_BLOCK floats (at least one row)."""
    return n * out_h, max(1, DEPTHWISE_BLOCK // max(1, floats_per_row))


def _segments(start, stop, out_h):
    """Split the flat row range [start, stop) into (image, first row, stop row) pieces."""
    while start < stop:
        image, row = divmod(start, out_h)
        end = min(stop, (image + 1) * out_h)
        yield image, row, row + end - start
        start = end


def _wide_rows(xp, image, rows, kernel_size, strides, dilation, out_w):
    """For a width stride of 1 and a C-contiguous x_pad: the read-only view (r, kh, kw, W'*C)
    whose [i, a, b] is the W'*C contiguous floats x_pad[image, i*s + a*d, b*d : b*d + W', :]."""
    (kh, kw), sh, (dh, dw) = kernel_size, strides[0], dilation
    first, end = rows
    channels = xp.shape[-1]
    row, column, item = xp.strides[1:]
    return np.lib.stride_tricks.as_strided(
        xp[image, first * sh :], shape=(end - first, kh, kw, out_w * channels),
        strides=(sh * row, dh * row, dw * column, item), writeable=False,
    )


def _block_phases(xp, image, rows, strides, dilation, kh, scratch):
    """The rows of x_pad that output rows [rows) read, and the first one's index.

    For a width stride s > 1 they are split by column position modulo s, each phase copied
    into a reused per-thread buffer (in the cache, no page faults): phase p holds columns
    p, p + s, p + 2s, ... A tap's window then reads W' consecutive columns of one phase, rows
    of W'*C contiguous floats.
    """
    (sh, sw), dh = strides, dilation[0]
    first, end = rows
    top = first * sh
    lines = xp[image, top : (end - 1) * sh + (kh - 1) * dh + 1]
    if sw == 1:
        return [lines], top
    phases = []
    for phase in range(sw):
        part = lines[:, phase::sw]
        buffer = scratch.buffer(f"phase{phase}", part.shape, xp.dtype)
        np.copyto(buffer, part)
        phases.append(buffer)
    return phases, top


def _window(phases, top, rows, tap, strides, dilation, out_w):
    """x_pad's window of tap (a, b) for output rows [rows): (r, W'*C), a view of its phase.

    Column j*s + b*d of x_pad is column j + (b*d) // s of phase (b*d) % s; row i*s + a*d is
    the phases' row i*s + a*d - top.
    """
    (a, b), (sh, sw), (dh, dw) = tap, strides, dilation
    first, stop = rows
    phase = phases[(b * dw) % sw]
    start = (b * dw) // sw
    lines = phase[first * sh + a * dh - top : (stop - 1) * sh + a * dh + 1 - top : sh, start : start + out_w]
    return lines.reshape(lines.shape[0], -1)


def windowed_sum(xp, taps, strides, dilation, y):
    """y[n, i, j, c] = sum_{a, b} xp[n, i*s + a*d, j*s + b*d, c] * taps[a, b, c], in place.

    Each block is one `np.einsum`, NumPy's sum-of-products loop doing out += window * tap in
    one pass per tap. With a width stride of 1 a tap's window rows are W'*C contiguous floats,
    so the einsum runs over rows of that length against the taps repeated W' times
    (`_wide_rows`). With a larger width stride, over the block's patches view (loops C floats
    long) from `tuning.DEPTHWISE_EINSUM_CHANNELS` channels on; below that, C-long loops are too
    short: a multiply and an add per tap over rows of W'*C floats of the block's column phases.
    """
    kh, kw, channels = taps.shape
    n, out_h, out_w, _ = y.shape
    total, step = _row_blocks(n, out_h, out_w * channels)
    if strides[1] == 1:
        vectors = np.tile(taps, (1, 1, out_w))  # (kh, kw, W'*C): each tap's vector along a row

        def wide_einsum_block(start, stop, scratch):
            for image, first, end in _segments(start, stop, out_h):
                rows = _wide_rows(xp, image, (first, end), (kh, kw), strides, dilation, out_w)
                np.einsum("rabq,abq->rq", rows, vectors, out=y[image, first:end].reshape(end - first, -1))

        for_each_chunk(wide_einsum_block, total, step)
        return y
    if channels >= DEPTHWISE_EINSUM_CHANNELS:
        patches = im2col(xp, (kh, kw), strides, dilation)  # a view (N, H', W', kh, kw, C)

        def block(start, stop, scratch):
            for image, first, end in _segments(start, stop, out_h):
                np.einsum("ijabc,abc->ijc", patches[image, first:end], taps, out=y[image, first:end])

        for_each_chunk(block, total, step)
        return y
    vectors = np.tile(taps, (1, 1, out_w))  # (kh, kw, W'*C): each tap's vector along a row

    def wide_block(start, stop, scratch):
        for image, first, end in _segments(start, stop, out_h):
            phases, top = _block_phases(xp, image, (first, end), strides, dilation, kh, scratch)
            acc = y[image, first:end].reshape(end - first, -1)
            product = scratch.buffer("product", acc.shape, y.dtype)
            for a in range(kh):
                for b in range(kw):
                    window = _window(phases, top, (first, end), (a, b), strides, dilation, out_w)
                    if a == 0 and b == 0:
                        np.multiply(window, vectors[a, b], out=acc)
                    else:
                        np.multiply(window, vectors[a, b], out=product)
                        acc += product

    for_each_chunk(wide_block, total, step)
    return y


def windowed_products_sum(xp, gy, kernel_size, strides, dilation):
    """dK (kh, kw, C): sum_{n,i,j} xp[n, i*s + a*d, j*s + b*d, c] * gy[n, i, j, c].

    One `np.einsum` per block of rows over its patches view (a fused multiply-add per tap,
    no product array); the blocks' sums are added in block order.
    """
    kh, kw = kernel_size
    n, out_h, out_w, channels = gy.shape
    patches = im2col(xp, kernel_size, strides, dilation)  # a view (N, H', W', kh, kw, C)
    total, step = _row_blocks(n, out_h, out_w * channels)

    def block(start, stop, scratch):
        partial = np.zeros((kh, kw, channels), gy.dtype)
        for image, first, end in _segments(start, stop, out_h):
            partial += np.einsum("ijabc,ijc->abc", patches[image, first:end], gy[image, first:end])
        scratch.add("dkernel", partial)

    sums = for_each_chunk(block, total, step)
    return sums.get("dkernel", np.zeros((kh, kw, channels), gy.dtype))
