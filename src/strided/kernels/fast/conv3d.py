"""3-D convolution and its transpose by one GEMM per kernel offset, never an im2col matrix.

Accelerates `kernels.reference.conv3d` (the same maths, checked against it in the tests).
The idea: im2col of a volume is kd*kh*kw times the input (with 64 channels and a 3x3x3
kernel, 1728 floats per output voxel), too large for real scans. Instead, for each kernel
offset (a, b, e), the strided window of the padded input that offset reads is multiplied by
the kernel's (C, O) slice and accumulated:

    Y += X_pad[:, a*d::s, b*d::s, e*d::s] @ K[a, b, e]         (one GEMM per offset)
    dK[a, b, e] = X_window^T @ dY          dX_window += dY @ K[a, b, e]^T

so the extra memory is one window (the size of the output, times C/O) at a time. The
transposed convolution is the same loop with the roles swapped (its forward is the dX loop).

Each runs on chunks of whole volumes on the kernel threads (`kernels.parallel.for_each_chunk`):
the chunks are the leaves of the batch's halving tree and dK and db are added along it, so the
result has the same bits on any number of threads or processes (a GEMM's rounding depends on
how many rows it is given).
"""

import numpy as np

from strided.kernels.parallel import chunk_size, for_each_chunk
from strided.kernels.reference.conv3d import output_size, pad3d, unpad3d


def _window(volume, offset, dilation, strides, outs, leading=1):
    """The view of `volume` read by kernel offset `offset`: (N, D', H', W', C) for a
    channels-last volume, (C, N, D', H', W') for a channels-first one (leading=2)."""
    index = tuple(slice(a * d, a * d + s * (out - 1) + 1, s) for a, d, s, out in zip(offset, dilation, strides, outs))
    return volume[(slice(None),) * leading + index]


def _by_volumes(work, n, floats_per_volume):
    """for_each_chunk over the batch's volumes (the leaves of its tree); returns the sums."""
    return for_each_chunk(work, n, chunk_size(max(1, floats_per_volume)))


def conv3d(x, kernel, bias=None, strides=(1, 1, 1), pads=((0, 0),) * 3, dilation=(1, 1, 1)):
    """Equal to `reference.conv3d.conv3d`."""
    *kernel_size, _, out_channels = kernel.shape
    x_padded = pad3d(x, pads)
    outs = [output_size(size, k, s, 0, d) for size, k, s, d in zip(x_padded.shape[1:4], kernel_size, strides, dilation)]
    y = np.zeros((x.shape[0], *outs, out_channels), np.result_type(x, kernel))

    def chunk(start, stop, scratch):
        part = y[start:stop].reshape(-1, out_channels)
        for offset in np.ndindex(*kernel_size):  # 2-D GEMMs: one BLAS call each, never batched small ones
            window = _window(x_padded[start:stop], offset, dilation, strides, outs)
            part += window.reshape(part.shape[0], -1) @ kernel[offset]
        if bias is not None:
            part += bias

    _by_volumes(chunk, x.shape[0], int(np.prod(outs)) * out_channels)
    return y


