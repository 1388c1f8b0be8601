"""The random half of ImageDataGenerator: drawing each image's transform parameters.

Parameters are drawn for a whole batch at once (arrays of length N) with the meanings of Keras'
`get_random_transform`: theta (degrees), tx / ty (row / column shift in pixels), shear (degrees),
zx / zy (zoom), flip_horizontal / flip_vertical, channel_shift_intensity, brightness.
"""

import numbers

import numpy as np

from strided.utils.random import make_rng


def range_pair(value, name, around=1.0):
    """zoom_range / brightness_range: a float z -> [around - z, around + z]; a pair as given."""
    if isinstance(value, numbers.Real):
        return (around - float(value), around + float(value))
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, numbers.Real) for v in value)
    ):
        return (float(value[0]), float(value[1]))
    raise ValueError(
        f"`{name}` should be a float or a tuple or list of two floats. Received: {name}={value!r}"
    )


class RandomParameters:
    """Mixin for ImageDataGenerator (which sets the ranges, flips and data_format)."""

    def _shifts(self, value, size, n, rng):
        if not value:
            return np.zeros(n)
        if isinstance(value, (list, tuple, np.ndarray)):
            shift = rng.choice(np.asarray(value, dtype=np.float64), n)
            if np.asarray(value).dtype.kind in "iu":
                shift = shift * rng.choice([-1.0, 1.0], n)
        elif isinstance(value, numbers.Integral):
            shift = rng.integers(0, int(value), n) * rng.choice([-1.0, 1.0], n)
        else:
            shift = rng.uniform(-value, value, n)
        return shift * size if np.max(value) < 1 else shift

    def draw_parameters(self, n, image_shape, rng):
        """Random transform parameters for n images, as a dict of arrays of length n (Keras' keys)."""
        rows, cols = (
            (image_shape[0], image_shape[1])
            if self.data_format == "channels_last"
            else image_shape[1:3]
        )
        zero = np.zeros(n)
        zx, zy = (
            (np.ones(n), np.ones(n))
            if self.zoom_range == (1.0, 1.0)
            else rng.uniform(*self.zoom_range, (2, n))
        )
        return {
            "theta": rng.uniform(-self.rotation_range, self.rotation_range, n)
            if self.rotation_range
            else zero,
            "tx": self._shifts(self.height_shift_range, rows, n, rng),
            "ty": self._shifts(self.width_shift_range, cols, n, rng),
            "shear": rng.uniform(-self.shear_range, self.shear_range, n)
            if self.shear_range
            else zero,
            "zx": zx,
            "zy": zy,
            "flip_horizontal": (rng.random(n) < 0.5) if self.horizontal_flip else np.zeros(n, bool),
            "flip_vertical": (rng.random(n) < 0.5) if self.vertical_flip else np.zeros(n, bool),
            "channel_shift_intensity": (
                rng.uniform(-self.channel_shift_range, self.channel_shift_range, n)
                if self.channel_shift_range
                else None
            ),
            "brightness": rng.uniform(*self.brightness_range, n) if self.brightness_range else None,
        }

    def get_random_transform(self, img_shape, seed=None):
        """Random parameters for one image: a dict with Keras' keys (theta, tx, ty, shear, zx, zy, ...)."""
        params = self.draw_parameters(1, img_shape, make_rng(seed))
        return {k: (None if v is None else v[0].item()) for k, v in params.items()}


__all__ = ["RandomParameters", "range_pair"]
