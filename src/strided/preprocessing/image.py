"""ImageDataGenerator: Keras' classic on-the-fly image augmentation, vectorised over the batch.

    datagen = ImageDataGenerator(rotation_range=15, width_shift_range=0.1, height_shift_range=0.1,
                                 horizontal_flip=True, rescale=1 / 255)
    model.fit(datagen.flow(x_train, y_train, batch_size=64), epochs=10)

Where Keras transforms one image at a time with scipy, here the random parameters of a whole batch
are drawn at once, turned into one affine matrix per image (flips included) and sampled with one
gather (`strided.preprocessing.affine`). Results match Keras' `apply_affine_transform` for the same
parameters (image centre at (h - 1) / 2, as current Keras).

Keras' `keras.preprocessing.image` file helpers are here too, under the same names: `load_img`,
`img_to_array`, `array_to_img`, `save_img`, `smart_resize` (from `strided.utils.image_utils`).
"""

import numbers

import numpy as np

from strided._config import floatx, standardize_data_format
from strided.preprocessing.affine import FILL_MODES, affine_matrices, affine_sample
from strided.preprocessing.directory_iterator import DirectoryIterator
from strided.preprocessing.iterator import NumpyArrayIterator
from strided.preprocessing.random_params import RandomParameters, range_pair
from strided.preprocessing.standardize import Standardization
from strided.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize
from strided.utils.random import make_rng


class ImageDataGenerator(RandomParameters, Standardization):
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

    def __init__(
        self,
        featurewise_center=False,
        samplewise_center=False,
        featurewise_std_normalization=False,
        samplewise_std_normalization=False,
        zca_whitening=False,
        zca_epsilon=1e-6,
        rotation_range=0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        brightness_range=None,
        shear_range=0.0,
        zoom_range=0.0,
        channel_shift_range=0.0,
        fill_mode="nearest",
        cval=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        rescale=None,
        preprocessing_function=None,
        data_format=None,
        validation_split=0.0,
        interpolation_order=1,
        dtype=None,
    ):
        if fill_mode not in FILL_MODES:
            raise ValueError(
                f"ImageDataGenerator: fill_mode must be one of {FILL_MODES}. Received: fill_mode={fill_mode!r}"
            )
        if interpolation_order not in (0, 1):
            raise ValueError(
                f"ImageDataGenerator: interpolation_order must be 0 (nearest) or 1 (bilinear). "
                f"Received: interpolation_order={interpolation_order!r}"
            )
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(
                f"ImageDataGenerator: validation_split must be in [0, 1). Received: {validation_split!r}"
            )
        for name, value in (
            ("rotation_range", rotation_range),
            ("shear_range", shear_range),
            ("channel_shift_range", channel_shift_range),
        ):
            if not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(
                    f"ImageDataGenerator: {name} must be a number >= 0. Received: {name}={value!r}"
                )
        self.featurewise_center, self.samplewise_center = featurewise_center, samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range, self.shear_range = float(rotation_range), float(shear_range)
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.brightness_range = (
            None if brightness_range is None else range_pair(brightness_range, "brightness_range")
        )
        self.zoom_range = range_pair(zoom_range, "zoom_range")
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

    # ---- applying them ------------------------------------------------------------------------

    def apply_transform_batch(self, x, params):
        """Apply per-image parameters (dict of length-N arrays) to a batch (N, ...) in one pass."""
        x = np.asarray(x, dtype=self.dtype)
        if self.data_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)
        _, rows, cols, _ = x.shape
        keys = ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical")
        values = {
            k: np.asarray(params.get(k, d), dtype=np.float64)
            for k, d in zip(keys, (0.0, 0.0, 0.0, 0.0, 1.0, 1.0, False, False))
        }
        matrices = affine_matrices(rows, cols, **values)
        identity = np.allclose(matrices, np.eye(3), atol=1e-12, rtol=0)
        if not identity:
            x = affine_sample(
                x,
                matrices,
                self.fill_mode,
                self.cval,
                "bilinear" if self.interpolation_order == 1 else "nearest",
            ).astype(self.dtype, copy=False)
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
            raise ValueError(
                f"ImageDataGenerator.{name}: expected one image of rank 3 (height, width, channels), "
                f"received shape {x.shape}.{hint}"
            )
        return x

    def apply_transform(self, x, transform_parameters):
        """Apply the given parameters (a dict from `get_random_transform`) to one image (rank 3)."""
        x = self._check_image(x, "apply_transform")
        params = {
            k: (None if v is None else np.asarray([v])) for k, v in transform_parameters.items()
        }
        return self.apply_transform_batch(x[None], params)[0]

    def random_transform(self, x, seed=None):
        """One randomly augmented copy of one image (rank 3); `seed` makes it repeatable."""
        x = self._check_image(x, "random_transform")
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def transform_batch(self, x, rng=None):
        """Augment then standardize a batch (N, H, W, C) -- what `flow` yields; used by DataLoader."""
        x = np.asarray(x)
        rng = make_rng(rng)
        return self.standardize(
            self.apply_transform_batch(x, self.draw_parameters(len(x), x.shape[1:], rng))
        )

    def flow(
        self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, subset=None
    ):
        """An endless iterator of augmented (x_batch, y_batch) with len() = batches per epoch.

        Usable directly in `model.fit(datagen.flow(x, y, batch_size=32), epochs=...)`.
        `subset="training"` / `"validation"` splits off `validation_split` of the data (the first part
        is the validation set, as Keras).
        """
        return NumpyArrayIterator(
            x,
            y,
            self,
            batch_size=batch_size,
            shuffle=shuffle,
            sample_weight=sample_weight,
            seed=seed,
            subset=subset,
        )

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        """Augmented batches read from a folder of class sub-folders (see `DirectoryIterator`).

        Usable directly in `model.fit(datagen.flow_from_directory("train", target_size=(150, 150),
        class_mode="binary"), epochs=...)`; `save_to_dir` is not supported.
        """
        if save_to_dir is not None:
            raise NotImplementedError("flow_from_directory: save_to_dir is not supported by strided.")
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode,
                                 classes=classes, class_mode=class_mode, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio)


__all__ = ["ImageDataGenerator", "NumpyArrayIterator", "DirectoryIterator", "load_img", "img_to_array", "array_to_img", "save_img",
           "smart_resize"]
