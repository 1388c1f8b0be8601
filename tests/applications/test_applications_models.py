"""Each architecture builds small and runs forward and backward; argument checks."""

import numpy as np
import pytest

from strided import applications, layers
from strided.models import Model

# (constructor, kwargs, input shape, output shape) at the smallest size each architecture allows
SMALL = [
    ("LeNet5", {}, (32, 32, 1), (2, 10)),
    ("AlexNet", {"classes": 3}, (63, 63, 3), (2, 3)),
    ("VGG16", {"include_top": False}, (32, 32, 3), (2, 1, 1, 512)),
    ("VGG19", {"include_top": False, "pooling": "max"}, (32, 32, 3), (2, 512)),
    ("ResNet18", {"classes": 10}, (32, 32, 3), (2, 10)),
    ("ResNet34", {"include_top": False}, (32, 32, 3), (2, 1, 1, 512)),
    ("ResNet50", {"include_top": False, "pooling": "avg"}, (32, 32, 3), (2, 2048)),
    ("InceptionV3", {"include_top": False, "pooling": "avg"}, (75, 75, 3), (2, 2048)),
    ("MobileNetV2", {"classes": 5}, (32, 32, 3), (2, 5)),
    ("EfficientNetB0", {"classes": 5}, (32, 32, 3), (2, 5)),
]


@pytest.mark.parametrize("name, kwargs, shape, output_shape", SMALL, ids=[c[0] for c in SMALL])
def test_forward_and_backward_at_the_smallest_size(name, kwargs, shape, output_shape):
    model = getattr(applications, name)(weights=None, input_shape=shape, **kwargs)
    x = np.random.default_rng(0).uniform(0, 1, (2,) + shape).astype("float32")
    y = model(x, training=True)
    assert y.shape == output_shape
    assert np.all(np.isfinite(y.numpy()))
    (y * y).sum().backward()
    first = next(layer for layer in model.layers if layer.trainable_weights)
    last = [layer for layer in model.layers if layer.trainable_weights][-1]
    for layer in (first, last):
        grad = layer.trainable_weights[0].grad
        assert grad is not None and grad.shape == layer.trainable_weights[0].shape
        assert np.all(np.isfinite(grad)) and np.any(grad != 0), layer.name


def test_forward_at_224_without_the_top_is_size_agnostic():
    model = applications.MobileNetV2(weights=None, include_top=False)
    out = model.predict(np.zeros((1, 64, 96, 3), "float32"), verbose=0)
    assert out.shape == (1, 2, 3, 1280)


def test_input_tensor_reuses_a_graph():
    inputs = layers.Input((32, 32, 3))
    scaled = layers.Rescaling(1 / 255.0)(inputs)
    base = applications.ResNet18(
        weights=None, include_top=False, input_tensor=scaled, pooling="avg"
    )
    assert base.input is inputs and type(base.layers[1]).__name__ == "Rescaling"
    outputs = layers.Dense(3)(base.output)
    model = Model(inputs, outputs)
    assert model.predict(np.zeros((2, 32, 32, 3), "float32"), verbose=0).shape == (2, 3)


def test_pooling_modes_and_names():
    avg = applications.ResNet50(
        weights=None, include_top=False, pooling="avg", input_shape=(32, 32, 3)
    )
    top = applications.ResNet50(
        weights=None, include_top=False, pooling="max", input_shape=(32, 32, 3)
    )
    assert avg.layers[-1].name == "avg_pool" and top.layers[-1].name == "max_pool"
    assert type(top.layers[-1]).__name__ == "GlobalMaxPooling2D"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: applications.VGG16(weights="no/such/file.h5"), "no such file"),
        (lambda: applications.ResNet50(weights="imagenet", classes=10), "`classes` should be 1000"),
        (lambda: applications.VGG16(weights=None, include_top=False, pooling="sum"), "pooling"),
        (
            lambda: applications.ResNet50(weights=None, input_shape=(16, 16, 3), include_top=False),
            "at least 32x32",
        ),
        (
            lambda: applications.InceptionV3(
                weights=None, input_shape=(64, 64, 3), include_top=False
            ),
            "at least 75x75",
        ),
        (
            lambda: applications.AlexNet(weights=None, input_shape=(32, 32, 3), include_top=False),
            "at least 63x63",
        ),
        (lambda: applications.LeNet5(weights="imagenet"), "No ImageNet weights"),
        (
            lambda: applications.MobileNetV2(weights=None, input_shape=(None, None, 3)),
            "static `input_shape`",
        ),
        (
            lambda: applications.ResNet50(weights="imagenet", input_shape=(32, 32, 3)),
            "should be \\(224, 224, 3\\)",
        ),
        (
            lambda: applications.ResNet50(
                weights="imagenet", include_top=False, input_shape=(32, 32, 1)
            ),
            "3 channels",
        ),
        (
            lambda: applications.ResNet18(weights=None, input_tensor=np.zeros((1, 32, 32, 3))),
            "symbolic tensor",
        ),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_pretrained_classifier_must_stay_softmax(tmp_path):
    path = tmp_path / "lenet.weights.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n")
    with pytest.raises(ValueError, match="classifier_activation"):
        applications.VGG16(weights=str(path), include_top=True, classifier_activation="sigmoid")
