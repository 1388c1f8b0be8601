"""Dropout: inverted scaling, determinism, noise_shape (SpatialDropout), gradients, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_oracle import compare_with_torch

from strided import ops
from strided.autograd import Tensor, gradcheck


@settings(max_examples=25, deadline=None)
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=6),
    rate=st.floats(0.05, 0.95),
    seed=st.integers(0, 2**16),
)
def test_matches_torch_with_the_same_mask(shape, rate, seed):
    x = np.random.default_rng(seed).standard_normal(shape) + 3.0  # never exactly 0
    kept = ops.dropout(Tensor(x, dtype=np.float64), rate, seed=seed).data != 0
    mask = torch.tensor(kept / (1 - rate))  # torch's dropout = x * bernoulli(1 - rate) / (1 - rate)
    compare_with_torch(lambda t: ops.dropout(t, rate, seed=seed), lambda t: t * mask, [x])


def test_identity_when_not_training_or_rate_zero(rng):
    x = rng.standard_normal((3, 4))
    compare_with_torch(
        lambda t: ops.dropout(t, 0.5, training=False),
        lambda t: F.dropout(t, 0.5, training=False),
        [x],
    )
    compare_with_torch(lambda t: ops.dropout(t, 0.0), lambda t: F.dropout(t, 0.0), [x])
    t = Tensor(x)
    assert ops.dropout(t, 0.5, training=False) is t


def test_inverted_scaling_and_rate(rng):
    y = ops.dropout(np.ones((200, 500), np.float32), 0.3, seed=1).data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.01
    assert abs(y.mean() - 1.0) < 0.02  # the expected value is unchanged


def test_rate_one_drops_everything():
    np.testing.assert_array_equal(ops.dropout(np.ones((2, 3)), 1.0, seed=0).data, 0.0)


def test_deterministic_given_seed():
    x = np.ones((4, 8))
    a, b = ops.dropout(x, 0.5, seed=7).data, ops.dropout(x, 0.5, seed=7).data
    np.testing.assert_array_equal(a, b)
    gen1, gen2 = np.random.default_rng(3), np.random.default_rng(3)
    first = ops.dropout(x, 0.5, seed=gen1).data
    np.testing.assert_array_equal(first, ops.dropout(x, 0.5, seed=gen2).data)
    assert not np.array_equal(first, ops.dropout(x, 0.5, seed=gen1).data)  # generator advanced
    np.random.seed(5)
    c = ops.dropout(x, 0.5).data
    np.random.seed(5)
    np.testing.assert_array_equal(c, ops.dropout(x, 0.5).data)


def test_spatial_noise_shape_drops_whole_channels():
    x = np.ones((3, 5, 5, 16))
    for noise_shape in ((3, 1, 1, 16), (None, 1, 1, None)):
        y = ops.dropout(x, 0.5, noise_shape=noise_shape, seed=2).data
        per_channel = y.reshape(3, 25, 16)
        assert np.all(per_channel == per_channel[:, :1, :])  # each map all kept or all dropped
        assert 0 < (per_channel[:, 0, :] == 0).sum() < 48


def test_gradient_is_the_mask(rng):
    x = Tensor(rng.standard_normal((4, 6)) + 5, requires_grad=True)
    y = ops.dropout(x, 0.4, seed=0)
    y.backward(np.ones(y.shape))
    np.testing.assert_allclose(x.grad, np.where(y.data != 0, 1 / 0.6, 0.0), rtol=1e-6)
    assert gradcheck(
        lambda t: ops.dropout(t, 0.4, noise_shape=(4, 1), seed=3), [rng.standard_normal((4, 6))]
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype):
    x = Tensor(np.ones((3, 3)), dtype=dtype, requires_grad=True)
    y = ops.dropout(x, 0.5, seed=0)
    y.backward(np.ones(y.shape))
    assert y.dtype == dtype and x.grad.dtype == dtype


def test_bad_arguments():
    x = np.ones((2, 4, 4, 3))
    with pytest.raises(
        ValueError, match=r"dropout: `rate` must be a float between 0 and 1. Received: rate=1.5"
    ):
        ops.dropout(x, 1.5)
    with pytest.raises(ValueError, match="rate=-0.1"):
        ops.dropout(x, -0.1)
    with pytest.raises(
        ValueError, match=r"one entry per input axis \(4 for input shape \(2, 4, 4, 3\)\)"
    ):
        ops.dropout(x, 0.5, noise_shape=(2, 3))
    with pytest.raises(ValueError, match=r"must be 1 .* noise_shape=\(2, 1, 1, 5\)"):
        ops.dropout(x, 0.5, noise_shape=(2, 1, 1, 5))
    with pytest.raises(TypeError, match="dropout: `seed` must be None, an int"):
        ops.dropout(x, 0.5, seed="abc")
