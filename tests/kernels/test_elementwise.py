"""kernels.elementwise: the wide-row forms give what the plain NumPy forms give."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strided.kernels.fast import elementwise
from strided.kernels.fast.elementwise import (
    SMALL,
    WIDE,
    ChannelVector,
    column_dots,
    column_sums,
    per_channel,
)

# Shapes around the thresholds: small (plain path), wide rows with and without leftover rows,
# channels that divide WIDE, that do not, and that are wider than WIDE.
SHAPES = [(3, 5), (SMALL // 32, 32), (SMALL // 32 + 7, 32), (50, 13, 13, 64), (40, 17, 30),
          (30, 3, 1500), (2, 3, WIDE + 5), (SMALL + 3, 1), (2, 4, 4, 3)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_is_maximum_with_zero(shape, dtype):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    out = np.full_like(x, 7)
    assert elementwise.relu(x, out) is out
    np.testing.assert_array_equal(out, np.maximum(x, 0))


def test_relu_in_place_keeps_nan_and_zeroes_minus_infinity():
    x = np.random.default_rng(1).standard_normal((SMALL + 5,)).astype(np.float32)
    x[[0, 10, -1]] = [np.nan, -np.inf, np.inf]
    expected = np.maximum(x, 0)
    elementwise.relu(x, x)
    np.testing.assert_array_equal(x, expected)  # NaN compares equal to NaN here
    assert np.isnan(x[0]) and x[10] == 0 and x[-1] == np.inf


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("op", [np.multiply, np.add, np.subtract])
def test_per_channel_is_the_broadcast(shape, op):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(np.float32)
    vector = rng.standard_normal(shape[-1]).astype(np.float32)
    out = np.empty_like(x)
    assert per_channel(op, x, ChannelVector(vector), out) is out
    np.testing.assert_array_equal(out, op(x, vector))


def test_per_channel_in_place_and_on_non_contiguous_views():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((SMALL // 8, 16)).astype(np.float32)
    vector = ChannelVector(rng.standard_normal(16).astype(np.float32))
    expected = x * vector.vector
    per_channel(np.multiply, x, vector, x)
    np.testing.assert_array_equal(x, expected)
    big = rng.standard_normal((SMALL // 8, 32)).astype(np.float32)
    view = big[:, ::2]  # non-contiguous: the plain broadcast, written into the view itself
    expected = view * vector.vector
    per_channel(np.multiply, view, vector, view)
    np.testing.assert_array_equal(big[:, ::2], expected)


def test_channel_vector_repeats_to_about_wide():
    vector = ChannelVector(np.arange(48, dtype=np.float32))
    assert vector.wide.shape == (WIDE // 48 * 48,)
    np.testing.assert_array_equal(vector.wide.reshape(-1, 48), np.tile(np.arange(48), (WIDE // 48, 1)))
    assert ChannelVector(np.ones(WIDE + 100)).wide.shape == (WIDE + 100,)  # wider than WIDE: as it is


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(1, 3000), channels=st.integers(1, 70))
def test_column_sums_and_dots_match_numpy(rows, channels):
    rng = np.random.default_rng(rows * 100 + channels)
    a = rng.standard_normal((rows, channels)).astype(np.float32)
    b = rng.standard_normal((rows, channels)).astype(np.float32)
    sums = column_sums(a)
    assert sums.shape == (channels,) and sums.dtype == np.float32
    np.testing.assert_allclose(sums, a.astype(np.float64).sum(axis=0), rtol=1e-5, atol=1e-4)
    dots = column_dots(a, b, np.empty_like(a))
    np.testing.assert_allclose(dots, (a.astype(np.float64) * b).sum(axis=0), rtol=1e-5, atol=1e-4)
