"""Functional API: graphs with branches, merges, several inputs/outputs, cut-out sub-models."""

import numpy as np
import pytest
from lesson_models import fashion_mnist_model, feature_map_model, mnist_functional_model

from strided import layers
from strided.autograd import Tensor
from strided.models import Functional, Model


def test_lesson_000_functional_mnist_model():
    model = mnist_functional_model()
    assert isinstance(model, Functional) and model.name == "functional"
    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense"]
    assert [layer.output.shape for layer in model.layers[1:]] == [
        (None, 26, 26, 32), (None, 13, 13, 32), (None, 11, 11, 64), (None, 5, 5, 64),
        (None, 3, 3, 128), (None, 1152), (None, 10)]
    assert model.count_params() == 320 + 18_496 + 73_856 + 11_530
    assert model.predict(np.zeros((2, 28, 28, 1)), verbose=0).shape == (2, 10)


def test_lesson_000_model_without_pooling():
    model = mnist_functional_model(pooling=False)
    assert model.layers[-2].output.shape == (None, 61952)
    assert model.count_params() == 320 + 18_496 + 73_856 + 619_530


def test_feature_map_model_returns_one_array_per_conv_and_pool_layer():
    model = fashion_mnist_model()
    activation_model = feature_map_model(model)
    image = np.random.default_rng(0).random((1, 28, 28, 1)).astype("float32")
    maps = activation_model.predict(image, verbose=False)
    assert isinstance(maps, list) and len(maps) == 4
    assert [m.shape for m in maps] == [(1, 26, 26, 64), (1, 13, 13, 64), (1, 11, 11, 64), (1, 5, 5, 64)]
    # the feature maps are the original model's intermediate values (shared weights)
    conv = model.layers[0]
    expected = conv(image).numpy()
    np.testing.assert_allclose(maps[0], expected, rtol=1e-6)
    assert activation_model.count_params() == 640 + 36_928


def test_functional_model_cut_from_functional_model():
    model = mnist_functional_model()
    outputs = [layer.output for layer in model.layers if isinstance(layer, layers.Conv2D)]
    sub = Model(inputs=model.inputs, outputs=outputs)
    assert [o.shape for o in sub.predict(np.zeros((3, 28, 28, 1)), verbose=0)] == [
        (3, 26, 26, 32), (3, 11, 11, 64), (3, 3, 3, 128)]


def test_residual_add_and_concatenate_branches():
    inputs = layers.Input(shape=(8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    y = layers.Conv2D(4, 3, padding="same")(x)
    residual = layers.Add()([x, y])
    branch = layers.Conv2D(2, 1)(inputs)
    merged = layers.Concatenate()([residual, branch])
    outputs = layers.Dense(1)(layers.GlobalAveragePooling2D()(merged))
    model = Model(inputs, outputs)
    assert merged.shape == (None, 8, 8, 6)
    data = np.random.default_rng(1).random((2, 8, 8, 3)).astype("float32")
    assert model.predict(data, verbose=0).shape == (2, 1)
    # gradients flow into both branches of the residual connection
    out = model(data, training=True)
    out.sum().backward()
    assert all(v.grad is not None and np.any(v.grad != 0) for v in model.trainable_weights)


def test_several_inputs_and_outputs():
    image = layers.Input(shape=(4,), name="image")
    meta = layers.Input(shape=(2,), name="meta")
    hidden = layers.Dense(8, activation="relu")(layers.Concatenate()([image, meta]))
    label = layers.Dense(3, activation="softmax", name="label")(hidden)
    score = layers.Dense(1, name="score")(hidden)
    model = Model(inputs=[image, meta], outputs=[label, score])
    a, b = np.ones((5, 4)), np.ones((5, 2))
    out_label, out_score = model.predict([a, b], verbose=0)
    assert out_label.shape == (5, 3) and out_score.shape == (5, 1)
    by_name = model.predict({"image": a, "meta": b}, verbose=0)
    np.testing.assert_array_equal(by_name[0], out_label)
    assert model.output_names == ["label", "score"]


def test_shared_layer_called_twice():
    shared = layers.Dense(3)
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    model = Model([a, b], layers.Add()([shared(a), shared(b)]))
    assert len(shared._inbound_nodes) == 2
    assert model.count_params() == 12  # counted once
    x = np.ones((1, 3))
    np.testing.assert_allclose(model.predict([x, x], verbose=0), 2 * shared(x).numpy(), rtol=1e-6)


def test_graph_disconnected_is_reported():
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    out = layers.Add()([layers.Dense(3)(a), b])
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(inputs=a, outputs=out)


def test_non_symbolic_inputs_are_rejected():
    with pytest.raises(TypeError, match="symbolic tensors"):
        Model(inputs=np.ones(3), outputs=layers.Input(shape=(3,)))


def test_wrong_number_of_inputs():
    a, b = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    model = Model([a, b], layers.Add()([a, b]))
    with pytest.raises(ValueError, match="expects 2 input"):
        model(np.ones((1, 3)))


def test_call_on_tensor_keeps_gradient_tape():
    model = mnist_functional_model()
    out = model(Tensor(np.zeros((1, 28, 28, 1), dtype=np.float32)), training=True)
    assert out.requires_grad


def test_config_round_trip_rebuilds_same_graph():
    model = mnist_functional_model()
    clone = Functional.from_config(model.get_config())
    assert [type(l).__name__ for l in clone.layers] == [type(l).__name__ for l in model.layers]
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(2).random((2, 28, 28, 1)).astype("float32")
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_arithmetic_on_symbolic_tensors():
    inputs = layers.Input(shape=(4,))
    scaled = 1.0 - inputs / 255.0
    squared = scaled * scaled
    model = Model(inputs, [squared, -squared + np.ones(4)])
    x = np.arange(8.0).reshape(2, 4)
    first, second = model.predict(x, verbose=0)
    np.testing.assert_allclose(first, (1 - x / 255) ** 2, rtol=1e-6)
    np.testing.assert_allclose(second, 1 - (1 - x / 255) ** 2, rtol=1e-6)
    assert [l.name for l in model.layers[1:3]] == ["divide", "subtract"]
    clone = Functional.from_config(model.get_config())
    np.testing.assert_allclose(clone.predict(x, verbose=0)[1], second, rtol=1e-6)
