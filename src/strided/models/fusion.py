"""Layer fusion: a model runs the common runs of layers as one op each.

The block every tutorial CNN is made of,

    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)

computes the same numbers with `ops.conv_relu_max_pool`, which never stores the convolution's
full-size output (see `strided.kernels.conv_pool`; faster for this pair in training, and
inference at batch 1000 no longer streams the full-size maps through memory; docs/speed.md). The
CIFAR network's

    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)        # or layers.ReLU()

runs as `BatchNormalization.normalize(x, training, relu=True)`: while training, the ReLU is
applied to each chunk of the normalised output while it is in cache, and its mask to the
gradient in batch norm's first backward pass (`ops.batch_norm_train(..., relu=True)`). And the
block of ResNet, MobileNet and most modern CNNs,

    x = layers.Conv2D(64, 3, use_bias=False)(x)          # or DepthwiseConv2D
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)                     # optional

runs, whenever the batch norm uses its moving statistics and no gradient flows through the
block (predict, evaluate, a frozen base model in transfer learning), as one convolution with the
batch norm folded into its kernel and bias (`ops.batch_norm_fold`: what TensorFlow's graph
optimizer and PyTorch's `fuse_conv_bn_eval` do), the ReLU applied in place: two passes over the
feature map fewer, and the same numbers up to float rounding. The fold is made of ops on the
layers' variables, so a replayed inference trace reads the current weights. While a gradient
flows through the block (fit, even with a frozen batch norm after a trainable convolution) the
convolution runs as it is and the batch norm (+ ReLU) after it: the folded kernel's gradient
would be scaled after the sum over the batch, and so differ in the last bit between one
process and several.

A run is fused only when nothing could tell the difference: each layer's output goes to the next
alone and is not an output of the model; the layers are the stock classes (a subclass overriding
`call` is left alone) and are called on their inputs alone; the first has no activity
regularizer. Conv2D + MaxPooling2D: the conv is 2-D with groups=1 and the pooling "valid" with
strides == pool_size, in the same data format. Conv2D / DepthwiseConv2D + BatchNormalization:
the conv has no activation, the batch norm normalises the conv's channel axis alone.
`strided.set_fusion(False)` turns fusion off (to compare, or to step through the plain ops).
"""

import math

from strided import _config, activations, ops
from strided.autograd import is_grad_enabled
from strided.kernels import collective
from strided.layers import _call_context
from strided.layers import _layer_utils as U
from strided.layers.activation import ReLU
from strided.layers.conv import Conv2D
from strided.layers.conv_variants import DepthwiseConv2D
from strided.layers.core import Activation
from strided.layers.normalization import BatchNormalization
from strided.layers.pooling import MaxPooling2D


def fused_groups(nodes, output_tensors):
    """{id(last node): (first node, ..., last node)} for every run of layers computed as one op.

    Empty when fusion is turned off (`strided.set_fusion(False)`).
    """
    if not _config.fusion_enabled():
        return {}
    consumers = {}
    for node in nodes:
        for tensor in node.input_tensors:
            consumers.setdefault(id(tensor), []).append(node)
    outputs = {id(t) for t in output_tensors}

    def only_user(node):
        """The node that alone uses `node`'s output, on that output alone, else None."""
        if len(node.output_tensors) != 1:
            return None
        tensor = node.output_tensors[0]
        users = consumers.get(id(tensor), [])
        if id(tensor) in outputs or len(users) != 1:
            return None
        user = users[0]
        return user if user.arguments is tensor and user.is_plain_call else None

    groups, taken = {}, set()
    for node in nodes:
        if id(node) in taken:
            continue
        group = _longest_run(node, only_user)
        if len(group) > 1:
            groups[id(group[-1])] = group
            taken.update(id(n) for n in group)
    return groups


def _longest_run(node, only_user):
    """The nodes of the fusable run that starts at `node` (just `node` when there is none)."""
    kind = _kind(node)
    run = [node]
    while kind is not None:
        user = only_user(run[-1])
        if user is None:
            break
        kind = _next_kind(kind, user.layer, run[-1].layer)
        if kind is None:
            break
        run.append(user)
    return tuple(run)


def unpatched(groups):
    """The groups whose layers all still run their class's `call`: `strided.viz` records a
    layer's output by setting `layer.call` on the instance, and then that layer runs on its own."""
    return {key: group for key, group in groups.items() if not any("call" in vars(n.layer) for n in group)}


def run_group(group, inputs):
    """The last node's output for the input of the first: a group `fused_groups` found, as one op."""
    layers = [node.layer for node in group]
    first = layers[0]
    x = first._convert_inputs(inputs)
    try:
        if isinstance(layers[1], MaxPooling2D):
            return ops.conv_relu_max_pool(
                x, first.kernel, first.bias, strides=first.strides, padding=first.padding,
                data_format=first.data_format, dilation_rate=first.dilation_rate,
                pool_size=layers[1].pool_size,
            )
        if isinstance(first, BatchNormalization):
            return first.normalize(x, _training_of(group[0]), relu=True)
        return _conv_batch_norm(group, x)
    except Exception as error:  # name the layer, as a plain layer call would
        raise _call_context.with_layer_context(error, first, x) from None


