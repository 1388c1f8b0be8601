"""RandomElasticTransform (training only): move every pixel by a smooth random field, as Keras 3.

For a batch of (H, W) images, one distortion s is drawn in `scale`, then

    alpha = 0.1 s max(H, W),   sigma = 0.05 s min(H, W)
    dx, dy = blur_sigma(sigma * normal noise of shape (H, W)), one pair per image
    output (y, x) reads the input at (y + alpha dy, x + alpha dx)

with blur_sigma the Gaussian of standard deviation sigma over (int(6 sigma) | 1) taps, zero
padded (Keras' `ops.image.gaussian_blur`), and the read done as `ops.image.map_coordinates`
does it (bilinear or nearest, `fill_mode` outside). Each image is moved with a probability
drawn in `factor`; the result is clipped to `value_range`.

Keras' NumPy backend draws dx and dy independently, as here; its TensorFlow and JAX backends
draw them from the same seed, so there dx == dy and pixels only move along the diagonal.
"""

import numpy as np

from strided import ops
from strided.layers.preprocessing._dict_inputs import ImagesOrDict
from strided.layers.preprocessing._image_layer import _ImageLayer, _keras_factor
from strided.layers.preprocessing._warp import WARP_FILL_MODES, warp


def gaussian_taps(size, sigma):
    """The normalised 1-D Gaussian of `size` taps (Keras' `_get_gaussian_kernel1d`)."""
    positions = np.arange(size, dtype=np.float64) - (size - 1) / 2
    weights = np.exp(-0.5 * (positions / sigma) ** 2)
    return weights / weights.sum()


def blur_fields(fields, sigma):
    """Blur (N, H, W) fields with a (int(6 sigma) | 1)-tap Gaussian, zero padded ("same").

    The 2-D kernel is an outer product, so it is applied as one pass along each axis, looping
    over the taps (never over pixels).
    """
    size = int(6 * sigma) | 1
    taps, half = gaussian_taps(size, sigma), size // 2
    for axis in (1, 2):
        padding = [(0, 0)] * 3
        padding[axis] = (half, size - 1 - half)
        padded = np.pad(fields, padding)
        length = fields.shape[axis]
        fields = sum(weight * np.take(padded, np.arange(tap, tap + length), axis=axis)
                     for tap, weight in enumerate(taps))
    return fields


def elastic_parameters(height, width, distortion):
    """(alpha, sigma) of Keras' `get_elastic_transform_params` for a distortion in [0, 1]."""
    return max(height, width) * 0.1 * distortion, min(height, width) * 0.05 * distortion


def elastic_coordinates(noise_x, noise_y, alpha, sigma):
    """(N, H, W) source rows and columns from two (N, H, W) standard normal noise fields."""
    n, height, width = noise_x.shape
    rows, cols = np.meshgrid(np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64),
                             indexing="ij")
    if sigma <= 0:
        return np.broadcast_to(rows, noise_x.shape), np.broadcast_to(cols, noise_x.shape)
    dx = blur_fields(np.asarray(noise_x, np.float64) * sigma, sigma)
    dy = blur_fields(np.asarray(noise_y, np.float64) * sigma, sigma)
    return rows + alpha * dy, cols + alpha * dx


class RandomElasticTransform(ImagesOrDict, _ImageLayer):
    """Distort images with a random smooth displacement field (training only).

    Args:
        factor: the probability of transforming an image is drawn in (lower, upper) in [0, 1]
            for each image; a float f means (0, f), as Keras.
        scale: (lower, upper) in [0, 1] for the strength of the distortion (a float f means
            (0, f)); 0 leaves the images unchanged.
        interpolation: "bilinear" (default) or "nearest".
        fill_mode: "reflect" (default), "constant", "nearest", "mirror" or "wrap";
            fill_value: the "constant" value.
        value_range: the range the result is clipped to (default (0, 255)).
        seed: int for repeatable draws.

    Shape: unchanged.

    Example:
        >>> layer = RandomElasticTransform(factor=(1.0, 1.0), scale=0.5, seed=0)
        >>> out = layer(np.full((2, 16, 16, 1), 100.0)).numpy()
        >>> bool(np.allclose(out, 100.0))   # a flat image stays flat (reflected, nothing new comes in)
        True
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("RandomElasticTransform", "factor", factor, (0, 1))
        self.scale = _keras_factor("RandomElasticTransform", "scale", scale, (0, 1))
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(f"RandomElasticTransform: unknown `interpolation` {interpolation!r}; "
                                      "expected one of ('nearest', 'bilinear').")
        if fill_mode not in WARP_FILL_MODES:
            raise NotImplementedError(f"RandomElasticTransform: unknown `fill_mode` {fill_mode!r}; "
                                      f"expected one of {WARP_FILL_MODES}.")
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError("RandomElasticTransform: `value_range` must be a tuple or list of two "
                             f"numbers. Received: value_range={value_range!r}")
        self.interpolation, self.fill_mode, self.fill_value = interpolation, fill_mode, fill_value
        self.value_range = tuple(value_range)

    def _draw(self, n, height, width, rng):
        probability = rng.uniform(self.factor[0], self.factor[1], n)
        apply = rng.uniform(0.0, 1.0, n) < probability
        distortion = float(rng.uniform(self.scale[0], self.scale[1]))
        noise_x = rng.normal(0.0, 1.0, (n, height, width)).astype(np.float32)
        noise_y = rng.normal(0.0, 1.0, (n, height, width)).astype(np.float32)
        return {"apply_transform": apply, "distortion_factor": distortion,
                "noise_x": noise_x, "noise_y": noise_y}

    def _apply(self, x, params):
        height, width = self._hw(x.shape)
        alpha, sigma = elastic_parameters(height, width, params["distortion_factor"])
        rows, cols = elastic_coordinates(params["noise_x"], params["noise_y"], alpha, sigma)
        moved = warp(x, rows, cols, self.fill_mode, self.fill_value, self.interpolation, self.data_format)
        chosen = np.asarray(params["apply_transform"], bool).reshape(-1, 1, 1, 1)
        return ops.clip(ops.where(chosen, moved, x), *self.value_range)

    def _transform(self, x, training):
        if self.scale[1] == 0 or self.factor[1] == 0:
            return x
        height, width = self._hw(x.shape)
        return self._apply(x, self._draw(x.shape[0], height, width, self._rng()))

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor), "scale": tuple(self.scale),
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range}


__all__ = ["RandomElasticTransform", "blur_fields", "elastic_coordinates", "elastic_parameters"]
