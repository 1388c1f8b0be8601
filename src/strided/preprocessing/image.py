"""ImageDataGenerator: Keras' classic on-the-fly image augmentation, vectorised over the batch.

    datagen = ImageDataGenerator(rotation_range=15, width_shift_range=0.1, height_shift_range=0.1,
                                 horizontal_flip=True, rescale=1 / 255)
    model.fit(datagen.flow(x_train, y_train, batch_size=64), epochs=10)

Where Keras transforms one image at a time with scipy, here the random parameters of a whole batch
are drawn at once, turned into one affine matrix per image (flips included) and sampled with one
gather (`strided.preprocessing.affine`). Results match Keras' `apply_affine_transform` for the same
parameters (image centre at (h - 1) / 2, as current Keras).
"""

import numbers

import numpy as np

from strided._config import floatx, standardize_data_format
from strided.preprocessing.affine import FILL_MODES, affine_matrices, affine_sample
from strided.preprocessing.iterator import NumpyArrayIterator
from strided.utils.random import make_rng

_KEYS = ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical",
         "channel_shift_intensity", "brightness")


def _range_pair(value, name, around=1.0):
    """zoom_range / brightness_range: a float z -> [around - z, around + z]; a pair as given."""
    if isinstance(value, numbers.Real):
        return (around - float(value), around + float(value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, numbers.Real) for v in value):
        return (float(value[0]), float(value[1]))
    raise ValueError(f"`{name}` should be a float or a tuple or list of two floats. Received: {name}={value!r}")


