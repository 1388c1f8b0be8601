"""LeNet-5 (LeCun et al., 1998): the first convolutional network, for 32x32 digit images.

Two convolution + subsampling stages extract strokes and then their combinations; three
fully connected layers classify them. Activations are tanh and the subsampling is average
pooling, as in the paper (modern variants use ReLU and max pooling):

    32x32x1 -> conv1 5x5 (6) 28x28x6 -> pool1 2x2 14x14x6 -> conv2 5x5 (16) 10x10x16 -> pool2 5x5x16
    -> flatten 400 -> fc1 120 -> fc2 84 -> predictions 10            61,706 parameters

(The paper's C5 is a 5x5 convolution over the 5x5 map, i.e. exactly the dense layer fc1.)
MNIST's 28x28 digits fit with `input_shape=(28, 28, 1)` (the paper pads them to 32x32).
"""

import numpy as np

from strided import _config, layers
from strided.applications import _builder, imagenet_utils
from strided.autograd import Tensor


def _features(img_input):
    """conv1 -> pool1 -> conv2 -> pool2, up to the 5x5x16 map."""
    x = layers.Conv2D(6, 5, activation="tanh", name="conv1")(img_input)
    x = layers.AveragePooling2D(2, name="pool1")(x)
    x = layers.Conv2D(16, 5, activation="tanh", name="conv2")(x)
    return layers.AveragePooling2D(2, name="pool2")(x)


def _lenet5(args):
    """LeNet5 from the constructor's `_builder.Arguments`."""
    if args.input_shape is None and args.input_tensor is None:  # one grey channel, not three
        channels_first = _config.image_data_format() == "channels_first"
        size = 32 if args.include_top else None
        shape = (1, size, size) if channels_first else (size, size, 1)
        args = args._replace(input_shape=shape)
    return _builder.build(
        args,
        _features,
        default_size=32,
        min_size=16,
        has_imagenet=False,
        model_name="LeNet5",
        top=_builder.flatten_dense((120, 84), "tanh"),
    )


LeNet5 = _builder.constructor(
    "LeNet5",
    "lenet5",
    _lenet5,
    """LeNet-5: conv 6 -> pool -> conv 16 -> pool -> dense 120 -> 84 -> classes, tanh activations.

    Args:
        include_top: keep flatten + fc1, fc2, predictions.
        weights: None (random) or the path to a weights file of this model (no ImageNet
            weights exist).
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, channels), at least 16x16; default (32, 32, 1).
        pooling: without the top: None (the 4-D pool2 map), "avg" or "max".
        classes: number of classes (10 digits).
        classifier_activation: "softmax" (default) or None for logits.
        name: the model's name.

    Shape:
        (batch, 32, 32, 1) -> (batch, classes); without the top (batch, 5, 5, 16).

    Example:
        >>> LeNet5().count_params()
        61706
    """,
    weights=None,
    classes=10,
)


def preprocess_input(x, data_format=None):
    """Scale [0, 255] pixels to [0, 1] floats (floatx for integer input), as a new array."""
    if isinstance(x, Tensor):
        return x / 255.0
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(_config.floatx())
    return x.astype(dtype) / dtype.type(255.0)


def decode_predictions(preds, top=5, class_names=None):
    """The `top` classes of each prediction as (index, name, score); names default to "0".."9"."""
    preds = np.asarray(preds.numpy() if hasattr(preds, "numpy") else preds)
    names = class_names or [str(i) for i in range(preds.shape[-1])]
    index = {str(i): (str(i), names[i]) for i in range(preds.shape[-1])}
    return imagenet_utils.decode_predictions(preds, top=top, class_index=index)


__all__ = ["LeNet5", "decode_predictions", "preprocess_input"]
