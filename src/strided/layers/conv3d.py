"""Volumetric convolution layers: Conv3D and Conv3DTranspose (medical scans, video clips).

A kernel (kd, kh, kw) slides over depth, height and width (`ops.conv3d`); the transposed
layer stamps it onto a larger volume (`ops.conv3d_transpose`). Output size per spatial axis:

    Conv3D:           D' = floor((D + 2p - d*(k - 1) - 1) / s) + 1       ("same": ceil(D / s))
    Conv3DTranspose:  D' = D*s + max(k_eff - s, 0) ("valid"), D*s ("same"),
                      (D - 1)*s + k_eff - pad_total + output_padding (output_padding given)
"""

from strided import ops
from strided.layers import _layer_utils as U
from strided.layers.conv import BaseConv, _bias_view, _with_spatial
from strided.layers.conv_transpose import TransposedConv


class Conv3D(BaseConv):
    """3-D convolution over volumes (N, D, H, W, C).

    Args:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: int or 3 ints.
        padding: "valid", "same", or explicit ints / (before, after) pairs per axis.
        data_format: "channels_last" (N, D, H, W, C, default) or "channels_first" (N, C, D, H, W).
        groups: split the input channels into groups convolved separately (default 1).
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as Conv2D.

    Weights: kernel (kd, kh, kw, in_channels // groups, filters), then bias (filters,).
    Parameters: kd * kh * kw * in * filters + filters (Conv3D(8, 3) on 1 channel: 224).

    Shape: (N, D, H, W, C) -> (N, D', H', W', filters), see the module docstring.

    Example:
        >>> Conv3D(8, 3, activation="relu")(np.zeros((1, 6, 6, 6, 1))).shape
        (1, 4, 4, 4, 8)
    """

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
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

    def call(self, inputs):
        outputs = ops.conv3d(
            inputs, self.kernel, self.bias, strides=self.strides, padding=self.padding,
            data_format=self.data_format, dilation_rate=self.dilation_rate,
        )
        return U.add_activity_penalty(self, self.activation(outputs))


class Conv3DTranspose(TransposedConv):
    """Transposed 3-D convolution: upsample volumes with a learned kernel (3-D U-Net decoders).

    Args:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: int or 3 ints.
        padding: "valid" or "same".
        output_padding: None, int or 3 ints (< strides): extra voxels at the end of each axis.
        data_format, activation, use_bias, initializers, regularizers, constraints: as Conv3D.

    Weights: kernel (kd, kh, kw, filters, in_channels) — Keras' layout — then bias (filters,).

    Shape: (N, D, H, W, C) -> (N, D', H', W', filters), see the module docstring.

    Example:
        >>> Conv3DTranspose(4, 3, strides=2, padding="same")(np.zeros((1, 3, 3, 3, 8))).shape
        (1, 6, 6, 6, 4)
    """

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 output_padding=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._set_common_arguments(
            filters, kernel_size, strides, dilation_rate, output_padding, data_format,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
        )
        name = type(self).__name__
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{name}: `padding` must be 'valid' or 'same'. Received: padding={padding!r}")
        self.padding = padding.lower()

    def call(self, inputs):
        outputs = ops.conv3d_transpose(
            inputs, self.kernel, strides=self.strides, padding=self.padding, output_padding=self.output_padding,
            data_format=self.data_format, dilation_rate=self.dilation_rate,
        )
        if self.bias is not None:
            outputs = ops.add(outputs, _bias_view(self.bias, self.data_format, 3))
        return U.add_activity_penalty(self, self.activation(outputs))

    def compute_output_shape(self, input_shape):
        U.check_input_rank(type(self).__name__, input_shape, 3, self.data_format)
        sizes = []
        for i, axis in enumerate(U.spatial_axes(self.data_format, 5)):
            out_pad = None if self.output_padding is None else self.output_padding[i]
            sizes.append(U.conv_transpose_output_length(
                input_shape[axis], self.kernel_size[i], self.strides[i], self.padding, out_pad, self.dilation_rate[i]
            ))
        return _with_spatial(input_shape, sizes, self.filters, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(U.config_of(
            self, "filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
            "dilation_rate", "activation", "use_bias", "kernel_initializer", "bias_initializer",
            "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
            "bias_constraint",
        ))
        return config


Convolution3D, Convolution3DTranspose = Conv3D, Conv3DTranspose

__all__ = ["Conv3D", "Conv3DTranspose", "Convolution3D", "Convolution3DTranspose"]
