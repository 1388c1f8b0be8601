"""dX of a convolution, two ways: by kernel offsets, or as a correlation of dY.

Accelerates the dX of `kernels.reference.conv.conv2d_backward` (dcols = dY @ K^T, then col2im).
The ideas: add each kernel offset's slab of dcols as soon as it is made (no whole dcols), or,
for stride 1, compute dX as a convolution of the padded dY with the flipped kernel (one GEMM).

With y[n, i, j, o] = sum_{a, b, c} x_pad[n, i*s + a*d, j*s + b*d, c] * K[a, b, c, o]:

* `add_input_gradient` (any stride and dilation): dcols = dY @ K^T, one kernel offset (a, b)
  at a time, each (N*H'*W', C) slab added to the pixels that offset touched (col2im).
* `input_gradient_by_correlation` (stride 1, dilation 1): the textbook identity

      dX[n, i, j, c] = sum_{a, b, o} dY_pad[n, i + a, j + b, o] * K[kh-1-a, kw-1-b, c, o]

  dY zero-padded by k-1-p: a convolution of dY with the kernel flipped and its channel axes
  swapped, so the same im2col + one GEMM as the forward pass, with kh*kw*O-long rows. It writes
  dX directly (no zeroed padded buffer, no adds, no crop). Its im2col matrix of dY, one row per
  *input* pixel, also gives dK without the input's im2col matrix (`kernel_gradient_by_correlation`):

      dK[kh-1-a, kw-1-b, c, o] = sum_{n, i, j} dY_pad[n, i + a, j + b, o] * x[n, i, j, c]

Which is faster: the correlation's GEMM has one row per *input* pixel, the offsets' GEMMs one
per *output* pixel. So the correlation wins when the two counts are about equal ('same'
padding) on maps that are not tiny, especially when dK comes from the same matrix of dY; it
loses for 'valid' padding, where dY is padded by k-1 on each side, and for few input channels
(a GEMM a few columns wide). `correlation_applies` draws that line with the constants of
`tuning` (CORRELATION_*); the measurements are in docs/speed.md.
"""

import numpy as np

from strided.kernels.fast.im2col import crop_spatial, fill_im2col, im2col, pad_into, padded_shape
from strided.kernels.fast.tuning import CORRELATION_AREA, CORRELATION_CHANNELS, CORRELATION_PIXELS


def correlation_applies(kernel_shape, output_size, strides, dilation, pads):
    """Whether `input_gradient_by_correlation` may and should compute this convolution's dX.

    `output_size` is (H', W'), the convolution's output map.
    """
    kh, kw, channels, _ = kernel_shape
    if not (tuple(strides) == (1, 1) and tuple(dilation) == (1, 1) and channels >= CORRELATION_CHANNELS
            and all(0 <= p <= kh - 1 for p in pads[0]) and all(0 <= p <= kw - 1 for p in pads[1])):
        return False
    out_h, out_w = output_size
    in_h, in_w = out_h + kh - 1 - sum(pads[0]), out_w + kw - 1 - sum(pads[1])
    return out_h * out_w >= CORRELATION_PIXELS and in_h * in_w <= CORRELATION_AREA * out_h * out_w


