"""The issue-21 applications at their default (ImageNet) size: the numbers Keras prints, and the
argument checks Keras makes. Only building happens here (no forward pass).

The variants compared layer by layer with Keras in test_applications_more_keras.py are not
repeated; the totals below are Keras 3.15's `count_params()` (total, trainable) for the others.
"""

import gc

import pytest

from strided import applications, config

# (constructor, total parameters, trainable parameters, model name)
CASES = [
    ("DenseNet169", 14_307_880, 14_149_480, "densenet169"),
    ("ResNet101V2", 44_675_560, 44_577_896, "resnet101v2"),
    ("EfficientNetB2", 9_177_569, 9_109_994, "efficientnetb2"),
    ("EfficientNetB3", 12_320_535, 12_233_232, "efficientnetb3"),
    ("EfficientNetB4", 19_466_823, 19_341_616, "efficientnetb4"),
    ("EfficientNetB5", 30_562_527, 30_389_784, "efficientnetb5"),
    ("EfficientNetB6", 43_265_143, 43_040_704, "efficientnetb6"),
    ("EfficientNetV2B1", 8_212_124, 8_141_052, "efficientnetv2-b1"),
    ("EfficientNetV2B2", 10_178_374, 10_096_086, "efficientnetv2-b2"),
    ("EfficientNetV2M", 54_431_388, 54_139_356, "efficientnetv2-m"),
    ("ConvNeXtSmall", 50_223_688, 50_223_688, "convnext_small"),
]


@pytest.mark.parametrize("name, total, trainable, model_name", CASES, ids=[c[0] for c in CASES])
def test_parameter_counts_and_names_equal_keras(name, total, trainable, model_name):
    model = getattr(applications, name)(weights=None)
    assert model.count_params() == total
    assert sum(w.size for w in model.trainable_weights) == trainable
    assert model.name == model_name
    assert tuple(model.output_shape) == (None, 1000)
    del model
    gc.collect()


@pytest.mark.parametrize(
    "name, kwargs, input_shape",
    [
        ("Xception", {}, (None, 299, 299, 3)),
        ("DenseNet121", {}, (None, 224, 224, 3)),
        ("MobileNet", {}, (None, 224, 224, 3)),
        ("MobileNet", {"input_shape": (160, 160, 3), "alpha": 0.25}, (None, 160, 160, 3)),
        ("MobileNetV3Small", {}, (None, None, None, 3)),
        ("EfficientNetB7", {"include_top": False, "input_shape": None}, (None, None, None, 3)),
        ("EfficientNetV2B3", {}, (None, 300, 300, 3)),
        ("ConvNeXtTiny", {}, (None, 224, 224, 3)),
    ],
)
def test_default_input_shapes(name, kwargs, input_shape):
    model = getattr(applications, name)(weights=None, classes=3, **kwargs)
    assert tuple(model.input_shape) == input_shape


def test_mobilenet_name_and_width_as_keras():
    model = applications.MobileNet(weights=None, alpha=0.25, input_shape=(128, 128, 3), classes=3)
    assert model.name == "mobilenet_0.25_128"
    assert model.get_layer("conv_pw_13").filters == 256


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: applications.Xception(weights=None, input_shape=(64, 64, 3)), "at least 71x71"),
        (lambda: applications.DenseNet121(weights="imagenet", classes=10), "classes"),
        (lambda: applications.MobileNet(weights="imagenet", alpha=0.3), "alpha"),
        (lambda: applications.MobileNet(weights="imagenet", depth_multiplier=2), "depth multiplier"),
        (lambda: applications.MobileNetV3Large(weights="imagenet", alpha=0.5), "alpha"),
        (lambda: applications.MobileNetV3Small(weights=None, input_shape=(16, 16, 3)), "32x32"),
        (lambda: applications.ResNet50V2(weights=None, pooling="sum"), "pooling"),
        (lambda: applications.EfficientNetV2B0(weights="nowhere.h5"), "nowhere.h5"),
        (
            lambda: applications.densenet.DenseNet([1, 2, 3, 4], weights="imagenet"),
            "No ImageNet weights",
        ),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("name", ["DenseNet121", "ConvNeXtTiny"])
def test_channels_first_is_refused_as_in_keras(name):
    previous = config.image_data_format()
    config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_first"):
            getattr(applications, name)(weights=None)
    finally:
        config.set_image_data_format(previous)
