"""3-D convolution ops over volumes: `conv3d` and `conv3d_transpose` (Keras' Conv3D /
Conv3DTranspose maths), computed by `kernels.fast.conv3d` (one GEMM per kernel offset) or, under
`strided.set_kernels("reference")`, by the im2col + GEMM of `kernels.reference.conv3d`.

Layouts: inputs (N, D, H, W, C) channels-last or (N, C, D, H, W) channels-first; conv kernel
(kd, kh, kw, C, O); transposed kernel (kd, kh, kw, O, C) (Keras' layouts). Output sizes:

    conv:        D' = floor((D + p_before + p_after - d*(k - 1) - 1) / s) + 1   ("same": ceil(D / s))
    transposed:  D' = D*s + max(k_eff - s, 0) ("valid"), D*s ("same"),
                 (D - 1)*s + k_eff - pad_total + output_padding (output_padding given)
"""

import math
import numbers

import numpy as np

from strided import _config
from strided._utils import normalize_tuple
from strided.autograd import Function
from strided.kernels.dispatch import get_kernels
from strided.kernels.fast import conv3d as fast_kernels
from strided.kernels.reference import conv3d as reference_kernels
from strided.ops._base import as_tensor


def _kernels():
    """The 3-D convolution kernels of the chosen set (`strided.set_kernels`): the reference
    im2col + GEMM, or the fast one-GEMM-per-kernel-offset form (no im2col matrix)."""
    return reference_kernels if get_kernels() == "reference" else fast_kernels


def _to_last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def _to_format(x, data_format):
    return np.ascontiguousarray(np.moveaxis(x, -1, 1)) if data_format == "channels_first" else x


class Conv3D(Function):
    """y = conv3d(x, kernel) (+ bias); channels-last inside, `data_format` at the edges.

    With groups G, input and output channels are split into G equal groups and group g's
    outputs see only group g's inputs: G independent convolutions, side by side.
    """

    def __init__(self, strides, pads, dilation, data_format, groups=1):
        self.strides, self.pads, self.dilation, self.data_format = strides, pads, dilation, data_format
        self.groups = groups

    def _group_slices(self):
        inputs, outputs = self.kernel.shape[3], self.kernel.shape[4] // self.groups
        return [(slice(g * inputs, (g + 1) * inputs), slice(g * outputs, (g + 1) * outputs)) for g in range(self.groups)]

    def forward(self, x, kernel, bias=None):
        x = np.ascontiguousarray(_to_last(x, self.data_format))
        self.x, self.kernel, self.has_bias, self.kernels = x, kernel, bias is not None, _kernels()
        parts = [self.kernels.conv3d(np.ascontiguousarray(x[..., cin]), kernel[..., cout], None, self.strides,
                                     self.pads, self.dilation) for cin, cout in self._group_slices()]
        y = parts[0] if self.groups == 1 else np.concatenate(parts, axis=-1)
        if bias is not None:
            y = y + bias
        return _to_format(y.astype(x.dtype, copy=False), self.data_format)

    def backward(self, gy):
        gy = np.ascontiguousarray(_to_last(gy, self.data_format))
        need_dx = self.needs_input_grad[0]
        dx, dkernel = np.empty(self.x.shape, gy.dtype), np.empty(self.kernel.shape, gy.dtype)
        dbias = np.empty(gy.shape[-1], gy.dtype)
        for cin, cout in self._group_slices():
            dx_group, dkernel[..., cout], dbias[cout] = self.kernels.conv3d_backward(
                np.ascontiguousarray(gy[..., cout]), np.ascontiguousarray(self.x[..., cin]), self.kernel[..., cout],
                self.strides, self.pads, self.dilation, need_dx=need_dx,
            )
            if need_dx:
                dx[..., cin] = dx_group
        dx = _to_format(dx, self.data_format) if need_dx else None
        return (dx, dkernel, dbias) if self.has_bias else (dx, dkernel)


