"""MobileNetV3Small/Large (Howard et al., 2019): searched inverted residuals, as Keras'.

MobileNetV3 keeps MobileNetV2's inverted residual block (expand 1x1 -> depthwise kxk ->
project 1x1, plus the input when shapes match) and adds what architecture search found:

* squeeze-and-excitation in some blocks: the channels, averaged over the image, pass a 1x1
  conv + ReLU and a 1x1 conv + hard sigmoid, and the result re-weights each channel;
* hard swish, x * relu6(x + 3) / 6, a cheap swish, in the later blocks (ReLU in the early ones);
* 5x5 depthwise kernels in some blocks, and a lighter head: 1x1 conv (576 / 960), global
  average pool, 1x1 conv (1024 / 1280) + hard swish, dropout, 1x1 conv "logits" (classes).

The model includes its own preprocessing (Rescaling [0, 255] -> [-1, 1]), so it takes raw
pixels and `preprocess_input` is the identity. The hard sigmoid of the squeeze-and-excitation
is written as Keras writes it, `ReLU(6.)(x + 3.) * (1. / 6.)`: the two arithmetic steps are
`TensorOperation` layers in strided's `model.layers` (Keras keeps them as operations outside
`model.layers`); every other layer name (conv, conv_bn, expanded_conv_depthwise, ...,
expanded_conv_1_squeeze_excite_mul, logits, predictions) and the parameter counts
(MobileNetV3Small 2,554,968; MobileNetV3Large 5,507,432 with the top) equal Keras'.
"""

import warnings

from strided import _config, layers
from strided.applications import _builder, _weights, imagenet_utils
from strided.applications.mobilenet_v2 import make_divisible

FOLDER = "mobilenet_v3/"
MD5 = {
    "large_224_0.75_float": (
        "765b44a33ad4005b3ac83185abf1d0eb",
        "40af19a13ebea4e2ee0c676887f69a2e",
    ),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": (
        "675e7b876c45c57e9e63e6d90a36599c",
        "ec5221f64a2f6d1ef965a614bdae7973",
    ),
    "small_224_0.75_float": (
        "cb65d4e5be93758266aa0a7f2c6708b7",
        "ebdb5cc8e0b497cd13a7c275d475c819",
    ),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": (
        "99cd97fb2fcdad2bf028eb838de69e37",
        "cde8136e733e811080d9fcd8a252f7e4",
    ),
}
# (expansion, filters, kernel ("k" = 5, or 3 when minimalistic), stride, squeeze-excite,
#  activation ("relu" or "act" = hard swish, relu when minimalistic)) of each block
SMALL_BLOCKS = (
    (1, 16, 3, 2, True, "relu"),
    (72.0 / 16, 24, 3, 2, False, "relu"),
    (88.0 / 24, 24, 3, 1, False, "relu"),
    (4, 40, "k", 2, True, "act"),
    (6, 40, "k", 1, True, "act"),
    (6, 40, "k", 1, True, "act"),
    (3, 48, "k", 1, True, "act"),
    (3, 48, "k", 1, True, "act"),
    (6, 96, "k", 2, True, "act"),
    (6, 96, "k", 1, True, "act"),
    (6, 96, "k", 1, True, "act"),
)
LARGE_BLOCKS = (
    (1, 16, 3, 1, False, "relu"),
    (4, 24, 3, 2, False, "relu"),
    (3, 24, 3, 1, False, "relu"),
    (3, 40, "k", 2, True, "relu"),
    (3, 40, "k", 1, True, "relu"),
    (3, 40, "k", 1, True, "relu"),
    (6, 80, 3, 2, False, "act"),
    (2.5, 80, 3, 1, False, "act"),
    (2.3, 80, 3, 1, False, "act"),
    (2.3, 80, 3, 1, False, "act"),
    (6, 112, 3, 1, True, "act"),
    (6, 112, 3, 1, True, "act"),
    (6, 160, "k", 2, True, "act"),
    (6, 160, "k", 1, True, "act"),
    (6, 160, "k", 1, True, "act"),
)


def imagenet_file(model_type, minimalistic, alpha, include_top):
    key = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    fname = (
        f"weights_mobilenet_v3_{key}.h5"
        if include_top
        else f"weights_mobilenet_v3_{key}_no_top_v2.h5"
    )
    return _weights.keras_file(FOLDER, fname, MD5[key][0 if include_top else 1])


