"""Random colour augmentation: contrast and brightness (training only), clipped to a value range."""

from strided import ops
from strided.layers.preprocessing._image_layer import (
    _factor_range,
    _ImageLayer,
    _keras_factor,
    _value_range,
)


class _RandomColor(_ImageLayer):
    """Shared by RandomContrast and RandomBrightness: a (lower, upper) `factor`, a `value_range`."""

    def get_config(self):
        return {
            **super().get_config(),
            "factor": tuple(self.factor),
            "value_range": self._config_value_range(),
        }

    def _config_value_range(self):
        return self._given_value_range  # Keras repeats the argument


class RandomContrast(_RandomColor):
    """Scale each image's deviations from its per-channel mean by a random factor (training only).

    x -> clip((x - mean) * c + mean, value_range), c drawn in [1 - lower, 1 + upper].

    Args:
        factor: (lower, upper) in [0, 1]; a float f means (0, f), i.e. c in [1, 1 + f], exactly
            as Keras 3 stores and applies it (its documentation says [1 - f, 1 + f]).
        value_range: the pixel range to clip to (default (0, 255)).
        seed: int for repeatable factors.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _keras_factor("RandomContrast", "factor", factor, (0, 1))
        self.value_range = _value_range("RandomContrast", value_range)
        self._given_value_range = value_range

    def _transform(self, x, training):
        contrast = self._rng().uniform(1.0 - self.factor[0], 1.0 + self.factor[1], x.shape[0])
        axes = (2, 3) if self.data_format == "channels_first" else (1, 2)
        mean = ops.mean(x, axis=axes, keepdims=True)
        scale = contrast.astype(x.dtype).reshape(-1, 1, 1, 1)
        return ops.clip(
            ops.add(ops.multiply(ops.subtract(x, mean), scale), mean), *self.value_range
        )


class RandomBrightness(_RandomColor):
    """Add a random amount to all pixels of each image (training only), then clip to value_range.

    Args:
        factor: f -> a delta in [-f, f] * (max - min) of value_range, or (lower, upper), in [-1, 1].
        value_range: the pixel range (default (0, 255)).
        seed: int for repeatable deltas.
    """

    def __init__(self, factor, value_range=[0, 255], seed=None, **kwargs):  # noqa: B006 (Keras' default)
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_range("RandomBrightness", "factor", factor)
        self.value_range = _value_range("RandomBrightness", value_range)
        self._given_value_range = value_range

    def _config_value_range(self):
        return list(self._given_value_range)  # Keras stores it as a list

    def _transform(self, x, training):
        span = self.value_range[1] - self.value_range[0]
        delta = (
            (self._rng().uniform(*self.factor, x.shape[0]) * span)
            .astype(x.dtype)
            .reshape(-1, 1, 1, 1)
        )
        return ops.clip(ops.add(x, delta), *self.value_range)


__all__ = ["RandomBrightness", "RandomContrast"]
