"""The fast elementwise activations (`kernels.fast.activation_math`, `kernels.fast.gelu`) match their references
and PyTorch, forward and backward, including block boundaries and the extreme tails."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from strided.kernels import fast_set, reference_set
from strided.kernels.fast import activation_math, gelu
from strided.kernels.fast.tuning import ELEMENTWISE_BLOCK

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)

# name, extra arguments, the PyTorch function
CASES = [
    ("gelu", (False,), lambda t: torch.nn.functional.gelu(t)),
    ("gelu", (True,), lambda t: torch.nn.functional.gelu(t, approximate="tanh")),
    ("sigmoid", (), torch.sigmoid),
    ("silu", (), torch.nn.functional.silu),
    ("softplus", (), torch.nn.functional.softplus),
    ("log_sigmoid", (), torch.nn.functional.logsigmoid),
    ("elu", (0.7,), lambda t: torch.nn.functional.elu(t, 0.7)),
    ("selu", (), torch.nn.functional.selu),
    ("leaky_relu", (0.2,), lambda t: torch.nn.functional.leaky_relu(t, 0.2)),
    ("leaky_relu", (1.5,), lambda t: torch.nn.functional.leaky_relu(t, 1.5)),
]
IDS = [f"{name}{args}" for name, args, _ in CASES]


def values(rng, size, scale):
    x = (rng.standard_normal(size) * scale).astype(np.float32)
    x[: min(size, 6)] = [0.0, -0.0, 30.0, -30.0, 1e-30, -1e-30][: min(size, 6)]
    return x


def forward_and_backward(kernels, name, args, x, dy):
    y = getattr(kernels, name)(x, *args)
    return y, getattr(kernels, name + "_backward")(dy, x, y, *args)


@SETTINGS
@given(st.sampled_from(range(len(CASES))), st.integers(1, 3 * ELEMENTWISE_BLOCK + 7),
       st.sampled_from([0.5, 3.0, 12.0]), st.integers(0, 2**16))
def test_fast_matches_reference_on_any_size(case, size, scale, seed):
    """Any length (one block, several, a ragged last one): within float32 rounding of the reference."""
    name, args, _ = CASES[case]
    rng = np.random.default_rng(seed)
    x, dy = values(rng, size, scale), rng.standard_normal(size).astype(np.float32)
    fast = forward_and_backward(fast_set, name, args, x, dy)
    reference = forward_and_backward(reference_set, name, args, x, dy)
    # atol: the reference's own float32 rounding (the tanh GELU's 1 + tanh(u) cancels for u << 0)
    for what, a, b in zip(("y", "dx"), fast, reference):
        assert a.dtype == np.float32 and a.shape == b.shape, what
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-5, err_msg=f"{name}{args} {what}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fast_matches_pytorch_on_a_feature_map(case):
    """A (2, 9, 9, 40) map with a non-contiguous view as input: values and gradients as PyTorch's."""
    name, args, torch_fn = case
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((2, 40, 9, 9)) * 3).astype(np.float32).transpose(0, 2, 3, 1)  # a view
    dy = rng.standard_normal(x.shape).astype(np.float32)
    y, dx = forward_and_backward(fast_set, name, args, x, dy)
    assert y.transpose(0, 3, 1, 2).flags.c_contiguous  # the input's memory layout, not a copy of it
    t = torch.tensor(np.ascontiguousarray(x), requires_grad=True)
    expected = torch_fn(t)
    expected.backward(torch.from_numpy(dy))
    np.testing.assert_allclose(y, expected.detach().numpy(), rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(dx, t.grad.numpy(), rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float64_keeps_the_reference_precision(case):
    """float64 goes to the reference forms: identical numbers, not float32-accurate ones."""
    name, args, _ = case
    x = np.linspace(-6, 6, 101)
    dy = np.cos(x)
    for a, b in zip(forward_and_backward(fast_set, name, args, x, dy),
                    forward_and_backward(reference_set, name, args, x, dy)):
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, b)


def test_infinities_and_nan_follow_the_formulas():
    x = np.array([np.inf, -np.inf, np.nan, 100.0, -100.0], np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # none on the way
        s = activation_math.sigmoid(x)
        assert np.array_equal(s[[0, 1, 3]], [1, 0, 1]) and 0 < s[4] < 1e-40  # e^-100, not 0
        assert gelu.gelu(x, False)[0] == np.inf
        assert activation_math.softplus(x)[0] == np.inf and activation_math.softplus(x)[1] == 0
    with np.errstate(invalid="ignore"):  # silu(-inf) = -inf * 0, as in the reference
        for name, args, _ in CASES:
            assert np.isnan(getattr(fast_set, name)(x, *args)[2]), name


def test_the_exact_gelu_is_not_the_tanh_one():
    """The two GELUs differ by about 1e-4 near x = 2: each kernel computes its own."""
    x = np.full(10, 2.0, np.float32)
    exact, approximate = gelu.gelu(x, False), gelu.gelu(x, True)
    assert np.abs(exact - approximate).max() > 1e-5
    np.testing.assert_allclose(exact, torch.nn.functional.gelu(torch.from_numpy(x)).numpy(), rtol=1e-6)
