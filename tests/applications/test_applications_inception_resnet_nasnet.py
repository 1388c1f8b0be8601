"""InceptionResNetV2 and NASNetMobile / NASNetLarge against Keras 3 itself (skipped without keras).

For each model, Keras' model is built with weights=None at a small input, given random
BatchNormalization values (so that a weight loaded into the wrong place shows), and saved both
as `.weights.h5` and in the legacy `.h5` layout of Keras' published ImageNet files; strided's
model built with `weights=<that file>` must then have the same layers (names, classes, weight
shapes, order), parameter count, name and printed summary, and give Keras' outputs.
NASNetLarge's code path (skip_reduction=True) is compared through Keras' generic `NASNet` at a
small width; the full-size models are compared by parameter count with the sizes Keras documents.
"""

import ast
import importlib
import inspect
import urllib.error

import numpy as np
import pytest

from strided import applications, config
from strided.applications import _weights, inception_resnet_v2, nasnet
from strided.applications._scale_layer import CustomScaleLayer

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Keras on NumPy 2


def _describe(model):
    return [
        (layer.name, type(layer).__name__, [tuple(w.shape) for w in layer.weights])
        for layer in model.layers
    ]


def _randomize_batch_norm(keras, model, rng):
    """gamma, beta in [0.5, 1], means ~ N(0, 0.1), variances in [1, 2] (see
    test_applications_more_keras: blocks shrink their inputs, so float32 tolerance holds)."""
    draw = {
        "gamma": lambda shape: rng.uniform(0.5, 1.0, shape),
        "beta": lambda shape: rng.uniform(0.5, 1.0, shape),
        "moving_mean": lambda shape: rng.normal(0, 0.1, shape),
        "moving_variance": lambda shape: rng.uniform(1.0, 2.0, shape),
    }
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            for weight in layer.weights:  # Inception's have no gamma (scale=False)
                weight.assign(draw[weight.name](weight.shape).astype("float32"))


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "".join(lines)


def _check_against_keras(keras, tmp_path, reference, build, side, monkeypatch, formats):
    """Save Keras' `reference` in each of `formats` ("weights.h5": Keras 3's `save_weights`;
    "h5": the legacy layout of Keras' published ImageNet files, read by layer name), load it
    with `build(weights=path)` and compare everything. Returns the legacy file, if written."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    from strided.utils import clear_session

    monkeypatch.setenv("COLUMNS", "200")
    rng = np.random.default_rng(3)
    _randomize_batch_norm(keras, reference, rng)
    x = rng.uniform(-1, 1, (2, side, side, 3)).astype("float32")
    expected = keras.ops.convert_to_numpy(reference(x, training=False))
    tolerance = {"rtol": 1e-4, "atol": 1e-5 * np.abs(expected).max()}
    path = None
    for index, suffix in enumerate(formats):
        path = tmp_path / f"model.{suffix}"
        if suffix == "h5":
            with h5py.File(path, "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, reference)
        else:
            reference.save_weights(path)
        clear_session()
        model = build(weights=str(path))
        if index == 0:
            assert _describe(model) == _describe(reference)
            assert model.count_params() == reference.count_params()
            assert model.name == reference.name
            assert _summary(model) == _summary(reference)
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, **tolerance)
    return path, x, expected, tolerance


def test_inception_resnet_v2_equals_keras(keras_module, tmp_path, monkeypatch):
    kwargs = {"input_shape": (75, 75, 3), "classes": 5, "classifier_activation": None}
    reference = keras_module.applications.InceptionResNetV2(weights=None, **kwargs)
    _check_against_keras(
        keras_module,
        tmp_path,
        reference,
        lambda weights: applications.InceptionResNetV2(weights=weights, **kwargs),
        75,
        monkeypatch,
        formats=["h5"],  # automatic conv2d names: Keras 2 files count from conv2d_1
    )


def test_nasnet_mobile_equals_keras_and_imagenet_loads_keras_file(
    keras_module, tmp_path, monkeypatch
):
    """Also: weights="imagenet" asks for Keras' file name (served here from a stand-in cache,
    the legacy file written from Keras' model) and loads it."""
    kwargs = {"input_shape": (32, 32, 3), "include_top": False, "pooling": "avg"}
    reference = keras_module.applications.NASNetMobile(weights=None, **kwargs)
    legacy, x, expected, tolerance = _check_against_keras(
        keras_module,
        tmp_path,
        reference,
        lambda weights: applications.NASNetMobile(weights=weights, **kwargs),
        32,
        monkeypatch,
        formats=["weights.h5", "h5"],
    )
    asked = []
    monkeypatch.setattr(_weights, "fetch", lambda entry, *a, **k: asked.append(entry) or legacy)
    model = applications.NASNetMobile(**kwargs)
    assert [entry.fname for entry in asked] == ["nasnet_mobile_no_top.h5"]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, **tolerance)


