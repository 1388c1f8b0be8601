"""Convolution + bias + ReLU + max pooling in one pass over the batch, a chunk of images at a time.

Accelerates the composition `reference.pooling.max_pool2d(reference.activations.relu(
reference.conv.conv2d(x, K, b)))` and its backward (`kernels.reference_set` composes exactly
that). The trick: the convolution's full-size output never goes to memory.

The tutorials' CNN block is `Conv2D(activation="relu")` then `MaxPooling2D(2)`. Computed layer by
layer, the conv's full-resolution output (26x26x64 floats per Fashion-MNIST image: 11 MB at
batch 64) is written to memory, read back by the ReLU, read again by the pooling, and its gradient
is written and read once more. This kernel never keeps it: for a few images at a time (a chunk
of about 8 MB of work, `kernels.parallel.WORKING_SET_FLOATS`) it computes

    Y = [cols 1] @ [K; b]                       (the conv, bias in the GEMM, as kernels.fast.conv)
    P = relu(max over each pool window of Y)    (= max over the window of relu(Y))

and keeps only P, the winner of each window (`argmax`) and the input. (For inference the
bias is added after the max instead, to 4x fewer values, and is not in the GEMM: rounding is
monotonic, so max(y) + b and max(y + b) are the same float.) Conv outputs
that no window covers (the last row and column of an odd-sized map, which floor pooling drops)
are never computed: they would get no gradient either.

Backward, per chunk: the pooled gradient is masked by the ReLU (P > 0) and routed to each
window's winner (dY, in cache), then

    dK (and db) = [cols 1]^T @ dY          dX += dY @ K[a, b]^T  per kernel offset (a, b)

as in `kernels.fast.conv` -- or, when the windows cover the whole conv output and the correlation
applies (`kernels.fast.input_gradient`), dX and dK both from one im2col matrix of dY.

Shapes: x (N, H, W, C), kernel (kh, kw, C, F), bias (F,), P (N, PH, PW, F) with
PH = H' // ph, H' the conv output size. Pooling here is "valid" with strides == pool_size.
"""

import numpy as np

from strided.kernels.fast import elementwise
from strided.kernels.fast.conv import (
    chunk_cols,
    few_channel_cols,
    gemm_weights,
    weight_gradient,
)
from strided.kernels.fast.im2col import (
    conv_output_hw,
    im2col,
    pad_spatial,
    strided_view,
)
from strided.kernels.fast.input_gradient import InputGradient
from strided.kernels.fast.pool import window_max
from strided.kernels.fast.tuning import FEW_CHANNELS
from strided.kernels.parallel import for_each_chunk, images_per_chunk

MAX_KEPT_VIEWS = 256  # input geometries whose covered-patches view is remembered
_covered_views = {}  # (padded shape, strides, conv and pool arguments) -> (shape, strides, (PH, PW))


