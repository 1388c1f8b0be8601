"""Conv2DTranspose: a learned upsampling (the gradient of a convolution, used as a layer).

Each input pixel stamps a copy of the kernel, scaled by its value, onto a canvas `s` times
larger; overlapping stamps add up. Output size of each spatial axis:

    "valid":  H' = H*s + max(k_eff - s, 0)                      (k_eff = d*(k - 1) + 1)
    "same":   H' = H*s
    int p:    H' = (H - 1)*s + k_eff - 2p + output_padding      (PyTorch's ConvTranspose2d)
    with output_padding given: H' = (H - 1)*s + k_eff - 2*pad + output_padding
"""

from strided import _config, ops
from strided._utils import normalize_tuple
from strided.layers import _layer_utils as U
from strided.layers.base import Layer
from strided.layers.conv import BaseConv, _bias_view, _tuple, _with_spatial


class TransposedConv(Layer):
    """What the transposed convolutions of every rank share (Conv1D/2D/3DTranspose): the
    common arguments (`_set_common_arguments`, with Keras' check that `output_padding` is
    smaller than `strides`) and the weights, kernel (*kernel_size, filters, in_channels) then
    bias (filters,)."""

    rank = None

    def _set_common_arguments(self, filters, kernel_size, strides, dilation_rate, output_padding,
                              data_format, **weight_arguments):
        name = type(self).__name__
        self.filters = U.check_positive_int(name, "filters", filters)
        self.kernel_size = _tuple(name, kernel_size, self.rank, "kernel_size")
        self.strides = _tuple(name, strides, self.rank, "strides")
        self.dilation_rate = _tuple(name, dilation_rate, self.rank, "dilation_rate")
        self.output_padding = None
        if output_padding is not None:
            try:
                self.output_padding = normalize_tuple(output_padding, self.rank, "output_padding", allow_zero=True)
            except (TypeError, ValueError) as error:
                raise type(error)(f"{name}: {error}") from None
            if any(p >= s and p > 0 for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(
                    f"{name}: `output_padding` must be smaller than `strides`. Received: output_padding="
                    f"{self.output_padding}, strides={self.strides}"
                )
        self.data_format = _config.standardize_data_format(data_format)
        U.set_weight_arguments(self, **weight_arguments)

    _input_channels = BaseConv._input_channels

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = U.add_configured_weight(self, "kernel", self.kernel_size + (self.filters, channels))
        self.bias = U.add_bias(self, self.filters)
        self.built = True


class Conv2DTranspose(TransposedConv):
    """Transposed 2-D convolution ("deconvolution"), e.g. to upsample in a decoder.

    Args:
        filters: number of output channels.
        kernel_size, strides: int or pair (strides default 1).
        padding: "valid", "same", or an explicit int / (ph, pw) (symmetric, as PyTorch).
        output_padding: None or int/pair (< strides): extra rows/columns at the bottom/right.
        data_format, dilation_rate, activation, use_bias, initializers, regularizers,
        constraints: as Conv2D.

    Weights: kernel (kh, kw, filters, in_channels) — Keras' layout — then bias (filters,).

    Shape: (N, H, W, C) -> (N, H', W', filters), see the module docstring for H'.

    Example:
        >>> Conv2DTranspose(8, 3, strides=2, padding="same")(np.zeros((1, 7, 7, 16))).shape
        (1, 14, 14, 8)
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
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
        self.padding = U.normalize_padding(name, padding, 2)
        if not isinstance(self.padding, str) and any(before != after for before, after in self.padding):
            raise ValueError(
                f"{name}: an explicit `padding` must be symmetric (an int or one int per axis). "
                f"Received: padding={padding!r}"
            )

    def _op_padding(self):
        return self.padding if isinstance(self.padding, str) else tuple(before for before, _ in self.padding)

    def call(self, inputs):
        outputs = ops.conv_transpose(
            inputs, self.kernel, strides=self.strides, padding=self._op_padding(),
            output_padding=self.output_padding, data_format=self.data_format, dilation_rate=self.dilation_rate,
        )
        if self.bias is not None:
            outputs = ops.add(outputs, _bias_view(self.bias, self.data_format, 2))
        return U.add_activity_penalty(self, self.activation(outputs))

    def compute_output_shape(self, input_shape):
        U.check_input_rank(type(self).__name__, input_shape, 2, self.data_format)
        sizes = []
        for i, axis in enumerate(U.spatial_axes(self.data_format, 4)):
            pad = self.padding if isinstance(self.padding, str) else self.padding[i]
            out_pad = None if self.output_padding is None else self.output_padding[i]
            size = U.conv_transpose_output_length(
                input_shape[axis], self.kernel_size[i], self.strides[i], pad, out_pad, self.dilation_rate[i]
            )
            if size is not None and size <= 0:
                raise ValueError(
                    f"{type(self).__name__}: padding={self.padding!r} leaves no output for input shape "
                    f"{tuple(input_shape)}."
                )
            sizes.append(size)
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


Convolution2DTranspose = Conv2DTranspose

__all__ = ["Conv2DTranspose", "Convolution2DTranspose"]
