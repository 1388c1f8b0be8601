"""Custom objects by name (keras.saving registry): registration, scopes, (de)serialization and
.keras files in both directions, compared with Keras 3; a file can name only known objects."""

import json
import zipfile

import numpy as np
import pytest

import strided
from strided import layers, ops, saving, utils

keras = pytest.importorskip("keras")


def _register_both(package, name=None):
    """One function per framework, registered the same way in each."""

    def strided_fn(x):
        return ops.multiply(x, 2.0)

    def keras_fn(x):
        return keras.ops.multiply(x, 2.0)

    strided_fn.__name__ = keras_fn.__name__ = "twice"
    return (saving.register_keras_serializable(package, name)(strided_fn),
            keras.saving.register_keras_serializable(package, name)(keras_fn))


def test_registered_names_as_keras():
    mine, theirs = _register_both("h10_pkg")
    assert saving.get_registered_name(mine) == keras.saving.get_registered_name(theirs) == "h10_pkg>twice"
    assert saving.get_registered_object("h10_pkg>twice") is mine
    assert utils.get_registered_object("h10_pkg>twice") is mine
    assert saving.get_custom_objects()["h10_pkg>twice"] is mine
    mine, theirs = _register_both("h10_pkg", "double")
    assert saving.get_registered_name(mine) == keras.saving.get_registered_name(theirs) == "h10_pkg>double"
    assert saving.get_registered_name(layers.Dense) == keras.saving.get_registered_name(keras.layers.Dense)
    assert saving.get_registered_object("nothing>here") is None
    assert saving.get_registered_object("x", custom_objects={"x": len}) is len

    class NoConfig:
        pass

    with pytest.raises(ValueError, match="get_config"):
        saving.register_keras_serializable()(NoConfig)
    with pytest.raises(ValueError, match="get_config"):
        keras.saving.register_keras_serializable()(NoConfig)


def test_live_custom_objects_dict_and_scopes():
    def cube(x):
        return ops.multiply(x, ops.multiply(x, x))

    utils.get_custom_objects()["h10_cube"] = cube
    try:
        assert strided.activations.get("h10_cube") is cube
    finally:
        del utils.get_custom_objects()["h10_cube"]
    with pytest.raises(ValueError, match="Unknown activation"):
        strided.activations.get("h10_cube")
    with saving.custom_object_scope({"h10_cube": cube}):
        assert strided.activations.get("h10_cube") is cube
        with utils.CustomObjectScope({"h10_cube": len}):
            assert saving.get_registered_object("h10_cube") is len
        assert saving.get_registered_object("h10_cube") is cube
    assert saving.get_registered_object("h10_cube") is None
    assert utils.custom_object_scope is saving.CustomObjectScope


@pytest.mark.parametrize("make", [
    lambda k: k.activations.relu, lambda k: k.losses.mean_squared_error, lambda k: (1, [2, (3,)]),
    lambda k: {"a": 1.5, "b": None}, lambda k: k.losses.MeanSquaredError(), lambda k: k.regularizers.L2(0.1),
    lambda k: np.arange(3, dtype=np.float32), lambda k: k.optimizers.Adam(0.5),
], ids=["relu", "mse_fn", "nested", "dict", "MSE", "L2", "numpy", "Adam"])
def test_serialize_keras_object_as_keras(make):
    assert saving.serialize_keras_object(make(strided)) == keras.saving.serialize_keras_object(make(keras))


def test_serialize_registered_objects_as_keras():
    mine, theirs = _register_both("h10_pkg")
    assert saving.serialize_keras_object(mine) == keras.saving.serialize_keras_object(theirs)
    assert saving.deserialize_keras_object(saving.serialize_keras_object(mine)) is mine
    assert saving.deserialize_keras_object("h10_pkg>twice") is mine
    assert saving.deserialize_keras_object("not registered") == "not registered"
    keras_dense = keras.saving.serialize_keras_object(keras.layers.Dense(3, activation=theirs))
    dense = saving.deserialize_keras_object(keras_dense)
    assert isinstance(dense, layers.Dense) and dense.units == 3 and dense.activation is mine
    keras_loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.25)
    loss = saving.deserialize_keras_object(keras.saving.serialize_keras_object(keras_loss))
    assert isinstance(loss, strided.losses.CategoricalCrossentropy)
    assert loss.get_config()["label_smoothing"] == 0.25


