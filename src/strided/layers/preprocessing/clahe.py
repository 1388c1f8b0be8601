"""ContrastLimitedAdaptiveHistogramEqualization (CLAHE): local histogram equalization, as Keras 3.

Always applied (it is deterministic). Per image and channel, with values mapped to 0..255:

1. cut the image into a grid of tiles (tile_grid_size; the image is padded symmetrically at the
   bottom and right so the tiles divide it), and count each tile's integer values (truncated)
   in 256 bins;
2. clip each count at limit = clip_limit * tile_pixels / 256 and spread what was cut equally
   over the 256 bins (clip_limit <= 0: no clipping);
3. turn the counts into a lookup table  table[v] = 255 (cdf[v] - cdf[0]) / (tile_pixels - cdf[0]);
4. map each pixel through the tables of the four tiles whose centres surround it and blend the
   four results bilinearly by the pixel's distance to those centres (edge tiles repeated).

A computation in float32 throughout, as Keras does, so results agree to float rounding.
"""

import numbers

import numpy as np

from strided import ops
from strided.layers.preprocessing._dict_inputs import ImagesOrDict
from strided.layers.preprocessing._image_layer import _ImageLayer

BINS = 256


def _to_range(images, source, target):
    """Keras' `_transform_value_range` in float32: (x - lo) / (hi - lo) * (hi' - lo') + lo'."""
    if tuple(source) == tuple(target):
        return images.astype(np.float32)
    source, target = np.float32(source), np.float32(target)
    unit = (images.astype(np.float32) - source[0]) / (source[1] - source[0])
    return unit * (target[1] - target[0]) + target[0]


def tile_tables(padded, grid, clip_limit):
    """(N, grid_h, grid_w, C, 256) lookup tables of (N, H', W', C) images in 0..255 (step 1-3)."""
    n, height, width, channels = padded.shape
    tile_h, tile_w = height // grid[0], width // grid[1]
    values = np.clip(padded.astype(np.int32), 0, BINS - 1)
    tiles = values.reshape(n, grid[0], tile_h, grid[1], tile_w, channels).transpose(0, 1, 3, 5, 2, 4)
    tiles = tiles.reshape(-1, tile_h * tile_w)
    offsets = (np.arange(tiles.shape[0]) * BINS)[:, None]
    counts = np.bincount((tiles + offsets).ravel(), minlength=tiles.shape[0] * BINS)
    counts = counts.reshape(-1, BINS).astype(np.float32)
    pixels = np.float32(tile_h * tile_w)
    if clip_limit > 0:
        limit = np.float32(clip_limit * tile_h * tile_w / 256.0)
        clipped = np.minimum(counts, limit)
        counts = clipped + (counts - clipped).sum(axis=1, keepdims=True) / np.float32(BINS)
    cdf = np.cumsum(counts, axis=1, dtype=np.float32)
    cdf_min = cdf.min(axis=1, keepdims=True)
    denominator = pixels - cdf_min
    denominator = np.where(denominator == 0, np.float32(1), denominator)
    tables = np.clip((cdf - cdf_min) * np.float32(255.0) / denominator, 0, 255)
    return tables.reshape(n, grid[0], grid[1], channels, BINS)


def _blend_positions(size, tile):
    """Along one axis: the lower tile index (in the edge-padded grid) and the weight of the upper."""
    position = (np.arange(size, dtype=np.float32) - np.float32(tile / 2.0)) / np.float32(tile) + 1
    lower = np.floor(position)
    return lower.astype(np.int64), (position - lower).astype(np.float32)


