"""im2col and col2im on channels-last images: the convolution as one matrix product.

Accelerates `kernels.reference.im2col` (same view, same col2im). The tricks: the patches are
copied into buffers the caller reuses (`fill_im2col`, with a last column of ones so that one
GEMM also adds the bias), padded into a reused buffer (`pad_into`), laid out transposed when
the image has few channels (`fill_im2col_transposed`), and viewed without `as_strided`'s
overhead (`strided_view`). The padding arithmetic of the convolution ops lives here too.

im2col lays every kh x kw x C patch of the (padded) image out as one row, so that a
convolution becomes a single GEMM: (N*H'*W', kh*kw*C) @ (kh*kw*C, O). The patches are a
read-only `as_strided` *view* of the padded input (no copy until the GEMM needs one).
col2im is its mirror for the backward pass: every patch row is added (`+=`) back to the
pixels it came from, one strided add per kernel offset (kh*kw adds, never a loop over pixels).

Output size (the lessons' formula, with dilation d and padding p on each side):

    H' = floor((H + 2p - d*(k_h - 1) - 1) / s) + 1      (d = 1:  floor((H - k_h + 2p)/s) + 1)
"""

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from strided.kernels.fast.tuning import SLAB_COPY_CHANNELS


def conv_output_size(size, kernel, stride=1, pad_total=0, dilation=1):
    """H' = floor((H + pad_total - d*(k-1) - 1) / s) + 1 for one spatial axis."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def conv_output_hw(x_shape, kernel_shape, strides, pads, dilation):
    """(H', W') of a 2-D convolution of an (N, H, W, C) input with a (kh, kw, ...) kernel."""
    return tuple(conv_output_size(x_shape[1 + i], kernel_shape[i], strides[i], sum(pads[i]), dilation[i])
                 for i in range(2))


def same_padding(size, kernel, stride=1, dilation=1):
    """(before, after) padding of "same": output ceil(size/stride), the extra pixel after (as TF)."""
    effective = dilation * (kernel - 1) + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def resolve_padding(padding, sizes, kernel, strides, dilation):
    """Turn "valid" | "same" | int | (ph, pw) | ((top, bottom), (left, right)) into pairs per axis."""
    n = len(sizes)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        return tuple(same_padding(sizes[i], kernel[i], strides[i], dilation[i]) for i in range(n))
    if isinstance(padding, int):
        return ((padding, padding),) * n
    pairs = []
    for p in padding:
        pairs.append((p, p) if isinstance(p, int) else (int(p[0]), int(p[1])))
    return tuple(pairs)


def padded_shape(x_shape, pads):
    """The shape of pad_spatial(x, pads) for x of shape (N, H, W, C)."""
    n, h, w, c = x_shape
    return n, h + sum(pads[0]), w + sum(pads[1]), c


def pad_spatial(x, pads, value=0):
    """Zero-pad the spatial axes of an (N, *spatial, C) array; returns x itself when no padding."""
    if not any(before or after for before, after in pads):
        return x
    return np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=value)


def pad_into(buffer, x, pads):
    """buffer[...] = pad_spatial(x, pads) without allocating: x's pixels in the middle of the
    (N, Hp, Wp, C) `buffer` (a reused scratch array), zeros on the border. Returns buffer."""
    (top, bottom), (left, right) = pads
    height, width = x.shape[1:3]
    buffer[:, :top] = 0
    buffer[:, top + height:] = 0
    middle = buffer[:, top:top + height]
    middle[:, :, :left] = 0
    middle[:, :, left + width:] = 0
    middle[:, :, left:left + width] = x
    return buffer


def im2col(x, kernel_size, strides=(1, 1), dilation=(1, 1)):
    """Patches of an already padded (N, H, W, C) image as a read-only view.

    Returns an array of shape (N, H', W', kh, kw, C): element [n, i, j, a, b, c] is
    x[n, i*s_h + a*d_h, j*s_w + b*d_w, c]. Reshaping it to (N*H'*W', kh*kw*C) gives the
    im2col matrix (that reshape makes the one contiguous copy).
    """
    n, h, w, c = x.shape
    kh, kw = kernel_size
    (sh, sw), (dh, dw) = strides, dilation
    out_h = conv_output_size(h, kh, sh, 0, dh)
    out_w = conv_output_size(w, kw, sw, 0, dw)
    bn, bh, bw, bc = x.strides
    return strided_view(x, (n, out_h, out_w, kh, kw, c), (bn, bh * sh, bw * sw, bh * dh, bw * dw, bc))


def strided_view(x, shape, strides, writeable=False):
    """x's memory seen with another shape and strides: NumPy's `as_strided`, made cheaper.

    For a C-contiguous x the view is made directly on its buffer, a few times cheaper than
    `as_strided` (it counts for one small image at inference; docs/speed.md).
    """
    if not x.flags.c_contiguous:
        return as_strided(x, shape, strides, writeable=writeable)
    view = np.ndarray(shape, x.dtype, buffer=x, strides=strides)
    if not writeable:
        view.flags.writeable = False
    return view


def col2im(cols, padded_shape, strides=(1, 1), dilation=(1, 1), out=None):
    """Mirror of im2col: add patches (N, H', W', kh, kw, C) back into an (N, Hp, Wp, C) image
    (a new one, or `out`, of that shape, overwritten).

    Each kernel offset (a, b) is one strided `+=` of an (N, H', W', C) slab; overlapping
    patches therefore accumulate, which is exactly the gradient of im2col.
    """
    n, out_h, out_w, kh, kw, c = cols.shape
    (sh, sw), (dh, dw) = strides, dilation
    if out is None:
        image = np.zeros(padded_shape, dtype=cols.dtype)
    else:
        image = out
        image.fill(0)
    for a in range(kh):
        rows = slice(a * dh, a * dh + sh * (out_h - 1) + 1, sh)
        for b in range(kw):
            columns = slice(b * dw, b * dw + sw * (out_w - 1) + 1, sw)
            image[:, rows, columns, :] += cols[:, :, :, a, b, :]
    return image


def crop_spatial(x, pads):
    """Remove (before, after) padding from the spatial axes of (N, *spatial, C)."""
    index = [slice(None)]
    for (before, after), size in zip(pads, x.shape[1:-1]):
        index.append(slice(before, size - after))
    index.append(slice(None))
    return x[tuple(index)]


def fill_im2col(cols, patches):
    """Write the patches (N, H', W', kh, kw, C) into cols (N, H', W', kh*kw*C [+ 1]).

    Viewed as (N*H'*W', kh*kw*C) this is the im2col matrix, one copy of every patch. A last
    column beyond the patch is set to 1, so that one GEMM also adds a bias:
    [cols 1] @ [K; b] = cols @ K + b — and, in the backward pass, the same GEMM that gives dK
    gives db = sum of dY over all rows.
    """
    kh, kw, c = patches.shape[-3:]  # (any leading axes: the rows' order, `kernels.fast.conv_pool`)
    item = cols.itemsize
    target = strided_view(  # the first kh*kw*C columns of cols, seen as (N, H', W', kh, kw, C)
        cols, patches.shape, cols.strides[:-1] + (kw * c * item, c * item, item), writeable=True
    )
    copy_patches(target, patches)
    if cols.shape[-1] > kh * kw * c:
        cols[..., kh * kw * c:] = 1


def fill_im2col_transposed(cols_t, patches):
    """Write the patches (N, H', W', kh, kw, C) into cols_t (kh*kw*C [+ 1], N, H', W').

    The im2col matrix transposed: one row per kernel offset and channel, a last row of ones
    when cols_t has room for it. Each row is an (N, H', W') slab written contiguously (one copy
    of the patches view, transposed), where the row layout writes one value in every kh*kw*C:
    for an image's few channels about twice as fast, and dK = cols^T @ dY reads the rows as
    they lie (docs/speed.md). Kept matrices (`kernels.fast.conv`) use it.
    """
    kh, kw, c = patches.shape[-3:]
    rows = cols_t[: kh * kw * c].reshape(kh, kw, c, *cols_t.shape[1:])
    lead = patches.ndim - 3  # one copy of the patches with (kh, kw, C) moved to the front
    np.copyto(rows, patches.transpose(lead, lead + 1, lead + 2, *range(lead)))
    if cols_t.shape[0] > kh * kw * c:
        cols_t[kh * kw * c:] = 1


def copy_patches(target, patches):
    """target[...] = patches, both (N, H', W', kh, kw, C); target has contiguous (kh, kw, C) rows.

    Two ways, chosen by the number of channels (`tuning.SLAB_COPY_CHANNELS`): one copy of the
    whole view, whose inner runs are kw*C contiguous floats (a patch row); but for a single
    channel (MNIST) one (N, H', W', 1) slab per kernel offset, faster there. From 2 channels on
    the whole copy is the faster (docs/speed.md).
    """
    if patches.shape[-1] > SLAB_COPY_CHANNELS:
        np.copyto(target, patches)
        return
    for a in range(patches.shape[-3]):
        for b in range(patches.shape[-2]):
            target[..., a, b, :] = patches[..., a, b, :]
