"""strided's applications against Keras 3 itself (skipped when keras is not installed).

* the layer lists are identical: names, classes, order and weight shapes;
* Keras models with random weights (and random BatchNormalization statistics), saved as
  `.weights.h5`, legacy `.h5` or `.keras`, load into strided and give the same outputs.
"""

import numpy as np
import pytest

from strided import applications, layers
from strided.models import Model, Sequential
from strided.saving.keras_h5 import load_keras_weights

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras on NumPy 2

STRUCTURES = [
    ("VGG16", {"include_top": False, "input_shape": (32, 32, 3)}),
    ("ResNet50", {}),
    ("InceptionV3", {}),
    ("MobileNetV2", {}),
    ("EfficientNetB0", {}),
]


def _describe(model):
    return [
        (layer.name, type(layer).__name__, [tuple(w.shape) for w in layer.weights])
        for layer in model.layers
    ]


def _randomize_statistics(keras, model, rng):
    """Random gamma/beta/moving statistics (and Normalization mean/variance) so they all matter."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            values = layer.get_weights()
            values[-2] = rng.normal(0, 0.1, values[-2].shape).astype("float32")
            values[-1] = rng.uniform(0.5, 1.5, values[-1].shape).astype("float32")
            for i in range(len(values) - 2):
                values[i] = rng.uniform(0.5, 1.5, values[i].shape).astype("float32")
            layer.set_weights(values)
        elif isinstance(layer, keras.layers.Normalization):
            values = layer.get_weights()
            values[0] = rng.normal(0.5, 0.1, values[0].shape).astype("float32")
            values[1] = rng.uniform(0.05, 0.1, values[1].shape).astype("float32")
            layer.set_weights(values)
            layer.finalize_state()  # Keras reads its statistics into the layer only then


@pytest.mark.parametrize("name, kwargs", STRUCTURES, ids=[s[0] for s in STRUCTURES])
def test_same_layers_names_and_weight_shapes_as_keras(keras_module, name, kwargs):
    reference = _describe(getattr(keras_module.applications, name)(weights=None, **kwargs))
    ours = _describe(getattr(applications, name)(weights=None, **kwargs))
    assert len(ours) == len(reference)
    for mine, theirs in zip(ours, reference):
        if theirs[1] == "Normalization" and mine[2] == theirs[2][:2]:
            theirs = (
                theirs[0],
                theirs[1],
                theirs[2][:2],
            )  # Keras also keeps adapt()'s sample count
        assert mine == theirs


IMPORTS = [
    ("VGG16", {"include_top": False}, (32, 32, 3)),
    ("ResNet50", {"include_top": False, "pooling": "avg"}, (32, 32, 3)),
    ("MobileNetV2", {"classes": 7}, (32, 32, 3)),
    ("InceptionV3", {"include_top": False}, (75, 75, 3)),
    ("EfficientNetB0", {"classes": 5}, (32, 32, 3)),
]


@pytest.mark.parametrize("name, kwargs, shape", IMPORTS, ids=[s[0] for s in IMPORTS])
def test_keras_weights_file_gives_the_same_outputs(keras_module, tmp_path, name, kwargs, shape):
    rng = np.random.default_rng(7)
    reference = getattr(keras_module.applications, name)(weights=None, input_shape=shape, **kwargs)
    _randomize_statistics(keras_module, reference, rng)
    path = tmp_path / f"{name}.weights.h5"
    reference.save_weights(path)
    x = rng.uniform(0, 255 if name == "EfficientNetB0" else 1, (2,) + shape).astype("float32")
    expected = keras_module.ops.convert_to_numpy(reference(x, training=False))

    model = getattr(applications, name)(weights=str(path), input_shape=shape, **kwargs)
    result = model.predict(x, verbose=0)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(result, expected, rtol=1e-4, atol=1e-5 * scale)


def _small_keras_model(keras, nested):
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.DepthwiseConv2D(3)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(5)(x)
    model = keras.Model(inputs, outputs)
    return (
        keras.Sequential([keras.Input((8, 8, 3)), model, keras.layers.Dense(2)])
        if nested
        else model
    )


def _small_strided_model(nested, names=None):
    names = names or {}
    inputs = layers.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same", name=names.get("conv"))(inputs)
    x = layers.BatchNormalization(name=names.get("bn"))(x)
    x = layers.DepthwiseConv2D(3, name=names.get("dw"))(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(5, name=names.get("dense"))(x)
    model = Model(inputs, outputs)
    return Sequential([layers.Input((8, 8, 3)), model, layers.Dense(2)]) if nested else model


@pytest.mark.parametrize("nested", [False, True], ids=["flat", "nested"])
@pytest.mark.parametrize("fmt", ["legacy_h5", "keras_archive", "weights_h5_without_names"])
def test_other_keras_file_formats(keras_module, tmp_path, fmt, nested):
    rng = np.random.default_rng(3)
    reference = _small_keras_model(keras_module, nested)
    for layer in reference.layers:
        for sub in getattr(layer, "layers", [layer]):
            if isinstance(sub, keras_module.layers.BatchNormalization):
                sub.set_weights([rng.uniform(0.5, 1.5, 4).astype("float32") for _ in range(4)])
    x = rng.normal(size=(3, 8, 8, 3)).astype("float32")
    expected = keras_module.ops.convert_to_numpy(reference(x, training=False))
    if fmt == "legacy_h5":
        import h5py
        from keras.src.legacy.saving import legacy_h5_format

        path = tmp_path / "model.h5"
        with h5py.File(path, "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, reference)
    elif fmt == "keras_archive":
        path = tmp_path / "model.keras"
        reference.save(path)
    else:
        import h5py

        path = tmp_path / "old.weights.h5"
        reference.save_weights(path)
        with h5py.File(path, "a") as f:  # Keras < 3.6 wrote no layer names
            f.visititems(
                lambda name, obj: obj.attrs.pop("name", None) if "name" in obj.attrs else None
            )
    model = _small_strided_model(nested)
    load_keras_weights(model, path)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_legacy_h5_with_other_names_loads_in_layer_order(keras_module, tmp_path):
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    reference = _small_keras_model(keras_module, nested=False)
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")
    expected = keras_module.ops.convert_to_numpy(reference(x, training=False))
    path = tmp_path / "auto_names.h5"
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, reference)
    model = _small_strided_model(False, {"conv": "c", "bn": "b", "dw": "d", "dense": "out"})
    load_keras_weights(model, path)  # names differ: paired in order, as Keras does
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="layer 'c': not in the file"):
        load_keras_weights(_small_strided_model(False, {"conv": "c"}), path, by_name=True)
