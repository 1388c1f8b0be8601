"""MaxNumBoundingBoxes: give every image the same number of bounding boxes, as Keras 3.

Called on {"images", "bounding_boxes": {"boxes": (N, M, 4), "labels": (N, M)}, ...}, it keeps
the first `max_number` boxes of each image and pads with `fill_value` up to `max_number`, so
batches of detection data stack into fixed shapes. Images and other keys pass unchanged; called
on images alone it returns them.
"""

import numbers

import numpy as np

from strided import ops
from strided.layers.preprocessing._image_layer import _ImageLayer


def _fixed_count(values, count, fill_value):
    """values (N, M, ...) -> (N, count, ...): the first `count` rows, padded with fill_value."""
    kept = values[:, :count]
    missing = count - kept.shape[1]
    if missing > 0:
        padding = [(0, 0), (0, missing)] + [(0, 0)] * (values.ndim - 2)
        kept = np.pad(kept, padding, constant_values=fill_value)
    return ops.convert_to_tensor(np.ascontiguousarray(kept))


class MaxNumBoundingBoxes(_ImageLayer):
    """Truncate or pad each image's bounding boxes (and their labels) to `max_number`.

    Args:
        max_number: the number of boxes every image ends with.
        fill_value: the value of padding boxes and labels (default -1).
        bounding_box_format: the boxes' format ("xyxy", ...), required (as in Keras) when the
            input holds "bounding_boxes"; the boxes are not converted.

    Shape: boxes (N, max_number, 4), labels (N, max_number); images unchanged.

    Example:
        >>> layer = MaxNumBoundingBoxes(max_number=4, bounding_box_format="xyxy")
        >>> out = layer({"images": np.zeros((1, 8, 8, 3)),
        ...              "bounding_boxes": {"boxes": np.ones((1, 2, 4)), "labels": np.ones((1, 2))}})
        >>> out["bounding_boxes"]["labels"].numpy()
        array([[ 1.,  1., -1., -1.]], dtype=float32)
    """

    _random = False

    def __init__(self, max_number, fill_value=-1, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        for name, value in (("max_number", max_number), ("fill_value", fill_value)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"MaxNumBoundingBoxes: `{name}` must be a number. Received: {name}={value!r}")
        if int(max_number) < 1:
            raise ValueError(f"MaxNumBoundingBoxes: `max_number` must be >= 1. Received: max_number={max_number!r}")
        self.max_number, self.fill_value = int(max_number), int(fill_value)
        self.bounding_box_format = bounding_box_format

    def call(self, inputs, training=True):
        if not isinstance(inputs, dict) or "bounding_boxes" not in inputs:
            return inputs
        if not self.bounding_box_format:
            raise ValueError(
                "MaxNumBoundingBoxes: the input has a 'bounding_boxes' key, but no bounding box format "
                "was given. Pass `bounding_box_format` to the layer, e.g. `bounding_box_format='xyxy'`.")
        boxes = dict(inputs["bounding_boxes"])
        if set(boxes) - {"boxes", "labels"} or "boxes" not in boxes:
            raise ValueError("MaxNumBoundingBoxes: 'bounding_boxes' must be a dict with 'boxes' and 'labels'; "
                             f"received keys {sorted(boxes)}.")
        unbatched = np.ndim(boxes["boxes"]) == 2
        for key in ("boxes", "labels"):
            if key in boxes:
                values = np.asarray(boxes[key].numpy() if hasattr(boxes[key], "numpy") else boxes[key])
                values = values[None] if unbatched else values
                fixed = _fixed_count(values, self.max_number, self.fill_value)
                boxes[key] = ops.squeeze(fixed, 0) if unbatched else fixed
        return dict(inputs, bounding_boxes=boxes)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        return {**config, "max_number": self.max_number, "fill_value": self.fill_value,
                "bounding_box_format": self.bounding_box_format}


__all__ = ["MaxNumBoundingBoxes"]
