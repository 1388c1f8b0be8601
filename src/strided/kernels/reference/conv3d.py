"""3-D convolution and its transpose by im2col over three spatial axes and one GEMM, forward
and backward side by side (the 2-D lesson of `reference/conv.py`, one axis deeper).

Shapes: x (N, D, H, W, C), kernel (kd, kh, kw, C, O), bias (O,), y (N, D', H', W', O):

    y[n, i, j, l, o] = sum_{a, b, e, c} x_pad[n, i*s_d + a*d_d, j*s_h + b*d_h, l*s_w + e*d_w, c]
                                        * K[a, b, e, c, o] + B[o]

    D' = floor((D + p_before + p_after - d*(k_d - 1) - 1) / s) + 1   (same for H', W')

As matrices, with cols = im2col3d(x_pad) of shape (N*D'*H'*W', kd*kh*kw*C):

    Y = cols @ K2 + B      dK2 = cols^T @ dY      dB = sum of dY's rows
    dcols = dY @ K2^T      dX = col2im3d(dcols) with the padding removed

The transposed convolution (Keras' Conv3DTranspose, kernel (kd, kh, kw, O, C)) *is* that
backward pass used forward: each input voxel stamps kernel * value onto a canvas s times
larger (col2im3d of x @ K2^T), and its backward is the ordinary convolution of the gradient.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def output_size(size, kernel, stride=1, pad_total=0, dilation=1):
    """D' = floor((D + pad_total - d*(k - 1) - 1) / s) + 1."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def pad3d(x, pads, value=0.0):
    """Pad the three spatial axes of x (N, D, H, W, C) by pads = ((before, after),) * 3."""
    return np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=value)


def unpad3d(x, pads):
    """Remove the padding that `pad3d` added."""
    index = tuple(slice(before, size - after) for (before, after), size in zip(pads, x.shape[1:4]))
    return x[(slice(None), *index)]


def im2col3d(x_padded, kernel_size, strides=(1, 1, 1), dilation=(1, 1, 1)):
    """The patches of an already padded x (N, D, H, W, C): a read-only view (N, D', H', W', kd, kh, kw, C).

    patches[n, i, j, l, a, b, e, c] = x_padded[n, i*s_d + a*d_d, j*s_h + b*d_h, l*s_w + e*d_w, c].
    """
    n, channels = x_padded.shape[0], x_padded.shape[4]
    outs = [output_size(size, k, s, 0, d) for size, k, s, d in zip(x_padded.shape[1:4], kernel_size, strides, dilation)]
    step_n, step_d, step_h, step_w, step_c = x_padded.strides
    steps = (step_d, step_h, step_w)
    return as_strided(
        x_padded,
        shape=(n, *outs, *kernel_size, channels),
        strides=(step_n, *(b * s for b, s in zip(steps, strides)), *(b * d for b, d in zip(steps, dilation)), step_c),
        writeable=False,
    )


def col2im3d(patches, padded_shape, strides=(1, 1, 1), dilation=(1, 1, 1)):
    """The adjoint of im2col3d: add patches (N, D', H', W', kd, kh, kw, C) back into a volume of
    `padded_shape`, one strided `+=` per kernel offset (never a loop over output voxels)."""
    outs, kernel_size = patches.shape[1:4], patches.shape[4:7]
    volume = np.zeros(padded_shape, dtype=patches.dtype)
    for offset in np.ndindex(*kernel_size):
        index = tuple(
            slice(a * d, a * d + s * (out - 1) + 1, s) for a, d, s, out in zip(offset, dilation, strides, outs)
        )
        volume[(slice(None), *index)] += patches[(slice(None), slice(None), slice(None), slice(None), *offset)]
    return volume


