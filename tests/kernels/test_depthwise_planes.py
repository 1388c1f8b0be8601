"""The channels-first depthwise kernel (`kernels.fast.depthwise_planes`) matches the reference
and PyTorch: any stride (its row phases and tap groups), dilation, padding, multiplier; and
the ops/layers take it for data_format="channels_first", gradients included."""

import numpy as np
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from strided import layers, ops
from strided.autograd import Tensor
from strided.kernels import reference_set
from strided.kernels.fast import depthwise_planes
from strided.kernels.fast.im2col import conv_output_size

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@st.composite
def geometries(draw):
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pads = tuple((draw(st.integers(0, 4)), draw(st.integers(0, 4))) for _ in range(2))
    n, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 13)), draw(st.integers(1, 13))
    for size, k, s, d, pair in zip((h, w), (kh, kw), strides, dilation, pads):
        assume(conv_output_size(size, k, s, sum(pair), d) >= 1)
    channels, multiplier = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    return (n, channels, h, w), (kh, kw, channels, multiplier), strides, pads, dilation


@SETTINGS
@given(geometries(), st.sampled_from([np.float32, np.float64]), st.integers(0, 2**16))
def test_planes_match_reference(geometry, dtype, seed):
    x_shape, kernel_shape, strides, pads, dilation = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    kernel = rng.standard_normal(kernel_shape).astype(dtype)
    y = depthwise_planes.depthwise_conv2d_forward_channels_first(x, kernel, strides, pads, dilation)
    expected = reference_set.depthwise_conv2d_forward_channels_first(x, kernel, strides, pads, dilation)
    tolerance = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    assert y.shape == expected.shape and y.dtype == dtype
    np.testing.assert_allclose(y, expected, **tolerance)


@SETTINGS
@given(geometries(), st.sampled_from([np.float32, np.float64]), st.booleans(), st.integers(0, 2**16))
def test_planes_backward_matches_reference(geometry, dtype, need_dx, seed):
    """dX (stride 1: one correlation; larger: one per stride phase) and dK, on planes."""
    x_shape, kernel_shape, strides, pads, dilation = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    kernel = rng.standard_normal(kernel_shape).astype(dtype)
    y_shape = reference_set.depthwise_conv2d_forward_channels_first(x, kernel, strides, pads, dilation).shape
    gy = rng.standard_normal(y_shape).astype(dtype)
    dx, dk = depthwise_planes.depthwise_conv2d_backward_channels_first(gy, x, kernel, strides, pads, dilation, need_dx)
    dx_ref, dk_ref = reference_set.depthwise_conv2d_backward_channels_first(gy, x, kernel, strides, pads, dilation)
    tolerance = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    assert dk.shape == kernel.shape and dk.dtype == dtype
    np.testing.assert_allclose(dk, dk_ref, **tolerance)
    if need_dx:
        assert dx.shape == x.shape and dx.dtype == dtype
        np.testing.assert_allclose(dx, dx_ref, **tolerance)
    else:
        assert dx is None


def test_many_planes_in_blocks_match_pytorch():
    """Blocks of planes that span images (a plane's channel is its index modulo C), stride 2,
    dilation 2, asymmetric padding: values as PyTorch's."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 40, 23, 19)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 40, 1)).astype(np.float32)
    y = depthwise_planes.depthwise_conv2d_forward_channels_first(x, kernel, (2, 2), ((2, 1), (1, 2)), (2, 2))
    padded = torch.nn.functional.pad(torch.from_numpy(x), (1, 2, 2, 1))
    tk = torch.from_numpy(np.ascontiguousarray(kernel[..., 0].transpose(2, 0, 1)[:, None]))
    expected = torch.nn.functional.conv2d(padded, tk, stride=2, dilation=2, groups=40).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_layer_channels_first_with_bias_and_gradients_matches_pytorch():
    """DepthwiseConv2D(data_format="channels_first", strides=2, multiplier 2) with a bias:
    output and the gradients of input, kernel and bias as PyTorch's."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 6, 15, 14)).astype(np.float32)
    layer = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, data_format="channels_first")
    tx = Tensor(x, requires_grad=True)
    y = layer(tx)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(gy)
    kernel, bias = (w.numpy() if hasattr(w, "numpy") else np.asarray(w.data) for w in (layer.kernel, layer.bias))
    torch_x = torch.tensor(x, requires_grad=True)
    torch_k = torch.tensor(np.ascontiguousarray(kernel.reshape(3, 3, 12).transpose(2, 0, 1)[:, None]), requires_grad=True)
    torch_b = torch.tensor(bias, requires_grad=True)
    padded = torch.nn.functional.pad(torch_x, (0, 1, 1, 1))  # "same", stride 2: rows (1, 1), columns (0, 1)
    torch_y = torch.nn.functional.conv2d(padded, torch_k, torch_b, stride=2, groups=6)
    torch_y.backward(torch.from_numpy(gy))
    np.testing.assert_allclose(np.asarray(y.data), torch_y.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tx.grad, torch_x.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.kernel.grad.reshape(3, 3, 12).transpose(2, 0, 1),
                               torch_k.grad.numpy()[:, 0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.bias.grad, torch_b.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_op_channels_first_equals_channels_last():
    """ops.depthwise_conv gives the same numbers in both formats (the planes kernel and the
    channels-last one)."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 9, 11, 4)).astype(np.float64)
    kernel = rng.standard_normal((5, 3, 4, 2))
    last = ops.depthwise_conv(x, kernel, strides=(1, 2), padding="same", dilation_rate=1)
    first = ops.depthwise_conv(x.transpose(0, 3, 1, 2), kernel, strides=(1, 2), padding="same",
                               data_format="channels_first")
    np.testing.assert_allclose(np.asarray(first.data).transpose(0, 2, 3, 1), np.asarray(last.data), rtol=1e-12)