class Conv3DTranspose(Function):
    """The transposed 3-D convolution (each input voxel stamps the kernel onto a larger canvas)."""

    def __init__(self, out_sizes, before, strides, dilation, data_format):
        self.out_sizes, self.before = out_sizes, before
        self.strides, self.dilation, self.data_format = strides, dilation, data_format

    def forward(self, x, kernel):
        x = np.ascontiguousarray(_to_last(x, self.data_format))
        self.x, self.kernel, self.kernels = x, kernel, _kernels()
        y = self.kernels.conv3d_transpose(x, kernel, self.out_sizes, self.before, self.strides, self.dilation)
        return _to_format(np.ascontiguousarray(y), self.data_format)

    def backward(self, gy):
        gy = np.ascontiguousarray(_to_last(gy, self.data_format))
        dx, dkernel = self.kernels.conv3d_transpose_backward(gy, self.x, self.kernel, self.before, self.strides, self.dilation)
        return _to_format(dx, self.data_format), dkernel


def check_volume(op, x, data_format):
    """A 5-D float input, with the error in the user's words otherwise; returns the data format."""
    data_format = _config.standardize_data_format(data_format)
    if x.ndim != 5:
        layout = "(batch, depth, height, width, channels)" if data_format == "channels_last" else \
            "(batch, channels, depth, height, width)"
        hint = " Add a batch axis with x[None]." if x.ndim == 4 else ""
        raise ValueError(f"{op}: expected a 5-D input {layout}, received shape {x.shape}.{hint}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a float input, received dtype {x.dtype}. Cast with x.astype('float32').")
    return data_format


def spatial_of(shape, data_format):
    """(D, H, W) and C of a 5-D shape."""
    if data_format == "channels_first":
        return tuple(shape[2:]), shape[1]
    return tuple(shape[1:4]), shape[4]


