"""The applications added for issue 21 against Keras 3 itself (skipped without keras).

For each model, one Keras model is built (weights=None), given random BatchNormalization /
LayerNormalization / Normalization / LayerScale values, and saved as `.weights.h5`; then
* strided's model has the same layers: names, classes, order and weight shapes (strided's
  `TensorOperation` layers, Keras' `x + 3.0`-style operations, are not in Keras' list), hence
  the same parameter count;
* strided's model built with `weights=<that file>` (the import path users take) gives Keras'
  outputs on a random batch.
Large variants are checked without their top at the smallest input Keras accepts.
"""

import numpy as np
import pytest

from strided import applications

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras on NumPy 2

# (constructor, keyword arguments, input side, largest input pixel value)
CASES = [
    ("Xception", {"classes": 6, "classifier_activation": None}, 71, 1.0),
    ("DenseNet121", {"classes": 7, "classifier_activation": None}, 32, 1.0),
    ("DenseNet201", {"include_top": False, "pooling": "max"}, 32, 1.0),
    ("ResNet50V2", {"classes": 5, "classifier_activation": None}, 32, 1.0),
    ("ResNet152V2", {"include_top": False, "pooling": "avg"}, 32, 1.0),
    ("MobileNet", {"alpha": 0.5, "depth_multiplier": 2, "classes": 4}, 32, 1.0),
    ("MobileNetV3Small", {"classes": 7, "classifier_activation": None}, 32, 255.0),
    ("MobileNetV3Large", {"include_top": False, "pooling": "avg"}, 32, 255.0),
    ("MobileNetV3Small", {"minimalistic": True, "alpha": 0.75, "include_top": False}, 32, 255.0),
    ("EfficientNetB1", {"classes": 5, "classifier_activation": None}, 32, 255.0),
    ("EfficientNetB7", {"include_top": False}, 32, 255.0),
    ("EfficientNetV2B0", {"classes": 7, "classifier_activation": None}, 32, 255.0),
    ("EfficientNetV2B3", {"include_top": False, "pooling": "max"}, 32, 255.0),
    ("ConvNeXtTiny", {"classes": 7, "classifier_activation": None}, 32, 255.0),
]

# also loaded from a legacy `.h5` written by Keras: nested Sequential stems (ConvNeXt),
# weightless Normalization (EfficientNetV2), automatic names (Xception, MobileNetV3)
LEGACY_H5 = {"Xception", "MobileNetV3Small", "EfficientNetV2B0", "ConvNeXtTiny"}


def _describe(model, skip=()):
    return [
        (layer.name, type(layer).__name__, [tuple(w.shape) for w in layer.weights])
        for layer in model.layers
        if type(layer).__name__ not in skip
    ]


def _randomize(keras, model, rng):
    """Random statistics and scales, so that a weight loaded into the wrong place shows.

    BatchNormalization gets gamma, beta in [0.5, 1] and variances in [1, 2]: the blocks then
    shrink rather than grow their inputs, so the float32 rounding differences of two correct
    implementations are not amplified block after block in the deepest models (EfficientNetB7,
    V2B3), and the check stays at float32 tolerance.
    """
    for layer in model.layers:
        if hasattr(layer, "layers"):  # ConvNeXt's nested Sequential stem and downsamplings
            _randomize(keras, layer, rng)
        elif isinstance(layer, keras.layers.LayerNormalization):
            gamma, beta = layer.get_weights()
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                    rng.normal(0, 0.1, beta.shape).astype("float32"),
                ]
            )
        elif isinstance(layer, keras.layers.BatchNormalization):
            values = layer.get_weights()
            values[0:2] = [rng.uniform(0.5, 1.0, v.shape).astype("float32") for v in values[0:2]]
            values[2] = rng.normal(0, 0.1, values[2].shape).astype("float32")
            values[3] = rng.uniform(1.0, 2.0, values[3].shape).astype("float32")
            layer.set_weights(values)
        elif isinstance(layer, keras.layers.Normalization) and layer.weights:
            values = layer.get_weights()
            values[0] = rng.normal(0.5, 0.1, values[0].shape).astype("float32")
            values[1] = rng.uniform(0.05, 0.1, values[1].shape).astype("float32")
            layer.set_weights(values)
            layer.finalize_state()
        elif type(layer).__name__ == "LayerScale":  # ConvNeXt's: 1e-6 would hide the blocks
            layer.set_weights(
                [rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in layer.get_weights()]
            )


