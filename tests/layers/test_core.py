import json

import numpy as np
import pytest
import torch

from strided import activations, layers, regularizers
from strided.autograd import Tensor
from strided.layers.naming import reset_names


@pytest.fixture(autouse=True)
def fresh_names():
    reset_names()


def test_dense_shapes_and_params_of_the_lesson_models():
    # lesson 000: Flatten(3x3x128) -> Dense(10): 1152*10 + 10
    dense = layers.Dense(10, activation="softmax")
    assert dense(np.zeros((2, 1152))).shape == (2, 10)
    assert dense.count_params() == 11_530
    # lesson 002: Dense(128) on 1600 features, Dense(10) on 128
    first, second = layers.Dense(128, activation="relu"), layers.Dense(10)
    second(first(np.zeros((1, 1600))))
    assert (first.count_params(), second.count_params()) == (204_928, 1_290)
    assert dense.compute_output_shape((None, 1152)) == (None, 10)
    assert dense.name == "dense" and first.name == "dense_1"


def test_dense_on_symbolic_input():
    x = layers.Input(shape=(1600,))
    y = layers.Dense(128)(x)
    assert y.shape == (None, 128)


def test_dense_applies_to_the_last_axis_of_nd_input():
    layer = layers.Dense(4)
    y = layer(np.random.rand(2, 3, 5).astype("float32"))
    assert y.shape == (2, 3, 4)
    assert layer.compute_output_shape((None, 3, 5)) == (None, 3, 4)
    kernel, bias = layer.get_weights()
    x = np.arange(30, dtype="float32").reshape(2, 3, 5) / 30
    np.testing.assert_allclose(layer(x).numpy(), x @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_dense_matches_torch_linear_values_and_gradients(rng):
    x = rng.standard_normal((4, 6))
    layer = layers.Dense(3, activation="tanh", dtype="float64")
    layer.build((None, 6))
    kernel, bias = rng.standard_normal((6, 3)), rng.standard_normal(3)
    layer.set_weights([kernel, bias])
    linear = torch.nn.Linear(6, 3).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(kernel.T))  # Keras (in, out) is torch (out, in) transposed
        linear.bias.copy_(torch.tensor(bias))

    xs = Tensor(x, requires_grad=True, dtype="float64")
    ys = layer(xs)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.tanh(linear(xt))
    np.testing.assert_allclose(ys.numpy(), yt.detach().numpy(), rtol=1e-10)
    upstream = rng.standard_normal((4, 3))
    ys.backward(upstream)
    yt.backward(torch.tensor(upstream))
    np.testing.assert_allclose(xs.grad, xt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.kernel.grad, linear.weight.grad.numpy().T, rtol=1e-10)
    np.testing.assert_allclose(layer.bias.grad, linear.bias.grad.numpy(), rtol=1e-10)


def test_dense_weights_layout_and_order():
    layer = layers.Dense(5, use_bias=True)
    layer(np.zeros((1, 7)))
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert [w.shape for w in layer.get_weights()] == [(7, 5), (5,)]
    no_bias = layers.Dense(5, use_bias=False)
    no_bias(np.zeros((1, 7)))
    assert no_bias.count_params() == 35 and len(no_bias.weights) == 1


def test_dense_activation_by_name_and_callable():
    x = np.array([[-1.0, 2.0]])
    layer = layers.Dense(2, activation="relu", kernel_initializer="identity")
    np.testing.assert_allclose(layer(x).numpy(), [[0.0, 2.0]])

    def double(t):
        return t * 2.0

    layer = layers.Dense(2, activation=double, kernel_initializer="identity")
    np.testing.assert_allclose(layer(x).numpy(), [[-2.0, 4.0]])
    assert layers.Dense(2).activation is activations.linear


