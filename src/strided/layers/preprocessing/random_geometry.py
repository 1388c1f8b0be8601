"""Random geometric augmentation: flips, rotations, translations, zooms and crops.

Flip, rotation, translation and zoom build one affine matrix per image and sample the batch
with one differentiable gather (`strided.preprocessing.affine`); they act only in training.
RandomCrop cuts a random window in training and a centred, resized one otherwise.
"""

import numpy as np

from strided.layers.preprocessing._image_layer import (
    _AffineLayer,
    _centre_crop_resize,
    _check_choice,
    _factor_range,
    _ImageLayer,
    _positive,
    _window,
    _with_hw,
)
from strided.preprocessing.affine import affine_matrices
from strided.preprocessing.affine_op import affine_transform


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


__all__ = ["RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom"]
