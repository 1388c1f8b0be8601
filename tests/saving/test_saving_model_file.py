"""model.save / load_model: identical predictions, resumable training, safe and atomic files."""

import io
import json
import os
import sys
import zipfile

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "models"))
from lesson_models import (  # noqa: E402
    fashion_mnist_model,
    mnist_functional_model,
    mnist_sequential_dropout_model,
)

from strided import layers, optimizers  # noqa: E402
from strided.layers import Layer  # noqa: E402
from strided.models import Model, Sequential, load_model  # noqa: E402


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1)).astype("float32")


def trained(model, optimizer="adam"):
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(images(32), np.arange(32) % 10, epochs=1, batch_size=16, verbose=0)
    return model


@pytest.mark.parametrize("build", [fashion_mnist_model, mnist_functional_model,
                                   mnist_sequential_dropout_model])
def test_saved_and_reloaded_model_predicts_identically(tmp_path, build):
    model = trained(build())
    path = tmp_path / "model.keras"
    model.save(path)
    again = load_model(path)
    assert type(again) is type(model)
    assert [l.name for l in again.layers] == [l.name for l in model.layers]
    x = images(5, seed=1)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert again.count_params() == model.count_params()


def test_file_holds_json_and_npz_only(tmp_path):
    path = tmp_path / "m.keras"
    trained(fashion_mnist_model()).save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.npz"]
        config = json.loads(archive.read("config.json"))
        assert config["class_name"] == "Sequential"
        assert [l["class_name"] for l in config["config"]["layers"]][:3] == ["InputLayer", "Conv2D", "MaxPooling2D"]
        assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
        with np.load(io.BytesIO(archive.read("model.weights.npz")), allow_pickle=False) as weights:
            assert "layers/conv2d/vars/0" in weights.files
            assert weights["layers/conv2d/vars/0"].shape == (3, 3, 1, 64)
            assert any(key.startswith("optimizer/") for key in weights.files)


def test_loaded_model_resumes_training_identically(tmp_path):
    x, y = images(32), np.arange(32) % 10
    model = Sequential([layers.Flatten(input_shape=(28, 28, 1)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "checkpoint.keras")
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)

    resumed = load_model(tmp_path / "checkpoint.keras")
    assert resumed.optimizer.iterations == 4
    assert resumed.optimizer.learning_rate == pytest.approx(0.01)
    resumed.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)

    fresh_optimizer = load_model(tmp_path / "checkpoint.keras", compile=False)
    fresh_optimizer.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy")
    fresh_optimizer.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert not np.array_equal(fresh_optimizer.get_weights()[0], model.get_weights()[0])


def test_uncompiled_and_unbuilt_models(tmp_path):
    model = Sequential([layers.Dense(2, input_shape=(3,))])
    model.save(tmp_path / "plain.keras")
    again = load_model(tmp_path / "plain.keras")
    assert not again.compiled
    np.testing.assert_array_equal(again.get_weights()[0], model.get_weights()[0])
    lazy = Sequential([layers.Dense(2)])
    lazy(np.ones((1, 5)))  # built by data, without an Input
    lazy.save(tmp_path / "lazy.keras")
    assert load_model(tmp_path / "lazy.keras").count_params() == 12


