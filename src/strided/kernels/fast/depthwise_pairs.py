"""Column groups of s pixels: a width-strided depthwise convolution on channels-last rows
with long contiguous passes and no split of the input by column phase.

Part of the fast form of `kernels.reference.depthwise` (`depthwise.depthwise_conv2d_forward`
and `_backward` choose it by `depthwise_cost`). With a width stride s, view a padded row of
W*C floats as groups of s pixels, each one vector of s*C floats ("pairs" for s = 2). Kernel
column b reads pixel j*s + b*d = s*(j + t_b) + p_b, i.e. part p_b of group j + t_b. So one
row of pair vectors holds every tap: put tap b's channel vector into part p_b of a slot
vector K2[t_b] (zeros elsewhere), and

    z[i, j, :] = sum_{a, t} xpairs[i*s_h + a*d_h, j + t, :] * K2[a, t, :]     (s*C wide)
    y[i, j, c] = sum_p z[i, j, p*C + c]                                          (the fold)

The first line is rows of W'*s*C contiguous floats per tap slot -- one `np.einsum` for all
taps, straight on a plain copy of the input rows (no strided gather); the cost is the zeros
in the slots (kh*ceil(kw/s)*s multiply-adds per output instead of kh*kw) and the fold.
Backward is the same layout: dK sums the same windows against dY repeated s times along the
group; dX is, per row phase, a stride-1 correlation of that repeated dY with the turned slot
kernel, written straight into dX's rows (`pairs_input_gradient`).
"""

import math

import numpy as np

from strided.kernels.fast.depthwise_gradient import _phase_span
from strided.kernels.fast.depthwise_phases import (
    column_groups,
    fill_phases,
    for_each_row_block,
    row_segments,
)
from strided.kernels.fast.tuning import DEPTHWISE_BLOCK


