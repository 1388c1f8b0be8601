"""`torchvision.utils`: `make_grid` (a batch of images tiled into one image, as torchvision lays it
out) and `save_image` (that grid written as a PNG/JPEG file)."""

import math

import numpy as np


def _torch():
    import strided.torch

    return strided.torch


def _as_batch(tensor):
    """(N, C, H, W) float array from a tensor or list of tensors (2-D / 3-D / 4-D), gray as 3 channels."""
    torch = _torch()
    if isinstance(tensor, (list, tuple)):
        tensor = torch.stack(list(tensor), dim=0)
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"make_grid: tensor or list of tensors expected, got {type(tensor).__name__}")
    array = tensor.detach().numpy()
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        if array.shape[0] == 1:
            array = np.concatenate((array, array, array), 0)
        array = array[None]
    if array.ndim != 4:
        raise ValueError(f"make_grid: expected a 2-D, 3-D or 4-D tensor, got shape {tuple(array.shape)}")
    if array.shape[1] == 1:
        array = np.concatenate((array, array, array), 1)
    return array


def _normalized(array, value_range):
    low, high = value_range if value_range is not None else (float(array.min()), float(array.max()))
    return (np.clip(array, low, high) - low) / max(high - low, 1e-5)


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0,
              **kwargs):
    """Tile the images in rows of `nrow`, `padding` pixels apart (filled with `pad_value`).

    `normalize` maps `value_range` (default: the images' min and max; each image's own with
    `scale_each`) to [0, 1]. Returns a (C, H, W) tensor.
    """
    torch = _torch()
    array = _as_batch(tensor).copy()
    if normalize:
        if scale_each:
            array = np.stack([_normalized(image, value_range) for image in array])
        else:
            array = _normalized(array, value_range)
    if array.shape[0] == 1:
        return torch.from_numpy(np.ascontiguousarray(array[0]))
    count = array.shape[0]
    columns = min(nrow, count)
    rows = int(math.ceil(float(count) / columns))
    height, width = array.shape[2] + padding, array.shape[3] + padding
    grid = np.full((array.shape[1], height * rows + padding, width * columns + padding), pad_value, array.dtype)
    for k in range(count):
        y, x = divmod(k, columns)
        grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = array[k]
    return torch.from_numpy(grid)


def save_image(tensor, fp, format=None, **kwargs):  # noqa: A002 - torchvision's argument name
    """Write `make_grid(tensor, **kwargs)` (values in [0, 1]) as an 8-bit image file."""
    from PIL import Image

    grid = make_grid(tensor, **kwargs).numpy()
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(pixels).save(fp, format=format)


__all__ = ["make_grid", "save_image"]
