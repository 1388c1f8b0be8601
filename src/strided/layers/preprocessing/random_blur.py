"""RandomGaussianBlur (training only): blur some images with a Gaussian kernel, as Keras 3.

The kernel is outer(g_y, g_x) with g(i) = exp(-((i - (size - 1) / 2) / sigma)^2 / 2),
normalised to sum 1, applied per channel with zero padding ("same"). One (sigma_x, sigma_y)
is drawn per batch in `sigma` (+1e-6); each image is blurred with a probability drawn in
`factor`; the result is clipped to `value_range`.
"""

import numbers

import numpy as np

from strided import ops
from strided.layers.preprocessing._color import channel_axis
from strided.layers.preprocessing._image_layer import _ImageLayer, _keras_factor


def gaussian_kernel(kernel_size, sigma, channels, dtype=np.float32):
    """(kh, kw, channels, 1) depthwise kernel, built as keras.ops.image.gaussian_blur builds it."""
    def one_axis(size, deviation):
        positions = np.arange(size, dtype=dtype) - (size - 1) / 2
        weights = np.exp(-0.5 * (positions / np.asarray(deviation, dtype)) ** 2)
        return weights / weights.sum()

    kernel = np.tensordot(one_axis(kernel_size[1], sigma[1]), one_axis(kernel_size[0], sigma[0]), axes=0)
    kernel = kernel.reshape(kernel_size[0], kernel_size[1], 1, 1)
    return np.tile(kernel, (1, 1, channels, 1)).astype(dtype)


def _odd_sizes(value):
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(not isinstance(v, numbers.Integral) or v < 1 or v % 2 == 0 for v in pair):
        raise ValueError(f"RandomGaussianBlur: `kernel_size` must be an odd int or a pair of odd ints. "
                         f"Received: kernel_size={value!r}")
    return tuple(int(v) for v in pair)


class RandomGaussianBlur(_ImageLayer):
    """Blur some images of each batch with a random Gaussian (training only).

    Args:
        factor: (lower, upper) in [0, 1] for the blurring probability (a float f means (0, f)).
        kernel_size: an odd int (default 3) or a pair of odd ints.
        sigma: (lower, upper) in [0, 1] for the standard deviations (a float f means (0, f)).
        value_range: the range the result is clipped to (default (0, 255)). seed: as above.
    """

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None,
                 seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("RandomGaussianBlur", "factor", factor, (0, 1))
        self.kernel_size = _odd_sizes(kernel_size)
        self.sigma = _keras_factor("RandomGaussianBlur", "sigma", sigma, (0, 1))
        self.value_range = value_range

    def _draw(self, n, rng):
        apply = rng.uniform(0, 1, n) < rng.uniform(self.factor[0], self.factor[1], n)
        return {"should_apply_blur": apply, "blur_factor": rng.uniform(self.sigma[0], self.sigma[1], 2) + 1e-6}

    def _transform(self, x, training):
        return self._apply(x, self._draw(x.shape[0], self._rng()))

    def _apply(self, x, params):
        channels = x.shape[channel_axis(self.data_format)]
        kernel = gaussian_kernel(self.kernel_size, params["blur_factor"], channels, x.dtype)
        blurred = ops.depthwise_conv(x, kernel, padding="same", data_format=self.data_format)
        chosen = np.asarray(params["should_apply_blur"]).reshape(-1, 1, 1, 1)
        return ops.clip(ops.where(chosen, blurred, x), *self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor), "kernel_size": self.kernel_size,
                "sigma": tuple(self.sigma), "value_range": self.value_range}


__all__ = ["RandomGaussianBlur", "gaussian_kernel"]