def _strided_scale():
    @saving.register_keras_serializable("h10_pkg")
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return ops.multiply(x, self.factor)

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    return Scale


def _keras_scale():
    @keras.saving.register_keras_serializable("h10_pkg")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return keras.ops.multiply(x, self.factor)

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    return Scale


def _custom_layer_classes():
    return _strided_scale(), _keras_scale()


def test_registered_objects_round_trip_through_a_strided_file(tmp_path):
    scale, _ = _custom_layer_classes()
    act, _ = _register_both("h10_pkg")

    @saving.register_keras_serializable("h10_pkg")
    def h10_loss(y_true, y_pred):
        return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)

    model = strided.Sequential([strided.Input((3,)), layers.Dense(2, activation=act), scale(3.0)])
    model.compile(optimizer="sgd", loss=h10_loss)
    path = tmp_path / "m.keras"
    model.save(path)
    compile_config = json.loads(zipfile.ZipFile(path).read("config.json"))["compile_config"]
    assert compile_config["loss"] == "h10_pkg>h10_loss"
    again = strided.models.load_model(path)
    x = np.random.default_rng(0).random((4, 3), dtype=np.float32)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert again.layers[0].activation is act and again.layers[1].factor == 3.0
    y = np.zeros((4, 2), np.float32)
    assert again.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-6)


def test_keras_file_with_registered_objects_loads(tmp_path):
    scale, keras_scale = _custom_layer_classes()
    act, keras_act = _register_both("h10_pkg")
    rng = np.random.default_rng(1)

    @saving.register_keras_serializable("h10_pkg", "squared")
    def strided_loss(y_true, y_pred):
        return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)

    @keras.saving.register_keras_serializable("h10_pkg", "squared")
    def keras_loss(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    k_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=keras_act), keras_scale(3.0)])
    k_model.compile(optimizer="adam", loss=keras_loss)
    path = tmp_path / "k.keras"
    k_model.save(path)
    model = strided.models.load_model(path)
    assert isinstance(model.layers[1], scale) and model.layers[0].activation is act
    x = rng.random((4, 3), dtype=np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), k_model.predict(x, verbose=0), rtol=1e-6)
    y = rng.random((4, 2), dtype=np.float32)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(k_model.evaluate(x, y, verbose=0), rel=1e-5)
    assert model.loss.fn is strided_loss if hasattr(model.loss, "fn") else model.loss is strided_loss


def test_registered_loss_class_and_metric_function_round_trip(tmp_path):
    @saving.register_keras_serializable("h10_pkg")
    class ScaledMSE(strided.losses.Loss):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, y_true, y_pred):
            return ops.multiply(ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1), self.factor)

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @saving.register_keras_serializable("h10_pkg")
    def h10_metric(y_true, y_pred):
        return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)

    rng = np.random.default_rng(2)
    x, y = rng.random((8, 3), dtype=np.float32), rng.random((8, 1), dtype=np.float32)
    model = strided.Sequential([strided.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss=ScaledMSE(3.0), metrics=[h10_metric])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "loss.keras")
    again = strided.models.load_model(tmp_path / "loss.keras")
    assert isinstance(again.loss, ScaledMSE) and again.loss.factor == 3.0
    assert again.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(x, y, verbose=0, return_dict=True)