def clahe(images, clip_limit=4.0, tile_grid_size=(8, 8)):
    """CLAHE of (N, H, W, C) float images in 0..255 (see the module); returns float32."""
    n, height, width, channels = images.shape
    grid = tuple(tile_grid_size)
    tile_h, tile_w = -(-height // grid[0]), -(-width // grid[1])
    padding = ((0, 0), (0, tile_h * grid[0] - height), (0, tile_w * grid[1] - width), (0, 0))
    padded = np.pad(images, padding, mode="symmetric") if any(p[1] for p in padding) else images
    tables = tile_tables(padded, grid, clip_limit)
    tables = np.pad(tables, ((0, 0), (1, 1), (1, 1), (0, 0), (0, 0)), mode="edge")
    row, row_weight = _blend_positions(tile_h * grid[0], tile_h)
    col, col_weight = _blend_positions(tile_w * grid[1], tile_w)
    row0, row1 = np.clip(row, 0, grid[0] + 1), np.clip(row + 1, 0, grid[0] + 1)
    col0, col1 = np.clip(col, 0, grid[1] + 1), np.clip(col + 1, 0, grid[1] + 1)
    values = np.clip(padded, 0, 255).astype(np.int32)
    batch = np.arange(n)[:, None, None, None]
    channel = np.arange(channels)[None, None, None, :]

    def look_up(rows, cols):
        return tables[batch, rows[None, :, None, None], cols[None, None, :, None], channel, values]

    wy, wx = row_weight[None, :, None, None], col_weight[None, None, :, None]
    top = look_up(row0, col0) * (1 - wx) + look_up(row0, col1) * wx
    bottom = look_up(row1, col0) * (1 - wx) + look_up(row1, col1) * wx
    return (top * (1 - wy) + bottom * wy)[:, :height, :width, :]


class ContrastLimitedAdaptiveHistogramEqualization(ImagesOrDict, _ImageLayer):
    """Contrast Limited Adaptive Histogram Equalization (always applied, not differentiable).

    Equalizes the histogram of each tile of a grid, limiting the contrast gain, and blends
    neighbouring tiles bilinearly (see the module for the steps).

    Args:
        value_range: the images' (min, max) range (default (0, 255)).
        clip_limit: how much a bin may exceed the uniform count before it is cut (default 4.0);
            <= 0 turns the limit off.
        tile_grid_size: (rows, columns) of tiles (default (8, 8)).

    Shape: unchanged.

    Example:
        >>> layer = ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))
        >>> layer(np.random.default_rng(0).uniform(0, 255, (1, 16, 16, 3))).shape
        (1, 16, 16, 3)
    """

    _random = False

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = "ContrastLimitedAdaptiveHistogramEqualization"
        if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
                or not all(isinstance(v, numbers.Real) for v in value_range) or value_range[0] >= value_range[1]):
            raise ValueError(f"{name}: `value_range` must be (min, max) with min < max. "
                             f"Received: value_range={value_range!r}")
        if isinstance(clip_limit, bool) or not isinstance(clip_limit, numbers.Real):
            raise ValueError(f"{name}: `clip_limit` must be a number. Received: clip_limit={clip_limit!r}")
        if (not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2
                or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1
                       for v in tile_grid_size)):
            raise ValueError(f"{name}: `tile_grid_size` must be a pair of positive ints (rows, columns). "
                             f"Received: tile_grid_size={tile_grid_size!r}")
        self.value_range = tuple(value_range)
        self.clip_limit = clip_limit
        self.tile_grid_size = tuple(int(v) for v in tile_grid_size)

    def _transform(self, x, training):
        images = np.asarray(x.data if hasattr(x, "data") else x)
        if self.data_format == "channels_first":
            images = images.transpose(0, 2, 3, 1)
        out = clahe(_to_range(images, self.value_range, (0, 255)), self.clip_limit, self.tile_grid_size)
        out = _to_range(out, (0, 255), self.value_range)
        if self.data_format == "channels_first":
            out = out.transpose(0, 3, 1, 2)
        return ops.convert_to_tensor(np.ascontiguousarray(out).astype(images.dtype))  # Keras casts back

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        return {**config, "value_range": self.value_range, "clip_limit": self.clip_limit,
                "tile_grid_size": self.tile_grid_size}


__all__ = ["ContrastLimitedAdaptiveHistogramEqualization", "clahe"]