def conv_relu_maxpool_forward(x, kernel, bias, strides, pads, dilation, pool_size, keep=True,
                              need_dx=True):
    """P = relu(maxpool(conv(x, kernel) + bias)); returns (P, saved) — saved is None unless `keep`.

    `saved` holds what the backward pass needs: the patches (a view of the padded input) or,
    for few input channels, the whole im2col matrix (with its column of ones) of the covered
    conv outputs (as kernels.fast.conv: otherwise each chunk's matrix lives in a per-thread buffer
    and is made again in backward), the argmax of every window (a*pw + b) and P itself.

    When no dX will be wanted (`need_dx=False`, a model's first layer, or inference), the GEMM's
    rows are ordered window offset first (`_windows_first`): every offset's conv outputs are
    then one contiguous block, and the window max and the gradient's routing run on blocks
    instead of strided views (faster, docs/speed.md).
    """
    kh, kw, channels, filters = kernel.shape
    ph, pw = pool_size
    n = x.shape[0]
    windows_first = not (keep and need_dx)
    patches, (pooled_h, pooled_w) = covered_patches(pad_spatial(x, pads), (kh, kw), strides, dilation,
                                                    pool_size, windows_first)
    if keep:
        weights = gemm_weights(kernel, bias)
    else:  # the bias after the pooling, on 1/(ph*pw) of the values: max(y) + b = max(y + b)
        weights = kernel.reshape(-1, filters)
    width = weights.shape[0]
    per_image = pooled_h * ph * pooled_w * pw  # GEMM rows per image
    few_channels = channels < FEW_CHANNELS
    kept_cols = keep and few_channels
    step = images_per_chunk(per_image * ((0 if kept_cols else width) + filters), training=keep)
    pooled = np.empty((n, pooled_h, pooled_w, filters), x.dtype)
    argmax = np.empty(pooled.shape, np.uint8) if keep else None
    kept = None
    if kept_cols:
        kept = np.empty((width, *patches.shape[:-3]), x.dtype)  # transposed, as kernels.fast.conv's

    def chunk(start, stop, scratch):
        if few_channels:
            cols = few_channel_cols(kept, patches[start:stop], start, stop, width, scratch)
        else:
            cols = chunk_cols(lambda start, stop, scratch: patches[start:stop], None, start, stop, width, scratch)
        chunk_y = scratch.buffer("y", ((stop - start) * per_image, filters), x.dtype)
        np.matmul(cols, weights, out=chunk_y)
        best = pooled[start:stop]
        window_max(_window_views(chunk_y, best.shape, pool_size, windows_first), best,
                    argmax[start:stop] if keep else None)
        if not keep:
            best += bias
        elementwise.relu(best, best)

    for_each_chunk(chunk, n, step)
    return pooled, ((x, patches, kept, argmax, pooled, windows_first) if keep else None)


def conv_relu_maxpool_backward(gp, saved, x_shape, kernel, strides, pads, dilation, pool_size,
                               need_dx=True, need_dkernel=True, need_dbias=True):
    """Gradients (dx, dkernel, dbias) for the upstream gradient gp (N, PH, PW, F) of the pooled output."""
    x, patches, kept, argmax, pooled, windows_first = saved
    kh, kw, channels, filters = kernel.shape
    n, pooled_h, pooled_w = pooled.shape[:3]
    covered_h, covered_w = pooled_h * pool_size[0], pooled_w * pool_size[1]
    width = kh * kw * channels + 1
    per_image = covered_h * covered_w
    want_weights = need_dkernel or need_dbias
    dx = np.empty(x_shape, gp.dtype) if need_dx else None  # written chunk by chunk, contiguous
    # per conv output: its im2col row (unless kept), dY and dX's part
    per_pixel = (0 if kept is not None else width) + filters
    if need_dx:  # the correlation needs dY of the whole conv output: the windows must cover it
        output_hw = conv_output_hw(x_shape, kernel.shape, strides, pads, dilation)
        input_gradient = InputGradient(kernel, output_hw, strides, dilation, pads,
                                       correlation=output_hw == (covered_h, covered_w))
        per_pixel += input_gradient.floats_per_output()
    # dK (and db) from dY's im2col matrix when dX comes by correlation (as kernels.fast.conv)
    dk_by_correlation = need_dx and input_gradient.by_correlation and want_weights
    step = images_per_chunk(per_image * per_pixel)

    def chunk(start, stop, scratch):
        count = stop - start
        # The ReLU's mask on the pooled gradient, then each window's gradient to its winner.
        masked = gp[start:stop] * (pooled[start:stop] > 0)
        chunk_gy = scratch.buffer("gy", (count * per_image, filters), gp.dtype)  # in the GEMM's row order
        winners = argmax[start:stop]
        for k, view in enumerate(_window_views(chunk_gy, masked.shape, pool_size, windows_first)):
            np.multiply(masked, winners == k, out=view)
        gy_cols = None
        if need_dx:
            gy_cols = input_gradient.chunk(dx[start:stop], _spatial(chunk_gy, masked.shape, pool_size,
                                                                    windows_first), scratch)
        if dk_by_correlation:
            if need_dkernel:
                input_gradient.add_kernel_gradient(scratch, gy_cols, x[start:stop])
            if need_dbias:
                scratch.add("dbias", elementwise.column_sums(chunk_gy))
        elif want_weights:
            cols = chunk_cols(lambda start, stop, scratch: patches[start:stop], kept, start, stop, width, scratch)
            scratch.add("dweights", weight_gradient(cols, chunk_gy))

    sums = for_each_chunk(chunk, n, step)
    if dk_by_correlation:
        dkernel = input_gradient.kernel_gradient(sums) if need_dkernel else None
        dbias = sums["dbias"] if need_dbias else None
        return dx, dkernel, dbias
    dweights = sums.get("dweights")
    dkernel = dweights[:-1].reshape(kernel.shape) if need_dkernel else None
    dbias = dweights[-1].copy() if need_dbias else None
    return dx, dkernel, dbias


