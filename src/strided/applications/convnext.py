"""ConvNeXt Tiny/Small/Base/Large/XLarge (Liu et al., 2022): a ResNet modernised, as Keras'.

ConvNeXt asks how far a plain convolutional network gets with a vision transformer's design
choices: a "patchify" stem (4x4/4 conv), four stages at 1/4 ... 1/32 of the image separated by
LayerNormalization + 2x2/2 conv, and an inverted-bottleneck block with few normalisations:

    block:  x -> depthwise 7x7 -> LayerNorm -> Dense (x4) -> GELU -> Dense (back)
              -> LayerScale (a learned per-channel factor, started at 1e-6) ; + x

(`Dense` on a 4-D map acts on the channels at every pixel, a 1x1 convolution.) The model
includes its own preprocessing (a Normalization with ImageNet's mean and variance in [0, 255]
units), so it takes raw pixels and `preprocess_input` is the identity.

Keras builds ConvNeXt with two layers of its own, written the same way in `_convnext_layers`:
`LayerScale` (`x * gamma`, one weight per channel) and `StochasticDepth` (drops whole residual branches
while training; the public constructors use rate 0, i.e. a linear Activation). The stem and
downsampling layers are nested `Sequential` models, and the residual additions are `x + y`
on symbolic tensors (`TensorOperation` layers in strided's `model.layers`, operations outside
`model.layers` in Keras). Every other layer name (convnext_tiny_prestem_normalization,
convnext_tiny_stem, convnext_tiny_stage_0_block_0_depthwise_conv, ..., convnext_tiny_head_dense)
and the parameter count (ConvNeXtTiny 28,589,128 with the top) equal Keras'. As in Keras,
only "channels_last" is supported.
"""

import numpy as np

from strided import _config, layers
from strided.applications import _builder, _weights, imagenet_utils
from strided.applications._convnext_layers import LayerScale, StochasticDepth
from strided.models import Sequential

