"""More regularization layers (Keras 3): GaussianDropout, AlphaDropout, SpatialDropout3D,
ActivityRegularization.

Each is the identity at inference (`training` not True); while training:

    GaussianDropout:  y = x * m,   m ~ Normal(1, sqrt(rate / (1 - rate)))   (mean unchanged)
    AlphaDropout:     y = a * (x * k + alpha' * (1 - k)) + b,  k ~ Bernoulli(1 - rate), with
                      alpha' = -1.7581 (SELU's negative saturation) and a, b chosen so a
                      zero-mean, unit-variance input keeps mean 0 and variance 1 (for SELU nets)
    SpatialDropout3D: Dropout with one mask value per (sample, channel) of a volume
    ActivityRegularization: adds l1 * sum|x| + l2 * sum x^2 (divided by the batch size) to
                      the layer's losses, and returns x unchanged.
"""

import math

import numpy as np

from strided import _config, ops, regularizers
from strided.layers import _layer_utils as U
from strided.layers.base import Layer
from strided.layers.regularization import Dropout
from strided.utils import random as strided_random

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_seed(layer, seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"{layer}: `seed` must be an int or None. Received: seed={seed!r}")
    return None if seed is None else int(seed)


class _RandomLayer(Layer):
    """Shared: a `rate` in [0, 1] and an optional int `seed` (then the draws repeat run to run)."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = U.check_rate(type(self).__name__, rate)
        self.seed = _check_seed(type(self).__name__, seed)
        self._generator = None if seed is None else np.random.default_rng(self.seed)
        self.supports_masking = True

    def _rng(self):
        return self._generator if self._generator is not None else strided_random.get_rng()

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class GaussianDropout(_RandomLayer):
    """Multiply the inputs by Gaussian noise of mean 1 while training (Srivastava et al. 2014).

    Args:
        rate: float in [0, 1]; the noise's standard deviation is sqrt(rate / (1 - rate)), the
            variance that Dropout(rate) introduces. seed: optional int.

    Shape: unchanged.

    Example:
        >>> GaussianDropout(0.2)(np.ones((2, 3)), training=True).shape
        (2, 3)
    """

    _traceable_inference = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate)) if self.rate < 1 else math.inf
        noise = self._rng().normal(1.0, stddev, size=inputs.shape).astype(inputs.dtype)
        return ops.multiply(inputs, noise)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config


class AlphaDropout(_RandomLayer):
    """Dropout that keeps the self-normalising property of SELU networks (Klambauer et al. 2017).

    Dropped values are set to SELU's negative saturation alpha' = -scale * alpha instead of 0,
    then an affine map a*x + b restores mean 0 and variance 1:

        a = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5,   b = -a * alpha' * rate

    Args:
        rate: float in [0, 1], the drop probability. noise_shape: optional mask shape (None
            entries take the input's size). seed: optional int.

    Shape: unchanged.
    """

    _traceable_inference = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, seed, **kwargs)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self._noise_shape_argument = noise_shape  # Keras' config returns it as given

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape if self.noise_shape is None else tuple(
            size if wanted is None else wanted for size, wanted in zip(inputs.shape, self.noise_shape)
        )
        kept = (self._rng().random(shape) >= self.rate).astype(inputs.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        dropped_value = (alpha_p * (1 - kept) * a + b).astype(inputs.dtype)
        return ops.add(ops.multiply(inputs, (a * kept).astype(inputs.dtype)), dropped_value)

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed, noise_shape=self._noise_shape_argument)
        return config


class SpatialDropout3D(Dropout):
    """Drop whole 3-D feature maps: (N, D, H, W, C) with mask shape (N, 1, 1, 1, C) (or (N, C, 1, 1, 1)).

    Args:
        rate: fraction of feature maps dropped. data_format: "channels_last" / "channels_first".
        seed: optional int.

    Example:
        >>> SpatialDropout3D(0.5)(np.ones((2, 4, 4, 4, 3)), training=True).shape
        (2, 4, 4, 4, 3)
    """

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = _config.standardize_data_format(data_format)

    def _mask_shape(self, inputs):
        U.check_input_rank(type(self).__name__, inputs.shape, 3, self.data_format)
        n = inputs.shape[0]
        if self.data_format == "channels_last":
            return (n, 1, 1, 1, inputs.shape[4])
        return (n, inputs.shape[1], 1, 1, 1)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape")
        config["data_format"] = self.data_format
        return config


class ActivityRegularization(Layer):
    """Pass the inputs through unchanged and add an activity penalty to the losses:
    (l1 * sum|x| + l2 * sum x^2) / batch_size, as Keras (an `L1L2` activity regularizer).

    Args:
        l1, l2: non-negative floats (default 0.0).

    Example:
        >>> layer = ActivityRegularization(l1=0.1)
        >>> _ = layer(np.array([[1.0, -2.0]]))
        >>> float(layer.losses[0].numpy())    # 0.1 * 3 / 1
        0.3...
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"ActivityRegularization: `{name}` must be a non-negative float. Received: {name}={value!r}")
        self.l1, self.l2 = l1, l2
        self.activity_regularizer = regularizers.get({"class_name": "L1L2", "config": {"l1": l1, "l2": l2}})
        self.supports_masking = True

    def call(self, inputs):
        return U.add_activity_penalty(self, inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(l1=self.l1, l2=self.l2)
        return config


__all__ = ["ActivityRegularization", "AlphaDropout", "GaussianDropout", "SpatialDropout3D"]
