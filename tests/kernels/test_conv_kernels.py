"""The convolution kernels' speed paths against their plain forms (no Tensors, plain arrays)."""

from unittest import mock

import numpy as np
import pytest

from strided.kernels import parallel
from strided.kernels.fast import conv as K
from strided.kernels.fast.im2col import (
    col2im,
    crop_spatial,
    fill_im2col,
    fill_im2col_transposed,
    im2col,
    pad_into,
    pad_spatial,
    padded_shape,
    resolve_padding,
)
from strided.kernels.fast.input_gradient import (
    add_input_gradient,
    correlation_applies,
    flipped_kernel,
    input_gradient_by_correlation,
    kernel_gradient_by_correlation,
    unflip_kernel_gradient,
)
from strided.kernels.parallel import Scratch


def input_gradient(gy, kernel, x_shape, strides=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1)):
    """dX by the per-offset kernel: add_input_gradient into zeros, then crop the padding."""
    padded = np.zeros(padded_shape(x_shape, pads), gy.dtype)
    add_input_gradient(padded, gy, kernel, strides, dilation)
    return crop_spatial(padded, pads)


@pytest.mark.parametrize("stride,padding,dilation", [(1, "same", 1), (2, "valid", 1), (1, 2, 2), (3, "same", 1)])
def test_per_offset_input_gradient_equals_dcols_and_col2im(stride, padding, dilation):
    """The per-offset dX equals the textbook path: dcols = dY @ K^T, then col2im."""
    rng = np.random.default_rng(0)
    x, kernel = rng.standard_normal((2, 9, 8, 5)), rng.standard_normal((3, 2, 5, 4))
    strides, dilations = (stride, stride), (dilation, dilation)
    pads = resolve_padding(padding, (9, 8), (3, 2), strides, dilations)
    y, _ = K.conv2d_forward(x, kernel, strides, pads, dilations)
    gy = rng.standard_normal(y.shape)
    fast = input_gradient(gy, kernel, x.shape, strides, pads, dilations)
    dcols = (gy.reshape(-1, 4) @ kernel.reshape(-1, 4).T).reshape(*gy.shape[:3], 3, 2, 5)
    padded = (2, 9 + sum(pads[0]), 8 + sum(pads[1]), 5)
    plain = crop_spatial(col2im(dcols, padded, strides, dilations), pads)
    np.testing.assert_allclose(fast, plain, atol=1e-10)


