"""InceptionV3 (Szegedy et al., 2015): parallel branches of different receptive fields, as Keras'.

An Inception module looks at the same input through several branches at once — 1x1, 3x3
(or factorised 1x7 + 7x1), double 3x3, and a pooling branch — and concatenates their channels
("mixed0" ... "mixed10"), letting the network choose the scale that matters. Every conv is
`conv2d_bn`: a bias-free Conv2D, a BatchNormalization without scale (gamma), and a ReLU.

    299x299x3 -> stem (5 convs, 2 poolings) 35x35x192 -> mixed0-2 (35x35x288) -> mixed3 17x17x768
    -> mixed4-7 -> mixed8 8x8x1280 -> mixed9-10 (8x8x2048) -> global average pool -> classes

The layer structure and parameter count (23,851,784 with the top) equal Keras'; the
convolutions keep Keras' automatic names (conv2d, conv2d_1, ...). Minimum input: 75x75.
"""

from strided import layers
from strided.applications import _builder, _weights, imagenet_utils

IMAGENET = {
    True: _weights.keras_file(
        "inception_v3/",
        "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        "9a0d58056eeedaa3f26cb7ebd46da564",
    ),
    False: _weights.keras_file(
        "inception_v3/",
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "bcbd6486424b2319ff4ef7d526e38f63",
    ),
}


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Conv2D (no bias) -> BatchNormalization (no scale) -> ReLU: InceptionV3's brick."""
    conv_name = f"{name}_conv" if name is not None else None
    bn_name = f"{name}_bn" if name is not None else None
    x = layers.Conv2D(
        filters,
        (num_row, num_col),
        strides=strides,
        padding=padding,
        use_bias=False,
        name=conv_name,
    )(x)
    x = layers.BatchNormalization(axis=_builder.channel_axis(), scale=False, name=bn_name)(x)
    return layers.Activation("relu", name=name)(x)


def _average_branch(x, filters):
    branch = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(branch, filters, 1, 1)


def _module_a(x, pool_filters, name):
    """35x35: 1x1 | 1x1 -> 5x5 | 1x1 -> 3x3 -> 3x3 | avgpool -> 1x1."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    branch3x3dbl = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    branch_pool = _average_branch(x, pool_filters)
    return layers.concatenate(
        [branch1x1, branch5x5, branch3x3dbl, branch_pool], axis=_builder.channel_axis(), name=name
    )


def _module_c(x, width, name):
    """17x17: 1x1 | 1x1 -> 1x7 -> 7x1 | 1x1 -> (7x1 -> 1x7) x 2 | avgpool -> 1x1.

    The 7x7 receptive fields are factorised into 1x7 and 7x1 convolutions.
    """
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, width, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, width, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, width, 1, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, 1, 7)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
    branch_pool = _average_branch(x, 192)
    return layers.concatenate(
        [branch1x1, branch7x7, branch7x7dbl, branch_pool], axis=_builder.channel_axis(), name=name
    )


def _module_e(x, index):
    """8x8: 1x1 | 1x1 -> (1x3 | 3x1) | 1x1 -> 3x3 -> (1x3 | 3x1) | avgpool -> 1x1."""
    axis = _builder.channel_axis()
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate(
        [conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)],
        axis=axis,
        name=f"mixed9_{index}",
    )
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    branch3x3dbl = layers.concatenate(
        [conv2d_bn(branch3x3dbl, 384, 1, 3), conv2d_bn(branch3x3dbl, 384, 3, 1)], axis=axis
    )
    branch_pool = _average_branch(x, 192)
    return layers.concatenate(
        [branch1x1, branch3x3, branch3x3dbl, branch_pool], axis=axis, name=f"mixed{9 + index}"
    )


def _features(img_input):
    """The stem and the 11 Inception modules, up to the 8x8x2048 map (mixed10)."""
    axis = _builder.channel_axis()
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _module_a(x, 32, "mixed0")
    x = _module_a(x, 64, "mixed1")
    x = _module_a(x, 64, "mixed2")
    # mixed3: 35x35 -> 17x17 (grid reduction)
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=axis, name="mixed3")
    x = _module_c(x, 128, "mixed4")
    x = _module_c(x, 160, "mixed5")
    x = _module_c(x, 160, "mixed6")
    x = _module_c(x, 192, "mixed7")
    # mixed8: 17x17 -> 8x8 (grid reduction)
    branch3x3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=axis, name="mixed8")
    x = _module_e(x, 0)
    return _module_e(x, 1)


def _inception_v3(args):
    """InceptionV3 from the constructor's `_builder.Arguments`."""
    return _builder.build(args, _features, default_size=299, min_size=75, imagenet_file=IMAGENET)


InceptionV3 = _builder.constructor(
    "InceptionV3",
    "inception_v3",
    _inception_v3,
    """InceptionV3: 94 conv2d_bn bricks in 11 Inception modules, 23,851,784 parameters (Keras').

    Args:
        include_top: keep the classifier (global average pooling + Dense `classes`).
        weights: None (random), "imagenet" (Keras' published file, downloaded into the cache)
            or the path to a Keras weights file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 75x75; default (299, 299, 3) with the top.
        pooling: without the top: None (4-D map of 2048 channels), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits.
        name: the model's name.

    Shape:
        (batch, 299, 299, 3) -> (batch, classes); without the top (batch, 8, 8, 2048) at 299x299,
        (batch, 1, 1, 2048) at 75x75.

    Example:
        >>> InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3)).output_shape
        (None, 1, 1, 2048)
    """,
)


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (Keras' "tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["InceptionV3", "decode_predictions", "preprocess_input"]
