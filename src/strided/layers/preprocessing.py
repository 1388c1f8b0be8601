"""Keras 3 preprocessing layers: augmentation inside the model, plus rescaling, resizing, normalization.

    data_augmentation = Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
    model = Sequential([Input((28, 28, 1)), data_augmentation, layers.Rescaling(1 / 255), ...])

The Random* layers transform only in training mode: `model.fit` augments, `predict`/`evaluate`
(training=False) pass images through unchanged. As in Keras 3, a direct call `layer(images)` with
no `training` argument counts as training, so it shows augmented examples. Rescaling, Resizing
and Normalization always apply. Geometric layers build one affine matrix per image and sample the
whole batch with one gather (`strided.preprocessing.affine`), differentiably.
Images are (N, H, W, C) (or (N, C, H, W) with data_format="channels_first"); a single image
(H, W, C) is accepted too.
"""

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


def _check_choice(layer, name, value, choices):
    if value not in choices:
        raise ValueError(f"{layer}: `{name}` must be one of {choices}. Received: {name}={value!r}")
    return value


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


class RandomFlip(_ImageLayer):
    """Flip each image left-right and/or top-bottom with probability 1/2 (training only).

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (each flip drawn independently).
        seed: int for repeatable flips.

    Shape: unchanged.

    Example:
        >>> RandomFlip("horizontal", seed=2)(np.arange(4.0).reshape(1, 1, 4, 1)).numpy().ravel()
        array([3., 2., 1., 0.], dtype=float32)
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = _check_choice(
            "RandomFlip", "mode", mode, ("horizontal", "vertical", "horizontal_and_vertical")
        )

    def _transform(self, x, training):
        (h, w), n, rng = self._hw(x.shape), x.shape[0], self._rng()
        horizontal = rng.random(n) < 0.5 if self.mode != "vertical" else np.zeros(n, bool)
        vertical = rng.random(n) < 0.5 if self.mode != "horizontal" else np.zeros(n, bool)
        matrices = affine_matrices(h, w, flip_horizontal=horizontal, flip_vertical=vertical)
        return affine_transform(
            x, matrices, "nearest", interpolation="nearest", data_format=self.data_format
        )

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class RandomRotation(_AffineLayer):
    """Rotate each image by a random angle (training only); positive = counter-clockwise.

    Args:
        factor: a fraction of a full turn: f -> angle in [-f * 360, f * 360] degrees, or (lower, upper).
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest"; fill_value for "constant".
        interpolation: "bilinear" or "nearest". seed: int for repeatable angles.

    Shape: unchanged.

    Example:
        >>> layer = RandomRotation(0.1)   # up to +-36 degrees
    """

    def __init__(
        self,
        factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _factor_range("RandomRotation", "factor", factor, -np.inf, np.inf)

    def _matrices(self, n, h, w, rng):
        turns = rng.uniform(*self.factor, n)
        return affine_matrices(h, w, theta=-360.0 * turns)  # affine_matrices' theta turns clockwise

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


class RandomTranslation(_AffineLayer):
    """Shift each image by a random fraction of its size (training only).

    Args:
        height_factor: f -> a shift in [-f, f] * height (positive = down), or (lower, upper).
        width_factor: f -> a shift in [-f, f] * width (positive = right), or (lower, upper).
        fill_mode, interpolation, seed, fill_value: as RandomRotation.

    Shape: unchanged.
    """

    def __init__(
        self,
        height_factor,
        width_factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = _factor_range("RandomTranslation", "height_factor", height_factor)
        self.width_factor = _factor_range("RandomTranslation", "width_factor", width_factor)

    def _matrices(self, n, h, w, rng):
        down, right = (
            rng.uniform(*self.height_factor, n) * h,
            rng.uniform(*self.width_factor, n) * w,
        )
        return affine_matrices(
            h, w, tx=-down, ty=-right
        )  # output (r, c) reads input (r - down, c - right)

    def get_config(self):
        return {
            **super().get_config(),
            "height_factor": list(self.height_factor),
            "width_factor": list(self.width_factor),
        }


class RandomZoom(_AffineLayer):
    """Zoom each image in or out about its centre (training only).

    Args:
        height_factor: f -> zoom in [-f, f] (positive = zoom out: a factor 0.2 shows 20% more
            of the scene), or (lower, upper), each > -1.
        width_factor: the same for the width; None keeps the aspect ratio (same zoom on both axes).
        fill_mode, interpolation, seed, fill_value: as RandomRotation.

    Shape: unchanged.
    """

    def __init__(
        self,
        height_factor,
        width_factor=None,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor = _factor_range(
            "RandomZoom", "height_factor", height_factor, -1.0, np.inf
        )
        self.width_factor = (
            None
            if width_factor is None
            else _factor_range("RandomZoom", "width_factor", width_factor, -1.0, np.inf)
        )

    def _matrices(self, n, h, w, rng):
        zoom_h = 1.0 + rng.uniform(*self.height_factor, n)
        zoom_w = zoom_h if self.width_factor is None else 1.0 + rng.uniform(*self.width_factor, n)
        return affine_matrices(h, w, zx=zoom_h, zy=zoom_w)

    def get_config(self):
        return {
            **super().get_config(),
            "height_factor": list(self.height_factor),
            "width_factor": None if self.width_factor is None else list(self.width_factor),
        }


class RandomCrop(_ImageLayer):
    """Crop a random (height, width) window of each image while training; a centred crop otherwise.

    Outside training the largest centred window with the target's aspect ratio is cut and
    resized to (height, width), as Keras 3 does (so the shapes match in both modes).

    Args:
        height, width: the output size. seed: int for repeatable windows.

    Shape: (N, height, width, C).
    """

    _random = False  # also transforms in inference (centre crop)

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height, self.width = (
            _positive("RandomCrop", "height", height),
            _positive("RandomCrop", "width", width),
        )

    def _transform(self, x, training):
        (h, w), n = self._hw(x.shape), x.shape[0]
        if training and h >= self.height and w >= self.width:
            rng = self._rng()
            top, left = (
                rng.integers(0, h - self.height + 1, n),
                rng.integers(0, w - self.width + 1, n),
            )
            return _window(x, top, left, (self.height, self.width), self.data_format)
        return _centre_crop_resize(x, (self.height, self.width), "bilinear", self.data_format)

    def compute_output_shape(self, input_shape):
        return _with_hw(input_shape, (self.height, self.width), self.data_format)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class RandomContrast(_ImageLayer):
    """Scale each image's deviations from its per-channel mean by a random factor (training only).

    x -> clip((x - mean) * c + mean, value_range), c drawn in [1 - lower, 1 + upper].

    Args:
        factor: f -> c in [1 - f, 1 + f], or (lower, upper); values in [0, 1].
        value_range: the pixel range to clip to (default (0, 255)).
        seed: int for repeatable factors.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        lower, upper = (
            _factor_range("RandomContrast", "factor", factor, 0.0, 1.0, symmetric=False)
            if isinstance(factor, numbers.Real)
            else _factor_range("RandomContrast", "factor", factor, 0.0, 1.0)
        )
        self.factor = (lower, upper)
        self.value_range = _value_range("RandomContrast", value_range)

    def _transform(self, x, training):
        contrast = self._rng().uniform(1.0 - self.factor[0], 1.0 + self.factor[1], x.shape[0])
        axes = (2, 3) if self.data_format == "channels_first" else (1, 2)
        mean = ops.mean(x, axis=axes, keepdims=True)
        scale = contrast.astype(x.dtype).reshape(-1, 1, 1, 1)
        return ops.clip(
            ops.add(ops.multiply(ops.subtract(x, mean), scale), mean), *self.value_range
        )

    def get_config(self):
        return {
            **super().get_config(),
            "factor": list(self.factor),
            "value_range": list(self.value_range),
        }