def _training_of(node):
    """The training mode a node runs in: its own `training=` argument, else the running call's."""
    training = node.call_kwargs.get("training")
    return _call_context.current_training() if training is None else training


def _conv_batch_norm(group, x):
    """Conv -> BatchNormalization (-> ReLU): folded while the batch norm uses its moving
    statistics, else the convolution and then the batch norm (with the ReLU fused)."""
    conv, norm = group[0].layer, group[1].layer
    relu = len(group) == 3
    training = _training_of(group[1])
    if (training and norm.trainable) or _records_gradient(x, conv, norm) or not _fold_pays(conv, x):
        return norm.normalize(conv.call(x), training, relu=relu)
    kernel, bias = folded_kernel_and_bias(conv, norm)
    if _is_depthwise(conv):
        y = ops.depthwise_conv(x, kernel, strides=conv.strides, padding=conv._op_padding(),
                               data_format=conv.data_format, dilation_rate=conv.dilation_rate, bias=bias)
        return ops.relu(y) if relu else y
    padding = U.padding_for_op(conv.padding, conv.kernel_size, conv.dilation_rate)
    return ops.conv_bias_activation(x, kernel, bias, "relu" if relu else None, strides=conv.strides,
                                    padding=padding, data_format=conv.data_format,
                                    dilation_rate=conv.dilation_rate)


def _records_gradient(x, conv, norm):
    """Whether a gradient will flow through the group: to its input or to one of its weights
    (a frozen base model's layers, `trainable = False`, record none)."""
    weights = (conv.kernel, conv.bias, norm.gamma, norm.beta)
    return is_grad_enabled() and (x.requires_grad or any(w is not None and w.requires_grad for w in weights))


def _fold_pays(conv, x):
    """Whether folding costs less than the batch norm's pass: the fold reads and writes the
    whole kernel on every call (the weights may have changed since the last), the batch norm
    pass the whole output; per output channel, kh * kw * (input channels per group) values
    against the output's positions (batch x output height x width, from the input's size and
    the strides). The batch is the whole batch when ranks share it (`collective.whole_batch`):
    every rank, and one process alone, choose alike, and compute the same numbers."""
    spatial = x.shape[1:3] if conv.data_format == "channels_last" else x.shape[2:4]
    positions = collective.whole_batch(x.shape[0]) * math.prod(-(-n // s) for n, s in zip(spatial, conv.strides))
    return positions >= math.prod(conv.kernel.shape[:-1]) // (conv.kernel.shape[-2] if _is_depthwise(conv) else 1)


def _is_depthwise(conv):
    return isinstance(conv, DepthwiseConv2D)


def folded_kernel_and_bias(conv, norm):
    """The kernel and bias of one convolution computing `norm(conv(x))` with moving statistics
    (`ops.batch_norm_fold`: differentiable, and recorded by an inference trace)."""
    return ops.batch_norm_fold(conv.kernel, conv.bias, norm.moving_mean, norm.moving_variance, norm.gamma,
                               norm.beta, norm.epsilon, depthwise=_is_depthwise(conv))


def _kind(node):
    """How the node's layer may start a fused run ("conv_relu", "conv", "batch_norm"), else None."""
    layer = node.layer
    if not layer.built or not node.is_plain_call or getattr(layer, "activity_regularizer", None) is not None:
        return None
    if type(layer).call is Conv2D.call and isinstance(layer, Conv2D):
        if layer.activation is activations.relu and layer.groups == 1:
            return "conv_relu"
        if layer.activation is activations.linear:
            return "conv"
    if type(layer) is DepthwiseConv2D and layer.activation is activations.linear:
        return "conv"
    if type(layer).call is BatchNormalization.call and isinstance(layer, BatchNormalization):
        return "batch_norm"
    return None


def _next_kind(kind, layer, previous):
    """The kind of the run once `layer` joins it after `previous`, or None when it cannot."""
    if layer.dtype != previous.dtype:
        return None
    if kind == "conv_relu" and _pool_after_conv(layer, previous):
        return "end"
    if kind == "conv" and _batch_norm_after_conv(layer, previous):
        return "conv_batch_norm"
    if kind in ("batch_norm", "conv_batch_norm") and _is_relu(layer):
        return "end"
    return None


def _pool_after_conv(layer, conv):
    return (
        isinstance(layer, MaxPooling2D) and type(layer).call is MaxPooling2D.call
        and layer.padding == "valid" and layer.strides == layer.pool_size
        and layer.data_format == conv.data_format
    )


def _batch_norm_after_conv(layer, conv):
    if not (isinstance(layer, BatchNormalization) and type(layer).call is BatchNormalization.call
            and layer.built and len(layer._axes) == 1):
        return False
    channel_axis = 3 if conv.data_format == "channels_last" else 1
    return layer._axes[0] == channel_axis and getattr(layer, "activity_regularizer", None) is None


def _is_relu(layer):
    if isinstance(layer, Activation) and type(layer).call is Activation.call:
        return layer.activation is activations.relu
    return (
        isinstance(layer, ReLU) and type(layer).call is ReLU.call and layer.max_value is None
        and layer.negative_slope == 0 and layer.threshold == 0
    )