class InputGradient:
    """dX of a convolution, one chunk of images at a time, by whichever way is faster.

    Chosen once per backward pass (`correlation_applies`; `correlation=False` rules it out);
    `chunk` writes a chunk's rows of the unpadded, contiguous dX, using the calling thread's
    scratch buffers.
    """

    def __init__(self, kernel, output_size, strides, dilation, pads, correlation=True):
        self.kernel, self.strides, self.dilation, self.pads = kernel, strides, dilation, pads
        self.by_correlation = correlation and correlation_applies(kernel.shape, output_size, strides,
                                                                  dilation, pads)
        self.flipped = flipped_kernel(kernel) if self.by_correlation else None
        self.has_pads = any(p for pair in pads for p in pair)

    def floats_per_output(self):
        """Floats of a chunk's working set per conv output pixel that dX adds: its share of dX,
        and with the correlation dY's im2col row (for `kernels.parallel.images_per_chunk`)."""
        kh, kw, channels, out_channels = self.kernel.shape
        return channels + (kh * kw * out_channels if self.by_correlation else 0)

    def chunk(self, dx, gy, scratch):
        """dx[...] = dX of these images, for their dY `gy` (n, H', W', O).

        Returns dY's im2col matrix when the correlation made one (for
        `add_kernel_gradient`), else None.
        """
        if self.by_correlation:
            return input_gradient_by_correlation(dx, gy, self.flipped, self.kernel.shape[:2], self.pads,
                                                 scratch)
        target = dx  # added into, zeroed (and padded) in cache, then cropped
        if self.has_pads:
            target = scratch.buffer("dx", padded_shape(dx.shape, self.pads), dx.dtype)
        target.fill(0)
        slab = scratch.buffer("slab", (gy.size // gy.shape[-1], dx.shape[-1]), dx.dtype)
        add_input_gradient(target, gy, self.kernel, self.strides, self.dilation, slab)
        if self.has_pads:
            dx[...] = crop_spatial(target, self.pads)
        return None

    def add_kernel_gradient(self, scratch, gy_cols, x):
        """Add these images' share of dK, from the dY matrix `chunk` returned and their input
        x (n, H, W, C), to the calling thread's sums (in the flipped kernel's layout)."""
        scratch.add("dflipped", kernel_gradient_by_correlation(gy_cols, x))

    def kernel_gradient(self, sums):
        """dK (kh, kw, C, O) from the sums of `add_kernel_gradient` over all chunks."""
        return unflip_kernel_gradient(sums["dflipped"], self.kernel.shape)


def flipped_kernel(kernel):
    """(kh, kw, C, O) -> the correlation's weights (kh*kw*O, C): K[kh-1-a, kw-1-b, c, o] at row (a, b, o)."""
    kh, kw, channels, out_channels = kernel.shape
    flipped = kernel[::-1, ::-1].transpose(0, 1, 3, 2)
    return np.ascontiguousarray(flipped).reshape(kh * kw * out_channels, channels)


def input_gradient_by_correlation(dx, gy, flipped, kernel_size, pads, scratch):
    """dx[...] = dX for dY `gy` (n, H', W', O) of a stride-1 convolution with padding `pads`.

    `dx` is (n, H, W, C), C-contiguous (the unpadded input's gradient); `flipped` is
    `flipped_kernel(K)`; `scratch` a `kernels.parallel.Scratch` for the padded dY and its
    im2col matrix, which is returned: (n*H*W, kh*kw*O), one row per input pixel.
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
    cols = cols.reshape(-1, cols.shape[-1])
    np.matmul(cols, flipped, out=dx.reshape(-1, dx.shape[-1]))
    return cols


def kernel_gradient_by_correlation(gy_cols, x):
    """The flipped kernel's gradient, (kh*kw*O, C), from the correlation's im2col matrix of dY.

    `gy_cols` is what `input_gradient_by_correlation` returned for these images, `x` their
    input (n, H, W, C). Its rows (a, b, o) are dK[kh-1-a, kw-1-b, :, o]: the same sums as
    cols^T @ dY, with no im2col matrix of x made again (`unflip_kernel_gradient` turns it
    into dK), which is faster than making it (docs/speed.md).
    """
    return gy_cols.T @ x.reshape(-1, x.shape[-1])


def unflip_kernel_gradient(flipped_gradient, kernel_shape):
    """(kh*kw*O, C) in `flipped_kernel`'s layout -> dK (kh, kw, C, O)."""
    kh, kw, channels, out_channels = kernel_shape
    unflipped = flipped_gradient.reshape(kh, kw, out_channels, channels)[::-1, ::-1].transpose(0, 1, 3, 2)
    return np.ascontiguousarray(unflipped)


def add_input_gradient(padded, gy, kernel, strides=(1, 1), dilation=(1, 1), slab=None):
    """dX: padded += col2im(dcols) with dcols = dY @ K^T, made one kernel offset at a time.

    dcols[:, a, b, :] = dY @ K[a, b]^T is computed per offset (a, b) as one (N*H'*W', C) GEMM
    and added at once to the pixels that offset touched. The same sums as building all of
    dcols and calling `col2im`, but each `+=` reads a contiguous slab instead of a strided one
    (faster, docs/speed.md; for 'valid' padding or few input channels, faster than the
    correlation too).

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
