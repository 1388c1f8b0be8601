"""kernels.live_taps: the taps cropped off a padded convolution are exactly those that read only
padding, and the cropped convolution gives the same outputs and (through ops.conv) gradients."""

import numpy as np
import pytest
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_oracle import compare_with_torch, to_nchw, to_nhwc

from strided import ops
from strided.autograd import gradcheck
from strided.kernels.fast import conv as K
from strided.kernels.fast.im2col import conv_output_hw
from strided.kernels.fast.live_taps import live_crop


def brute_force_live(size, taps, stride, dilation, before, out_size):
    """The taps that read an input row for some output, by trying every output."""
    return [a for a in range(taps) if any(0 <= i * stride + a * dilation - before < size for i in range(out_size))]


def test_resnet_last_stage_keeps_only_the_centre_tap():
    # 3x3, padding 1, on a 1x1 map: only the centre tap reads the image
    assert live_crop((32, 1, 1, 512), (3, 3, 512, 512), (1, 1), ((1, 1), (1, 1)), (1, 1)) == (
        (slice(1, 2), slice(1, 2)), (slice(0, 1), slice(0, 1)), ((0, 0), (0, 0)))
    # stride 2 from 2x2 to 1x1: the output reads rows -1..1, so taps 1 and 2
    assert live_crop((32, 2, 2, 256), (3, 3, 256, 512), (2, 2), ((1, 1), (1, 1)), (1, 1)) == (
        (slice(1, 3), slice(1, 3)), (slice(0, 2), slice(0, 2)), ((0, 0), (0, 0)))


@pytest.mark.parametrize("size, pads", [(8, ((1, 1), (1, 1))), (32, ((1, 1), (1, 1))), (5, ((0, 0), (0, 0)))])
def test_every_tap_live_means_no_crop(size, pads):
    assert live_crop((1, size, size, 3), (3, 3, 3, 4), (1, 1), pads, (1, 1)) is None


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 6), w=st.integers(1, 6), kh=st.integers(1, 5), kw=st.integers(1, 5),
       stride=st.tuples(st.integers(1, 3), st.integers(1, 3)), dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       pads=st.tuples(st.tuples(st.integers(0, 4), st.integers(0, 4)), st.tuples(st.integers(0, 4), st.integers(0, 4))),
       seed=st.integers(0, 2**16))
def test_the_cropped_convolution_is_the_convolution(h, w, kh, kw, stride, dilation, pads, seed):
    x_shape, k_shape = (2, h, w, 3), (kh, kw, 3, 4)
    if any(n + sum(p) < d * (k - 1) + 1 for n, p, d, k in zip((h, w), pads, dilation, (kh, kw))):
        return  # kernel larger than the padded input: no convolution
    out = conv_output_hw(x_shape, k_shape, stride, pads, dilation)
    crop = live_crop(x_shape, k_shape, stride, pads, dilation)
    rng = np.random.default_rng(seed)
    x, kernel = rng.standard_normal(x_shape), rng.standard_normal(k_shape)
    full, _ = K.conv2d_forward(x, kernel, stride, pads, dilation)
    if crop is None:
        for axis in range(2):
            live = brute_force_live(x_shape[1 + axis], k_shape[axis], stride[axis], dilation[axis],
                                    pads[axis][0], out[axis])
            assert live == [] or (live[0], live[-1]) == (0, k_shape[axis] - 1)
        return
    (taps_h, taps_w), (rows, columns), new_pads = crop
    for axis, taps in enumerate((taps_h, taps_w)):
        live = brute_force_live(x_shape[1 + axis], k_shape[axis], stride[axis], dilation[axis],
                                pads[axis][0], out[axis])
        assert live == [] and taps == slice(0, k_shape[axis]) or (taps.start, taps.stop - 1) == (live[0], live[-1])
    cropped, _ = K.conv2d_forward(x[:, rows, columns], kernel[taps_h, taps_w], stride, new_pads, dilation)
    np.testing.assert_allclose(cropped, full, atol=1e-12)


@pytest.mark.parametrize("h, w, stride, padding, dilation", [
    (1, 1, 1, 1, 1), (2, 2, 2, 1, 1), (2, 3, 1, 1, 1), (1, 2, 1, 2, 1), (3, 3, 1, 3, 2), (1, 1, 2, 1, 1),
])
@pytest.mark.parametrize("activation", [None, "relu"])
def test_gradients_of_a_cropped_convolution_match_torch(h, w, stride, padding, dilation, activation):
    rng = np.random.default_rng(h * 10 + w)
    x, kernel, bias = rng.standard_normal((3, h, w, 4)), rng.standard_normal((3, 3, 4, 5)), rng.standard_normal(5)

    def torch_fn(a, b, c):
        y = to_nhwc(F.conv2d(to_nchw(a), b.permute(3, 2, 0, 1), c, stride=stride, padding=padding, dilation=dilation))
        return y.relu() if activation else y

    compare_with_torch(
        lambda a, b, c: ops.conv_bias_activation(a, b, c, activation, stride, padding, dilation_rate=dilation),
        torch_fn, [x, kernel, bias],
    )


def test_cropped_convolution_gradcheck():
    rng = np.random.default_rng(5)
    assert gradcheck(lambda a, b: ops.conv(a, b, 2, 1), [rng.standard_normal((2, 2, 2, 3)), rng.standard_normal((3, 3, 3, 2))])
