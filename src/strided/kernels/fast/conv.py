"""Convolution kernels on channels-last arrays: im2col + one GEMM forward, col2im backward.

Accelerates `kernels.reference.conv` (conv2d, conv2d_backward). The idea of the trick: never
hold the whole im2col matrix. A few images at a time, on the kernel threads, build their
im2col rows in a reused buffer, run the GEMM (the bias inside it, the ReLU in place) while the
data is in cache, and build them again in backward -- except for few input channels, where the
matrix is small and slow to make and is kept. dX is computed one kernel offset at a time or,
where that is faster, as a correlation of dY (`input_gradient`, chosen by `tuning`). A 1x1
kernel without padding skips im2col altogether (`pointwise_conv`: x is its own matrix).

Shapes (Keras layout):  x (N, H, W, C)   kernel (kh, kw, C/groups, O)   y (N, H', W', O)

    y[n, i, j, o] = sum_{a, b, c} x_pad[n, i*s + a*d, j*s + b*d, c] * kernel[a, b, c, o]

which is the lessons' F_{i,j,o} = sum_c sum_x sum_y K_{c,x,y,o} X_{c,i+x,j+y} (a cross-correlation,
as in every deep-learning framework). As matrices: Y = cols @ K with cols the im2col matrix, so

    dK = cols^T @ dY          dcols = dY @ K^T  ->  col2im  ->  dX

(for speed, dcols is made and added back one kernel offset at a time, or, for 'same' padding,
dX is computed as a correlation of dY, whose im2col matrix then gives dK too:
`kernels.fast.input_gradient`).

A bias rides along in the same GEMMs: Y = [cols 1] @ [K; b], and the last row of
[cols 1]^T @ dY is db (see `fill_im2col`).

The batch is processed a chunk of images at a time, the chunks shared by `kernels.parallel`'s
threads (each GEMM then single-threaded): a chunk's im2col matrix, GEMM and ReLU run while its
data is in the caches, and the matrix (nine times a 3x3 conv's input) is made again in backward
rather than stored. Grouped convolutions do the same with one GEMM per group (`grouped_conv`).
dK and db are summed chunk by chunk (`Scratch.add`), never over the whole batch at once.
"""

import numpy as np

from strided.kernels.fast import elementwise
from strided.kernels.fast.grouped_conv import grouped_conv2d_backward, grouped_conv2d_forward
from strided.kernels.fast.im2col import (
    conv_output_hw,
    fill_im2col,
    fill_im2col_transposed,
    im2col,
    pad_into,
    padded_shape,
)
from strided.kernels.fast.input_gradient import InputGradient
from strided.kernels.fast.pointwise_conv import (
    is_pointwise,
    pointwise_conv2d_backward,
    pointwise_conv2d_forward,
)
from strided.kernels.fast.tuning import (
    FEW_CHANNELS,  # below it, the im2col matrix is kept, transposed
)
from strided.kernels.parallel import for_each_chunk, images_per_chunk


def gemm_weights(kernel, bias=None):
    """The GEMM's right-hand side: K as (kh*kw*C, O), with the bias as a last row [K; b]."""
    weights = kernel.reshape(-1, kernel.shape[-1])
    return weights if bias is None else np.concatenate([weights, bias[None, :]])


def chunk_patches(x, start, stop, pads, kernel_size, strides, dilation, scratch):
    """The im2col view (n, H', W', kh, kw, C) of images start:stop of x.

    Padded in the calling thread's buffer, while the chunk is in cache: no padded copy of the
    whole batch is made (one pass over memory and one thread less) nor kept for backward.
    """
    part = x[start:stop]
    if any(p for pair in pads for p in pair):
        part = pad_into(scratch.buffer("padded", padded_shape(part.shape, pads), x.dtype), part, pads)
    return im2col(part, kernel_size, strides, dilation)


def chunk_cols(patches_of, kept, start, stop, width, scratch):
    """Rows of images start:stop of the im2col matrix, as (rows, width).

    From `kept` (the whole matrix, transposed and already filled) when there is one, as a view,
    else made now in the calling thread's buffer (with the column of ones when width has room
    for it) from `patches_of(start, stop, scratch)`, the chunk's patches.
    """
    if kept is not None:
        return kept[:, start:stop].reshape(width, -1).T
    patches = patches_of(start, stop, scratch)
    cols = scratch.buffer("cols", (*patches.shape[:-3], width), patches.dtype)
    fill_im2col(cols, patches)
    return cols.reshape(-1, width)


