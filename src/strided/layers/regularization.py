"""Regularization layers: Dropout and its variants, active only while training.

Inverted dropout, as Keras: during training each value is zeroed with probability `rate`
and the survivors are scaled by 1 / (1 - rate), so nothing changes at inference (the layer
is the identity when `training` is not True).
"""

import numpy as np

from strided import _config, ops
from strided.layers import _layer_utils as U
from strided.layers.base import Layer
from strided.utils import random as strided_random


class Dropout(Layer):
    """Randomly zero a fraction `rate` of the inputs while training (scaling the rest).

    Args:
        rate: float in [0, 1], the fraction of units to drop.
        noise_shape: optional shape of the binary mask, broadcast over the input; e.g.
            (batch, 1, features) drops the same features at every step. None entries take
            the input's size.
        seed: optional int: the masks then repeat from run to run (each call draws a new one).

    Shape: unchanged.

    Example:
        >>> Dropout(0.5)(np.ones((2, 4)), training=True)   # entries 0 or 2
    """

    _traceable_inference = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = U.check_rate(type(self).__name__, rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"{type(self).__name__}: `seed` must be an int or None. Received: seed={seed!r}")
        self.seed = None if seed is None else int(seed)
        self._generator = None if seed is None else np.random.default_rng(self.seed)

    def _mask_shape(self, inputs):
        return self.noise_shape

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        generator = self._generator if self._generator is not None else strided_random.get_rng()
        return ops.dropout(inputs, self.rate, noise_shape=self._mask_shape(inputs), seed=generator)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, noise_shape=None if self.noise_shape is None else list(self.noise_shape),
                      seed=self.seed)
        return config


class SpatialDropout1D(Dropout):
    """Drop whole feature channels of a sequence: (N, steps, C), mask shape (N, 1, C).

    Adjacent steps are strongly correlated, so dropping single values regularises little;
    dropping an entire channel does.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def _mask_shape(self, inputs):
        U.check_input_rank(type(self).__name__, inputs.shape, 1, "channels_last")
        return (inputs.shape[0], 1, inputs.shape[2])

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape")
        return config


class SpatialDropout2D(Dropout):
    """Drop whole feature maps: (N, H, W, C) with mask shape (N, 1, 1, C) (or (N, C, 1, 1)).

    Args:
        rate: fraction of feature maps dropped. data_format: "channels_last" / "channels_first".
        seed: optional int.
    """

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = _config.standardize_data_format(data_format)

    def _mask_shape(self, inputs):
        U.check_input_rank(type(self).__name__, inputs.shape, 2, self.data_format)
        n = inputs.shape[0]
        if self.data_format == "channels_last":
            return (n, 1, 1, inputs.shape[3])
        return (n, inputs.shape[1], 1, 1)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape")
        config["data_format"] = self.data_format
        return config


class GaussianNoise(Layer):
    """Add zero-mean Gaussian noise of standard deviation `stddev` while training (identity otherwise)."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(f"GaussianNoise: `stddev` must be a non-negative float. Received: stddev={stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed
        self._generator = None if seed is None else np.random.default_rng(seed)

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        generator = self._generator if self._generator is not None else strided_random.get_rng()
        noise = generator.normal(0.0, self.stddev, size=inputs.shape).astype(inputs.dtype)
        return ops.add(inputs, noise)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config


__all__ = ["Dropout", "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D"]
