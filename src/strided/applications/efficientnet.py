"""EfficientNetB0-B7 (Tan & Le, 2019): MBConv blocks with squeeze-and-excitation, as Keras'.

EfficientNet scales depth, width and resolution together ("compound scaling") from a base
network, B0, found by architecture search. Its block, MBConv, is MobileNetV2's inverted
residual (expand 1x1 -> depthwise kxk -> project 1x1) plus squeeze-and-excitation: the
block's channels are averaged over the image, passed through two 1x1 convolutions and a
sigmoid, and the result re-weights each channel ("which features matter for this image").
Activations are swish (x * sigmoid(x)); residual branches are randomly dropped while training
(stochastic depth, a Dropout with noise_shape (batch, 1, 1, 1)).

The model includes its own input preprocessing, as in Keras: Rescaling(1/255) and a
Normalization layer (with ImageNet's mean and variance in the pretrained weights), so it takes
raw [0, 255] pixels and `preprocess_input` is the identity.

    224x224x3 -> stem 3x3/2 (32) -> 16 MBConv blocks in 7 stages (16, 24, 40, 80, 112, 192, 320)
    -> top_conv 1x1 (1280) -> global average pool -> dropout 0.2 -> classes

B1-B7 are the same builder with more channels (width), more blocks per stage (depth) and
larger default images (SCALING below). Layer names (stem_conv, block1a_dwconv,
block2a_se_excite, ..., top_conv, predictions) and the parameter counts (B0 5,330,571 ...
B7 66,658,687 with the top) equal Keras'.
"""

import copy
import functools
import math

from strided import layers
from strided.applications import _builder, _weights, imagenet_utils

KERAS_BASE = "https://storage.googleapis.com/keras-applications/"
MD5 = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}
# (width coefficient, depth coefficient, default image size, dropout before the classifier)
# of B1-B7 (B0 is 1.0, 1.0, 224, 0.2), and their parameter counts with the top, as Keras'
SCALING = {
    "b1": (1.0, 1.1, 240, 0.2, "7,856,239"),
    "b2": (1.1, 1.2, 260, 0.3, "9,177,569"),
    "b3": (1.2, 1.4, 300, 0.3, "12,320,535"),
    "b4": (1.4, 1.8, 380, 0.4, "19,466,823"),
    "b5": (1.6, 2.2, 456, 0.4, "30,562,527"),
    "b6": (1.8, 2.6, 528, 0.5, "43,265,143"),
    "b7": (2.0, 3.1, 600, 0.5, "66,658,687"),
}
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)

DEFAULT_BLOCKS_ARGS = [
    {
        "kernel_size": k,
        "repeats": r,
        "filters_in": fi,
        "filters_out": fo,
        "expand_ratio": e,
        "id_skip": True,
        "strides": s,
        "se_ratio": 0.25,
    }
    for k, r, fi, fo, e, s in [
        (3, 1, 32, 16, 1, 1),
        (3, 2, 16, 24, 6, 2),
        (5, 2, 24, 40, 6, 2),
        (3, 3, 40, 80, 6, 2),
        (5, 3, 80, 112, 6, 1),
        (5, 4, 112, 192, 6, 2),
        (3, 1, 192, 320, 6, 1),
    ]
]
CONV_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"},
}
DENSE_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"},
}


def imagenet_file(name, weights_name, include_top):
    fname = name + (".h5" if include_top else "_notop.h5")
    return _weights.keras_file(
        "", fname, MD5[weights_name][0 if include_top else 1], base=KERAS_BASE
    )


def _conv1x1(filters, name, use_bias=False, activation=None):
    """A 1x1 "same" convolution with EfficientNet's kernel initializer."""
    return layers.Conv2D(
        filters,
        1,
        padding="same",
        use_bias=use_bias,
        activation=activation,
        kernel_initializer=CONV_KERNEL_INITIALIZER,
        name=name,
    )


