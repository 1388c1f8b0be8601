"""EfficientNetV2 B0-B3, S, M, L (Tan & Le, 2021): fused and plain MBConv blocks, as Keras'.

EfficientNetV2 trains faster than EfficientNet by replacing, in the early high-resolution
stages, MBConv's expand 1x1 + depthwise 3x3 with one full 3x3 convolution ("Fused-MBConv":
depthwise convolutions use accelerators poorly on large images). Later stages keep MBConv with
squeeze-and-excitation (see `efficientnet.block`). Activations are swish; residual branches
get a Dropout with noise_shape (batch, 1, 1, 1) whose rate grows along the network, as Keras
writes it. The two blocks are in `_efficientnet_v2_blocks`:

    Fused-MBConv:  x -> 3x3 conv (expand x4, /stride) -> BN -> swish -> 1x1 project -> BN (+ x)
                   (with expansion 1: x -> 3x3 conv -> BN -> swish (+ x))
    MBConv:        x -> 1x1 expand -> BN -> swish -> depthwise 3x3 -> BN -> swish
                   -> squeeze-and-excite -> 1x1 project -> BN (+ x)

The model includes its own preprocessing, so it takes raw [0, 255] pixels and
`preprocess_input` is the identity: B0-B3 rescale to [0, 1] and normalise with ImageNet's mean
and variance (a Normalization layer with fixed statistics), S/M/L rescale to [-1, 1].
Layer names (stem_conv, block1a_project_conv, block4a_dwconv2, block4a_se_excite, ...,
top_conv, predictions) and the parameter counts (B0 7,200,312; B1 8,212,124; B2 10,178,374;
B3 14,467,622; S 21,612,360; M 54,431,388; L 119,027,848 with the top) equal Keras'.
"""

import copy
import math

from strided import layers
from strided.applications import _builder, _weights, imagenet_utils
from strided.applications._efficientnet_v2_blocks import (
    batch_norm,
    fused_mbconv_block,
    mbconv_block,
    same_conv,
)
from strided.applications.efficientnet import DENSE_KERNEL_INITIALIZER

