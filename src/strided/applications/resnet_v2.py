"""ResNet50V2/101V2/152V2 (He et al., 2016, "Identity Mappings"): pre-activation ResNets, as Keras'.

ResNet "v2" moves BatchNormalization and ReLU *before* each convolution, so the shortcut path
is a pure identity from the first block to the last (nothing is applied after an addition):

    block:  x -> BN -> ReLU ("preact") -> 1x1 -> BN -> ReLU -> 3x3 (/stride) -> BN -> ReLU
              -> 1x1 (x4) ; + shortcut
            shortcut: a 1x1 conv of preact (first block of a stage), a 1x1/2 max pool of x
            (last block of a stage, which halves the image), or x itself

The stem is v1's 7x7/2 conv (with bias, no BN) and 3x3/2 max pool; a final BN -> ReLU ("post")
precedes the classifier. Unlike v1, the stride sits on the 3x3 conv of a stage's *last* block.
Layer names (conv2_block1_preact_bn, conv2_block3_2_pad, ..., post_relu, predictions; the 1x1
max pools keep automatic names as in Keras) and parameter counts (ResNet50V2 25,613,800;
ResNet101V2 44,675,560; ResNet152V2 60,380,648 with the top) equal Keras'.
"""

import functools

from strided import layers
from strided.applications import _builder, _weights, imagenet_utils
from strided.applications.resnet import _ARGS_DOC  # the same arguments and shapes as ResNet50

STAGES = {
    "resnet50v2": (3, 4, 6, 3),
    "resnet101v2": (3, 4, 23, 3),
    "resnet152v2": (3, 8, 36, 3),
}
MD5 = {
    "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
    "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
    "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33"),
}
EPSILON = 1.001e-5


def imagenet_file(arch, include_top):
    suffix = "" if include_top else "_notop"
    return _weights.keras_file(
        "resnet/",
        f"{arch}_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
        MD5[arch][0 if include_top else 1],
    )


def _bn(name):
    return layers.BatchNormalization(axis=_builder.channel_axis(), epsilon=EPSILON, name=name)


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """One pre-activation bottleneck block (see the module docstring)."""
    preact = _bn(f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = _bn(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_2_conv")(
        x
    )
    x = _bn(f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_v2(x, filters, blocks, stride1=2, name=None):
    """A stage: a conv-shortcut block, identity blocks, and a last block with stride `stride1`."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for index in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{index}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _resnet_v2(arch, args):
    """The ResNet v2 `arch` (a key of STAGES) from the constructor's `_builder.Arguments`."""

    def features(img_input):
        x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
        x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
        x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
        for stage, (blocks, filters) in enumerate(zip(STAGES[arch], (64, 128, 256, 512)), start=2):
            x = stack_v2(x, filters, blocks, stride1=1 if stage == 5 else 2, name=f"conv{stage}")
        x = _bn("post_bn")(x)
        return layers.Activation("relu", name="post_relu")(x)

    return _builder.build(
        args,
        features,
        pooling_names=("avg_pool", "max_pool"),
        imagenet_file=imagenet_file(arch, args.include_top),
    )


ResNet50V2 = _builder.constructor(
    "ResNet50V2",
    "resnet50v2",
    functools.partial(_resnet_v2, "resnet50v2"),
    "ResNet50V2: 16 pre-activation blocks (3, 4, 6, 3), 25,613,800 parameters (Keras').\n"
    + _ARGS_DOC
    + """
    Example:
        >>> ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 2048)
""",
)
ResNet101V2 = _builder.constructor(
    "ResNet101V2",
    "resnet101v2",
    functools.partial(_resnet_v2, "resnet101v2"),
    "ResNet101V2: 33 pre-activation blocks (3, 4, 23, 3), 44,675,560 parameters (Keras').\n"
    + _ARGS_DOC,
)
ResNet152V2 = _builder.constructor(
    "ResNet152V2",
    "resnet152v2",
    functools.partial(_resnet_v2, "resnet152v2"),
    "ResNet152V2: 50 pre-activation blocks (3, 8, 36, 3), 60,380,648 parameters (Keras').\n"
    + _ARGS_DOC,
)


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (Keras' "tf" mode; v1 ResNets use "caffe")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "decode_predictions", "preprocess_input"]
