"""BatchNorm1d/2d, LayerNorm, GroupNorm, InstanceNorm2d with PyTorch's parameters and buffers.

BatchNorm keeps `running_mean`, `running_var` and `num_batches_tracked` buffers (the
state-dict keys PyTorch uses); in training it normalises with the batch statistics and
updates the running ones with `momentum` (0.1: new = 0.9 * old + 0.1 * batch, the unbiased
batch variance for running_var; momentum=None: the cumulative average); in eval() it uses
the running statistics.
"""

import numpy as np

from strided.torch import _dtypes
from strided.torch._tensor import wrap_array
from strided.torch.nn import functional as F
from strided.torch.nn.modules.module import Module
from strided.torch.nn.parameter import Parameter


def _float(dtype):
    return _dtypes.to_numpy_dtype(dtype) or _dtypes.get_default_dtype().numpy_dtype


class _BatchNorm(Module):
    expected_dims = (2, 3, 4)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats, self.use_bias = affine, track_running_stats, bias
        numpy_dtype = _float(dtype)
        if affine:
            self.weight = Parameter(np.ones(num_features, numpy_dtype))
            if bias:
                self.bias = Parameter(np.zeros(num_features, numpy_dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", wrap_array(np.zeros(num_features, numpy_dtype)))
            self.register_buffer("running_var", wrap_array(np.ones(num_features, numpy_dtype)))
            self.register_buffer("num_batches_tracked", wrap_array(np.zeros((), np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._node.data[...] = 0
            self.running_var._node.data[...] = 1
            self.num_batches_tracked._node.data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            self.weight._node.data[...] = 1
            if self.bias is not None:
                self.bias._node.data[...] = 0

    def extra_repr(self):
        bias = f", bias={self.bias is not None}"
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}{bias}, "
                f"track_running_stats={self.track_running_stats}")

    def _check_input(self, input):  # noqa: A002
        if input.dim() not in self.expected_dims:
            raise ValueError(f"expected {' or '.join(f'{d}D' for d in self.expected_dims)} input (got {input.dim()}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected input with {self.num_features} channels (dim 1), "
                             f"got input of size {list(input.shape)}")

    def forward(self, input):  # noqa: A002
        return self._normalize(input, relu=False)

    def forward_relu(self, input):  # noqa: A002
        """relu(self(input)) as one op: Sequential's BatchNorm -> ReLU pairs (see container.py)."""
        return self._normalize(input, relu=True)

    def forward_relu_pool(self, input, window):  # noqa: A002
        """max_pool2d(relu(self(input)), window) as one op: Sequential's BatchNorm -> ReLU ->
        MaxPool2d runs (window == stride, no padding; `_fusion.py`)."""
        return self._normalize(input, relu=True, pool=window)

    def _normalize(self, input, relu, pool=None):  # noqa: A002
        self._check_input(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._node.data[...] += 1
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked._node.data)
        if self.training or not self.track_running_stats:  # normalise with this batch's statistics
            track = self.training and self.track_running_stats
            return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                                self.weight, self.bias, True, momentum, self.eps, _relu=relu,
                                _pool=pool)
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias, False, momentum,
                            self.eps, _relu=relu, _pool=pool)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) over N (and L), per channel C."""

    expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) over N, H, W, per channel C.

    Example:
        >>> bn = nn.BatchNorm2d(16)
        >>> bn(torch.randn(8, 16, 4, 4)).shape
        torch.Size([8, 16, 4, 4])
    """

    expected_dims = (4,)


class BatchNorm3d(_BatchNorm):
    expected_dims = (5,)


class LayerNorm(Module):
    """Normalise over the trailing `normalized_shape` dims, with elementwise weight and bias."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        numpy_dtype = _float(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, numpy_dtype))
            self.bias = Parameter(np.zeros(shape, numpy_dtype)) if bias else None
            if not bias:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def extra_repr(self):
        bias = f", bias={self.bias is not None}"
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}{bias}"

    def forward(self, input):  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)


class GroupNorm(Module):
    """Normalise each of `num_groups` channel groups per sample, then per-channel weight and bias."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.use_bias = bias
        numpy_dtype = _float(dtype)
        if affine:
            self.weight = Parameter(np.ones(num_channels, numpy_dtype))
            if bias:
                self.bias = Parameter(np.zeros(num_channels, numpy_dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def extra_repr(self):
        bias = f", bias={self.bias is not None}"
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}{bias}"

    def forward(self, input):  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)


class InstanceNorm2d(Module):
    """Normalise each channel of each sample over H, W (no running statistics are tracked)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False, device=None,
                 dtype=None):
        super().__init__()
        if track_running_stats:
            raise NotImplementedError("InstanceNorm2d(track_running_stats=True) is not supported by strided")
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        self.track_running_stats = False
        numpy_dtype = _float(dtype)
        if affine:
            self.weight = Parameter(np.ones(num_features, numpy_dtype))
            self.bias = Parameter(np.zeros(num_features, numpy_dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")

    def forward(self, input):  # noqa: A002
        return F.instance_norm(input, weight=self.weight, bias=self.bias, eps=self.eps)


__all__ = [name for name, value in list(globals().items())
           if isinstance(value, type) and value.__module__ == __name__ and not name.startswith("_")]
