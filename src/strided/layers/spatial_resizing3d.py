"""3-D spatial resizing layers (no weights), the volumetric twins of `spatial_resizing`:

    ZeroPadding3D:  (N, D, H, W, C) -> (N, D + pd, H + ph, W + pw, C)
    Cropping3D:     (N, D, H, W, C) -> (N, D - cd, H - ch, W - cw, C)
    UpSampling3D:   (N, D, H, W, C) -> (N, D * sd, H * sh, W * sw, C)   (each voxel repeated)
"""

from strided import ops
from strided._utils import normalize_tuple
from strided.layers.conv import _with_spatial
from strided.layers.spatial_resizing import _Cropping, _SpatialLayer, _ZeroPadding


class ZeroPadding3D(_ZeroPadding):
    """Add zeros around volumes.

    Args:
        padding: int (all sides), 3 ints (symmetric per axis), or 3 (before, after) pairs.
            Default ((1, 1), (1, 1), (1, 1)).
        data_format: "channels_last" (default) or "channels_first".

    Example:
        >>> ZeroPadding3D(1)(np.ones((1, 4, 4, 4, 2))).shape
        (1, 6, 6, 6, 2)
    """

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Remove voxels at the borders of volumes.

    Args:
        cropping: int, 3 ints, or 3 (before, after) pairs. Default ((1, 1), (1, 1), (1, 1)).
        data_format: "channels_last" (default) or "channels_first".

    Example:
        >>> Cropping3D(1)(np.ones((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class UpSampling3D(_SpatialLayer):
    """Repeat each voxel size[0] x size[1] x size[2] times (nearest-neighbour upsampling).

    Args:
        size: int or 3 ints, default (2, 2, 2). data_format: "channels_last" or "channels_first".

    Example:
        >>> UpSampling3D(2)(np.ones((1, 2, 2, 2, 3))).shape
        (1, 4, 4, 4, 3)
    """

    rank = 3

    _traceable_inference = True

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        try:
            self.size = normalize_tuple(size, 3, "size")
        except (TypeError, ValueError) as error:
            raise type(error)(f"UpSampling3D: {error}") from None

    def call(self, inputs):
        axes, _ = self._spatial(inputs.shape)
        for axis, factor in zip(axes, self.size):
            if factor > 1:
                inputs = ops.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        axes, channels = self._spatial(input_shape)
        sizes = [None if input_shape[a] is None else input_shape[a] * s for a, s in zip(axes, self.size)]
        return _with_spatial(input_shape, sizes, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config["size"] = tuple(self.size)
        return config


__all__ = ["Cropping3D", "UpSampling3D", "ZeroPadding3D"]
