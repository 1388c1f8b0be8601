"""Depthwise convolution on channels-first images, plane by plane: no transposes.

Accelerates `kernels.reference.depthwise` for x (N, C, H, W) (the PyTorch-style front end and
`data_format="channels_first"`), which would otherwise be transposed to channels-last and
back. Each (image, channel) plane is filtered on its own by its channel's kh x kw taps, so a
tap is one *scalar* per plane: out[p] += window_ab(x_pad[p]) * K[a, b, c(p)].

The trick that makes a tap one long pass over contiguous floats: a block of planes is copied,
zero-padded, once per kernel column b and per row phase ph of the height stride s_h
(`_for_each_block`):

    copy[ph, b, p, u, j] = x_pad[p, u*s_h + ph, j*s_w + b*d_w]       (u < ceil(H_pad / s_h), j < W')

Tap (a, b) then reads, for all H' output rows at once, copy[(a*d_h) % s_h, b, p] from row
(a*d_h) // s_h on: H'*W' *contiguous* floats, already the output's layout. Taps in the same
row phase at evenly spaced rows form a group (all of them for s_h = 1), one `np.einsum`
"abpl,abp->pl" for the block (a multiply-add pass per tap against the plane's scalar); the
first group writes the block's output, the others are added. The copies cost about kw/s_w
passes over the input, against kh*kw multiply-adds.

    y[n, c*M + m, i, j] = sum_{a, b} x_pad[n, c, i*s_h + a*d_h, j*s_w + b*d_w] * K[a, b, c, m]
"""

import numpy as np

from strided.kernels.fast.depthwise_gradient import gradient_padding, input_gradient_by_phases
from strided.kernels.fast.depthwise_phases import column_groups, phase_width
from strided.kernels.fast.im2col import conv_output_size
from strided.kernels.fast.tuning import DEPTHWISE_BLOCK
from strided.kernels.parallel import for_each_chunk


def depthwise_conv2d_forward_channels_first(x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """y (N, C*M, H', W') for x (N, C, H, W) and kernel (kh, kw, C, M).

    H' = floor((H + p_top + p_bottom - d*(kh - 1) - 1) / s) + 1, and the same for W'.
    """
    kh, kw, channels, multiplier = kernel.shape
    dtype = np.result_type(x, kernel)
    if multiplier > 1:  # output channel c*M + m reads input channel c
        x = np.repeat(x, multiplier, axis=1)
    n, planes_per_image, height, width = x.shape
    out_h, out_w = (conv_output_size(size, k, s, sum(pair), d)
                    for size, k, s, pair, d in zip((height, width), (kh, kw), strides, pads, dilation))
    y = np.empty((n, planes_per_image, out_h, out_w), dtype)
    taps = kernel.reshape(kh, kw, planes_per_image).astype(dtype, copy=False)
    return planes_windowed_sum(x, taps, strides, dilation, pads, y)


def depthwise_conv2d_backward_channels_first(gy, x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)),
                                            dilation=(1, 1), need_dx=True, need_dkernel=True):
    """(dx (N, C, H, W), dkernel) for gy (N, C*M, H', W'): the channels-last backward's
    method (`depthwise`), on planes, with no transposes."""
    kh, kw, channels, multiplier = kernel.shape
    dtype = np.result_type(gy, x, kernel)
    gy = np.ascontiguousarray(gy, dtype=dtype)
    taps = kernel.reshape(kh, kw, channels * multiplier).astype(dtype, copy=False)
    dx = dkernel = None
    if need_dx:
        dx_shape = (x.shape[0], channels * multiplier, *x.shape[2:])
        if strides == (1, 1):
            padding = gradient_padding(x.shape[2:], gy.shape[2:], (kh, kw), pads, dilation)
            dx = planes_windowed_sum(gy, np.ascontiguousarray(taps[::-1, ::-1]), (1, 1), dilation, padding,
                                     np.empty(dx_shape, dtype))
        else:
            dx = input_gradient_by_phases(gy, taps, dx_shape, strides, pads, dilation, planes_windowed_sum, (2, 3))
        if multiplier > 1:
            dx = dx.reshape(x.shape[0], channels, multiplier, *x.shape[2:]).sum(axis=2)
    if need_dkernel:
        repeated = np.repeat(x, multiplier, axis=1) if multiplier > 1 else x
        dkernel = plane_products_sum(repeated, gy, (kh, kw), strides, dilation, pads).reshape(kernel.shape)
    return dx, dkernel


def planes_windowed_sum(x, taps, strides, dilation, pads, y):
    """y[n, c, i, j] = sum_{a, b} x_pad[n, c, i*s_h + a*d_h, j*s_w + b*d_w] * taps[a, b, c], in
    place (y C-contiguous), x_pad being x zero-padded by `pads` (negative: cropped)."""
    kh, kw, planes_per_image = taps.shape
    n, _, out_h, out_w = y.shape
    dtype = y.dtype
    planes = np.ascontiguousarray(x, dtype=dtype).reshape(n * planes_per_image, *x.shape[2:])
    flat = y.reshape(n * planes_per_image, out_h * out_w)

    def block(start, stop, scratch, copies, row_groups):
        weights = taps[:, :, np.arange(start, stop) % planes_per_image]  # (kh, kw, planes): each plane's channel
        out = flat[start:stop]
        for index, rows in enumerate(row_groups):
            window = _group_window(copies, rows, out.shape[1])
            tap_weights = weights[rows.first :: rows.step]
            if index == 0:
                np.einsum("abpl,abp->pl", window, tap_weights, out=out)
            else:
                partial = scratch.buffer("partial", out.shape, dtype)
                np.einsum("abpl,abp->pl", window, tap_weights, out=partial)
                out += partial

    _for_each_block(planes, (kh, kw), strides, dilation, pads, (out_h, out_w), block)
    return y


