"""conv_transpose: against PyTorch's conv_transpose2d and against its definition (the gradient of conv)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_oracle import compare_with_torch, to_nchw, to_nhwc

from strided import ops
from strided.autograd import Tensor, gradcheck


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 2), h=st.integers(1, 6), w=st.integers(1, 6), cin=st.integers(1, 3), cout=st.integers(1, 3),
       kh=st.integers(1, 4), kw=st.integers(1, 4), stride=st.integers(1, 3), dilation=st.integers(1, 2),
       padding=st.integers(0, 2), output_padding=st.integers(0, 2), seed=st.integers(0, 2**16))
def test_explicit_padding_matches_torch(n, h, w, cin, cout, kh, kw, stride, dilation, padding, output_padding, seed):
    output_padding = min(output_padding, stride - 1, dilation * 1 if stride > 1 else 0)
    if (h - 1) * stride + dilation * (kh - 1) + 1 - 2 * padding + output_padding <= 0:
        return
    if (w - 1) * stride + dilation * (kw - 1) + 1 - 2 * padding + output_padding <= 0:
        return
    rng = np.random.default_rng(seed)
    x, kernel = rng.standard_normal((n, h, w, cin)), rng.standard_normal((kh, kw, cout, cin))
    compare_with_torch(
        lambda a, b: ops.conv_transpose(a, b, stride, padding, output_padding, dilation_rate=dilation),
        # torch's weight (C_in, C_out, kh, kw)
        lambda a, b: to_nhwc(F.conv_transpose2d(to_nchw(a), b.permute(3, 2, 0, 1).contiguous(), stride=stride, padding=padding,
                                                output_padding=output_padding, dilation=dilation)),
        [x, kernel],
    )


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride,k,size", [(1, 3, 5), (2, 3, 4), (2, 4, 3), (3, 2, 3), (2, 1, 4)])
def test_keras_paddings_are_the_gradient_of_conv(padding, stride, k, size):
    """conv_transpose(y, K) is, by definition, d/dx <conv(x, K), y> with the same padding and stride."""
    rng = np.random.default_rng(0)
    out_size = size * stride if padding == "same" else (size - 1) * stride + max(k, stride)
    kernel = rng.standard_normal((k, k, 2, 3))  # conv: 2 -> 3 channels; the same array transposes 3 -> 2
    x = Tensor(np.zeros((1, out_size, out_size, 2)), requires_grad=True, dtype="float64")
    y = ops.conv(x, Tensor(kernel, dtype="float64"), stride, padding)
    assert y.shape[1] == size
    upstream = rng.standard_normal(y.shape)
    y.backward(upstream)
    transposed = ops.conv_transpose(Tensor(upstream, dtype="float64"), Tensor(kernel, dtype="float64"),
                                    stride, padding)
    assert transposed.shape == x.shape
    np.testing.assert_allclose(transposed.data, x.grad, atol=1e-12)


def test_keras_output_shapes():
    x = np.zeros((2, 7, 5, 4), np.float32)
    assert ops.conv_transpose(x, np.zeros((3, 3, 6, 4), np.float32), 2, "same").shape == (2, 14, 10, 6)
    assert ops.conv_transpose(x, np.zeros((3, 3, 6, 4), np.float32), 2, "valid").shape == (2, 15, 11, 6)
    assert ops.conv_transpose(x, np.zeros((1, 1, 6, 4), np.float32), 2, "valid").shape == (2, 14, 10, 6)


def test_channels_first():
    rng = np.random.default_rng(5)
    x, kernel = rng.standard_normal((2, 4, 3, 3)), rng.standard_normal((3, 3, 2, 3))
    last = ops.conv_transpose(Tensor(x, dtype="float64"), Tensor(kernel, dtype="float64"), 2, "same")
    first = ops.conv_transpose(Tensor(x.transpose(0, 3, 1, 2), dtype="float64"), Tensor(kernel, dtype="float64"), 2,
                               "same", data_format="channels_first")
    np.testing.assert_allclose(first.data.transpose(0, 2, 3, 1), last.data, atol=1e-12)


def test_gradcheck():
    rng = np.random.default_rng(1)
    assert gradcheck(lambda a, b: ops.conv_transpose(a, b, 2, "same"),
                     [rng.standard_normal((1, 3, 3, 2)), rng.standard_normal((3, 3, 2, 2))])


def test_errors():
    with pytest.raises(ValueError, match="expects 4 input channels"):
        ops.conv_transpose(np.zeros((1, 4, 4, 3), np.float32), np.zeros((3, 3, 2, 4), np.float32))
    with pytest.raises(ValueError, match="output_padding"):
        ops.conv_transpose(np.zeros((1, 4, 4, 3), np.float32), np.zeros((3, 3, 2, 3), np.float32), 2, 0, 2)
    assert torch  # the oracle is imported for the other tests