def test_kernel_regularizer_and_activity_regularizer_contribute_to_losses():
    # Keras' docstring example: kernel L1(0.01) on ones(5, 5) = 0.25; activity L2(0.01) of
    # outputs (all 10) over a batch of 5 = 0.01 * 25 * 100 / 5 = 5.0
    layer = layers.Dense(5, kernel_initializer="ones", kernel_regularizer=regularizers.L1(0.01),
                         activity_regularizer=regularizers.L2(0.01))
    layer(np.ones((5, 5)) * 2.0)
    assert sum(float(loss) for loss in layer.losses) == pytest.approx(5.25, rel=1e-5)
    layer = layers.Dense(3, kernel_initializer="ones", kernel_regularizer="l2", bias_regularizer="l1")
    layer.build((None, 4))
    assert [pytest.approx(float(v)) for v in layer.losses] == [0.01 * 12, 0.0]


def test_dense_get_config_round_trip():
    layer = layers.Dense(
        7, activation="relu", use_bias=False, kernel_initializer="he_normal", bias_initializer="ones",
        kernel_regularizer=regularizers.L2(1e-4), name="head",
    )
    config = json.loads(json.dumps(layer.get_config()))
    clone = layers.Dense.from_config(config)
    assert clone.get_config() == layer.get_config()
    assert clone.activation is activations.relu and clone.name == "head"
    assert clone.kernel_regularizer.get_config() == {"l2": 1e-4}


@pytest.mark.parametrize("units", [0, -3, 2.5, None])
def test_dense_bad_units_names_the_layer(units):
    with pytest.raises(ValueError, match=rf"Dense.*Received: units={units}"):
        layers.Dense(units)


def test_dense_rejects_unknown_names_and_kwargs():
    with pytest.raises(ValueError, match="Unknown activation function: 'rellu'"):
        layers.Dense(3, activation="rellu")
    with pytest.raises(ValueError, match="Unknown initializer"):
        layers.Dense(3, kernel_initializer="glorot")
    with pytest.raises(TypeError, match="Dense"):
        layers.Dense(3, kernel_size=3)


def test_dense_wrong_input_size_after_build():
    layer = layers.Dense(3)
    layer(np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"Error in Dense 'dense'.*size 4.*\(1, 5\)"):
        layer(np.zeros((1, 5)))


def test_activation_identity_and_lambda_layers():
    x = np.array([[-1.0, 0.5]], dtype="float32")
    np.testing.assert_allclose(layers.Activation("relu")(x).numpy(), [[0.0, 0.5]])
    np.testing.assert_allclose(layers.Activation(activations.sigmoid)(x).numpy(), 1 / (1 + np.exp(-x)), rtol=1e-6)
    assert layers.Activation("softmax").compute_output_shape((None, 2)) == (None, 2)
    np.testing.assert_array_equal(layers.Identity()(x).numpy(), x)

    scale = layers.Lambda(lambda t: t / 255.0)
    np.testing.assert_allclose(scale(np.full((1, 2), 255.0)).numpy(), [[1.0, 1.0]])
    assert scale.compute_output_shape((None, 28, 28)) == (None, 28, 28)
    pairs = layers.Lambda(lambda t: t.reshape((t.shape[0], -1, 2)), output_shape=(3, 2))
    assert pairs.compute_output_shape((None, 6)) == (None, 3, 2)
    summed = layers.Lambda(lambda t, k: t * k, arguments={"k": 3.0})
    np.testing.assert_allclose(summed(np.ones((1, 2))).numpy(), [[3.0, 3.0]])


def test_lambda_config_keeps_names_never_code():
    layer = layers.Lambda(activations.relu, name="rectify")
    config = json.loads(json.dumps(layer.get_config()))
    assert config["function"] == "relu"
    assert layers.Lambda.from_config(config).function is activations.relu

    def my_scale(t):
        return t * 0.5

    config = layers.Lambda(my_scale).get_config()
    with pytest.raises(ValueError, match="custom_objects"):
        layers.Lambda.from_config(config)
    restored = layers.Lambda.from_config(config, custom_objects={"my_scale": my_scale})
    assert restored.function is my_scale
    with pytest.raises(TypeError, match="callable"):
        layers.Lambda(3)


def test_activation_config_round_trip():
    layer = layers.Activation("gelu")
    clone = layers.Activation.from_config(json.loads(json.dumps(layer.get_config())))
    assert clone.activation is activations.gelu
