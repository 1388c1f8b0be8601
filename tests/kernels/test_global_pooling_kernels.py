"""Global average and max pooling kernels: fast against reference (hypothesis shapes, both data
formats, odd sizes, ties and NaN), against torch's adaptive pooling to 1x1 in float64 and
float32 with gradients, and by finite differences."""

from unittest import mock

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from strided import ops
from strided.autograd import Tensor, gradcheck
from strided.kernels import fast_set, reference_set
from strided.kernels.fast import global_pooling, tuning

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)


@st.composite
def pooling_cases(draw):
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 37)), draw(st.integers(1, 9)))
    return (shape, draw(st.booleans()), draw(st.sampled_from(["normal", "ties", "nan"])),
            draw(st.sampled_from([np.float32, np.float64])), draw(st.integers(0, 2**16)))


@SETTINGS
@given(pooling_cases())
def test_fast_global_pooling_matches_the_reference(case):
    shape, channels_first, values, dtype, seed = case
    rng = np.random.default_rng(seed)
    x3 = rng.standard_normal(shape)
    if values == "ties":
        x3 = np.round(x3)  # many equal maxima: the gradient goes to the first
    elif values == "nan":
        x3[rng.random(shape) < 0.1] = np.nan
    x3 = x3.astype(dtype)
    channels = shape[1] if channels_first else shape[2]
    gy = rng.standard_normal((shape[0], channels)).astype(dtype)
    tolerance = {"rtol": 1e-10, "atol": 1e-10} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-5}

    mean = fast_set.global_average_pool_forward(x3, channels_first)
    np.testing.assert_allclose(mean, reference_set.global_average_pool_forward(x3, channels_first), **tolerance)
    np.testing.assert_allclose(fast_set.global_average_pool_backward(gy, shape, channels_first),
                               reference_set.global_average_pool_backward(gy, shape, channels_first), **tolerance)
    for training in (False, True):  # the saved winners of training, for the backward below
        y, saved = fast_set.global_max_pool_forward(x3, channels_first, training)
        y_ref, saved_ref = reference_set.global_max_pool_forward(x3, channels_first, training)
        assert y.dtype == dtype and np.array_equal(y, y_ref, equal_nan=True)
    dx = fast_set.global_max_pool_backward(gy, saved, shape, channels_first)
    assert np.array_equal(dx, reference_set.global_max_pool_backward(gy, saved_ref, shape, channels_first))


def _nchw(x, channels_first):
    return x if channels_first else np.ascontiguousarray(np.moveaxis(x, 1, -1))


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-10), (np.float32, 1e-5)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling_matches_torch_adaptive_pooling(rng, dtype, tolerance, data_format, kind, keepdims):
    nchw = rng.standard_normal((3, 5, 7, 9)).astype(dtype)
    first = data_format == "channels_first"
    op = ops.global_max_pool if kind == "max" else ops.global_average_pool
    x = Tensor(_nchw(nchw, first), requires_grad=True)
    y = op(x, keepdims=keepdims, data_format=data_format)
    expected_x = torch.tensor(nchw, requires_grad=True)
    pool = F.adaptive_max_pool2d if kind == "max" else F.adaptive_avg_pool2d
    expected = pool(expected_x, 1)
    upstream = rng.standard_normal((3, 5)).astype(dtype)
    y.backward(upstream.reshape(y.shape))
    expected.backward(torch.tensor(upstream).reshape(expected.shape))
    theirs = expected.detach().numpy()
    theirs = _nchw(theirs, first) if keepdims else theirs[:, :, 0, 0]
    assert y.shape == theirs.shape and y.dtype == dtype
    np.testing.assert_allclose(y.data, theirs, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(x.grad, _nchw(expected_x.grad.numpy(), first), rtol=tolerance, atol=tolerance)


def test_gradcheck_global_pooling(rng):
    x = rng.standard_normal((2, 3, 5, 4))
    for data_format in ("channels_last", "channels_first"):
        assert gradcheck(lambda x, fmt=data_format: ops.global_max_pool(x, data_format=fmt), [x])
        assert gradcheck(lambda x, fmt=data_format: ops.global_average_pool(x, keepdims=True, data_format=fmt), [x])
    assert gradcheck(lambda x: ops.global_max_pool(x), [rng.standard_normal((2, 3, 2, 3, 4))])  # 3-D


def test_global_max_pool_gradient_goes_to_the_first_of_tied_maxima():
    x = np.array([[[1.0, 5.0], [3.0, 5.0], [3.0, 2.0]]])  # (1, 3, 2): channel 0 ties at 1, 2; channel 1 at 0, 1
    tensor = Tensor(x, requires_grad=True)
    ops.global_max_pool(tensor).backward(np.array([[10.0, 20.0]]))
    np.testing.assert_array_equal(tensor.grad, [[[0.0, 20.0], [10.0, 0.0], [0.0, 0.0]]])


@pytest.mark.parametrize("round_floats", [0, 1 << 40])  # the maxima of halves always, or never
@pytest.mark.parametrize("shape", [(2, 1, 3), (3, 2, 5), (2, 7, 4), (2, 33, 3), (1, 64, 2), (2, 255, 1)])
def test_both_channels_last_max_methods_match_the_reference(rng, round_floats, shape):
    x3 = np.round(rng.standard_normal(shape) * 2).astype(np.float32)  # ties
    x3[0, -1, 0] = np.nan
    gy = rng.standard_normal((shape[0], shape[2])).astype(np.float32)
    with mock.patch.object(tuning, "GLOBAL_MAX_ROUND_FLOATS", round_floats):
        assert global_pooling.by_halves(*shape) == (round_floats == 0 and shape[1] > 0)
        y, saved = fast_set.global_max_pool_forward(x3, False)
        dx = fast_set.global_max_pool_backward(gy, saved, shape, False)
    y_ref, saved_ref = reference_set.global_max_pool_forward(x3, False)
    assert np.array_equal(y, y_ref, equal_nan=True)
    assert np.array_equal(dx, reference_set.global_max_pool_backward(gy, saved_ref, shape, False))
