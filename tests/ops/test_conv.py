"""conv / depthwise_conv / separable_conv against PyTorch CPU, a naive loop, and finite differences."""

from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_oracle import compare_with_torch, to_nchw, to_nhwc

from strided import ops
from strided.autograd import Tensor, gradcheck
from strided.kernels.fast import input_gradient
from strided.kernels.fast.im2col import resolve_padding


def naive_conv2d(x, kernel, stride, pads, dilation):
    """The lessons' formula, literally: one output pixel at a time."""
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    kh, kw, cin, cout = kernel.shape
    oh = (xp.shape[1] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (xp.shape[2] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((x.shape[0], oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    pixel = xp[:, i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1], :]
                    y[:, i, j, :] += pixel @ kernel[a, b]
    return y


def torch_conv2d(x, w, stride, pads, dilation, groups):
    """torch on channels-last data: pad explicitly (asymmetric "same"), conv, back to NHWC."""
    x = F.pad(to_nchw(x), (pads[1][0], pads[1][1], pads[0][0], pads[0][1]))
    return to_nhwc(F.conv2d(x, w.permute(3, 2, 0, 1).contiguous(), stride=stride, dilation=dilation, groups=groups))


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 3), h=st.integers(3, 9), w=st.integers(3, 9), groups=st.sampled_from([1, 2, 3]),
    cg=st.integers(1, 3), og=st.integers(1, 3), kh=st.integers(1, 3), kw=st.integers(1, 3),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)), dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.sampled_from(["valid", "same", 0, 1, 2, (1, 0)]), seed=st.integers(0, 2**16),
)
def test_conv2d_matches_torch(n, h, w, groups, cg, og, kh, kw, stride, dilation, padding, seed):
    rng = np.random.default_rng(seed)
    pads = resolve_padding(padding, (h, w), (kh, kw), stride, dilation)
    if h + sum(pads[0]) < dilation[0] * (kh - 1) + 1 or w + sum(pads[1]) < dilation[1] * (kw - 1) + 1:
        return  # kernel larger than the padded input: an error, tested below
    x = rng.standard_normal((n, h, w, groups * cg))
    kernel = rng.standard_normal((kh, kw, cg, groups * og))
    compare_with_torch(
        lambda a, b: ops.conv(a, b, strides=stride, padding=padding, dilation_rate=dilation),
        lambda a, b: torch_conv2d(a, b, stride, pads, dilation, groups),
        [x, kernel],
    )


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), stride=st.integers(1, 2), padding=st.sampled_from(["valid", "same", 1]),
       groups=st.sampled_from([1, 2]))
def test_channels_first_gives_the_same_numbers(seed, stride, padding, groups):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 6, 5, 4))
    kernel = rng.standard_normal((3, 2, 4 // groups, 6))
    last = ops.conv(Tensor(x, dtype="float64"), kernel.astype("float64"), stride, padding)
    first = ops.conv(Tensor(x.transpose(0, 3, 1, 2), dtype="float64"), kernel.astype("float64"), stride,
                     padding, data_format="channels_first")
    np.testing.assert_allclose(first.data.transpose(0, 2, 3, 1), last.data, atol=1e-12)
    compare_with_torch(
        lambda a, b: ops.conv(a, b, stride, padding, data_format="channels_first"),
        lambda a, b: to_nchw(torch_conv2d(to_nhwc(a), b, (stride,) * 2,
                                          resolve_padding(padding, (6, 5), (3, 2), (stride,) * 2, (1, 1)), 1, groups)),
        [x.transpose(0, 3, 1, 2), kernel],
    )


def test_conv2d_equals_the_lessons_formula_loop():
    rng = np.random.default_rng(0)
    x, kernel = rng.standard_normal((2, 8, 7, 3)), rng.standard_normal((3, 2, 3, 5))
    for stride, padding, dilation in [((1, 1), 0, (1, 1)), ((2, 1), 1, (1, 2)), ((2, 2), "same", (1, 1))]:
        pads = resolve_padding(padding, (8, 7), (3, 2), stride, dilation)
        got = ops.conv(Tensor(x, dtype="float64"), Tensor(kernel, dtype="float64"), stride, padding,
                       dilation_rate=dilation)
        np.testing.assert_allclose(got.data, naive_conv2d(x, kernel, stride, pads, dilation), atol=1e-12)


def test_lesson_004_stride2_padding1_example():
    """Lesson 004's worked example; the mathematics (and PyTorch) give [[1, 2], [2, 4]]."""
    image = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]], dtype=np.float32)
    kernel = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float32)
    out = ops.conv(image[None, :, :, None], kernel[:, :, None, None], strides=2, padding=1)
    np.testing.assert_array_equal(out.data[0, :, :, 0], [[1, 2], [2, 4]])
    expected = F.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None], stride=2, padding=1)
    np.testing.assert_array_equal(out.data[0, :, :, 0], expected[0, 0].numpy())


