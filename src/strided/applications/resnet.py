"""ResNet50/101/152 (He et al., 2015): bottleneck residual blocks, layer for layer Keras'.

A residual block learns a correction F(x) added to its input, y = relu(x + F(x)), so a very
deep network can start as (nearly) the identity and gradients reach the first layers through
the shortcuts. The bottleneck F is 1x1 (reduce) -> 3x3 -> 1x1 (expand x4), each conv followed
by BatchNormalization; the first block of a stage changes size with a strided 1x1 conv on the
shortcut too ("conv_shortcut").

    stem: 7x7/2 conv, 3x3/2 max pool      224 -> 56
    conv2: 3 blocks x  64 (256 out)       56
    conv3: 4 blocks x 128 (512 out)       28
    conv4: 6 / 23 / 36 blocks x 256       14     (ResNet50 / 101 / 152)
    conv5: 3 blocks x 512 (2048 out)      7 -> global average pool -> classes

As in Keras (the original Caffe ResNet "v1"), the stride sits on the first 1x1 conv and the
convolutions have biases; names (conv1_conv, conv2_block1_1_conv, ..., predictions) and
parameter counts (ResNet50 25,636,712; ResNet101 44,707,176) equal Keras'.
"""

import functools

from strided import layers
from strided.applications import _builder, _weights, imagenet_utils

MD5 = {
    "resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
    "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
    "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
}
POOLING_NAMES = ("avg_pool", "max_pool")  # Keras names them without the top too
STAGES = {"resnet50": (3, 4, 6, 3), "resnet101": (3, 4, 23, 3), "resnet152": (3, 8, 36, 3)}


def imagenet_file(arch, include_top):
    suffix = "" if include_top else "_notop"
    return _weights.keras_file(
        "resnet/",
        f"{arch}_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
        MD5[arch][0 if include_top else 1],
    )


def bottleneck_block(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """One residual block: relu(shortcut + bn(conv1x1(relu(bn(conv3x3(relu(bn(conv1x1(x)))))))))."""
    bn_axis = _builder.channel_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_0_bn")(
            shortcut
        )
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=1.001e-5, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack(x, filters, blocks, stride1=2, name=None):
    """A stage: one block that changes size (conv shortcut), then `blocks - 1` identity blocks."""
    x = bottleneck_block(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = bottleneck_block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def _resnet(arch, args):
    """The ResNet `arch` (a key of STAGES) from the constructor's `_builder.Arguments`."""

    def features(img_input):
        x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
        x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
        x = layers.BatchNormalization(
            axis=_builder.channel_axis(), epsilon=1.001e-5, name="conv1_bn"
        )(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
        x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
        for stage, (blocks, filters) in enumerate(zip(STAGES[arch], (64, 128, 256, 512)), start=2):
            x = stack(x, filters, blocks, stride1=1 if stage == 2 else 2, name=f"conv{stage}")
        return x

    return _builder.build(
        args,
        features,
        pooling_names=POOLING_NAMES,
        imagenet_file=imagenet_file(arch, args.include_top),
    )


_ARGS_DOC = """
    Args:
        include_top: keep the classifier (global average pooling + Dense `classes`).
        weights: None (random), "imagenet" (Keras' published file, downloaded into the cache)
            or the path to a Keras weights file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 32x32; default (224, 224, 3) with the top,
            any size without it.
        pooling: without the top: None (4-D map, 2048 channels at 1/32 of the size), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits.
        name: the model's name.

    Shape:
        (batch, H, W, 3) -> (batch, classes);
        without the top (batch, ceil(H/32), ceil(W/32), 2048).
"""

ResNet50 = _builder.constructor(
    "ResNet50",
    "resnet50",
    functools.partial(_resnet, "resnet50"),
    "ResNet50: 16 bottleneck blocks (3, 4, 6, 3), 25,636,712 parameters (Keras' `ResNet50`).\n"
    + _ARGS_DOC
    + """
    Example:
        >>> ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 2048)
""",
)
ResNet101 = _builder.constructor(
    "ResNet101",
    "resnet101",
    functools.partial(_resnet, "resnet101"),
    "ResNet101: 33 bottleneck blocks (3, 4, 23, 3), 44,707,176 parameters (Keras' `ResNet101`).\n"
    + _ARGS_DOC
    + """
    Example:
        >>> ResNet101(weights=None).count_params()
        44707176
""",
)
ResNet152 = _builder.constructor(
    "ResNet152",
    "resnet152",
    functools.partial(_resnet, "resnet152"),
    "ResNet152: 50 bottleneck blocks (3, 8, 36, 3), 60,419,944 parameters (Keras' `ResNet152`).\n"
    + _ARGS_DOC,
)


def preprocess_input(x, data_format=None):
    """RGB -> BGR, then subtract the ImageNet channel means (Keras' "caffe" mode); no scaling."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["ResNet50", "ResNet101", "ResNet152", "decode_predictions", "preprocess_input"]
