"""Inception-ResNet v2 (Szegedy et al., 2016): Inception modules with residual connections, as Keras'.

Each Inception-ResNet block looks at its input through a few parallel branches (as an Inception
module does), concatenates them, projects the result back to the input's width with a 1x1
convolution (with a bias, no BatchNormalization) and *adds* it to the input, scaled down
(`x + scale * r`, scale 0.17, 0.1 or 0.2) so that the very deep stack trains stably:

    299x299x3 -> stem (5 convs, 2 poolings) 35x35x192 -> mixed_5b 35x35x320
    -> 10 x block35 -> mixed_6a 17x17x1088 -> 20 x block17 -> mixed_7a 8x8x2080
    -> 10 x block8 (the last without ReLU, scale 1) -> conv_7b 8x8x1536 -> average pool -> classes

Every other convolution is `conv2d_bn`: a bias-free Conv2D, a BatchNormalization without scale
(gamma) and a ReLU. Layer names (automatic conv2d, conv2d_1, ... inside the branches; block35_1_mixed,
block35_1_conv, custom_scale_layer, block35_1_ac, ..., conv_7b, conv_7b_bn, conv_7b_ac,
predictions) and the parameter count (55,873,736 with the top) equal Keras', so Keras' weight
files load unchanged. Minimum input: 75x75.
"""

from strided import layers
from strided.applications import _builder, _weights, imagenet_utils
from strided.applications._scale_layer import CustomScaleLayer

FOLDER = "inception_resnet_v2/"
IMAGENET = {
    True: _weights.keras_file(
        FOLDER,
        "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
        "e693bd0210a403b3192acc6073ad2e96",
    ),
    False: _weights.keras_file(
        FOLDER,
        "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "d19885ff4a710c122648d3b5c3b684e4",
    ),
}

# block type -> the residual branches, each a list of (filters, kernel size) convolutions
BRANCHES = {
    "block35": [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    "block17": [[(192, 1)], [(128, 1), (160, (1, 7)), (192, (7, 1))]],
    "block8": [[(192, 1)], [(192, 1), (224, (1, 3)), (256, (3, 1))]],
}


def conv2d_bn(
    x, filters, kernel_size, strides=1, padding="same", activation="relu", use_bias=False, name=None
):
    """Conv2D "<name>" -> (without a bias) BatchNormalization "<name>_bn" with no scale ->
    Activation "<name>_ac" (unless `activation` is None): Inception-ResNet's brick."""
    x = layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name
    )(x)
    if not use_bias:
        bn_name = None if name is None else f"{name}_bn"
        x = layers.BatchNormalization(axis=_builder.channel_axis(), scale=False, name=bn_name)(x)
    if activation is not None:
        ac_name = None if name is None else f"{name}_ac"
        x = layers.Activation(activation, name=ac_name)(x)
    return x


def _branch(x, convolutions):
    for filters, kernel_size in convolutions:
        x = conv2d_bn(x, filters, kernel_size)
    return x


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """x + scale * conv1x1(concatenate(branches(x))), then `activation` ("<type>_<idx>_ac").

    Args:
        x: the block's input (its channels are also the block's output channels).
        scale: the factor of the residual branch (0.17 block35, 0.1 block17, 0.2 block8).
        block_type: "block35" (35x35 grid), "block17" (17x17) or "block8" (8x8).
        block_idx: the repetition's number, used in the layer names ("block35_3_mixed").
        activation: the activation after the sum, or None.
    """
    if block_type not in BRANCHES:
        raise ValueError(
            'Unknown Inception-ResNet block type. Expects "block35", "block17" or "block8", '
            f"but got: {block_type}"
        )
    axis = _builder.channel_axis()
    branches = [_branch(x, convolutions) for convolutions in BRANCHES[block_type]]
    block_name = f"{block_type}_{block_idx}"
    mixed = layers.Concatenate(axis=axis, name=f"{block_name}_mixed")(branches)
    up = conv2d_bn(
        mixed, x.shape[axis], 1, activation=None, use_bias=True, name=f"{block_name}_conv"
    )
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def _stem(img_input):
    """299x299x3 -> 35x35x192: five convolutions and two 3x3/2 max poolings."""
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    return layers.MaxPooling2D(3, strides=2)(x)


def _mixed_5b(x):
    """Inception-A: 1x1 (96) | 1x1 -> 5x5 (64) | 1x1 -> 3x3 -> 3x3 (96) | avgpool -> 1x1 (64)."""
    branch_0 = conv2d_bn(x, 96, 1)
    branch_1 = conv2d_bn(conv2d_bn(x, 48, 1), 64, 5)
    branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1), 96, 3), 96, 3)
    branch_pool = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    branch_pool = conv2d_bn(branch_pool, 64, 1)
    return layers.Concatenate(axis=_builder.channel_axis(), name="mixed_5b")(
        [branch_0, branch_1, branch_2, branch_pool]
    )


def _mixed_6a(x):
    """Reduction-A, 35x35 -> 17x17: 3x3/2 (384) | 1x1 -> 3x3 -> 3x3/2 (384) | max pool."""
    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(x, 256, 1), 256, 3)
    branch_1 = conv2d_bn(branch_1, 384, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    return layers.Concatenate(axis=_builder.channel_axis(), name="mixed_6a")(
        [branch_0, branch_1, branch_pool]
    )


def _mixed_7a(x):
    """Reduction-B, 17x17 -> 8x8: three conv branches ending in a 3x3/2 conv, and a max pool."""
    branch_0 = conv2d_bn(conv2d_bn(x, 256, 1), 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(x, 256, 1), 288, 3, strides=2, padding="valid")
    branch_2 = conv2d_bn(conv2d_bn(x, 256, 1), 288, 3)
    branch_2 = conv2d_bn(branch_2, 320, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    return layers.Concatenate(axis=_builder.channel_axis(), name="mixed_7a")(
        [branch_0, branch_1, branch_2, branch_pool]
    )


def _features(img_input):
    """The stem, the 40 Inception-ResNet blocks and conv_7b, up to the 1536-channel map."""
    x = _mixed_5b(_stem(img_input))
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    x = _mixed_6a(x)
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    x = _mixed_7a(x)
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    return conv2d_bn(x, 1536, 1, name="conv_7b")


def _inception_resnet_v2(args):
    """InceptionResNetV2 from the constructor's `_builder.Arguments`."""
    return _builder.build(args, _features, default_size=299, min_size=75, imagenet_file=IMAGENET)


InceptionResNetV2 = _builder.constructor(
    "InceptionResNetV2",
    "inception_resnet_v2",
    _inception_resnet_v2,
    """Inception-ResNet v2: 40 residual Inception blocks, 55,873,736 parameters (Keras').

    Args:
        include_top: keep the classifier (global average pooling + Dense `classes`).
        weights: None (random), "imagenet" (Keras' published file, downloaded into the cache)
            or the path to a Keras weights file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 75x75; default (299, 299, 3) with the top.
        pooling: without the top: None (4-D map of 1536 channels), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits.
        name: the model's name.

    Shape:
        (batch, 299, 299, 3) -> (batch, classes); without the top (batch, 8, 8, 1536) at
        299x299, (batch, 1, 1, 1536) at 75x75.

    Example:
        >>> InceptionResNetV2(weights=None, include_top=False, input_shape=(75, 75, 3)).output_shape
        (None, 1, 1, 1536)
    """,
)


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (Keras' "tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = [
    "CustomScaleLayer",
    "InceptionResNetV2",
    "decode_predictions",
    "preprocess_input",
]