def test_output_size_formula_from_the_lessons():
    """H' = floor((H - k + 2p)/s) + 1 for the lessons' paddings 1, 2, 4."""
    x = np.zeros((1, 32, 32, 3), np.float32)
    for k, p, s in [(3, 1, 1), (5, 2, 1), (9, 4, 1), (3, 1, 2), (5, 2, 3)]:
        out = ops.conv(x, np.zeros((k, k, 3, 2), np.float32), strides=s, padding=p)
        assert out.shape[1] == (32 - k + 2 * p) // s + 1


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 3), length=st.integers(4, 12), cin=st.integers(1, 4), cout=st.integers(1, 4),
       k=st.integers(1, 4), stride=st.integers(1, 3), dilation=st.integers(1, 2),
       padding=st.sampled_from(["valid", "same", 0, 2]), seed=st.integers(0, 2**16))
def test_conv1d_matches_torch(n, length, cin, cout, k, stride, dilation, padding, seed):
    (pads,) = resolve_padding(padding, (length,), (k,), (stride,), (dilation,))
    if length + sum(pads) < dilation * (k - 1) + 1:
        return
    rng = np.random.default_rng(seed)
    x, kernel = rng.standard_normal((n, length, cin)), rng.standard_normal((k, cin, cout))
    compare_with_torch(
        lambda a, b: ops.conv(a, b, strides=stride, padding=padding, dilation_rate=dilation),
        lambda a, b: F.conv1d(F.pad(a.permute(0, 2, 1), pads), b.permute(2, 1, 0), stride=stride,
                              dilation=dilation).permute(0, 2, 1),
        [x, kernel],
    )


@settings(max_examples=20, deadline=None)
@given(c=st.integers(1, 4), mult=st.integers(1, 3), stride=st.integers(1, 2),
       padding=st.sampled_from(["valid", "same", 1]), dilation=st.integers(1, 2), seed=st.integers(0, 2**16))
def test_depthwise_conv_matches_torch(c, mult, stride, padding, dilation, seed):
    rng = np.random.default_rng(seed)
    x, kernel = rng.standard_normal((2, 7, 6, c)), rng.standard_normal((3, 3, c, mult))
    pads = resolve_padding(padding, (7, 6), (3, 3), (stride,) * 2, (dilation,) * 2)
    compare_with_torch(
        lambda a, b: ops.depthwise_conv(a, b, strides=stride, padding=padding, dilation_rate=dilation),
        # torch's depthwise weight (C*M, 1, kh, kw): output channel c*M + m, as Keras.
        lambda a, b: torch_conv2d(a, b.reshape(3, 3, 1, c * mult), (stride,) * 2, pads, (dilation,) * 2, c),
        [x, kernel],
    )


