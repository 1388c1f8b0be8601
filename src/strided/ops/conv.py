"""Convolution ops: `conv` (1-D and 2-D, grouped), `depthwise_conv`, `separable_conv`.

Keras 3 `keras.ops` signatures; kernel layout (kh, kw, in_channels / groups, out_channels).
`padding` is "valid", "same", or (a superset of Keras) explicit zero padding: an int, (ph, pw),
or ((top, bottom), (left, right)). Output size per spatial axis:

    H' = floor((H + p_top + p_bottom - d*(k_h - 1) - 1) / s) + 1
"""

import numpy as np

from strided.autograd import Function, Tensor, is_grad_enabled
from strided.kernels.dispatch import kernel_set
from strided.ops._base import as_tensor
from strided.ops._conv_args import (
    channels_last_shape,
    check_input,
    check_kernel,
    spatial_args,
    to_channels_last,
    to_data_format,
)
from strided.ops.shape import expand_dims, reshape, squeeze


class Conv2D(Function):
    """y = activation(im2col(x) @ kernel + bias); channels-last inside, `data_format` at the edges.

    The bias and a ReLU are optional fusions (used by the Conv layers): the bias is added by the
    GEMM itself (a column of ones in the im2col matrix) and the ReLU is applied in place on the
    GEMM's output, so neither costs an extra pass over the feature maps. Kernel taps that read
    only padding (a 3x3 kernel on a 1x1 map) are cropped off first (`kernels.fast.live_taps`).
    """

    def __init__(self, strides, pads, dilation, groups, data_format, activation=None):
        self.strides, self.pads, self.dilation = strides, pads, dilation
        self.groups, self.data_format, self.activation = groups, data_format, activation

    def forward(self, x, kernel, bias=None):
        planes, x = x, to_channels_last(x, self.data_format)
        self.kernels = kernel_set()  # fast or reference (`kernels.dispatch`), for both passes
        self.x_shape, self.kernel, self.has_bias = x.shape, kernel, bias is not None
        self.depthwise = self.groups > 1 and kernel.shape[2] == 1  # groups == channels
        self.pointwise_planes = self.data_format == "channels_first" and _plain_pointwise(
            kernel.shape, self.strides, self.pads, self.groups)
        if self.pointwise_planes:  # 1x1 on (C, H*W) matrices, one GEMM per image, no transposes
            self.x = planes
            y = self.kernels.pointwise_planes_forward(
                planes, kernel, bias, relu=self.activation == "relu",
                training=is_grad_enabled() and any(self.needs_input_grad))
            self.y = y if self.activation == "relu" else None
            return y
        if self.depthwise and self.data_format == "channels_first":  # plane by plane, no transposes
            self.x = planes
            y = self.kernels.depthwise_conv2d_forward_channels_first(
                planes, _as_depthwise(kernel, self.groups), self.strides, self.pads, self.dilation
            )
            if bias is not None:
                y += bias.reshape(-1, 1, 1)
            if self.activation == "relu":
                np.maximum(y, 0, out=y)
                self.y = y
            return y
        if self.depthwise:  # elementwise products per kernel offset, no GEMM
            self.x = x
            y = self.kernels.depthwise_conv2d_forward(
                x, _as_depthwise(kernel, self.groups), self.strides, self.pads, self.dilation
            )
            if bias is not None:
                y += bias
        else:
            self.crop = self.kernels.live_crop(x.shape, kernel.shape, self.strides, self.pads, self.dilation)
            pads = self.pads
            if self.crop is not None:  # taps that only read padding: cropped off (kernels.fast.live_taps)
                (taps_h, taps_w), (rows, columns), pads = self.crop
                x, kernel = x[:, rows, columns], kernel[taps_h, taps_w]
            self.cropped = (x.shape, kernel, pads)
            y, self.saved = self.kernels.conv2d_forward(
                x, kernel, self.strides, pads, self.dilation, self.groups, bias,
                relu=self.activation == "relu",
                training=is_grad_enabled() and any(self.needs_input_grad),
            )
        if self.activation == "relu":
            if self.depthwise:
                np.maximum(y, 0, out=y)
            self.y = y
        return to_data_format(y, self.data_format)

    def backward(self, gy):
        relu_output = self.y if self.activation == "relu" else None
        need_dx, need_dk = self.needs_input_grad[:2]
        need_db = self.has_bias and self.needs_input_grad[2]
        if self.pointwise_planes:
            dx, dk, db = self.kernels.pointwise_planes_backward(gy, self.x, self.kernel, need_dx, need_dk, need_db,
                                                                relu_output)
            return (dx, dk, db) if self.has_bias else (dx, dk)
        if self.depthwise and self.data_format == "channels_first":  # plane by plane, as forward
            if relu_output is not None:
                gy = gy * (relu_output > 0)
            dx, dk = self.kernels.depthwise_conv2d_backward_channels_first(
                gy, self.x, _as_depthwise(self.kernel, self.groups), self.strides, self.pads,
                self.dilation, need_dx, need_dk,
            )
            dk = None if dk is None else dk.reshape(self.kernel.shape)
            db = self.kernels.depthwise_bias_gradient(gy, 1) if need_db else None
            return (dx, dk, db) if self.has_bias else (dx, dk)
        gy = to_channels_last(gy, self.data_format)
        if self.depthwise:
            if relu_output is not None:
                gy = gy * (relu_output > 0)
            dx, dk = self.kernels.depthwise_conv2d_backward(
                gy, self.x, _as_depthwise(self.kernel, self.groups), self.strides, self.pads,
                self.dilation, need_dx, need_dk,
            )
            dk = None if dk is None else dk.reshape(self.kernel.shape)
            db = self.kernels.depthwise_bias_gradient(gy, -1) if need_db else None
        else:
            x_shape, kernel, pads = self.cropped
            dx, dk, db = self.kernels.conv2d_backward(
                gy, self.saved, x_shape, kernel, self.strides, pads, self.dilation,
                self.groups, need_dx, need_dk, need_db, relu_output,
            )
            if self.crop is not None:  # zeros for the dead taps and the input no live tap read
                (taps_h, taps_w), (rows, columns), _ = self.crop
                dx = _placed(dx, self.x_shape, (slice(None), rows, columns))
                dk = _placed(dk, self.kernel.shape, (taps_h, taps_w))
        dx = to_data_format(dx, self.data_format) if dx is not None else None
        return (dx, dk, db) if self.has_bias else (dx, dk)