class RandomBrightness(_ImageLayer):
    """Add a random amount to all pixels of each image (training only), then clip to value_range.

    Args:
        factor: f -> a delta in [-f, f] * (max - min) of value_range, or (lower, upper), in [-1, 1].
        value_range: the pixel range (default (0, 255)).
        seed: int for repeatable deltas.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_range("RandomBrightness", "factor", factor)
        self.value_range = _value_range("RandomBrightness", value_range)

    def _transform(self, x, training):
        span = self.value_range[1] - self.value_range[0]
        delta = (
            (self._rng().uniform(*self.factor, x.shape[0]) * span)
            .astype(x.dtype)
            .reshape(-1, 1, 1, 1)
        )
        return ops.clip(ops.add(x, delta), *self.value_range)

    def get_config(self):
        return {
            **super().get_config(),
            "factor": list(self.factor),
            "value_range": list(self.value_range),
        }


class Rescaling(Layer):
    """Multiply by `scale` and add `offset` (always): e.g. Rescaling(1 / 255) maps [0, 255] to [0, 1].

    Args:
        scale: a float (or per-channel list). offset: a float (or list) added after scaling.

    Example:
        >>> Rescaling(1 / 127.5, offset=-1)(np.array([0.0, 255.0])).numpy()
        array([-1.,  1.], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        scale = np.asarray(self.scale, dtype=inputs.dtype)
        return ops.add(ops.multiply(inputs, scale), np.asarray(self.offset, dtype=inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "scale": _as_json(self.scale),
            "offset": _as_json(self.offset),
        }


class Resizing(_ImageLayer):
    """Resize images to (height, width) (always), optionally cropping or padding to the aspect ratio first.

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default) or "nearest".
        crop_to_aspect_ratio: cut the largest centred window with the target aspect ratio first.
        pad_to_aspect_ratio: pad (with fill_value) to the target aspect ratio first.
        fill_mode: only "constant" (with pad_to_aspect_ratio). fill_value: the padding value.

    Shape: (N, height, width, C).
    """

    _random = False

    def __init__(
        self,
        height,
        width,
        interpolation="bilinear",
        crop_to_aspect_ratio=False,
        pad_to_aspect_ratio=False,
        fill_mode="constant",
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = (
            _positive("Resizing", "height", height),
            _positive("Resizing", "width", width),
        )
        self.interpolation = _check_choice(
            "Resizing", "interpolation", interpolation, INTERPOLATIONS
        )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                "Resizing: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True."
            )
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = (
            bool(crop_to_aspect_ratio),
            bool(pad_to_aspect_ratio),
        )
        self.fill_mode = _check_choice("Resizing", "fill_mode", fill_mode, ("constant",))
        self.fill_value = float(fill_value)

    def _transform(self, x, training):
        target = (self.height, self.width)
        if self.crop_to_aspect_ratio:
            return _centre_crop_resize(x, target, self.interpolation, self.data_format)
        if self.pad_to_aspect_ratio:
            (h, w), n = self._hw(x.shape), x.shape[0]
            ph, pw = (
                max(h, round(w * self.height / self.width)),
                max(w, round(h * self.width / self.height)),
            )
            top, left = np.full(n, -((ph - h) // 2)), np.full(n, -((pw - w) // 2))
            x = _window(x, top, left, (ph, pw), self.data_format, fill_value=self.fill_value)
        if self._hw(x.shape) == target:
            return x
        return ops.resize(x, target, interpolation=self.interpolation, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return _with_hw(input_shape, (self.height, self.width), self.data_format)

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        config.update(
            height=self.height,
            width=self.width,
            interpolation=self.interpolation,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
        )
        return config


class Normalization(Layer):
    """Standardize features with a mean and variance learned by `adapt(data)` (always applied).

    out = (x - mean) / max(sqrt(variance), epsilon), per index of `axis` (e.g. per channel);
    `invert=True` maps back: x * max(sqrt(variance), epsilon) + mean.

    Args:
        axis: the axis (or axes) that keeps separate statistics; -1 = last (channels); None = one
            scalar mean and variance.
        mean, variance: give both to skip adapt() (broadcast to the kept axes).
        invert: apply the inverse transform.

    Weights: non-trainable "mean" and "variance" (shape of the kept axes) when not given.

    Example:
        >>> norm = Normalization()
        >>> norm.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
        >>> norm(np.array([[1.0, 20.0]])).numpy()
        array([[0., 0.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            self.axis = ()
        elif isinstance(axis, numbers.Integral):
            self.axis = (int(axis),)
        else:
            self.axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                "Normalization: give both `mean` and `variance`, or neither (then call adapt(data))."
            )
        self.input_mean, self.input_variance, self.invert = mean, variance, bool(invert)

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = tuple(sorted(a % ndim for a in self.axis)) if ndim else ()
        if 0 in axes or any(input_shape[a] is None for a in axes):
            raise ValueError(
                f"Normalization: `axis` must name axes of known size other than the batch axis; "
                f"received axis={self.axis} for input shape {tuple(input_shape)}."
            )
        self._kept_axes = axes
        self._broadcast = tuple(input_shape[a] if a in axes else 1 for a in range(ndim))
        stat_shape = tuple(input_shape[a] for a in axes)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                shape=stat_shape, initializer="zeros", trainable=False, name="mean"
            )
            self.adapt_variance = self.add_weight(
                shape=stat_shape, initializer="ones", trainable=False, name="variance"
            )
            # Keras 3 keeps the number of adapted samples too (mean, variance, count), so weight
            # files and parameter counts match (EfficientNetB0's 5,330,571).
            self.count = self.add_weight(
                shape=(), initializer="zeros", trainable=False, name="count", dtype="int64"
            )
        else:
            self._mean = np.broadcast_to(np.asarray(self.input_mean, np.float64), stat_shape)
            self._variance = np.broadcast_to(
                np.asarray(self.input_variance, np.float64), stat_shape
            )

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of `data` (an array, or an iterable of batches / (x, y) pairs).

        Statistics are accumulated batch by batch (Chan's parallel formula) in float64.
        """
        if self.input_mean is not None:
            raise ValueError(
                "Normalization: adapt() is not needed (and not allowed) when mean and variance were given."
            )
        is_batches = not hasattr(data, "shape") and not (
            isinstance(data, (list, tuple)) and not any(hasattr(item, "shape") for item in data)
        )
        if not is_batches:  # one array (ndarray, Tensor or nested lists of numbers)
            array = np.asarray(getattr(data, "data", data))
            step = batch_size or max(len(array), 1)
            batches = (array[i : i + step] for i in range(0, len(array), step))
        else:
            batches = (
                np.asarray(getattr(b, "data", b))
                for b in (b[0] if isinstance(b, tuple) else b for b in data)
            )
        count, mean, m2 = 0, None, None
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if not self.built:
                self._maybe_build((None,) + tuple(batch.shape[1:]))
            reduce = tuple(a for a in range(batch.ndim) if a not in self._kept_axes)
            b_count = int(np.prod([batch.shape[a] for a in reduce]))
            b_mean = batch.astype(np.float64).mean(axis=reduce)
            b_m2 = ((batch - b_mean.reshape(self._broadcast)) ** 2).sum(axis=reduce)
            if mean is None:
                count, mean, m2 = b_count, b_mean, b_m2
            else:
                delta, total = b_mean - mean, count + b_count
                mean = mean + delta * b_count / total
                m2 = m2 + b_m2 + delta**2 * count * b_count / total
                count = total
        if mean is None:
            raise ValueError("Normalization.adapt: received no data.")
        self.adapt_mean.assign(mean.astype(self.adapt_mean.dtype))
        self.adapt_variance.assign((m2 / count).astype(self.adapt_variance.dtype))
        self.count.assign(count)

    def call(self, inputs):
        if self.input_mean is None:
            mean, variance = self.adapt_mean.data, self.adapt_variance.data
        else:
            mean, variance = self._mean, self._variance
        mean = np.asarray(mean, dtype=inputs.dtype).reshape(self._broadcast)
        std = np.maximum(np.sqrt(np.asarray(variance, np.float64)), _config.epsilon())
        std = std.astype(inputs.dtype).reshape(self._broadcast)
        if self.invert:
            return ops.add(ops.multiply(inputs, std), mean)
        return ops.divide(ops.subtract(inputs, mean), std)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        axis = None if not self.axis else (self.axis[0] if len(self.axis) == 1 else list(self.axis))
        return {
            **super().get_config(),
            "axis": axis,
            "mean": _as_json(self.input_mean),
            "variance": _as_json(self.input_variance),
            "invert": self.invert,
        }


# ---- helpers -------------------------------------------------------------------------------------


def _as_json(value):
    return None if value is None else np.asarray(value).tolist()


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


__all__ = [
    "Normalization",
    "RandomBrightness",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
]
