"""save_weights / load_weights: npz and Keras 3 h5 layouts, mismatch errors, paths."""

import numpy as np
import pytest

from strided import layers
from strided.models import Model, Sequential
from strided.saving.weights_io import layer_entries, weight_arrays


def cnn():
    return Sequential([
        layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
        layers.BatchNormalization(),
        layers.Flatten(),
        layers.Dense(3),
    ])


def test_paths_follow_keras_3_and_ignore_auto_names():
    a, b = cnn(), cnn()  # the second model's layers are conv2d_1, dense_1, ...
    assert b.layers[0].name == "conv2d_1"
    keys = list(weight_arrays(a))
    assert keys == list(weight_arrays(b))
    assert keys == [
        "layers/conv2d/vars/0", "layers/conv2d/vars/1",
        "layers/batch_normalization/vars/0", "layers/batch_normalization/vars/1",
        "layers/batch_normalization/vars/2", "layers/batch_normalization/vars/3",
        "layers/dense/vars/0", "layers/dense/vars/1",
    ]


@pytest.mark.parametrize("suffix", [".weights.npz", ".weights.h5"])
def test_round_trip_into_a_fresh_model(tmp_path, suffix):
    source = cnn()
    source.set_weights([np.random.default_rng(i).random(w.shape) for i, w in enumerate(source.get_weights())])
    path = tmp_path / f"model{suffix}"
    source.save_weights(path)
    target = cnn()
    target.load_weights(path)
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_h5_layout_is_keras_3(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "m.weights.h5"
    cnn().save_weights(path)
    with h5py.File(path, "r") as h5:
        assert h5["layers/conv2d/vars/0"].shape == (3, 3, 1, 4)
        assert h5["layers/dense/vars/1"].shape == (3,)
        assert "layers/flatten/vars" in h5  # empty groups, as Keras writes them
        assert "vars" in h5


def test_keras_written_h5_file_loads(tmp_path):
    """A file laid out as Keras 3 writes it (functional model: layers/<class>[_n]/vars/<i>)."""
    h5py = pytest.importorskip("h5py")
    inputs = layers.Input(shape=(4,))
    model = Model(inputs, layers.Dense(2)(layers.Dense(3)(inputs)))
    kernel0, bias0 = np.ones((4, 3)), np.arange(3.0)
    kernel1, bias1 = np.full((3, 2), 2.0), np.arange(2.0)
    path = tmp_path / "keras.weights.h5"
    with h5py.File(path, "w") as h5:
        h5.create_group("vars")
        h5.create_group("layers/input_layer/vars")
        for name, (k, b) in {"dense": (kernel0, bias0), "dense_1": (kernel1, bias1)}.items():
            group = h5.create_group(f"layers/{name}/vars")
            group["0"], group["1"] = k, b
        h5.create_group("optimizer/vars")["0"] = np.array(3)
    model.load_weights(path)
    np.testing.assert_array_equal(model.layers[2].get_weights()[0], kernel1)
    np.testing.assert_array_equal(model.layers[1].get_weights()[1], bias0)


def test_load_weights_from_a_keras_model_file(tmp_path):
    source = cnn()
    source.save(tmp_path / "m.keras")
    target = cnn()
    target.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(target.get_weights()[0], source.get_weights()[0])


def test_mismatched_architecture_names_the_file_and_layer(tmp_path):
    path = tmp_path / "m.weights.npz"
    cnn().save_weights(path)
    other = Sequential([layers.Conv2D(5, 3, input_shape=(8, 8, 1)), layers.BatchNormalization(),
                        layers.Flatten(), layers.Dense(3)])
    with pytest.raises(ValueError, match=r"m\.weights\.npz.*weight 'kernel' has shape \(3, 3, 1, 5\)"):
        other.load_weights(path)
    smaller = Sequential([layers.Dense(3, input_shape=(4,))])
    with pytest.raises(ValueError, match="does not have"):
        smaller.load_weights(path)
    with pytest.warns(UserWarning, match="Skipped"):
        smaller.load_weights(path, skip_mismatch=True)


def test_weight_file_arguments(tmp_path):
    model = cnn()
    with pytest.raises(ValueError, match=".weights.npz"):
        model.save_weights(tmp_path / "model.npz")
    with pytest.raises(FileNotFoundError):
        model.load_weights(tmp_path / "missing.weights.npz")
    with pytest.raises(ValueError, match="not built"):
        Sequential([layers.Dense(2)]).save_weights(tmp_path / "x.weights.npz")
    (tmp_path / "broken.weights.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ValueError, match="broken.weights.npz"):
        model.load_weights(tmp_path / "broken.weights.npz")


def test_subclassed_model_paths_use_attribute_names():
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.encoder = layers.Dense(3)
            self.blocks = [layers.Dense(2), layers.Dense(2)]

        def call(self, x):
            x = self.encoder(x)
            for block in self.blocks:
                x = block(x)
            return x

    net = Net()
    net(np.ones((1, 4)))
    paths = [path for path, _, variables in layer_entries(net) if variables]
    assert paths == ["blocks/dense", "blocks/dense_1", "encoder"]
