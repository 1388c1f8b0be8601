"""Colour layers of Keras 3: AutoContrast (always) and, in training only, Solarization,
RandomGrayscale, RandomInvert, RandomPosterization, RandomColorDegeneration, RandomSharpness.

Each random layer draws its per-image parameters (`_draw`) and then applies a fixed formula
(`_apply`), the same formula as Keras' `transform_images` given the same parameters:

    AutoContrast             x -> 255 (x - min) / (max - min) per image and channel (in 0..255)
    Solarization             x -> clip(x + a, 0, 255); values >= threshold become 255 - x
    RandomGrayscale          x -> luma(x) with probability `factor`
    RandomInvert             x -> value_range[1] - x, each image with a random probability
    RandomPosterization      keep the top `bits` bits of each 8-bit value
    RandomColorDegeneration  x -> x + f (luma(x) - x), f in factor, clipped
    RandomSharpness          x -> x + (1 - 2f)(blur(x) - x), blur = 3x3 [1 1 1; 1 5 1; 1 1 1] / 13

Computations before 0..255 map the images from `value_range` and back, as Keras does.
"""

import numbers

import numpy as np

from strided import ops
from strided.layers.preprocessing._color import channel_axis, grayscale, per_image, to_range
from strided.layers.preprocessing._image_layer import _ImageLayer, _keras_factor

_BYTE = (0.0, 255.0)


def _sorted_range(layer, value_range):
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"{layer}: `value_range` must be a tuple or list of two numbers. "
                         f"Received: value_range={value_range!r}")
    return sorted(value_range)


class _RandomColorLayer(_ImageLayer):
    """A training-only colour change: draw per-image parameters, then apply them."""

    def _transform(self, x, training):
        return self._apply(x, self._draw(x.shape[0], self._rng()))

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range}


class AutoContrast(_ImageLayer):
    """Stretch each image's channels to the full value range (always applied).

    Args:
        value_range: the images' (min, max) range, default (0, 255).

    Example:
        >>> AutoContrast()(np.array([[[[10.0], [20.0]]]])).numpy().ravel()
        array([  0., 255.], dtype=float32)
    """

    _random = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = _sorted_range("AutoContrast", value_range)

    def _transform(self, x, training):
        images = to_range(x, self.value_range, _BYTE)
        axes = (2, 3) if self.data_format == "channels_first" else (1, 2)
        low, high = ops.min(images, axis=axes, keepdims=True), ops.max(images, axis=axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = ops.divide(255.0, ops.subtract(high, low))
            stretched = ops.clip(ops.multiply(ops.subtract(images, low), scale), 0.0, 255.0)
            results = to_range(stretched, _BYTE, self.value_range)
        return ops.where(np.isnan(results.data), x, results)  # a flat channel stays as it was

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        return {**config, "value_range": self.value_range}


class Solarization(_RandomColorLayer):
    """Invert the pixels above a random threshold after adding a random amount (training only).

    Args:
        addition_factor: (lower, upper) in [0, 1] (a float f means (0, f)); the added amount is
            drawn in [lower, upper * 255], as Keras draws it.
        threshold_factor: the same for the threshold (default 0: every pixel is inverted).
        value_range: the images' range (default (0, 255)). seed: int for repeatable draws.
    """

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = _unit_pair("Solarization", "addition_factor", addition_factor)
        self.threshold_factor = _unit_pair("Solarization", "threshold_factor", threshold_factor)
        self.value_range = _sorted_range("Solarization", value_range)

    def _draw(self, n, rng):
        return {"additions": rng.uniform(self.addition_factor[0], self.addition_factor[1] * 255, n),
                "thresholds": rng.uniform(self.threshold_factor[0], self.threshold_factor[1] * 255, n)}

    def _apply(self, x, params):
        images = ops.clip(ops.add(to_range(x, self.value_range, _BYTE), per_image(params["additions"], x.dtype)),
                          0.0, 255.0)
        below = images.data < per_image(params["thresholds"], x.dtype)
        return to_range(ops.where(below, images, ops.subtract(255.0, images)), _BYTE, self.value_range)

    def get_config(self):
        return {**super().get_config(), "addition_factor": tuple(self.addition_factor),
                "threshold_factor": tuple(self.threshold_factor)}


def _unit_pair(layer, name, value):
    """Solarization's factors: a float f in [0, 1] -> (0, f); a pair -> sorted."""
    pair = (0, value) if isinstance(value, numbers.Real) else value
    if (not isinstance(pair, (tuple, list)) or len(pair) != 2
            or any(not isinstance(v, numbers.Real) or not 0 <= v <= 1 for v in pair)):
        raise ValueError(f"{layer}: `{name}` must be a float or a pair of floats in [0, 1]. "
                         f"Received: {name}={value!r}")
    return tuple(sorted(pair))


class RandomGrayscale(_ImageLayer):
    """Turn each RGB image to grayscale (kept with 3 equal channels) with probability `factor`.

    Args:
        factor: the probability, in [0, 1] (default 0.5). seed: int for repeatable draws.
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not isinstance(factor, numbers.Real) or not 0 <= factor <= 1:
            raise ValueError(f"RandomGrayscale: `factor` must be a probability in [0, 1]. Received: factor={factor!r}")
        self.factor = factor

    def _transform(self, x, training):
        return self._apply(x, self._draw(x.shape[0], self._rng()))

    def _draw(self, n, rng):
        return {"apply": rng.uniform(0, 1, n) < self.factor}

    def _apply(self, x, params):
        gray = grayscale("RandomGrayscale", x, self.data_format)
        shape = [1, 1, 1, 1]
        shape[channel_axis(self.data_format)] = 3
        gray = ops.multiply(gray, np.ones(shape, x.dtype))
        return ops.where(np.asarray(params["apply"]).reshape(-1, 1, 1, 1), gray, x)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomInvert(_RandomColorLayer):
    """Invert images (value_range[1] - x); each image with a probability drawn in `factor`.

    Args:
        factor: (lower, upper) in [0, 1] for the inversion probability; a float f means (0, f)
            as Keras (so the default 1.0 inverts about half of the images).
        value_range: the images' range (default (0, 255)). seed: int for repeatable draws.
    """

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("RandomInvert", "factor", factor, (0, 1))
        self.value_range = value_range

    def _draw(self, n, rng):
        probability = rng.uniform(self.factor[0], self.factor[1], n)
        return {"apply_inversion": rng.uniform(0, 1, n) < probability}

    def _apply(self, x, params):
        inverted = ops.subtract(float(self.value_range[1]), x)
        return ops.where(np.asarray(params["apply_inversion"]).reshape(-1, 1, 1, 1), inverted, x)

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor)}


class RandomPosterization(_RandomColorLayer):
    """Keep only the top `bits` bits of each 8-bit channel value (training only).

    Args:
        factor: the number of bits kept, in [1, 8]: an int b draws bits in [1, b) (b itself
            when b is 1), a pair (lower, upper) in [lower, upper), as Keras.
        value_range: the images' range (default (0, 255)). seed: int for repeatable draws.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("RandomPosterization", "factor", factor, (1, 8))
        self.value_range = _sorted_range("RandomPosterization", value_range)

    def _draw(self, n, rng):
        low, high = int(self.factor[0]), int(self.factor[1])
        bits = rng.integers(low, high, n) if low != high else np.full(n, low)
        return {"shift_factor": 8 - bits}

    def _apply(self, x, params):
        images = np.asarray(to_range(x, self.value_range, _BYTE).data)
        shift = np.asarray(params["shift_factor"], np.uint8).reshape(-1, 1, 1, 1)
        kept = (images.astype(np.uint8) >> shift) << shift  # float -> uint8 truncates, as a cast
        return to_range(ops.convert_to_tensor(kept.astype(x.dtype)), _BYTE, self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor)}


