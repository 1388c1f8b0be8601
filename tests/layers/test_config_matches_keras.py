"""get_config() of every layer class strided shares with Keras 3, compared with Keras' own on
the same arguments: the same keys (where strided supports the option), equal values of the same
types (tuples where Keras gives tuples), and a saved .keras file loads back to the same configs."""

import keras
import numpy as np
import pytest

import strided
from strided import layers

# Constructor arguments per class (several per class where the tuple forms differ).
ARGUMENTS = {
    "Conv1D": [(4, 3), (4, 5, {"strides": 2, "padding": "same"})],
    "Conv2D": [(4, 3), (4, (3, 5), {"strides": (2, 1), "padding": "same"}), (2, 3, {"dilation_rate": 2})],
    "Conv2DTranspose": [(4, 3), (4, (3, 2), {"strides": 2})],
    "DepthwiseConv1D": [(3,)],
    "DepthwiseConv2D": [(5,), ((3, 5), {"strides": 2, "depth_multiplier": 2})],
    "SeparableConv1D": [(4, 3)],
    "SeparableConv2D": [(4, 3), (4, (3, 1), {"strides": (1, 2)})],
    "AveragePooling1D": [(2,), (3, {"strides": 1})],
    "AveragePooling2D": [(2,), ((3, 2), {"strides": (1, 2), "padding": "same"})],
    "MaxPooling1D": [(), (3, {"strides": 1})],
    "MaxPooling2D": [(), ((3, 3), {"strides": 2})],
    "Cropping1D": [(), ((1, 2),)],
    "Cropping2D": [(), (((1, 2), (3, 4)),), (2,)],
    "ZeroPadding1D": [(), (3,)],
    "ZeroPadding2D": [(), (((1, 2), (3, 4)),), (2,)],
    "UpSampling1D": [(), (3,)],
    "UpSampling2D": [(), ((3, 2),)],
    "Reshape": [((2, 3),)],
    "Permute": [((2, 1),)],
    "Dense": [(3,)],
    "Dropout": [(0.5,)],
    "SpatialDropout1D": [(0.5,)],
    "SpatialDropout2D": [(0.5,)],
    "Activation": [("relu",)],
    "GaussianNoise": [(0.1,)],
    "Resizing": [(4, 5), (4, 5, {"crop_to_aspect_ratio": True})],
    "Rescaling": [(0.5,), (1 / 127.5, {"offset": -1})],
    "RandomRotation": [(0.1,), ((-0.2, 0.3),)],
    "RandomZoom": [(0.1,), ((-0.1, 0.2), (0.1, 0.2))],
    "RandomTranslation": [(0.1, 0.2), ((-0.1, 0.2), 0.3)],
    "RandomContrast": [(0.1,), ((0.1, 0.2),)],
    "RandomBrightness": [(0.1,), ((-0.1, 0.2), {"value_range": (0, 1)})],
    "RandomFlip": [(), ("horizontal",)],
    "RandomCrop": [(4, 4, {"seed": 3})],
    "CenterCrop": [(4, 4)],
    "Normalization": [(), ({"axis": (1, 2)},), ({"axis": None},), ({"mean": [1.0, 2.0], "variance": [1.0, 4.0]},)],
    "BatchNormalization": [()],
    "LayerNormalization": [()],
    "GroupNormalization": [()],
    "LeakyReLU": [()],
    "PReLU": [()],
    "GlobalAveragePooling2D": [(), ({"keepdims": True},)],
    "GlobalMaxPooling2D": [()],
    "Flatten": [()],
    "Solarization": [(), (0.5, {"threshold_factor": (0.2, 0.4), "value_range": (0, 1), "seed": 2})],
    "AutoContrast": [(), ({"value_range": (0, 1)},)],
    "RandomGrayscale": [(), (0.3, {"seed": 2})],
    "RandomSharpness": [(0.3,), ((0.1, 0.4), {"seed": 3})],
    "RandomShear": [(0.1,), (0.2, 0.3, {"seed": 1})],
    "RandomColorJitter": [(), ({"brightness_factor": 0.2, "contrast_factor": 0.3, "seed": 1},)],
    "RandomInvert": [(), (0.3,)],
    "RandomPosterization": [(4,)],
    "RandomSaturation": [(0.3,)],
    "RandomHue": [(0.3,)],
    "RandomColorDegeneration": [(0.3,)],
    "RandomErasing": [(), (0.5, {"scale": 0.2, "fill_value": 3.0, "seed": 1})],
    "RandomGaussianBlur": [(), (0.5, {"kernel_size": 5, "sigma": (0.2, 0.8), "seed": 2})],
    "Equalization": [(), ({"value_range": (0, 1), "bins": 64},)],
    "MixUp": [(), ({"alpha": 0.4, "seed": 1},)],
    "CutMix": [(), ({"factor": 0.5, "seed": 1},)],
    "RandomPerspective": [(), ((0.2, 0.9), {"scale": 0.5, "interpolation": "nearest", "seed": 2})],
    "RandomElasticTransform": [(), (0.5, {"scale": (0.2, 0.6), "fill_mode": "constant", "value_range": (0, 1)})],
    "ContrastLimitedAdaptiveHistogramEqualization": [(), ({"clip_limit": 2.0, "tile_grid_size": (4, 3)},)],
    "RandAugment": [(), ({"value_range": (0, 1), "num_ops": 3, "factor": (0.1, 0.4), "seed": 1},)],
    "MaxNumBoundingBoxes": [(5,), (3, {"bounding_box_format": "xyxy"})],
    "AugMix": [(), ({"num_chains": 2, "chain_depth": 1, "factor": 0.5, "alpha": 0.5, "all_ops": False},)],
    "Add": [()], "Average": [()], "Concatenate": [(), ({"axis": 1},)], "Maximum": [()], "Minimum": [()],
    "Multiply": [()], "Subtract": [()], "Identity": [()], "ELU": [(), ({"alpha": 0.5},)],
    "ReLU": [(), ({"max_value": 6.0, "negative_slope": 0.1},)], "Softmax": [(), ({"axis": 1},)],
    "GlobalAveragePooling1D": [()], "GlobalMaxPooling1D": [(), ({"keepdims": True},)],
    "UnitNormalization": [(), ({"axis": [1, 2]},)], "RMSNormalization": [(), ({"axis": -2, "epsilon": 1e-3},)],
    "GaussianDropout": [(0.3,), (0.1, {"seed": 3})], "AlphaDropout": [(0.2,), (0.1, {"noise_shape": (None, 1), "seed": 1})],
    "ActivityRegularization": [(), (0.01, 0.02)], "SpatialDropout3D": [(0.5,), (0.2, {"data_format": "channels_first"})],
    "Conv1DTranspose": [(4, 3), (2, 5, {"strides": 2, "padding": "same", "output_padding": 1})],
    "AdaptiveAveragePooling1D": [(3,)], "AdaptiveAveragePooling2D": [(3,), ((2, 4), {"data_format": "channels_first"})],
    "AdaptiveMaxPooling1D": [((2,),)], "AdaptiveMaxPooling2D": [((3, 5),)],
    "AdaptiveAveragePooling3D": [(2,), ((1, 2, 3), {"data_format": "channels_first"})],
    "AdaptiveMaxPooling3D": [((2, 3, 4),)],
    "RepeatVector": [(3,)], "Dot": [(1,), ((2, 1), {"normalize": True})],
    "Conv3D": [(4, 3), (2, (3, 1, 2), {"strides": 2, "padding": "same", "activation": "relu"})],
    "Conv3DTranspose": [(4, 3), (2, (1, 2, 3), {"strides": (1, 2, 1), "output_padding": (0, 1, 0)})],
    "MaxPooling3D": [(), (3, {"strides": 2, "padding": "same"})], "AveragePooling3D": [(2,), ((1, 2, 3),)],
    "GlobalAveragePooling3D": [(), ({"keepdims": True},)], "GlobalMaxPooling3D": [()],
    "UpSampling3D": [(), ((1, 2, 3),)], "ZeroPadding3D": [(), (2,), (((1, 2), (0, 1), (3, 0)),)],
    "Cropping3D": [(), ((1, 2, 0),)],
    "Embedding": [(10, 4), (5, 2, {"mask_zero": True, "embeddings_initializer": "he_normal"})],
    "EinsumDense": [("abc,cd->abd", (None, 8), {"bias_axes": "d"}), ("...b,bc->...c", 4, {"activation": "relu"})],
    "MultiHeadAttention": [(2, 3), (4, 8, {"value_dim": 5, "dropout": 0.1, "use_bias": False, "output_shape": 6})],
    "Attention": [(), ({"use_scale": True, "score_mode": "concat", "dropout": 0.1, "seed": 2},)],
    "AdditiveAttention": [(), ({"use_scale": False, "dropout": 0.2},)],
}
# Keras' other names for the same classes.
for alias, original in {"AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D",
                        "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "Convolution1D": "Conv1D",
                        "Convolution2D": "Conv2D", "Convolution2DTranspose": "Conv2DTranspose",
                        "SeparableConvolution2D": "SeparableConv2D", "GlobalAvgPool1D": "GlobalAveragePooling1D",
                        "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalMaxPool1D": "GlobalMaxPooling1D",
                        "GlobalMaxPool2D": "GlobalMaxPooling2D", "Convolution1DTranspose": "Conv1DTranspose",
                        "SeparableConvolution1D": "SeparableConv1D", "Convolution3D": "Conv3D",
                        "Convolution3DTranspose": "Conv3DTranspose", "MaxPool3D": "MaxPooling3D",
                        "AvgPool3D": "AveragePooling3D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
                        "GlobalMaxPool3D": "GlobalMaxPooling3D"}.items():
    ARGUMENTS[alias] = ARGUMENTS[original]