def conv3d(x, kernel, bias=None, strides=(1, 1, 1), pads=((0, 0),) * 3, dilation=(1, 1, 1)):
    """y = conv3d(x, kernel) + bias; see the module docstring for the shapes and the formula."""
    *kernel_size, channels, out_channels = kernel.shape
    patches = im2col3d(pad3d(x, pads), kernel_size, strides, dilation)
    rows = int(np.prod(patches.shape[:4]))
    y = patches.reshape(rows, -1) @ kernel.reshape(-1, out_channels)
    if bias is not None:
        y = y + bias
    return y.reshape(*patches.shape[:4], out_channels)


def conv3d_backward(gy, x, kernel, strides=(1, 1, 1), pads=((0, 0),) * 3, dilation=(1, 1, 1), need_dx=True):
    """(dx, dkernel, dbias) of conv3d for the upstream gradient gy (N, D', H', W', O); dx is None
    when `need_dx` is False."""
    *kernel_size, channels, out_channels = kernel.shape
    x_padded = pad3d(x, pads)
    patches = im2col3d(x_padded, kernel_size, strides, dilation)
    gy2 = gy.reshape(-1, out_channels)
    kernel2 = kernel.reshape(-1, out_channels)
    dkernel = (patches.reshape(gy2.shape[0], -1).T @ gy2).reshape(kernel.shape)
    if not need_dx:
        return None, dkernel, gy2.sum(axis=0)
    dcols = (gy2 @ kernel2.T).reshape(patches.shape)
    dx = unpad3d(col2im3d(dcols, x_padded.shape, strides, dilation), pads)
    return dx, dkernel, gy2.sum(axis=0)


def conv3d_transpose(x, kernel, out_sizes, before, strides=(1, 1, 1), dilation=(1, 1, 1)):
    """Transposed 3-D convolution of x (N, D, H, W, C) with kernel (kd, kh, kw, O, C).

    Every voxel stamps its kernel onto a canvas of size (D - 1)*s + d*(k - 1) + 1 per axis;
    the output is the canvas window [before, before + out) of each axis (`out_sizes`,
    `before`: the layer's padding and output_padding, resolved by the op).
    """
    *kernel_size, out_channels, channels = kernel.shape
    n, spatial = x.shape[0], x.shape[1:4]
    dcols = x.reshape(-1, channels) @ kernel.reshape(-1, channels).T  # (N*D*H*W, kd*kh*kw*O)
    canvas = _canvas_shape(n, spatial, kernel_size, strides, dilation, out_sizes, before, out_channels)
    full = col2im3d(dcols.reshape(n, *spatial, *kernel_size, out_channels), canvas, strides, dilation)
    return full[(slice(None), *(slice(b, b + o) for b, o in zip(before, out_sizes)))]


def conv3d_transpose_backward(gy, x, kernel, before, strides=(1, 1, 1), dilation=(1, 1, 1)):
    """(dx, dkernel) of conv3d_transpose: the gradient, placed back on the canvas, convolved."""
    *kernel_size, out_channels, channels = kernel.shape
    n, spatial = x.shape[0], x.shape[1:4]
    canvas = _canvas_shape(n, spatial, kernel_size, strides, dilation, gy.shape[1:4], before, out_channels)
    g_canvas = np.zeros(canvas, gy.dtype)
    g_canvas[(slice(None), *(slice(b, b + o) for b, o in zip(before, gy.shape[1:4])))] = gy
    patches = im2col3d(g_canvas, kernel_size, strides, dilation)[:, :spatial[0], :spatial[1], :spatial[2]]
    cols = patches.reshape(n * int(np.prod(spatial)), -1)  # (rows, kd*kh*kw*O)
    x2 = x.reshape(-1, channels)
    dx = (cols @ kernel.reshape(-1, channels)).reshape(x.shape)
    dkernel = (cols.T @ x2).reshape(kernel.shape)
    return dx, dkernel


def _canvas_shape(n, spatial, kernel_size, strides, dilation, out_sizes, before, channels):
    """The stamping canvas: big enough for every stamp and for the output window."""
    sizes = []
    for size, k, s, d, out, b in zip(spatial, kernel_size, strides, dilation, out_sizes, before):
        sizes.append(max((size - 1) * s + d * (k - 1) + 1, b + out))
    return (n, *sizes, channels)
