"""Hue and saturation augmentation, and RandomColorJitter (brightness, contrast, saturation and
hue in turn), training only, with Keras 3's formulas:

    RandomSaturation  s -> clip(s * f / (1 - f + eps), value_range) in HSV, f drawn in factor
    RandomHue         h -> h + d (wrapped into [0, 1]) in HSV of the image mapped to [0, 1],
                      d = +-f / 2 with f drawn in factor and a random sign

Keras' factor conventions are kept: RandomSaturation's float f means (-f, f) and RandomHue's
means (0, f), so saved configs mean the same in both frameworks.
"""

import numpy as np

from strided import _config, ops
from strided.layers.preprocessing._color import to_range
from strided.layers.preprocessing._image_layer import _ImageLayer, _keras_factor
from strided.layers.preprocessing.color_adjust import _RandomColorLayer, _sorted_range
from strided.layers.preprocessing.random_color import RandomBrightness, RandomContrast


def _with_channel(hsv, index, channel, data_format):
    """hsv with channel `index` replaced (channels on axis 1 or 3)."""
    axis = 1 if data_format == "channels_first" else 3
    parts = [ops.take(hsv, [i], axis=axis) for i in range(3)]
    parts[index] = channel
    return ops.concatenate(parts, axis=axis)


def _channel(hsv, index, data_format):
    return ops.take(hsv, [index], axis=1 if data_format == "channels_first" else 3)


class RandomSaturation(_RandomColorLayer):
    """Scale each image's HSV saturation by a random amount (training only).

    Args:
        factor: (lower, upper) in [-1, 1] (a float f means (-f, f), as Keras); the saturation is
            multiplied by f / (1 - f + 1e-7): f = 0.5 keeps it, 0 removes colour, 1 saturates.
        value_range: the images' range (default (0, 255)). seed: int for repeatable draws.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("RandomSaturation", "factor", factor, (-1, 1))
        self.value_range = _sorted_range("RandomSaturation", value_range)

    def _draw(self, n, rng):
        factor = rng.uniform(self.factor[0], self.factor[1], n)
        return {"factor": factor / (1 - factor + _config.epsilon())}

    def _apply(self, x, params):
        hsv = ops.image.rgb_to_hsv(x, data_format=self.data_format)
        scale = np.asarray(params["factor"], x.dtype).reshape(-1, 1, 1, 1)
        saturation = ops.clip(ops.multiply(_channel(hsv, 1, self.data_format), scale), *self.value_range)
        return ops.image.hsv_to_rgb(_with_channel(hsv, 1, saturation, self.data_format),
                                    data_format=self.data_format)

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor)}


class RandomHue(_RandomColorLayer):
    """Rotate each image's hue by a random amount (training only).

    Args:
        factor: (lower, upper) in [0, 1] (a float f means (0, f)); the hue moves by up to
            factor / 2 of a full turn, in a random direction.
        value_range: the images' range (default (0, 255)). seed: int for repeatable draws.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("RandomHue", "factor", factor, (0, 1))
        self._range = _sorted_range("RandomHue", value_range)
        self.value_range = value_range  # Keras' config repeats the argument

    def _draw(self, n, rng):
        sign = np.where(rng.uniform(0, 1, n) > 0.5, -1.0, 1.0)
        return {"factor": sign * rng.uniform(self.factor[0], self.factor[1], n) * 0.5}

    def _apply(self, x, params):
        hsv = ops.image.rgb_to_hsv(to_range(x, self._range, (0.0, 1.0)), data_format=self.data_format)
        hue = ops.add(_channel(hsv, 0, self.data_format), np.asarray(params["factor"], x.dtype).reshape(-1, 1, 1, 1))
        hue = ops.where(hue.data > 1.0, ops.subtract(hue, 1.0), hue)
        hue = ops.where(hue.data < 0.0, ops.add(hue, 1.0), hue)
        rgb = ops.image.hsv_to_rgb(_with_channel(hsv, 0, hue, self.data_format), data_format=self.data_format)
        return to_range(ops.clip(rgb, 0.0, 1.0), (0.0, 1.0), self._range)

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor)}


class RandomColorJitter(_ImageLayer):
    """Random brightness, contrast, saturation and hue, applied in that order (training only).

    Args:
        value_range: the images' range (default (0, 255)).
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the `factor` of
            RandomBrightness, RandomContrast, RandomSaturation, RandomHue; None skips that step.
        seed: int for repeatable draws.
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        steps = ((RandomBrightness, brightness_factor), (RandomContrast, contrast_factor),
                 (RandomSaturation, saturation_factor), (RandomHue, hue_factor))
        self._steps = [cls(factor, value_range=value_range, seed=seed, data_format=self.data_format)
                       for cls, factor in steps if factor is not None]

    def _transform(self, x, training):
        for step in self._steps:
            x = step._transform(x, training)
        return x

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor, "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor}


__all__ = ["RandomColorJitter", "RandomHue", "RandomSaturation"]
