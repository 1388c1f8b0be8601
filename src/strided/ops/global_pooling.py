"""Global and adaptive pooling: one value per channel, or a fixed output grid whatever the input.

    global_average_pool: y[n, c] = 1/(H*W) * sum_{h, w} x[n, h, w, c]   (lessons' GAP)
    global_max_pool:     y[n, c] = max_{h, w} x[n, h, w, c]
    adaptive_*_pool:     output (N, out_h, out_w, C); bin i of an axis of size H covers
                         [floor(i*H/out), ceil((i+1)*H/out))   (torch's AdaptiveAvgPool2d formula)

Global pools accept any input with a batch, spatial and channel axes (rank 3, 4 or 5); adaptive
pools take rank 3 (1-D) or rank 4 (2-D). Exported by `strided.ops` beside `ops.pooling`.
The global pools run on the kernels (`kernels.dispatch`: `global_*_pool_*`), on x viewed as
(N, S, C) channels-last or (N, C, S) channels-first.
"""

import numpy as np

from strided import _config
from strided.autograd import Function, is_grad_enabled
from strided.kernels.dispatch import kernel_set
from strided.kernels.fast import pool as kernels
from strided.ops._base import as_tensor
from strided.ops._conv_args import check_input
from strided.ops.pooling import _check_tuple, _Pool


def _three_axes(x, channels_first):
    """x as (N, S, C) channels-last or (N, C, S) channels-first (S: every spatial position)."""
    x = np.ascontiguousarray(x)
    return x.reshape(x.shape[0], x.shape[1], -1) if channels_first else x.reshape(x.shape[0], -1, x.shape[-1])


def _keep_dims(y, x_shape, channels_first, keepdims):
    """y (N, C), or with the spatial axes kept as ones."""
    if not keepdims:
        return y
    ones = (1,) * (len(x_shape) - 2)
    return y.reshape((y.shape[0], y.shape[1], *ones) if channels_first else (y.shape[0], *ones, y.shape[1]))