def test_nasnet_large_path_equals_keras(keras_module, tmp_path, monkeypatch):
    """skip_reduction=True (NASNetLarge's wiring) at a small width, two normal cells per stage."""
    from keras.src.applications import nasnet as keras_nasnet

    kwargs = {
        "input_shape": (32, 32, 3),
        "penultimate_filters": 192,
        "num_blocks": 2,
        "stem_block_filters": 16,
        "skip_reduction": True,
        "classes": 4,
        "classifier_activation": None,
        "name": "small_large",
    }
    reference = keras_nasnet.NASNet(weights=None, **kwargs)
    _check_against_keras(
        keras_module,
        tmp_path,
        reference,
        lambda weights: nasnet.NASNet(weights=weights, **kwargs),
        32,
        monkeypatch,
        formats=["weights.h5"],
    )


@pytest.mark.parametrize(
    "name, total, input_shape",
    [  # the sizes in Keras' applications table (keras.io/api/applications)
        ("InceptionResNetV2", 55_873_736, (None, 299, 299, 3)),
        ("NASNetMobile", 5_326_716, (None, 224, 224, 3)),
        ("NASNetLarge", 88_949_818, (None, 331, 331, 3)),
    ],
)
def test_full_size_parameter_counts(name, total, input_shape):
    model = getattr(applications, name)(weights=None)
    assert model.count_params() == total
    assert model.input_shape == input_shape and model.output_shape == (None, 1000)


def test_default_inputs_without_top_are_keras():
    assert nasnet.NASNetMobile(weights=None, include_top=False).output_shape == (None, 7, 7, 1056)
    assert applications.InceptionResNetV2(weights=None, include_top=False).input_shape == (
        None,
        None,
        None,
        3,
    )


def _keras_weight_files(module_name):
    """(file name, url, md5) of every `get_file` call in Keras' module, in source order."""
    module = importlib.import_module(f"keras.src.applications.{module_name}")
    tree = ast.parse(inspect.getsource(module))
    names = vars(module).copy()
    nodes = sorted(
        (n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.Call))),
        key=lambda n: (n.lineno, n.col_offset),
    )
    found = []
    for node in nodes:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "fname":
            names["fname"] = ast.literal_eval(node.value)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "get_file":
            evaluate = lambda expr: eval(compile(ast.Expression(expr), "<keras>", "eval"), names)  # noqa: E731,S307
            md5 = next(k.value.value for k in node.keywords if k.arg == "file_hash")
            found.append((evaluate(node.args[0]), evaluate(node.args[1]), md5))
    return found


def test_imagenet_files_are_the_ones_keras_downloads(keras_module):
    def entries(table):
        return [(e.fname, e.url, e.md5) for e in table]

    assert entries(inception_resnet_v2.IMAGENET[k] for k in (True, False)) == _keras_weight_files(
        "inception_resnet_v2"
    )
    order = [(224, True), (224, False), (331, True), (331, False)]
    assert entries(nasnet.IMAGENET[k] for k in order) == _keras_weight_files("nasnet")