class Scale(Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_layer_and_custom_objects(tmp_path):
    inputs = layers.Input(shape=(3,))
    model = Model(inputs, Scale(2.0)(inputs))
    model.layers[1].set_weights([np.array([1.0, 2.0, 3.0])])
    model.save(tmp_path / "custom.keras")
    again = load_model(tmp_path / "custom.keras", custom_objects={"Scale": Scale})
    assert again.layers[1].factor == 2.0
    np.testing.assert_allclose(again.predict(np.ones((1, 3)), verbose=0), [[2.0, 4.0, 6.0]])


class Net(Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = layers.Dense(units, activation="relu")
        self.out = layers.Dense(2)

    def call(self, x, training=False):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_subclassed_model_round_trip(tmp_path):
    net = Net(units=5)
    x = np.random.default_rng(0).random((3, 4)).astype("float32")
    expected = net.predict(x, verbose=0)
    net.save(tmp_path / "net.keras")
    again = load_model(tmp_path / "net.keras")
    assert isinstance(again, Net) and again.units == 5
    np.testing.assert_array_equal(again.predict(x, verbose=0), expected)


# ------------------------------------------------------------------ safety
def test_truncated_file_gives_clear_error(tmp_path):
    path = tmp_path / "m.keras"
    fashion_mnist_model().save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"Cannot load '.*m\.keras'.*(damaged|truncated)"):
        load_model(path)


def test_tampered_weights_give_clear_error(tmp_path):
    path = tmp_path / "m.keras"
    fashion_mnist_model().save(path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the stored weights: the zip's CRC-32 no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="m.keras"):
        load_model(path)


def test_not_a_model_file(tmp_path):
    path = tmp_path / "notes.keras"
    path.write_text("hello")
    with pytest.raises(ValueError, match="notes.keras"):
        load_model(path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.keras")


def write_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_pickled_arrays_are_refused(tmp_path):
    model = Sequential([layers.Dense(2, input_shape=(3,))])
    config = json.dumps({"class_name": "Sequential", "config": model.get_config()})
    buffer = io.BytesIO()
    np.savez(buffer, **{"layers/dense/vars/0": np.array([{"evil": 1}], dtype=object)})
    path = tmp_path / "evil.keras"
    write_zip(path, {"config.json": config, "model.weights.npz": buffer.getvalue()})
    with pytest.raises(ValueError, match="evil.keras"):
        load_model(path)


def test_unknown_classes_are_refused(tmp_path):
    path = tmp_path / "strange.keras"
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "os.system", "config": {"command": "echo hi"}}]}}
    empty = io.BytesIO()
    np.savez(empty)
    write_zip(path, {"config.json": json.dumps(config), "model.weights.npz": empty.getvalue()})
    with pytest.raises(ValueError, match="Unknown layer class 'os.system'"):
        load_model(path)


def test_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    model = fashion_mnist_model()
    model.save(path)
    original = path.read_bytes()
    real_writestr = zipfile.ZipFile.writestr
    calls = []

    def failing_writestr(self, name, data, *args, **kwargs):
        calls.append(name)
        if len(calls) == 2:  # the metadata is written, then the disk "fills up"
            raise OSError("No space left on device")
        return real_writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    model.layers[0].set_weights([np.zeros((3, 3, 1, 64)), np.zeros(64)])
    with pytest.raises(OSError, match="No space left"):
        model.save(path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["m.keras"]  # no temporary file left behind


def test_save_arguments(tmp_path):
    model = fashion_mnist_model()
    with pytest.raises(ValueError, match=".keras"):
        model.save(tmp_path / "model.txt")
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.keras", overwrite=False)
    assert oct(os.stat(tmp_path / "m.keras").st_mode & 0o777) != oct(0o600)


def test_to_json_and_model_from_json():
    from strided.models import model_from_json

    model = mnist_functional_model()
    clone = model_from_json(model.to_json())
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert clone.count_params() == model.count_params()


def test_model_file_written_by_keras_loads(tmp_path):
    """Keras 3 stores the weights as model.weights.h5 inside the zip."""
    pytest.importorskip("h5py")
    from strided.layers.registry import serialize
    from strided.saving.weights_io import write_h5

    model = Sequential([layers.Conv2D(2, 3, input_shape=(6, 6, 1)), layers.Flatten(), layers.Dense(3)])
    model.set_weights([np.random.default_rng(i).random(w.shape) for i, w in enumerate(model.get_weights())])
    weights = io.BytesIO()
    write_h5(weights, model)
    path = tmp_path / "from_keras.keras"
    write_zip(path, {"metadata.json": json.dumps({"keras_version": "3.6.0"}),
                     "config.json": json.dumps(serialize(model)),
                     "model.weights.h5": weights.getvalue()})
    again = load_model(path)
    x = np.random.default_rng(9).random((2, 6, 6, 1)).astype("float32")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    other = Sequential([layers.Conv2D(2, 3, input_shape=(6, 6, 1)), layers.Flatten(), layers.Dense(3)])
    other.load_weights(path)
    np.testing.assert_array_equal(other.get_weights()[0], model.get_weights()[0])


def scaled_mse(y_true, y_pred):
    return ((y_pred - y_true) ** 2).mean(axis=-1) * 2.0


def test_custom_loss_function_restored_through_custom_objects(tmp_path):
    model = Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss=scaled_mse)
    model.save(tmp_path / "custom_loss.keras")
    again = load_model(tmp_path / "custom_loss.keras", custom_objects={"scaled_mse": scaled_mse})
    x, y = np.ones((4, 2)), np.zeros((4, 1))
    assert again.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    with pytest.warns(UserWarning, match="uncompiled"):
        assert not load_model(tmp_path / "custom_loss.keras").compiled
