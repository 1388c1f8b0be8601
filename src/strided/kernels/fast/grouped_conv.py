"""Grouped convolutions (1 < groups < channels) on channels-last arrays, a chunk of images at a time.

Accelerates `kernels.reference.conv` (conv2d, conv2d_backward with groups). Each group g sees
its C/G input channels and makes its O/G outputs: one GEMM per group, batched over the groups,

    Y_g = cols_g @ K_g        dK_g = cols_g^T @ dY_g        dcols_g = dY_g @ K_g^T  -> col2im -> dX

with cols_g (rows, kh*kw*C/G) the group's im2col matrix. The trick is `kernels.fast.conv`'s:
the batch is done in chunks of images on `kernels.parallel`'s threads, each chunk's matrices
made in a reused per-thread buffer while its data is in cache (and made again in backward
rather than kept), each GEMM single-threaded. dK and db are summed chunk by chunk in the
threads' `Scratch` (`add`), never over the whole batch at once, so the result does not depend
on the thread count.
"""

import numpy as np

from strided.kernels.fast import elementwise
from strided.kernels.fast.im2col import col2im, crop_spatial, padded_shape
from strided.kernels.parallel import for_each_chunk, images_per_chunk


def grouped_kernel(kernel, groups):
    """(kh, kw, cg, O) -> (G, kh*kw*cg, O/G): the weight matrix of each group."""
    kh, kw, cg, out_channels = kernel.shape
    return kernel.reshape(kh * kw * cg, groups, out_channels // groups).transpose(1, 0, 2)


def grouped_cols(patches, groups, scratch):
    """The groups' im2col matrices (G, rows, kh*kw*cg) of a chunk's patches (n, H', W', kh, kw, C),
    in the calling thread's buffer."""
    *lead, kh, kw, channels = patches.shape
    rows = int(np.prod(lead))
    cg = channels // groups
    cols = scratch.buffer("grouped_cols", (groups, rows, kh * kw * cg), patches.dtype)
    view = cols.reshape(groups, *lead, kh, kw, cg)  # the same memory, seen as the patches' axes
    np.copyto(view, np.moveaxis(patches.reshape(*lead, kh, kw, groups, cg), -2, 0))
    return cols


def grouped_conv2d_forward(x, kernel, groups, output_hw, chunk_patches, bias=None, relu=False, training=True):
    """y (N, H', W', O) of a grouped convolution with output maps `output_hw` (H', W');
    `chunk_patches(start, stop, scratch)` gives the im2col view (n, H', W', kh, kw, C) of images
    start:stop (padded as the convolution says)."""
    kh, kw, cg, out_channels = kernel.shape
    n = x.shape[0]
    og = out_channels // groups
    weights = grouped_kernel(kernel, groups)
    out_h, out_w = output_hw
    y = np.empty((n, out_h, out_w, out_channels), x.dtype)
    bias_vector = None if bias is None else elementwise.ChannelVector(bias)

    def chunk(start, stop, scratch):
        cols = grouped_cols(chunk_patches(start, stop, scratch), groups, scratch)
        products = scratch.buffer("products", (groups, cols.shape[1], og), x.dtype)
        np.matmul(cols, weights, out=products)
        out = y[start:stop].reshape(-1, groups, og)
        np.copyto(out, products.transpose(1, 0, 2))
        out = out.reshape(-1, out_channels)
        if bias_vector is not None:
            elementwise.per_channel(np.add, out, bias_vector, out)
        if relu:
            elementwise.relu(out, out)

    per_pixel = kh * kw * cg * groups + 2 * out_channels  # its im2col rows, products and outputs
    for_each_chunk(chunk, n, images_per_chunk(out_h * out_w * per_pixel, training))
    return y


def grouped_conv2d_backward(gy, x_shape, kernel, strides, pads, dilation, groups, chunk_patches,
                            need_dx=True, need_dkernel=True, need_dbias=False, relu_output=None):
    """(dx, dkernel, dbias) of `grouped_conv2d_forward` for dY `gy` (N, H', W', O); dK and db
    summed chunk by chunk (`Scratch.add`)."""
    kh, kw, cg, out_channels = kernel.shape
    n, out_h, out_w, _ = gy.shape
    og = out_channels // groups
    weights_t = np.ascontiguousarray(np.swapaxes(grouped_kernel(kernel, groups), 1, 2))  # (G, og, k)
    dx = np.empty(x_shape, gy.dtype) if need_dx else None

    def chunk(start, stop, scratch):
        chunk_gy = elementwise.masked_by_relu(
            gy[start:stop], None if relu_output is None else relu_output[start:stop], scratch)
        gy2 = chunk_gy.reshape(-1, out_channels)
        gyg = scratch.buffer("gyg", (groups, gy2.shape[0], og), gy.dtype)  # (G, rows, og), contiguous
        np.copyto(gyg, gy2.reshape(-1, groups, og).transpose(1, 0, 2))
        if need_dkernel:
            cols = grouped_cols(chunk_patches(start, stop, scratch), groups, scratch)
            scratch.add("dkernel", np.matmul(np.swapaxes(cols, 1, 2), gyg))  # (G, k, og)
        if need_dbias:
            scratch.add("dbias", elementwise.column_sums(gy2))
        if need_dx:
            dcols = np.matmul(gyg, weights_t)  # (G, rows, kh*kw*cg)
            count = stop - start
            dcols = dcols.reshape(groups, count, out_h, out_w, kh, kw, cg)
            dcols = np.moveaxis(dcols, 0, -2).reshape(count, out_h, out_w, kh, kw, groups * cg)
            chunk_shape = (count, *x_shape[1:])
            dx[start:stop] = crop_spatial(col2im(dcols, padded_shape(chunk_shape, pads), strides, dilation), pads)

    per_pixel = 2 * kh * kw * cg * groups + 2 * out_channels + x_shape[-1]
    sums = for_each_chunk(chunk, n, images_per_chunk(out_h * out_w * per_pixel))
    dkernel = dbias = None
    if need_dkernel:
        dkernel = sums["dkernel"].reshape(groups, kh, kw, cg, og).transpose(1, 2, 3, 0, 4).reshape(kernel.shape)
    if need_dbias:
        dbias = sums["dbias"]
    return dx, dkernel, dbias

