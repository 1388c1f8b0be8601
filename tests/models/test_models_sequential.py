"""Sequential: Input or input_shape first, lazy building, add/pop, graph attributes."""

import numpy as np
import pytest
from lesson_models import fashion_mnist_model, mnist_sequential_dropout_model

from strided import layers
from strided.layers.keras_tensor import KerasTensor
from strided.models import Functional, Model, Sequential


def test_lesson_002_fashion_mnist_shapes_and_params():
    model = fashion_mnist_model()
    assert model.name == "sequential"
    assert [layer.name for layer in model.layers] == [
        "conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "flatten", "dense", "dense_1"]
    assert [layer.count_params() for layer in model.layers] == [640, 0, 36928, 0, 0, 204928, 1290]
    assert model.count_params() == 243_786
    assert [layer.output.shape for layer in model.layers] == [
        (None, 26, 26, 64), (None, 13, 13, 64), (None, 11, 11, 64), (None, 5, 5, 64),
        (None, 1600), (None, 128), (None, 10)]
    assert model.input_shape == (None, 28, 28, 1)
    assert model.output_shape == (None, 10)
    assert len(model.inputs) == 1 and isinstance(model.inputs[0], KerasTensor)


def test_lesson_001_input_shape_on_first_layer():
    model = mnist_sequential_dropout_model()
    assert model.built
    assert model.count_params() == 225_034  # 320 + 18,496 + 204,928 + 1,290
    assert model.layers[0].name == "conv2d"
    assert model.output_shape == (None, 10)


def test_predict_shape_and_missing_channel_axis_is_added():
    model = fashion_mnist_model()
    x = np.random.default_rng(0).random((5, 28, 28)).astype("float32")
    with_axis = model.predict(x[..., None], verbose=0)
    without_axis = model.predict(x, verbose=0)  # as Keras: (N, 28, 28) -> (N, 28, 28, 1)
    assert with_axis.shape == (5, 10) and isinstance(with_axis, np.ndarray)
    np.testing.assert_array_equal(with_axis, without_axis)
    np.testing.assert_allclose(with_axis.sum(axis=1), 1.0, rtol=1e-5)


def test_lazy_build_on_first_data():
    model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    assert not model.built
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    out = model(np.ones((3, 5)))
    assert out.shape == (3, 2)
    assert model.built and model.count_params() == 5 * 4 + 4 + 4 * 2 + 2
    assert model.input_shape == (None, 5)  # the batch axis stays free


def test_build_with_explicit_shape():
    model = Sequential([layers.Dense(3)])
    model.build((None, 7))
    assert model.count_params() == 24
    assert model.layers[0].output.shape == (None, 3)


def test_add_and_pop():
    model = Sequential()
    model.add(layers.Input(shape=(4,)))
    model.add(layers.Dense(8))
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.name == "dense_1" and popped._inbound_nodes == []
    assert model.output_shape == (None, 8)
    assert model.predict(np.ones((2, 4)), verbose=0).shape == (2, 8)
    model.add(layers.Dense(3))
    assert model.output_shape == (None, 3)


def test_add_rejects_non_layers_and_duplicate_names():
    model = Sequential()
    with pytest.raises(ValueError, match="Only instances of `keras.Layer`"):
        model.add("dense")
    model.add(layers.Dense(2, name="same", input_shape=(3,)))
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(2, name="same"))
    with pytest.raises(TypeError, match="no layers"):
        Sequential().pop()


def test_sequential_inside_functional_and_nested_in_sequential():
    block = Sequential([layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(2)])
    inputs = layers.Input(shape=(3,))
    model = Model(inputs, layers.Dense(1)(block(inputs)))
    assert isinstance(model, Functional)
    assert model.predict(np.ones((2, 3)), verbose=0).shape == (2, 1)
    stacked = Sequential([block, layers.Dense(5)])
    assert stacked.output_shape == (None, 5)
    assert stacked.count_params() == block.count_params() + 15


def test_get_layer_by_name_and_index():
    model = fashion_mnist_model()
    assert model.get_layer("dense").name == "dense"
    assert model.get_layer(index=0).name == "conv2d"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only has 7 layers"):
        model.get_layer(index=9)


def test_wrong_input_shape_is_explained_in_user_terms():
    model = fashion_mnist_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    y = np.zeros(4, dtype=int)
    with pytest.raises(ValueError, match=r"expects 1 channel|model expects 1"):
        model.fit(np.zeros((4, 28, 28, 3)), y, verbose=0)
    with pytest.raises(ValueError, match=r"x.reshape\(-1, 28, 28, 1\)"):
        model.fit(np.zeros((4, 784)), y, verbose=0)
    with pytest.raises(ValueError, match=r"add the batch axis"):
        model.predict(np.zeros((28, 28, 1)), verbose=0)


def test_repr_matches_keras():
    assert repr(fashion_mnist_model()) == "<Sequential name=sequential, built=True>"