def resolve_pads(op, padding, spatial, kernel_size, strides, dilation):
    """"valid" | "same" | int | 3 ints | 3 (before, after) pairs -> ((before, after),) * 3.

    "same" puts the odd extra voxel after, as TensorFlow (output ceil(D / s))."""
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(f"{op}: padding must be 'valid', 'same', an int or a tuple; received padding={padding!r}")
        if padding.lower() == "valid":
            return ((0, 0),) * 3
        pads = []
        for size, k, s, d in zip(spatial, kernel_size, strides, dilation):
            total = max((math.ceil(size / s) - 1) * s + d * (k - 1) + 1 - size, 0)
            pads.append((total // 2, total - total // 2))
        return tuple(pads)
    items = (padding,) * 3 if isinstance(padding, numbers.Integral) else tuple(padding)
    pairs = []
    for item in items:
        pair = (item, item) if isinstance(item, numbers.Integral) else tuple(item)
        if len(pair) != 2 or any(not isinstance(v, numbers.Integral) or v < 0 for v in pair):
            pairs = None
            break
        pairs.append((int(pair[0]), int(pair[1])))
    if pairs is None or len(pairs) != 3:
        raise ValueError(f"{op}: an explicit padding needs 3 non-negative ints or (before, after) pairs. Received: padding={padding!r}")
    return tuple(pairs)


def conv3d(inputs, kernel, bias=None, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """3-D convolution over volumes (keras.ops.conv on 5-D inputs), plus an optional bias.

    Args:
        inputs: (N, D, H, W, C), or (N, C, D, H, W) with data_format="channels_first".
        kernel: (kd, kh, kw, C / groups, O); groups = C / kernel.shape[3]. bias: (O,) or None.
        strides, dilation_rate: int or 3 ints. padding: "valid" | "same" | int | 3 ints | 3 pairs.

    Shape: (N, D', H', W', O), D' = floor((D + 2p - d*(kd - 1) - 1) / s) + 1.

    Example:
        >>> conv3d(np.ones((1, 4, 4, 4, 2)), np.ones((3, 3, 3, 2, 5)), padding="same").shape
        (1, 4, 4, 4, 5)
    """
    x = as_tensor(inputs)
    kernel = as_tensor(kernel, like=x)
    data_format = check_volume("conv3d", x, data_format)
    spatial, channels = spatial_of(x.shape, data_format)
    if kernel.ndim != 5 or channels % kernel.shape[3] or kernel.shape[4] % (channels // kernel.shape[3]):
        raise ValueError(
            f"conv3d: the kernel must have shape (kd, kh, kw, in_channels={channels} / groups, out_channels), "
            f"out_channels a multiple of groups; received kernel shape {kernel.shape} for input shape {x.shape}."
        )
    strides = normalize_tuple(strides, 3, "strides")
    dilation = normalize_tuple(dilation_rate, 3, "dilation_rate")
    pads = resolve_pads("conv3d", padding, spatial, kernel.shape[:3], strides, dilation)
    for size, k, d, (before, after) in zip(spatial, kernel.shape[:3], dilation, pads):
        if size + before + after < d * (k - 1) + 1:
            raise ValueError(
                f"conv3d: the kernel {kernel.shape[:3]} (dilation {dilation}) is larger than the padded input "
                f"(input shape {x.shape}, padding {pads}). Use padding='same' or a smaller kernel."
            )
    extra = () if bias is None else (as_tensor(bias, like=x),)
    return Conv3D.apply(x, kernel, *extra, strides=strides, pads=pads, dilation=dilation, data_format=data_format,
                        groups=channels // kernel.shape[3])


def conv3d_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                     dilation_rate=1):
    """Transposed 3-D convolution (keras.ops.conv_transpose on 5-D inputs): a learned upsampling.

    Args:
        inputs: (N, D, H, W, C) (or channels-first). kernel: (kd, kh, kw, O, C).
        strides, dilation_rate: int or 3 ints. padding: "valid" | "same".
        output_padding: None, int or 3 ints (< strides): extra voxels at the end of each axis.

    Shape: (N, D', H', W', O), see the module docstring.

    Example:
        >>> conv3d_transpose(np.ones((1, 2, 2, 2, 4)), np.ones((3, 3, 3, 1, 4)), strides=2, padding="same").shape
        (1, 4, 4, 4, 1)
    """
    x = as_tensor(inputs)
    kernel = as_tensor(kernel, like=x)
    data_format = check_volume("conv3d_transpose", x, data_format)
    spatial, channels = spatial_of(x.shape, data_format)
    if kernel.ndim != 5 or kernel.shape[4] != channels:
        raise ValueError(
            f"conv3d_transpose: the kernel must have shape (kd, kh, kw, out_channels, in_channels={channels}); "
            f"received kernel shape {kernel.shape} for input shape {x.shape}."
        )
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"conv3d_transpose: padding must be 'valid' or 'same'; received padding={padding!r}")
    padding = padding.lower()
    strides = normalize_tuple(strides, 3, "strides")
    dilation = normalize_tuple(dilation_rate, 3, "dilation_rate")
    out_pad = (None,) * 3 if output_padding is None else normalize_tuple(output_padding, 3, "output_padding",
                                                                          allow_zero=True)
    out_sizes, before = [], []
    for size, k, s, d, op in zip(spatial, kernel.shape[:3], strides, dilation, out_pad):
        out = transpose_output_length(size, k, s, padding, op, d)
        if out <= 0:
            raise ValueError(f"conv3d_transpose: the output would be empty for input shape {x.shape}.")
        # The forward convolution this one transposes maps `out` back to `size`; its "same"
        # padding before the first voxel is where the output window starts on the canvas.
        total = max((size - 1) * s + d * (k - 1) + 1 - out, 0) if padding == "same" else 0
        out_sizes.append(out)
        before.append(total // 2)
    return Conv3DTranspose.apply(x, kernel, out_sizes=tuple(out_sizes), before=tuple(before), strides=strides,
                                 dilation=dilation, data_format=data_format)


def transpose_output_length(size, kernel, stride, padding, output_padding=None, dilation=1):
    """One axis of a transposed convolution's output (Keras' `deconv_output_length`)."""
    if size is None:
        return None
    effective = dilation * (kernel - 1) + 1
    if output_padding is None:
        return size * stride + max(effective - stride, 0) if padding == "valid" else size * stride
    pad_total = 2 * (effective // 2) if padding == "same" else 0
    return (size - 1) * stride + effective - pad_total + output_padding


__all__ = ["conv3d", "conv3d_transpose"]
