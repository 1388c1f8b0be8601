"""3-D pooling layers: MaxPooling3D, AveragePooling3D and the global 3-D poolings.

    "valid":  D' = floor((D - k) / s) + 1        "same":  D' = ceil(D / s)

`strides` defaults to `pool_size` (non-overlapping windows), as in Keras. No weights.
"""

from strided import ops
from strided.layers.pooling import BasePooling, _GlobalAverage, _GlobalMax


class _Pooling3D(BasePooling):
    rank = 3

    _traceable_inference = True

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{type(self).__name__}: `padding` must be 'valid' or 'same'. Received: padding={padding!r}")
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling3D):
    """3-D max pooling: the largest value of each pool_size window of every channel of a volume.

    Args:
        pool_size: int or 3 ints, default (2, 2, 2). strides: int, 3 ints, or None (= pool_size).
        padding: "valid" or "same". data_format: "channels_last" (default) or "channels_first".

    Shape: (N, D, H, W, C) -> (N, D', H', W', C).

    Example:
        >>> MaxPooling3D()(np.zeros((1, 8, 8, 8, 4))).shape
        (1, 4, 4, 4, 4)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

    def call(self, inputs):
        return ops.max_pool3d(inputs, self.pool_size, self.strides, self.padding, self.data_format)


class AveragePooling3D(_Pooling3D):
    """3-D average pooling: the mean of each window ("same" edge windows average only the real
    voxels, as Keras). Arguments and shapes as MaxPooling3D; pool_size has no default (as Keras).

    Example:
        >>> AveragePooling3D(2)(np.ones((1, 4, 4, 4, 3))).shape
        (1, 2, 2, 2, 3)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

    def call(self, inputs):
        return ops.average_pool3d(inputs, self.pool_size, self.strides, self.padding, self.data_format)


class GlobalAveragePooling3D(_GlobalAverage):
    """The mean of each 3-D feature map: (N, D, H, W, C) -> (N, C) (keepdims: (N, 1, 1, 1, C))."""

    rank = 3


class GlobalMaxPooling3D(_GlobalMax):
    """The largest value of each 3-D feature map: (N, D, H, W, C) -> (N, C)."""

    rank = 3


MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D
GlobalAvgPool3D, GlobalMaxPool3D = GlobalAveragePooling3D, GlobalMaxPooling3D

__all__ = [
    "AveragePooling3D", "AvgPool3D", "GlobalAveragePooling3D", "GlobalAvgPool3D", "GlobalMaxPool3D",
    "GlobalMaxPooling3D", "MaxPool3D", "MaxPooling3D",
]
