"""Depthwise convolution as a direct windowed kernel: one multiply-add per kernel tap.

Accelerates `kernels.reference.depthwise` (one einsum over the whole im2col view and the
multiplier axis, plus col2im). The idea: there is no sum over channels, so no GEMM; instead

    y[n, i, j, c] = sum_{a, b} x_pad[n, i*s + a*d, j*s + b*d, c] * K[a, b, c]

is kh*kw multiply-adds, each of a window of x_pad by one tap's channel vector, accumulated
into the output. The work is cut into blocks of output rows (`tuning.DEPTHWISE_BLOCK` floats)
shared by `kernels.parallel`'s threads. A block's input rows are copied once, straight from
the unpadded input, into a per-thread buffer split by column position modulo the width stride
(`depthwise_phases`): then every tap's window is rows of W'*C contiguous floats, and a group
of taps is one `np.einsum` -- NumPy's sum-of-products loop doing out += window * tap in one
pass per tap, in the cache -- against the taps repeated W' times. Channels-first inputs have
their own plane-by-plane kernel (`depthwise_planes`), with no transposes.

Backward, the same kernels:
* dX is the correlation of dY (padded by (k-1)*d - p) with the kernel turned by 180 degrees:
  a stride-1 depthwise forward pass; for a stride s > 1, one per stride phase of dX, each with
  the taps that reach it (`depthwise_gradient`), instead of dY spread with zeros;
* dK[a, b, c] = sum_{n,i,j} window_ab(x_pad)[n, i, j, c] * dY[n, i, j, c]: per block of rows,
  the same column phases and one einsum per group of taps; the blocks' sums added in a fixed
  order (the same on any thread count).
A channel multiplier M > 1 (C*M outputs) is the same on x repeated M times along channels.

With a width stride above 1, the column-phase split is a strided copy of C floats per input
pixel; each of the three passes may instead read the rows as groups of s pixels
(`depthwise_pairs`: a plain copy, more multiply-adds on zeros, a fold). `depthwise_cost`
estimates both from C, the kernel, the strides and the dilation, and the cheaper one runs.
"""

import numpy as np

from strided.kernels.fast.depthwise_cost import (
    forward_method,
    input_gradient_method,
    kernel_gradient_method,
)
from strided.kernels.fast.depthwise_gradient import gradient_padding, input_gradient_by_phases
from strided.kernels.fast.depthwise_pairs import (
    pairs_input_gradient,
    pairs_products_sum,
    pairs_windowed_sum,
)
from strided.kernels.fast.depthwise_phases import (
    column_groups,
    fill_phases,
    for_each_row_block,
    group_window,
    phase_width,
    row_segments,
)
from strided.kernels.fast.im2col import conv_output_hw
from strided.kernels.fast.tuning import DEPTHWISE_BLOCK, DEPTHWISE_GRADIENT_BLOCK
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
    method = forward_method(taps.shape[-1], (kh, kw), strides, dilation)
    sum_of_windows = pairs_windowed_sum if method == "pairs" else windowed_sum
    sum_of_windows(x, taps.astype(y.dtype, copy=False), strides, dilation, pads, y)
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
        if strides == (1, 1):
            padding = gradient_padding(x.shape[1:3], gy.shape[1:3], (kh, kw), pads, dilation)
            dx = np.empty((*x.shape[:3], taps.shape[-1]), dtype)
            windowed_sum(gy, np.ascontiguousarray(taps[::-1, ::-1]), (1, 1), dilation, padding, dx)
        elif input_gradient_method(taps.shape[-1], (kh, kw), strides, dilation) == "pairs":
            dx = pairs_input_gradient(gy, taps, (*x.shape[:3], taps.shape[-1]), strides, pads, dilation)
        else:  # one stride phase of dX at a time: no zeros spread between dY's pixels
            dx = input_gradient_by_phases(gy, taps, (*x.shape[:3], taps.shape[-1]), strides, pads, dilation, windowed_sum)
        if multiplier > 1:
            dx = dx.reshape(*x.shape, multiplier).sum(axis=-1)
    if need_dkernel:
        method = kernel_gradient_method(channels * multiplier, (kh, kw), strides, dilation)
        products_sum = pairs_products_sum if method == "pairs" else windowed_products_sum
        dkernel = products_sum(_repeated(x, multiplier).astype(dtype, copy=False), gy, (kh, kw), strides, dilation, pads)
        dkernel = dkernel.reshape(kernel.shape)
    return dx, dkernel