def _same_layers(ours, reference):
    mine = _describe(ours, skip=("TensorOperation",))
    theirs = _describe(reference)
    assert [m[0] for m in mine] == [t[0] for t in theirs]
    for m, t in zip(mine, theirs):
        if t[1] == "Normalization" and m[2] == t[2][:2]:  # Keras may keep adapt()'s count
            t = (t[0], t[1], t[2][:2])
        assert m == t


@pytest.mark.parametrize(
    "name, kwargs, side, scale", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_keras_file_loads_with_the_same_layers_and_outputs(
    keras_module, tmp_path, name, kwargs, side, scale
):
    from strided.utils import clear_session

    shape = (side, side, 3)
    rng = np.random.default_rng(11)
    reference = getattr(keras_module.applications, name)(weights=None, input_shape=shape, **kwargs)
    _randomize(keras_module, reference, rng)
    path = tmp_path / f"{name}.weights.h5"
    reference.save_weights(path)
    x = rng.uniform(0, scale, (2,) + shape).astype("float32")
    expected = keras_module.ops.convert_to_numpy(reference(x, training=False))

    clear_session()
    model = getattr(applications, name)(weights=str(path), input_shape=shape, **kwargs)
    _same_layers(model, reference)
    assert model.count_params() == reference.count_params()
    assert model.name == reference.name
    result = model.predict(x, verbose=0)
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max())

    if name in LEGACY_H5:  # the layout of Keras' published ImageNet files (layers by name)
        import h5py
        from keras.src.legacy.saving import legacy_h5_format

        legacy = tmp_path / f"{name}.h5"
        with h5py.File(legacy, "w") as f:
            legacy_h5_format.save_weights_to_hdf5_group(f, reference)
        clear_session()
        model = getattr(applications, name)(weights=str(legacy), input_shape=shape, **kwargs)
        np.testing.assert_allclose(
            model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5 * np.abs(expected).max()
        )


FAMILIES = [
    "convnext",
    "densenet",
    "efficientnet",
    "efficientnet_v2",
    "mobilenet",
    "mobilenet_v3",
    "resnet_v2",
    "xception",
]


@pytest.mark.parametrize("family", FAMILIES)
def test_preprocess_input_and_decode_predictions_as_keras(keras_module, monkeypatch, family):
    import keras.src.applications.imagenet_utils as keras_imagenet_utils

    from strided.applications import imagenet_utils

    ours, theirs = getattr(applications, family), getattr(keras_module.applications, family)
    rng = np.random.default_rng(5)
    images = rng.uniform(0, 255, (2, 5, 4, 3)).astype("float32")
    expected = keras_module.ops.convert_to_numpy(theirs.preprocess_input(images.copy()))
    np.testing.assert_allclose(ours.preprocess_input(images), expected, rtol=1e-6, atol=1e-5)

    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    monkeypatch.setattr(keras_imagenet_utils, "CLASS_INDEX", index)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", index)
    preds = rng.uniform(size=(3, 1000)).astype("float32")
    decoded = ours.decode_predictions(preds, top=4)
    reference = theirs.decode_predictions(preds, top=4)
    assert [[row[:2] for row in sample] for sample in decoded] == [
        [tuple(row[:2]) for row in sample] for sample in reference
    ]
    np.testing.assert_allclose(
        [[row[2] for row in sample] for sample in decoded],
        [[row[2] for row in sample] for sample in reference],
    )