def _placed(part, shape, index):
    """An array of zeros of `shape` with `part` at `index` (None stays None)."""
    if part is None:
        return None
    whole = np.zeros(shape, part.dtype)
    whole[index] = part
    return whole


def _plain_pointwise(kernel_shape, strides, pads, groups):
    """A 1x1 kernel, stride 1, no padding, no groups: a channels-first image is its matrix."""
    return (len(kernel_shape) == 4 and kernel_shape[:2] == (1, 1) and strides == (1, 1) and groups == 1
            and not any(p for pair in pads for p in pair))


def _as_depthwise(kernel, channels):
    """Grouped kernel (kh, kw, 1, C*M) viewed as a depthwise kernel (kh, kw, C, M)."""
    kh, kw, _, out_channels = kernel.shape
    return kernel.reshape(kh, kw, channels, out_channels // channels)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1-D or 2-D) as in `keras.ops.conv`, by im2col and one matrix product.

    Args:
        inputs: (N, H, W, C) — or (N, L, C) for 1-D; (N, C, H, W) with data_format="channels_first".
        kernel: (kh, kw, C / groups, O) — or (k, C / groups, O). `groups` = C / kernel.shape[-2]
            (depthwise when groups == C).
        strides, dilation_rate: int or tuple. padding: "valid" | "same" | int | tuple.

    Shape:
        (N, H', W', O) with H' = floor((H + 2p - d*(kh - 1) - 1) / s) + 1.

    Example:
        >>> y = conv(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 2)), padding=1)
        >>> y.shape
        (1, 5, 5, 2)
    """
    return conv_bias_activation(inputs, kernel, None, None, strides, padding, data_format, dilation_rate)


def conv_bias_activation(inputs, kernel, bias=None, activation=None, strides=1, padding="valid",
                         data_format=None, dilation_rate=1):
    """`activation(conv(inputs, kernel) + bias)` as one op: the Conv layers' fast path.

    The same numbers as `ops.relu(ops.conv(x, kernel) + bias)`, computed with one GEMM that also
    adds the bias and a ReLU applied in place. Args as `conv`, plus:
        bias: (O,) or None. activation: None or "relu" (other activations are applied after).
    """
    x, kernel, extra, data_format, groups = conv_operands(inputs, kernel, bias, data_format)
    if activation not in (None, "relu"):
        raise ValueError(f"conv_bias_activation: activation must be None or 'relu', received {activation!r}")
    if x.ndim == 3:
        return _conv1d(x, kernel, extra, activation, strides, padding, data_format, dilation_rate, groups)
    strides, pads, dilation = spatial_args(
        "conv", channels_last_shape(x.shape, data_format)[1:3], kernel.shape[:2], strides, padding,
        dilation_rate,
    )
    return Conv2D.apply(
        x, kernel, *extra, strides=strides, pads=pads, dilation=dilation, groups=groups,
        data_format=data_format, activation=activation,
    )


def conv_operands(inputs, kernel, bias, data_format, op="conv"):
    """Check and convert the operands of a convolution; returns (x, kernel, extra, data_format, groups).

    `extra` is () without a bias and (bias,) with one; groups = input channels / kernel.shape[-2].
    """
    x = as_tensor(inputs, like=kernel if isinstance(kernel, Tensor) else None)
    kernel = as_tensor(kernel, like=x)
    data_format = check_input(op, x, data_format)
    check_kernel(op, x, kernel)
    shape = channels_last_shape(x.shape, data_format)
    channels, per_group, out_channels = shape[-1], kernel.shape[-2], kernel.shape[-1]
    if per_group == 0 or channels % per_group:
        raise ValueError(
            f"{op}: the kernel expects {per_group} input channels (per group), but the input has "
            f"{channels} channels. Input shape {x.shape}, kernel shape {kernel.shape}."
        )
    groups = channels // per_group
    if out_channels % groups:
        raise ValueError(
            f"{op}: with {groups} groups the kernel's output channels ({out_channels}) must be "
            f"divisible by {groups}. Kernel shape {kernel.shape}."
        )
    extra = ()
    if bias is not None:
        bias = as_tensor(bias, like=x)
        if bias.shape != (out_channels,):
            raise ValueError(
                f"{op}: the bias must have shape ({out_channels},), one value per output channel; "
                f"received shape {bias.shape}"
            )
        extra = (bias,)
    return x, kernel, extra, data_format, groups


def _conv1d(x, kernel, extra, activation, strides, padding, data_format, dilation_rate, groups):
    """A 1-D convolution is a 2-D one on images of height 1."""
    length = channels_last_shape(x.shape, data_format)[1]
    strides, pads, dilation = spatial_args("conv", (length,), kernel.shape[:1], strides, padding, dilation_rate)
    height_axis = 1 if data_format == "channels_last" else 2
    y = Conv2D.apply(
        expand_dims(x, height_axis), expand_dims(kernel, 0), *extra,
        strides=(1, *strides), pads=((0, 0), *pads), dilation=(1, *dilation),
        groups=groups, data_format=data_format, activation=activation,
    )
    return squeeze(y, height_axis)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, bias=None):
    """Depthwise convolution (`keras.ops.depthwise_conv`): each channel filtered on its own.

    Args:
        kernel: (kh, kw, C, multiplier); output channel c*multiplier + m uses kernel[:, :, c, m].
        bias: (C * multiplier,) or None (beyond Keras): added inside the op, its gradient
            summed chunk by chunk of images.

    Shape:
        (N, H', W', C * multiplier), H' as for `conv`.
    """
    x = as_tensor(inputs, like=kernel if isinstance(kernel, Tensor) else None)
    kernel = as_tensor(kernel, like=x)
    data_format = check_input("depthwise_conv", x, data_format)
    check_kernel("depthwise_conv", x, kernel)
    channels = channels_last_shape(x.shape, data_format)[-1]
    if kernel.shape[-2] != channels:
        raise ValueError(
            f"depthwise_conv: the kernel has {kernel.shape[-2]} input channels but the input has "
            f"{channels}. Input shape {x.shape}, kernel shape {kernel.shape} (kh, kw, channels, multiplier)."
        )
    grouped = reshape(kernel, (*kernel.shape[:-2], 1, kernel.shape[-2] * kernel.shape[-1]))
    if bias is None:
        return conv(x, grouped, strides, padding, data_format, dilation_rate)
    return conv_bias_activation(x, grouped, bias, None, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1, bias=None):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution, as `keras.ops.separable_conv`.

    Args:
        depthwise_kernel: (kh, kw, C, multiplier). pointwise_kernel: (1, 1, C * multiplier, O).
        bias: (O,) or None (beyond Keras): added by the pointwise convolution itself.
    """
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    if bias is None:
        return conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1)
    return conv_bias_activation(depthwise, pointwise_kernel, bias, None, 1, "valid", data_format, 1)


__all__ = ["conv", "conv_bias_activation", "depthwise_conv", "separable_conv"]
