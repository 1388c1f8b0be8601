"""`clone_model`, `keras.backend` and `keras.config` against Keras 3."""

import numpy as np
import pytest

import strided
from strided import layers

keras = pytest.importorskip("keras")


def build(lib, functional):
    L = lib.layers
    if not functional:
        return lib.Sequential([lib.Input((8, 8, 3)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(),
                               L.Flatten(), L.Dense(2)])
    inputs = lib.Input((6,))
    hidden = L.Dense(5, activation="relu")(inputs)
    outputs = L.add([L.Dense(3)(hidden), L.Dense(3)(inputs)])
    return lib.Model(inputs, outputs)


@pytest.mark.parametrize("functional", [False, True])
def test_clone_has_the_same_config_and_new_weights_like_keras(functional):
    ours, theirs = build(strided, functional), build(keras, functional)
    ours.compile("adam", "mse")
    clone, keras_clone = strided.models.clone_model(ours), keras.models.clone_model(theirs)
    assert clone is not ours and clone.get_config() == ours.get_config()
    # (Keras names a functional clone's InputLayer after its tensor, "keras_tensor"; strided keeps the name)
    def names(model):
        return [layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"]

    assert names(clone) == names(keras_clone) == names(ours)
    assert clone.count_params() == ours.count_params() == keras_clone.count_params()
    assert all(a is not b for a, b in zip(clone.layers, ours.layers))
    assert not np.allclose(clone.get_weights()[0], ours.get_weights()[0])
    assert clone.compiled and clone.optimizer is not ours.optimizer
    x = np.random.default_rng(0).normal(size=(2,) + tuple(ours.input_shape[1:])).astype("float32")
    clone.set_weights(ours.get_weights())
    assert np.allclose(clone.predict(x, verbose=0), ours.predict(x, verbose=0))


def test_clone_function_and_input_tensors():
    model = build(strided, functional=False)

    def relu_to_tanh(layer):
        config = layer.get_config()
        if config.get("activation") == "relu":
            config["activation"] = "tanh"
        return layer.__class__.from_config(config)

    clone = strided.models.clone_model(model, clone_function=relu_to_tanh)
    assert clone.layers[0].get_config()["activation"] == "tanh"
    shared = strided.models.clone_model(model, clone_function=lambda layer: layer)
    assert all(a is b for a, b in zip(shared.layers, model.layers))
    bigger = strided.models.clone_model(build(strided, True), input_tensors=strided.Input((6,), batch_size=4))
    assert bigger.input_shape == (4, 6)
    deferred = strided.Sequential([layers.Dense(3)])
    deferred(np.zeros((2, 5)))
    assert strided.models.clone_model(deferred).count_params() == 18

    class Net(strided.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return {"units": self.units, "name": self.name}

    assert strided.models.clone_model(Net(units=4)).units == 4
    with pytest.raises(ValueError, match="clone_function"):
        strided.models.clone_model(Net(), clone_function=lambda layer: layer)


def test_clear_session_resets_names_as_keras():
    for lib in (strided, keras):
        lib.backend.clear_session()
        names = [lib.layers.Dense(1).name, lib.layers.Dense(1).name]
        lib.backend.clear_session()
        names += [lib.layers.Dense(1).name, lib.layers.Conv2D(1, 1).name]
        names += [str(lib.backend.get_uid("dense")), lib.layers.Dense(1).name]
        if lib is strided:
            ours = names
    assert ours == names == ["dense", "dense_1", "dense", "conv2d", "2", "dense_2"]


def test_backend_and_config_functions_match_keras():
    for name in ("floatx", "epsilon", "image_data_format"):
        assert getattr(strided.backend, name)() == getattr(keras.backend, name)()
        assert getattr(strided.config, name)() == getattr(keras.config, name)()
    for dtypes in (("float32", "int64"), ("float16", "float32"), ("int32", "int64"), ("uint8", "int8")):
        assert strided.backend.result_type(*dtypes) == keras.backend.result_type(*dtypes)
    assert strided.backend.standardize_dtype(np.float64) == keras.backend.standardize_dtype(np.float64)
    assert strided.backend.is_float_dtype("float16") and strided.backend.is_int_dtype("uint8")
    assert strided.backend.is_keras_tensor(strided.Input((2,))) and not strided.backend.is_keras_tensor(np.ones(2))
    assert strided.config.backend() == strided.backend.backend() == "numpy"
    try:
        strided.config.set_floatx("float64")
        assert strided.backend.floatx() == "float64" and layers.Dense(2).dtype == "float64"
        strided.config.set_image_data_format("channels_first")
        assert strided.backend.image_data_format() == "channels_first"
        strided.config.set_epsilon(1e-5)
        assert strided.config.epsilon() == 1e-5
    finally:
        strided.config.set_floatx("float32")
        strided.config.set_image_data_format("channels_last")
        strided.config.set_epsilon(1e-7)
    strided.config.enable_unsafe_deserialization()
    assert strided.config.is_unsafe_deserialization_enabled()
    with pytest.raises(ValueError, match="Unknown floatx"):
        strided.config.set_floatx("int8")
    with pytest.raises(ValueError, match="NumPy only"):
        strided.config.set_backend("jax")