def test_custom_object_scope_for_unregistered_loss(tmp_path):
    def h10_plain_loss(y_true, y_pred):
        return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)

    model = strided.Sequential([strided.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss=h10_plain_loss)
    path = tmp_path / "plain.keras"
    model.save(path)
    with pytest.warns(UserWarning, match="compile settings"):
        strided.models.load_model(path)
    with saving.custom_object_scope({"h10_plain_loss": h10_plain_loss}):
        again = strided.models.load_model(path)
    assert again.compiled


@pytest.mark.parametrize("entry", [
    {"module": "os", "class_name": "system", "config": {}, "registered_name": "os.system"},
    {"module": "builtins", "class_name": "function", "config": "os.system", "registered_name": "function"},
    {"module": "builtins", "class_name": "function", "config": "__import__", "registered_name": "function"},
    {"module": "keras.losses", "class_name": "__class__", "config": {}},
    {"class_name": "__numpy__", "config": {"value": [1], "dtype": "object"}},
])
def test_a_config_can_name_only_known_objects(entry):
    with pytest.raises(ValueError):
        saving.deserialize_keras_object(entry)


@pytest.mark.parametrize("make", [
    lambda k: k.optimizers.schedules.ExponentialDecay(0.1, 100, 0.9),
    lambda k: k.optimizers.Adam(k.optimizers.schedules.ExponentialDecay(0.1, 100, 0.9)),
    lambda k: k.constraints.MaxNorm(3.0, axis=[0, 1]), lambda k: k.regularizers.L1L2(0.01, 0.02),
    lambda k: k.metrics.Precision(thresholds=0.3), lambda k: k.initializers.Constant(0.5),
    lambda k: k.losses.BinaryCrossentropy(from_logits=True),
], ids=["schedule", "adam_schedule", "MaxNorm", "L1L2", "Precision", "Constant", "BCE"])
def test_keras_written_objects_deserialize_to_the_same_config(make):
    theirs = make(keras)
    mine = saving.deserialize_keras_object(keras.saving.serialize_keras_object(theirs))
    assert type(mine).__name__ == type(theirs).__name__
    expected = keras.saving.serialize_keras_object(theirs)
    assert saving.serialize_keras_object(mine)["class_name"] == expected["class_name"]
    config = mine.get_config()
    for key, value in theirs.get_config().items():
        if key in config and key != "learning_rate":
            assert config[key] == value, key


def test_unregistered_activation_saved_by_name_loads_with_custom_objects(tmp_path):
    def h10_cube(x):
        return ops.multiply(x, ops.multiply(x, x))

    model = strided.Sequential([strided.Input((3,)), layers.Dense(2, activation=h10_cube)])
    assert model.layers[0].get_config()["activation"] == "h10_cube"  # Keras writes the name too
    model.save(tmp_path / "cube.keras")
    with pytest.raises(ValueError, match="h10_cube"):
        strided.models.load_model(tmp_path / "cube.keras")
    again = strided.models.load_model(tmp_path / "cube.keras", custom_objects={"h10_cube": h10_cube})
    assert again.layers[0].activation is h10_cube
    with saving.custom_object_scope({"h10_cube": h10_cube}):
        assert strided.models.load_model(tmp_path / "cube.keras").layers[0].activation is h10_cube
    with pytest.raises(ValueError, match="cannot be serialized"):
        layers.Dense(2, activation=lambda x: x).get_config()


@pytest.mark.parametrize("edit", [
    lambda layer: layer["config"].update(activation={"module": "builtins", "class_name": "function",
                                                     "config": "eval", "registered_name": "function"}),
    lambda layer: layer["config"].update(activation="os>system"),
    lambda layer: layer.update(class_name="system", module="os", registered_name="os>system"),
    lambda layer: layer["config"].update(kernel_initializer={"module": "os", "class_name": "system", "config": {}}),
])
def test_a_crafted_file_cannot_name_arbitrary_objects(tmp_path, edit):
    model = strided.Sequential([strided.Input((3,)), layers.Dense(2)])
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(parts["config.json"])
    edit(config["config"]["layers"][-1])
    parts["config.json"] = json.dumps(config).encode()
    crafted = tmp_path / "crafted.keras"
    with zipfile.ZipFile(crafted, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(strided.errors.FileFormatError):
        strided.models.load_model(crafted)
