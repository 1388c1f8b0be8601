"""What the preprocessing layers share: argument checks, the image-layer base (seed,
data_format, unbatched input, training-only randomness), the random-affine base, and cutting
or padding windows (used by RandomCrop and Resizing)."""

import numbers

import numpy as np

from strided import _config, ops
from strided.layers.base import Layer
from strided.preprocessing.affine import FILL_MODES, INTERPOLATIONS, affine_matrices
from strided.preprocessing.affine_op import affine_transform
from strided.utils import random as strided_random


def _factor_range(layer, name, value, low=-1.0, high=1.0, symmetric=True):
    """A float f -> (-f, f) (or (f, f) when not symmetric); a pair -> itself; checked against [low, high]."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        pair = (
            (-abs(float(value)), abs(float(value))) if symmetric else (float(value), float(value))
        )
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, numbers.Real) for v in value)
    ):
        pair = (float(value[0]), float(value[1]))
    else:
        raise ValueError(
            f"{layer}: `{name}` must be a float or a tuple of two floats. Received: {name}={value!r}"
        )
    if pair[0] > pair[1] or pair[0] < low or pair[1] > high:
        raise ValueError(
            f"{layer}: `{name}` must lie in [{low}, {high}] with lower <= upper. Received: {name}={value!r}"
        )
    return pair


def _keras_factor(layer, name, value, bounds):
    """Keras' `_set_factor`: a pair -> sorted (lower, upper); a number f -> (max(-|f|, low), |f|).

    So with bounds (0, 1) a float f gives (0, f), as Keras 3 stores it (RandomContrast(0.2)
    draws its contrast in [1.0, 1.2] there, and here too, so saved configs mean the same).
    """
    message = (f"{layer}: `{name}` must be a number or a pair of numbers in the range "
               f"[{bounds[0]}, {bounds[1]}]. Received: {name}={value!r}")
    if isinstance(value, (tuple, list)):
        if len(value) != 2 or not all(isinstance(v, numbers.Real) for v in value):
            raise ValueError(message)
        if value[0] > bounds[1] or value[1] < bounds[0]:
            raise ValueError(message)
        return tuple(sorted(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not bounds[0] <= value <= bounds[1]:
            raise ValueError(message)
        return (max(-abs(value), bounds[0]), abs(value))
    raise ValueError(message)


def _check_choice(layer, name, value, choices):
    if value not in choices:
        raise ValueError(f"{layer}: `{name}` must be one of {choices}. Received: {name}={value!r}")
    return value


def _positive(layer, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{layer}: `{name}` must be a positive int. Received: {name}={value!r}")
    return int(value)


def _value_range(layer, value):
    if not isinstance(value, (tuple, list)) or len(value) != 2 or not value[0] < value[1]:
        raise ValueError(
            f"{layer}: `value_range` must be (min, max) with min < max. Received: value_range={value!r}"
        )
    return (float(value[0]), float(value[1]))


def _as_json(value):
    return None if value is None else np.asarray(value).tolist()


class _ImageLayer(Layer):
    """Shared by the image layers: data_format, a seed, unbatched inputs, rank checks."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(
                f"{type(self).__name__}: `seed` must be an int or None. Received: seed={seed!r}"
            )
        self.seed = None if seed is None else int(seed)
        self._generator = None if seed is None else np.random.default_rng(self.seed)
        self.data_format = _config.standardize_data_format(data_format)

    def _rng(self):
        return self._generator if self._generator is not None else strided_random.get_rng()

    def _hw(self, shape):
        """(height, width) of a batched shape."""
        return tuple(shape[2:4]) if self.data_format == "channels_first" else tuple(shape[1:3])

    def _batched(self, inputs):
        if inputs.ndim not in (3, 4):
            raise ValueError(
                f"{type(self).__name__}: expected images of rank 4 (batch, height, width, channels) or 3 "
                f"(height, width, channels), received shape {tuple(inputs.shape)}."
                + (" Add a channel axis with x[..., None]." if inputs.ndim == 2 else "")
            )
        return (ops.expand_dims(inputs, 0), True) if inputs.ndim == 3 else (inputs, False)

    def call(self, inputs, training=True):
        if not training and self._random:
            return inputs
        x, unbatched = self._batched(inputs)
        out = self._transform(x, training)
        return ops.squeeze(out, 0) if unbatched else out

    _random = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(seed=self.seed, data_format=self.data_format)
        return config


class _AffineLayer(_ImageLayer):
    """A random geometric transform: subclasses give the matrices for a batch."""

    def __init__(
        self,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.fill_mode = _check_choice(type(self).__name__, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = _check_choice(
            type(self).__name__, "interpolation", interpolation, INTERPOLATIONS
        )
        self.fill_value = float(fill_value)

    def _transform(self, x, training):
        (h, w), n = self._hw(x.shape), x.shape[0]
        return affine_transform(
            x,
            self._matrices(n, h, w, self._rng()),
            self.fill_mode,
            self.fill_value,
            self.interpolation,
            data_format=self.data_format,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            fill_mode=self.fill_mode, interpolation=self.interpolation, fill_value=self.fill_value
        )
        return config


def _with_hw(shape, hw, data_format):
    shape = list(shape)
    at = (
        (len(shape) - 2, len(shape) - 1)
        if data_format == "channels_first"
        else (len(shape) - 3, len(shape) - 2)
    )
    shape[at[0]], shape[at[1]] = hw
    return tuple(shape)


def _window(x, top, left, size, data_format, fill_value=0.0):
    """Cut (or pad, with negative offsets) a size window at per-image (top, left): exact nearest sampling."""
    matrices = affine_matrices(1, 1, tx=top, ty=left)  # pure translation: no centring involved
    return affine_transform(
        x, matrices, "constant", fill_value, "nearest", output_size=size, data_format=data_format
    )


def _centre_crop_resize(x, size, interpolation, data_format):
    """The largest centred window with size's aspect ratio, resized to size (Keras' inference crop)."""
    h, w = tuple(x.shape[2:4]) if data_format == "channels_first" else tuple(x.shape[1:3])
    crop_h = max(min(h, int(w * size[0] / size[1])), 1)
    crop_w = max(min(w, int(h * size[1] / size[0])), 1)
    n = x.shape[0]
    if (crop_h, crop_w) != (h, w):
        x = _window(
            x,
            np.full(n, (h - crop_h) // 2),
            np.full(n, (w - crop_w) // 2),
            (crop_h, crop_w),
            data_format,
        )
    if (crop_h, crop_w) == tuple(size):
        return x
    return ops.resize(x, size, interpolation=interpolation, data_format=data_format)


__all__ = []
