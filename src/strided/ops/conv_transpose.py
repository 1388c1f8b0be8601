"""`conv_transpose`: the transposed ("fractionally strided") 2-D convolution, as `keras.ops.conv_transpose`.

Kernel layout (kh, kw, out_channels, in_channels), as Keras' Conv2DTranspose. Output size:

    "valid":  H' = (H - 1)*s + d*(kh - 1) + 1 + output_padding   (output_padding default max(s - k_eff, 0))
    "same":   H' = H * s                                           (when output_padding is None)
    int p:    H' = (H - 1)*s - 2p + d*(kh - 1) + 1 + output_padding  (PyTorch's ConvTranspose2d)

"same" crops the canvas exactly as the gradient of a "same" convolution would (TensorFlow's rule).
"""

from strided._utils import normalize_tuple
from strided.autograd import Function, Tensor
from strided.kernels.dispatch import kernel_set
from strided.ops._base import as_tensor
from strided.ops._conv_args import (
    channels_last_shape,
    check_input,
    check_kernel,
    to_channels_last,
    to_data_format,
)


class ConvTranspose2D(Function):
    def __init__(self, strides, crops, dilation, data_format):
        self.strides, self.crops, self.dilation, self.data_format = strides, crops, dilation, data_format

    def forward(self, x, kernel):
        self.x = to_channels_last(x, self.data_format)
        self.kernels = kernel_set()  # fast or reference (`kernels.dispatch`), for both passes
        self.kernel = kernel
        y = self.kernels.conv_transpose2d_forward(self.x, kernel, self.strides, self.crops, self.dilation)
        return to_data_format(y, self.data_format)

    def backward(self, gy):
        dx, dk = self.kernels.conv_transpose2d_backward(
            to_channels_last(gy, self.data_format), self.x, self.kernel, self.strides, self.crops,
            self.dilation, *self.needs_input_grad,
        )
        return (to_data_format(dx, self.data_format) if dx is not None else None), dk


def transpose_crops(size, kernel, stride, dilation, padding, output_padding):
    """(crop_before, crop_after) of the col2im canvas for one axis; a negative after = extra zeros."""
    effective = dilation * (kernel - 1) + 1
    canvas = (size - 1) * stride + effective
    if padding == "valid":
        extra = max(stride - effective, 0) if output_padding is None else output_padding
        return 0, -extra
    if padding == "same":
        if output_padding is None:
            out = size * stride
        else:
            out = (size - 1) * stride + effective - 2 * (effective // 2) + output_padding
        total = canvas - out
        before = max(total, 0) // 2
        return before, total - before
    extra = output_padding or 0
    return padding, padding - extra


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed 2-D convolution (upsampling by a learned kernel).

    Args:
        inputs: (N, H, W, C_in) (or channels_first). kernel: (kh, kw, C_out, C_in).
        strides, dilation_rate: int or pair. padding: "valid" | "same" | int | (ph, pw).
        output_padding: int or pair, extra rows/columns at the bottom/right (must be < stride).

    Example:
        >>> conv_transpose(np.ones((1, 4, 4, 8)), np.ones((3, 3, 2, 8)), strides=2, padding="same").shape
        (1, 8, 8, 2)
    """
    x = as_tensor(inputs, like=kernel if isinstance(kernel, Tensor) else None)
    kernel = as_tensor(kernel, like=x)
    data_format = check_input("conv_transpose", x, data_format)
    if x.ndim != 4:
        raise ValueError(f"conv_transpose: expected a 4-D input, received shape {x.shape}")
    check_kernel("conv_transpose", x, kernel)
    shape = channels_last_shape(x.shape, data_format)
    if kernel.shape[-1] != shape[-1]:
        raise ValueError(
            f"conv_transpose: the kernel (kh, kw, out, in) expects {kernel.shape[-1]} input channels, "
            f"but the input has {shape[-1]}. Input shape {x.shape}, kernel shape {kernel.shape}."
        )
    strides = normalize_tuple(strides, 2, "strides")
    dilation = normalize_tuple(dilation_rate, 2, "dilation_rate")
    out_pad = (None, None) if output_padding is None else normalize_tuple(output_padding, 2, "output_padding", allow_zero=True)
    if isinstance(padding, str):
        padding = padding.lower()
        if padding not in ("valid", "same"):
            raise ValueError(f"conv_transpose: padding must be 'valid', 'same' or ints; received {padding!r}")
        pads = (padding, padding)
    else:
        pads = normalize_tuple(padding, 2, "padding", allow_zero=True)
    for s, p in zip(strides, out_pad):
        if p is not None and p >= s and not (s == 1 and p == 0):
            raise ValueError(
                f"conv_transpose: output_padding ({output_padding}) must be smaller than the stride ({strides})"
            )
    crops = tuple(
        transpose_crops(size, k, s, d, p, op)
        for size, k, s, d, p, op in zip(shape[1:3], kernel.shape[:2], strides, dilation, pads, out_pad)
    )
    for (size, k, s, d), (before, after) in zip(zip(shape[1:3], kernel.shape[:2], strides, dilation), crops):
        if (size - 1) * s + d * (k - 1) + 1 - before - after <= 0:
            raise ValueError(f"conv_transpose: padding {padding!r} leaves no output for input shape {x.shape}")
    return ConvTranspose2D.apply(x, kernel, strides=strides, crops=crops, dilation=dilation, data_format=data_format)


__all__ = ["conv_transpose"]