FOLDER = "efficientnet_v2/"
MD5 = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
_FIELDS = (
    "kernel_size",
    "num_repeat",
    "input_filters",
    "output_filters",
    "expand_ratio",
    "se_ratio",
    "strides",
    "conv_type",
)  # conv_type 1: Fused-MBConv, 0: MBConv
_B = (  # the stages of B0-B3 (B1-B3 scale them)
    (3, 1, 32, 16, 1, 0, 1, 1),
    (3, 2, 16, 32, 4, 0, 2, 1),
    (3, 2, 32, 48, 4, 0, 2, 1),
    (3, 3, 48, 96, 4, 0.25, 2, 0),
    (3, 5, 96, 112, 6, 0.25, 1, 0),
    (3, 8, 112, 192, 6, 0.25, 2, 0),
)
_STAGES = {
    "efficientnetv2-s": (
        (3, 2, 24, 24, 1, 0, 1, 1),
        (3, 4, 24, 48, 4, 0, 2, 1),
        (3, 4, 48, 64, 4, 0, 2, 1),
        (3, 6, 64, 128, 4, 0.25, 2, 0),
        (3, 9, 128, 160, 6, 0.25, 1, 0),
        (3, 15, 160, 256, 6, 0.25, 2, 0),
    ),
    "efficientnetv2-m": (
        (3, 3, 24, 24, 1, 0, 1, 1),
        (3, 5, 24, 48, 4, 0, 2, 1),
        (3, 5, 48, 80, 4, 0, 2, 1),
        (3, 7, 80, 160, 4, 0.25, 2, 0),
        (3, 14, 160, 176, 6, 0.25, 1, 0),
        (3, 18, 176, 304, 6, 0.25, 2, 0),
        (3, 5, 304, 512, 6, 0.25, 1, 0),
    ),
    "efficientnetv2-l": (
        (3, 4, 32, 32, 1, 0, 1, 1),
        (3, 7, 32, 64, 4, 0, 2, 1),
        (3, 7, 64, 96, 4, 0, 2, 1),
        (3, 10, 96, 192, 4, 0.25, 2, 0),
        (3, 19, 192, 224, 6, 0.25, 1, 0),
        (3, 25, 224, 384, 6, 0.25, 2, 0),
        (3, 7, 384, 640, 6, 0.25, 1, 0),
    ),
    **{f"efficientnetv2-b{i}": _B for i in range(4)},
}
DEFAULT_BLOCKS_ARGS = {
    name: [dict(zip(_FIELDS, stage)) for stage in stages] for name, stages in _STAGES.items()
}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_VARIANCE = (0.229**2, 0.224**2, 0.225**2)


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """`filters` x width, rounded to a multiple of `depth_divisor` (at least `min_depth`)."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(
        max(minimum_depth, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor)
    )


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def EfficientNetV2(
    width_coefficient,
    depth_coefficient,
    default_size,
    dropout_rate=0.2,
    drop_connect_rate=0.2,
    depth_divisor=8,
    min_depth=8,
    bn_momentum=0.9,
    activation="swish",
    blocks_args="default",
    name="efficientnetv2",
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
    weights_name=None,
):
    """The EfficientNetV2 family builder, as Keras' (`blocks_args="default"` looks up `name`)."""
    if blocks_args == "default":
        if name not in DEFAULT_BLOCKS_ARGS:
            raise ValueError(
                f"EfficientNetV2: no default blocks for name={name!r}; expected one of "
                f"{sorted(DEFAULT_BLOCKS_ARGS)} or explicit `blocks_args`."
            )
        blocks_args = DEFAULT_BLOCKS_ARGS[name]
    arguments = _builder.Arguments.of(locals())

    def filters_of(count):
        return round_filters(count, width_coefficient, min_depth, depth_divisor)

    def features(img_input):
        bn_axis = _builder.channel_axis()
        x = img_input
        if include_preprocessing:
            channels = img_input.shape[bn_axis]
            if name.split("-")[-1].startswith("b") and channels == 3:
                x = layers.Rescaling(scale=1.0 / 255)(x)
                x = layers.Normalization(
                    mean=list(IMAGENET_MEAN), variance=list(IMAGENET_VARIANCE), axis=bn_axis
                )(x)
            else:
                x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)
        x = same_conv(filters_of(blocks_args[0]["input_filters"]), 3, "stem_conv", strides=2)(x)
        x = batch_norm("stem_bn", bn_momentum)(x)
        x = layers.Activation(activation, name="stem_activation")(x)
        stages = copy.deepcopy(blocks_args)
        b, blocks = 0, float(sum(args["num_repeat"] for args in stages))
        for i, args in enumerate(stages):
            if args["num_repeat"] <= 0:
                raise ValueError(
                    "The number of repeats in `EfficientNetV2` must be > 0. "
                    f"Received: num_repeat={args['num_repeat']}"
                )
            args["input_filters"] = filters_of(args["input_filters"])
            args["output_filters"] = filters_of(args["output_filters"])
            block = {0: mbconv_block, 1: fused_mbconv_block}[args.pop("conv_type")]
            for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
                if j > 0:
                    args["strides"] = 1
                    args["input_filters"] = args["output_filters"]
                x = block(
                    x,
                    activation=activation,
                    bn_momentum=bn_momentum,
                    survival_probability=drop_connect_rate * b / blocks,
                    name=f"block{i + 1}{chr(j + 97)}_",
                    **args,
                )
                b += 1
        x = same_conv(filters_of(1280), 1, "top_conv")(x)
        x = batch_norm("top_bn", bn_momentum)(x)
        return layers.Activation(activation, name="top_activation")(x)

    def top(x):
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        return layers.Dropout(dropout_rate, name="top_dropout")(x) if dropout_rate > 0 else x

    entry = None
    if weights == "imagenet" and weights_name in MD5:
        fname = name + (".h5" if include_top else "_notop.h5")
        entry = _weights.keras_file(FOLDER, fname, MD5[weights_name][0 if include_top else 1])
    return _builder.build(
        arguments,
        features,
        default_size=default_size,
        has_imagenet=weights_name in MD5,
        model_name=name,
        top=top,
        pooling_names=("avg_pool", "max_pool"),
        imagenet_file=entry,
        kernel_initializer=DENSE_KERNEL_INITIALIZER,
    )