class ImageDataGenerator:
    """Generate batches of images with random augmentation (Keras' `ImageDataGenerator`).

    Args:
        featurewise_center, featurewise_std_normalization: subtract the dataset's per-channel mean /
            divide by its std (computed by `fit(x)`).
        samplewise_center, samplewise_std_normalization: the same per image.
        zca_whitening, zca_epsilon: ZCA whitening (computed by `fit(x)`).
        rotation_range: degrees; the angle is uniform in [-r, r].
        width_shift_range, height_shift_range: float < 1: fraction of the width/height; float >= 1:
            pixels; int k: a whole number of pixels in (-k, k); list: one of its values (random sign
            for int lists, as Keras).
        brightness_range: (low, high): multiply the image by a factor drawn in that range.
        shear_range: degrees (counter-clockwise shear angle).
        zoom_range: float z -> zoom in [1 - z, 1 + z] independently per axis, or [low, high].
        channel_shift_range: add a value in [-c, c] to every channel, clipped to the image's range.
        fill_mode: "nearest" (default), "constant", "reflect" or "wrap"; cval: value for "constant".
        horizontal_flip, vertical_flip: flip with probability 0.5.
        rescale: multiply the data by this value (applied before the other standardisation).
        preprocessing_function: called on each batch after augmentation, before rescale.
        data_format: "channels_last" (default) or "channels_first".
        validation_split: fraction held out for `flow(..., subset="validation")`.
        interpolation_order: 1 = bilinear (Keras' default), 0 = nearest.
        dtype: the output float type (default floatx()).

    Example:
        >>> gen = ImageDataGenerator(horizontal_flip=True)
        >>> x = np.zeros((8, 28, 28, 1)); y = np.arange(8)
        >>> xb, yb = next(gen.flow(x, y, batch_size=4, seed=0))
        >>> xb.shape, xb.dtype
        ((4, 28, 28, 1), dtype('float32'))
    """

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        if fill_mode not in FILL_MODES:
            raise ValueError(f"ImageDataGenerator: fill_mode must be one of {FILL_MODES}. Received: fill_mode={fill_mode!r}")
        if interpolation_order not in (0, 1):
            raise ValueError(f"ImageDataGenerator: interpolation_order must be 0 (nearest) or 1 (bilinear). "
                             f"Received: interpolation_order={interpolation_order!r}")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"ImageDataGenerator: validation_split must be in [0, 1). Received: {validation_split!r}")
        for name, value in (("rotation_range", rotation_range), ("shear_range", shear_range),
                            ("channel_shift_range", channel_shift_range)):
            if not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(f"ImageDataGenerator: {name} must be a number >= 0. Received: {name}={value!r}")
        self.featurewise_center, self.samplewise_center = featurewise_center, samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range, self.shear_range = float(rotation_range), float(shear_range)
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.brightness_range = None if brightness_range is None else _range_pair(brightness_range, "brightness_range")
        self.zoom_range = _range_pair(zoom_range, "zoom_range")
        self.channel_shift_range = float(channel_shift_range)
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.data_format = standardize_data_format(data_format)
        self.channel_axis = 3 if self.data_format == "channels_last" else 1
        self.validation_split = validation_split
        self.interpolation_order = interpolation_order
        self.dtype = np.dtype(dtype or floatx())
        self.mean = self.std = self.principal_components = None

    # ---- random parameters --------------------------------------------------------------------

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
        rows, cols = (image_shape[0], image_shape[1]) if self.data_format == "channels_last" else image_shape[1:3]
        zero = np.zeros(n)
        zx, zy = (np.ones(n), np.ones(n)) if self.zoom_range == (1.0, 1.0) else rng.uniform(*self.zoom_range, (2, n))
        return {
            "theta": rng.uniform(-self.rotation_range, self.rotation_range, n) if self.rotation_range else zero,
            "tx": self._shifts(self.height_shift_range, rows, n, rng),
            "ty": self._shifts(self.width_shift_range, cols, n, rng),
            "shear": rng.uniform(-self.shear_range, self.shear_range, n) if self.shear_range else zero,
            "zx": zx, "zy": zy,
            "flip_horizontal": (rng.random(n) < 0.5) if self.horizontal_flip else np.zeros(n, bool),
            "flip_vertical": (rng.random(n) < 0.5) if self.vertical_flip else np.zeros(n, bool),
            "channel_shift_intensity": (rng.uniform(-self.channel_shift_range, self.channel_shift_range, n)
                                        if self.channel_shift_range else None),
            "brightness": rng.uniform(*self.brightness_range, n) if self.brightness_range else None,
        }

    def get_random_transform(self, img_shape, seed=None):
        """Random parameters for one image: a dict with Keras' keys (theta, tx, ty, shear, zx, zy, ...)."""
        params = self.draw_parameters(1, img_shape, make_rng(seed))
        return {k: (None if v is None else v[0].item()) for k, v in params.items()}

    # ---- applying them ------------------------------------------------------------------------

    def apply_transform_batch(self, x, params):
        """Apply per-image parameters (dict of length-N arrays) to a batch (N, ...) in one pass."""
        x = np.asarray(x, dtype=self.dtype)
        if self.data_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)
        _, rows, cols, _ = x.shape
        keys = ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical")
        values = {k: np.asarray(params.get(k, d), dtype=np.float64)
                  for k, d in zip(keys, (0.0, 0.0, 0.0, 0.0, 1.0, 1.0, False, False))}
        matrices = affine_matrices(rows, cols, **values)
        identity = np.allclose(matrices, np.eye(3), atol=1e-12, rtol=0)
        if not identity:
            x = affine_sample(x, matrices, self.fill_mode, self.cval,
                              "bilinear" if self.interpolation_order == 1 else "nearest").astype(self.dtype, copy=False)
        shift = params.get("channel_shift_intensity")
        if shift is not None:
            low, high = x.min(axis=(1, 2, 3), keepdims=True), x.max(axis=(1, 2, 3), keepdims=True)
            x = np.clip(x + np.asarray(shift, self.dtype).reshape(-1, 1, 1, 1), low, high)
        brightness = params.get("brightness")
        if brightness is not None:
            x = x * np.asarray(brightness, self.dtype).reshape(-1, 1, 1, 1)
        if self.data_format == "channels_first":
            x = x.transpose(0, 3, 1, 2)
        return np.ascontiguousarray(x)

    def _check_image(self, x, name):
        x = np.asarray(x)
        if x.ndim != 3:
            hint = " Add a channel axis with x[..., None]." if x.ndim == 2 else ""
            raise ValueError(f"ImageDataGenerator.{name}: expected one image of rank 3 (height, width, channels), "
                             f"received shape {x.shape}.{hint}")
        return x

    def apply_transform(self, x, transform_parameters):
        """Apply the given parameters (a dict from `get_random_transform`) to one image (rank 3)."""
        x = self._check_image(x, "apply_transform")
        params = {k: (None if v is None else np.asarray([v])) for k, v in transform_parameters.items()}
        return self.apply_transform_batch(x[None], params)[0]

    def random_transform(self, x, seed=None):
        """One randomly augmented copy of one image (rank 3); `seed` makes it repeatable."""
        x = self._check_image(x, "random_transform")
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def transform_batch(self, x, rng=None):
        """Augment then standardize a batch (N, H, W, C) -- what `flow` yields; used by DataLoader."""
        x = np.asarray(x)
        rng = make_rng(rng)
        return self.standardize(self.apply_transform_batch(x, self.draw_parameters(len(x), x.shape[1:], rng)))

    # ---- standardisation ----------------------------------------------------------------------

    def standardize(self, x):
        """preprocessing_function, rescale, sample-wise then feature-wise normalisation, ZCA (Keras' order).

        Works on one image or a batch; returns a new float array (the input is not modified).
        """
        x = np.array(x, dtype=self.dtype)
        if self.preprocessing_function is not None:
            x = np.asarray(self.preprocessing_function(x), dtype=self.dtype)
        if self.rescale:
            x = x * self.dtype.type(self.rescale)
        axes = tuple(range(1, x.ndim)) if x.ndim == 4 else None
        if self.samplewise_center:
            x = x - x.mean(axis=axes, keepdims=True)
        if self.samplewise_std_normalization:
            x = x / (x.std(axis=axes, keepdims=True) + 1e-6)
        for flag, stat, what in ((self.featurewise_center, self.mean, "featurewise_center"),
                                 (self.featurewise_std_normalization, self.std, "featurewise_std_normalization"),
                                 (self.zca_whitening, self.principal_components, "zca_whitening")):
            if flag and stat is None:
                raise ValueError(f"ImageDataGenerator: {what}=True needs statistics of the data; call .fit(x_train) first.")
        if self.featurewise_center:
            x = x - self.mean
        if self.featurewise_std_normalization:
            x = x / (self.std + 1e-6)
        if self.zca_whitening:
            shape = x.shape
            x = (x.reshape(-1, self.principal_components.shape[0]) @ self.principal_components).reshape(shape)
        return x.astype(self.dtype, copy=False)

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the dataset statistics that feature-wise normalisation and ZCA need.

        Args:
            x: training images (N, H, W, C) (or channels-first). `rescale` is applied first, so the
               statistics match what `standardize` sees.
            augment: compute them on `rounds` randomly augmented copies instead.
            seed: seed for the augmentation.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit: expected a batch of rank 4, received shape {x.shape}."
                             + (" Add a channel axis with x[..., None]." if x.ndim == 3 else ""))
        if augment:
            rng = make_rng(seed)
            x = np.concatenate([self.apply_transform_batch(x, self.draw_parameters(len(x), x.shape[1:], rng))
                                for _ in range(rounds)])
        if self.rescale:
            x = x * self.dtype.type(self.rescale)
        spatial = (0, 1, 2) if self.channel_axis == 3 else (0, 2, 3)
        shape = (1, 1, x.shape[3]) if self.channel_axis == 3 else (x.shape[1], 1, 1)
        if self.featurewise_center or self.zca_whitening:
            self.mean = x.mean(axis=spatial).reshape(shape).astype(self.dtype)
        if self.featurewise_std_normalization:
            self.std = x.std(axis=spatial).reshape(shape).astype(self.dtype)
        if self.zca_whitening:
            flat = (x - self.mean).reshape(len(x), -1).astype(np.float64)
            u, s, _ = np.linalg.svd(flat.T @ flat / len(flat))
            self.principal_components = ((u / np.sqrt(s + self.zca_epsilon)) @ u.T).astype(self.dtype)
        return self

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, subset=None):
        """An endless iterator of augmented (x_batch, y_batch) with len() = batches per epoch.

        Usable directly in `model.fit(datagen.flow(x, y, batch_size=32), epochs=...)`.
        `subset="training"` / `"validation"` splits off `validation_split` of the data (the first part
        is the validation set, as Keras).
        """
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed, subset=subset)


__all__ = ["ImageDataGenerator", "NumpyArrayIterator"]
