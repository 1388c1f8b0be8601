"""NASNet-A (Zoph et al., 2018): an architecture found by search, stacked from two cells, as Keras'.

A controller network searched for the best *cell* (a small graph of separable convolutions
and poolings) on CIFAR-10; the ImageNet model repeats that cell. Two kinds are stacked (see
`_nasnet_cells`): normal cells keep the grid, reduction cells halve it and widen the channels
by `filter_multiplier`; each cell reads the two cells before it.

    stem conv 3x3/2 -> 2 stem reduction cells -> N normal -> reduction -> N normal
    -> reduction -> N normal -> ReLU -> global average pool -> classes

NASNetMobile (N=4, penultimate width 1056, 5,326,716 parameters, 224x224) and NASNetLarge
(N=6, width 4032, 88,949,818 parameters, 331x331) equal Keras' in layer names and parameter
counts, so Keras' weight files load unchanged. Only "channels_last" is supported, as in Keras.
"""

from strided import _config, layers
from strided.applications import _builder, imagenet_utils
from strided.applications._nasnet_cells import batch_norm, normal_a_cell, reduction_a_cell
from strided.applications._weights import KERAS_BASE, WeightsFile

BASE_WEIGHTS_PATH = f"{KERAS_BASE}nasnet/"
IMAGENET = {  # (default size, include_top) -> file; Keras stores them under other names
    (224, True): WeightsFile(
        "nasnet_mobile.h5",
        f"{BASE_WEIGHTS_PATH}NASNet-mobile.h5",
        md5="020fb642bf7360b370c678b08e0adf61",
    ),
    (224, False): WeightsFile(
        "nasnet_mobile_no_top.h5",
        f"{BASE_WEIGHTS_PATH}NASNet-mobile-no-top.h5",
        md5="1ed92395b5b598bdda52abe5c0dbfd63",
    ),
    (331, True): WeightsFile(
        "nasnet_large.h5",
        f"{BASE_WEIGHTS_PATH}NASNet-large.h5",
        md5="11577c9a518f0070763c2b964a382f17",
    ),
    (331, False): WeightsFile(
        "nasnet_large_no_top.h5",
        f"{BASE_WEIGHTS_PATH}NASNet-large-no-top.h5",
        md5="d81d89dc07e6e56530c4e77faddd61b5",
    ),
}


def _check_nasnet_arguments(input_shape, weights, penultimate_filters, filter_multiplier):
    if _config.image_data_format() == "channels_first":
        raise ValueError(
            "NASNet does not support the `channels_first` image data format. Switch to "
            "`channels_last` with strided.config.set_image_data_format('channels_last')."
        )
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError(
            "When specifying the input shape of a NASNet and loading `ImageNet` weights, the "
            f"input_shape argument must be static (no None entries). Got: `input_shape={input_shape}`."
        )
    if penultimate_filters % (24 * (filter_multiplier**2)) != 0:
        raise ValueError(
            "For NASNet-A models, the `penultimate_filters` must be a multiple of "
            f"24 * (`filter_multiplier` ** 2). Current value: {penultimate_filters}"
        )


