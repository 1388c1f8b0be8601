"""dX of a strided depthwise convolution, one stride phase of the input at a time.

Part of the fast form of `kernels.reference.depthwise` (`depthwise.depthwise_conv2d_backward`).
dX is the correlation of dY with the kernel turned by 180 degrees; for a stride s > 1 the
textbook way first spreads dY with s-1 zeros between its pixels, so s_h*s_w times the work,
mostly on zeros. Instead, split dX_pad by position modulo the stride: the pixels
u = U*s_h + ph of phase (ph, pw) receive only the taps with (a*d_h) % s_h == ph (and the same
across), from dY pixel U - (a*d_h) // s_h. So each phase is a *stride-1* depthwise correlation
of dY with the sub-kernel of its taps (turned, dilation d/gcd(d, s)), done by
`depthwise.windowed_sum`, and written to dX[ph::s_h, pw::s_w]: about kh*kw multiply-adds per
*output* pixel in all, as the forward pass.

    dX_pad[U*s_h + ph, V*s_w + pw] = sum_{a, b in the phase} dY[U - (a*d_h)//s_h, V - (b*d_w)//s_w] K[a, b]
"""

import numpy as np

from strided.kernels.fast.depthwise_phases import column_groups


def input_gradient_by_phases(gy, taps, dx_shape, strides, pads, dilation, windowed_sum, spatial=(1, 2)):
    """dX (dx_shape) for gy and taps (kh, kw, C) of a convolution with strides.

    `spatial` names the height and width axes of dY and dX: (1, 2) channels-last, (2, 3)
    channels-first; `windowed_sum(gy, taps, (1, 1), dilation, pads, out)` is that layout's
    stride-1 kernel (`depthwise.windowed_sum` or `depthwise_planes.planes_windowed_sum`).
    """
    kh, kw, _ = taps.shape
    row_groups, column_groups_ = column_groups(kh, strides[0], dilation[0]), column_groups(kw, strides[1], dilation[1])
    full = len(row_groups) == strides[0] and len(column_groups_) == strides[1]  # every phase has taps
    dx = (np.empty if full else np.zeros)(dx_shape, gy.dtype)
    sizes, gy_sizes = [dx_shape[axis] for axis in spatial], [gy.shape[axis] for axis in spatial]
    for rows in row_groups:
        for columns in column_groups_:
            spans = [_phase_span(group, size, stride, pad[0], gy_size)
                     for group, size, stride, pad, gy_size in zip((rows, columns), sizes, strides, pads, gy_sizes)]
            if spans[0][1] <= 0 or spans[1][1] <= 0:
                continue
            sub = taps[rows.first :: rows.step][::-1, :][:, columns.first :: columns.step][:, ::-1]
            shape, index = list(dx_shape), [slice(None)] * len(dx_shape)
            for axis, (first, count, _), stride in zip(spatial, spans, strides):
                shape[axis], index[axis] = count, slice(first, first + (count - 1) * stride + 1, stride)
            part = np.empty(shape, gy.dtype)
            windowed_sum(gy, np.ascontiguousarray(sub), (1, 1), (rows.offset_step, columns.offset_step),
                         (spans[0][2], spans[1][2]), part)
            dx[tuple(index)] = part
    return dx


def gradient_padding(x_sizes, gy_sizes, kernel_size, pads, dilation):
    """The padding of dY (negative: a crop) whose stride-1 correlation with the turned kernel
    is dX: dY_pad[q] = dY[q + p_top - (k-1)*d] per spatial axis, H + (k-1)*d rows."""
    padding = []
    for size, gy_size, k, d, pair in zip(x_sizes, gy_sizes, kernel_size, dilation, pads):
        shift = (k - 1) * d - pair[0]
        padding.append((shift, size + (k - 1) * d - shift - gy_size))
    return tuple(padding)


def _phase_span(group, size, stride, pad_before, gy_size):
    """(first x index, count, dY pads) of a phase along one axis.

    The phase's pixels are x_pad positions U*s + phase inside x: U in [U0, U1). Output U reads
    dY[U - offset - t*offset_step] for the group's taps t; turned, a stride-1 correlation of
    dY padded by top = last offset - U0 (negative: a crop)."""
    u0 = -((group.phase - pad_before) // stride)  # ceil((pad - phase) / s)
    u1 = -((group.phase - pad_before - size) // stride)  # ceil((pad + size - phase) / s)
    count = u1 - u0
    last_offset = group.offset + (group.count - 1) * group.offset_step
    top = last_offset - u0
    bottom = count + (group.count - 1) * group.offset_step - gy_size - top
    return u0 * stride + group.phase - pad_before, count, (top, bottom)