def plane_products_sum(x, gy, kernel_size, strides, dilation, pads):
    """dK (kh, kw, C): sum_{n,i,j} x_pad[n, c, i*s_h + a*d_h, j*s_w + b*d_w] * gy[n, c, i, j].

    The same copies as `planes_windowed_sum`; per group of taps one `np.einsum` "abpl,pl->abp"
    (a dot product of each tap's window with dY, per plane), added to the plane's channel.
    """
    kh, kw = kernel_size
    n, planes_per_image, out_h, out_w = gy.shape
    dtype = gy.dtype
    planes = np.ascontiguousarray(x, dtype=dtype).reshape(n * planes_per_image, *x.shape[2:])
    flat = np.ascontiguousarray(gy).reshape(n * planes_per_image, out_h * out_w)

    def block(start, stop, scratch, copies, row_groups):
        channels = np.arange(start, stop) % planes_per_image
        partial = np.zeros((kh, kw, planes_per_image), dtype)
        for rows in row_groups:
            sums = np.einsum("abpl,pl->abp", _group_window(copies, rows, flat.shape[1]), flat[start:stop])
            np.add.at(partial[rows.first :: rows.step], (slice(None), slice(None), channels), sums)
        scratch.add("dkernel", partial)

    sums = _for_each_block(planes, kernel_size, strides, dilation, pads, (out_h, out_w), block, planes_per_image)
    return sums.get("dkernel", np.zeros((kh, kw, planes_per_image), dtype))


def _for_each_block(planes, kernel_size, strides, dilation, pads, out_size, work, planes_per_image=None):
    """work(start, stop, scratch, copies, row_groups) for blocks of planes, their copies made.

    With `planes_per_image` (dK: a sum over the batch) the chunks are whole images, the leaves
    of the batch's halving tree, each chunk's planes in blocks: every sum is of one chunk's
    images, and the chunks' sums are added along the tree (the same bits on any number of
    threads or processes). Without, the blocks are the chunks."""
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, strides, dilation
    grid_h = phase_width(planes.shape[1] + sum(pads[0]), sh)  # rows per row phase
    row_groups = column_groups(kh, sh, dh)  # the same grouping, along the height
    spans = _copy_spans(planes.shape[1:], pads, (sh, kw), (sw, dw), (grid_h, out_size[1]))
    padded = any(r0 > 0 or r1 < grid_h or c0 > 0 or c1 < out_size[1] for _, _, (r0, r1, _), (c0, c1, _) in spans)
    step = max(1, DEPTHWISE_BLOCK // (out_size[0] * out_size[1]))

    def block(start, stop, scratch):
        copies = scratch.buffer("copies", (sh, kw, stop - start, grid_h, out_size[1]), planes.dtype)
        if padded:
            copies.fill(0)  # the padding: one flat pass (cheaper than many short border rows)
        for ph, b, (r0, r1, x_r0), (c0, c1, x_c0) in spans:
            if r1 > r0 and c1 > c0:
                copies[ph, b, :, r0:r1, c0:c1] = planes[start:stop, x_r0 : x_r0 + (r1 - r0 - 1) * sh + 1 : sh,
                                                        x_c0 : x_c0 + (c1 - c0 - 1) * sw + 1 : sw]
        work(start, stop, scratch, copies, row_groups)

    if planes_per_image is None:
        return for_each_chunk(block, planes.shape[0], step, batch=False)

    def chunk(first, last, scratch):
        end = last * planes_per_image
        for start in range(first * planes_per_image, end, step):
            block(start, min(end, start + step), scratch)

    return for_each_chunk(chunk, planes.shape[0] // planes_per_image, max(1, step // planes_per_image))


def _copy_spans(plane_size, pads, copy_counts, column_step, grid):
    """[(ph, b, rows, columns)]: where copies[ph, b] = x_pad[:, ph::s_h, b*d_w::s_w] (the
    copies of `_for_each_block`, (grid_h, W') each) has pixels of x, as `_inside` spans."""
    (sh, kw), (sw, dw), (height, width) = copy_counts, column_step, plane_size
    spans = []
    for ph in range(sh):
        rows = _inside(ph - pads[0][0], sh, grid[0], height)
        for b in range(kw):
            spans.append((ph, b, rows, _inside(b * dw - pads[1][0], sw, grid[1], width)))
    return spans


def _inside(first, stride, count, size):
    """(u0, u1, x0): the phase positions u in [u0, u1) whose x index first + u*stride is in
    [0, size), and x0 that index for u0."""
    u0 = min(count, max(0, -(first // stride)))  # ceil(-first / stride)
    u1 = max(u0, min(count, -(-(size - first) // stride)))
    return u0, u1, first + u0 * stride


def _group_window(copies, rows, length):
    """The view (rows.count, kw, planes, H'*W') of `copies` whose [t, b, p] is the window of
    tap (rows.first + t*rows.step, b) over plane p: H'*W' floats from row
    rows.offset + t*rows.offset_step of copies[rows.phase, b, p]."""
    sh, kw, count, grid_h, out_w = copies.shape
    item = copies.itemsize
    plane = grid_h * out_w
    return np.ndarray(
        (rows.count, kw, count, length), copies.dtype, buffer=copies,
        offset=(rows.phase * kw * count * plane + rows.offset * out_w) * item,
        strides=(rows.offset_step * out_w * item, count * plane * item, plane * item, item),
    )
