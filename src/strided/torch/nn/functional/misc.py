"""linear, dropout, pad, interpolate, one_hot, embedding: the rest of `torch.nn.functional`.

`linear` is the Dense GEMM with the PyTorch weight kept in its (out, in) layout (`_linear.py`);
`dropout` draws its mask from strided.torch's default generator (`torch.manual_seed`);
`interpolate` builds PyTorch's index or interpolation matrices and applies them with
differentiable indexing / matmul.
"""

import math
import numbers

import numpy as np

from strided import ops
from strided.autograd import trace
from strided.torch import _math
from strided.torch._random import rng
from strided.torch._tensor import wrap, wrap_array
from strided.torch._tensor_methods import assign
from strided.torch.nn.functional._linear import linear_node


def linear(input, weight, bias=None):  # noqa: A002
    """y = x W^T + b for x (..., in), W (out, in), b (out,)."""
    if input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({math.prod(input.shape[:-1])}x{input.shape[-1]} and "
            f"{weight.shape[-1]}x{weight.shape[0]}): Linear expects {weight.shape[-1]} input features, "
            f"got an input of shape {list(input.shape)}"
        )
    if input.dtype != weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {input.dtype} and {weight.dtype}")
    if weight.dim() == 2 and input.dim() >= 1 and (bias is None or bias.shape == (weight.shape[0],)) \
            and trace.active() is None:  # (an ONNX export records the engine's Dense op)
        return wrap(linear_node(input._node, weight._node, None if bias is None else bias._node))
    kernel = ops.transpose(weight._node, (1, 0))
    y = _math.matmul(input, wrap(kernel))
    return y if bias is None else y + bias


def bilinear(input1, input2, weight, bias=None):
    y = _math.matmul(input1.unsqueeze(1).unsqueeze(-2), weight.unsqueeze(0))  # (N, out, 1, in2)
    y = (y.squeeze(-2) * input2.unsqueeze(1)).sum(-1)
    return y if bias is None else y + bias


def _dropout(input, p, training, inplace, noise_shape):  # noqa: A002
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    y = wrap(ops.dropout(_math.float_node(input), p, noise_shape=noise_shape, seed=rng()))
    return assign(input, y) if inplace else y


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (training only)."""
    return _dropout(input, p, training, inplace, None)


def dropout2d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels of (N, C, H, W) (or (C, H, W)) with probability p."""
    shape = tuple(input.shape[:-2]) + (1, 1)
    return _dropout(input, p, training, inplace, shape)


def dropout1d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    return _dropout(input, p, training, inplace, tuple(input.shape[:-1]) + (1,))


def alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    if not training or p == 0:
        return input
    raise NotImplementedError("alpha_dropout in training is not supported by strided")


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pad the last len(pad) // 2 dims: pad = (last_left, last_right, second_last_left, ...).

    Negative amounts crop, as in PyTorch.
    """
    if len(pad) % 2 or len(pad) // 2 > input.dim():
        raise ValueError(f"Padding length must be divisible by 2 and at most twice the input's dims, got {pad}")
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"pad: mode {mode!r} is not supported (use one of {sorted(_PAD_MODES)})")
    widths = [(0, 0)] * input.dim()
    for i in range(len(pad) // 2):
        widths[input.dim() - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    crop = tuple(slice(-b if b < 0 else None, a if a < 0 else None) for b, a in widths)
    if any(b < 0 or a < 0 for b, a in widths):
        input = input[crop]
        widths = [(max(b, 0), max(a, 0)) for b, a in widths]
    if not any(b or a for b, a in widths):
        return input
    if mode == "constant":
        return wrap(ops.pad(input._node, widths, constant_values=0 if value is None else value))
    return wrap(ops.pad(input._node, widths, mode=_PAD_MODES[mode]))


def one_hot(tensor, num_classes=-1):
    """int64 one-hot vectors of class indices, in a new last dim of size num_classes."""
    labels = tensor._node.data
    if labels.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    classes = int(labels.max()) + 1 if num_classes == -1 else int(num_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise RuntimeError("Class values must be smaller than num_classes.")
    return wrap_array(np.eye(classes, dtype=np.int64)[labels])


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,  # noqa: A002
              sparse=False):
    """Rows of `weight` picked by integer indices (gradients accumulate for repeated indices)."""
    return weight[input]


def _scales(input, size, scale_factor, rank):  # noqa: A002
    spatial = tuple(input.shape[2:])
    if size is not None:
        sizes = (size,) * rank if isinstance(size, numbers.Integral) else tuple(size)
        return sizes, [in_size / out for in_size, out in zip(spatial, sizes)]
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    factors = (scale_factor,) * rank if isinstance(scale_factor, numbers.Number) else tuple(scale_factor)
    sizes = tuple(int(math.floor(s * f)) for s, f in zip(spatial, factors))
    return sizes, [1.0 / f for f in factors]


def _linear_matrix(in_size, out_size, scale, align_corners, dtype):
    """(out, in) matrix of PyTorch's linear interpolation weights along one axis."""
    out = np.arange(out_size, dtype=np.float64)
    if align_corners:
        source = out * ((in_size - 1) / (out_size - 1)) if out_size > 1 else np.zeros_like(out)
    else:
        source = np.maximum((out + 0.5) * scale - 0.5, 0)
    low = np.minimum(np.floor(source).astype(np.int64), in_size - 1)
    high = np.minimum(low + 1, in_size - 1)
    frac = source - low
    matrix = np.zeros((out_size, in_size))
    np.add.at(matrix, (np.arange(out_size), low), 1 - frac)
    np.add.at(matrix, (np.arange(out_size), high), frac)
    return matrix.astype(dtype)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,  # noqa: A002
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, ...) by "nearest", "nearest-exact", "linear", "bilinear" or "area"."""
    rank = input.dim() - 2
    sizes, scales = _scales(input, size, scale_factor, rank)
    if recompute_scale_factor:
        scales = [in_size / out for in_size, out in zip(input.shape[2:], sizes)]
    if mode in ("nearest", "nearest-exact"):
        result = input
        for axis, (in_size, out, scale) in enumerate(zip(input.shape[2:], sizes, scales)):
            positions = np.arange(out)
            if mode == "nearest":
                index = np.minimum(np.floor(positions * scale).astype(np.int64), in_size - 1)
            else:
                index = np.minimum(np.floor((positions + 0.5) * scale).astype(np.int64), in_size - 1)
            if out == in_size and np.array_equal(index, positions):
                continue
            result = result.index_select(2 + axis, wrap_array(index))
        return result
    if mode in ("linear", "bilinear", "trilinear"):
        dtype = input._node.data.dtype
        result = input
        for axis, (in_size, out, scale) in enumerate(zip(input.shape[2:], sizes, scales)):
            matrix = wrap_array(_linear_matrix(in_size, out, scale, bool(align_corners), dtype))
            moved = result.transpose(2 + axis, -1)
            result = _math.matmul(moved, matrix.t()).transpose(2 + axis, -1)
        return result
    if mode == "area":
        from strided.torch.nn.functional.pooling import adaptive_avg_pool2d

        if rank == 1:
            return adaptive_avg_pool2d(input.unsqueeze(-2), (1, sizes[0])).squeeze(-2)
        return adaptive_avg_pool2d(input, sizes)
    raise NotImplementedError(f"interpolate: mode {mode!r} is not supported by strided")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    return interpolate(input, size, scale_factor, mode, align_corners)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    dot = (x1 * x2).sum(dim)
    norms = _math.clamp(x1.norm(dim=dim) * x2.norm(dim=dim), min=eps)
    return dot / norms


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)




__all__ = [name for name, value in list(globals().items())
           if callable(value) and getattr(value, "__module__", None) == __name__ and not name.startswith("_")]
