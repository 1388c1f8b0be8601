"""kernels.fast.linear (PyTorch's Linear on the batch's leaves, over the kernel threads) against
its reference (`reference_set.linear_*`, the Dense reference with the weight transposed) and
against torch.nn.functional.linear's values and gradients; the same bits on 1 and 2 threads and
for a batch computed in two halves."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import strided
from strided.kernels import fast_set, reference_set
from strided.kernels.fast import linear

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)


@pytest.fixture
def threaded(monkeypatch):
    """Share even tiny products' leaves among the threads, so that the threaded path runs."""
    monkeypatch.setattr(linear, "LINEAR_THREADED_PRODUCTS", 1)


def _case(rng, rows, features, units, dtype, with_bias):
    x2 = rng.standard_normal((rows, features)).astype(dtype)
    weight = rng.standard_normal((units, features)).astype(dtype)
    bias = rng.standard_normal(units).astype(dtype) if with_bias else None
    gy = rng.standard_normal((rows, units)).astype(dtype)
    return x2, weight, bias, gy


def _tolerance(dtype):
    return {"rtol": 1e-10, "atol": 1e-10} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-4}


@SETTINGS
@given(st.integers(1, 40), st.integers(1, 30), st.integers(1, 25), st.sampled_from([np.float32, np.float64]),
       st.booleans(), st.booleans(), st.integers(0, 2**16))
def test_fast_linear_matches_reference_and_torch(rows, features, units, dtype, with_bias, relu, seed):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(linear, "LINEAR_THREADED_PRODUCTS", 1)
        x2, weight, bias, gy = _case(np.random.default_rng(seed), rows, features, units, dtype, with_bias)
        results = []
        for kernels in (fast_set, reference_set):
            y = kernels.linear_forward(x2, weight, bias, relu)
            results.append((y, *kernels.linear_backward(gy, x2, weight, y if relu else None, True, True,
                                                        with_bias)))
    xt = torch.tensor(x2, requires_grad=True)
    wt = torch.tensor(weight, requires_grad=True)
    bt = torch.tensor(bias, requires_grad=True) if with_bias else None
    yt = torch.nn.functional.linear(xt, wt, bt)
    if relu:
        yt = torch.relu(yt)
    yt.backward(torch.tensor(gy))
    expected = (yt.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy() if with_bias else None)
    for what, fast, reference, theirs in zip(("y", "dx", "dweight", "dbias"), *results, expected):
        if theirs is None:
            assert fast is None and reference is None, what
            continue
        assert fast.shape == theirs.shape and fast.dtype == dtype, what
        np.testing.assert_allclose(fast, reference, err_msg=what, **_tolerance(dtype))
        np.testing.assert_allclose(fast, theirs, err_msg=what, **_tolerance(dtype))


def test_only_the_asked_gradients_are_computed(threaded):
    x2, weight, bias, gy = _case(np.random.default_rng(1), 5, 7, 4, np.float64, True)
    dx, dweight, dbias = fast_set.linear_backward(gy, x2, weight, None, False, True, False)
    assert dx is None and dbias is None
    np.testing.assert_allclose(dweight, gy.T @ x2, rtol=1e-12)


def test_the_same_bits_on_one_and_two_threads():
    """Large enough to be split into blocks: each element is still one whole dot product."""
    x2, weight, bias, gy = _case(np.random.default_rng(2), 64, 700, 130, np.float32, True)
    results = []
    before = strided.get_num_threads()
    try:
        for threads in (1, 2):
            strided.set_num_threads(threads)
            y = fast_set.linear_forward(x2, weight, bias, True)
            results.append((y, *fast_set.linear_backward(gy, x2, weight, y, True, True, True)))
    finally:
        strided.set_num_threads(before)
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)


def test_a_batch_in_two_halves_gives_the_same_bits(threaded):
    """y row by row, and dW, db as the halves' sums added: what a process computing one half of
    the batch contributes (the batch's halving tree, `parallel.batch_leaves`)."""
    x2, weight, bias, gy = _case(np.random.default_rng(4), 64, 50, 20, np.float32, True)
    y = fast_set.linear_forward(x2, weight, bias, False)
    whole = fast_set.linear_backward(gy, x2, weight, None, True, True, True)
    halves = [fast_set.linear_backward(gy[part], x2[part], weight, None, True, True, True)
              for part in (slice(0, 32), slice(32, 64))]
    np.testing.assert_array_equal(y[:32], fast_set.linear_forward(x2[:32], weight, bias, False))
    np.testing.assert_array_equal(whole[0], np.concatenate([halves[0][0], halves[1][0]]))
    np.testing.assert_array_equal(whole[1], halves[0][1] + halves[1][1])
    np.testing.assert_array_equal(whole[2], halves[0][2] + halves[1][2])


def test_the_leaves_are_whole_samples_of_several_rows(threaded):
    """x (N, T, in) as N*T rows: the halves are halves of the samples (T rows each)."""
    samples, steps = 24, 3
    x2, weight, bias, gy = _case(np.random.default_rng(5), samples * steps, 30, 12, np.float64, True)
    leaves_in_samples, leaves_in_rows = linear.sample_leaves(samples * steps, samples)
    assert [(a * steps, b * steps) for a, b in leaves_in_samples] == leaves_in_rows
    whole = fast_set.linear_backward(gy, x2, weight, None, True, True, True, images=samples)
    half = samples // 2 * steps
    first, second = (fast_set.linear_backward(gy[part], x2[part], weight, None, True, True, True,
                                              images=samples // 2)
                     for part in (slice(0, half), slice(half, None)))
    np.testing.assert_array_equal(whole[1], first[1] + second[1])
    np.testing.assert_allclose(whole[1], gy.T @ x2, rtol=1e-12)
