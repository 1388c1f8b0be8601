"""Parameter counts and output shapes at the default (ImageNet) size: the numbers Keras prints.

Only building happens here (no forward pass at 224x224). VGG16's top is the one big
allocation (138M float32 weights, ~550 MB), made once.
"""

import gc

import pytest

from strided import applications

# (constructor, kwargs, total parameters, output shape);
# totals are Keras' (or torchvision's plus the BatchNormalization statistics)
CASES = [
    ("VGG16", {}, 138_357_544, (None, 1000)),
    ("VGG19", {"include_top": False}, 20_024_384, (None, None, None, 512)),
    ("ResNet50", {}, 25_636_712, (None, 1000)),
    ("ResNet101", {}, 44_707_176, (None, 1000)),
    ("InceptionV3", {}, 23_851_784, (None, 1000)),
    ("MobileNetV2", {}, 3_538_984, (None, 1000)),
    ("EfficientNetB0", {}, 5_330_571, (None, 1000)),
    ("AlexNet", {}, 61_100_840, (None, 1000)),
    ("ResNet18", {}, 11_689_512 + 9_600, (None, 1000)),
    ("ResNet34", {}, 21_797_672 + 17_024, (None, 1000)),
    ("LeNet5", {}, 61_706, (None, 10)),
]


@pytest.mark.parametrize("name, kwargs, total, output_shape", CASES, ids=[c[0] for c in CASES])
def test_parameter_count_and_output_shape(name, kwargs, total, output_shape):
    model = getattr(applications, name)(weights=None, **kwargs)
    assert model.count_params() == total
    assert tuple(model.output_shape) == output_shape
    del model
    gc.collect()


@pytest.mark.parametrize(
    "name, trainable",
    [
        ("ResNet18", 11_689_512),
        ("ResNet34", 21_797_672),
        ("ResNet50", 25_583_592),
        ("MobileNetV2", 3_504_872),
    ],
)
def test_trainable_counts_exclude_batch_norm_statistics(name, trainable):
    model = getattr(applications, name)(weights=None)
    assert sum(w.size for w in model.trainable_weights) == trainable


def test_vgg19_top_adds_the_three_dense_layers():
    """VGG19 with top = 143,667,240: no-top count + fc1, fc2, predictions (not allocated)."""
    dense = (7 * 7 * 512 + 1) * 4096 + (4096 + 1) * 4096 + (4096 + 1) * 1000
    assert 20_024_384 + dense == 143_667_240


@pytest.mark.parametrize(
    "name, size, default_shape",
    [
        ("VGG16", 224, (None, 224, 224, 3)),
        ("ResNet50", 224, (None, 224, 224, 3)),
        ("InceptionV3", 299, (None, 299, 299, 3)),
        ("MobileNetV2", 224, (None, 224, 224, 3)),
        ("EfficientNetB0", 224, (None, 224, 224, 3)),
        ("AlexNet", 224, (None, 224, 224, 3)),
        ("ResNet18", 224, (None, 224, 224, 3)),
        ("LeNet5", 32, (None, 32, 32, 1)),
    ],
)
def test_default_input_shape_with_top(name, size, default_shape):
    model = getattr(applications, name)(weights=None, include_top=True, classes=3)
    assert tuple(model.input_shape) == default_shape


def test_without_top_any_size_is_accepted():
    model = applications.ResNet50(weights=None, include_top=False)
    assert tuple(model.input_shape) == (None, None, None, 3)
    assert tuple(model.output_shape) == (None, None, None, 2048)
