"""MobileNetV2 (Sandler et al., 2018): inverted residuals of depthwise convolutions, as Keras'.

A depthwise 3x3 convolution filters each channel on its own (9 weights per channel instead of
9 x channels), and a 1x1 "pointwise" convolution mixes the channels: together they cost about
8-9x less than a full 3x3 convolution. An inverted residual block expands the channels x6
with a 1x1 conv, filters them depthwise, projects them back down with a linear 1x1 conv (no
ReLU: a "linear bottleneck"), and adds the input when the shapes allow:

    x -> 1x1 expand (x6) -> BN -> ReLU6 -> 3x3 depthwise (/stride) -> BN -> ReLU6
      -> 1x1 project -> BN (+ x)

    224x224x3 -> Conv1 3x3/2 (32) -> 17 blocks (16, 24, 32, 64, 96, 160, 320 channels, 7x7)
    -> Conv_1 1x1 (1280) -> global average pool -> classes

Layer names (Conv1, bn_Conv1, expanded_conv_depthwise, block_1_expand, ..., Conv_1, out_relu,
predictions) and the parameter count (3,538,984 with alpha=1.0 and the top) equal Keras'.

Given a torchvision `mobilenet_v2` state_dict as `weights`, the model is built the torchvision
way instead — symmetric padding (torch's padding=1) where Keras pads only bottom/right before
stride-2 convolutions, and BatchNormalization epsilon 1e-5 instead of 1e-3 — so that it computes
exactly what the torch model computes.
"""

import warnings

from strided import _config, layers
from strided.applications import _builder, _weights, imagenet_utils

KERAS_FOLDER = "mobilenet_v2/"
SIZES = (96, 128, 160, 192, 224)
ALPHAS = (0.35, 0.50, 0.75, 1.0, 1.3, 1.4)
# (expansion, filters, stride) of the 17 blocks
BLOCKS = (
    (1, 16, 1),
    (6, 24, 2),
    (6, 24, 1),
    (6, 32, 2),
    (6, 32, 1),
    (6, 32, 1),
    (6, 64, 2),
    (6, 64, 1),
    (6, 64, 1),
    (6, 64, 1),
    (6, 96, 1),
    (6, 96, 1),
    (6, 96, 1),
    (6, 160, 2),
    (6, 160, 1),
    (6, 160, 1),
    (6, 320, 1),
)


def imagenet_file(alpha, rows, include_top):
    """Keras publishes no checksum for these files: the first download's SHA-256 is recorded."""
    suffix = ".h5" if include_top else "_no_top.h5"
    return _weights.keras_file(
        KERAS_FOLDER,
        f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{suffix}",
    )


def make_divisible(value, divisor=8, min_value=None):
    """Round a channel count to a multiple of `divisor`, never more than 10% below it."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def torch_names(path):
    """torchvision `mobilenet_v2` module path -> layer name.

    Example: "features.2.conv.1.0" -> "block_1_depthwise", "classifier.1" -> "predictions".
    """
    parts = path.split(".")
    if parts[0] == "classifier":
        return "predictions"
    if parts[0] != "features":
        return path.replace(".", "_")
    index = int(parts[1])
    if index == 0:
        return {"0": "Conv1", "1": "bn_Conv1"}[parts[2]]
    if index == 18:
        return {"0": "Conv_1", "1": "Conv_1_bn"}[parts[2]]
    rest = ".".join(parts[3:])
    if index == 1:
        prefix, table = (
            "expanded_conv_",
            {"0.0": "depthwise", "0.1": "depthwise_BN", "1": "project", "2": "project_BN"},
        )
    else:
        prefix, table = (
            f"block_{index - 1}_",
            {
                "0.0": "expand",
                "0.1": "expand_BN",
                "1.0": "depthwise",
                "1.1": "depthwise_BN",
                "2": "project",
                "3": "project_BN",
            },
        )
    return prefix + table[rest]


def _batch_norm(name, torch_layout):
    epsilon, momentum = (1e-5, 0.9) if torch_layout else (1e-3, 0.999)
    return layers.BatchNormalization(
        axis=_builder.channel_axis(), epsilon=epsilon, momentum=momentum, name=name
    )


def _pointwise(filters, name):
    """A bias-free 1x1 "same" convolution: the block's expansion or its linear projection."""
    return layers.Conv2D(
        filters, kernel_size=1, padding="same", use_bias=False, activation=None, name=name
    )


