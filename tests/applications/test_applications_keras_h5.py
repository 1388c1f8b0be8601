"""The Keras weight-file reader on files written with h5py in Keras' layouts (no Keras needed)."""

import logging
import zipfile

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from strided import layers
from strided.models import Model, Sequential
from strided.saving.keras_h5 import is_keras_weights_file, load_keras_weights


def small_model(prefix=""):
    inputs = layers.Input((6, 6, 3))
    x = layers.Conv2D(4, 3, name=f"{prefix}conv")(inputs)
    x = layers.BatchNormalization(name=f"{prefix}bn")(x)
    x = layers.Flatten(name=f"{prefix}flatten")(x)
    return Model(inputs, layers.Dense(2, name=f"{prefix}dense")(x), name="small")


def arrays(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "conv": [rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)],
        "bn": [
            rng.uniform(0.5, 1.5, 4),
            rng.normal(size=4),
            rng.normal(size=4),
            rng.uniform(0.5, 1.5, 4),
        ],
        "dense": [rng.normal(size=(64, 2)), rng.normal(size=2)],
    }


def write_keras3(group, values, names=True, keys=("conv2d", "batch_normalization", "dense")):
    """Keras 3's `.weights.h5`: layers/<class key>/vars/<i>, the layer name as an attribute."""
    group.create_group("vars")
    for key, layer in [
        ("input_layer", None),
        (keys[0], "conv"),
        (keys[1], "bn"),
        ("flatten", None),
        (keys[2], "dense"),
    ]:
        vars_group = group.create_group(f"layers/{key}/vars")
        if names:
            vars_group.attrs["name"] = layer or key
        for index, value in enumerate(values.get(layer, [])):
            vars_group.create_dataset(str(index), data=np.asarray(value, "float32"))


def write_legacy(
    group,
    values,
    weight_names=("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"),
):
    """Keras 2's `.h5`: layer_names, and per layer weight_names + datasets by those names."""
    group.attrs["layer_names"] = [b"input_1", b"conv", b"bn", b"flatten", b"dense"]
    group.attrs["keras_version"] = b"2.13.1"
    kinds = {"conv": weight_names[:2], "bn": weight_names[2:], "dense": weight_names[:2]}
    for name in ["input_1", "conv", "bn", "flatten", "dense"]:
        layer_group = group.create_group(name)
        names = [f"{name}/{w}:0" for w in kinds.get(name, [])]
        layer_group.attrs["weight_names"] = [n.encode() for n in names]
        for n, value in zip(names, values.get(name, [])):
            layer_group.create_dataset(n, data=np.asarray(value, "float32"))


def assert_loaded(model, values, prefix=""):
    for name, expected in values.items():
        for got, want in zip(model.get_layer(prefix + name).get_weights(), expected):
            np.testing.assert_array_equal(got, np.asarray(want, "float32"))


@pytest.mark.parametrize("names", [True, False], ids=["keras>=3.6", "keras<3.6"])
def test_keras3_weights_file(tmp_path, names):
    path = tmp_path / "m.weights.h5"
    with h5py.File(path, "w") as f:
        write_keras3(f, arrays(), names=names)
    assert is_keras_weights_file(path)
    model = small_model()
    load_keras_weights(model, path)
    assert_loaded(model, arrays())


def test_keras3_file_of_a_nested_model(tmp_path):
    path = tmp_path / "nested.weights.h5"
    rng = np.random.default_rng(1)
    head = [rng.normal(size=(2, 3)), rng.normal(size=3)]
    with h5py.File(path, "w") as f:
        write_keras3(f.create_group("layers/functional"), arrays())
        f.create_group("vars")
        dense = f.create_group("layers/dense/vars")
        for index, value in enumerate(head):
            dense.create_dataset(str(index), data=value.astype("float32"))
    model = Sequential([layers.Input((6, 6, 3)), small_model(), layers.Dense(3, name="head")])
    load_keras_weights(model, path)
    assert_loaded(model.layers[0], arrays())
    np.testing.assert_array_equal(
        model.get_layer("head").get_weights()[0], head[0].astype("float32")
    )


def test_layer_names_rescue_a_different_layer_order(tmp_path):
    """Keys that do not line up with this model's layers, but names recorded: matched by name."""
    path = tmp_path / "m.weights.h5"
    values = arrays()
    with h5py.File(path, "w") as f:
        write_keras3(
            f,
            {"conv": values["conv"], "bn": values["bn"], "dense": values["dense"]},
            keys=("conv2d_1", "batch_normalization_7", "dense_3"),
        )
    model = small_model()
    load_keras_weights(model, path)
    assert_loaded(model, values)