FOLDER = "convnext/"
SHA256 = {
    "convnext_tiny": (
        "8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
        "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1",
    ),
    "convnext_small": (
        "ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
        "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab",
    ),
    "convnext_base": (
        "52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
        "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45",
    ),
    "convnext_large": (
        "070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
        "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd",
    ),
    "convnext_xlarge": (
        "c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05",
    ),
}
# depths (blocks per stage), projection dims (channels per stage), parameters with the top
MODEL_CONFIGS = {
    "tiny": ((3, 3, 9, 3), (96, 192, 384, 768), "28,589,128"),
    "small": ((3, 3, 27, 3), (96, 192, 384, 768), "50,223,688"),
    "base": ((3, 3, 27, 3), (128, 256, 512, 1024), "88,591,464"),
    "large": ((3, 3, 27, 3), (192, 384, 768, 1536), "197,767,336"),
    "xlarge": ((3, 3, 27, 3), (256, 512, 1024, 2048), "350,196,968"),
}
IMAGENET_MEAN_255 = (0.485 * 255, 0.456 * 255, 0.406 * 255)
IMAGENET_VARIANCE_255 = ((0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2)


def convnext_block(
    inputs, projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6, name=""
):
    """Depthwise 7x7 -> LayerNorm -> Dense x4 -> GELU -> Dense -> LayerScale, plus the input."""
    x = layers.Conv2D(
        projection_dim, 7, padding="same", groups=projection_dim, name=f"{name}_depthwise_conv"
    )(inputs)
    x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
    x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
    x = layers.Activation("gelu", name=f"{name}_gelu")(x)
    x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
    if layer_scale_init_value is not None:
        x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
    if drop_path_rate:
        branch = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
    else:
        branch = layers.Activation("linear", name=f"{name}_identity")
    return inputs + branch(x)


def ConvNeXt(
    depths,
    projection_dims,
    drop_path_rate=0.0,
    layer_scale_init_value=1e-6,
    default_size=224,
    name="convnext",
    include_preprocessing=True,
    include_top=True,
    weights=None,
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    weights_name=None,
):
    """The ConvNeXt family builder: `depths` blocks of `projection_dims` channels per stage."""
    if _config.image_data_format() == "channels_first":
        raise ValueError(
            "ConvNeXt does not support the `channels_first` image data format. Switch to "
            "`channels_last` with strided.config.set_image_data_format('channels_last')."
        )
    depths, projection_dims = tuple(depths), tuple(projection_dims)
    if len(depths) != 4 or len(projection_dims) != 4:
        raise ValueError(
            "ConvNeXt: `depths` and `projection_dims` need one entry per stage (4). "
            f"Received: depths={depths}, projection_dims={projection_dims}"
        )
    expected = MODEL_CONFIGS.get(str(weights_name).split("convnext_")[-1])
    pretrained = expected is not None and expected[:2] == (depths, projection_dims)
    arguments = _builder.Arguments.of(locals())

    def features(img_input):
        x = img_input
        if include_preprocessing and img_input.shape[-1] == 3:
            x = layers.Normalization(
                mean=list(IMAGENET_MEAN_255),
                variance=list(IMAGENET_VARIANCE_255),
                name=f"{name}_prestem_normalization",
            )(x)
        downsampling = [
            Sequential(
                [
                    layers.Conv2D(projection_dims[0], 4, strides=4, name=f"{name}_stem_conv"),
                    layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
                ],
                name=f"{name}_stem",
            )
        ]
        for i in range(3):
            downsampling.append(
                Sequential(
                    [
                        layers.LayerNormalization(
                            epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"
                        ),
                        layers.Conv2D(
                            projection_dims[i + 1],
                            2,
                            strides=2,
                            name=f"{name}_downsampling_conv_{i}",
                        ),
                    ],
                    name=f"{name}_downsampling_block_{i}",
                )
            )
        rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
        done = 0
        for i in range(4):
            x = downsampling[i](x)
            for j in range(depths[i]):
                x = convnext_block(
                    x,
                    projection_dims[i],
                    rates[done + j],
                    layer_scale_init_value,
                    name=f"{name}_stage_{i}_block_{j}",
                )
            done += depths[i]
        return x

    def head(x):
        if include_top:
            x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
            x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
            return layers.Dense(
                classes, activation=classifier_activation, name=f"{name}_head_dense"
            )(x)
        x = _builder.global_pooling(x, pooling)
        return layers.LayerNormalization(epsilon=1e-6)(x)

    entry = None
    if weights == "imagenet" and pretrained:
        fname = name + (".h5" if include_top else "_notop.h5")
        entry = _weights.WeightsFile(
            fname,
            f"{_weights.KERAS_BASE}{FOLDER}{fname}",
            sha256=SHA256[weights_name][0 if include_top else 1],
        )
    return _builder.build(
        arguments,
        features,
        default_size=default_size,
        has_imagenet=pretrained,
        model_name=f"ConvNeXt with depths={depths}",
        head=head,
        imagenet_file=entry,
    )


def _variant(size):
    """The constructor ConvNeXtTiny ... ConvNeXtXLarge (Keras' signature and defaults)."""
    depths, dims, params = MODEL_CONFIGS[size]
    title = {"xlarge": "XLarge"}.get(size, size.capitalize())

    def constructor(
        include_top=True,
        include_preprocessing=True,
        weights="imagenet",
        input_tensor=None,
        input_shape=None,
        pooling=None,
        classes=1000,
        classifier_activation="softmax",
        name=f"convnext_{size}",
    ):
        return ConvNeXt(
            depths,
            dims,
            name=name,
            include_preprocessing=include_preprocessing,
            include_top=include_top,
            weights=weights,
            input_tensor=input_tensor,
            input_shape=input_shape,
            pooling=pooling,
            classes=classes,
            classifier_activation=classifier_activation,
            weights_name=f"convnext_{size}",
        )

    constructor.__name__ = constructor.__qualname__ = f"ConvNeXt{title}"
    constructor.__doc__ = f"""ConvNeXt{title}: stages of {depths} blocks, {dims} channels; {params}
    parameters with the top (Keras' `ConvNeXt{title}`).

    Args:
        include_top: keep the classifier (global average pooling, LayerNorm, Dense `classes`).
        include_preprocessing: start with the ImageNet Normalization (inputs in [0, 255]).
        weights: None (random), "imagenet" (Keras' file, downloaded into the cache) or the path to a
            Keras weights file.
        input_tensor: a symbolic tensor (from `Input`) to use as the image input.
        input_shape: (height, width, 3), at least 32x32; default (224, 224, 3) with the top.
        pooling: without the top: None (4-D map), "avg" or "max"; a LayerNormalization follows.
        classes: classes of the top (1000 with ImageNet weights).
        classifier_activation: "softmax" (default) or None for logits.
        name: the model's name (a prefix of every layer's name).

    Shape:
        (batch, H, W, 3) -> (batch, classes); without the top (batch, H/32, W/32, {dims[-1]}).
    """
    return constructor


ConvNeXtTiny = _variant("tiny")
ConvNeXtSmall = _variant("small")
ConvNeXtBase = _variant("base")
ConvNeXtLarge = _variant("large")
ConvNeXtXLarge = _variant("xlarge")


def preprocess_input(x, data_format=None):
    """The identity: ConvNeXt normalises inside the model (Keras does the same)."""
    return x


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = [
    "ConvNeXtBase",
    "ConvNeXtLarge",
    "ConvNeXtSmall",
    "ConvNeXtTiny",
    "ConvNeXtXLarge",
    "LayerScale",
    "StochasticDepth",
    "decode_predictions",
    "preprocess_input",
]
