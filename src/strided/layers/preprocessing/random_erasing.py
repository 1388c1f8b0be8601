"""RandomErasing (training only, Zhong et al. 2017): fill a random box of some images with
noise or a constant, as Keras 3 does.

For each image: a box of sides sqrt(s_w) W by sqrt(s_h) H, with s_w, s_h drawn in `scale`,
at a uniformly random place; the image is erased with a probability drawn in `factor`. The
fill is `fill_value` (a number or one per RGB channel) or, when None, normal noise times
value_range[1]; either way clipped to `value_range`.
"""

import numbers

import numpy as np

from strided import ops
from strided.layers.preprocessing._image_layer import _ImageLayer, _keras_factor


def box_masks(shape, boxes, data_format):
    """(N, H, W, 1) (or (N, 1, H, W)) masks of the boxes (x0, x1, y0, y1): x0 <= col < x1, y0 <= row < y1."""
    height, width = (shape[2], shape[3]) if data_format == "channels_first" else (shape[1], shape[2])
    x0, x1, y0, y1 = (np.asarray(b, np.float32).reshape(-1, 1, 1) for b in boxes)
    rows = np.arange(height, dtype=np.float32)[None, :, None]
    columns = np.arange(width, dtype=np.float32)[None, None, :]
    inside = (columns >= x0) & (columns < x1) & (rows >= y0) & (rows < y1)
    return inside[:, None] if data_format == "channels_first" else inside[..., None]


def random_boxes(rng, n, height, width, ratio_x, ratio_y):
    """Boxes of sides ratio * length at uniformly random places (Keras' _compute_crop_bounds)."""
    boxes = []
    for length, ratio in ((width, ratio_x), (height, ratio_y)):
        crop = (np.asarray(ratio, np.float32) * length).astype(np.float32)
        start = (rng.uniform(0, 1, n).astype(np.float32) * (length - crop)).astype(np.float32)
        boxes += [start, start + crop]
    return tuple(boxes)


class RandomErasing(_ImageLayer):
    """Erase a random box of some images (training only).

    Args:
        factor: (lower, upper) in [0, 1] for the erasing probability (a float f means (0, f)).
        scale: (lower, upper) in [0, 1]: the box's width and height fractions are the square
            roots of numbers drawn in this range (a float f means (0, f)).
        fill_value: None (noise), a number, or 3 numbers (one per channel).
        value_range: the images' range (default (0, 255)). seed: int for repeatable draws.
    """

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _keras_factor("RandomErasing", "factor", factor, (0, 1))
        self.scale = _keras_factor("RandomErasing", "scale", scale, (0, 1))
        if not (fill_value is None or isinstance(fill_value, numbers.Real)
                or (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)):
            raise ValueError("RandomErasing: `fill_value` must be None, a number or 3 numbers (one per "
                             f"channel). Received: fill_value={fill_value!r}")
        self.fill_value, self.value_range = fill_value, value_range

    def _draw(self, shape, rng):
        n = shape[0]
        height, width = self._hw(shape)
        ratios = np.sqrt(rng.uniform(self.scale[0], self.scale[1], (n, 2)).astype(np.float32))
        boxes = random_boxes(rng, n, height, width, ratios[:, 0], ratios[:, 1])
        apply = rng.uniform(0, 1, n) < rng.uniform(self.factor[0], self.factor[1], n)
        if self.fill_value is None:
            fill = rng.standard_normal(shape) * self.value_range[1]
        else:
            fill = np.broadcast_to(np.asarray(self.fill_value, np.float64), shape)
        fill = np.clip(fill, self.value_range[0], self.value_range[1])
        return {"batch_masks": box_masks(shape, boxes, self.data_format), "apply_erasing": apply,
                "fill_value": fill}

    def _transform(self, x, training):
        return self._apply(x, self._draw(x.shape, self._rng()))

    def _apply(self, x, params):
        fill = np.asarray(params["fill_value"], x.dtype)
        erase = np.asarray(params["batch_masks"]) & np.asarray(params["apply_erasing"]).reshape(-1, 1, 1, 1)
        return ops.where(erase, fill, x)

    def get_config(self):
        return {**super().get_config(), "factor": tuple(self.factor), "scale": tuple(self.scale),
                "fill_value": self.fill_value, "value_range": self.value_range}


__all__ = ["RandomErasing", "box_masks", "random_boxes"]
