"""Xception (Chollet, 2017): Inception taken to the limit, with separable convolutions, as Keras'.

An Inception module splits a convolution into a few branches that each look at part of the
channels; Xception goes all the way: every 3x3 convolution is a *depthwise separable* one (a
3x3 filter per channel, then a 1x1 convolution mixing the channels), which is cheaper and, on
ImageNet, slightly better. The 36 separable convolutions are arranged in residual blocks:

    entry flow:  conv 3x3/2 (32), conv 3x3 (64), then 3 blocks (128, 256, 728) that each
                 halve the image with a 3x3/2 max pool, the shortcut a strided 1x1 conv
    middle flow: 8 blocks of 3 x (ReLU -> separable 3x3 (728) -> BN), identity shortcut
    exit flow:   a block 728 -> 1024 (halving), separable 1536 and 2048, global average pool

    299x299x3 -> 149 -> 147 -> 74 -> 37 -> 19 -> 10 (x2048) -> classes

Layer names (block1_conv1, block2_sepconv1, ..., block14_sepconv2_act, predictions; the
shortcut convolutions, their BatchNormalization and the additions keep automatic names as in
Keras) and the parameter count (22,910,480 with the top) equal Keras'.
"""

from strided import layers
from strided.applications import _builder, _weights, imagenet_utils

FOLDER = "xception/"
IMAGENET = {
    True: _weights.keras_file(
        FOLDER, "xception_weights_tf_dim_ordering_tf_kernels.h5", "0a58e3b7378bc2990ea3b43d5981f1f6"
    ),
    False: _weights.keras_file(
        FOLDER,
        "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "b0042744bf5b25fce3cb969f33bebb97",
    ),
}


def _batch_norm(name=None):
    return layers.BatchNormalization(axis=_builder.channel_axis(), name=name)


def conv_bn_relu(x, filters, strides, name):
    """A plain 'valid' 3x3 convolution of the stem, BatchNormalization and ReLU."""
    x = layers.Conv2D(filters, 3, strides=strides, use_bias=False, name=name)(x)
    x = _batch_norm(f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_act")(x)


def sepconv_bn(x, filters, name, relu_first=True):
    """(ReLU "<name>_act") -> separable 3x3 "same" convolution "<name>" -> BN "<name>_bn"."""
    if relu_first:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
    return _batch_norm(f"{name}_bn")(x)


def downsampling_block(x, filters, block, first_filters=None, relu_first=True):
    """Two separable convolutions and a 3x3/2 max pool, plus a strided 1x1 conv shortcut."""
    residual = layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(x)
    residual = _batch_norm()(residual)
    x = sepconv_bn(x, first_filters or filters, f"block{block}_sepconv1", relu_first)
    x = sepconv_bn(x, filters, f"block{block}_sepconv2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def middle_block(x, block):
    """Three ReLU -> separable conv (728) -> BN, added to the block's input."""
    residual = x
    for index in (1, 2, 3):
        x = sepconv_bn(x, 728, f"block{block}_sepconv{index}")
    return layers.add([x, residual])


def _features(img_input):
    """The entry, middle and exit flows, up to the 2048-channel map (block14_sepconv2_act)."""
    x = conv_bn_relu(img_input, 32, 2, "block1_conv1")
    x = conv_bn_relu(x, 64, 1, "block1_conv2")
    x = downsampling_block(x, 128, 2, relu_first=False)
    x = downsampling_block(x, 256, 3)
    x = downsampling_block(x, 728, 4)
    for block in range(5, 13):
        x = middle_block(x, block)
    x = downsampling_block(x, 1024, 13, first_filters=728)
    x = sepconv_bn(x, 1536, "block14_sepconv1", relu_first=False)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = sepconv_bn(x, 2048, "block14_sepconv2", relu_first=False)
    return layers.Activation("relu", name="block14_sepconv2_act")(x)


def _xception(args):
    """Xception from the constructor's `_builder.Arguments`."""
    return _builder.build(args, _features, default_size=299, min_size=71, imagenet_file=IMAGENET)


Xception = _builder.constructor(
    "Xception",
    "xception",
    _xception,
    """Xception: 36 convolutions in 14 blocks, 22,910,480 parameters (Keras' `Xception`).

    Args:
        include_top: keep the classifier (global average pooling + Dense `classes`).
        weights: None (random), "imagenet" (Keras' published file, downloaded into the cache)
            or the path to a Keras weights file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 71x71; default (299, 299, 3) with the top.
        pooling: without the top: None (4-D map of 2048 channels), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits.
        name: the model's name.

    Shape:
        (batch, H, W, 3) -> (batch, classes); without the top (batch, h, w, 2048) with
        h = ceil((H - 4) / 16) (10 at 299, 3 at 71).

    Example:
        >>> Xception(weights=None, include_top=False, input_shape=(71, 71, 3)).output_shape
        (None, 3, 3, 2048)
    """,
)


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (Keras' "tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["Xception", "decode_predictions", "preprocess_input"]