def test_offline_imagenet_error_names_the_file(tmp_path, monkeypatch):
    from strided.datasets import _download

    monkeypatch.setenv("STRIDED_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    def offline(url, timeout):
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(_download, "_open_url", offline)
    with pytest.raises(_weights.WeightsUnavailableError, match="NASNet-large-no-top.h5"):
        applications.NASNetLarge(include_top=False, input_shape=(32, 32, 3))
    with pytest.raises(
        OSError, match="inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"
    ):
        applications.InceptionResNetV2(include_top=False, input_shape=(75, 75, 3))


@pytest.mark.parametrize("family", ["inception_resnet_v2", "nasnet"])
def test_preprocess_input_and_decode_predictions_as_keras(keras_module, monkeypatch, family):
    import keras.src.applications.imagenet_utils as keras_imagenet_utils

    from strided.applications import imagenet_utils

    ours, theirs = getattr(applications, family), getattr(keras_module.applications, family)
    rng = np.random.default_rng(6)
    images = rng.uniform(0, 255, (2, 5, 4, 3)).astype("float32")
    expected = keras_module.ops.convert_to_numpy(theirs.preprocess_input(images.copy()))
    np.testing.assert_allclose(ours.preprocess_input(images), expected, rtol=1e-6, atol=1e-5)

    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    monkeypatch.setattr(keras_imagenet_utils, "CLASS_INDEX", index)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", index)
    preds = rng.uniform(size=(3, 1000)).astype("float32")
    decoded = ours.decode_predictions(preds, top=4)
    reference = theirs.decode_predictions(preds, top=4)
    assert [[tuple(row) for row in sample] for sample in decoded] == [
        [(row[0], row[1], pytest.approx(row[2])) for row in sample] for sample in reference
    ]


def test_custom_scale_layer_is_keras_own(keras_module, tmp_path):
    """Same config as Keras' layer, and a `.keras` file holding Keras' layer loads into ours."""
    from keras.src.applications.inception_resnet_v2 import CustomScaleLayer as KerasScale

    from strided.saving import load_model

    ours, theirs = CustomScaleLayer(0.17, name="s"), KerasScale(0.17, name="s")
    keras_config = theirs.get_config()
    assert set(ours.get_config()) == set(keras_config)
    assert ours.get_config()["scale"] == pytest.approx(keras_config["scale"])

    inputs = keras_module.Input((4, 4, 3))
    branch = keras_module.layers.Conv2D(3, 1)(inputs)
    model = keras_module.Model(inputs, KerasScale(0.2)([inputs, branch]))
    model.save(tmp_path / "scaled.keras")
    x = np.random.default_rng(7).normal(size=(2, 4, 4, 3)).astype("float32")
    loaded = load_model(tmp_path / "scaled.keras")
    assert type(loaded.layers[-1]) is CustomScaleLayer
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), keras_module.ops.convert_to_numpy(model(x)), atol=1e-6
    )


def test_custom_scale_layer_computes_x_plus_scaled_residual():
    x, residual = np.ones((2, 3), "float32"), np.full((2, 3), 4.0, "float32")
    np.testing.assert_allclose(CustomScaleLayer(0.25)([x, residual]).numpy(), np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        CustomScaleLayer(0.25)([x, residual, x])
    with pytest.raises(ValueError, match="scale"):
        CustomScaleLayer("big")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: nasnet.NASNet(weights=None, penultimate_filters=100), "multiple of 24"),
        (
            lambda: applications.NASNetLarge(include_top=False, input_shape=(None, None, 3)),
            "must be static",
        ),
        (
            lambda: applications.InceptionResNetV2(weights=None, input_shape=(64, 64, 3)),
            "at least 75x75",
        ),
        (lambda: nasnet.NASNet(include_top=False, default_size=100), "NASNetLarge or NASNetMobile"),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_nasnet_refuses_channels_first_as_keras():
    previous = config.image_data_format()
    config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_first"):
            applications.NASNetMobile(weights=None)
    finally:
        config.set_image_data_format(previous)
