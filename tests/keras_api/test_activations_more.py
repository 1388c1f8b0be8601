"""The rest of Keras 3's activations (celu, glu, hard_shrink, hard_tanh, log_sigmoid,
soft_shrink, sparse_plus, sparse_sigmoid, sparsemax, squareplus, tanh_shrink, threshold):
values against Keras, gradients against float64 finite differences, names in layers."""

import numpy as np
import pytest

import strided
from strided import activations, ops

keras = pytest.importorskip("keras")

CASES = [
    ("celu", {}), ("celu", {"alpha": 0.5}), ("glu", {}), ("glu", {"axis": 1}), ("hard_shrink", {}),
    ("hard_shrink", {"threshold": 1.0}), ("hard_tanh", {}), ("log_sigmoid", {}), ("soft_shrink", {}),
    ("soft_shrink", {"threshold": 0.2}), ("sparse_plus", {}), ("sparse_sigmoid", {}), ("squareplus", {}), ("squareplus", {"b": 1.0}), ("tanh_shrink", {}),
    ("threshold", {"threshold": 0.1, "default_value": -2.0}),
]


def _inputs(seed):
    x = np.random.default_rng(seed).normal(scale=1.5, size=(3, 4, 6)).astype(np.float32)
    return x


@pytest.mark.parametrize("name,kwargs", CASES)
def test_values_match_keras(name, kwargs):
    x = _inputs(len(name))
    expected = keras.ops.convert_to_numpy(getattr(keras.activations, name)(x, **kwargs))
    got = getattr(activations, name)(x, **kwargs)
    assert isinstance(got, strided.Tensor) and got.dtype == np.float32
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(getattr(ops, name)(x, **kwargs).numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kwargs", CASES)
def test_gradients_by_finite_differences(name, kwargs):
    x = _inputs(len(name) + 1).astype(np.float64)
    # keep away from the kinks, where finite differences are not defined
    kinks = [kwargs.get("threshold", 0.5), -kwargs.get("threshold", 0.5), 1.0, -1.0, 0.0]
    for kink in kinks:
        x = np.where(np.abs(x - kink) < 1e-3, x + 3e-3, x)
    fn = getattr(activations, name)
    weights = np.random.default_rng(1).normal(size=fn(x, **kwargs).shape)
    assert strided.gradcheck(lambda t: ops.multiply(fn(t, **kwargs), weights), [x])


def _sparsemax_reference(z):
    """Martins & Astudillo (2016), Algorithm 1, on one vector."""
    ordered = np.sort(z)[::-1]
    k = max(j for j in range(1, len(z) + 1) if 1 + j * ordered[j - 1] > ordered[:j].sum())
    tau = (ordered[:k].sum() - 1) / k
    return np.maximum(z - tau, 0)


@pytest.mark.parametrize("axis", [-1, 1])
def test_sparsemax_is_the_simplex_projection(axis):
    # Keras 3.15 computes tau from the sum of the running sums over the support (all backends),
    # so its outputs do not sum to 1 once two entries are positive; strided follows the paper.
    x = _inputs(5)
    probabilities = activations.sparsemax(x, axis=axis).numpy()
    expected = np.apply_along_axis(_sparsemax_reference, axis, x.astype(np.float64))
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(probabilities.sum(axis), 1.0, rtol=1e-6)
    np.testing.assert_allclose(activations.sparsemax(np.array([1.0, 0.8, -1.0])).numpy(), [0.6, 0.4, 0.0],
                               atol=1e-7)
    ties = activations.sparsemax(np.array([0.5, 0.5, 0.5, -3.0])).numpy()
    np.testing.assert_allclose(ties, [1 / 3, 1 / 3, 1 / 3, 0.0], rtol=1e-6)
    one_winner = np.array([[4.0, 0.1, -1.0]], np.float32)  # support of one: Keras agrees
    np.testing.assert_allclose(activations.sparsemax(one_winner).numpy(),
                               keras.ops.convert_to_numpy(keras.activations.sparsemax(one_winner)))


def test_sparsemax_gradient():
    x = _inputs(6).astype(np.float64)
    weights = np.random.default_rng(3).normal(size=x.shape)
    assert strided.gradcheck(lambda t: ops.multiply(activations.sparsemax(t, axis=1), weights), [x])


@pytest.mark.parametrize("name", ["celu", "hard_tanh", "log_sigmoid", "sparse_plus", "squareplus", "tanh_shrink"])
def test_names_in_layers_and_configs(name):
    layer = strided.layers.Dense(3, activation=name)
    assert layer.get_config()["activation"] == keras.layers.Dense(3, activation=name).get_config()["activation"]
    assert activations.get(name) is getattr(activations, name)
    assert activations.deserialize(activations.serialize(getattr(activations, name))) is getattr(activations, name)


def test_glu_odd_axis_is_a_clear_error():
    with pytest.raises(ValueError, match="divisible by 2"):
        activations.glu(np.zeros((2, 3), np.float32))
