import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from strided import layers

from ._torch_layers import compare_layer_with_torch

X = [[-10.0, -5.0, -0.5, 0.5, 5.0, 10.0]]


@pytest.mark.parametrize(
    "layer, expected",
    [
        (lambda: layers.ReLU(), [0, 0, 0, 0.5, 5, 10]),
        (lambda: layers.ReLU(max_value=6.0), [0, 0, 0, 0.5, 5, 6]),
        (lambda: layers.ReLU(negative_slope=0.1), [-1, -0.5, -0.05, 0.5, 5, 10]),
        (lambda: layers.ReLU(threshold=1.0), [0, 0, 0, 0, 5, 10]),
        (lambda: layers.LeakyReLU(), [-3, -1.5, -0.15, 0.5, 5, 10]),  # Keras 3 layer default 0.3
        (lambda: layers.LeakyReLU(negative_slope=0.1), [-1, -0.5, -0.05, 0.5, 5, 10]),
        (lambda: layers.LeakyReLU(alpha=0.2), [-2, -1, -0.1, 0.5, 5, 10]),  # Keras 2 spelling
    ],
)
def test_relu_family_values(layer, expected):
    np.testing.assert_allclose(layer()(np.array(X)).numpy()[0], expected, rtol=1e-6)


@pytest.mark.parametrize(
    "layer, torch_fn",
    [
        (lambda: layers.ReLU(dtype="float64"), torch.relu),
        (lambda: layers.ReLU(max_value=1.0, dtype="float64"), lambda t: torch.clamp(t, 0, 1)),
        (lambda: layers.LeakyReLU(dtype="float64"), lambda t: F.leaky_relu(t, 0.3)),
        (lambda: layers.ELU(alpha=0.5, dtype="float64"), lambda t: F.elu(t, 0.5)),
        (lambda: layers.Softmax(dtype="float64"), lambda t: torch.softmax(t, -1)),
        (lambda: layers.Softmax(axis=1, dtype="float64"), lambda t: torch.softmax(t, 1)),
    ],
)
def test_activation_layers_match_torch(layer, torch_fn, rng):
    x = rng.standard_normal((3, 4, 5)) * 2
    x[np.abs(x - 1.0) < 1e-3] = 0.5
    layer = layer()
    compare_layer_with_torch(layer, torch_fn, x, [], [])
    assert layer.compute_output_shape((None, 4, 5)) == (None, 4, 5)
    assert layer.count_params() == 0


def test_softmax_mask():
    y = layers.Softmax()(np.array([[1.0, 2.0, 3.0]]), mask=np.array([[1, 1, 0]])).numpy()
    np.testing.assert_allclose(y, [[1 / (1 + np.e), np.e / (1 + np.e), 0.0]], rtol=1e-6)


def test_prelu_matches_torch_and_shares_axes(rng):
    x = rng.standard_normal((2, 4, 4, 3))
    layer = layers.PReLU(shared_axes=[1, 2], dtype="float64")
    alpha = rng.uniform(0, 0.5, (1, 1, 3))

    def torch_prelu(xt, a):
        return F.prelu(xt.permute(0, 3, 1, 2), a).permute(0, 2, 3, 1)

    compare_layer_with_torch(layer, torch_prelu, x, [alpha], [(lambda a: a.reshape(3), lambda g: g.reshape(1, 1, 3))])
    full = layers.PReLU()
    full(np.zeros((2, 4, 4, 3)))
    assert full.count_params() == 48 and full.weights[0].name == "alpha"
    np.testing.assert_array_equal(full.get_weights()[0], 0)


@pytest.mark.parametrize(
    "layer",
    [lambda: layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5), lambda: layers.LeakyReLU(0.2),
     lambda: layers.Softmax(axis=[1, 2]), lambda: layers.ELU(0.7),
     lambda: layers.PReLU(alpha_initializer="ones", shared_axes=[1], alpha_regularizer="l2")],
)
def test_config_round_trip(layer):
    layer = layer()
    config = json.loads(json.dumps(layer.get_config()))
    assert type(layer).from_config(config).get_config() == layer.get_config()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.ReLU(max_value=-1), r"ReLU.*max_value=-1"),
        (lambda: layers.ReLU(negative_slope=-0.1), r"ReLU.*negative_slope=-0.1"),
        (lambda: layers.LeakyReLU(negative_slope="x"), r"LeakyReLU.*negative_slope='x'"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
