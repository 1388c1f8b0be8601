"""`conv_relu_max_pool`: the tutorials' Conv2D(relu) + MaxPooling2D block as one op.

    conv_relu_max_pool(x, kernel, bias, pool_size=2)  ==  max_pool(relu(conv(x, kernel) + bias), 2)

The same numbers (ties in a window go to the first maximum, as PyTorch), but the convolution's
full-size output is never stored: see `strided.kernels.fast.conv_pool`. Models use it on their own
when a Conv2D with a ReLU feeds nothing but a MaxPooling2D (`strided.models.fusion`).
"""

import numpy as np

from strided._utils import normalize_tuple
from strided.autograd import Function, is_grad_enabled
from strided.kernels.dispatch import kernel_set
from strided.kernels.fast.im2col import conv_output_size
from strided.ops._conv_args import (
    channels_last_shape,
    spatial_args,
    to_channels_last,
    to_data_format,
)
from strided.ops.conv import conv_operands


class ConvReluMaxPool(Function):
    """P = max_pool(relu(conv(x, kernel) + bias)), channels-last inside, `data_format` at the edges."""

    def __init__(self, strides, pads, dilation, pool_size, data_format):
        self.strides, self.pads, self.dilation = strides, pads, dilation
        self.pool_size, self.data_format = pool_size, data_format

    def forward(self, x, kernel, bias=None):
        x = to_channels_last(x, self.data_format)
        self.kernels = kernel_set()  # fast or reference (`kernels.dispatch`), for both passes
        self.x_shape, self.kernel, self.has_bias = x.shape, kernel, bias is not None
        if bias is None:
            bias = np.zeros(kernel.shape[-1], kernel.dtype)
        keep = is_grad_enabled() and any(self.needs_input_grad)  # inference keeps nothing
        pooled, self.saved = self.kernels.conv_relu_maxpool_forward(
            x, kernel, bias, self.strides, self.pads, self.dilation, self.pool_size, keep,
            need_dx=self.needs_input_grad[0],
        )
        return to_data_format(pooled, self.data_format)

    def backward(self, gp):
        gp = np.ascontiguousarray(to_channels_last(gp, self.data_format))
        need_dx, need_dk = self.needs_input_grad[:2]
        need_db = self.has_bias and self.needs_input_grad[2]
        dx, dk, db = self.kernels.conv_relu_maxpool_backward(
            gp, self.saved, self.x_shape, self.kernel, self.strides, self.pads, self.dilation,
            self.pool_size, need_dx, need_dk, need_db,
        )
        dx = to_data_format(dx, self.data_format) if dx is not None else None
        return (dx, dk, db) if self.has_bias else (dx, dk)


def conv_relu_max_pool(inputs, kernel, bias=None, strides=1, padding="valid", data_format=None,
                       dilation_rate=1, pool_size=2):
    """`max_pool(relu(conv(inputs, kernel) + bias), pool_size)` in one pass (2-D, groups of 1).

    Args:
        inputs: (N, H, W, C), or (N, C, H, W) with data_format="channels_first".
        kernel: (kh, kw, C, F). bias: (F,) or None.
        strides, padding, dilation_rate: of the convolution, as `ops.conv`.
        pool_size: int or (ph, pw); the pooling is "valid" with strides == pool_size
            (Keras' MaxPooling2D default), so a conv row or column left over is dropped.

    Shape:
        (N, H'' , W'', F) with H'' = floor(H' / ph), H' the convolution's output size.

    Example:
        >>> x, k = np.ones((1, 6, 6, 1)), np.ones((3, 3, 1, 2))
        >>> conv_relu_max_pool(x, k, pool_size=2).shape
        (1, 2, 2, 2)
    """
    op = "conv_relu_max_pool"
    x, kernel, extra, data_format, groups = conv_operands(inputs, kernel, bias, data_format, op)
    if x.ndim != 4 or groups != 1:
        raise ValueError(
            f"{op}: needs a 2-D convolution (rank-4 input) with groups=1; received input shape "
            f"{x.shape} and kernel shape {kernel.shape}."
        )
    try:
        pool = normalize_tuple(pool_size, 2, "pool_size")
    except (TypeError, ValueError) as error:
        raise type(error)(f"{op}: {error}") from None
    spatial = channels_last_shape(x.shape, data_format)[1:3]
    strides, pads, dilation = spatial_args(op, spatial, kernel.shape[:2], strides, padding, dilation_rate)
    conv_size = [
        conv_output_size(size, k, s, sum(pair), d)
        for size, pair, k, s, d in zip(spatial, pads, kernel.shape[:2], strides, dilation)
    ]
    if any(p > size for p, size in zip(pool, conv_size)):
        raise ValueError(
            f"{op}: pool_size {pool} is larger than the convolution's output "
            f"({conv_size[0]}x{conv_size[1]}); input shape {x.shape}, kernel shape {kernel.shape}."
        )
    return ConvReluMaxPool.apply(
        x, kernel, *extra, strides=strides, pads=pads, dilation=dilation, pool_size=pool,
        data_format=data_format,
    )


__all__ = ["conv_relu_max_pool"]
