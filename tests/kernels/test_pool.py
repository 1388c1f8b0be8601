"""Pooling kernels against naive one-window-at-a-time references (plain ndarrays, no autograd)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strided.kernels.fast import pool


def naive_windows(x, k, s, pads, fill):
    """Yield (i, j, window (N, kh, kw, C)) by the lessons' formula, one output pixel at a time."""
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)), constant_values=fill)
    oh = (xp.shape[1] - k[0]) // s[0] + 1
    ow = (xp.shape[2] - k[1]) // s[1] + 1
    for i in range(oh):
        for j in range(ow):
            yield i, j, xp[:, i * s[0] : i * s[0] + k[0], j * s[1] : j * s[1] + k[1], :]


def naive_max_pool(x, k, s, pads, gy):
    """Forward and backward, the gradient going to the first maximum of each window."""
    shape = pool.pool_output_shape(x.shape, k, s, pads)
    y, gxp = np.zeros(shape), np.zeros((x.shape[0], x.shape[1] + sum(pads[0]), x.shape[2] + sum(pads[1]), x.shape[3]))
    for i, j, window in naive_windows(x, k, s, pads, -np.inf):
        flat = window.reshape(x.shape[0], -1, x.shape[3])
        y[:, i, j] = flat.max(axis=1)
        first = flat.argmax(axis=1)  # numpy's argmax returns the first maximum
        for n in range(x.shape[0]):
            for c in range(x.shape[3]):
                a, b = divmod(first[n, c], k[1])
                gxp[n, i * s[0] + a, j * s[1] + b, c] += gy[n, i, j, c]
    gx = gxp[:, pads[0][0] : gxp.shape[1] - pads[0][1], pads[1][0] : gxp.shape[2] - pads[1][1]]
    return y, gx


pair = st.tuples(st.integers(0, 1), st.integers(0, 1))
cases = {
    "n": st.integers(1, 2), "h": st.integers(2, 8), "w": st.integers(2, 8), "c": st.integers(1, 3),
    "k": st.tuples(st.integers(1, 3), st.integers(1, 3)), "s": st.tuples(st.integers(1, 3), st.integers(1, 3)),
    "p": st.tuples(pair, pair), "seed": st.integers(0, 2**16),
}


@settings(max_examples=40, deadline=None)
@given(**cases)
def test_max_pool_matches_naive_loop(n, h, w, c, k, s, p, seed):
    if h + sum(p[0]) < k[0] or w + sum(p[1]) < k[1]:
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, (n, h, w, c)).astype(np.float64)  # small integers: many ties
    y, argmax = pool.max_pool2d_forward(x, k, s, p)
    gy = rng.standard_normal(y.shape)
    y_ref, gx_ref = naive_max_pool(x, k, s, p, gy)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_allclose(pool.max_pool2d_backward(gy, argmax, x.shape, k, s, p), gx_ref, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(**cases)
def test_sum_pool_matches_naive_loop(n, h, w, c, k, s, p, seed):
    if h + sum(p[0]) < k[0] or w + sum(p[1]) < k[1]:
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c))
    y = pool.sum_pool2d_forward(x, k, s, p)
    y_ref = np.zeros(y.shape)
    counts_ref = np.zeros(y.shape[1:3])
    real = np.ones((1, h, w, 1))
    for (i, j, window), (_, _, mask) in zip(naive_windows(x, k, s, p, 0), naive_windows(real, k, s, p, 0)):
        y_ref[:, i, j] = window.sum(axis=(1, 2))
        counts_ref[i, j] = mask.sum()
    np.testing.assert_allclose(y, y_ref, atol=1e-12)
    np.testing.assert_array_equal(pool.window_counts((h, w), k, s, p, np.float64), counts_ref)
    # backward = transpose of forward: <sum_pool(x), g> == <x, sum_pool_backward(g)>
    g = rng.standard_normal(y.shape)
    gx = pool.sum_pool2d_backward(g, x.shape, k, s, p)
    np.testing.assert_allclose(np.sum(y * g), np.sum(x * gx), rtol=1e-10)


def test_tiled_fast_path_equals_the_reshape_formula():
    x = np.random.default_rng(0).standard_normal((3, 6, 8, 4))
    tiles = x.reshape(3, 3, 2, 4, 2, 4)
    y, argmax = pool.max_pool2d_forward(x, (2, 2), (2, 2), ((0, 0), (0, 0)))
    np.testing.assert_array_equal(y, tiles.max(axis=(2, 4)))
    np.testing.assert_allclose(pool.sum_pool2d_forward(x, (2, 2), (2, 2), ((0, 0), (0, 0))), tiles.sum(axis=(2, 4)))
    assert argmax.dtype == np.uint8 and argmax.max() <= 3
    gy = np.ones(y.shape)
    gx = pool.max_pool2d_backward(gy, argmax, x.shape, (2, 2), (2, 2), ((0, 0), (0, 0)))
    np.testing.assert_array_equal(gx.reshape(3, 3, 2, 4, 2, 4).sum(axis=(2, 4)), gy)  # one winner per window
    np.testing.assert_array_equal(gx != 0, x == np.repeat(np.repeat(y, 2, 1), 2, 2))


def test_ties_send_the_gradient_to_the_first_maximum():
    x = np.array([[5.0, 5.0], [5.0, 1.0]]).reshape(1, 2, 2, 1)
    _, argmax = pool.max_pool2d_forward(x, (2, 2), (2, 2), ((0, 0), (0, 0)))
    gx = pool.max_pool2d_backward(np.ones((1, 1, 1, 1)), argmax, x.shape, (2, 2), (2, 2), ((0, 0), (0, 0)))
    assert argmax.item() == 0
    np.testing.assert_array_equal(gx[0, :, :, 0], [[1, 0], [0, 0]])


def test_max_pool_without_argmax_and_dtype():
    x = np.random.default_rng(0).standard_normal((2, 5, 5, 3)).astype(np.float32)
    y, argmax = pool.max_pool2d_forward(x, (3, 3), (2, 2), ((1, 1), (1, 1)), return_argmax=False)
    assert argmax is None and y.dtype == np.float32 and y.shape == (2, 3, 3, 3)
    _, index = pool.max_pool2d_forward(np.ones((1, 17, 17, 1)), (17, 17), (1, 1), ((0, 0), (0, 0)))
    assert index.dtype == np.uint16  # 289 offsets do not fit a uint8


@pytest.mark.parametrize("size,out", [(7, 3), (5, 5), (4, 1), (2, 3), (10, 4)])
def test_adaptive_bins_are_torch_formula(size, out):
    starts, ends = pool.adaptive_bins(size, out)
    for i in range(out):
        assert starts[i] == (i * size) // out
        assert ends[i] == -(-((i + 1) * size) // out)  # ceil
    matrix = pool.adaptive_average_matrix(size, out, np.float64)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)


def test_separable_linear_map_is_an_einsum():
    rng = np.random.default_rng(0)
    x, mh, mw = rng.standard_normal((2, 4, 5, 3)), rng.standard_normal((6, 4)), rng.standard_normal((2, 5))
    expected = np.einsum("ih,nhwc,jw->nijc", mh, x, mw)
    np.testing.assert_allclose(pool.separable_linear_map(x, mh, mw), expected, atol=1e-12)
    np.testing.assert_allclose(pool.separable_linear_map(x, None, mw), np.einsum("nhwc,jw->nhjc", x, mw), atol=1e-12)
