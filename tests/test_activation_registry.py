import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch_oracle import compare_with_torch

from strided import activations
from strided.autograd import Tensor, gradcheck

CASES = [
    ("relu", torch.relu),
    ("relu6", F.relu6),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2)),
    ("sigmoid", torch.sigmoid),
    ("tanh", torch.tanh),
    ("elu", F.elu),
    ("selu", F.selu),
    ("softplus", F.softplus),
    ("softsign", F.softsign),
    ("silu", F.silu),
    ("swish", F.silu),
    ("gelu", F.gelu),
    ("exponential", torch.exp),
    ("hard_sigmoid", F.hardsigmoid),
    ("hard_silu", F.hardswish),
    ("hard_swish", F.hardswish),
    ("mish", F.mish),
    ("softmax", lambda x: torch.softmax(x, -1)),
    ("log_softmax", lambda x: torch.log_softmax(x, -1)),
    ("linear", lambda x: x),
]


@pytest.mark.parametrize("name, torch_fn", CASES)
def test_registry_functions_match_torch(name, torch_fn, rng):
    x = rng.uniform(-5, 5, size=(4, 7))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from kinks
    x[np.abs(np.abs(x) - 3) < 1e-3] = 1.0
    compare_with_torch(activations.get(name), torch_fn, [x])


def test_gelu_approximate_matches_torch_tanh(rng):
    x = rng.standard_normal((3, 5))
    compare_with_torch(
        lambda t: activations.gelu(t, approximate=True), lambda t: F.gelu(t, approximate="tanh"), [x]
    )


def test_relu_keras_docstring_examples():
    x = [-10.0, -5.0, 0.0, 5.0, 10.0]
    np.testing.assert_allclose(activations.relu(x).numpy(), [0, 0, 0, 5, 10])
    np.testing.assert_allclose(activations.relu(x, negative_slope=0.5).numpy(), [-5, -2.5, 0, 5, 10])
    np.testing.assert_allclose(activations.relu(x, max_value=5.0).numpy(), [0, 0, 0, 5, 5])
    np.testing.assert_allclose(activations.relu(x, threshold=5.0).numpy(), [0, 0, 0, 0, 10])
    np.testing.assert_allclose(activations.relu(x, max_value=6).numpy(), [0, 0, 0, 5, 6])


def _relu_reference(x, negative_slope, max_value, threshold):
    out = np.where(x > threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        out = np.where(x >= max_value, max_value, out)
    return out


@pytest.mark.parametrize(
    "negative_slope, max_value, threshold", [(0.1, 2.0, 0.0), (0.0, 3.0, 1.0), (0.3, None, -1.0), (0.2, 4.0, 0.5)]
)
def test_relu_general_form_values_and_gradient(negative_slope, max_value, threshold, rng):
    x = rng.uniform(-5, 5, size=(6, 5))
    out = activations.relu(Tensor(x, dtype="float64"), negative_slope, max_value, threshold)
    np.testing.assert_allclose(out.numpy(), _relu_reference(x, negative_slope, max_value, threshold))
    assert gradcheck(lambda t: activations.relu(t, negative_slope, max_value, threshold), [x])


def test_softmax_axis_and_logits_kept_for_losses(rng):
    x = Tensor(rng.standard_normal((2, 3, 4)))
    y = activations.softmax(x, axis=1)
    np.testing.assert_allclose(y.numpy().sum(axis=1), 1.0, rtol=1e-6)
    assert y._keras_logits is x
    assert activations.sigmoid(x)._keras_logits is x


def test_float32_stays_float32():
    x = Tensor(np.linspace(-3, 3, 7).astype(np.float32))
    for name in ("relu", "sigmoid", "softmax", "gelu", "elu", "mish"):
        assert activations.get(name)(x).dtype == np.float32, name
    assert activations.relu(x, max_value=1.5, threshold=0.1).dtype == np.float32


def test_get_and_serialize():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu

    def custom(x):
        return x

    assert activations.get(custom) is custom
    assert activations.serialize(activations.relu) == "relu"
    assert activations.serialize(None) == "linear"
    assert activations.deserialize(activations.serialize(activations.gelu)) is activations.gelu
    with pytest.raises(ValueError, match="Unknown activation function: 'rellu'"):
        activations.get("rellu")
    with pytest.raises(ValueError, match="cannot be serialized"):
        activations.serialize(lambda x: x)
    with pytest.raises(ValueError, match="Could not interpret"):
        activations.get(3)
