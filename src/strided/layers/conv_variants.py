"""Convolution variants: depthwise, separable (depthwise + 1x1) and transposed convolutions.

    DepthwiseConv2D:  each input channel filtered by its own `depth_multiplier` kernels;
                      kh*kw*C*M (+ C*M) parameters instead of kh*kw*C*O.
    SeparableConv2D:  DepthwiseConv2D followed by a 1x1 Conv2D mixing the channels.
    Conv2DTranspose:  the gradient of a convolution used as a layer: upsamples,
                      H' = (H - 1)*s + d*(k - 1) + 1 - 2p + output_padding ("same": H' = H*s).
"""

from strided import ops
from strided.layers import _layer_utils as U
from strided.layers.base import Layer
from strided.layers.conv import (
    BaseConv,
    _with_spatial,
    conv_spatial_sizes,
    set_window_arguments,
)


class BaseDepthwiseConv(Layer):
    """Shared by DepthwiseConv1D/2D and the depthwise part of SeparableConv1D/2D."""

    rank = None

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.depth_multiplier = U.check_positive_int(type(self).__name__, "depth_multiplier", depth_multiplier)
        set_window_arguments(self, kernel_size, strides, padding, data_format, dilation_rate)
        U.set_weight_arguments(
            self, activation=activation, use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint,
        )

    _input_channels = BaseConv._input_channels

    def _add_depthwise_kernel(self, channels, name):
        return U.add_configured_weight(self, "depthwise", self.kernel_size + (channels, self.depth_multiplier), name)

    def _finish(self, outputs):
        """The activation and activity penalty (the ops add the bias: `bias=self.bias`)."""
        return U.add_activity_penalty(self, self.activation(outputs))

    def _op_padding(self):
        return U.padding_for_op(self.padding, self.kernel_size, self.dilation_rate)

    _CONFIG = ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate",
               "activation", "use_bias", "depthwise_initializer", "bias_initializer", "depthwise_regularizer",
               "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint")

    def get_config(self):
        config = super().get_config()
        config.update(U.config_of(self, *self._CONFIG))
        return config


class _Depthwise(BaseDepthwiseConv):
    _traceable_inference = True

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self._add_depthwise_kernel(channels, "kernel")
        self.bias = U.add_bias(self, channels * self.depth_multiplier)
        self.built = True

    def call(self, inputs):
        outputs = ops.depthwise_conv(inputs, self.kernel, strides=self.strides, padding=self._op_padding(),
                                     data_format=self.data_format, dilation_rate=self.dilation_rate,
                                     bias=self.bias)
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        channels = input_shape[U.channel_axis(self.data_format)]
        out = None if channels is None else channels * self.depth_multiplier
        return _with_spatial(input_shape, conv_spatial_sizes(self, input_shape), out, self.data_format)


class DepthwiseConv2D(_Depthwise):
    """Depthwise 2-D convolution: every input channel convolved with its own kernel(s).

    Args: kernel_size, strides=(1, 1), padding="valid" (or explicit ints), depth_multiplier=1,
    data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
    depthwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer,
    bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint.

    Weights: kernel (kh, kw, C, depth_multiplier), bias (C * depth_multiplier,).

    Shape: (N, H, W, C) -> (N, H', W', C * depth_multiplier), H' as Conv2D.

    Example:
        >>> DepthwiseConv2D(3, depth_multiplier=2)(np.zeros((1, 8, 8, 4))).shape
        (1, 6, 6, 8)
    """

    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation, use_bias,
            depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, bias_constraint, **kwargs,
        )


class DepthwiseConv1D(_Depthwise):
    """Depthwise 1-D convolution; as DepthwiseConv2D with one spatial axis (kernel (k, C, M))."""

    rank = 1


class _Separable(BaseDepthwiseConv):
    _traceable_inference = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation, use_bias,
            depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, bias_constraint, **kwargs,
        )
        self.filters = U.check_positive_int(type(self).__name__, "filters", filters)
        U.set_weight_arguments(
            self, pointwise_initializer=pointwise_initializer, pointwise_regularizer=pointwise_regularizer,
            pointwise_constraint=pointwise_constraint,
        )

    _CONFIG = BaseDepthwiseConv._CONFIG + (
        "filters", "pointwise_initializer", "pointwise_regularizer", "pointwise_constraint")

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.depthwise_kernel = self._add_depthwise_kernel(channels, "depthwise_kernel")
        self.pointwise_kernel = U.add_configured_weight(
            self, "pointwise", (1,) * self.rank + (channels * self.depth_multiplier, self.filters), "pointwise_kernel"
        )
        self.bias = U.add_bias(self, self.filters)
        self.built = True

    def call(self, inputs):
        outputs = ops.separable_conv(
            inputs, self.depthwise_kernel, self.pointwise_kernel, strides=self.strides,
            padding=self._op_padding(), data_format=self.data_format, dilation_rate=self.dilation_rate,
            bias=self.bias,
        )
        return self._finish(outputs)

    def compute_output_shape(self, input_shape):
        return _with_spatial(input_shape, conv_spatial_sizes(self, input_shape), self.filters, self.data_format)


class SeparableConv2D(_Separable):
    """Depthwise-separable 2-D convolution: DepthwiseConv2D, then a 1x1 convolution to `filters`.

    Args: filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
    dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
    depthwise_initializer, pointwise_initializer ("glorot_uniform"), bias_initializer ("zeros"),
    depthwise/pointwise/bias/activity regularizers and depthwise/pointwise/bias constraints.

    Weights: depthwise_kernel (kh, kw, C, M), pointwise_kernel (1, 1, C*M, filters), bias (filters,).

    Shape: (N, H, W, C) -> (N, H', W', filters).

    Example:
        >>> SeparableConv2D(16, 3, padding="same")(np.zeros((1, 8, 8, 4))).shape   # 36 + 64 + 16 params
        (1, 8, 8, 16)
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier, activation,
            use_bias, depthwise_initializer, pointwise_initializer, bias_initializer, depthwise_regularizer,
            pointwise_regularizer, bias_regularizer, activity_regularizer, depthwise_constraint,
            pointwise_constraint, bias_constraint, **kwargs,
        )


class SeparableConv1D(_Separable):
    """Depthwise-separable 1-D convolution; as SeparableConv2D with one spatial axis."""

    rank = 1


SeparableConvolution2D = SeparableConv2D

__all__ = ["DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "SeparableConvolution2D"]
