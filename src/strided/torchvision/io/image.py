"""Reading and writing image files as uint8 (C, H, W) tensors, torchvision.io's way."""

import enum
import io
import os

import numpy as np
from PIL import Image


def _torch():
    import strided.torch

    return strided.torch


class ImageReadMode(enum.Enum):
    """The channels to read: as stored (UNCHANGED), GRAY, GRAY_ALPHA, RGB or RGB_ALPHA."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4


_PIL_MODES = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
              ImageReadMode.RGB_ALPHA: "RGBA"}


def _mode(mode):
    if isinstance(mode, str):
        try:
            return ImageReadMode[mode.upper()]
        except KeyError:
            raise ValueError(f"read_image: unknown mode {mode!r}; expected one of "
                             f"{', '.join(ImageReadMode.__members__)}") from None
    return ImageReadMode(mode)


def _to_tensor(image, mode):
    mode = _mode(mode)
    if mode is ImageReadMode.UNCHANGED:
        if image.mode not in ("L", "LA", "RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    else:
        image = image.convert(_PIL_MODES[mode])
    pixels = np.asarray(image, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    return _torch().from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))


def read_file(path):
    """The file's bytes as a 1-D uint8 tensor."""
    with open(os.fspath(path), "rb") as file:
        return _torch().from_numpy(np.frombuffer(file.read(), dtype=np.uint8).copy())


def decode_image(input, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):  # noqa: A002
    """A uint8 (C, H, W) tensor from encoded bytes (a 1-D uint8 tensor) or from a path."""
    if isinstance(input, (str, os.PathLike)):
        return read_image(input, mode, apply_exif_orientation)
    data = bytes(input.numpy().astype(np.uint8).tobytes())
    with Image.open(io.BytesIO(data)) as image:
        if apply_exif_orientation:
            from PIL import ImageOps

            image = ImageOps.exif_transpose(image)
        return _to_tensor(image, mode)


def read_image(path, mode=ImageReadMode.UNCHANGED, apply_exif_orientation=False):
    """The image file at `path` as a uint8 (C, H, W) tensor (JPEG, PNG, GIF, WEBP, ... via PIL)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise RuntimeError(f"read_image: no image file at {path!r}")
    with Image.open(path) as image:
        if apply_exif_orientation:
            from PIL import ImageOps

            image = ImageOps.exif_transpose(image)
        return _to_tensor(image, mode)


def _image_from_tensor(tensor, name):
    pixels = tensor.numpy()
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[0] not in (1, 3):
        raise ValueError(f"{name}: expected a uint8 tensor of shape (1 or 3, H, W), got {pixels.dtype} "
                         f"{tuple(pixels.shape)}")
    pixels = pixels.transpose(1, 2, 0)
    return Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)


def encode_png(input, compression_level=6):  # noqa: A002
    """PNG bytes of a uint8 (C, H, W) tensor, as a 1-D uint8 tensor."""
    buffer = io.BytesIO()
    _image_from_tensor(input, "encode_png").save(buffer, format="PNG", compress_level=compression_level)
    return _torch().from_numpy(np.frombuffer(buffer.getvalue(), dtype=np.uint8).copy())


def write_png(input, filename, compression_level=6):  # noqa: A002
    _image_from_tensor(input, "write_png").save(os.fspath(filename), format="PNG", compress_level=compression_level)


def write_jpeg(input, filename, quality=75):  # noqa: A002
    _image_from_tensor(input, "write_jpeg").save(os.fspath(filename), format="JPEG", quality=quality)


__all__ = ["ImageReadMode", "decode_image", "encode_png", "read_file", "read_image", "write_jpeg", "write_png"]