def test_keras_archive(tmp_path):
    inner = tmp_path / "model.weights.h5"
    with h5py.File(inner, "w") as f:
        write_keras3(f, arrays(2))
    archive = tmp_path / "model.keras"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("config.json", "{}")
        z.write(inner, "model.weights.h5")
    model = small_model()
    load_keras_weights(model, archive)
    assert_loaded(model, arrays(2))


@pytest.mark.parametrize("full_model", [False, True])
def test_legacy_h5_by_name(tmp_path, full_model):
    path = tmp_path / "legacy.h5"
    with h5py.File(path, "w") as f:
        write_legacy(f.create_group("model_weights") if full_model else f, arrays(3))
    model = small_model()
    load_keras_weights(model, path)
    assert_loaded(model, arrays(3))


def test_legacy_h5_keras1_names_and_other_layer_names_load_in_order(tmp_path):
    """Keras 1 weight names (block1_conv1_W_1:0, as in the published VGG16 file); other layer
    names in the model: the layers are paired in order."""
    path = tmp_path / "keras1.h5"
    with h5py.File(path, "w") as f:
        write_legacy(
            f,
            arrays(4),
            weight_names=("W_1", "b_1", "gamma_1", "beta_1", "running_mean_1", "running_std_1"),
        )
    model = small_model(prefix="renamed_")
    load_keras_weights(model, path)
    assert_loaded(model, arrays(4), prefix="renamed_")


def test_normalization_count_from_keras_is_accepted(tmp_path):
    path = tmp_path / "norm.weights.h5"
    with h5py.File(path, "w") as f:
        f.create_group("vars")
        f.create_group("layers/input_layer/vars")
        group = f.create_group("layers/normalization/vars")
        group.create_dataset("0", data=np.array([1.0, 2.0, 3.0], "float32"))
        group.create_dataset("1", data=np.array([4.0, 5.0, 6.0], "float32"))
        group.create_dataset("2", data=np.int64(100))
    inputs = layers.Input((2, 2, 3))
    model = Model(inputs, layers.Normalization()(inputs))
    load_keras_weights(model, path)
    np.testing.assert_array_equal(model.layers[1].get_weights()[1], [4.0, 5.0, 6.0])


def test_mismatch_names_the_layer_and_assigns_nothing(tmp_path, caplog):
    path = tmp_path / "m.weights.h5"
    values = arrays()
    values["dense"] = [np.zeros((10, 2)), np.zeros(2)]
    with h5py.File(path, "w") as f:
        write_keras3(f, values)
    model = small_model()
    before = model.get_weights()
    with pytest.raises(
        ValueError, match=r"layer 'dense'.*has shape \(64, 2\) in the model but \(10, 2\)"
    ):
        load_keras_weights(model, path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    with caplog.at_level(logging.WARNING, logger="strided.saving"):
        load_keras_weights(model, path, skip_mismatch=True)
    assert "dense" in caplog.text
    assert_loaded(model, {"conv": values["conv"], "bn": values["bn"]})
    np.testing.assert_array_equal(model.get_layer("dense").get_weights()[0], before[-2])


def test_not_a_keras_file(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    with pytest.raises(ValueError, match="not a Keras weights file"):
        load_keras_weights(small_model(), path)
    archive = tmp_path / "empty.keras"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="without model.weights.h5"):
        load_keras_weights(small_model(), archive)


def test_imagenet_weights_from_a_cached_legacy_file(tmp_path, monkeypatch):
    """weights="imagenet" reads Keras' legacy .h5 (by layer name) once it is in the cache."""
    import hashlib

    from strided import applications
    from strided.applications import _weights, vgg

    source = applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    folder = tmp_path / "models"
    folder.mkdir()
    path = folder / "vgg16_notop.h5"
    with h5py.File(path, "w") as f:  # the published files' layout: Keras 2 names, by layer name
        f.attrs["layer_names"] = [layer.name.encode() for layer in source.layers]
        for layer in source.layers:
            names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
            group = f.create_group(layer.name)
            group.attrs["weight_names"] = [n.encode() for n in names]
            for name, w in zip(names, layer.weights):
                group.create_dataset(name, data=w.numpy())
    entry = _weights.WeightsFile(
        "vgg16_notop.h5", "https://example.org/x.h5", md5=hashlib.md5(path.read_bytes()).hexdigest()
    )
    monkeypatch.setenv("STRIDED_DATA", str(tmp_path))
    monkeypatch.setitem(vgg.IMAGENET, ("vgg16", False), entry)
    model = applications.VGG16(include_top=False, input_shape=(32, 32, 3))
    for mine, theirs in zip(model.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