def pair_slots(kernel_width, stride, dilation):
    """(step, count, placement): the slot offsets t = 0, step, ..., (count-1)*step of the kernel
    columns, and placement [(b, slot, part)] with b*d = slot*step*s + part."""
    offsets = [divmod(b * dilation, stride) for b in range(kernel_width)]
    step = 0
    for (t0, _), (t1, _) in zip(offsets, offsets[1:]):
        step = math.gcd(step, t1 - t0)
    step = max(step, 1)
    count = offsets[-1][0] // step + 1
    return step, count, [(b, t // step, p) for b, (t, p) in enumerate(offsets)]


def pair_kernel(taps, stride, dilation):
    """K2 (kh, count, s*C) for taps (kh, kw, C): tap b in part p_b of slot t_b, zeros elsewhere."""
    kh, kw, channels = taps.shape
    _, count, placement = pair_slots(kw, stride, dilation)
    slots = np.zeros((kh, count, stride * channels), taps.dtype)
    for b, slot, part in placement:
        slots[:, slot, part * channels : (part + 1) * channels] = taps[:, b]
    return slots


def pairs_windowed_sum(x, taps, strides, dilation, pads, y):
    """y (N, H', W', C) = the depthwise correlation of x (N, H, W, C) with taps (kh, kw, C),
    x zero-padded by `pads` (`depthwise.windowed_sum`'s contract), by column groups."""
    kh, kw, channels = taps.shape
    n, out_h, out_w, _ = y.shape
    (sh, sw), (dh, dw) = strides, dilation
    step, count, _ = pair_slots(kw, sw, dw)
    width = _group_width(x.shape[2], pads[1][0], out_w + (count - 1) * step, sw)
    vectors = np.tile(pair_kernel(taps, sw, dw), (1, 1, out_w))  # each slot's vector along a row
    block_rows = max(1, DEPTHWISE_BLOCK // (out_w * channels))

    def block(start, stop, scratch):
        for image, first, end in row_segments(start, stop, out_h):
            rows = end - first
            window = _filled_window(x, image, first * sh, pads, scratch, (rows, kh, count), (sh, dh, step),
                                    width, sw, out_w, y.dtype)
            wide = scratch.buffer("wide", (rows, out_w * sw * channels), y.dtype)
            np.einsum("rabq,abq->rq", window, vectors, out=wide)
            _fold(wide.reshape(rows, out_w, sw, channels), y[image, first:end])

    for_each_row_block(block, n, out_h, block_rows)
    return y


def pairs_products_sum(x, gy, kernel_size, strides, dilation, pads):
    """dK (kh, kw, C) = sum_{n,i,j} x_pad[n, i*s_h + a*d_h, j*s_w + b*d_w, c] * gy[n, i, j, c],
    by column groups: per block the windows of `pairs_windowed_sum` against dY repeated s
    times along the group (made in the cache), one `np.einsum` "rabq,rq->abq"; the sums stay
    W'*s*C wide until the block ends, then fold into the kernel's columns; the chunks are whole
    images, their sums added along the batch's tree."""
    kh, kw = kernel_size
    n, out_h, out_w, channels = gy.shape
    (sh, sw), (dh, dw) = strides, dilation
    step, count, placement = pair_slots(kw, sw, dw)
    width = _group_width(x.shape[2], pads[1][0], out_w + (count - 1) * step, sw)
    block_rows = max(1, DEPTHWISE_BLOCK // (out_w * channels))

    def block(start, stop, scratch):
        wide = scratch.buffer("sums", (kh, count, out_w * sw * channels), gy.dtype)  # reused: no fresh pages
        wide.fill(0)
        for image, first, end in row_segments(start, stop, out_h):
            rows = end - first
            window = _filled_window(x, image, first * sh, pads, scratch, (rows, kh, count), (sh, dh, step),
                                    width, sw, out_w, gy.dtype)
            repeated = scratch.buffer("repeated", (rows, out_w, sw, channels), gy.dtype)
            np.copyto(repeated, gy[image, first:end, :, None, :])
            part = scratch.buffer("part", wide.shape, gy.dtype)
            np.einsum("rabq,rq->abq", window, repeated.reshape(rows, -1), out=part)
            wide += part
        slots = wide.reshape(kh, count, out_w, sw * channels).sum(axis=2)
        dkernel = np.empty((kh, kw, channels), gy.dtype)
        for b, slot, part_index in placement:
            dkernel[:, b] = slots[:, slot, part_index * channels : (part_index + 1) * channels]
        scratch.add("dkernel", dkernel)

    sums = for_each_row_block(block, n, out_h, block_rows, sums=True)
    return sums.get("dkernel", np.zeros((kh, kw, channels), gy.dtype))


def pairs_input_gradient(gy, taps, x_shape, strides, pads, dilation):
    """dX (x_shape, channels-last) of a convolution with strides, by column groups.

    dX_pad[u, V*s + p] gets tap b (with p_b = p) from dY[i, V - t_b]: for the row phase ph of
    u = U*s_h + ph, a stride-1 correlation of dY repeated s times along the group with the
    turned slot kernel of the phase's kernel rows. Per block of dX rows of one phase, the dY
    rows it reads are copied, repeated and zero-padded, into the cache; one `np.einsum` writes
    the block's rows of groups, which are dX's rows shifted by the left padding (written in
    place when the groups start and end on dX's first and last column).
    """
    kh, kw, channels = taps.shape
    n, height, x_width, _ = x_shape
    (sh, sw), (dh, dw) = strides, dilation
    step, count, _ = pair_slots(kw, sw, dw)
    first_group = pads[1][0] // sw  # the group of dX_pad holding x's column 0 (or before it)
    groups = -(-(pads[1][0] + x_width) // sw) - first_group
    lead = pads[1][0] - first_group * sw  # x's column 0 within that group
    left = (count - 1) * step - first_group  # dY's column 0 in the buffer
    width = groups + (count - 1) * step
    row_groups = column_groups(kh, sh, dh)
    dx = (np.empty if len(row_groups) == sh else np.zeros)(x_shape, gy.dtype)
    slot_kernel = pair_kernel(taps, sw, dw)
    geometry = (groups, width, lead, left, step, count)
    for rows in row_groups:
        first, span, (top, _) = _phase_span(rows, height, sh, pads[0][0], gy.shape[1])
        if span > 0:
            phase_rows = dx[:, first : first + (span - 1) * sh + 1 : sh]
            _phase_gradient(gy, slot_kernel[rows.first :: rows.step][::-1, ::-1], rows, top, phase_rows, geometry)
    return dx


def _phase_gradient(gy, sub, rows, top, phase_rows, geometry):
    """phase_rows (N, U, W, C), dX's rows of one row phase: the stride-1 correlation of dY
    (row r of it read by phase row U - top + r) repeated along the groups, with `sub`, the
    turned slot kernel of the phase's kernel rows."""
    groups, width, lead, left, step, count = geometry
    n, span, x_width, channels = phase_rows.shape
    sw = sub.shape[2] // channels
    vectors = np.tile(sub, (1, 1, groups))
    in_place = lead == 0 and groups * sw == x_width

    def block(start, stop, scratch):
        for image, k0, k1 in row_segments(start, stop, span):
            count_rows = k1 - k0
            lines = count_rows + (rows.count - 1) * rows.offset_step
            buffer = scratch.buffer("repeated", (lines, width, sw, channels), gy.dtype)
            _fill_repeated(gy[image], k0 - top, left, buffer)
            item, line = buffer.itemsize, width * sw * channels
            window = np.ndarray((count_rows, rows.count, count, groups * sw * channels), gy.dtype, buffer=buffer,
                                strides=(line * item, rows.offset_step * line * item, step * sw * channels * item, item))
            target = phase_rows[image, k0:k1]
            if in_place:
                np.einsum("rabq,abq->rq", window, vectors, out=np.reshape(target, (count_rows, -1), copy=False))
            else:
                wide = scratch.buffer("wide", (count_rows, groups * sw * channels), gy.dtype)
                np.einsum("rabq,abq->rq", window, vectors, out=wide)
                target[...] = wide.reshape(count_rows, groups * sw, channels)[:, lead : lead + x_width]

    for_each_row_block(block, n, span, max(1, DEPTHWISE_BLOCK // (groups * sw * channels)))


def _fill_repeated(gy, first_row, left, buffer):
    """buffer[l, g, p, :] = gy[first_row + l, g - left, :] for every part p (zero outside gy):
    one image's dY rows, each pixel repeated s times, zero-padded."""
    lines, width = buffer.shape[:2]
    rows, columns = gy.shape[:2]
    lo, hi = min(lines, max(0, -first_row)), max(0, min(lines, rows - first_row))
    g0, g1 = min(width, max(0, left)), max(0, min(width, columns + left))
    hi, g1 = max(hi, lo), max(g1, g0)
    buffer[:lo] = 0
    buffer[hi:] = 0
    buffer[lo:hi, :g0] = 0
    buffer[lo:hi, g1:] = 0
    if hi > lo and g1 > g0:
        np.copyto(buffer[lo:hi, g0:g1], gy[first_row + lo : first_row + hi, g0 - left : g1 - left, None, :])


def _group_width(x_width, pad_left, groups_read, stride):
    """Groups per buffer row: those the windows read, and enough to hold x's columns."""
    return max(groups_read, -(-(pad_left + x_width) // stride))


def _filled_window(x, image, top, pads, scratch, shape, steps, width, stride, out_w, dtype):
    """The view (rows, kh, count, W'*s*C) of a block's padded input rows in groups of s
    pixels, [i, a, k] being slot k's window of kernel row a for output row i."""
    rows, kh, count = shape
    row_step, row_dilation, slot_step = steps
    channels = x.shape[3]
    lines = (rows - 1) * row_step + (kh - 1) * row_dilation + 1
    pixels = scratch.buffer("pairs", (lines, 1, width * stride, channels), dtype)
    fill_phases(x, image, top, pads, pixels)  # a plain copy of the rows, zeros for the padding
    item, line = pixels.itemsize, width * stride * channels
    return np.ndarray((rows, kh, count, out_w * stride * channels), dtype, buffer=pixels,
                      strides=(row_step * line * item, row_dilation * line * item,
                               slot_step * stride * channels * item, item))


def _fold(wide, out):
    """out (rows, W', C) = the sum over the group's parts of wide (rows, W', s, C)."""
    if wide.shape[2] == 1:
        out[...] = wide[:, :, 0]
        return
    np.add(wide[:, :, 0], wide[:, :, 1], out=out)
    for part in range(2, wide.shape[2]):
        out += wide[:, :, part]