class RandomColorDegeneration(_RandomColorLayer):
    """Blend each image towards its grayscale version by a random amount (training only).

    Args:
        factor: (lower, upper) in [-1, 1]; a float f means (-f, f), as Keras. 0 keeps the
            colours, 1 is gray, negative amounts push away from gray.
        value_range: the range the result is clipped to (default (0, 255)). seed: as above.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("RandomColorDegeneration", "factor", factor, (-1, 1))
        self.value_range = _sorted_range("RandomColorDegeneration", value_range)

    def _draw(self, n, rng):
        return {"factor": rng.uniform(self.factor[0], self.factor[1], n)}

    def _apply(self, x, params):
        gray = grayscale("RandomColorDegeneration", x, self.data_format)
        amount = per_image(params["factor"], x.dtype)
        blended = ops.add(x, ops.multiply(ops.subtract(gray, x), amount))
        return ops.clip(blended, *self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor)}


class RandomSharpness(_RandomColorLayer):
    """Sharpen or blur each image by a random amount (training only).

    x -> x + (1 - 2f)(blur(x) - x): f = 0.5 keeps the image, f < 0.5 blurs, f > 0.5 sharpens
    (blur: the 3x3 kernel [1 1 1; 1 5 1; 1 1 1] / 13 with zero padding, as Keras).

    Args:
        factor: (lower, upper) in [0, 1]; a float f means (0, f).
        value_range: the range the result is clipped to (default (0, 255)). seed: as above.
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("RandomSharpness", "factor", factor, (0, 1))
        self.value_range = _sorted_range("RandomSharpness", value_range)

    def _draw(self, n, rng):
        return {"factor": rng.uniform(self.factor[0], self.factor[1], n)}

    def _apply(self, x, params):
        channels = x.shape[channel_axis(self.data_format)]
        side, centre = 1.0 / 13.0, 5.0 / 13.0
        kernel = np.full((3, 3), side, x.dtype)
        kernel[1, 1] = centre
        kernel = np.tile(kernel[:, :, None, None], (1, 1, channels, 1))
        blurred = ops.depthwise_conv(x, kernel, padding="same", data_format=self.data_format)
        amount = per_image(1.0 - np.asarray(params["factor"]) * 2, x.dtype)
        return ops.clip(ops.add(x, ops.multiply(ops.subtract(blurred, x), amount)), *self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor)}


__all__ = ["AutoContrast", "RandomColorDegeneration", "RandomGrayscale", "RandomInvert",
           "RandomPosterization", "RandomSharpness", "Solarization"]
