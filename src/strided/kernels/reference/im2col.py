"""im2col and col2im: the convolution as one matrix product (lesson 003).

For every output pixel (i, j), im2col lays the kh x kw x C patch of the (padded) input it
reads out as one row; with the kernel flattened to a (kh*kw*C, O) matrix, the convolution is
then a single GEMM. The patches are a read-only `as_strided` view of the padded input: the
view's strides step `stride` pixels per output pixel and one (or `dilation`) pixel per kernel
offset, so no pixel is copied until the GEMM reshapes it. col2im is its mirror for the
backward pass: each patch value is added back (`+=`) to the pixel it came from.

Output size per spatial axis (the lesson's formula; d = 1 gives floor((H - k_h + 2p)/s) + 1):

    H' = floor((H + p_before + p_after - d*(k_h - 1) - 1) / s) + 1
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def output_size(size, kernel, stride=1, pad_total=0, dilation=1):
    """H' = floor((H + pad_total - d*(k - 1) - 1) / s) + 1."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def pad(x, pads, value=0.0):
    """Pad the spatial axes of x (N, H, W, C) by pads = ((top, bottom), (left, right))."""
    return np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=value)


def unpad(x, pads):
    """Remove the padding that `pad` added."""
    (top, bottom), (left, right) = pads
    height, width = x.shape[1:3]
    return x[:, top:height - bottom, left:width - right, :]


def im2col(x_padded, kernel_size, strides=(1, 1), dilation=(1, 1)):
    """The patches of an already padded x (N, H, W, C): a view of shape (N, H', W', kh, kw, C).

    patches[n, i, j, a, b, c] = x_padded[n, i*s_h + a*d_h, j*s_w + b*d_w, c]. Reshaped to
    (N*H'*W', kh*kw*C) it is the im2col matrix (one row per output pixel).
    """
    n, height, width, channels = x_padded.shape
    kh, kw = kernel_size
    (sh, sw), (dh, dw) = strides, dilation
    out_h = output_size(height, kh, sh, 0, dh)
    out_w = output_size(width, kw, sw, 0, dw)
    bn, bh, bw, bc = x_padded.strides  # bytes per step along each axis
    return as_strided(
        x_padded,
        shape=(n, out_h, out_w, kh, kw, channels),
        strides=(bn, bh * sh, bw * sw, bh * dh, bw * dw, bc),
        writeable=False,
    )


def col2im(patches, padded_shape, strides=(1, 1), dilation=(1, 1)):
    """The adjoint of im2col: add patches (N, H', W', kh, kw, C) back into an (N, Hp, Wp, C) image.

    One strided `+=` per kernel offset (a, b); where patches overlap, their values add up, which
    is exactly the gradient of taking them.
    """
    n, out_h, out_w, kh, kw, channels = patches.shape
    (sh, sw), (dh, dw) = strides, dilation
    image = np.zeros(padded_shape, dtype=patches.dtype)
    for a in range(kh):
        rows = slice(a * dh, a * dh + sh * (out_h - 1) + 1, sh)
        for b in range(kw):
            columns = slice(b * dw, b * dw + sw * (out_w - 1) + 1, sw)
            image[:, rows, columns, :] += patches[:, :, :, a, b, :]
    return image
