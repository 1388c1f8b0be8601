"""RandomPerspective (training only): move the image corners at random, as Keras 3.

Per image, the four corners (x, y) = (0, 0), (W-1, 0), (0, H-1), (W-1, H-1) move to
corner * (1 + d), d drawn in [-scale/2, scale/2] per coordinate (so the top-left corner stays,
as in Keras). The homography H that maps each moved corner back to its original place,

    x_in = (a0 x + a1 y + a2) / (a6 x + a7 y + 1),   y_in = (a3 x + a4 y + a5) / (a6 x + a7 y + 1),

is solved from the 8 linear equations of the 4 corner pairs (Keras' `compute_homography_matrix`),
and each output pixel reads the input at H(x, y) (bilinear or nearest, `fill_value` outside).
Each image is transformed with a probability drawn in `factor`.
"""

import numbers

import numpy as np

from strided import ops
from strided.layers.preprocessing._dict_inputs import ImagesOrDict
from strided.layers.preprocessing._image_layer import _ImageLayer, _keras_factor
from strided.layers.preprocessing._warp import warp


def homography_coefficients(start_points, end_points):
    """(N, 8) coefficients a0..a7 of the homography taking end_points to start_points.

    Args:
        start_points, end_points: (N, 4, 2) corner (x, y) pairs.
    """
    start = np.asarray(start_points, np.float64)
    end = np.asarray(end_points, np.float64)
    n = start.shape[0]
    equations = np.zeros((n, 8, 8))
    for corner in range(4):
        (x, y), (u, v) = end[:, corner].T, start[:, corner].T
        equations[:, 2 * corner] = np.stack([x, y, np.ones(n), 0 * x, 0 * x, 0 * x, -u * x, -u * y], -1)
        equations[:, 2 * corner + 1] = np.stack([0 * x, 0 * x, 0 * x, x, y, np.ones(n), -v * x, -v * y], -1)
    targets = start.reshape(n, 8)[..., None]
    return np.linalg.solve(equations, targets)[..., 0]


def perspective_coordinates(coefficients, height, width):
    """(N, H, W) source rows and columns of every output pixel under each homography."""
    a = np.asarray(coefficients, np.float64)[:, :, None, None]
    y, x = np.meshgrid(np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64), indexing="ij")
    denominator = a[:, 6] * x + a[:, 7] * y + 1.0
    cols = (a[:, 0] * x + a[:, 1] * y + a[:, 2]) / denominator
    rows = (a[:, 3] * x + a[:, 4] * y + a[:, 5]) / denominator
    return rows, cols


class RandomPerspective(ImagesOrDict, _ImageLayer):
    """Distort the perspective of each image by moving its corners at random (training only).

    Args:
        factor: the probability of transforming an image is drawn in (lower, upper) in [0, 1]
            for each image; a float f means (0, f), as Keras (so the default 1.0 transforms
            about half of the images).
        scale: in [0, 1], how far the corners move (a fraction of their coordinates).
        interpolation: "bilinear" (default) or "nearest".
        fill_value: the value of pixels that come from outside the image.
        seed: int for repeatable draws.

    Shape: unchanged.

    Example:
        >>> layer = RandomPerspective(factor=(1.0, 1.0), scale=0.3, seed=1)
        >>> layer(np.ones((2, 8, 8, 3))).shape
        (2, 8, 8, 3)
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("RandomPerspective", "factor", factor, (0, 1))
        if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not 0 <= scale <= 1:
            raise ValueError(f"RandomPerspective: `scale` must be a number in the range [0, 1]. "
                             f"Received: scale={scale!r}")
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(f"RandomPerspective: unknown `interpolation` {interpolation!r}; "
                                      "expected one of ('nearest', 'bilinear').")
        self.scale, self.interpolation, self.fill_value = scale, interpolation, fill_value

    def _draw(self, n, height, width, rng):
        probability = rng.uniform(self.factor[0], self.factor[1], n)
        apply = rng.uniform(0.0, 1.0, n) < probability
        moves = rng.uniform(-0.5 * self.scale, 0.5 * self.scale, (n, 4, 2))
        corners = np.array([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1], [width - 1, height - 1]])
        start = np.repeat(corners[None], n, axis=0)
        return {"apply_perspective": apply, "start_points": start, "end_points": start + start * moves}

    def _apply(self, x, params):
        height, width = self._hw(x.shape)
        rows, cols = perspective_coordinates(
            homography_coefficients(params["start_points"], params["end_points"]), height, width)
        moved = warp(x, rows, cols, "constant", self.fill_value, self.interpolation, self.data_format)
        chosen = np.asarray(params["apply_perspective"], bool).reshape(-1, 1, 1, 1)
        return ops.where(chosen, moved, x)

    def _transform(self, x, training):
        height, width = self._hw(x.shape)
        return self._apply(x, self._draw(x.shape[0], height, width, self._rng()))

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor), "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value}


__all__ = ["RandomPerspective", "homography_coefficients", "perspective_coordinates"]
