"""Random geometric augmentation: flips, rotations, translations, zooms, shears and crops.

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
        return {**super().get_config(), "factor": tuple(self.factor)}


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
        self._given_factors = (height_factor, width_factor)  # Keras' config repeats the arguments

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
            "height_factor": self._given_factors[0],
            "width_factor": self._given_factors[1],
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
        self._given_factors = (height_factor, width_factor)  # Keras' config repeats the arguments

    def _matrices(self, n, h, w, rng):
        zoom_h = 1.0 + rng.uniform(*self.height_factor, n)
        zoom_w = zoom_h if self.width_factor is None else 1.0 + rng.uniform(*self.width_factor, n)
        return affine_matrices(h, w, zx=zoom_h, zy=zoom_w)

    def get_config(self):
        return {
            **super().get_config(),
            "height_factor": self._given_factors[0],
            "width_factor": self._given_factors[1],
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


class RandomShear(_AffineLayer):
    """Shear each image by random amounts along x and y (training only), as Keras 3.

    Output pixel (row, col) reads input (row + sy col, col + sx row) (about the top-left
    corner, as Keras), with sx in x_factor and sy in y_factor, both negated together for a
    random half of the images.

    Args:
        x_factor, y_factor: a float f in [0, 1] -> (-f, f), or (lower, upper) in [0, 1].
        interpolation, fill_mode, fill_value, seed: as RandomRotation.

    Shape: unchanged.
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.x_factor = _shear_range("x_factor", x_factor)
        self.y_factor = _shear_range("y_factor", y_factor)

    def _draw(self, n, rng):
        invert = np.where(rng.uniform(0, 1, n) > 0.5, -1.0, 1.0)
        shear_y = rng.uniform(*self.y_factor, n)
        shear_x = rng.uniform(*self.x_factor, n)
        return {"shear_factor": np.stack([shear_x, shear_y], axis=1) * invert[:, None]}

    def _matrices(self, n, h, w, rng):
        return shear_matrices(self._draw(n, rng)["shear_factor"])

    def get_config(self):
        return {**super().get_config(), "x_factor": tuple(self.x_factor), "y_factor": tuple(self.y_factor)}


def shear_matrices(shear_factor):
    """(N, 3, 3) output->input (row, col) matrices for Keras' [1, sx, 0, sy, 1, 0, 0, 0] transform."""
    shear = np.asarray(shear_factor, np.float64)
    matrices = np.tile(np.eye(3), (len(shear), 1, 1))
    matrices[:, 0, 1] = shear[:, 1]  # row_in = row + sy * col
    matrices[:, 1, 0] = shear[:, 0]  # col_in = col + sx * row
    return matrices


def _shear_range(name, value):
    """f in [0, 1] -> (-f, f); a pair in [-1, 1] -> sorted (Keras refuses negative pairs, which
    its own get_config writes; here they load back)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1:
        return (-abs(float(value)), abs(float(value)))
    if (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(v, (int, float)) and -1 <= v <= 1 for v in value)):
        return tuple(sorted(float(v) for v in value))
    raise ValueError(f"RandomShear: `{name}` must be a float in [0, 1] or a pair of floats in "
                     f"[-1, 1]. Received: {name}={value!r}")


__all__ = ["RandomCrop", "RandomFlip", "RandomRotation", "RandomShear", "RandomTranslation", "RandomZoom"]
