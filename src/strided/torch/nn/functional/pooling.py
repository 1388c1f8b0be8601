"""Pooling on NCHW tensors with PyTorch's arguments: max/avg (padding, ceil_mode), adaptive, Lp.

Output size per spatial axis (PyTorch's formula; `ceil_mode` rounds up, but a window may not
start in the right padding):

    H' = floor_or_ceil((H + 2p - k) / s) + 1

The windows are computed by `ops.max_pool` / `ops.average_pool` on channels-last views
(`_layout.py`); ceil_mode's extra bottom/right cells are added by `ops.pad` first, with -inf
for max pooling and zeros (not counted in the divisor) for average pooling.
"""

import math

import numpy as np

from strided import ops
from strided.autograd import Tensor as Node
from strided.torch._tensor import wrap
from strided.torch.nn.functional._helpers import check_tensor, pair
from strided.torch.nn.functional._layout import channels_first, channels_last
from strided.torch.nn.functional._pool_indices import max_pool_with_indices


def _output_size(size, k, s, p, ceil_mode):
    span = size + 2 * p - k
    out = (math.ceil(span / s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _prepare(op, input, kernel_size, stride, padding, rank=2):  # noqa: A002
    check_tensor(op, "input", input)
    if input.dim() not in (rank + 1, rank + 2):
        raise RuntimeError(f"{op}: expected {rank + 1}D or {rank + 2}D input, got input of size {list(input.shape)}")
    kernel = pair(kernel_size, "kernel_size", rank)
    stride = kernel if stride is None or stride == [] or stride == () else pair(stride, "stride", rank)
    padding = pair(padding, "padding", rank)
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k}")
    node = input._node if input.dim() == rank + 2 else ops.expand_dims(input._node, 0)
    return node, kernel, stride, padding


def _ceil_extra(shape, kernel, stride, padding, ceil_mode):
    """Extra cells after the input (per spatial axis) that ceil_mode's last windows reach."""
    extra = []
    for size, k, s, p in zip(shape, kernel, stride, padding):
        out = _output_size(size, k, s, p, ceil_mode)
        extra.append(max((out - 1) * s + k - (size + 2 * p), 0))
    return extra


def _finish(input, node, rank=2):  # noqa: A002
    return wrap(node if input.dim() == rank + 2 else ops.squeeze(node, 0))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """The largest value of each kh x kw window of (N, C, H, W); with return_indices, also where it was
    (flat h * W + w indices, as PyTorch, for `max_unpool2d`)."""
    dilation = pair(dilation, "dilation")
    x, kernel, stride, padding = _prepare("max_pool2d", input, kernel_size, stride, padding)
    if dilation != (1, 1) or return_indices:  # the reference path: windows by as_strided, a gather
        effective = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
        size = tuple(_output_size(n, k, s, p, ceil_mode) for n, k, s, p in zip(x.data.shape[2:], effective, stride,
                                                                                padding))
        batched = wrap(x)
        values, indices = max_pool_with_indices(batched, kernel, stride, padding, dilation, size)
        if input.dim() == 3:
            values, indices = values.squeeze(0), indices.squeeze(0)
        return (values, indices) if return_indices else values
    extra = _ceil_extra(x.data.shape[2:], kernel, stride, padding, ceil_mode)
    pads = tuple((p, p) for p in padding)
    if any(extra):
        x = ops.pad(x, ((0, 0), (0, 0), (0, extra[0]), (0, extra[1])), constant_values=-np.inf)
    return _finish(input, channels_first(ops.max_pool(channels_last(x), kernel, stride, pads,
                                                      data_format="channels_last")))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    """The mean of each window; `count_include_pad` counts the zero padding in the divisor."""
    x, kernel, stride, padding = _prepare("avg_pool2d", input, kernel_size, stride, padding)
    spatial = x.data.shape[2:]
    extra = _ceil_extra(spatial, kernel, stride, padding, ceil_mode)
    pads = tuple((p, p) for p in padding)
    if not any(extra) and divisor_override is None:
        return _finish(input, channels_first(ops.average_pool(channels_last(x), kernel, stride, pads,
                                                              data_format="channels_last",
                                                              count_include_pad=count_include_pad)))
    padded = ops.pad(x, ((0, 0), (0, 0), (padding[0], padding[0] + extra[0]), (padding[1], padding[1] + extra[1])))
    sums = ops.multiply(
        ops.average_pool(padded, kernel, stride, "valid", data_format="channels_first"),
        Node(np.asarray(kernel[0] * kernel[1], x.data.dtype), _copy=False),
    )
    if divisor_override is not None:
        divisor = np.asarray(divisor_override, x.data.dtype)
    else:
        divisor = np.ones((1,), x.data.dtype)
        for axis, (size, k, s, p) in enumerate(zip(spatial, kernel, stride, padding)):
            out = sums.data.shape[2 + axis]
            start = np.arange(out) * s - p
            end = np.minimum(start + k, size + p)
            counts = end - start if count_include_pad else np.minimum(end, size) - np.maximum(start, 0)
            divisor = np.multiply.outer(divisor, counts.astype(x.data.dtype)) if axis else counts.astype(x.data.dtype)
    return _finish(input, ops.divide(sums, Node(np.asarray(divisor, x.data.dtype), _copy=False)))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    stride = kernel_size if stride is None else stride
    y = max_pool2d(input.unsqueeze(-2), (1, pair(kernel_size, "kernel_size", 1)[0]),
                   (1, pair(stride, "stride", 1)[0]), (0, pair(padding, "padding", 1)[0]),
                   (1, pair(dilation, "dilation", 1)[0]), ceil_mode, return_indices)
    if return_indices:
        return y[0].squeeze(-2), y[1].squeeze(-2)
    return y.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    stride = kernel_size if stride is None else stride
    y = avg_pool2d(input.unsqueeze(-2), (1, pair(kernel_size, "kernel_size", 1)[0]),
                   (1, pair(stride, "stride", 1)[0]), (0, pair(padding, "padding", 1)[0]), ceil_mode,
                   count_include_pad)
    return y.squeeze(-2)


def _adaptive_size(input, output_size, rank=2):  # noqa: A002
    sizes = (output_size,) * rank if isinstance(output_size, int) else tuple(output_size)
    spatial = input.shape[-rank:]
    return tuple(s if o is None else int(o) for s, o in zip(spatial, sizes))


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average over bins [floor(i*H/out), ceil((i+1)*H/out)) so the output is exactly output_size."""
    check_tensor("adaptive_avg_pool2d", "input", input)
    size = _adaptive_size(input, output_size)
    node = input._node if input.dim() == 4 else ops.expand_dims(input._node, 0)
    if size == (1, 1):
        y = ops.mean(node, axis=(2, 3), keepdims=True)
    else:
        y = ops.adaptive_average_pool(node, size, data_format="channels_first")
    return _finish(input, y)


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    if return_indices:
        raise NotImplementedError("adaptive_max_pool2d: return_indices=True is not supported by strided")
    size = _adaptive_size(input, output_size)
    node = input._node if input.dim() == 4 else ops.expand_dims(input._node, 0)
    return _finish(input, ops.adaptive_max_pool(node, size, data_format="channels_first"))


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, output_size)).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    return adaptive_max_pool2d(input.unsqueeze(-2), (1, output_size), return_indices).squeeze(-2)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """(sum of x^p over each window)^(1/p) (for even p or non-negative inputs, as PyTorch)."""
    if ceil_mode:
        raise NotImplementedError("lp_pool2d: ceil_mode=True is not supported by strided")
    x, kernel, stride, _ = _prepare("lp_pool2d", input, kernel_size, stride, 0)
    return _finish(input, ops.lp_pool(x, kernel, stride, "valid", data_format="channels_first", p=float(norm_type)))


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    stride = kernel_size if stride is None else stride
    return lp_pool2d(input.unsqueeze(-2), norm_type, (1, kernel_size), (1, stride), ceil_mode).squeeze(-2)


__all__ = [name for name, value in list(globals().items())
           if callable(value) and getattr(value, "__module__", None) == __name__ and not name.startswith("_")]
