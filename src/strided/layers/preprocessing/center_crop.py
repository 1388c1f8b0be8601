"""CenterCrop: cut the central (height, width) window of each image (always, as Keras 3).

When an image is smaller than the target on either axis, it is instead resized to the target
after cutting the largest centred window of the target's aspect ratio (Keras' smart_resize).
"""

from strided.layers.preprocessing._image_layer import (
    _centre_crop_resize,
    _ImageLayer,
    _positive,
    _with_hw,
)


class CenterCrop(_ImageLayer):
    """Crop the centre of each image to (height, width).

    The window starts at ((H - height) // 2, (W - width) // 2). Images smaller than the target
    are cropped to its aspect ratio and resized up (bilinear), as Keras does.

    Args:
        height, width: the output size. data_format: "channels_last" or "channels_first".

    Shape: (N, H, W, C) -> (N, height, width, C); a single image (H, W, C) works too.

    Example:
        >>> CenterCrop(2, 2)(np.arange(16.0).reshape(1, 4, 4, 1)).numpy()[0, ..., 0]
        array([[ 5.,  6.],
               [ 9., 10.]], dtype=float32)
    """

    _random = False

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = _positive("CenterCrop", "height", height)
        self.width = _positive("CenterCrop", "width", width)

    def _transform(self, x, training):
        h, w = self._hw(x.shape)
        if h < self.height or w < self.width:
            return _centre_crop_resize(x, (self.height, self.width), "bilinear", self.data_format)
        top, left = (h - self.height) // 2, (w - self.width) // 2
        rows, columns = slice(top, top + self.height), slice(left, left + self.width)
        if self.data_format == "channels_first":
            return x[:, :, rows, columns]
        return x[:, rows, columns, :]

    def compute_output_shape(self, input_shape):
        return _with_hw(input_shape, (self.height, self.width), self.data_format)

    def get_config(self):
        config = super().get_config()
        config.pop("seed")
        config.update(height=self.height, width=self.width)
        return config


__all__ = ["CenterCrop"]
