"""Layer fusion: a model runs `Conv2D(activation="relu")` followed by `MaxPooling2D` as one op.

The block every tutorial CNN is made of,

    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)

computes the same numbers with `ops.conv_relu_max_pool`, which never stores the convolution's
full-size output (see `strided.kernels.conv_pool`; about 1.4x faster for this pair in training,
and inference at batch 1000 no longer streams hundreds of MB through memory).

A pair is fused only when nothing could tell the difference: the conv's output goes to that
pooling layer alone and is not an output of the model; both layers are the stock classes (a
subclass overriding `call` is left alone); the conv is 2-D with groups=1 and no activity
regularizer; the pooling is "valid" with strides == pool_size, in the same data format.
`strided.set_fusion(False)` turns fusion off (to compare, or to step through the plain ops).
"""

from strided import _config, activations, ops
from strided.layers import _call_context
from strided.layers.conv import Conv2D
from strided.layers.pooling import MaxPooling2D


def fused_pairs(nodes, output_tensors):
    """{id(pool node): (conv node, pool node)} for every fusable Conv2D -> MaxPooling2D pair.

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
        if len(node.output_tensors) != 1 or not _fusable_conv(node):
            continue
        tensor = node.output_tensors[0]
        users = consumers.get(id(tensor), [])
        if id(tensor) in outputs or len(users) != 1:
            continue
        pool = users[0]
        if pool.arguments is tensor and _fusable_pool(pool, node.layer):
            pairs[id(pool)] = (node, pool)
    return pairs


def unpatched(pairs):
    """The pairs whose layers still run their class's `call`: `strided.viz` records a layer's
    output by setting `layer.call` on the instance, and then that layer must run on its own."""
    return {
        key: (conv, pool) for key, (conv, pool) in pairs.items()
        if "call" not in vars(conv.layer) and "call" not in vars(pool.layer)
    }


def run_pair(conv, pool, inputs):
    """pool(conv(inputs)) computed by one op (the layers must be a pair `fused_pairs` found)."""
    x = conv._convert_inputs(inputs)
    try:
        return ops.conv_relu_max_pool(
            x, conv.kernel, conv.bias, strides=conv.strides, padding=conv.padding,
            data_format=conv.data_format, dilation_rate=conv.dilation_rate, pool_size=pool.pool_size,
        )
    except Exception as error:  # name the layer, as a plain layer call would
        raise _call_context.with_layer_context(error, conv, x) from None


def _plain_call(node):
    return not node.extra_args and set(node.call_kwargs) <= {"training"}


def _fusable_conv(node):
    layer = node.layer
    return (
        isinstance(layer, Conv2D) and type(layer).call is Conv2D.call and layer.built
        and _plain_call(node) and layer.activation is activations.relu and layer.groups == 1
        and getattr(layer, "activity_regularizer", None) is None
    )


def _fusable_pool(node, conv):
    layer = node.layer
    return (
        isinstance(layer, MaxPooling2D) and type(layer).call is MaxPooling2D.call
        and _plain_call(node) and layer.padding == "valid" and layer.strides == layer.pool_size
        and layer.data_format == conv.data_format and layer.dtype == conv.dtype
    )