def test_separable_conv_matches_torch():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 6, 3))
    depthwise, pointwise = rng.standard_normal((3, 3, 3, 2)), rng.standard_normal((1, 1, 6, 4))
    pads = resolve_padding("same", (6, 6), (3, 3), (1, 1), (1, 1))
    compare_with_torch(
        lambda a, d, p: ops.separable_conv(a, d, p, padding="same"),
        lambda a, d, p: torch_conv2d(torch_conv2d(a, d.reshape(3, 3, 1, 6), (1, 1), pads, (1, 1), 3),
                                     p, (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
        [x, depthwise, pointwise],
    )


@pytest.mark.parametrize("groups,padding,stride", [(1, "same", 2), (2, 1, 1), (3, "valid", 1)])
def test_conv_gradcheck(groups, padding, stride):
    rng = np.random.default_rng(1)
    x, kernel = rng.standard_normal((2, 5, 4, 6)), rng.standard_normal((3, 2, 6 // groups, 6))
    assert gradcheck(lambda a, b: ops.conv(a, b, stride, padding), [x, kernel])


def test_depthwise_gradcheck():
    rng = np.random.default_rng(2)
    assert gradcheck(lambda a, b: ops.depthwise_conv(a, b, 2, "same"),
                     [rng.standard_normal((1, 5, 5, 2)), rng.standard_normal((3, 3, 2, 2))])


def test_float32_in_float32_out():
    y = ops.conv(np.ones((1, 5, 5, 2), np.float32), np.ones((3, 3, 2, 4), np.float32))
    assert y.dtype == np.float32


@pytest.mark.parametrize("x_shape,k_shape,kwargs,message", [
    ((28, 28, 1), (3, 3, 1, 8), {}, r"received shape \(28, 28, 1\).*batch axis"),
    ((1, 28, 28, 3), (3, 3, 2, 8), {}, r"expects 2 input channels.*has 3 channels"),
    ((1, 28, 28, 4), (3, 3, 2, 3), {}, r"divisible by 2"),
    ((1, 4, 4, 1), (5, 5, 1, 1), {}, r"kernel .*larger than the padded input"),
    ((1, 8, 8, 1), (3, 3, 1, 1), {"strides": 0}, r"strides"),
    ((1, 8, 8, 1), (3, 3, 1), {}, r"4-D kernel"),
    ((1, 8, 8, 1), (3, 3, 1, 1), {"padding": "full"}, r"padding must be"),
])
def test_bad_input_gets_a_clear_error(x_shape, k_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ops.conv(np.zeros(x_shape, np.float32), np.zeros(k_shape, np.float32), **kwargs)


def test_integer_input_is_a_type_error():
    with pytest.raises(TypeError, match="float input"):
        ops.conv(np.zeros((1, 4, 4, 1), np.int64), np.zeros((3, 3, 1, 1), np.float32))


@settings(max_examples=20, deadline=None)
@given(groups=st.sampled_from([1, 2, 4]), activation=st.sampled_from([None, "relu"]), stride=st.integers(1, 2),
       padding=st.sampled_from(["valid", "same", 1]), rank=st.sampled_from([1, 2]),
       data_format=st.sampled_from(["channels_last", "channels_first"]), seed=st.integers(0, 2**16))
def test_fused_bias_and_relu_equal_the_plain_path_and_torch(groups, activation, stride, padding, rank,
                                                            data_format, seed):
    """The speed path (bias inside the GEMM, ReLU in place) gives the plain path's numbers."""
    rng = np.random.default_rng(seed)
    spatial = (7, 6)[:rank] if rank == 2 else (9,)
    x = rng.standard_normal((2, *spatial, 4))
    kernel = rng.standard_normal((*(3,) * rank, 4 // groups, 4))
    bias = rng.standard_normal(4)
    if data_format == "channels_first":
        x = np.moveaxis(x, -1, 1)

    def plain(a, k, b):
        y = ops.conv(a, k, stride, padding, data_format) + ops.reshape(b, (4,) + (1,) * rank) \
            if data_format == "channels_first" else ops.conv(a, k, stride, padding, data_format) + b
        return ops.relu(y) if activation else y

    compare_with_torch(
        lambda a, k, b: ops.conv_bias_activation(a, k, b, activation, stride, padding, data_format),
        lambda a, k, b: _torch_plain(a, k, b, activation, stride, padding, data_format, groups, rank),
        [x, kernel, bias],
    )
    fused = ops.conv_bias_activation(Tensor(x, dtype="float64"), Tensor(kernel, dtype="float64"),
                                     Tensor(bias, dtype="float64"), activation, stride, padding, data_format)
    np.testing.assert_allclose(fused.data, plain(Tensor(x, dtype="float64"), Tensor(kernel, dtype="float64"),
                                                 Tensor(bias, dtype="float64")).data, atol=1e-12)


def _torch_plain(a, k, b, activation, stride, padding, data_format, groups, rank):
    if data_format == "channels_first":
        a = torch.movedim(a, 1, -1)
    spatial = a.shape[1:-1]
    pads = resolve_padding(padding, tuple(spatial), k.shape[:rank], (stride,) * rank, (1,) * rank)
    if rank == 1:
        y = F.conv1d(F.pad(a.permute(0, 2, 1), pads[0]), k.permute(2, 1, 0).contiguous(), stride=stride,
                     groups=groups).permute(0, 2, 1)
    else:
        y = torch_conv2d(a, k, (stride,) * 2, pads, (1, 1), groups)
    y = y + b
    y = torch.relu(y) if activation else y
    return torch.movedim(y, -1, 1) if data_format == "channels_first" else y


def test_fused_gradcheck():
    rng = np.random.default_rng(4)
    assert gradcheck(lambda a, k, b: ops.conv_bias_activation(a, k, b, "relu", 2, "same"),
                     [rng.standard_normal((2, 5, 5, 3)), rng.standard_normal((3, 3, 3, 4)), rng.standard_normal(4)])


def test_fused_bias_shape_error():
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        ops.conv_bias_activation(np.zeros((1, 5, 5, 3), np.float32), np.zeros((3, 3, 3, 4), np.float32),
                                 np.zeros(3, np.float32))


@settings(max_examples=12, deadline=None)
@given(channels=st.sampled_from([8, 40]), k=st.sampled_from([(1, 1), (3, 3), (2, 3), (5, 5)]),
       padding=st.sampled_from(["valid", "same", 1, (0, 1)]), activation=st.sampled_from([None, "relu"]),
       seed=st.integers(0, 2**16))
def test_wide_convolutions_input_gradient_by_correlation_matches_torch(channels, k, padding, activation, seed):
    """8+ input channels and 'same'-like padding: stride-1 convolutions compute dX as a correlation
    of dY (here for 'valid' padding and small maps too)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 7, 6, channels))
    kernel, bias = rng.standard_normal((*k, channels, 5)), rng.standard_normal(5)
    with mock.patch.multiple(input_gradient, CORRELATION_AREA=100, CORRELATION_PIXELS=1):
        compare_with_torch(
            lambda a, w, b: ops.conv_bias_activation(a, w, b, activation, 1, padding),
            lambda a, w, b: _torch_plain(a, w, b, activation, 1, padding, "channels_last", 1, 2),
            [x, kernel, bias],
        )


def test_wide_convolution_gradcheck():
    rng = np.random.default_rng(5)
    with mock.patch.multiple(input_gradient, CORRELATION_AREA=100, CORRELATION_PIXELS=1):  # any map
        assert gradcheck(lambda a, w: ops.conv(a, w, 1, "same"),
                         [rng.standard_normal((1, 4, 3, 32)), rng.standard_normal((3, 3, 32, 2))])
