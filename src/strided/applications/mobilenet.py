"""MobileNet (Howard et al., 2017): a plain stack of depthwise separable convolutions, as Keras'.

Every 3x3 convolution after the first is split in two: a depthwise 3x3 convolution (one filter
per channel) and a pointwise 1x1 convolution mixing the channels, each followed by
BatchNormalization and ReLU6. That costs about 8-9x less than full 3x3 convolutions. Two
knobs trade accuracy for speed: `alpha` multiplies every layer's channels, `depth_multiplier`
the depthwise filters per channel.

    224x224x3 -> conv1 3x3/2 (32) -> 13 depthwise-separable blocks
    (64, 128, 128, 256, 256, 512 x6, 1024, 1024; five of them stride 2)
    -> global average pool -> dropout -> 1x1 conv "conv_preds" (classes) -> softmax

As in Keras, the classifier is a 1x1 convolution on the pooled (1, 1, 1024) map, reshaped to
(classes,). Stride-2 depthwise convolutions pad one pixel at the bottom and right only, as
TensorFlow's "same" does. Layer names (conv1, conv_dw_1, conv_pw_1_bn, ..., conv_preds,
reshape_2, predictions) and the parameter count (4,253,864 with alpha=1.0 and the top) equal
Keras'.
"""

import warnings

from strided import _config, layers
from strided.applications import _builder, _weights, imagenet_utils

FOLDER = "mobilenet/"
SIZES = (128, 160, 192, 224)
ALPHAS = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
# (pointwise filters, stride) of the 13 depthwise-separable blocks
BLOCKS = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),
)


def imagenet_file(alpha, rows, include_top):
    """Keras publishes no checksum for these files: the first download's SHA-256 is recorded."""
    suffix = "" if include_top else "_no_top"
    return _weights.keras_file(FOLDER, f"mobilenet_{ALPHAS[alpha]}_{rows}_tf{suffix}.h5")


def _batch_norm(name):
    return layers.BatchNormalization(axis=_builder.channel_axis(), name=name)


def conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    """The first layer: a full 3x3/2 convolution "conv1" (`alpha` x `filters`), BN, ReLU6."""
    x = layers.Conv2D(
        int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides, name="conv1"
    )(inputs)
    x = _batch_norm("conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def depthwise_conv_block(
    inputs, pointwise_filters, alpha, depth_multiplier=1, strides=1, block_id=1
):
    """Depthwise 3x3 (/stride) -> BN -> ReLU6 -> pointwise 1x1 -> BN -> ReLU6."""
    x = inputs
    if strides != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D(
        (3, 3),
        padding="same" if strides == 1 else "valid",
        depth_multiplier=depth_multiplier,
        strides=strides,
        use_bias=False,
        name=f"conv_dw_{block_id}",
    )(x)
    x = _batch_norm(f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(
        int(pointwise_filters * alpha),
        (1, 1),
        padding="same",
        use_bias=False,
        name=f"conv_pw_{block_id}",
    )(x)
    x = _batch_norm(f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def _rows_cols(input_shape):
    if _config.image_data_format() == "channels_first":
        return input_shape[1], input_shape[2]
    return input_shape[0], input_shape[1]


def MobileNet(
    input_shape=None,
    alpha=1.0,
    depth_multiplier=1,
    dropout=1e-3,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
):
    """MobileNet: 13 depthwise-separable blocks, 4,253,864 parameters (Keras' `MobileNet`).

    Args:
        input_shape: (height, width, 3), at least 32x32; ImageNet weights exist for square
            128, 160, 192 and 224 inputs (224's are used for other sizes, with a warning).
        alpha: width multiplier: every layer has `alpha` times the channels (ImageNet weights:
            0.25, 0.5, 0.75 or 1.0).
        depth_multiplier: depthwise filters per channel (1 with ImageNet weights).
        dropout: dropout rate before the classifier.
        include_top: keep the classifier (global average pooling, dropout, 1x1 conv `classes`).
        weights: None (random), "imagenet" (Keras' file, downloaded into the cache) or the path
            to a Keras weights file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        pooling: without the top: None (4-D map of 1024 x alpha channels), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits.
        name: default "mobilenet_<alpha>_<rows>" as in Keras.

    Shape:
        (batch, H, W, 3) -> (batch, classes);
        without the top (batch, ceil(H/32), ceil(W/32), 1024 x alpha).

    Example:
        >>> MobileNet(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1024)
    """
    _builder.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    default_size = 224
    if input_shape is not None:
        rows, cols = _rows_cols(input_shape)
        if rows == cols and rows in SIZES:
            default_size = rows
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=default_size,
        min_size=32,
        data_format=_config.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    rows, cols = _rows_cols(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError(
                "If imagenet weights are being loaded, depth multiplier must be 1.  "
                f"Received depth_multiplier={depth_multiplier}"
            )
        if alpha not in ALPHAS:
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of `0.25`, `0.50`, "
                f"`0.75` or `1.0` only.  Received alpha={alpha}"
            )
        if rows != cols or rows not in SIZES:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in "
                "[128, 160, 192, 224]. Weights for input shape (224, 224) will be loaded as the "
                "default.",
                stacklevel=2,
            )
    img_input = _builder.image_input(input_tensor, input_shape)
    x = conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(BLOCKS, start=1):
        x = depthwise_conv_block(x, filters, alpha, depth_multiplier, stride, block_id)

    def top(x):
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        return layers.Activation(classifier_activation, name="predictions")(x)

    if include_top:
        x = top(x)
    else:
        x = _builder.global_pooling(x, pooling)
    model = _builder.finish(img_input, x, input_tensor, name or f"mobilenet_{alpha:0.2f}_{rows}")
    entry = imagenet_file(alpha, rows, include_top) if weights == "imagenet" else None
    return _builder.load_weights(model, weights, entry)


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (Keras' "tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["MobileNet", "decode_predictions", "preprocess_input"]