def NASNet(
    input_shape=None,
    penultimate_filters=4032,
    num_blocks=6,
    stem_block_filters=96,
    skip_reduction=True,
    filter_multiplier=2,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    default_size=None,
    classifier_activation="softmax",
    name="NASNet",
):
    """A NASNet-A model of any size (Keras' `keras.applications.nasnet.NASNet`).

    Args:
        input_shape: (height, width, 3), at least 32x32; default (default_size, default_size, 3)
            with the top, any size without.
        penultimate_filters: channels before the classifier, a multiple of
            24 * filter_multiplier**2; each cell has penultimate_filters / 24 filters (scaled).
        num_blocks: normal cells between reductions.
        stem_block_filters: filters of the first 3x3/2 convolution.
        skip_reduction: feed a cell after a reduction with the reduction's input (Large: True)
            rather than the reduction's own input path (Mobile: False).
        filter_multiplier: widening at each reduction.
        include_top, weights, input_tensor, pooling, classes, classifier_activation, name: as
            in every application (`weights="imagenet"` only for the Mobile and Large settings).
        default_size: the ImageNet size (224 Mobile, 331 Large; default 331).

    Shape:
        (batch, H, W, 3) -> (batch, classes); without the top (batch, h, w, penultimate_filters)
        with h = ceil(ceil((H - 2) / 2) / 16) (7 at 224, 11 at 331, 1 at 32).
    """
    _check_nasnet_arguments(input_shape, weights, penultimate_filters, filter_multiplier)
    _builder.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    default_size = 331 if default_size is None else default_size
    if weights == "imagenet" and default_size not in (224, 331):
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile")
    img_input = _builder.model_input(
        input_tensor, input_shape, include_top, weights, default_size=default_size, min_size=32
    )
    filters = penultimate_filters // 24
    x = layers.Conv2D(
        stem_block_filters,
        (3, 3),
        strides=(2, 2),
        padding="valid",
        use_bias=False,
        name="stem_conv1",
        kernel_initializer="he_normal",
    )(img_input)
    x = batch_norm("stem_bn1")(x)
    x, p = reduction_a_cell(x, None, filters // (filter_multiplier**2), block_id="stem_1")
    x, p = reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for stage in range(3):
        if stage:  # a reduction cell between the stages of normal cells
            x, p0 = reduction_a_cell(
                x, p, filters * filter_multiplier**stage, block_id=f"reduce_{stage * num_blocks}"
            )
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            block_id = f"{stage * num_blocks + i + (1 if stage else 0)}"
            x, p = normal_a_cell(x, p, filters * filter_multiplier**stage, block_id=block_id)
    x = layers.Activation("relu")(x)
    x = _builder.classifier_head(
        x,
        include_top,
        pooling,
        classes,
        classifier_activation,
        top=lambda x: layers.GlobalAveragePooling2D()(x),  # automatic name, as in Keras
    )
    model = _builder.finish(img_input, x, input_tensor, name)
    return _builder.load_weights(model, weights, IMAGENET.get((default_size, bool(include_top))))


def NASNetMobile(
    input_shape=None,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="nasnet_mobile",
):
    """NASNet-A Mobile (4 @ 1056): 5,326,716 parameters at 224x224 (Keras' `NASNetMobile`).

    Args: as `NASNet`; without the top the default input is (224, 224, 3), as in Keras.

    Shape:
        (batch, 224, 224, 3) -> (batch, classes); without the top (batch, 7, 7, 1056).

    Example:
        >>> NASNetMobile(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 1056)
    """
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(
        input_shape,
        penultimate_filters=1056,
        num_blocks=4,
        stem_block_filters=32,
        skip_reduction=False,
        filter_multiplier=2,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        pooling=pooling,
        classes=classes,
        default_size=224,
        classifier_activation=classifier_activation,
        name=name,
    )


def NASNetLarge(
    input_shape=None,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="nasnet_large",
):
    """NASNet-A Large (6 @ 4032): 88,949,818 parameters at 331x331 (Keras' `NASNetLarge`).

    Args: as `NASNet`.

    Shape:
        (batch, 331, 331, 3) -> (batch, classes); without the top (batch, 11, 11, 4032).

    Example:
        >>> NASNetLarge(weights=None, include_top=False, input_shape=(32, 32, 3)).output_shape
        (None, 1, 1, 4032)
    """
    return NASNet(
        input_shape,
        penultimate_filters=4032,
        num_blocks=6,
        stem_block_filters=96,
        skip_reduction=True,
        filter_multiplier=2,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        pooling=pooling,
        classes=classes,
        default_size=331,
        classifier_activation=classifier_activation,
        name=name,
    )


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (Keras' "tf" mode)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_imagenet_predictions


__all__ = ["NASNet", "NASNetLarge", "NASNetMobile", "decode_predictions", "preprocess_input"]
