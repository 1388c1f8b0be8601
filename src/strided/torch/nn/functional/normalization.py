"""batch_norm, layer_norm, group_norm, instance_norm with PyTorch's arguments.

`batch_norm` in training normalises with the batch's statistics (`ops.batch_norm_train`;
(N, C, H, W) inputs on their channels-last view, see `_layout.py`) and updates the running statistics in place, PyTorch's way:

    running = (1 - momentum) * running + momentum * batch_stat

with the *unbiased* batch variance (times M / (M - 1), M = values per channel) for
running_var. Out of training it normalises with the running statistics
(`ops.batch_normalization`).
"""

import numpy as np

from strided import ops
from strided.torch._tensor import wrap
from strided.torch.nn.functional._layout import channels_first, channels_last


def _node(tensor):
    return None if tensor is None else tensor._node


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,  # noqa: A002
               eps=1e-5, *, _relu=False, _pool=None):
    """Normalise each channel (dim 1) of (N, C, ...) to zero mean, unit variance, then scale and shift.

    `_relu=True` (used by nn.Sequential for BatchNorm -> ReLU) returns max(y, 0), fused into the
    normalisation where the engine has the fused kernel; `_pool=(ph, pw)` with it (BatchNorm ->
    ReLU -> MaxPool2d, window == stride, no padding) returns max_pool2d of that, fused too in
    training with batch statistics (`ops.batch_norm_train(pool_size=)`).
    """
    if _pool is not None and not (_relu and training and input.dim() == 4 and weight is not None
                                  and bias is not None):
        from strided.torch.nn.functional.pooling import max_pool2d

        return max_pool2d(batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps,
                                     _relu=_relu), _pool)
    if input.dim() < 2:
        raise ValueError(f"batch_norm: expected 2D or more input (N, C, ...), got input of size {list(input.shape)}")
    channels = input.shape[1]
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {list(input.shape)}"
            )
        if input.dim() == 4 and weight is not None and bias is not None:  # the fused channels-last kernel
            y, mean, var = ops.batch_norm_train(channels_last(input._node), weight._node, bias._node, axis=-1,
                                                epsilon=eps, relu=_relu, pool_size=_pool)
            y = channels_first(y)
        else:
            y, mean, var = ops.batch_norm_train(input._node, _node(weight), _node(bias), axis=1, epsilon=eps,
                                                relu=_relu)
        if running_mean is not None and momentum is not None:
            rm = running_mean._node.data
            rm *= 1 - momentum
            rm += momentum * np.asarray(mean, rm.dtype).reshape(-1)
        if running_var is not None and momentum is not None:
            rv = running_var._node.data
            rv *= 1 - momentum
            rv += momentum * (np.asarray(var, rv.dtype).reshape(-1) * (count / (count - 1)))
        return _with_stats(wrap(y), mean, var, count)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are required when training=False")
    if input.dim() == 4:
        y = ops.batch_normalization(channels_last(input._node), running_mean._node, running_var._node, axis=-1,
                                    offset=_node(bias), scale=_node(weight), epsilon=eps)
        y = channels_first(ops.relu(y) if _relu else y)
    else:
        y = ops.batch_normalization(input._node, running_mean._node, running_var._node, axis=1,
                                    offset=_node(bias), scale=_node(weight), epsilon=eps)
        y = ops.relu(y) if _relu else y
    return wrap(y)


def _with_stats(tensor, mean, var, count):
    """Keep the batch statistics on the result for BatchNorm's momentum=None (cumulative) update."""
    tensor._batch_stats = (np.asarray(mean).reshape(-1), np.asarray(var).reshape(-1), count)
    return tensor


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalise over the last len(normalized_shape) dims, then scale and shift elementwise."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[-len(shape):]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    axes = tuple(range(input.dim() - len(shape), input.dim()))
    y = ops.layer_normalization(input._node, _node(weight), _node(bias), axis=axes if len(axes) > 1 else -1,
                                epsilon=eps)
    return wrap(y)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalise each group of channels of each sample (dim 1 split into num_groups)."""
    channels = input.shape[1]
    if channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    n = input.shape[0]
    grouped = input.reshape(n, num_groups, -1)
    mean = grouped.mean(-1, keepdim=True)
    var = grouped.var(-1, unbiased=False, keepdim=True)
    y = ((grouped - mean) / (var + eps).sqrt()).reshape(*input.shape)
    shape = [1, channels] + [1] * (input.dim() - 2)
    if weight is not None:
        y = y * weight.reshape(*shape)
    if bias is not None:
        y = y + bias.reshape(*shape)
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,  # noqa: A002
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample over its spatial dims."""
    channels = input.shape[1]
    y = group_norm(input, channels, None, None, eps)
    shape = [1, channels] + [1] * (input.dim() - 2)
    if weight is not None:
        y = y * weight.reshape(*shape)
    if bias is not None:
        y = y + bias.reshape(*shape)
    return y
