"""dX of a convolution, two ways: by kernel offsets, or as a correlation of dY.

With y[n, i, j, o] = sum_{a, b, c} x_pad[n, i*s + a*d, j*s + b*d, c] * K[a, b, c, o]:

* `add_input_gradient` (any stride and dilation): dcols = dY @ K^T, one kernel offset (a, b)
  at a time, each (N*H'*W', C) slab added to the pixels that offset touched (col2im).
* `input_gradient_by_correlation` (stride 1, dilation 1): the textbook identity

      dX[n, i, j, c] = sum_{a, b, o} dY_pad[n, i + a, j + b, o] * K[kh-1-a, kw-1-b, c, o]

  dY zero-padded by k-1-p: a convolution of dY with the kernel flipped and its channel axes
  swapped, so the same im2col + one GEMM as the forward pass, with kh*kw*O-long rows. It writes
  dX directly (no zeroed padded buffer, no adds, no crop).

Which is faster was measured on two threads, whole backward passes at batch 64: the
correlation only for large maps with many channels (CIFAR's 32x32x32 -> 32 layer: 10.3 ms
instead of 11.3); for 16x16 maps the two are even; for 8x8 maps and smaller, and below 32
input channels, the offsets win (the lessons' MNIST network trained 10% slower with its
5x5x64 -> 3x3x128 layer done by correlation, Fashion-MNIST's fused 13x13x64 block 10% slower).
"""

import numpy as np

from strided.kernels.im2col import fill_im2col, im2col, pad_into, padded_shape

CORRELATION_CHANNELS = 32  # dX by correlation from this many input channels on...
CORRELATION_PIXELS = 1024  # ... and output maps of this many pixels (32x32) (measured)


def correlation_applies(kernel_shape, output_size, strides, dilation, pads):
    """Whether `input_gradient_by_correlation` may and should compute this convolution's dX.

    `output_size` is (H', W'), the convolution's output map.
    """
    kh, kw, channels, _ = kernel_shape
    return (
        channels >= CORRELATION_CHANNELS and output_size[0] * output_size[1] >= CORRELATION_PIXELS
        and tuple(strides) == (1, 1) and tuple(dilation) == (1, 1)
        and all(0 <= p <= kh - 1 for p in pads[0]) and all(0 <= p <= kw - 1 for p in pads[1])
    )


def flipped_kernel(kernel):
    """(kh, kw, C, O) -> the correlation's weights (kh*kw*O, C): K[kh-1-a, kw-1-b, c, o] at row (a, b, o)."""
    kh, kw, channels, out_channels = kernel.shape
    flipped = kernel[::-1, ::-1].transpose(0, 1, 3, 2)
    return np.ascontiguousarray(flipped).reshape(kh * kw * out_channels, channels)


def input_gradient_by_correlation(dx, gy, flipped, kernel_size, pads, scratch):
    """dx[...] = dX for dY `gy` (n, H', W', O) of a stride-1 convolution with padding `pads`.

    `dx` is (n, H, W, C), C-contiguous (the unpadded input's gradient); `flipped` is
    `flipped_kernel(K)`; `scratch` a `kernels.parallel.Scratch` for the padded dY and its
    im2col matrix.
    """
    kh, kw = kernel_size
    n, out_h, out_w, out_channels = gy.shape
    (top, bottom), (left, right) = pads
    above, below, before, after = kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right
    gy_pads = ((above, below), (before, after))
    padded = pad_into(scratch.buffer("gy_padded", padded_shape(gy.shape, gy_pads), gy.dtype), gy, gy_pads)
    patches = im2col(padded, (kh, kw))
    cols = scratch.buffer("gy_cols", (*patches.shape[:3], kh * kw * out_channels), gy.dtype)
    fill_im2col(cols, patches)
    np.matmul(cols.reshape(-1, cols.shape[-1]), flipped, out=dx.reshape(-1, dx.shape[-1]))


def add_input_gradient(padded, gy, kernel, strides=(1, 1), dilation=(1, 1), slab=None):
    """dX: padded += col2im(dcols) with dcols = dY @ K^T, made one kernel offset at a time.

    dcols[:, a, b, :] = dY @ K[a, b]^T is computed per offset (a, b) as one (N*H'*W', C) GEMM
    and added at once to the pixels that offset touched. The same sums as building all of
    dcols and calling `col2im`, but each `+=` reads a contiguous slab instead of a strided one
    (measured: 1.5-3x faster, e.g. 3.5 ms instead of 10 ms for a 30x30x32 layer at batch 32;
    with fewer than 32 input channels, faster than the correlation too).

    `padded` is the (N, Hp, Wp, C) gradient of the padded input; `slab` an optional scratch
    buffer of (N*H'*W', C) floats.
    """
    kh, kw, channels, out_channels = kernel.shape
    n, out_h, out_w, _ = gy.shape
    (sh, sw), (dh, dw) = strides, dilation
    gy2 = gy.reshape(n * out_h * out_w, out_channels)
    if slab is None:
        slab = np.empty((n * out_h * out_w, channels), dtype=gy.dtype)
    for a in range(kh):
        rows = slice(a * dh, a * dh + sh * (out_h - 1) + 1, sh)
        for b in range(kw):
            columns = slice(b * dw, b * dw + sw * (out_w - 1) + 1, sw)
            np.matmul(gy2, kernel[a, b].T, out=slab)
            padded[:, rows, columns, :] += slab.reshape(n, out_h, out_w, channels)
