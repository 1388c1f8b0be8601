"""Image files <-> arrays with Keras' names: `load_img`, `img_to_array`, `array_to_img`, `save_img`.

Same semantics as `keras.utils` (and `keras.preprocessing.image`): `load_img` returns a Pillow
image (nearest-neighbour resize by default), `img_to_array` gives floatx (H, W, C) arrays (or
(C, H, W) for channels_first) with the raw 0-255 values, `array_to_img` rescales to 0-255 by
default, `save_img` picks the format from the file name.

    img = load_img("cat.jpg", target_size=(180, 180))
    x = img_to_array(img)[None]          # (1, 180, 180, 3) float32, values 0-255
"""

import io
import pathlib
import warnings

import numpy as np

from strided._config import floatx, standardize_data_format
from strided.utils.image_resize import crop_to_aspect, resize_image

PIL_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Could not import PIL.Image: reading and writing image files needs Pillow "
            "(pip install pillow)."
        ) from None
    return Image


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Load an image file as a Pillow image (`keras.utils.load_img`).

    Args:
        path: a file path (str, bytes, pathlib.Path) or an io.BytesIO.
        color_mode: "rgb" (default), "rgba" or "grayscale".
        target_size: None (original size) or (height, width).
        interpolation: Pillow filter for resizing: "nearest" (default), "bilinear", "bicubic",
            "hamming", "box" or "lanczos".
        keep_aspect_ratio: crop the centre to the target aspect ratio before resizing.

    Returns:
        A `PIL.Image.Image`.

    Example:
        >>> img = load_img("cat.jpg", target_size=(180, 180))
        >>> img.size                      # Pillow reports (width, height)
        (180, 180)
    """
    image_module = _pil()
    if isinstance(path, io.BytesIO):
        img = image_module.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        try:
            with open(path, "rb") as f:
                img = image_module.open(io.BytesIO(f.read()))
        except FileNotFoundError:
            raise FileNotFoundError(f"load_img: no such image file: {path!r}") from None
    else:
        raise TypeError(f"load_img: path should be path-like or io.BytesIO, not {type(path).__name__}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode in ("rgba", "rgb"):
        if img.mode != color_mode.upper():
            img = img.convert(color_mode.upper())
    else:
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba". Received: color_mode={color_mode!r}')
    if target_size is None:
        return img
    width_height = (int(target_size[1]), int(target_size[0]))
    if img.size == width_height:
        return img
    if interpolation not in PIL_INTERPOLATIONS:
        raise ValueError(
            f"Invalid interpolation method {interpolation!r} specified. Supported methods are "
            f"{', '.join(PIL_INTERPOLATIONS)}"
        )
    resample = getattr(image_module.Resampling, interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize(width_height, resample)
    width, height = img.size
    target_width, target_height = width_height
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return img.resize(width_height, resample, box=[left, top, left + crop_width, top + crop_height])


def img_to_array(img, data_format=None, dtype=None):
    """A Pillow image (or array) as a 3D array of `dtype` (floatx), values unchanged (0-255).

    Returns (H, W, C), or (C, H, W) for data_format="channels_first"; grayscale gets C = 1.

    >>> img_to_array(array_to_img(np.zeros((4, 5, 3)))).shape
    (4, 5, 3)
    """
    data_format = standardize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"img_to_array: unsupported image shape {x.shape}; expected (H, W) or (H, W, C).")


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3D array as a Pillow image; with `scale` (default) its values are stretched to 0-255.

    1 channel gives mode "L" ("I" when values exceed 255 unscaled), 3 "RGB", 4 "RGBA".

    >>> array_to_img(np.random.random((10, 10, 3))).mode
    'RGB'
    """
    image_module = _pil()
    data_format = standardize_data_format(data_format)
    x = np.array(x, dtype=dtype or floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return image_module.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return image_module.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return image_module.fromarray(x[:, :, 0].astype("int32"), "I")
        return image_module.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels} (expected 1, 3 or 4).")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save a 3D array as an image file; the format comes from the extension unless `file_format` is given.

    Extra keyword arguments go to `PIL.Image.save` (e.g. quality=95).
    """
    data_format = standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resize an image (H, W, C) or a batch (N, H, W, C) to `size` without distorting it: the
    largest centred crop with the target aspect ratio is resized (`keras.preprocessing.image.smart_resize`).
    """
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or `(batch_size, height, "
            f"width, channels)`, but got input with incorrect rank, of shape {x.shape}."
        )
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    batch = x if x.ndim == 4 else x[None]
    if data_format == "channels_first":
        batch = batch.transpose(0, 2, 3, 1)
    out = np.stack([resize_image(crop_to_aspect(image, size), size, interpolation) for image in batch])
    if data_format == "channels_first":
        out = out.transpose(0, 3, 1, 2)
    return out if x.ndim == 4 else out[0]


__all__ = ["load_img", "img_to_array", "array_to_img", "save_img", "smart_resize"]
