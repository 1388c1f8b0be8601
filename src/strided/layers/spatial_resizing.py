"""Spatial resizing layers: ZeroPadding, Cropping and UpSampling (no weights).

    ZeroPadding2D:  (N, H, W, C) -> (N, top + H + bottom, left + W + right, C)
    Cropping2D:     (N, H, W, C) -> (N, H - top - bottom, W - left - right, C)
    UpSampling2D:   (N, H, W, C) -> (N, H * sh, W * sw, C)
"""

import numbers

from strided import _config, ops
from strided._utils import normalize_tuple
from strided.layers import _layer_utils as U
from strided.layers.base import Layer
from strided.layers.conv import _with_spatial


def _pairs(layer, name, value, rank):
    """int | tuple of `rank` ints (symmetric) | tuple of `rank` (before, after) pairs."""
    def bad():
        return ValueError(
            f"{layer}: `{name}` must be an int, a tuple of {rank} ints, or a tuple of {rank} tuples of 2 "
            f"non-negative ints. Received: {name}={value!r}"
        )

    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        items = (value,) * rank
    elif isinstance(value, (tuple, list)) and len(value) == rank:
        items = value
    elif rank == 1 and isinstance(value, (tuple, list)) and len(value) == 2:
        items = (tuple(value),)
    else:
        raise bad()
    pairs = []
    for item in items:
        pair = (item, item) if isinstance(item, numbers.Integral) else tuple(item)
        if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0 for v in pair):
            raise bad()
        pairs.append((int(pair[0]), int(pair[1])))
    return tuple(pairs)


def _pairs_config(pairs):
    """Keras' config form: (before, after) for one axis, ((top, bottom), (left, right)) for two."""
    pairs = tuple(tuple(int(v) for v in pair) for pair in pairs)
    return pairs[0] if len(pairs) == 1 else pairs


class _SpatialLayer(Layer):
    rank = None

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.standardize_data_format(data_format)

    def _spatial(self, input_shape):
        U.check_input_rank(type(self).__name__, input_shape, self.rank, self.data_format)
        axes = U.spatial_axes(self.data_format, len(input_shape))
        return axes, input_shape[U.channel_axis(self.data_format)]

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class _ZeroPadding(_SpatialLayer):
    _traceable_inference = True

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(type(self).__name__, "padding", padding, self.rank)

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(U.spatial_axes(self.data_format, inputs.ndim), self.padding):
            widths[axis] = pair
        return ops.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        axes, channels = self._spatial(input_shape)
        sizes = [None if input_shape[a] is None else input_shape[a] + sum(p) for a, p in zip(axes, self.padding)]
        return _with_spatial(input_shape, sizes, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config["padding"] = _pairs_config(self.padding)
        return config


class ZeroPadding2D(_ZeroPadding):
    """Add rows and columns of zeros around images.

    Args:
        padding: int (all sides), (symmetric_height, symmetric_width), or
            ((top, bottom), (left, right)). Default (1, 1).
        data_format: "channels_last" (default) or "channels_first".

    Example:
        >>> ZeroPadding2D(2)(np.ones((1, 28, 28, 1))).shape
        (1, 32, 32, 1)
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding1D(_ZeroPadding):
    """Zeros before and after the steps of (N, steps, C): padding int or (before, after), default 1."""

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _Cropping(_SpatialLayer):
    _traceable_inference = True  # one slice, fixed by the input's shape

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(type(self).__name__, "cropping", cropping, self.rank)

    def call(self, inputs):
        key = [slice(None)] * inputs.ndim
        for axis, (before, after) in zip(U.spatial_axes(self.data_format, inputs.ndim), self.cropping):
            key[axis] = slice(before, inputs.shape[axis] - after)
        return ops.get_item(inputs, tuple(key))

    def compute_output_shape(self, input_shape):
        axes, channels = self._spatial(input_shape)
        sizes = []
        for axis, (before, after) in zip(axes, self.cropping):
            size = input_shape[axis]
            if size is not None and size - before - after <= 0:
                raise ValueError(
                    f"{type(self).__name__}: cropping {self.cropping} removes every element of axis {axis} of input "
                    f"shape {tuple(input_shape)}."
                )
            sizes.append(None if size is None else size - before - after)
        return _with_spatial(input_shape, sizes, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = _pairs_config(self.cropping)
        return config


class Cropping2D(_Cropping):
    """Remove rows and columns at the image borders.

    Args:
        cropping: int, (symmetric_height, symmetric_width) or ((top, bottom), (left, right)).
        data_format: "channels_last" (default) or "channels_first".
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping1D(_Cropping):
    """Remove steps at the start and end of (N, steps, C): cropping int or (before, after)."""

    rank = 1

    def __init__(self, cropping=(1, 1), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class UpSampling2D(_SpatialLayer):
    """Repeat rows and columns (`interpolation="nearest"`) or interpolate ("bilinear").

    Args:
        size: int or (sh, sw), default (2, 2).
        data_format: "channels_last" (default) or "channels_first".
        interpolation: "nearest" or "bilinear".

    Shape: (N, H, W, C) -> (N, H * sh, W * sw, C).
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        try:
            self.size = normalize_tuple(size, 2, "size")
        except (TypeError, ValueError) as error:
            raise type(error)(f"UpSampling2D: {error}") from None
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(
                f"UpSampling2D: `interpolation` must be 'nearest' or 'bilinear'. Received: interpolation={interpolation!r}"
            )
        self.interpolation = interpolation

    def call(self, inputs):
        return ops.upsample(inputs, self.size, self.interpolation, self.data_format)

    def compute_output_shape(self, input_shape):
        axes, channels = self._spatial(input_shape)
        sizes = [None if input_shape[a] is None else input_shape[a] * s for a, s in zip(axes, self.size)]
        return _with_spatial(input_shape, sizes, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(size=tuple(self.size), interpolation=self.interpolation)
        return config


class UpSampling1D(Layer):
    """Repeat each step `size` times: (N, steps, C) -> (N, steps * size, C)."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = U.check_positive_int("UpSampling1D", "size", size)

    def call(self, inputs):
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        U.check_input_rank("UpSampling1D", input_shape, 1)
        steps = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


__all__ = ["Cropping1D", "Cropping2D", "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D"]