def _batch_norm_activation(x, activation, prefix):
    """BatchNormalization "<prefix>bn", then the activation "<prefix>activation"."""
    x = layers.BatchNormalization(axis=_builder.channel_axis(), name=f"{prefix}bn")(x)
    return layers.Activation(activation, name=f"{prefix}activation")(x)


def block(
    inputs,
    activation="swish",
    drop_rate=0.0,
    name="",
    filters_in=32,
    filters_out=16,
    kernel_size=3,
    strides=1,
    expand_ratio=1,
    se_ratio=0.0,
    id_skip=True,
):
    """One MBConv block: expand -> depthwise -> squeeze-and-excite -> project (+ residual)."""
    bn_axis = _builder.channel_axis()
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = _conv1x1(filters, f"{name}expand_conv")(inputs)
        x = _batch_norm_activation(x, activation, f"{name}expand_")
    else:
        x = inputs
    if strides == 2:
        x = layers.ZeroPadding2D(
            padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{name}dwconv_pad"
        )(x)
        conv_pad = "valid"
    else:
        conv_pad = "same"
    x = layers.DepthwiseConv2D(
        kernel_size,
        strides=strides,
        padding=conv_pad,
        use_bias=False,
        depthwise_initializer=CONV_KERNEL_INITIALIZER,
        name=f"{name}dwconv",
    )(x)
    x = _batch_norm_activation(x, activation, name)
    if 0 < se_ratio <= 1:
        filters_se = max(1, int(filters_in * se_ratio))
        se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
        se_shape = (filters, 1, 1) if bn_axis == 1 else (1, 1, filters)
        se = layers.Reshape(se_shape, name=f"{name}se_reshape")(se)
        se = _conv1x1(filters_se, f"{name}se_reduce", use_bias=True, activation=activation)(se)
        se = _conv1x1(filters, f"{name}se_expand", use_bias=True, activation="sigmoid")(se)
        x = layers.multiply([x, se], name=f"{name}se_excite")
    x = _conv1x1(filters_out, f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x


def EfficientNet(
    width_coefficient,
    depth_coefficient,
    default_size,
    dropout_rate=0.2,
    drop_connect_rate=0.2,
    depth_divisor=8,
    activation="swish",
    blocks_args="default",
    name="efficientnet",
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    weights_name=None,
):
    """The EfficientNet family builder (B0 = width 1.0, depth 1.0, 224x224), as Keras'."""
    blocks_args = DEFAULT_BLOCKS_ARGS if blocks_args == "default" else blocks_args
    arguments = _builder.Arguments.of(locals())

    def round_filters(filters, divisor=depth_divisor):
        filters *= width_coefficient
        new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
        return int(new_filters + divisor if new_filters < 0.9 * filters else new_filters)

    def round_repeats(repeats):
        return math.ceil(depth_coefficient * repeats)

    def features(img_input):
        bn_axis = _builder.channel_axis()
        x = layers.Rescaling(1.0 / 255.0)(img_input)
        x = layers.Normalization(axis=bn_axis)(x)
        if weights == "imagenet":  # Keras' compensation for the variance stored in its weights
            x = layers.Rescaling([1.0 / math.sqrt(stddev) for stddev in IMAGENET_STDDEV_RGB])(x)
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
        x = layers.Conv2D(
            round_filters(32),
            3,
            strides=2,
            padding="valid",
            use_bias=False,
            kernel_initializer=CONV_KERNEL_INITIALIZER,
            name="stem_conv",
        )(x)
        x = _batch_norm_activation(x, activation, "stem_")
        stages = copy.deepcopy(blocks_args)
        b, blocks = 0, float(sum(round_repeats(args["repeats"]) for args in stages))
        for i, args in enumerate(stages):
            if args["repeats"] <= 0:
                raise ValueError(
                    "The number of repeats in `EfficientNet` must be > 0. "
                    f"Received: repeats={args['repeats']}"
                )
            args["filters_in"] = round_filters(args["filters_in"])
            args["filters_out"] = round_filters(args["filters_out"])
            for j in range(round_repeats(args.pop("repeats"))):
                if j > 0:
                    args["strides"] = 1
                    args["filters_in"] = args["filters_out"]
                x = block(
                    x,
                    activation,
                    drop_connect_rate * b / blocks,
                    name=f"block{i + 1}{chr(j + 97)}_",
                    **args,
                )
                b += 1
        x = _conv1x1(round_filters(1280), "top_conv")(x)
        return _batch_norm_activation(x, activation, "top_")

    def top(x):
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return layers.Dropout(dropout_rate, name="top_dropout")(x) if dropout_rate > 0 else x

    return _builder.build(
        arguments,
        features,
        default_size=default_size,
        has_imagenet=weights_name in MD5,
        model_name=name,
        top=top,
        pooling_names=("avg_pool", "max_pool"),
        imagenet_file=(
            imagenet_file(name, weights_name, include_top)
            if weights == "imagenet" and weights_name in MD5
            else None
        ),
        kernel_initializer=DENSE_KERNEL_INITIALIZER,
    )


def _efficientnet(variant, args):
    """EfficientNet `variant` ("b0" ... "b7") from the constructor's `_builder.Arguments`."""
    width, depth, size, dropout = (1.0, 1.0, 224, 0.2) if variant == "b0" else SCALING[variant][:4]
    return EfficientNet(width, depth, size, dropout, weights_name=variant, **args._asdict())


EfficientNetB0 = _builder.constructor(
    "EfficientNetB0",
    "efficientnetb0",
    functools.partial(_efficientnet, "b0"),
    """EfficientNetB0: 16 MBConv blocks, 5,330,571 parameters (Keras' `EfficientNetB0`).

    Args:
        include_top: keep the classifier (global average pooling, dropout 0.2, Dense `classes`).
        weights: None (random), "imagenet" (Keras' file, downloaded into the cache) or the path to a
            Keras weights file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 32x32; default (224, 224, 3) with the top.
            Inputs are raw [0, 255] pixels: the model rescales and normalises them itself.
        pooling: without the top: None (4-D map of 1280 channels), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits.
        name: the model's name.

    Shape:
        (batch, H, W, 3) -> (batch, classes);
        without the top (batch, ceil(H/32), ceil(W/32), 1280).

    Example:
        >>> EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1280)
    """,
)


def _scaled_variant(variant):
    """The constructor EfficientNetB1 ... B7: B0's builder with the coefficients of SCALING."""
    width, depth, size, dropout, params = SCALING[variant]
    return _builder.constructor(
        f"EfficientNet{variant.upper()}",
        f"efficientnet{variant}",
        functools.partial(_efficientnet, variant),
        f"EfficientNet{variant.upper()}: B0 scaled x{width} in width, x{depth} in depth, "
        f"{size}x{size} images; {params} parameters (Keras' `EfficientNet{variant.upper()}`).\n\n"
        "    Arguments, inputs (raw [0, 255] pixels) and outputs as `EfficientNetB0`; the default\n"
        f"    input is ({size}, {size}, 3) and the top's dropout is {dropout}.\n",
    )


EfficientNetB1 = _scaled_variant("b1")
EfficientNetB2 = _scaled_variant("b2")
EfficientNetB3 = _scaled_variant("b3")
EfficientNetB4 = _scaled_variant("b4")
EfficientNetB5 = _scaled_variant("b5")
EfficientNetB6 = _scaled_variant("b6")
EfficientNetB7 = _scaled_variant("b7")


def preprocess_input(x, data_format=None):
    """The identity: EfficientNet rescales and normalises inside the model (Keras does the same)."""
    return x


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = [
    "EfficientNet",
    "EfficientNetB0",
    "EfficientNetB1",
    "EfficientNetB2",
    "EfficientNetB3",
    "EfficientNetB4",
    "EfficientNetB5",
    "EfficientNetB6",
    "EfficientNetB7",
    "decode_predictions",
    "preprocess_input",
]
