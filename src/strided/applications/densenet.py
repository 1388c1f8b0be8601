"""DenseNet121/169/201 (Huang et al., 2017): every layer sees all earlier ones, as Keras'.

In a dense block each layer's input is the concatenation of the block's input and the outputs
of all the layers before it, and each layer adds only `growth_rate` = 32 new channels:

    conv block:   x -> BN -> ReLU -> 1x1 (128) -> BN -> ReLU -> 3x3 (32) -> concat(x, that)

Features are reused instead of recomputed, so the network is deep yet has few parameters.
Between dense blocks a transition (BN -> ReLU -> 1x1 conv halving the channels -> 2x2 average
pool) halves the image:

    stem 7x7/2 (64), 3x3/2 max pool        224 -> 56
    dense blocks of 6, 12, {24, 32, 48}, {16, 32, 32} conv blocks (121 / 169 / 201)
    with transitions between them          56 -> 28 -> 14 -> 7
    BN -> ReLU -> global average pool -> classes

Layer names (conv1_conv, conv2_block1_0_bn, ..., pool2_conv, ..., bn, relu, predictions) and
parameter counts (DenseNet121 8,062,504; DenseNet169 14,307,880; DenseNet201 20,242,984 with
the top) equal Keras'. As in Keras, only "channels_last" is supported.
"""

import functools

from strided import _config, layers
from strided.applications import _builder, _weights, imagenet_utils

FOLDER = "densenet/"
BLOCKS = {
    "densenet121": (6, 12, 24, 16),
    "densenet169": (6, 12, 32, 32),
    "densenet201": (6, 12, 48, 32),
}
MD5 = {
    "densenet121": ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    "densenet169": ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    "densenet201": ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
GROWTH_RATE = 32
EPSILON = 1.001e-5


def imagenet_file(arch, include_top):
    suffix = "" if include_top else "_notop"
    return _weights.keras_file(
        FOLDER,
        f"{arch}_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
        MD5[arch][0 if include_top else 1],
    )


def _bn_relu(x, prefix):
    """BatchNormalization "<prefix>_bn" then ReLU "<prefix>_relu"."""
    x = layers.BatchNormalization(
        axis=_builder.channel_axis(), epsilon=EPSILON, name=f"{prefix}_bn"
    )(x)
    return layers.Activation("relu", name=f"{prefix}_relu")(x)


def conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 (4 x growth) -> BN-ReLU-3x3 (growth), concatenated to the input."""
    branch = _bn_relu(x, f"{name}_0")
    branch = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(branch)
    branch = _bn_relu(branch, f"{name}_1")
    branch = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(
        branch
    )
    return layers.Concatenate(axis=_builder.channel_axis(), name=f"{name}_concat")([x, branch])


def dense_block(x, blocks, name):
    for index in range(1, blocks + 1):
        x = conv_block(x, GROWTH_RATE, name=f"{name}_block{index}")
    return x


def transition_block(x, reduction, name):
    """BN-ReLU, a 1x1 conv to `reduction` x the channels, then 2x2 average pooling."""
    x = _bn_relu(x, name)
    channels = int(x.shape[_builder.channel_axis()] * reduction)
    x = layers.Conv2D(channels, 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(
    blocks,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="densenet",
):
    """The DenseNet family builder: `blocks` conv blocks in each of the four dense blocks."""
    args = _builder.Arguments.of(locals())
    return _densenet(blocks, args)


def _densenet(blocks, args):
    if _config.image_data_format() == "channels_first":
        raise ValueError(
            "DenseNet does not support the `channels_first` image data format. Switch to "
            "`channels_last` with strided.config.set_image_data_format('channels_last')."
        )
    blocks = tuple(int(b) for b in blocks)
    arch = next((a for a, b in BLOCKS.items() if b == blocks), None)

    def features(img_input):
        x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
        x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
        x = _bn_relu(x, "conv1")
        x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
        for stage, count in enumerate(blocks, start=2):
            x = dense_block(x, count, name=f"conv{stage}")
            if stage < 1 + len(blocks):
                x = transition_block(x, 0.5, name=f"pool{stage}")
        x = layers.BatchNormalization(axis=_builder.channel_axis(), epsilon=EPSILON, name="bn")(x)
        return layers.Activation("relu", name="relu")(x)

    return _builder.build(
        args,
        features,
        has_imagenet=arch is not None,
        model_name=f"DenseNet with blocks={blocks}",
        pooling_names=("avg_pool", "max_pool"),
        imagenet_file=imagenet_file(arch, args.include_top) if arch is not None else None,
    )


_ARGS_DOC = """
    Args:
        include_top: keep the classifier (global average pooling + Dense `classes`).
        weights: None (random), "imagenet" (Keras' published file, downloaded into the cache)
            or the path to a Keras weights file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 32x32; default (224, 224, 3) with the top,
            any size without it.
        pooling: without the top: None (4-D map), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits.
        name: the model's name.

    Shape:
        (batch, H, W, 3) -> (batch, classes); without the top (batch, H/32, W/32, channels)
        (sides rounded down at each halving).
"""


DenseNet121 = _builder.constructor(
    "DenseNet121",
    "densenet121",
    functools.partial(_densenet, BLOCKS["densenet121"]),
    "DenseNet121: dense blocks of (6, 12, 24, 16), 8,062,504 parameters (Keras' `DenseNet121`).\n"
    + _ARGS_DOC
    + """
    Example:
        >>> DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1024)
""",
)
DenseNet169 = _builder.constructor(
    "DenseNet169",
    "densenet169",
    functools.partial(_densenet, BLOCKS["densenet169"]),
    "DenseNet169: dense blocks of (6, 12, 32, 32), 14,307,880 parameters (Keras' `DenseNet169`)."
    "\n" + _ARGS_DOC,
)
DenseNet201 = _builder.constructor(
    "DenseNet201",
    "densenet201",
    functools.partial(_densenet, BLOCKS["densenet201"]),
    "DenseNet201: dense blocks of (6, 12, 48, 32), 20,242,984 parameters (Keras' `DenseNet201`)."
    "\n" + _ARGS_DOC,
)


def preprocess_input(x, data_format=None):
    """Scale to [0, 1], then normalise each channel with ImageNet's mean and standard deviation
    (Keras' "torch" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = [
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "decode_predictions",
    "preprocess_input",
]
