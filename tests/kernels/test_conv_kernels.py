"""The convolution kernels' speed paths against their plain forms (no Tensors, plain arrays)."""

import numpy as np
import pytest

from strided.kernels import conv as K
from strided.kernels.im2col import im2col, pad_spatial, resolve_padding


@pytest.mark.parametrize("channels,filters,dilation", [(4, 4, 1), (6, 3, 1), (5, 5, 2)])
def test_input_gradient_by_correlation_equals_col2im(channels, filters, dilation, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 9, 8, channels))
    kernel = rng.standard_normal((3, 3, channels, filters))
    pads = resolve_padding("same", (9, 8), (3, 3), (1, 1), (dilation, dilation))
    y, cols = K.conv2d_forward(x, kernel, pads=pads, dilation=(dilation, dilation))
    gy = rng.standard_normal(y.shape)
    assert K._is_full_correlation_case((1, 1), pads, (dilation,) * 2, (3, 3), channels, filters)
    fast, dk_fast, _ = K.conv2d_backward(gy, cols, x.shape, kernel, pads=pads, dilation=(dilation,) * 2)
    monkeypatch.setattr(K, "_is_full_correlation_case", lambda *args: False)
    plain, dk_plain, _ = K.conv2d_backward(gy, cols, x.shape, kernel, pads=pads, dilation=(dilation,) * 2)
    np.testing.assert_allclose(fast, plain, atol=1e-10)
    np.testing.assert_allclose(dk_fast, dk_plain, atol=1e-10)


def test_the_correlation_path_is_not_taken_where_it_is_slower():
    same, valid = ((1, 1), (1, 1)), ((0, 0), (0, 0))
    assert not K._is_full_correlation_case((2, 2), same, (1, 1), (3, 3), 8, 8)   # strided
    assert not K._is_full_correlation_case((1, 1), valid, (1, 1), (3, 3), 8, 8)  # output shrinks
    assert not K._is_full_correlation_case((1, 1), same, (1, 1), (3, 3), 3, 32)  # more filters


@pytest.mark.parametrize("channels", [1, 3, 16])
@pytest.mark.parametrize("ones_column", [False, True])
def test_im2col_matrix_both_fills_equal_the_strided_view(channels, ones_column):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7, 6, channels)).astype(np.float32)
    pads = ((1, 1), (0, 2))
    cols, (n, oh, ow) = K.im2col_matrix(x, (3, 2), (2, 1), pads, (1, 1), ones_column)
    expected = im2col(pad_spatial(x, pads), (3, 2), (2, 1)).reshape(n * oh * ow, -1)
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
