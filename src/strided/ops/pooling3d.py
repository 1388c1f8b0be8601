"""3-D pooling ops over volumes: `max_pool3d` and `average_pool3d` (Keras' MaxPooling3D /
AveragePooling3D maths), computed by `kernels.reference.pooling3d`.

    D' = floor((D - k) / s) + 1 ("valid"),  ceil(D / s) ("same": padding only where the
    windows run past the edge, the extra voxel after, as TensorFlow; max ignores it,
    average divides by the real voxels only).
"""

import math

import numpy as np

from strided._utils import normalize_tuple
from strided.autograd import Function
from strided.kernels.reference import adaptive_pool3d as adaptive
from strided.kernels.reference import pooling3d as kernels
from strided.ops._base import as_tensor
from strided.ops.conv3d import _to_format, _to_last, check_volume, spatial_of


class MaxPool3D(Function):
    def __init__(self, pool_size, strides, pads, data_format):
        self.pool_size, self.strides, self.pads, self.data_format = pool_size, strides, pads, data_format

    def forward(self, x):
        x = np.ascontiguousarray(_to_last(x, self.data_format))
        y, self.winner = kernels.max_pool3d(x, self.pool_size, self.strides, self.pads)
        self.x_shape = x.shape
        return _to_format(np.ascontiguousarray(y), self.data_format)

    def backward(self, gy):
        gy = np.ascontiguousarray(_to_last(gy, self.data_format))
        dx = kernels.max_pool3d_backward(gy, self.winner, self.x_shape, self.pool_size, self.strides, self.pads)
        return (_to_format(dx, self.data_format),)


class AveragePool3D(Function):
    def __init__(self, pool_size, strides, pads, data_format):
        self.pool_size, self.strides, self.pads, self.data_format = pool_size, strides, pads, data_format

    def forward(self, x):
        x = np.ascontiguousarray(_to_last(x, self.data_format))
        y, counts = kernels.average_pool3d(x, self.pool_size, self.strides, self.pads)
        self.counts, self.x_shape = counts.astype(x.dtype), x.shape
        return _to_format(np.ascontiguousarray(y.astype(x.dtype, copy=False)), self.data_format)

    def backward(self, gy):
        gy = np.ascontiguousarray(_to_last(gy, self.data_format))
        dx = kernels.average_pool3d_backward(gy, self.counts, self.x_shape, self.pool_size, self.strides, self.pads)
        return (_to_format(dx, self.data_format),)


def _pool_args(op, x, pool_size, strides, padding, data_format):
    data_format = check_volume(op, x, data_format)
    pool_size = normalize_tuple(pool_size, 3, "pool_size")
    strides = pool_size if strides is None else normalize_tuple(strides, 3, "strides")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same'; received padding={padding!r}")
    spatial, _ = spatial_of(x.shape, data_format)
    pads = []
    for size, k, s in zip(spatial, pool_size, strides):
        if padding.lower() == "same":
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
        else:
            if size < k:
                raise ValueError(
                    f"{op}: pool_size {pool_size} is larger than the input (shape {x.shape}). "
                    f"Use a smaller pool_size or padding='same'."
                )
            pads.append((0, 0))
    return {"pool_size": pool_size, "strides": strides, "pads": tuple(pads), "data_format": data_format}


def max_pool3d(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The largest value of each pool_size window of every channel of a volume.

    Args:
        inputs: (N, D, H, W, C), or (N, C, D, H, W) with data_format="channels_first".
        pool_size: int or 3 ints. strides: int, 3 ints, or None (= pool_size). padding: "valid" | "same".

    Example:
        >>> max_pool3d(np.arange(8.0).reshape(1, 2, 2, 2, 1), 2).numpy().ravel()
        array([7.], dtype=float32)
    """
    x = as_tensor(inputs)
    return MaxPool3D.apply(x, **_pool_args("max_pool3d", x, pool_size, strides, padding, data_format))


def average_pool3d(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean of each pool_size window of a volume (real voxels only with "same"). Args as max_pool3d.

    Example:
        >>> average_pool3d(np.arange(8.0).reshape(1, 2, 2, 2, 1), 2).numpy().ravel()
        array([3.5], dtype=float32)
    """
    x = as_tensor(inputs)
    return AveragePool3D.apply(x, **_pool_args("average_pool3d", x, pool_size, strides, padding, data_format))


__all__ = ["average_pool3d", "max_pool3d"]


class AdaptiveAveragePool3D(Function):
    def __init__(self, output_size, data_format):
        self.output_size, self.data_format = output_size, data_format

    def forward(self, x):
        x = np.ascontiguousarray(_to_last(x, self.data_format))
        self.x_shape = x.shape
        return _to_format(adaptive.adaptive_average_pool3d(x, self.output_size), self.data_format)

    def backward(self, gy):
        gy = np.ascontiguousarray(_to_last(gy, self.data_format))
        return (_to_format(adaptive.adaptive_average_pool3d_backward(gy, self.x_shape), self.data_format),)


class AdaptiveMaxPool3D(Function):
    def __init__(self, output_size, data_format):
        self.output_size, self.data_format = output_size, data_format

    def forward(self, x):
        x = np.ascontiguousarray(_to_last(x, self.data_format))
        self.x_shape = x.shape
        y, self.winners = adaptive.adaptive_max_pool3d(x, self.output_size)
        return _to_format(y, self.data_format)

    def backward(self, gy):
        gy = np.ascontiguousarray(_to_last(gy, self.data_format))
        return (_to_format(adaptive.adaptive_max_pool3d_backward(gy, self.winners, self.x_shape), self.data_format),)


def _adaptive_args(op, x, output_size, data_format):
    data_format = check_volume(op, x, data_format)
    return {"output_size": normalize_tuple(output_size, 3, "output_size"), "data_format": data_format}


def adaptive_average_pool3d(inputs, output_size, data_format=None):
    """Average over adaptive bins of a volume: (N, D, H, W, C) -> (N, *output_size, C).

    Example:
        >>> adaptive_average_pool3d(np.ones((1, 5, 6, 7, 2)), 2).shape
        (1, 2, 2, 2, 2)
    """
    x = as_tensor(inputs)
    return AdaptiveAveragePool3D.apply(x, **_adaptive_args("adaptive_average_pool3d", x, output_size, data_format))


def adaptive_max_pool3d(inputs, output_size, data_format=None):
    """Maximum over adaptive bins of a volume (ties: the first maximum). Args as adaptive_average_pool3d."""
    x = as_tensor(inputs)
    return AdaptiveMaxPool3D.apply(x, **_adaptive_args("adaptive_max_pool3d", x, output_size, data_format))


__all__ += ["adaptive_average_pool3d", "adaptive_max_pool3d"]