class _Fetched(Exception):
    """Raised by the stand-in for `_weights.fetch`: carries the file entry asked for."""


def _keras_file(keras_module, family, name, include_top, **kwargs):
    """(file name, url, hash) Keras' own constructor would download, from its module constants."""
    import importlib

    module = importlib.import_module(f"keras.src.applications.{family}")
    top = 0 if include_top else 1
    if family == "xception":
        url = module.WEIGHTS_PATH if include_top else module.WEIGHTS_PATH_NO_TOP
        return (
            url.rsplit("/", 1)[1],
            url,
            "0a58e3b7378bc2990ea3b43d5981f1f6"
            if include_top
            else ("b0042744bf5b25fce3cb969f33bebb97"),
        )
    if family == "resnet":
        fname = f"{name}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
        return fname, module.BASE_WEIGHTS_PATH + fname, module.WEIGHTS_HASHES[name][top]
    if family == "mobilenet":
        fname = f"mobilenet_5_0_160_tf{'' if include_top else '_no_top'}.h5"
        return fname, module.BASE_WEIGHT_PATH + fname, None
    if family == "mobilenet_v3":
        key = kwargs["key"]
        fname = f"weights_mobilenet_v3_{key}{'.h5' if include_top else '_no_top_v2.h5'}"
        return fname, module.BASE_WEIGHT_PATH + fname, module.WEIGHTS_HASHES[key][top]
    fname = name + (".h5" if include_top else "_notop.h5")
    return fname, module.BASE_WEIGHTS_PATH + fname, module.WEIGHTS_HASHES[kwargs["key"]][top]


WEIGHT_FILES = [
    ("Xception", "xception", "xception", True, {}, {}),
    ("DenseNet169", "densenet", None, False, {}, {}),
    ("ResNet101V2", "resnet", "resnet101v2", True, {}, {}),
    ("MobileNet", "mobilenet", None, False, {"alpha": 0.5, "input_shape": (160, 160, 3)}, {}),
    (
        "MobileNetV3Large",
        "mobilenet_v3",
        None,
        True,
        {"input_shape": (224, 224, 3)},
        {"key": "large_224_1.0_float"},
    ),
    (
        "MobileNetV3Small",
        "mobilenet_v3",
        None,
        False,
        {"minimalistic": True, "input_shape": (224, 224, 3)},
        {"key": "small_minimalistic_224_1.0_float"},
    ),
    ("EfficientNetB3", "efficientnet", "efficientnetb3", False, {}, {"key": "b3"}),
    ("EfficientNetV2B2", "efficientnet_v2", "efficientnetv2-b2", True, {}, {"key": "b2"}),
    ("ConvNeXtTiny", "convnext", "convnext_tiny", False, {}, {"key": "convnext_tiny"}),
]


@pytest.mark.parametrize(
    "name, family, file_name, include_top, kwargs, extra",
    WEIGHT_FILES,
    ids=[w[0] for w in WEIGHT_FILES],
)
def test_imagenet_weights_are_keras_published_file(
    keras_module, monkeypatch, name, family, file_name, include_top, kwargs, extra
):
    from strided.applications import _weights

    def fetch(entry, *args, **kw):
        raise _Fetched(entry)

    monkeypatch.setattr(_weights, "fetch", fetch)
    with pytest.raises(_Fetched) as caught:
        getattr(applications, name)(weights="imagenet", include_top=include_top, **kwargs)
    entry = caught.value.args[0]
    if family == "densenet":
        import keras.src.applications.densenet as keras_densenet

        url = keras_densenet.DENSENET169_WEIGHT_PATH_NO_TOP
        expected = (url.rsplit("/", 1)[1], url, "b8c4d4c20dd625c148057b9ff1c1176b")
    else:
        expected = _keras_file(keras_module, family, file_name, include_top, **extra)
    assert (entry.fname, entry.url) == expected[:2]
    assert (entry.sha256 if family == "convnext" else entry.md5) == expected[2]