def covered_patches(padded, kernel_size, strides, dilation, pool_size, windows_first):
    """(patches, (PH, PW)): the im2col view of the conv outputs that the pooling windows cover,
    (n, PH*ph, PW*pw, kh, kw, C), or windows first (n, ph, pw, PH, PW, kh, kw, C), and the pooled
    output's size.

    Three views are made on the way (the patches, the covered ones, the windows-first order):
    Python work that counts when the batch is one image (docs/speed.md). So the final view's
    shape and strides are kept per input geometry, and later calls make it directly on the
    padded input.
    """
    key = (padded.shape, padded.strides, kernel_size, strides, dilation, pool_size, windows_first)
    known = _covered_views.get(key)
    if known is not None:
        shape, view_strides, pooled_hw = known
        return strided_view(padded, shape, view_strides), pooled_hw
    ph, pw = pool_size
    patches = im2col(padded, kernel_size, strides, dilation)
    pooled_h, pooled_w = patches.shape[1] // ph, patches.shape[2] // pw
    patches = patches[:, : pooled_h * ph, : pooled_w * pw]  # floor pooling drops a last row/column
    if windows_first:
        patches = _windows_first(padded, patches, pool_size)
    if len(_covered_views) < MAX_KEPT_VIEWS:
        _covered_views[key] = (patches.shape, patches.strides, (pooled_h, pooled_w))
    return patches, (pooled_h, pooled_w)


def _windows_first(padded, patches, pool_size):
    """The covered patches (n, PH*ph, PW*pw, kh, kw, C) of `padded` as (n, ph, pw, PH, PW, kh, kw, C),
    a view: im2col rows ordered by window offset (a, b) first, then by window (i, j)."""
    n, covered_h, covered_w = patches.shape[:3]
    (ph, pw), (sn, sh, sw) = pool_size, patches.strides[:3]
    shape = (n, ph, pw, covered_h // ph, covered_w // pw, *patches.shape[3:])
    return strided_view(padded, shape, (sn, sh, sw, ph * sh, pw * sw, *patches.strides[3:]))


def _window_views(y, pooled_shape, pool_size, windows_first):
    """The ph*pw views (n, PH, PW, F) of conv outputs y (rows, F) with element k = a*pw + b of every
    window: contiguous blocks when y's rows are ordered windows first, else strided views."""
    n, pooled_h, pooled_w, filters = pooled_shape
    ph, pw = pool_size
    if windows_first:
        blocks = y.reshape(n, ph * pw, pooled_h, pooled_w, filters)
        return [blocks[:, k] for k in range(ph * pw)]
    windows = y.reshape(n, pooled_h, ph, pooled_w, pw, filters)
    return [windows[:, :, a, :, b] for a in range(ph) for b in range(pw)]


def _spatial(gy, pooled_shape, pool_size, windows_first):
    """Conv-output gradient rows gy as an (n, PH*ph, PW*pw, F) image (a copy when ordered windows first)."""
    n, pooled_h, pooled_w, filters = pooled_shape
    ph, pw = pool_size
    if not windows_first:
        return gy.reshape(n, pooled_h * ph, pooled_w * pw, filters)
    blocks = gy.reshape(n, ph, pw, pooled_h, pooled_w, filters)
    return np.ascontiguousarray(blocks.transpose(0, 3, 1, 4, 2, 5)).reshape(n, pooled_h * ph, pooled_w * pw, filters)