def relu(x):
    return layers.ReLU()(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6, written as Keras' MobileNetV3 writes it."""
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _batch_norm(name):
    return layers.BatchNormalization(
        axis=_builder.channel_axis(), epsilon=1e-3, momentum=0.999, name=name
    )


def se_block(inputs, filters, se_ratio, prefix):
    """Squeeze-and-excitation: average -> 1x1 + ReLU -> 1x1 + hard sigmoid -> re-weight."""
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(
        inputs
    )
    x = layers.Conv2D(
        make_divisible(filters * se_ratio), 1, padding="same", name=f"{prefix}squeeze_excite_conv"
    )(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation, block_id):
    """Expand 1x1 -> depthwise kxk (/stride) -> (squeeze-excite) -> project 1x1 (+ input)."""
    shortcut = x
    in_filters = x.shape[_builder.channel_axis()]
    prefix = "expanded_conv_"
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(
            make_divisible(in_filters * expansion),
            1,
            padding="same",
            use_bias=False,
            name=f"{prefix}expand",
        )(x)
        x = _batch_norm(f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(
            padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{prefix}depthwise_pad"
        )(x)
    x = layers.DepthwiseConv2D(
        kernel_size,
        strides=stride,
        padding="same" if stride == 1 else "valid",
        use_bias=False,
        name=f"{prefix}depthwise",
    )(x)
    x = _batch_norm(f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se_ratio:
        x = se_block(x, make_divisible(in_filters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _batch_norm(f"{prefix}project_bn")(x)
    if stride == 1 and in_filters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input_shape(input_shape, input_tensor):
    """Keras' MobileNetV3 rules: any size (at least 32x32), taken from `input_tensor` if given."""
    channels_first = _config.image_data_format() == "channels_first"
    if input_shape is None and input_tensor is not None:
        rows, cols = tuple(input_tensor.shape[2:4] if channels_first else input_tensor.shape[1:3])
        input_shape = (3, cols, rows) if channels_first else (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    input_shape = tuple(None if d is None else int(d) for d in input_shape)
    if len(input_shape) != 3:
        raise ValueError(
            f"`input_shape` must be a tuple of three integers. Received: input_shape={input_shape}"
        )
    rows, cols = input_shape[1:3] if channels_first else input_shape[0:2]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    return input_shape, rows, cols


def MobileNetV3(
    blocks,
    last_point_channels,
    input_shape=None,
    alpha=1.0,
    model_type="large",
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name=None,
):
    """The MobileNetV3 builder: `blocks` rows as in SMALL_BLOCKS / LARGE_BLOCKS."""
    _builder.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape, rows, cols = _input_shape(input_shape, input_tensor)
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non "
                f"minimalistic or `1.0` for minimalistic only. Received: alpha={alpha}"
            )
        if rows != cols or rows != 224:
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not 224. Weights for "
                "input shape (224, 224) will be loaded as the default.",
                stacklevel=3,
            )
    img_input = _builder.image_input(input_tensor, input_shape)
    channel_axis = _builder.channel_axis()
    kernel, activation, se_ratio = (3, relu, None) if minimalistic else (5, hard_swish, 0.25)
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, 3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = _batch_norm("conv_bn")(x)
    x = activation(x)
    for block_id, (expansion, filters, size, stride, squeeze, kind) in enumerate(blocks):
        x = inverted_res_block(
            x,
            expansion,
            make_divisible(filters * alpha),
            kernel if size == "k" else size,
            stride,
            se_ratio if squeeze else None,
            relu if kind == "relu" else activation,
            block_id,
        )
    last_conv_channels = make_divisible(x.shape[channel_axis] * 6)
    if alpha > 1.0:
        last_point_channels = make_divisible(last_point_channels * alpha)
    x = layers.Conv2D(last_conv_channels, 1, padding="same", use_bias=False, name="conv_1")(x)
    x = _batch_norm("conv_1_bn")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_channels, 1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, 1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    else:
        x = _builder.global_pooling(x, pooling, "avg_pool", "max_pool")
    model = _builder.finish(img_input, x, input_tensor, name)
    entry = None
    if weights == "imagenet":
        entry = imagenet_file(model_type, minimalistic, alpha, include_top)
    return _builder.load_weights(model, weights, entry)


_ARGS_DOC = """
    Args:
        input_shape: (height, width, 3), at least 32x32; default (None, None, 3), any size
            (ImageNet weights were trained at 224x224).
        alpha: width multiplier of the blocks (ImageNet weights: 0.75 or 1.0; 1.0 when
            minimalistic).
        minimalistic: no squeeze-and-excitation, no hard swish, 3x3 kernels only.
        include_top: keep the classifier head (see the module docstring).
        weights: None (random), "imagenet" (Keras' file, downloaded into the cache) or the path
            to a Keras weights file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        classes: classes of the top (1000 with ImageNet weights).
        pooling: without the top: None (4-D map), "avg" or "max".
        dropout_rate: dropout before the "logits" convolution.
        classifier_activation: "softmax" (default) or None for logits.
        include_preprocessing: start with Rescaling [0, 255] -> [-1, 1] (Keras' default).
        name: the model's name.

    Shape:
        (batch, H, W, 3) -> (batch, classes); without the top (batch, ceil(H/32), ceil(W/32), C).
"""


def MobileNetV3Small(
    input_shape=None,
    alpha=1.0,
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="MobileNetV3Small",
):
    return MobileNetV3(
        SMALL_BLOCKS,
        1024,
        input_shape,
        alpha,
        "small",
        minimalistic,
        include_top,
        weights,
        input_tensor,
        classes,
        pooling,
        dropout_rate,
        classifier_activation,
        include_preprocessing,
        name=name,
    )


def MobileNetV3Large(
    input_shape=None,
    alpha=1.0,
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="MobileNetV3Large",
):
    return MobileNetV3(
        LARGE_BLOCKS,
        1280,
        input_shape,
        alpha,
        "large",
        minimalistic,
        include_top,
        weights,
        input_tensor,
        classes,
        pooling,
        dropout_rate,
        classifier_activation,
        include_preprocessing,
        name=name,
    )


MobileNetV3Small.__doc__ = (
    "MobileNetV3Small: 11 blocks, 2,554,968 parameters (Keras' `MobileNetV3Small`).\n"
    + _ARGS_DOC
    + """
    Example:
        >>> MobileNetV3Small(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 576)
"""
)
MobileNetV3Large.__doc__ = (
    "MobileNetV3Large: 15 blocks, 5,507,432 parameters (Keras' `MobileNetV3Large`).\n" + _ARGS_DOC
)


def preprocess_input(x, data_format=None):
    """The identity: MobileNetV3 rescales its input inside the model (Keras does the same)."""
    return x


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["MobileNetV3Large", "MobileNetV3Small", "decode_predictions", "preprocess_input"]