def few_channel_cols(kept, patches, start, stop, width, scratch):
    """The im2col matrix (rows, width) of a chunk's `patches` (images start:stop) with few input
    channels, filled transposed (`fill_im2col_transposed`: faster to fill for an image's 1 or
    3 channels; a last column of ones when width has room for it): into `kept[:, start:stop]`
    when the whole matrix is kept for backward, else into the calling thread's buffer."""
    if kept is None:
        target = scratch.buffer("cols_t", (width, *patches.shape[:-3]), patches.dtype)
    else:
        target = kept[:, start:stop]
    fill_im2col_transposed(target, patches)
    return target.reshape(width, -1).T


def weight_gradient(cols, gy2):
    """[cols 1]^T @ dY, (width, O): dK (and db in its last row when cols has the ones).

    OpenBLAS was faster (docs/speed.md) with the long side of the result as its rows, so a narrow
    im2col matrix (fewer columns than dY) goes the other way; a kept matrix, stored transposed,
    is read as it lies.
    """
    if cols.shape[1] >= gy2.shape[1] or cols.strides[0] == cols.itemsize:
        return cols.T @ gy2
    return (gy2.T @ cols).T


def conv2d_forward(x, kernel, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1,
                   bias=None, relu=False, training=True):
    """Returns (y, saved); hand `saved` to conv2d_backward.

    With `relu`, y = max(y, 0) is applied in place, chunk by chunk while it is in cache.
    `training=False` (no backward will follow) picks larger chunks, keeps no im2col matrix and
    adds the bias to each chunk's output rather than in the GEMM (no [K; b] copy per call).
    The batch is done in chunks of images on `kernels.parallel`'s threads:
    im2col, GEMM (and ReLU) of one chunk at a time. The im2col matrix is nine times the size
    of a 3x3 convolution's input, so it is not kept: each chunk's is made in a per-thread
    buffer that stays in the caches, and made again in the backward pass. Except with few input
    channels (an image's 1 or 3, below `tuning.FEW_CHANNELS`), where the matrix is small and
    slow to make (docs/speed.md): there the matrix is kept while training.
    `saved` is (the input x, the whole im2col matrix or None).
    """
    kh, kw, cg, out_channels = kernel.shape
    if is_pointwise(kernel.shape, pads, groups):  # 1x1: x is its own im2col matrix
        return pointwise_conv2d_forward(x, kernel, strides, bias, relu, training), (x, None)
    if groups == 1:
        n = x.shape[0]
        out_h, out_w = conv_output_hw(x.shape, kernel.shape, strides, pads, dilation)
        # In inference the bias is added to each chunk's output instead of riding in the GEMM:
        # [K; b] is a copy of the kernel, felt when the batch is one image.
        bias_after = None if training or bias is None else elementwise.ChannelVector(bias)
        weights = gemm_weights(kernel, bias if training else None)
        width = weights.shape[0]
        y = np.empty((n, out_h, out_w, out_channels), x.dtype)
        few_channels = cg < FEW_CHANNELS
        kept = np.empty((width, n, out_h, out_w), x.dtype) if few_channels and training else None

        def chunk(start, stop, scratch):
            patches = chunk_patches(x, start, stop, pads, (kh, kw), strides, dilation, scratch)
            if few_channels:
                cols = few_channel_cols(kept, patches, start, stop, width, scratch)
            else:
                cols = scratch.buffer("cols", (stop - start, out_h, out_w, width), x.dtype)
                fill_im2col(cols, patches)
                cols = cols.reshape(-1, width)
            out = y[start:stop].reshape(-1, out_channels)
            np.matmul(cols, weights, out=out)
            if bias_after is not None:
                elementwise.per_channel(np.add, out, bias_after, out)
            if relu:
                elementwise.relu(out, out)

        per_pixel = (0 if kept is not None else width) + out_channels  # its im2col row, its outputs
        for_each_chunk(chunk, n, images_per_chunk(out_h * out_w * per_pixel, training))
        return y, (x, kept)
    # Grouped: one GEMM per group, batched, a chunk of images at a time (`grouped_conv`).
    output_hw = conv_output_hw(x.shape, kernel.shape, strides, pads, dilation)

    def patches_of(start, stop, scratch):
        return chunk_patches(x, start, stop, pads, (kh, kw), strides, dilation, scratch)

    y = grouped_conv2d_forward(x, kernel, groups, output_hw, patches_of, bias, relu, training)
    return y, (x, None)


