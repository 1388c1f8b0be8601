"""Equalization: histogram equalization of each channel (training only, as Keras 3).

For each channel, over the whole batch: count the values (mapped to 0..255) in `bins` equal
bins, turn the cumulative counts into a lookup table

    table[b] = round(255 (cdf[b] - cdf_min) / (cdf[-1] - cdf_min)), clipped to 0..255

and replace each value by table[bin of the value]. A channel whose values all fall in one bin
is left as it is. Like Keras, the histogram is shared by every image of the batch.
"""

import numpy as np

from strided import ops
from strided.layers.preprocessing._image_layer import _ImageLayer
from strided.layers.preprocessing.color_adjust import _sorted_range


def equalize_channel(channel, bins):
    """The equalized values of one channel (any shape, values in 0..255), as Keras computes them."""
    channel = channel.astype(np.float32)
    indices = np.clip((channel * np.float32(bins - 1) / np.float32(255.0)).astype(np.int32), 0, bins - 1)
    histogram = np.bincount(indices.ravel(), minlength=bins)
    if np.count_nonzero(histogram) <= 1:
        return channel
    cdf = np.cumsum(histogram)
    cdf_min = cdf[np.nonzero(cdf)[0][0]]
    denominator = cdf[-1] - cdf_min or 1
    table = np.clip(np.round((cdf - cdf_min) * 255 / denominator), 0, 255).astype(np.float32)
    lookup = np.clip((channel / np.float32(255.0)) * np.float32(bins - 1), 0, bins - 1).astype(np.int32)
    return table[lookup]


class Equalization(_ImageLayer):
    """Spread each channel's values evenly over the value range (training only).

    Args:
        value_range: the images' (min, max) range (default (0, 255)).
        bins: the number of histogram bins (default 256).

    Example:
        >>> layer = Equalization()
        >>> layer(np.array([[[[0.0], [10.0], [20.0], [30.0]]]])).numpy().ravel()
        array([  0.,  85., 170., 255.], dtype=float32)
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 2:
            raise ValueError(f"Equalization: `bins` must be an int >= 2. Received: bins={bins!r}")
        self.bins = bins
        self.value_range = _sorted_range("Equalization", value_range)

    def _transform(self, x, training):
        low, high = self.value_range
        images = (np.asarray(x.data, np.float32) - low) * np.float32(255.0 / (high - low))
        axis = 1 if self.data_format == "channels_first" else 3
        channels = [equalize_channel(np.take(images, c, axis=axis), self.bins) for c in range(images.shape[axis])]
        equalized = np.stack(channels, axis=axis) * np.float32((high - low) / 255.0) + np.float32(low)
        return ops.convert_to_tensor(equalized.astype(x.dtype))

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        return {**config, "value_range": self.value_range, "bins": self.bins}


__all__ = ["Equalization"]
