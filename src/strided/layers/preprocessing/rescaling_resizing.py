"""Rescaling (x * scale + offset) and Resizing (to a fixed size, optionally cropping or
padding to the aspect ratio first): always applied, in training and inference alike."""

import numpy as np

from strided import ops
from strided.layers.base import Layer
from strided.layers.preprocessing._image_layer import (
    _as_json,
    _centre_crop_resize,
    _check_choice,
    _ImageLayer,
    _positive,
    _window,
    _with_hw,
)
from strided.preprocessing.affine import INTERPOLATIONS


class Rescaling(Layer):
    """Multiply by `scale` and add `offset` (always): e.g. Rescaling(1 / 255) maps [0, 255] to [0, 1].

    Args:
        scale: a float (or per-channel list). offset: a float (or list) added after scaling.

    Example:
        >>> Rescaling(1 / 127.5, offset=-1)(np.array([0.0, 255.0])).numpy()
        array([-1.,  1.], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        scale = np.asarray(self.scale, dtype=inputs.dtype)
        return ops.add(ops.multiply(inputs, scale), np.asarray(self.offset, dtype=inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "scale": _as_json(self.scale),
            "offset": _as_json(self.offset),
        }


class Resizing(_ImageLayer):
    """Resize images to (height, width) (always), optionally cropping or padding to the aspect ratio first.

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default) or "nearest".
        crop_to_aspect_ratio: cut the largest centred window with the target aspect ratio first.
        pad_to_aspect_ratio: pad (with fill_value) to the target aspect ratio first.
        fill_mode: only "constant" (with pad_to_aspect_ratio). fill_value: the padding value.
        antialias: only False (Keras' default).

    Shape: (N, height, width, C).
    """

    _random = False

    def __init__(
        self,
        height,
        width,
        interpolation="bilinear",
        crop_to_aspect_ratio=False,
        pad_to_aspect_ratio=False,
        fill_mode="constant",
        fill_value=0.0,
        antialias=False,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        if antialias:
            raise NotImplementedError(
                "Resizing: antialias=True is not supported; use antialias=False (the default)."
            )
        self.antialias = False
        self.height, self.width = (
            _positive("Resizing", "height", height),
            _positive("Resizing", "width", width),
        )
        self.interpolation = _check_choice(
            "Resizing", "interpolation", interpolation, INTERPOLATIONS
        )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                "Resizing: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True."
            )
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = (
            bool(crop_to_aspect_ratio),
            bool(pad_to_aspect_ratio),
        )
        self.fill_mode = _check_choice("Resizing", "fill_mode", fill_mode, ("constant",))
        self.fill_value = float(fill_value)

    def _transform(self, x, training):
        target = (self.height, self.width)
        if self.crop_to_aspect_ratio:
            return _centre_crop_resize(x, target, self.interpolation, self.data_format)
        if self.pad_to_aspect_ratio:
            (h, w), n = self._hw(x.shape), x.shape[0]
            ph, pw = (
                max(h, round(w * self.height / self.width)),
                max(w, round(h * self.width / self.height)),
            )
            top, left = np.full(n, -((ph - h) // 2)), np.full(n, -((pw - w) // 2))
            x = _window(x, top, left, (ph, pw), self.data_format, fill_value=self.fill_value)
        if self._hw(x.shape) == target:
            return x
        return ops.resize(x, target, interpolation=self.interpolation, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return _with_hw(input_shape, (self.height, self.width), self.data_format)

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        config.update(
            height=self.height,
            width=self.width,
            interpolation=self.interpolation,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            antialias=self.antialias,
        )
        return config


__all__ = ["Rescaling", "Resizing"]
