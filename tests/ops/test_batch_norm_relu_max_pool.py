"""`ops.batch_norm_train(relu=True, pool_size=...)`: BatchNorm -> ReLU -> MaxPool as one op
(`kernels.fast.batch_norm_pool` on the fast kernels, the composition on the reference ones)
computes PyTorch 2.13's batch_norm (training) -> relu -> max_pool2d, values and gradients, ties
included; the same bits on one and two threads; a clear error for arguments it cannot fuse."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F  # noqa: N812
from hypothesis import given, settings
from hypothesis import strategies as st

import strided
from strided import ops
from strided.autograd import Tensor
from strided.kernels.fast import tuning


def pytorch(x, gamma, beta, window, upstream, epsilon):
    """PyTorch's values and gradients for x (N, H, W, C), as channels-first inside."""
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    gt, bt = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    y = F.max_pool2d(F.relu(F.batch_norm(xt, None, None, gt, bt, True, 0.1, epsilon)), window)
    y.backward(torch.tensor(upstream.transpose(0, 3, 1, 2)))
    return (y.detach().numpy().transpose(0, 2, 3, 1), xt.grad.numpy().transpose(0, 2, 3, 1), gt.grad.numpy(),
            bt.grad.numpy())


def ours(x, gamma, beta, window, upstream, epsilon):
    xs, gs, bs = Tensor(x, requires_grad=True), Tensor(gamma, requires_grad=True), Tensor(beta, requires_grad=True)
    y, mean, var = ops.batch_norm_train(xs, gs, bs, axis=-1, epsilon=epsilon, relu=True, pool_size=window)
    y.backward(upstream)
    return y.data, xs.grad, gs.grad, bs.grad


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(2, 9), st.integers(2, 9), st.integers(1, 3),
       st.integers(1, 3), st.booleans(), st.sampled_from(["fast", "reference"]), st.integers(0, 2 ** 16))
def test_values_and_gradients_as_pytorch(n, channels, height, width, ph, pw, ties, kernels, seed):
    ph, pw = min(ph, height), min(pw, width)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, height, width, channels)) * 2 + 1
    if ties:  # few distinct values: windows with equal maxima, and all-negative windows
        x = np.round(x)
    gamma, beta = rng.normal(0, 1.5, channels), rng.normal(0, 1, channels)
    shape = (n, height // ph, width // pw, channels)
    upstream = rng.standard_normal(shape)
    with strided.kernels_used(kernels):
        got = ours(x, gamma, beta, (ph, pw), upstream, 1e-5)
    expected = pytorch(x, gamma, beta, (ph, pw), upstream, 1e-5)
    for what, a, b in zip(("y", "dx", "dgamma", "dbeta"), got, expected):
        assert a.shape == b.shape, what
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=what)


def test_float32_fast_equals_reference_and_keeps_the_dtype():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((6, 8, 10, 5)) * 3 - 1).astype(np.float32)
    gamma, beta = rng.normal(1, 0.5, 5).astype(np.float32), rng.normal(0, 1, 5).astype(np.float32)
    upstream = rng.standard_normal((6, 4, 5, 5)).astype(np.float32)
    with strided.kernels_used("fast"):
        fast = ours(x, gamma, beta, (2, 2), upstream, 1e-5)
    with strided.kernels_used("reference"):
        reference = ours(x, gamma, beta, (2, 2), upstream, 1e-5)
    for a, b in zip(fast, reference):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_the_same_bits_on_one_and_two_threads(monkeypatch):
    monkeypatch.setattr(tuning, "BATCH_NORM_POOL_CHUNK_FLOATS", 256)  # many chunks,
    monkeypatch.setattr(tuning, "BATCH_NORM_THREADED_FLOATS", 1)  # shared by the threads
    rng = np.random.default_rng(2)
    x = rng.standard_normal((40, 8, 6, 3)).astype(np.float32) * 4 + 2
    gamma, beta = rng.normal(1, 0.5, 3).astype(np.float32), rng.normal(0, 1, 3).astype(np.float32)
    upstream = rng.standard_normal((40, 4, 3, 3)).astype(np.float32)
    before = strided.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            strided.set_num_threads(threads)
            results.append(ours(x, gamma, beta, (2, 2), upstream, 1e-5))
    finally:
        strided.set_num_threads(before)
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def test_arguments_it_cannot_fuse_are_refused_in_plain_words():
    x = np.ones((2, 4, 4, 3))
    with pytest.raises(ValueError, match="pool_size=\\(2, 2\\) needs relu=True"):
        ops.batch_norm_train(x, np.ones(3), np.zeros(3), relu=False, pool_size=(2, 2))
    with pytest.raises(ValueError, match="at least as large as the window"):
        ops.batch_norm_train(x, np.ones(3), np.zeros(3), relu=True, pool_size=(5, 2))