@pytest.mark.parametrize("kernel_size,padding", [
    ((3, 3), "same"), ((3, 3), "valid"), ((3, 2), ((0, 2), (1, 0))), ((1, 1), "valid"), ((5, 5), "same"),
])
def test_input_gradient_by_correlation_equals_the_per_offset_one(kernel_size, padding):
    """dX as a correlation of the padded dY with the flipped kernel, and dK from its im2col
    matrix of dY: the same sums."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 9, 8, 6))
    kernel = rng.standard_normal((*kernel_size, 6, 4))
    pads = resolve_padding(padding, (9, 8), kernel_size, (1, 1), (1, 1))
    y, _ = K.conv2d_forward(x, kernel, (1, 1), pads)
    gy = rng.standard_normal(y.shape)
    dx = np.empty_like(x)
    scratch = Scratch()
    for _ in range(2):  # the second time in reused (dirty) scratch buffers
        gy_cols = input_gradient_by_correlation(dx, gy, flipped_kernel(kernel), kernel_size, pads, scratch)
        np.testing.assert_allclose(dx, input_gradient(gy, kernel, x.shape, (1, 1), pads), atol=1e-10)
        # dY's im2col matrix gives dK too: the same sums as the forward's cols^T @ dY
        dkernel = unflip_kernel_gradient(kernel_gradient_by_correlation(gy_cols, x), kernel.shape)
        cols = im2col(pad_spatial(x, pads), kernel_size).reshape(-1, kernel[..., 0].size)
        np.testing.assert_allclose(dkernel, (cols.T @ gy.reshape(-1, 4)).reshape(kernel.shape), atol=1e-10)


def test_which_convolutions_get_their_input_gradient_by_correlation():
    same, valid, big = ((1, 1), (1, 1)), ((0, 0), (0, 0)), (32, 32)
    assert correlation_applies((3, 3, 32, 8), big, (1, 1), (1, 1), same)
    assert correlation_applies((3, 3, 8, 8), (16, 16), (1, 1), (1, 1), same)  # 'same', 8+ channels
    assert correlation_applies((5, 5, 8, 8), (64, 64), (1, 1), (1, 1), ((2, 1), (1, 2)))  # 1.06x the pixels
    assert correlation_applies((3, 3, 32, 8), (8, 8), (1, 1), (1, 1), same)
    assert not correlation_applies((3, 3, 32, 8), (4, 4), (1, 1), (1, 1), same)  # small maps: offsets
    assert not correlation_applies((3, 3, 7, 8), big, (1, 1), (1, 1), same)  # few channels: offsets
    assert not correlation_applies((3, 3, 32, 8), (11, 11), (1, 1), (1, 1), valid)  # 'valid': offsets
    assert not correlation_applies((3, 3, 32, 8), big, (2, 2), (1, 1), same)  # strided
    assert not correlation_applies((3, 3, 32, 8), big, (1, 1), (2, 2), same)  # dilated
    assert not correlation_applies((3, 3, 32, 8), big, (1, 1), (1, 1), ((3, 0), (1, 1)))  # pad > k - 1


@pytest.mark.parametrize("channels", [1, 3, 16])
@pytest.mark.parametrize("ones_column", [False, True])
def test_fill_im2col_both_ways_equal_the_strided_view(channels, ones_column):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7, 6, channels)).astype(np.float32)
    pads = ((1, 1), (0, 2))
    patches = im2col(pad_spatial(x, pads), (3, 2), (2, 1))
    n, oh, ow = patches.shape[:3]
    cols = np.empty((n, oh, ow, 6 * channels + ones_column), np.float32)
    fill_im2col(cols, patches)
    cols = cols.reshape(n * oh * ow, -1)
    expected = patches.reshape(n * oh * ow, -1)
    np.testing.assert_array_equal(cols[:, :expected.shape[1]], expected)
    if ones_column:
        np.testing.assert_array_equal(cols[:, -1], 1)
    assert cols.shape[1] == expected.shape[1] + ones_column and cols.flags["C_CONTIGUOUS"]


def test_bias_rides_in_the_gemm():
    rng = np.random.default_rng(2)
    x, kernel, bias = rng.standard_normal((2, 5, 5, 3)), rng.standard_normal((3, 3, 3, 4)), rng.standard_normal(4)
    with_bias, cols = K.conv2d_forward(x, kernel, bias=bias)
    without, _ = K.conv2d_forward(x, kernel)
    np.testing.assert_allclose(with_bias, without + bias, atol=1e-12)
    gy = rng.standard_normal(with_bias.shape)
    _, _, dbias = K.conv2d_backward(gy, cols, x.shape, kernel, need_dx=False, need_dbias=True)
    np.testing.assert_allclose(dbias, gy.sum(axis=(0, 1, 2)), atol=1e-10)


@pytest.mark.parametrize("channels", [3, 9])  # the im2col matrix kept (few channels) or remade
@pytest.mark.parametrize("with_bias", [False, True])
@pytest.mark.parametrize("need", [(True, True, True), (False, True, False), (False, False, True), (True, False, True)])
def test_backward_every_combination_of_gradients(channels, with_bias, need):
    rng = np.random.default_rng(3)
    x, kernel = rng.standard_normal((3, 6, 7, channels)), rng.standard_normal((3, 3, channels, 4))
    bias = rng.standard_normal(4) if with_bias else None
    pads = ((1, 1), (1, 1))
    y, saved = K.conv2d_forward(x, kernel, (1, 1), pads, bias=bias)
    gy = rng.standard_normal(y.shape)
    dx, dkernel, dbias = K.conv2d_backward(gy, saved, x.shape, kernel, (1, 1), pads, (1, 1), 1, *need)
    cols = im2col(pad_spatial(x, pads), (3, 3)).reshape(-1, 9 * channels)
    if need[0]:
        expected = input_gradient(gy, kernel, x.shape, (1, 1), pads)
        np.testing.assert_allclose(dx, expected, atol=1e-10)
    if need[1]:
        np.testing.assert_allclose(dkernel, (cols.T @ gy.reshape(-1, 4)).reshape(kernel.shape), atol=1e-10)
    if need[2]:
        np.testing.assert_allclose(dbias, gy.sum(axis=(0, 1, 2)), atol=1e-10)
    assert (dx is None) != need[0] and (dkernel is None) != need[1] and (dbias is None) != need[2]


@pytest.mark.parametrize("pads", [((1, 1), (1, 1)), ((0, 2), (3, 0)), ((0, 0), (0, 0))])
def test_pad_into_a_dirty_buffer_equals_pad_spatial(pads):
    x = np.random.default_rng(4).standard_normal((2, 5, 4, 3)).astype(np.float32)
    buffer = np.full(padded_shape(x.shape, pads), np.nan, np.float32)  # a reused scratch array
    assert pad_into(buffer, x, pads) is buffer
    np.testing.assert_array_equal(buffer, pad_spatial(x, pads))


@pytest.mark.parametrize("channels", [3, 40])
def test_padding_is_made_per_chunk_and_dx_comes_back_contiguous(channels):
    """No padded copy of the batch is kept (saved holds the input itself), chunks of several
    images pad in their own buffers, and dX is a contiguous array, not a cropped view."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((9, 6, 5, channels)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, channels, 4)).astype(np.float32)
    pads = ((1, 1), (1, 1))
    with mock.patch.object(parallel, "CHUNK_FLOATS", 6 * 5 * 4 * 2):  # two images per chunk
        y, saved = K.conv2d_forward(x, kernel, (1, 1), pads)
        gy = rng.standard_normal(y.shape).astype(np.float32)
        dx, dkernel, _ = K.conv2d_backward(gy, saved, x.shape, kernel, (1, 1), pads)
    assert saved[0] is x
    cols = im2col(pad_spatial(x, pads), (3, 3)).reshape(-1, 9 * channels)
    np.testing.assert_allclose(y.reshape(-1, 4), cols @ kernel.reshape(-1, 4), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dkernel.reshape(-1, 4), cols.T @ gy.reshape(-1, 4), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx, input_gradient(gy, kernel, x.shape, (1, 1), pads), rtol=1e-4, atol=1e-4)
    assert dx.flags["C_CONTIGUOUS"]


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("ones_row", [False, True])
def test_the_transposed_im2col_matrix_is_the_row_layout_transposed(channels, ones_row):
    """Kept matrices are stored (width, N, H', W'); filled chunk by chunk into a slice of it."""
    x = np.random.default_rng(6).standard_normal((5, 7, 6, channels)).astype(np.float32)
    patches = im2col(pad_spatial(x, ((1, 1), (0, 2))), (3, 2), (2, 1))
    n, oh, ow = patches.shape[:3]
    width = 6 * channels + ones_row
    rows = np.empty((n, oh, ow, width), np.float32)
    fill_im2col(rows, patches)
    transposed = np.full((width, n, oh, ow), np.nan, np.float32)
    fill_im2col_transposed(transposed[:, :2], patches[:2])  # two chunks, as a kernel fills it
    fill_im2col_transposed(transposed[:, 2:], patches[2:])
    np.testing.assert_array_equal(transposed.reshape(width, -1).T, rows.reshape(-1, width))
    view = K.chunk_cols(None, transposed, 1, 3, width, None)  # images 1 and 2, without a copy
    np.testing.assert_array_equal(view, rows[1:3].reshape(-1, width))
    assert np.shares_memory(view, transposed)


@pytest.mark.parametrize("channels", [1, 3, 9])
@pytest.mark.parametrize("with_bias", [False, True])
def test_inference_forward_keeps_nothing_and_gives_the_training_numbers(channels, with_bias):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, 9, 8, channels)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, channels, 6)).astype(np.float32)
    bias = rng.standard_normal(6).astype(np.float32) if with_bias else None
    trained, (_, kept) = K.conv2d_forward(x, kernel, pads=((1, 1), (1, 1)), bias=bias, relu=True)
    inferred, (_, nothing) = K.conv2d_forward(x, kernel, pads=((1, 1), (1, 1)), bias=bias, relu=True,
                                              training=False)
    np.testing.assert_allclose(inferred, trained, rtol=1e-5, atol=1e-5)  # the bias added after the GEMM
    assert nothing is None and (kept is not None) == (channels < K.FEW_CHANNELS)
