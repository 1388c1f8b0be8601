"""VGG16 and VGG19 (Simonyan & Zisserman, 2014): stacks of 3x3 convolutions, layer for layer Keras'.

Five blocks of "same" 3x3 convolutions with ReLU, each ended by a 2x2 max pooling that halves
the image: 64, 128, 256, 512, 512 filters; VGG16 has 2, 2, 3, 3, 3 convolutions per block,
VGG19 2, 2, 4, 4, 4. The top flattens the 7x7x512 map and applies Dense 4096, 4096, classes.

    224x224x3 -> 112 -> 56 -> 28 -> 14 -> 7 (x512) -> 25088 -> 4096 -> 4096 -> 1000

Layer names (block1_conv1 ... block5_pool, flatten, fc1, fc2, predictions) and parameter
counts (VGG16 138,357,544; VGG19 143,667,240) equal Keras', so Keras files load by name.
torchvision's `vgg16`/`vgg19` state_dicts load too (`features.N`/`classifier.N` are mapped
to these names, and fc1's rows are permuted from torch's channels-first flatten).
"""

import functools

from strided import layers
from strided.applications import _builder, _weights, imagenet_utils

BLOCKS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
FILTERS = (64, 128, 256, 512, 512)
IMAGENET = {
    ("vgg16", True): _weights.keras_file(
        "vgg16/", "vgg16_weights_tf_dim_ordering_tf_kernels.h5", "64373286793e3c8b2b4e3219cbf3544b"
    ),
    ("vgg16", False): _weights.keras_file(
        "vgg16/",
        "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "6d6bbae143d832006294945121d1f1fc",
    ),
    ("vgg19", True): _weights.keras_file(
        "vgg19/", "vgg19_weights_tf_dim_ordering_tf_kernels.h5", "cbe5617147190e668d6c5d5026f83318"
    ),
    ("vgg19", False): _weights.keras_file(
        "vgg19/",
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "253f8cb515780f3b799900260a226db6",
    ),
}


def torch_names(blocks):
    """{torchvision module path: layer name} for `vgg16`/`vgg19`: features.0 -> block1_conv1..."""
    names, index = {}, 0
    for block, convs in enumerate(blocks, start=1):
        for conv in range(1, convs + 1):
            names[f"features.{index}"] = f"block{block}_conv{conv}"
            index += 2  # Conv2d, ReLU
        index += 1  # MaxPool2d
    names.update({"classifier.0": "fc1", "classifier.3": "fc2", "classifier.6": "predictions"})
    return names


def _vgg(arch, args):
    """The VGG `arch` (a key of BLOCKS) from the constructor's `_builder.Arguments`."""

    def features(img_input):
        x = img_input
        for block, (convs, filters) in enumerate(zip(BLOCKS[arch], FILTERS), start=1):
            for conv in range(1, convs + 1):
                x = layers.Conv2D(
                    filters,
                    (3, 3),
                    activation="relu",
                    padding="same",
                    name=f"block{block}_conv{conv}",
                )(x)
            x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
        return x

    return _builder.build(
        args,
        features,
        top=_builder.flatten_dense((4096, 4096), "relu"),
        imagenet_file=IMAGENET[(arch, bool(args.include_top))],
        torch_names=torch_names(BLOCKS[arch]).get,
    )


VGG16 = _builder.constructor(
    "VGG16",
    "vgg16",
    functools.partial(_vgg, "vgg16"),
    """VGG16: 13 convolutions + 3 dense layers, 138,357,544 parameters (Keras' `VGG16`).

    Args:
        include_top: keep the three dense layers (Flatten, fc1, fc2, predictions); the input must
            then have a fixed size (224x224x3 with ImageNet weights).
        weights: None (random), "imagenet" (download Keras' file into the cache), or a path to a
            Keras `.h5`/`.weights.h5` or torchvision `.pth`/`.safetensors` file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 32x32; default (224, 224, 3) with the top, any
            size without it.
        pooling: without the top: None (4-D feature map), "avg" or "max" (global pooling, 2-D).
        classes: number of classes of the top (1000 with ImageNet weights).
        classifier_activation: activation of "predictions" ("softmax"; None for logits).
        name: the model's name.

    Shape:
        (batch, H, W, 3) -> (batch, classes) with the top; else (batch, H/32, W/32, 512), or
        (batch, 512) with pooling.

    Example:
        >>> model = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 512)
    """,
)
VGG19 = _builder.constructor(
    "VGG19",
    "vgg19",
    functools.partial(_vgg, "vgg19"),
    """VGG19: 16 convolutions + 3 dense layers, 143,667,240 parameters (Keras' `VGG19`).

    Arguments and shapes as `VGG16`.

    Example:
        >>> VGG19(weights=None).count_params()
        143667240
    """,
)


def preprocess_input(x, data_format=None):
    """RGB -> BGR, then subtract the ImageNet channel means (Keras' "caffe" mode); no scaling."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["VGG16", "VGG19", "decode_predictions", "preprocess_input"]
