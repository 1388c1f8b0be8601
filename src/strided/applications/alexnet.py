"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012), in torchvision's single-GPU design.

The network that started the deep-learning era on ImageNet: large early filters (11x11 with
stride 4), ReLU instead of tanh, max pooling with overlap (3x3, stride 2) and Dropout in the
classifier. torchvision's version (from "One weird trick", 2014) is used, so its ImageNet
weights and state_dicts load and give the same outputs (61,100,840 parameters):

    224x224x3 -> conv1 11x11/4 (64) 55x55 -> pool 27 -> conv2 5x5 (192) -> pool 13
    -> conv3 3x3 (384) -> conv4 3x3 (256) -> conv5 3x3 (256) -> pool 6x6x256
    -> flatten 9216 -> dropout, fc1 4096 -> dropout, fc2 4096 -> predictions 1000

The input must be at least 63x63 (the stride-4 stem and three stride-2 poolings leave 1x1);
resize CIFAR's 32x32 images up, or use a network made for small images.
"""

from strided import layers
from strided.applications import _builder, _weights, imagenet_utils

IMAGENET = _weights.torchvision_file("alexnet-owt-7be5be79.pth")
TORCH_NAMES = {
    "features.0": "conv1",
    "features.3": "conv2",
    "features.6": "conv3",
    "features.8": "conv4",
    "features.10": "conv5",
    "classifier.1": "fc1",
    "classifier.4": "fc2",
    "classifier.6": "predictions",
}


def _features(img_input):
    """The five convolutions and three max poolings, up to the 6x6x256 map (pool5)."""
    x = layers.ZeroPadding2D(padding=((2, 2), (2, 2)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 11, strides=4, activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(192, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    return layers.MaxPooling2D(3, strides=2, name="pool5")(x)


def _alexnet(args):
    """AlexNet from the constructor's `_builder.Arguments`."""
    return _builder.build(
        args,
        _features,
        min_size=63,
        top=_builder.flatten_dense((4096, 4096), "relu", dropout=0.5),
        imagenet_file=IMAGENET,
        torch_names=TORCH_NAMES.get,
    )


AlexNet = _builder.constructor(
    "AlexNet",
    "alexnet",
    _alexnet,
    """AlexNet: 5 convolutions (ReLU, overlapping max pooling) + 3 dense layers with dropout.

    Args:
        include_top: keep flatten, fc1, fc2 (with dropout 0.5 before each) and predictions.
        weights: None (random), "imagenet" (torchvision's file, downloaded into the cache; reading
            it needs torch) or the path to a torchvision state_dict (.pth/.safetensors) or a
            weights file of this model.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 63x63; default (224, 224, 3) with the top.
        pooling: without the top: None (the 4-D pool5 map), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits (torchvision's output).
        name: the model's name.

    Shape:
        (batch, 224, 224, 3) -> (batch, classes); without the top (batch, 6, 6, 256) at 224x224.

    Example:
        >>> AlexNet(weights=None).count_params()
        61100840
    """,
)


def preprocess_input(x, data_format=None):
    """Scale to [0, 1], then normalise with ImageNet's per-channel mean and std (torchvision)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["AlexNet", "decode_predictions", "preprocess_input"]
