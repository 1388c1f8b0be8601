"""Conv1DTranspose: the transposed 1-D convolution, as a 2-D one over a height-1 image.

A sequence (N, L, C) is the image (N, 1, L, C) and a kernel (k, filters, C) is (1, k,
filters, C); the 2-D transposed convolution (`ops.conv_transpose`) then does the work.
Output length (Keras' `deconv_output_length`, k_eff = d*(k - 1) + 1):

    "valid":  L' = L*s + max(k_eff - s, 0)      "same":  L' = L*s
    with output_padding op:  L' = (L - 1)*s + k_eff - pad_total + op
"""

from strided import ops
from strided.layers import _layer_utils as U
from strided.layers.conv import _bias_view, _with_spatial
from strided.layers.conv_transpose import TransposedConv


class Conv1DTranspose(TransposedConv):
    """Transposed 1-D convolution: upsample sequences with a learned kernel.

    Args:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: int or 1-tuple.
        padding: "valid" or "same".
        output_padding: None or int (< strides): extra steps at the end.
        data_format: "channels_last" (N, L, C) or "channels_first" (N, C, L).
        activation, use_bias, *_initializer, *_regularizer, *_constraint: as Conv1D.

    Weights: kernel (k, filters, in_channels) — Keras' layout — then bias (filters,).

    Shape: (N, L, C) -> (N, L', filters), see the module docstring for L'.

    Example:
        >>> Conv1DTranspose(4, 3, strides=2, padding="same")(np.zeros((1, 5, 8))).shape
        (1, 10, 4)
    """

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
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
        height_axis = 1 if self.data_format == "channels_last" else 2
        images = ops.expand_dims(inputs, height_axis)  # (N, 1, L, C) or (N, C, 1, L)
        kernel = ops.expand_dims(self.kernel, 0)  # (1, k, filters, C)
        output_padding = None if self.output_padding is None else (0, self.output_padding[0])
        outputs = ops.conv_transpose(
            images, kernel, strides=(1, self.strides[0]), padding=self.padding, output_padding=output_padding,
            data_format=self.data_format, dilation_rate=(1, self.dilation_rate[0]),
        )
        outputs = ops.squeeze(outputs, axis=height_axis)
        if self.bias is not None:
            outputs = ops.add(outputs, _bias_view(self.bias, self.data_format, 1))
        return U.add_activity_penalty(self, self.activation(outputs))

    def compute_output_shape(self, input_shape):
        U.check_input_rank(type(self).__name__, input_shape, 1, self.data_format)
        axis = 1 if self.data_format == "channels_last" else 2
        out_pad = None if self.output_padding is None else self.output_padding[0]
        size = U.conv_transpose_output_length(
            input_shape[axis], self.kernel_size[0], self.strides[0], self.padding, out_pad, self.dilation_rate[0]
        )
        return _with_spatial(input_shape, [size], self.filters, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(U.config_of(
            self, "filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
            "dilation_rate", "activation", "use_bias", "kernel_initializer", "bias_initializer",
            "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
            "bias_constraint",
        ))
        return config


Convolution1DTranspose = Conv1DTranspose

__all__ = ["Conv1DTranspose", "Convolution1DTranspose"]