# (width coefficient, depth coefficient, default image size, parameters with the top)
VARIANTS = {
    "b0": (1.0, 1.0, 224, "7,200,312"),
    "b1": (1.0, 1.1, 240, "8,212,124"),
    "b2": (1.1, 1.2, 260, "10,178,374"),
    "b3": (1.2, 1.4, 300, "14,467,622"),
    "-s": (1.0, 1.0, 384, "21,612,360"),
    "-m": (1.0, 1.0, 480, "54,431,388"),
    "-l": (1.0, 1.0, 480, "119,027,848"),
}


def _variant(variant):
    """The constructor EfficientNetV2B0 ... L (Keras' signature and defaults)."""
    width, depth, size, params = VARIANTS[variant]
    short = variant.strip("-")
    suffix = short.upper()

    def constructor(
        include_top=True,
        weights="imagenet",
        input_tensor=None,
        input_shape=None,
        pooling=None,
        classes=1000,
        classifier_activation="softmax",
        include_preprocessing=True,
        name=f"efficientnetv2-{short}",
    ):
        return EfficientNetV2(
            width_coefficient=width,
            depth_coefficient=depth,
            default_size=size,
            name=name,
            include_top=include_top,
            weights=weights,
            input_tensor=input_tensor,
            input_shape=input_shape,
            pooling=pooling,
            classes=classes,
            classifier_activation=classifier_activation,
            include_preprocessing=include_preprocessing,
            weights_name=variant,
        )

    constructor.__name__ = constructor.__qualname__ = f"EfficientNetV2{suffix}"
    constructor.__doc__ = f"""EfficientNetV2{suffix}: {params} parameters (Keras' `EfficientNetV2{suffix}`).

    Args:
        include_top: keep the classifier (global average pooling, dropout 0.2, Dense `classes`).
        weights: None (random), "imagenet" (Keras' file, downloaded into the cache) or the path to a
            Keras weights file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 32x32; default ({size}, {size}, 3) with the top.
            Inputs are raw [0, 255] pixels: the model rescales them itself.
        pooling: without the top: None (4-D map), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits.
        include_preprocessing: start with the rescaling/normalisation layers (Keras' default).
        name: the model's name; it selects the default blocks, keep its "-{short}" ending.

    Shape:
        (batch, H, W, 3) -> (batch, classes); without the top (batch, ceil(H/32), ceil(W/32), C).
    """
    return constructor


EfficientNetV2B0 = _variant("b0")
EfficientNetV2B1 = _variant("b1")
EfficientNetV2B2 = _variant("b2")
EfficientNetV2B3 = _variant("b3")
EfficientNetV2S = _variant("-s")
EfficientNetV2M = _variant("-m")
EfficientNetV2L = _variant("-l")


def preprocess_input(x, data_format=None):
    """The identity: EfficientNetV2 rescales inside the model (Keras does the same)."""
    return x


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = [
    "EfficientNetV2",
    "EfficientNetV2B0",
    "EfficientNetV2B1",
    "EfficientNetV2B2",
    "EfficientNetV2B3",
    "EfficientNetV2L",
    "EfficientNetV2M",
    "EfficientNetV2S",
    "decode_predictions",
    "preprocess_input",
]
