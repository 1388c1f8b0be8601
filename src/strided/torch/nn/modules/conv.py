"""Conv1d, Conv2d, ConvTranspose2d: weights in PyTorch's layout, forward one call into F.

Shape (Conv2d): (N, C_in, H, W) -> (N, C_out, H', W'),
    H' = floor((H + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1
Default initialisation as PyTorch: weight kaiming_uniform_(a=sqrt(5)) (U(-1/sqrt(fan_in),
1/sqrt(fan_in))), bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C_in / groups * kh * kw.
"""

import math

import numpy as np

from strided.torch import _dtypes
from strided.torch.nn import functional as F
from strided.torch.nn import init
from strided.torch.nn.functional._helpers import pair
from strided.torch.nn.modules.module import Module
from strided.torch.nn.parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    rank = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None, output_padding=0):
        super().__init__()
        name = type(self).__name__
        if not isinstance(in_channels, int) or in_channels <= 0 or not isinstance(out_channels, int) or out_channels <= 0:
            raise ValueError(f"{name}: in_channels and out_channels must be positive ints, got "
                             f"in_channels={in_channels!r}, out_channels={out_channels!r}")
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got padding_mode='{padding_mode}'")
        rank = self.rank
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(kernel_size, "kernel_size", rank)
        self.stride = pair(stride, "stride", rank)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of ['valid', 'same']")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = pair(padding, "padding", rank)
        self.dilation = pair(dilation, "dilation", rank)
        self.output_padding = pair(output_padding, "output_padding", rank)
        self.groups, self.padding_mode = groups, padding_mode
        numpy_dtype = _dtypes.to_numpy_dtype(dtype) or _dtypes.get_default_dtype().numpy_dtype
        if self.transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, numpy_dtype))
        self.bias = Parameter(np.empty(out_channels, numpy_dtype)) if bias else None
        if not bias:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.rank:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.rank:
            text += f", dilation={self.dilation}"
        if self.transposed and self.output_padding != (0,) * self.rank:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text

    def _padded(self, input):  # noqa: A002
        """The input padded by padding_mode (reflect/replicate/circular) and the conv's own padding."""
        if self.padding_mode == "zeros" or isinstance(self.padding, str) and self.padding == "valid":
            return input, self.padding
        if isinstance(self.padding, str):  # "same"
            amounts = []
            for k, d in zip(reversed(self.kernel_size), reversed(self.dilation)):
                total = d * (k - 1)
                amounts += [total // 2, total - total // 2]
        else:
            amounts = [p for p in reversed(self.padding) for _ in range(2)]
        return F.pad(input, amounts, mode=self.padding_mode), 0


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L): L' = floor((L + 2p - d(k - 1) - 1) / s) + 1.

    Example:
        >>> nn.Conv1d(3, 8, 5, padding=2)(torch.randn(4, 3, 100)).shape
        torch.Size([4, 8, 100])
    """

    rank = 1

    def forward(self, input):  # noqa: A002
        x, padding = self._padded(input)
        return F.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) with weight (C_out, C_in / groups, kh, kw).

    Args:
        in_channels, out_channels: channel counts. kernel_size, stride, dilation: int or (h, w).
        padding: int, (h, w), "same" or "valid". groups: channel groups. bias: add a learned bias.
        padding_mode: "zeros", "reflect", "replicate" or "circular".

    Example:
        >>> nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=2)(torch.randn(8, 1, 28, 28)).shape
        torch.Size([8, 16, 28, 28])
    """

    rank = 2

    def forward(self, input):  # noqa: A002
        x, padding = self._padded(input)
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed convolution, weight (C_in, C_out / groups, kh, kw).

    Shape: H' = (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1.
    """

    rank = 2
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose2d')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, output_padding)

    def forward(self, input, output_size=None):  # noqa: A002
        output_padding = self.output_padding
        if output_size is not None:
            wanted = tuple(output_size)[-2:]
            output_padding = tuple(
                w - ((h - 1) * s - 2 * p + d * (k - 1) + 1)
                for w, h, s, p, d, k in zip(wanted, input.shape[-2:], self.stride, self.padding, self.dilation,
                                            self.kernel_size)
            )
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)


class ConvTranspose1d(ConvTranspose2d):
    """Transposed 1-D convolution, weight (C_in, C_out / groups, k): L' = (L - 1)s - 2p + d(k - 1) + op + 1."""

    rank = 1

    def forward(self, input, output_size=None):  # noqa: A002
        output_padding = self.output_padding
        if output_size is not None:
            wanted = tuple(output_size)[-1]
            length = input.shape[-1]
            output_padding = (wanted - ((length - 1) * self.stride[0] - 2 * self.padding[0]
                                        + self.dilation[0] * (self.kernel_size[0] - 1) + 1),)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)