# Classes whose config is not a function of constructor arguments alone.
NOT_LISTED = {"InputLayer", "Layer", "Lambda"}  # Lambda: Keras stores the function's bytecode
NOT_LISTED |= {"TimeDistributed"}  # wraps a layer object: compared in test_attention_layers.py
# Keras keys with no strided counterpart (options strided does not implement).
UNSUPPORTED = {"quantization_config", "renorm", "renorm_clipping", "renorm_momentum"}
# Keys whose Keras value is not a plain function of the arguments (a random seed, a pickled lambda).
NOT_COMPARABLE = {("RandomCrop", "seed")}


def _cases():
    shared = sorted(name for name in ARGUMENTS if hasattr(layers, name) and hasattr(keras.layers, name))
    for name in shared:
        for arguments in ARGUMENTS[name]:
            keywords = arguments[-1] if arguments and isinstance(arguments[-1], dict) else {}
            positional = arguments[:-1] if keywords else arguments
            yield pytest.param(name, positional, keywords, id=f"{name}{positional}{keywords}")


def _same(ours, theirs):
    """Equal values of the same type; nested initializer/regularizer dicts by class and config."""
    if isinstance(theirs, dict) and "class_name" in theirs:
        return (isinstance(ours, dict) and ours["class_name"] == theirs["class_name"]
                and all(_same(v, theirs["config"][k]) for k, v in ours.get("config", {}).items()))
    if isinstance(theirs, (list, tuple)):
        return (type(ours) is (list if isinstance(theirs, list) else tuple) and len(ours) == len(theirs)
                and all(_same(a, b) for a, b in zip(ours, theirs)))
    if isinstance(theirs, float) or isinstance(ours, float):
        return isinstance(ours, (int, float)) and np.isclose(ours, theirs)
    return type(ours) is type(theirs) and ours == theirs