def inverted_res_block(inputs, expansion, stride, alpha, filters, block_id, torch_layout=False):
    """Expand (1x1) -> depthwise 3x3 -> project (1x1, linear), plus the input when shapes match."""
    in_channels = inputs.shape[_builder.channel_axis()]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = _pointwise(expansion * in_channels, f"{prefix}expand")(x)
        x = _batch_norm(f"{prefix}expand_BN", torch_layout)(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        padding = ((1, 1), (1, 1)) if torch_layout else imagenet_utils.correct_pad(x, 3)
        x = layers.ZeroPadding2D(padding=padding, name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(
        kernel_size=3,
        strides=stride,
        activation=None,
        use_bias=False,
        padding="same" if stride == 1 else "valid",
        name=f"{prefix}depthwise",
    )(x)
    x = _batch_norm(f"{prefix}depthwise_BN", torch_layout)(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = _pointwise(pointwise_filters, f"{prefix}project")(x)
    x = _batch_norm(f"{prefix}project_BN", torch_layout)(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def _default_size(input_shape, input_tensor):
    shape = input_shape
    if shape is None and input_tensor is not None:
        shape = tuple(input_tensor.shape[1:])
    if shape is None:
        return 224
    rows, cols = (
        (shape[1], shape[2])
        if _config.image_data_format() == "channels_first"
        else (shape[0], shape[1])
    )
    return rows if rows == cols and rows in SIZES else 224


def MobileNetV2(
    input_shape=None,
    alpha=1.0,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
):
    """MobileNetV2: 17 inverted residual blocks, 3,538,984 parameters (Keras' `MobileNetV2`).

    Args:
        input_shape: (height, width, 3), at least 32x32; ImageNet weights exist for square
            96, 128, 160, 192 and 224 inputs (224's are used for other sizes, with a warning).
        alpha: width multiplier: every layer has `alpha` times the channels (0.35 ... 1.4).
        include_top: keep the classifier (global average pooling + Dense `classes`).
        weights: None (random), "imagenet" (Keras' file, downloaded into the cache), the path to a
            Keras weights file, or a torchvision `mobilenet_v2` state_dict (.pth/.safetensors;
            the model is then built torchvision's way, see the module docstring).
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        pooling: without the top: None (4-D map of 1280 channels), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits.
        name: default "mobilenetv2_<alpha>_<rows>" as in Keras.

    Shape:
        (batch, H, W, 3) -> (batch, classes);
        without the top (batch, ceil(H/32), ceil(W/32), 1280).

    Example:
        >>> MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1280)
    """
    _builder.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    torch_layout = _builder.weights_format(weights) == "torch"
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=_default_size(input_shape, input_tensor),
        min_size=32,
        data_format=_config.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    channels_first = _config.image_data_format() == "channels_first"
    rows, cols = (
        (input_shape[1], input_shape[2]) if channels_first else (input_shape[0], input_shape[1])
    )
    if weights == "imagenet":
        if alpha not in ALPHAS:
            raise ValueError(
                "If imagenet weights are being loaded, alpha must be one of `0.35`, `0.50`, "
                "`0.75`, "
                f"`1.0`, `1.3` or `1.4` only; Received `alpha={alpha}`"
            )
        if rows != cols or rows not in SIZES:
            rows = 224
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not in "
                "[96, 128, 160, 192, 224]. "
                "Weights for input shape (224, 224) will be loaded as the default.",
                stacklevel=2,
            )
    img_input = _builder.image_input(input_tensor, input_shape)
    first_padding = ((1, 1), (1, 1)) if torch_layout else "same"
    x = layers.Conv2D(
        make_divisible(32 * alpha, 8),
        kernel_size=3,
        strides=(2, 2),
        padding=first_padding,
        use_bias=False,
        name="Conv1",
    )(img_input)
    x = _batch_norm("bn_Conv1", torch_layout)(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (expansion, filters, stride) in enumerate(BLOCKS):
        x = inverted_res_block(
            x,
            expansion=expansion,
            stride=stride,
            alpha=alpha,
            filters=filters,
            block_id=block_id,
            torch_layout=torch_layout,
        )
    last_filters = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = _batch_norm("Conv_1_bn", torch_layout)(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = _builder.classifier_head(
        x,
        include_top,
        pooling,
        classes,
        classifier_activation,
        top=lambda x: layers.GlobalAveragePooling2D()(x),  # unnamed, as in Keras
    )
    model = _builder.finish(img_input, x, input_tensor, name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    return _builder.load_weights(
        model, weights, imagenet_file(alpha, rows, include_top), torch_names, include_top
    )


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (Keras' "tf" mode).

    torchvision's weights want `imagenet_utils.preprocess_input(x, mode="torch")` instead.
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]