class GlobalAveragePool(Function):
    """The mean over all spatial positions (`axes`: every axis but the batch's and the channels')."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.kernels = kernel_set()  # fast or reference (`kernels.dispatch`), for both passes
        self.x_shape, self.channels_first = x.shape, self.axes[0] == 2
        x3 = _three_axes(x, self.channels_first)
        self.x3_shape = x3.shape
        y = self.kernels.global_average_pool_forward(x3, self.channels_first)
        return _keep_dims(y, x.shape, self.channels_first, self.keepdims)

    def backward(self, gy):
        gy = np.ascontiguousarray(gy).reshape(self.x3_shape[0], -1)
        dx = self.kernels.global_average_pool_backward(gy, self.x3_shape, self.channels_first)
        return dx.reshape(self.x_shape)


class GlobalMaxPool(Function):
    """The maximum over all spatial positions; the gradient goes to the first maximum."""

    def __init__(self, channels_first, keepdims):
        self.channels_first, self.keepdims = channels_first, keepdims

    def forward(self, x):
        self.kernels = kernel_set()  # fast or reference (`kernels.dispatch`), for both passes
        self.x_shape = x.shape
        x3 = _three_axes(x, self.channels_first)
        self.x3_shape = x3.shape
        training = is_grad_enabled() and any(self.needs_input_grad)
        y, self.saved = self.kernels.global_max_pool_forward(x3, self.channels_first, training)
        return _keep_dims(y, x.shape, self.channels_first, self.keepdims)

    def backward(self, gy):
        gy = np.ascontiguousarray(gy).reshape(self.x3_shape[0], -1)
        dx = self.kernels.global_max_pool_backward(gy, self.saved, self.x3_shape, self.channels_first)
        return dx.reshape(self.x_shape)


class AdaptiveAveragePool(_Pool):
    """A linear map per spatial axis (bin-averaging matrices); backward uses their transposes."""

    def __init__(self, output_size, **args):
        super().__init__(**args)
        self.output_size = output_size

    def forward(self, x):
        x = self.nhwc(x)
        self.matrices = [
            None if size == out else kernels.adaptive_average_matrix(size, out, x.dtype)
            for size, out in zip(x.shape[1:3], self.output_size)
        ]
        return self.back(kernels.separable_linear_map(x, *self.matrices))

    def backward(self, gy):
        transposed = [None if m is None else m.T for m in self.matrices]
        return self.back(kernels.separable_linear_map(self.nhwc(gy), *transposed))


class AdaptiveMaxPool(_Pool):
    def __init__(self, output_size, **args):
        super().__init__(**args)
        self.output_size = output_size

    def forward(self, x):
        x = self.nhwc(x)
        self.x_shape = x.shape
        y, self.winner = kernels.adaptive_max_pool2d_forward(x, self.output_size)
        return self.back(y)

    def backward(self, gy):
        return self.back(
            kernels.adaptive_max_pool2d_backward(self.nhwc(gy), self.winner, self.x_shape)
        )


def _check_global(op, x, data_format):
    data_format = _config.standardize_data_format(data_format)
    if x.ndim < 3:
        raise ValueError(
            f"{op}: expected an input with batch, spatial and channel axes (rank 3, 4 or 5, e.g. "
            f"(batch, height, width, channels)), received shape {x.shape}. Add a batch axis with x[None]."
        )
    if x.dtype.kind != "f":
        raise TypeError(
            f"{op}: expected a float input, received dtype {x.dtype}. Cast with x.astype('float32')."
        )
    return data_format


def global_average_pool(inputs, keepdims=False, data_format=None):
    """Global average pooling (Keras GlobalAveragePooling1D/2D/3D): the mean of each channel.

    Shape: (N, *spatial, C) -> (N, C), or (N, 1, ..., 1, C) with keepdims=True.

    Example:
        >>> global_average_pool(np.arange(8.0).reshape(1, 2, 2, 2)).numpy()
        array([[3., 4.]], dtype=float32)
    """
    x = as_tensor(inputs)
    data_format = _check_global("global_average_pool", x, data_format)
    first = data_format == "channels_first"
    axes = tuple(range(2, x.ndim)) if first else tuple(range(1, x.ndim - 1))
    return GlobalAveragePool.apply(x, axes=axes, keepdims=bool(keepdims))


def global_max_pool(inputs, keepdims=False, data_format=None):
    """Global max pooling (Keras GlobalMaxPooling1D/2D/3D): the largest value of each channel.

    Shape: (N, *spatial, C) -> (N, C), or (N, 1, ..., 1, C) with keepdims=True.

    Example:
        >>> global_max_pool(np.arange(8.0).reshape(1, 2, 2, 2)).numpy()
        array([[6., 7.]], dtype=float32)
    """
    x = as_tensor(inputs)
    data_format = _check_global("global_max_pool", x, data_format)
    return GlobalMaxPool.apply(
        x, channels_first=data_format == "channels_first", keepdims=bool(keepdims)
    )


def _adaptive_args(op, x, output_size, data_format):
    data_format = check_input(op, x, data_format)
    rank = x.ndim - 2
    output_size = _check_tuple(op, output_size, rank, "output_size")
    if rank == 1:
        output_size = (1, *output_size)
    return {"data_format": data_format, "one_d": rank == 1, "output_size": output_size}


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average over torch's adaptive bins, giving a fixed (out_h, out_w) grid for any input size.

    output_size=1 is global average pooling with kept dims (the lessons' nn.AdaptiveAvgPool2d(1)).

    Example:
        >>> adaptive_average_pool(np.arange(16.0).reshape(1, 4, 4, 1), 2).numpy()[0, :, :, 0]
        array([[ 2.5,  4.5],
               [10.5, 12.5]], dtype=float32)
    """
    x = as_tensor(inputs)
    return AdaptiveAveragePool.apply(
        x, **_adaptive_args("adaptive_average_pool", x, output_size, data_format)
    )


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Maximum over torch's adaptive bins (nn.AdaptiveMaxPool2d); ties go to the first maximum."""
    x = as_tensor(inputs)
    return AdaptiveMaxPool.apply(
        x, **_adaptive_args("adaptive_max_pool", x, output_size, data_format)
    )


__all__ = ["adaptive_average_pool", "adaptive_max_pool", "global_average_pool", "global_max_pool"]