def conv3d_backward(gy, x, kernel, strides=(1, 1, 1), pads=((0, 0),) * 3, dilation=(1, 1, 1), need_dx=True):
    """Equal to `reference.conv3d.conv3d_backward`: (dx, dkernel, dbias); dx is None when not needed
    (a network's first layer)."""
    kernel_size, outs, channels = kernel.shape[:3], gy.shape[1:4], kernel.shape[3]
    x_padded = pad3d(x, pads)
    dx_padded = np.zeros(x_padded.shape, gy.dtype) if need_dx else None

    def chunk(start, stop, scratch):
        gy2 = gy[start:stop].reshape(-1, gy.shape[-1])
        # channels first once, so each offset's window copies to a contiguous (C, rows) matrix:
        # a (C, rows) @ (rows, O) GEMM on contiguous operands (a transposed view is much slower)
        x_channels_first = np.ascontiguousarray(np.moveaxis(x_padded[start:stop], -1, 0))
        dkernel = np.empty(kernel.shape, gy.dtype)
        for offset in np.ndindex(*kernel_size):
            window = _window(x_channels_first, offset, dilation, strides, outs, leading=2)
            dkernel[offset] = window.reshape(channels, -1) @ gy2
            if need_dx:
                window_grad = _window(dx_padded[start:stop], offset, dilation, strides, outs)
                window_grad += (gy2 @ kernel[offset].T).reshape(window_grad.shape)
        scratch.add("dkernel", dkernel, fresh=True)
        scratch.add("dbias", gy2.sum(axis=0), fresh=True)

    sums = _by_volumes(chunk, gy.shape[0], int(np.prod(outs)) * gy.shape[-1])
    dkernel = sums.get("dkernel", np.zeros(kernel.shape, gy.dtype))
    dbias = sums.get("dbias", np.zeros(gy.shape[-1], gy.dtype))
    return unpad3d(dx_padded, pads) if need_dx else None, dkernel, dbias


def _transpose_canvas(spatial, kernel_size, strides, dilation, out_sizes, before):
    return [max((size - 1) * s + d * (k - 1) + 1, b + out)
            for size, k, s, d, out, b in zip(spatial, kernel_size, strides, dilation, out_sizes, before)]


def conv3d_transpose(x, kernel, out_sizes, before, strides=(1, 1, 1), dilation=(1, 1, 1)):
    """Equal to `reference.conv3d.conv3d_transpose` (kernel (kd, kh, kw, O, C))."""
    *kernel_size, out_channels, _ = kernel.shape
    spatial = x.shape[1:4]
    canvas = _transpose_canvas(spatial, kernel_size, strides, dilation, out_sizes, before)
    full = np.zeros((x.shape[0], *canvas, out_channels), np.result_type(x, kernel))

    def chunk(start, stop, scratch):
        x2 = x[start:stop].reshape(-1, x.shape[-1])
        for offset in np.ndindex(*kernel_size):
            window = _window(full[start:stop], offset, dilation, strides, spatial)
            window += (x2 @ kernel[offset].T).reshape(window.shape)

    _by_volumes(chunk, x.shape[0], int(np.prod(canvas)) * out_channels)
    return full[(slice(None), *(slice(b, b + o) for b, o in zip(before, out_sizes)))]


def conv3d_transpose_backward(gy, x, kernel, before, strides=(1, 1, 1), dilation=(1, 1, 1)):
    """Equal to `reference.conv3d.conv3d_transpose_backward`: (dx, dkernel)."""
    *kernel_size, out_channels, channels = kernel.shape
    spatial = x.shape[1:4]
    canvas = _transpose_canvas(spatial, kernel_size, strides, dilation, gy.shape[1:4], before)
    dx = np.zeros((*x.shape[:4], channels), gy.dtype)

    def chunk(start, stop, scratch):
        g_canvas = np.zeros((stop - start, *canvas, out_channels), gy.dtype)
        g_canvas[(slice(None), *(slice(b, b + o) for b, o in zip(before, gy.shape[1:4])))] = gy[start:stop]
        rows = (stop - start) * int(np.prod(spatial))
        dx_part = dx[start:stop].reshape(rows, channels)
        x2 = x[start:stop].reshape(rows, channels)
        g_channels_first = np.ascontiguousarray(np.moveaxis(g_canvas, -1, 0))  # as in conv3d_backward
        dkernel = np.empty(kernel.shape, gy.dtype)
        for offset in np.ndindex(*kernel_size):
            window = _window(g_canvas, offset, dilation, strides, spatial).reshape(rows, out_channels)
            dx_part += window @ kernel[offset]
            dkernel[offset] = _window(g_channels_first, offset, dilation, strides, spatial, leading=2).reshape(
                out_channels, rows) @ x2
        scratch.add("dkernel", dkernel, fresh=True)

    sums = _by_volumes(chunk, x.shape[0], int(np.prod(canvas)) * out_channels)
    return dx, sums.get("dkernel", np.zeros(kernel.shape, gy.dtype))