@pytest.mark.parametrize("name, positional, keywords", list(_cases()))
def test_config_equals_keras(name, positional, keywords):
    theirs = getattr(keras.layers, name)(*positional, **keywords).get_config()
    ours = getattr(layers, name)(*positional, **keywords).get_config()
    for key, value in theirs.items():
        if key in ("name", "dtype") or key in UNSUPPORTED or (name, key) in NOT_COMPARABLE:
            continue
        assert key in ours, f"{name}: Keras' config has {key!r}, strided's does not"
        assert _same(ours[key], value), f"{name}.{key}: strided {ours[key]!r} != Keras {value!r}"


def test_the_issue_example():
    assert layers.DepthwiseConv2D(5).get_config()["kernel_size"] == (5, 5)
    assert layers.MaxPooling2D().get_config()["pool_size"] == (2, 2)
    assert layers.Conv2D(3, 3).get_config()["strides"] == (1, 1)


def test_tuple_configs_survive_a_keras_file(tmp_path):
    model = strided.Sequential([
        layers.Input((12, 12, 3)),
        layers.ZeroPadding2D(((1, 2), (3, 4))),
        layers.Conv2D(4, (3, 5), strides=(2, 1), padding="same"),
        layers.DepthwiseConv2D(3, dilation_rate=(2, 2)),
        layers.Cropping2D(((1, 0), (2, 1))),
        layers.UpSampling2D((2, 1)),
        layers.MaxPooling2D((2, 2), strides=(2, 1)),
        layers.Reshape((33, 4)),
        layers.Permute((2, 1)),
    ])
    path = tmp_path / "tuples.keras"
    model.save(path)
    loaded = strided.saving.load_model(path)
    for before, after in zip(model.layers, loaded.layers):
        config, reloaded = before.get_config(), after.get_config()
        config.pop("name"), reloaded.pop("name")
        assert reloaded == config
    x = np.random.default_rng(0).normal(size=(2, 12, 12, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("name, positional, keywords", list(_cases()))
def test_config_survives_json(name, positional, keywords):
    """What a .keras file stores (tuples written as JSON lists) rebuilds the same layer."""
    import json

    layer = getattr(layers, name)(*positional, **keywords)
    config = layer.get_config()
    rebuilt = type(layer).from_config(json.loads(json.dumps(config)))
    assert json.dumps(rebuilt.get_config(), sort_keys=True) == json.dumps(config, sort_keys=True)


def test_every_shared_layer_class_is_compared():
    shared = {name for name in dir(layers) if isinstance(getattr(layers, name), type)
              and isinstance(getattr(keras.layers, name, None), type)}
    assert not shared - set(ARGUMENTS) - NOT_LISTED
