"""Layer fusion: a model runs two common pairs of layers as one op each.

The block every tutorial CNN is made of,

    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)

computes the same numbers with `ops.conv_relu_max_pool`, which never stores the convolution's
full-size output (see `strided.kernels.conv_pool`; faster for this pair in training, and
inference at batch 1000 no longer streams the full-size maps through memory; docs/speed.md). And the CIFAR
network's

    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)        # or layers.ReLU()

runs as `BatchNormalization.normalize(x, training, relu=True)`: while training, the ReLU is
applied to each chunk of the normalised output while it is in cache, and its mask to the
gradient in batch norm's first backward pass (`ops.batch_norm_train(..., relu=True)`).

A pair is fused only when nothing could tell the difference: the first layer's output goes to
the second alone and is not an output of the model; both layers are the stock classes (a
subclass overriding `call` is left alone) and are called on their inputs alone; the first has
no activity regularizer. Conv2D + MaxPooling2D: the conv is 2-D with groups=1 and the pooling
"valid" with strides == pool_size, in the same data format. `strided.set_fusion(False)` turns
fusion off (to compare, or to step through the plain ops).
"""

from strided import _config, activations, ops
from strided.layers import _call_context
from strided.layers.activation import ReLU
from strided.layers.conv import Conv2D
from strided.layers.core import Activation
from strided.layers.normalization import BatchNormalization
from strided.layers.pooling import MaxPooling2D


def fused_pairs(nodes, output_tensors):
    """{id(second node): (first node, second node)} for every fusable pair of layers.

    Empty when fusion is turned off (`strided.set_fusion(False)`).
    """
    if not _config.fusion_enabled():
        return {}
    consumers = {}
    for node in nodes:
        for tensor in node.input_tensors:
            consumers.setdefault(id(tensor), []).append(node)
    outputs = {id(t) for t in output_tensors}
    pairs = {}
    for node in nodes:
        if len(node.output_tensors) != 1:
            continue
        second_fits = _FOLLOWERS.get(_kind(node))
        if second_fits is None:
            continue
        tensor = node.output_tensors[0]
        users = consumers.get(id(tensor), [])
        if id(tensor) in outputs or len(users) != 1:
            continue
        second = users[0]
        if second.arguments is tensor and second.is_plain_call and second_fits(second.layer, node.layer):
            pairs[id(second)] = (node, second)
    return pairs


def unpatched(pairs):
    """The pairs whose layers still run their class's `call`: `strided.viz` records a layer's
    output by setting `layer.call` on the instance, and then that layer must run on its own."""
    return {
        key: (first, second) for key, (first, second) in pairs.items()
        if "call" not in vars(first.layer) and "call" not in vars(second.layer)
    }


def run_pair(first, second, inputs, training=None):
    """second(first(inputs)) computed by one op (the layers of a pair `fused_pairs` found).

    `training` is what the first layer's node was called with (None: the running call's mode).
    """
    x = first._convert_inputs(inputs)
    try:
        if isinstance(first, Conv2D):
            return ops.conv_relu_max_pool(
                x, first.kernel, first.bias, strides=first.strides, padding=first.padding,
                data_format=first.data_format, dilation_rate=first.dilation_rate,
                pool_size=second.pool_size,
            )
        if training is None:
            training = _call_context.current_training()
        return first.normalize(x, training, relu=True)
    except Exception as error:  # name the layer, as a plain layer call would
        raise _call_context.with_layer_context(error, first, x) from None


def _kind(node):
    """"conv" or "batch_norm" when the node's layer may start a fused pair, else None."""
    layer = node.layer
    if not layer.built or not node.is_plain_call or getattr(layer, "activity_regularizer", None) is not None:
        return None
    if type(layer).call is Conv2D.call and isinstance(layer, Conv2D):
        if layer.activation is activations.relu and layer.groups == 1:
            return "conv"
    if type(layer).call is BatchNormalization.call and isinstance(layer, BatchNormalization):
        return "batch_norm"
    return None


def _pool_after_conv(layer, conv):
    return (
        isinstance(layer, MaxPooling2D) and type(layer).call is MaxPooling2D.call
        and layer.padding == "valid" and layer.strides == layer.pool_size
        and layer.data_format == conv.data_format and layer.dtype == conv.dtype
    )


def _relu_after_batch_norm(layer, batch_norm):
    if layer.dtype != batch_norm.dtype:
        return False
    if isinstance(layer, Activation) and type(layer).call is Activation.call:
        return layer.activation is activations.relu
    return (
        isinstance(layer, ReLU) and type(layer).call is ReLU.call and layer.max_value is None
        and layer.negative_slope == 0 and layer.threshold == 0
    )


_FOLLOWERS = {"conv": _pool_after_conv, "batch_norm": _relu_after_batch_norm}
