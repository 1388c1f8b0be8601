"""Activations: values and gradients vs PyTorch, finite differences, dtypes, stability."""

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

PAIRS = {
    "relu": (ops.relu, torch.relu),
    "relu6": (ops.relu6, F.relu6),
    "leaky_relu": (ops.leaky_relu, lambda x: F.leaky_relu(x, 0.2)),
    "elu": (ops.elu, F.elu),
    "selu": (ops.selu, F.selu),
    "gelu_tanh": (ops.gelu, lambda x: F.gelu(x, approximate="tanh")),
    "gelu_exact": (lambda x: ops.gelu(x, approximate=False), F.gelu),
    "sigmoid": (ops.sigmoid, torch.sigmoid),
    "tanh": (ops.tanh, torch.tanh),
    "softplus": (ops.softplus, F.softplus),
    "softsign": (ops.softsign, F.softsign),
    "log_sigmoid": (ops.log_sigmoid, F.logsigmoid),
    "silu": (ops.silu, F.silu),
    "swish": (ops.swish, F.silu),
    "hard_sigmoid": (ops.hard_sigmoid, F.hardsigmoid),
    "hard_silu": (ops.hard_silu, F.hardswish),
    "hard_swish": (ops.hard_swish, F.hardswish),
    "softmax": (ops.softmax, lambda x: torch.softmax(x, -1)),
    "log_softmax": (ops.log_softmax, lambda x: torch.log_softmax(x, -1)),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
@settings(max_examples=25, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=5), seed=st.integers(0, 2**16))
def test_matches_torch(name, shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape) * 4
    strided_fn, torch_fn = PAIRS[name]
    compare_with_torch(strided_fn, torch_fn, [x])


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_gradcheck(name, rng):
    x = rng.uniform(0.2, 2.5, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))  # away from kinks
    assert gradcheck(PAIRS[name][0], [x])


@pytest.mark.parametrize("name", sorted(PAIRS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(name, dtype, rng):
    x = Tensor(rng.standard_normal((2, 3)), dtype=dtype, requires_grad=True)
    y = PAIRS[name][0](x)
    assert y.dtype == dtype
    y.backward(np.ones(y.shape))
    assert x.grad.dtype == dtype


def test_integer_input_becomes_float():
    assert ops.relu(np.array([-1, 2])).dtype == np.float32


def test_sigmoid_softplus_stable_for_large_inputs():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise"):
        s, sp, ls = ops.sigmoid(x).data, ops.softplus(x).data, ops.log_sigmoid(x).data
    np.testing.assert_allclose(s, [0, 0, 0.5, 1, 1], atol=1e-7)
    np.testing.assert_allclose(sp, [0, 0, np.log(2), 50, 1000], rtol=1e-6, atol=1e-7)
    assert np.all(np.isfinite(ls)) and ls[0] == -1000


def test_softmax_stable_and_normalised():
    x = np.array([[1000.0, 1000.0, -1000.0], [1e4, 0.0, 0.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise"):
        y = ops.softmax(x).data
        log_y = ops.log_softmax(x).data
    np.testing.assert_allclose(y, [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]], atol=1e-7)
    np.testing.assert_allclose(log_y[1], [0.0, -1e4, -1e4])


def test_softmax_axis_and_tuple_axis(rng):
    x = rng.standard_normal((2, 3, 4))
    compare_with_torch(lambda t: ops.softmax(t, axis=1), lambda t: torch.softmax(t, 1), [x])
    y = ops.softmax(x, axis=(1, 2)).data
    np.testing.assert_allclose(y.sum(axis=(1, 2)), 1.0)
    compare_with_torch(lambda t: ops.log_softmax(t, axis=0), lambda t: torch.log_softmax(t, 0), [x])


def test_leaky_relu_slope_and_alpha_alias():
    x = np.array([-10.0, 5.0])
    np.testing.assert_allclose(ops.leaky_relu(x).data, [-2.0, 5.0])  # Keras 3 default 0.2
    np.testing.assert_allclose(ops.leaky_relu(x, negative_slope=0.1).data, [-1.0, 5.0])
    np.testing.assert_allclose(ops.leaky_relu(x, alpha=0.3).data, [-3.0, 5.0])


def test_keras_formulas():
    x = np.array([-4.0, -3.0, 0.0, 1.5, 3.0, 4.0])
    np.testing.assert_allclose(ops.hard_sigmoid(x).data, np.clip(x + 3, 0, 6) / 6)
    np.testing.assert_allclose(ops.hard_silu(x).data, x * np.clip(x + 3, 0, 6) / 6)
    np.testing.assert_allclose(ops.elu(x, alpha=2.0).data, np.where(x > 0, x, 2 * np.expm1(x)))
    np.testing.assert_allclose(ops.gelu([1.0], approximate=False).data, [0.8413447], rtol=1e-6)
    np.testing.assert_allclose(ops.gelu([1.0]).data, [0.8411920], rtol=1e-6)


def test_softmax_bad_axis():
    with pytest.raises(ValueError, match="softmax: axis 2 is out of range"):
        ops.softmax(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="log_softmax: expected an input with at least 1"):
        ops.log_softmax(np.float32(1.0))


@pytest.mark.parametrize("slope, max_value, threshold", [(0.0, 6.0, 0.0), (0.1, 2.0, -0.5), (0.3, None, 1.0)])
def test_general_relu_matches_torch_pieces(slope, max_value, threshold):
    """One op for Keras' relu options: x between the threshold and the cap, the cap above,
    slope * (x - threshold) at or below the threshold (its masks found inside the op)."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 5)) * 3

    def reference(t):
        cap = float("inf") if max_value is None else max_value
        return torch.where(t > threshold, torch.clamp(t, max=cap), slope * (t - threshold))

    compare_with_torch(lambda t: ops.general_relu(t, slope, max_value, threshold), reference, [x])
