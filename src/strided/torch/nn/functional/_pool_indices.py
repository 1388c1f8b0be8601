"""Max pooling that also returns where each maximum came from (`return_indices=True`, dilation),
and `max_unpool2d`, which puts values back at those places.

The reference form of max pooling, written for the cases the fast kernels do not cover: pad
with -inf, view the windows with `as_strided` (one view, no copy), take each window's argmax,
and turn it into the flat index h * W + w in the unpadded input, as PyTorch returns it. The
values are then a differentiable `gather` of the input at those indices, so the gradient
goes to each window's maximum.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from strided.torch._tensor import wrap_array


def window_argmax(x, kernel, stride, padding, dilation, out_size):
    """Flat (h * W + w) input index of each window's maximum, shape (N, C, H', W')."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (padding[0], padding[0] + h), (padding[1], padding[1] + w)),
                    constant_values=-np.inf)
    s = padded.strides
    windows = as_strided(
        padded, (n, c, out_size[0], out_size[1], kernel[0], kernel[1]),
        (s[0], s[1], s[2] * stride[0], s[3] * stride[1], s[2] * dilation[0], s[3] * dilation[1]),
        writeable=False,
    )
    best = windows.reshape(n, c, out_size[0], out_size[1], -1).argmax(-1)
    rows = np.arange(out_size[0])[:, None] * stride[0] - padding[0] + (best // kernel[1]) * dilation[0]
    columns = np.arange(out_size[1])[None, :] * stride[1] - padding[1] + (best % kernel[1]) * dilation[1]
    return rows * w + columns


def max_pool_with_indices(input, kernel, stride, padding, dilation, out_size):  # noqa: A002
    """(values, int64 indices) of 2-D max pooling of a 4-D (N, C, H, W) tensor."""
    n, c, h, w = input.shape
    index = window_argmax(input._node.data, kernel, stride, padding, dilation, out_size)
    flat = input.reshape(n, c, h * w)
    values = flat.gather(2, wrap_array(index.reshape(n, c, -1))).reshape(n, c, *out_size)
    return values, wrap_array(index.astype(np.int64))


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """The inverse of max pooling: each value written at its index in a zero (N, C, H, W) map.

    Shape: H = (H' - 1) * stride - 2 * padding + kernel_size (or `output_size`).
    """
    from strided.torch.nn.functional._helpers import pair

    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else pair(stride, "stride")
    padding = pair(padding, "padding")
    n, c, h_out, w_out = input.shape
    if output_size is None:
        size = tuple((o - 1) * s - 2 * p + k for o, s, p, k in zip((h_out, w_out), stride, padding, kernel))
    else:
        size = tuple(output_size)[-2:]
    canvas = wrap_array(np.zeros((n, c, size[0] * size[1]), input._node.data.dtype))
    flat_index = wrap_array(indices._node.data.reshape(n, c, -1))
    return canvas.scatter(2, flat_index, input.reshape(n, c, -1)).reshape(n, c, *size)
