"""The windowed depthwise kernel (`kernels.fast.depthwise`) matches its reference and PyTorch:
any stride, dilation, padding (also wider than the kernel), multiplier, and blocks of rows
that span images."""

import numpy as np
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from strided.kernels import reference_set
from strided.kernels.fast import depthwise
from strided.kernels.fast.im2col import conv_output_size

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


@st.composite
def geometries(draw):
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pads = tuple((draw(st.integers(0, 4)), draw(st.integers(0, 4))) for _ in range(2))
    n, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 12)), draw(st.integers(1, 12))
    for size, k, s, d, pair in zip((h, w), (kh, kw), strides, dilation, pads):
        assume(conv_output_size(size, k, s, sum(pair), d) >= 1)
    channels, multiplier = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    return (n, h, w, channels), (kh, kw, channels, multiplier), strides, pads, dilation


@SETTINGS
@given(geometries(), st.sampled_from([np.float32, np.float64]), st.booleans(), st.integers(0, 2**16))
def test_windowed_matches_reference(geometry, dtype, need_dx, seed):
    """Any stride (the column phases and their tap groups), dilation, padding and multiplier."""
    check_against_reference(geometry, dtype, need_dx, seed)


def check_against_reference(geometry, dtype, need_dx, seed):
    x_shape, kernel_shape, strides, pads, dilation = geometry
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    kernel = rng.standard_normal(kernel_shape).astype(dtype)
    y = depthwise.depthwise_conv2d_forward(x, kernel, strides, pads, dilation)
    expected = reference_set.depthwise_conv2d_forward(x, kernel, strides, pads, dilation)
    tolerance = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    assert y.shape == expected.shape and y.dtype == dtype
    np.testing.assert_allclose(y, expected, **tolerance)
    gy = rng.standard_normal(y.shape).astype(dtype)
    dx, dk = depthwise.depthwise_conv2d_backward(gy, x, kernel, strides, pads, dilation, need_dx, True)
    dx_ref, dk_ref = reference_set.depthwise_conv2d_backward(gy, x, kernel, strides, pads, dilation)
    np.testing.assert_allclose(dk, dk_ref, **tolerance)
    if need_dx:
        np.testing.assert_allclose(dx, dx_ref, **tolerance)
    else:
        assert dx is None


def test_large_map_in_several_blocks_matches_pytorch():
    """A 5x5 'same' depthwise convolution whose rows fill several blocks, with a
    channels-first input viewed channels-last: values and both gradients as PyTorch's."""
    rng = np.random.default_rng(3)
    x_nchw = rng.standard_normal((3, 48, 21, 23)).astype(np.float32)
    x = x_nchw.transpose(0, 2, 3, 1)  # a non-contiguous view, as from data_format="channels_first"
    kernel = (rng.standard_normal((5, 5, 48, 1)) * 0.2).astype(np.float32)
    pads = ((2, 2), (2, 2))
    y = depthwise.depthwise_conv2d_forward(x, kernel, (1, 1), pads)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    dx, dk = depthwise.depthwise_conv2d_backward(gy, x, kernel, (1, 1), pads)
    tx = torch.tensor(x_nchw, requires_grad=True)
    tk = torch.tensor(np.ascontiguousarray(kernel.transpose(2, 3, 0, 1)), requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tk, padding=2, groups=48)
    ty.backward(torch.from_numpy(np.ascontiguousarray(gy.transpose(0, 3, 1, 2))))
    np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dk, tk.grad.numpy().transpose(2, 3, 0, 1), rtol=1e-4, atol=1e-4)


def test_strided_multiplier_matches_pytorch():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 11, 10, 3)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 3, 2)).astype(np.float32)
    pads = ((1, 0), (1, 1))
    y = depthwise.depthwise_conv2d_forward(x, kernel, (2, 2), pads)
    gy = rng.standard_normal(y.shape).astype(np.float32)
    dx, dk = depthwise.depthwise_conv2d_backward(gy, x, kernel, (2, 2), pads)
    tx = torch.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2)), requires_grad=True)
    # torch: (C*M, 1, kh, kw), output channel c*M + m from input channel c
    tk = torch.tensor(np.ascontiguousarray(kernel.reshape(3, 3, 6).transpose(2, 0, 1)[:, None]), requires_grad=True)
    padded = torch.nn.functional.pad(tx, (1, 1, 1, 0))
    ty = torch.nn.functional.conv2d(padded, tk, stride=2, groups=3)
    ty.backward(torch.from_numpy(np.ascontiguousarray(gy.transpose(0, 3, 1, 2))))
    np.testing.assert_allclose(y, ty.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dx, tx.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dk, tk.grad.numpy()[:, 0].transpose(1, 2, 0).reshape(3, 3, 3, 2), rtol=1e-4, atol=1e-4)
