"""The image operations on PIL images, as torchvision's `functional_pil.py` performs them.

torchvision hands PIL images to PIL itself (`Image.resize`, `Image.rotate`, `ImageEnhance`,
`ImageOps.expand`), so the results here are PIL's, byte for byte: e.g. bilinear resizing with
PIL's built-in antialiasing when shrinking. The one computation done in NumPy is hue, which
torchvision also does in NumPy (an HSV round trip with the hue byte shifted modulo 256).
"""

import numbers

import numpy as np
from PIL import Image, ImageEnhance, ImageOps


def is_pil_image(img):
    return isinstance(img, Image.Image)


def get_dimensions(img):
    """[channels, height, width]."""
    width, height = img.size
    return [len(img.getbands()), height, width]


def hflip(img):
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def crop(img, top, left, height, width):
    """The box (left, top, left + width, top + height); outside the image reads as zeros (PIL's rule)."""
    return img.crop((left, top, left + width, top + height))


def parse_fill(fill, img, name="fillcolor"):
    """torchvision's `_parse_fill`: a number for every band, as PIL wants it."""
    if fill is None:
        fill = 0
    bands = len(img.getbands())
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * bands
        if len(fill) != bands:
            raise ValueError(
                f"The number of elements in 'fill' does not match the number of bands of the image "
                f"({len(fill)} != {bands})"
            )
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img, padding, fill=0, padding_mode="constant"):
    """padding = (left, top, right, bottom) ints; modes constant, edge, reflect, symmetric."""
    left, top, right, bottom = padding
    if padding_mode == "constant":
        options = parse_fill(fill, img, name="fill")
        if img.mode == "P":
            palette = img.getpalette()
            image = ImageOps.expand(img, border=(left, top, right, bottom), **options)
            image.putpalette(palette)
            return image
        return ImageOps.expand(img, border=(left, top, right, bottom), **options)
    mode = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[padding_mode]
    array = np.asarray(img)
    widths = ((top, bottom), (left, right)) + (((0, 0),) if array.ndim == 3 else ())
    padded = np.pad(array, widths, mode=mode)
    image = Image.fromarray(padded)
    if img.mode == "P":
        image.putpalette(img.getpalette())
    return image


def resize(img, size, interpolation):
    """size = [height, width]; PIL's resampling filter `interpolation`."""
    height, width = size
    return img.resize((width, height), interpolation)


def rotate(img, angle, interpolation, expand=False, center=None, fill=0):
    return img.rotate(angle, interpolation, expand, center, **parse_fill(fill, img))


def adjust_brightness(img, factor):
    return ImageEnhance.Brightness(img).enhance(factor)


def adjust_contrast(img, factor):
    return ImageEnhance.Contrast(img).enhance(factor)


def adjust_saturation(img, factor):
    return ImageEnhance.Color(img).enhance(factor)


def adjust_hue(img, hue_factor):
    """Shift the hue by hue_factor turns (in [-0.5, 0.5]), through PIL's HSV mode."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    input_mode = img.mode
    if input_mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    with np.errstate(over="ignore"):
        np_h += np.int32(hue_factor * 255).astype(np.uint8)  # truncated toward zero, then wrapped
    h = Image.fromarray(np_h, "L")
    return Image.merge("HSV", (h, s, v)).convert(input_mode)


def to_grayscale(img, num_output_channels):
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        gray = np.array(img.convert("L"), dtype=np.uint8)
        return Image.fromarray(np.dstack([gray, gray, gray]), "RGB")
    raise ValueError(f"num_output_channels should be either 1 or 3, got {num_output_channels}")


def check_number(value, name):
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{name} should be a number, got {type(value).__name__}")


__all__ = [
    "adjust_brightness",
    "adjust_contrast",
    "adjust_hue",
    "adjust_saturation",
    "crop",
    "get_dimensions",
    "hflip",
    "is_pil_image",
    "pad",
    "resize",
    "rotate",
    "to_grayscale",
    "vflip",
]
