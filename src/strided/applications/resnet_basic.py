"""ResNet18 and ResNet34: residual networks of basic blocks, in torchvision's design.

Keras has no ResNet18/34; these follow `torchvision.models.resnet18/34` exactly, so
torchvision's ImageNet weights (and any state_dict of those models) load and give the same
outputs. A basic block is two 3x3 convolutions with BatchNormalization and a shortcut:

    y = relu(shortcut(x) + bn(conv3x3(relu(bn(conv3x3/stride(x))))))

the shortcut being the identity, or a strided 1x1 conv + BN when the size or width changes.
Convolutions have no bias (BatchNormalization follows), BN uses PyTorch's epsilon 1e-5, and
padding is symmetric (torch's padding=1), written as explicit ZeroPadding2D layers.

    stem: 7x7/2 conv, 3x3/2 max pool   224 -> 56  (32 -> 8)
    conv2..conv5: 64, 128, 256, 512 filters;
                  (2, 2, 2, 2) blocks for ResNet18, (3, 4, 6, 3) for ResNet34
    global average pool -> Dense(classes)

Layer names follow Keras' ResNet convention (conv1_conv, conv2_block1_1_conv, conv3_block1_0_conv
for the shortcut, predictions); `torch_names` maps torchvision's module paths onto them.
Parameters: ResNet18 11,689,512 trainable (torchvision's count) + 9,600 BatchNorm statistics;
ResNet34 21,797,672 + 17,024.
"""

import functools
import re

from strided import layers
from strided.applications import _builder, _weights, imagenet_utils

POOLING_NAMES = ("avg_pool", "max_pool")  # as the Keras ResNets
STAGES = {"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3)}
IMAGENET = {
    "resnet18": _weights.torchvision_file("resnet18-f37072fd.pth"),
    "resnet34": _weights.torchvision_file("resnet34-b627a593.pth"),
}
_TORCH_PARTS = {
    "conv1": "1_conv",
    "bn1": "1_bn",
    "conv2": "2_conv",
    "bn2": "2_bn",
    "conv3": "3_conv",
    "bn3": "3_bn",
    "downsample.0": "0_conv",
    "downsample.1": "0_bn",
}


def torch_names(path):
    """torchvision ResNet module path -> layer name.

    Example: "layer2.0.downsample.0" -> "conv3_block1_0_conv", "fc" -> "predictions".
    """
    if path in ("conv1", "bn1"):
        return {"conv1": "conv1_conv", "bn1": "conv1_bn"}[path]
    if path == "fc":
        return "predictions"
    match = re.fullmatch(r"layer(\d)\.(\d+)\.(.+)", path)
    if match and match.group(3) in _TORCH_PARTS:
        stage, block, part = match.groups()
        return f"conv{int(stage) + 1}_block{int(block) + 1}_{_TORCH_PARTS[part]}"
    return path.replace(".", "_")


def _batch_norm(name):
    return layers.BatchNormalization(
        axis=_builder.channel_axis(), epsilon=1e-5, momentum=0.9, name=name
    )


def _conv3x3(x, filters, stride, name):
    """3x3 convolution with torch's symmetric padding of 1 (and 'same' when stride is 1)."""
    if stride == 1:
        return layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_pad")(x)
    return layers.Conv2D(filters, 3, strides=stride, use_bias=False, name=f"{name}_conv")(x)


def basic_block(x, filters, stride=1, conv_shortcut=False, name=None):
    """relu(shortcut + bn(conv3x3(relu(bn(conv3x3(x)))))), torchvision's `BasicBlock`."""
    if conv_shortcut:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=f"{name}_0_conv")(
            x
        )
        shortcut = _batch_norm(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = _conv3x3(x, filters, stride, f"{name}_1")
    x = _batch_norm(f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = _conv3x3(x, filters, 1, f"{name}_2")
    x = _batch_norm(f"{name}_2_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _resnet(arch, args):
    """The ResNet `arch` (a key of STAGES) from the constructor's `_builder.Arguments`."""

    def features(img_input):
        x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
        x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
        x = _batch_norm("conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
        # torch pads max pooling with -inf; after a ReLU, zeros give the same maxima
        x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
        x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
        in_filters = 64
        for stage, (blocks, filters) in enumerate(zip(STAGES[arch], (64, 128, 256, 512)), start=2):
            for block in range(1, blocks + 1):
                stride = 2 if stage > 2 and block == 1 else 1
                x = basic_block(
                    x,
                    filters,
                    stride,
                    conv_shortcut=stride != 1 or in_filters != filters,
                    name=f"conv{stage}_block{block}",
                )
                in_filters = filters
        return x

    return _builder.build(
        args,
        features,
        pooling_names=POOLING_NAMES,
        imagenet_file=IMAGENET[arch],
        torch_names=torch_names,
    )


_ARGS_DOC = """
    Args:
        include_top: keep the classifier (global average pooling + Dense `classes`).
        weights: None (random), "imagenet" (torchvision's published file, downloaded into the
            cache; reading it needs torch) or the path to a torchvision state_dict
            (.pth/.safetensors) or a Keras/strided weights file of this model.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 32x32; default (224, 224, 3) with the top.
        pooling: without the top: None (4-D map, 512 channels at 1/32 of the size), "avg" or "max".
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits (torchvision's output).
        name: the model's name.

    Shape:
        (batch, H, W, 3) -> (batch, classes);
        without the top (batch, ceil(H/32), ceil(W/32), 512).
"""


ResNet18 = _builder.constructor(
    "ResNet18",
    "resnet18",
    functools.partial(_resnet, "resnet18"),
    "ResNet18 (torchvision's design): 8 basic blocks, 11,689,512 trainable parameters.\n"
    + _ARGS_DOC
    + """
    Example:
        >>> model = ResNet18(weights=None, input_shape=(32, 32, 3), classes=10)
        >>> model.output_shape
        (None, 10)
""",
)
ResNet34 = _builder.constructor(
    "ResNet34",
    "resnet34",
    functools.partial(_resnet, "resnet34"),
    "ResNet34 (torchvision's design): 16 basic blocks, 21,797,672 trainable parameters.\n"
    + _ARGS_DOC,
)


def preprocess_input(x, data_format=None):
    """Scale to [0, 1], then normalise with ImageNet's per-channel mean and std (torchvision)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["ResNet18", "ResNet34", "decode_predictions", "preprocess_input", "torch_names"]
