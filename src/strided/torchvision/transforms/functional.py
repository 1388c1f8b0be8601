"""`torchvision.transforms.functional`: each image operation on a PIL image or a (..., C, H, W) tensor.

PIL images go to PIL (see `_functional_pil`), tensors to NumPy code following torchvision's tensor
implementation (see `_functional_tensor`); the answer has the input's kind and dtype.
"""
import numbers

import numpy as np

from strided.torchvision.transforms import _functional_pil as F_pil
from strided.torchvision.transforms import _functional_tensor as F_t
from strided.torchvision.transforms._functional_common import (
    PIL_FILTERS,
    InterpolationMode,
    array_of,
    check_image,
    get_dimensions,
    get_image_num_channels,
    get_image_size,
    interpolation_mode,
    wrap,
)
from strided.torchvision.transforms._functional_convert import (
    convert_image_dtype,
    normalize,
    pil_to_tensor,
    to_pil_image,
    to_tensor,
)

__all__ = [
    "InterpolationMode", "adjust_brightness", "adjust_contrast", "adjust_hue", "adjust_saturation",
    "center_crop", "convert_image_dtype", "crop", "get_dimensions", "get_image_num_channels",
    "get_image_size", "hflip", "interpolation_mode", "normalize", "pad", "pil_to_tensor", "resize",
    "resized_crop", "rgb_to_grayscale", "rotate", "to_grayscale", "to_pil_image", "to_tensor", "vflip",
]


def _apply(img, name, pil_op, tensor_op):
    if check_image(img, name):
        return wrap(tensor_op(array_of(img)))
    return pil_op(img)


def hflip(img):
    return _apply(img, "hflip", F_pil.hflip, F_t.hflip)


def vflip(img):
    return _apply(img, "vflip", F_pil.vflip, F_t.vflip)


def parse_padding(padding):
    """int -> all sides; (lr, tb); (left, top, right, bottom)."""
    if isinstance(padding, numbers.Integral):
        return (int(padding),) * 4
    padding = tuple(int(p) for p in padding)
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return (padding[0], padding[1], padding[0], padding[1])
    if len(padding) == 4:
        return padding
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad the borders: padding int, (left/right, top/bottom) or (left, top, right, bottom)."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    sides = parse_padding(padding)
    return _apply(
        img, "pad", lambda p: F_pil.pad(p, sides, fill, padding_mode), lambda a: F_t.pad(a, sides, fill, padding_mode)
    )


def crop(img, top, left, height, width):
    return _apply(
        img, "crop", lambda p: F_pil.crop(p, top, left, height, width), lambda a: F_t.crop(a, top, left, height, width)
    )


def center_crop(img, output_size):
    """The centred box of output_size (padding with zeros first when the image is smaller)."""
    if isinstance(output_size, numbers.Integral):
        output_size = (int(output_size), int(output_size))
    elif len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    crop_height, crop_width = output_size
    _, image_height, image_width = get_dimensions(img)
    if crop_width > image_width or crop_height > image_height:
        padding = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = pad(img, padding, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    top = int(round((image_height - crop_height) / 2.0))
    left = int(round((image_width - crop_width) / 2.0))
    return crop(img, top, left, crop_height, crop_width)


def resized_output_size(height, width, size, max_size=None):
    """torchvision's `_compute_resized_output_size`: an int matches the shorter edge, keeping the aspect."""
    if isinstance(size, numbers.Integral) or (isinstance(size, (list, tuple)) and len(size) == 1):
        requested = int(size if isinstance(size, numbers.Integral) else size[0])
        short, long = (width, height) if width <= height else (height, width)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(
                    f"max_size = {max_size} must be strictly greater than the requested size for the smaller "
                    f"edge size = {requested}"
                )
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_width, new_height = (new_short, new_long) if width <= height else (new_long, new_short)
        return [new_height, new_width]
    if size is None and max_size is not None:
        scale = max_size / max(height, width)
        return [int(height * scale), int(width * scale)]
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge")
    return [int(size[0]), int(size[1])]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """Resize to size [h, w] (or the shorter edge to an int size); PIL images with PIL's filter."""
    mode = interpolation_mode(interpolation)
    _, height, width = get_dimensions(img)
    output = resized_output_size(height, width, size, max_size)
    if [height, width] == output:
        return img
    if check_image(img, "resize"):
        if mode not in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT, InterpolationMode.BILINEAR,
                        InterpolationMode.BICUBIC):
            raise ValueError(f"resize: tensors support nearest, bilinear and bicubic interpolation, got {mode.value}")
        return wrap(F_t.resize(array_of(img), output, mode.value, bool(antialias)))
    return F_pil.resize(img, output, PIL_FILTERS[mode])


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    """crop, then resize to size."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """Rotate counter-clockwise by `angle` degrees about the centre (or `center`, in pixels)."""
    mode = interpolation_mode(interpolation)
    if not isinstance(angle, numbers.Real):
        raise TypeError("Argument angle should be int or float")
    if check_image(img, "rotate"):
        if expand:
            raise NotImplementedError("rotate(expand=True) on tensors is not supported by strided; rotate the PIL image")
        if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
            raise ValueError(f"rotate: tensors support nearest and bilinear interpolation, got {mode.value}")
        _, height, width = get_dimensions(img)
        center_offset = [0.0, 0.0] if center is None else [c - s * 0.5 for c, s in zip(center, (width, height))]
        fill_value = 0.0 if fill is None else fill
        channels = get_dimensions(img)[0]
        fill_array = np.asarray(fill_value, dtype=np.float64).reshape(-1)
        if fill_array.size not in (1, channels):
            raise ValueError(f"rotate: fill has {fill_array.size} values for an image of {channels} channels")
        matrix = F_t.inverse_rotation_matrix(float(angle), center_offset)
        fill_pixels = fill_array.reshape(-1, 1, 1)
        return wrap(F_t.affine_grid_sample(array_of(img), matrix, mode.value, fill_pixels))
    return F_pil.rotate(img, angle, PIL_FILTERS[mode], expand, center, 0 if fill is None else fill)


def _factor(value, name):
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")
    return float(value)


def adjust_brightness(img, brightness_factor):
    f = _factor(brightness_factor, "brightness_factor")
    return _apply(img, "adjust_brightness", lambda p: F_pil.adjust_brightness(p, f),
                  lambda a: F_t.adjust_brightness(a, f))


def adjust_contrast(img, contrast_factor):
    f = _factor(contrast_factor, "contrast_factor")
    return _apply(img, "adjust_contrast", lambda p: F_pil.adjust_contrast(p, f), lambda a: F_t.adjust_contrast(a, f))


def adjust_saturation(img, saturation_factor):
    f = _factor(saturation_factor, "saturation_factor")
    return _apply(img, "adjust_saturation", lambda p: F_pil.adjust_saturation(p, f),
                  lambda a: F_t.adjust_saturation(a, f))


def adjust_hue(img, hue_factor):
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    return _apply(img, "adjust_hue", lambda p: F_pil.adjust_hue(p, hue_factor), lambda a: F_t.adjust_hue(a, hue_factor))


def rgb_to_grayscale(img, num_output_channels=1):
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    return _apply(img, "rgb_to_grayscale", lambda p: F_pil.to_grayscale(p, num_output_channels),
                  lambda a: F_t.rgb_to_grayscale(a, num_output_channels))


to_grayscale = rgb_to_grayscale
