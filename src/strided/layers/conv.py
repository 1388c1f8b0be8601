"""Convolution layers: Conv1D and Conv2D (a kernel slid over the input, as Keras' base_conv).

Output size of each spatial axis (the lessons' formula; d = dilation, p = padding per side):

    "valid":   H' = floor((H - d*(k - 1) - 1) / s) + 1        (d = 1: floor((H - k) / s) + 1)
    "same":    H' = ceil(H / s)
    int p:     H' = floor((H + 2p - d*(k - 1) - 1) / s) + 1   (an explicit padding, as PyTorch)
"""

from strided import _config, activations, ops
from strided._utils import normalize_tuple
from strided.layers import _layer_utils as U
from strided.layers.base import Layer


class BaseConv(Layer):
    """The shared machinery of Conv1D / Conv2D (rank = number of spatial axes)."""

    rank = None

    _traceable_inference = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.filters = U.check_positive_int(name, "filters", filters)
        self.groups = U.check_positive_int(name, "groups", groups)
        if self.filters % self.groups:
            raise ValueError(
                f"{name}: the number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}"
            )
        set_window_arguments(self, kernel_size, strides, padding, data_format, dilation_rate)
        U.set_weight_arguments(
            self, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
        )

    def _input_channels(self, input_shape):
        name = type(self).__name__
        U.check_input_rank(name, input_shape, self.rank, self.data_format)
        channels = input_shape[U.channel_axis(self.data_format)]
        if channels is None:
            raise ValueError(f"{name}: the channel axis of the input must be known. Received input shape {tuple(input_shape)}.")
        return channels

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{type(self).__name__}: the number of input channels must be evenly divisible by the number of "
                f"groups. Received groups={self.groups}, but the input has {channels} channels (full input shape "
                f"is {tuple(input_shape)})."
            )
        self.compute_output_shape(input_shape)  # raises if the output would be empty
        self.kernel = U.add_configured_weight(self, "kernel", self.kernel_size + (channels // self.groups, self.filters))
        self.bias = U.add_bias(self, self.filters)
        self.built = True

    def call(self, inputs):
        # One op for conv + bias (+ ReLU): the bias rides in the GEMM, the ReLU runs in place.
        fused = "relu" if self.activation is activations.relu else None
        outputs = ops.conv_bias_activation(
            inputs, self.kernel, self.bias, fused, strides=self.strides, data_format=self.data_format,
            padding=U.padding_for_op(self.padding, self.kernel_size, self.dilation_rate),
            dilation_rate=self.dilation_rate,
        )
        if not fused:
            outputs = self.activation(outputs)
        return U.add_activity_penalty(self, outputs)

    def compute_output_shape(self, input_shape):
        sizes = conv_spatial_sizes(self, input_shape)
        return _with_spatial(input_shape, sizes, self.filters, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(U.config_of(
            self, "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
            "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
            "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
        ))
        return config


def set_window_arguments(layer, kernel_size, strides, padding, data_format, dilation_rate):
    """Check and store the sliding-window arguments shared by every convolution of rank
    `layer.rank` (regular, depthwise, separable): kernel_size, strides and dilation_rate as
    tuples (strides and dilation both above 1 is refused), padding ("causal" only in 1-D) and
    data_format."""
    name, rank = type(layer).__name__, layer.rank
    layer.kernel_size = _tuple(name, kernel_size, rank, "kernel_size")
    layer.strides = _tuple(name, strides, rank, "strides")
    layer.dilation_rate = _tuple(name, dilation_rate, rank, "dilation_rate")
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError(
            f"{name}: `strides > 1` is not supported together with `dilation_rate > 1`. "
            f"Received: strides={layer.strides} and dilation_rate={layer.dilation_rate}"
        )
    layer.padding = U.normalize_padding(name, padding, rank, allow_causal=rank == 1)
    layer.data_format = _config.standardize_data_format(data_format)


def conv_spatial_sizes(layer, input_shape):
    """The output's spatial sizes for `layer`'s kernel_size, strides, padding and dilation_rate,
    with a clear error when the kernel does not fit in the (padded) input."""
    name = type(layer).__name__
    U.check_input_rank(name, input_shape, layer.rank, layer.data_format)
    axes = U.spatial_axes(layer.data_format, len(input_shape))
    sizes = []
    for i, axis in enumerate(axes):
        pad = layer.padding if isinstance(layer.padding, str) else layer.padding[i]
        size = U.conv_output_length(
            input_shape[axis], layer.kernel_size[i], layer.strides[i], pad, layer.dilation_rate[i]
        )
        if size is not None and size <= 0:
            raise ValueError(
                f"{name}: the kernel (kernel_size={layer.kernel_size}, dilation_rate={layer.dilation_rate}) "
                f"does not fit in the input (shape {tuple(input_shape)}) with padding={layer.padding!r}: the "
                f"output would have size {size}. Use padding='same' or a smaller kernel."
            )
        sizes.append(size)
    return sizes


def _tuple(layer, value, n, name):
    try:
        return normalize_tuple(value, n, name)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{layer}: {error}") from None


def _bias_view(bias, data_format, rank):
    """The bias shaped to broadcast over the output: (C,) channels-last, (C, 1, 1) channels-first."""
    if data_format == "channels_last":
        return bias
    return ops.reshape(bias, (bias.shape[0],) + (1,) * rank)


def _with_spatial(input_shape, sizes, channels, data_format):
    if data_format == "channels_last":
        return (input_shape[0], *sizes, channels)
    return (input_shape[0], channels, *sizes)


class Conv1D(BaseConv):
    """1-D convolution over sequences (batch, steps, channels).

    Args as Conv2D with one spatial axis; `padding` may also be "causal" (pad only on the
    left, so output t never sees inputs after t).

    Weights: kernel (k, in_channels // groups, filters), bias (filters,).

    Shape: (batch, steps, channels) -> (batch, new_steps, filters).

    Example:
        >>> Conv1D(8, 3)(np.zeros((2, 10, 4))).shape
        (2, 8, 8)
    """

    rank = 1  # BaseConv's arguments, whose defaults are Conv1D's


class Conv2D(BaseConv):
    """2-D convolution over images: each of `filters` kernels slides over the input and
    produces one feature map (a cross-correlation, as in every deep-learning library).

    Args:
        filters: number of output channels.
        kernel_size: int or (kh, kw).
        strides: int or (sh, sw), default 1.
        padding: "valid" (no padding), "same" (output ceil(H / s)), or explicit ints /
            (before, after) pairs per axis (a superset of Keras, as PyTorch's `padding=1`).
        data_format: "channels_last" (N, H, W, C, default) or "channels_first" (N, C, H, W).
        dilation_rate: int or pair, spacing between kernel taps.
        groups: split the input channels into groups convolved separately.
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as Dense.

    Weights: kernel (kh, kw, in_channels // groups, filters), then bias (filters,).
    Parameters: kh * kw * in / groups * filters + filters (Conv2D(32, 3) on 1 channel: 320).

    Shape: (N, H, W, C) -> (N, H', W', filters), H' = floor((H + 2p - d*(kh - 1) - 1) / s) + 1.

    Example:
        >>> Conv2D(32, (3, 3), activation="relu")(np.zeros((1, 28, 28, 1))).shape
        (1, 26, 26, 32)
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(
            filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )


Convolution1D, Convolution2D = Conv1D, Conv2D

__all__ = ["Conv1D", "Conv2D", "Convolution1D", "Convolution2D"]