def conv2d_backward(gy, saved, x_shape, kernel, strides=(1, 1), pads=((0, 0), (0, 0)),
                    dilation=(1, 1), groups=1, need_dx=True, need_dkernel=True, need_dbias=False,
                    relu_output=None):
    """Gradients (dx, dkernel, dbias) of conv2d_forward for the upstream gradient gy (N, H', W', O).

    `saved` is what conv2d_forward returned with y.
    `relu_output`: the forward's output when it applied a ReLU, whose mask (y > 0) gy gets first.
    """
    kh, kw, cg, out_channels = kernel.shape
    if is_pointwise(kernel.shape, pads, groups):
        return pointwise_conv2d_backward(gy, saved[0], kernel, strides, need_dx, need_dkernel,
                                         need_dbias, relu_output)
    if groups == 1:
        return _conv2d_backward_chunked(gy, saved, x_shape, kernel, strides, pads, dilation,
                                        need_dx, need_dkernel, need_dbias, relu_output)
    x = saved[0]

    def patches_of(start, stop, scratch):
        return chunk_patches(x, start, stop, pads, (kh, kw), strides, dilation, scratch)

    return grouped_conv2d_backward(gy, x_shape, kernel, strides, pads, dilation, groups, patches_of,
                                   need_dx, need_dkernel, need_dbias, relu_output)


def _conv2d_backward_chunked(gy, saved, x_shape, kernel, strides, pads, dilation, need_dx,
                             need_dkernel, need_dbias, relu_output):
    """conv2d_backward without groups, a chunk of images at a time on `kernels.parallel`'s threads.

    Per chunk: the ReLU mask; dX by `kernels.fast.input_gradient.InputGradient`, contiguous (the
    next op's passes would otherwise copy a cropped view on one thread); dK from the im2col
    matrix (kept, or made again with a column of ones when db is wanted, so that dK and db
    come from one GEMM: [cols 1]^T @ dY) -- or, when dX came by correlation, from dY's im2col
    matrix that it made (`InputGradient.add_kernel_gradient`: no im2col matrix of x at all).
    """
    kh, kw, cg, out_channels = kernel.shape
    n, out_h, out_w, _ = gy.shape
    x, kept = saved
    dx = np.empty(x_shape, gy.dtype) if need_dx else None  # written chunk by chunk, contiguous
    input_gradient = InputGradient(kernel, (out_h, out_w), strides, dilation, pads) if need_dx else None
    dk_by_correlation = need_dkernel and input_gradient is not None and input_gradient.by_correlation
    if dk_by_correlation:
        width = 0  # no im2col matrix of x
    else:
        width = kh * kw * cg + bool(need_dbias) if kept is None else kept.shape[0]
    separate_dbias = need_dbias and width <= kh * kw * cg  # no column of ones in the GEMM

    def patches_of(start, stop, scratch):
        return chunk_patches(x, start, stop, pads, (kh, kw), strides, dilation, scratch)

    def chunk(start, stop, scratch):
        chunk_gy = elementwise.masked_by_relu(
            gy[start:stop], None if relu_output is None else relu_output[start:stop], scratch)
        gy2 = chunk_gy.reshape(-1, out_channels)
        gy_cols = input_gradient.chunk(dx[start:stop], chunk_gy, scratch) if need_dx else None
        if dk_by_correlation:
            input_gradient.add_kernel_gradient(scratch, gy_cols, x[start:stop])
        elif need_dkernel:
            cols = chunk_cols(patches_of, kept, start, stop, width, scratch)
            scratch.add("dweights", weight_gradient(cols, gy2))
        if need_dbias and (separate_dbias or not need_dkernel):
            scratch.add("dbias", elementwise.column_sums(gy2))

    # per output pixel: its im2col row (unless kept or not made), dY and dX's part (with the
    # correlation, dY's im2col row and x's pixel too: faster than the forward's chunks on
    # CIFAR's layers, docs/speed.md)
    per_pixel = (0 if kept is not None else width) + out_channels
    if input_gradient is not None:
        per_pixel += input_gradient.floats_per_output() + (cg if dk_by_correlation else 0)
    sums = for_each_chunk(chunk, n, images_per_chunk(out_h * out_w * per_pixel))
    dkernel = dbias = None
    if dk_by_correlation:
        dkernel = input_gradient.kernel_gradient(sums)
    elif need_dkernel:
        dkernel = sums["dweights"][: kh * kw * cg].reshape(kernel.shape)
    if need_dbias:
        dbias = sums["dbias"] if "dbias" in sums else sums["dweights"][-1].copy()
    return dx, dkernel, dbias