def depthwise_bias_gradient(gy, channel_axis=-1):
    """dBias (C,): gy summed over every axis but `channel_axis`, chunk by chunk of images
    (`kernels.parallel`: each chunk's sum kept apart, the chunks added in a fixed order, so the
    same on any thread count)."""
    axis = channel_axis % gy.ndim
    others = tuple(a for a in range(gy.ndim) if a != axis)
    per_image = max(1, gy[:1].size)

    def chunk(start, stop, scratch):
        scratch.add("bias", gy[start:stop].sum(axis=others))

    sums = for_each_chunk(chunk, gy.shape[0], max(1, DEPTHWISE_GRADIENT_BLOCK // per_image))
    return sums.get("bias", np.zeros(gy.shape[axis], gy.dtype))


def _repeated(x, multiplier):
    """x with each channel repeated `multiplier` times (channel c*M + m is x's channel c)."""
    return x if multiplier == 1 else np.repeat(x, multiplier, axis=-1)


def _rows_per_block(floats_per_row):
    """Output rows per block: about DEPTHWISE_BLOCK floats (at least one row)."""
    return max(1, DEPTHWISE_BLOCK // max(1, floats_per_row))


def windowed_sum(x, taps, strides, dilation, pads, y):
    """y[n, i, j, c] = sum_{a, b} x_pad[n, i*s + a*d, j*s + b*d, c] * taps[a, b, c], in place,
    with x_pad x zero-padded by `pads` (never made whole).

    Per block of output rows: the input rows it reads are copied, split into column phases
    (`depthwise_phases`), into a per-thread buffer; then each group of taps is one
    `np.einsum`, NumPy's sum-of-products loop doing out += window * tap in one pass per tap
    over rows of W'*C contiguous floats, against the taps repeated W' times. The first group
    writes the block's output, the others (width strides above 1) are added to it.
    """
    kh, kw, channels = taps.shape
    n, out_h, out_w, _ = y.shape
    (sh, sw), (dh, dw) = strides, dilation
    width = phase_width(x.shape[2] + pads[1][0] + pads[1][1], sw)
    vectors = np.tile(taps, (1, 1, out_w))  # (kh, kw, W'*C): each tap's vector along a row
    groups = column_groups(kw, sw, dw)
    step = _rows_per_block(out_w * channels)

    def block(start, stop, scratch):
        for image, first, end in row_segments(start, stop, out_h):
            rows = end - first
            lines = (rows - 1) * sh + (kh - 1) * dh + 1
            phases = fill_phases(x, image, first * sh, pads, scratch.buffer("phases", (lines, sw, width, channels), y.dtype))
            acc = y[image, first:end].reshape(rows, -1)
            for index, group in enumerate(groups):
                window = group_window(phases, group, rows, kh, sh, dh, out_w)
                weights = vectors[:, group.first :: group.step]
                if index == 0:
                    np.einsum("rabq,abq->rq", window, weights, out=acc)
                else:
                    partial = scratch.buffer("partial", acc.shape, y.dtype)
                    np.einsum("rabq,abq->rq", window, weights, out=partial)
                    acc += partial

    for_each_row_block(block, n, out_h, step)
    return y


def windowed_products_sum(x, gy, kernel_size, strides, dilation, pads):
    """dK (kh, kw, C): sum_{n,i,j} x_pad[n, i*s + a*d, j*s + b*d, c] * gy[n, i, j, c].

    Per block of rows (`tuning.DEPTHWISE_GRADIENT_BLOCK` floats of dY), the input rows are
    split into column phases as in `windowed_sum`, and each group of taps is one `np.einsum`
    "rabq,rq->abq" over rows of W'*C contiguous floats (a fused multiply-add per tap and row);
    the sums stay W'*C wide until the block ends, then fold to C. The chunks are whole images
    (`depthwise_phases.for_each_row_block`), their sums added along the batch's tree.
    """
    kh, kw = kernel_size
    n, out_h, out_w, channels = gy.shape
    (sh, sw), (dh, dw) = strides, dilation
    width = phase_width(x.shape[2] + pads[1][0] + pads[1][1], sw)
    groups = column_groups(kw, sw, dw)
    step = max(1, DEPTHWISE_GRADIENT_BLOCK // (out_w * channels))

    def block(start, stop, scratch):
        wide = scratch.buffer("sums", (kh, kw, out_w * channels), gy.dtype)  # reused: no fresh pages
        wide.fill(0)
        for image, first, end in row_segments(start, stop, out_h):
            rows = end - first
            lines = (rows - 1) * sh + (kh - 1) * dh + 1
            phases = fill_phases(x, image, first * sh, pads, scratch.buffer("phases", (lines, sw, width, channels), gy.dtype))
            gy_rows = gy[image, first:end].reshape(rows, -1)
            for group in groups:
                window = group_window(phases, group, rows, kh, sh, dh, out_w)
                part = scratch.buffer("part", (kh, group.count, out_w * channels), gy.dtype)
                np.einsum("rabq,rq->abq", window, gy_rows, out=part)
                wide[:, group.first :: group.step] += part
        scratch.add("dkernel", wide.reshape(kh, kw, out_w, channels).sum(axis=2))

    sums = for_each_row_block(block, n, out_h, step, sums=True)
    return sums.get("dkernel", np.zeros((kh, kw, channels), gy.dtype))
