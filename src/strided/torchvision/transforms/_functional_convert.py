"""Conversions between PIL images, arrays and tensors, and Normalize (torchvision's `to_tensor`, ...)."""

import numpy as np
from PIL import Image

from strided.torchvision.transforms import _functional_pil as F_pil
from strided.torchvision.transforms import _functional_tensor as F_t
from strided.torchvision.transforms._functional_common import (
    array_of,
    is_tensor,
    torch_module,
    wrap,
)


def to_tensor(pic):
    """HWC uint8 (PIL image or ndarray) -> CHW float32 in [0, 1]; other dtypes are not rescaled."""
    torch = torch_module()
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"to_tensor: pic should be 2 or 3 dimensional, got {pic.ndim} dimensions.")
        array = pic[:, :, None] if pic.ndim == 2 else pic
        chw = np.ascontiguousarray(array.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            return torch.from_numpy(chw.astype(torch.get_default_dtype().numpy_dtype) / np.float32(255))
        return torch.from_numpy(chw)
    if not F_pil.is_pil_image(pic):
        raise TypeError(f"to_tensor: pic should be a PIL Image or ndarray, got {type(pic).__name__}")
    mode_dtypes = {"I": np.int32, "I;16": np.int16, "F": np.float32}
    if pic.mode in mode_dtypes:
        array = np.array(pic, dtype=mode_dtypes[pic.mode], copy=True)
    else:
        array = np.array(pic, dtype=np.uint8, copy=True)
        if pic.mode == "1":
            array = 255 * array
    array = array.reshape(pic.size[1], pic.size[0], len(pic.getbands())).transpose(2, 0, 1)
    array = np.ascontiguousarray(array)
    if array.dtype == np.uint8:
        default = torch.get_default_dtype().numpy_dtype
        return torch.from_numpy(array.astype(default) / default.type(255))
    return torch.from_numpy(array)


def pil_to_tensor(pic):
    """PIL image -> CHW tensor of its own dtype (uint8 for 'L'/'RGB'), not rescaled."""
    if not F_pil.is_pil_image(pic):
        raise TypeError(f"pil_to_tensor: pic should be a PIL Image, got {type(pic).__name__}")
    array = np.array(pic, copy=True)
    array = array.reshape(pic.size[1], pic.size[0], len(pic.getbands())).transpose(2, 0, 1)
    return wrap(array)


def to_pil_image(pic, mode=None):
    """A CHW tensor or HWC ndarray -> PIL image (floats in [0, 1] are scaled to bytes, as torchvision)."""
    if is_tensor(pic):
        array = array_of(pic)
        if array.ndim == 2:
            array = array[None]
        array = array.transpose(1, 2, 0)
        if array.dtype.kind == "f" and mode != "F":
            array = (array * 255).astype(np.uint8)
    else:
        array = np.asarray(pic)
        if array.ndim == 2:
            array = array[:, :, None]
    if array.shape[-1] == 1:
        array = array[:, :, 0]
    image = Image.fromarray(array)
    return image.convert(mode) if mode is not None and image.mode != mode else image


def convert_image_dtype(image, dtype=None):
    """Rescale a tensor image between dtypes: uint8 [0, 255] <-> float [0, 1]."""
    torch = torch_module()
    dtype = torch.float if dtype is None else dtype
    if not is_tensor(image):
        raise TypeError(f"convert_image_dtype: input img should be a Tensor, got {type(image).__name__}")
    return wrap(F_t.convert_image_dtype(array_of(image), dtype.numpy_dtype))


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean[c]) / std[c] for each channel c of a float (..., C, H, W) tensor."""
    torch = torch_module()
    if not is_tensor(tensor):
        raise TypeError(f"Normalize: img should be a Tensor, got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(
            f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {tuple(tensor.shape)}"
        )
    numpy_dtype = tensor.dtype.numpy_dtype
    mean_a = np.asarray(mean, dtype=numpy_dtype)
    std_a = np.asarray(std, dtype=numpy_dtype)
    if (std_a == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    channels = tensor.shape[-3]
    for name, values in (("mean", mean_a), ("std", std_a)):
        if values.ndim > 1 or values.size not in (1, channels):
            raise ValueError(f"Normalize: {name} has {values.size} values for an image of {channels} channels")
    mean_a, std_a = mean_a.reshape(-1, 1, 1), std_a.reshape(-1, 1, 1)
    if tensor.requires_grad:  # through the autograd ops, so gradients reach the input
        result = (tensor - torch.from_numpy(mean_a)) / torch.from_numpy(std_a)
    else:  # the same float arithmetic on the array, without building a graph
        result = torch.from_numpy((tensor.numpy() - mean_a) / std_a)
    if inplace:
        with torch.no_grad():
            tensor.copy_(result)
        return tensor
    return result


__all__ = ["convert_image_dtype", "normalize", "pil_to_tensor", "to_pil_image", "to_tensor"]
