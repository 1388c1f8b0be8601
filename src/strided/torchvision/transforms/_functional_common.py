"""What the functional transforms share: interpolation modes, image sizes, and tensor <-> array helpers."""

import numbers
from enum import Enum

import numpy as np
from PIL import Image

from strided.torchvision.transforms import _functional_pil as F_pil


def torch_module():
    import strided.torch

    return strided.torch


class InterpolationMode(Enum):
    """torchvision's interpolation names; `.value` is the tensor mode, PIL_FILTERS the PIL filter."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


PIL_FILTERS = {
    InterpolationMode.NEAREST: Image.Resampling.NEAREST,
    InterpolationMode.NEAREST_EXACT: Image.Resampling.NEAREST,
    InterpolationMode.BILINEAR: Image.Resampling.BILINEAR,
    InterpolationMode.BICUBIC: Image.Resampling.BICUBIC,
    InterpolationMode.BOX: Image.Resampling.BOX,
    InterpolationMode.HAMMING: Image.Resampling.HAMMING,
    InterpolationMode.LANCZOS: Image.Resampling.LANCZOS,
}
_FROM_PIL = {int(v): k for k, v in PIL_FILTERS.items() if k is not InterpolationMode.NEAREST_EXACT}


def interpolation_mode(value):
    """An InterpolationMode from itself, its name ("bilinear") or a PIL filter constant."""
    if isinstance(value, InterpolationMode):
        return value
    if isinstance(value, str):
        return InterpolationMode(value.lower())
    if isinstance(value, numbers.Integral) and int(value) in _FROM_PIL:
        return _FROM_PIL[int(value)]
    raise TypeError(f"interpolation should be an InterpolationMode, got {value!r}")


def is_tensor(img):
    return isinstance(img, torch_module().Tensor)


def array_of(img):
    return np.asarray(img.detach().numpy())


def wrap(array):
    return torch_module().from_numpy(np.ascontiguousarray(array))


def check_image(img, name):
    if is_tensor(img):
        if img.ndim < 2:
            raise TypeError(f"{name}: expected a tensor image of shape (..., C, H, W), got shape {tuple(img.shape)}")
        return True
    if F_pil.is_pil_image(img):
        return False
    raise TypeError(f"{name}: img should be a PIL Image or a Tensor, got {type(img).__name__}")


def get_dimensions(img):
    """[channels, height, width] of a PIL image or tensor."""
    if check_image(img, "get_dimensions"):
        shape = tuple(img.shape)
        return [1 if len(shape) == 2 else shape[-3], shape[-2], shape[-1]]
    return F_pil.get_dimensions(img)


def get_image_size(img):
    """[width, height]."""
    _, height, width = get_dimensions(img)
    return [width, height]


def get_image_num_channels(img):
    return get_dimensions(img)[0]


__all__ = ["PIL_FILTERS", "InterpolationMode", "array_of", "check_image", "get_dimensions", "get_image_num_channels",
           "get_image_size", "interpolation_mode", "is_tensor", "torch_module", "wrap"]
