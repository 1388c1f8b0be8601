"""upsample / resize against torch F.interpolate (values and gradients) and finite differences."""

import numpy as np
import pytest
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_oracle import compare_with_torch, to_nchw, to_nhwc

from strided import ops
from strided.autograd import gradcheck
from strided.ops.upsampling import interpolation_matrix

TORCH_MODE = {"nearest": {"mode": "nearest-exact"}, "bilinear": {"mode": "bilinear", "align_corners": False}}


def torch_resize(size, interpolation, channels_first):
    def fn(a):
        a = a if channels_first else to_nchw(a)
        y = F.interpolate(a, size=size, **TORCH_MODE[interpolation])
        return y if channels_first else to_nhwc(y)
    return fn


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 7), w=st.integers(1, 7), size=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       interpolation=st.sampled_from(["nearest", "bilinear"]), channels_first=st.booleans(), seed=st.integers(0, 2**16))
def test_upsample_matches_torch(h, w, size, interpolation, channels_first, seed):
    x = np.random.default_rng(seed).standard_normal((2, 3, h, w) if channels_first else (2, h, w, 3))
    data_format = "channels_first" if channels_first else "channels_last"
    compare_with_torch(
        lambda a: ops.upsample(a, size, interpolation, data_format),
        torch_resize((h * size[0], w * size[1]), interpolation, channels_first), [x],
    )


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 9), w=st.integers(1, 9), out=st.tuples(st.integers(1, 12), st.integers(1, 12)),
       interpolation=st.sampled_from(["nearest", "bilinear"]), channels_first=st.booleans(), seed=st.integers(0, 2**16))
def test_resize_to_any_size_matches_torch(h, w, out, interpolation, channels_first, seed):
    x = np.random.default_rng(seed).standard_normal((2, 3, h, w) if channels_first else (2, h, w, 3))
    data_format = "channels_first" if channels_first else "channels_last"
    compare_with_torch(lambda a: ops.resize(a, out, interpolation, data_format=data_format),
                       torch_resize(out, interpolation, channels_first), [x])


def test_nearest_upsampling_repeats_pixels_like_keras():
    x = np.arange(4.0).reshape(1, 2, 2, 1)
    y = ops.upsample(x, (2, 3)).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, np.repeat(np.repeat(x[0, :, :, 0], 2, 0), 3, 1))


def test_bilinear_uses_half_pixel_centres():
    # tf.image.resize / torch align_corners=False: [0, 1] -> [0, 0.25, 0.75, 1]
    y = ops.upsample(np.array([0.0, 1.0]).reshape(1, 1, 2, 1), (1, 2), "bilinear").numpy().ravel()
    np.testing.assert_allclose(y, [0, 0.25, 0.75, 1])
    for size, out in [(4, 8), (8, 3), (5, 5)]:
        matrix = interpolation_matrix(size, out, "bilinear", np.float64)
        if matrix is not None:
            np.testing.assert_allclose(matrix.sum(axis=1), 1.0)  # rows are convex weights


def test_resize_a_single_image_and_keep_dtype():
    image = np.random.default_rng(0).standard_normal((5, 4, 3)).astype(np.float32)
    y = ops.resize(image, (10, 8))
    assert y.shape == (10, 8, 3) and y.dtype == np.float32
    np.testing.assert_allclose(y.numpy(), ops.resize(image[None], (10, 8)).numpy()[0])
    first = ops.resize(image.transpose(2, 0, 1), (10, 8), data_format="channels_first").numpy()
    np.testing.assert_allclose(first.transpose(1, 2, 0), y.numpy(), rtol=1e-6)
    assert ops.upsample(image[None], 2, "bilinear").dtype == np.float32


def test_gradcheck_upsampling():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2))
    gradcheck(lambda a: ops.upsample(a, (2, 3)), [x])
    gradcheck(lambda a: ops.upsample(a, 2, "bilinear", "channels_first"), [x])
    gradcheck(lambda a: ops.resize(a, (5, 2)), [x])
    gradcheck(lambda a: ops.resize(a, (2, 7), "nearest"), [x])


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: ops.upsample(np.ones((4, 4, 1)), 2), ValueError, r"upsample: expected a 4-D .* \(4, 4, 1\)"),
        (lambda: ops.upsample(np.ones((1, 4, 4, 1)), 0), ValueError, r"upsample: .*size.* > 0"),
        (lambda: ops.upsample(np.ones((1, 4, 4, 1)), 2, "bicubic"), ValueError, r"upsample: interpolation must be"),
        (lambda: ops.resize(np.ones((4, 4)), (2, 2)), ValueError, r"resize: expected .* \(4, 4\)"),
        (lambda: ops.resize(np.ones((1, 4, 4, 1)), (2, 2, 2)), ValueError, r"resize: .*size"),
        (lambda: ops.resize(np.ones((1, 4, 4, 1), dtype=int), (2, 2)), TypeError, r"resize: expected a float"),
        (lambda: ops.resize(np.ones((1, 4, 4, 1)), (2, 2), antialias=True), NotImplementedError, r"antialias"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
