"""The image operations on tensor images, as NumPy arrays of shape (..., C, H, W).

These follow torchvision's `functional_tensor.py`: uint8 images stay uint8 (results rounded or
clamped as torchvision does), float images are taken to lie in [0, 1]. Resizing is the separable
filter that PyTorch's `interpolate(..., antialias=True)` and PIL both use: output pixel i reads the
input around centre (i + 0.5) * scale with a triangle (bilinear) or cubic (bicubic, a = -0.5)
kernel stretched by the scale when shrinking, its weights normalised to sum to one.
"""

import math

import numpy as np


def bound(dtype):
    """The largest pixel value: 1.0 for floats, 255 for uint8, the type's maximum for other ints."""
    return 1.0 if dtype.kind == "f" else np.iinfo(dtype).max


def blend(image, other, ratio):
    """ratio * image + (1 - ratio) * other, clamped to the pixel range, cast back (integers truncate)."""
    result = ratio * image.astype(np.float32 if image.dtype.kind != "f" else image.dtype) + (1.0 - ratio) * other
    result = np.clip(result, 0, bound(image.dtype))
    return result.astype(image.dtype)


def rgb_to_grayscale(image, num_output_channels=1):
    """0.2989 R + 0.587 G + 0.114 B (ITU-R 601-2 luma), cast back to the image dtype."""
    if image.shape[-3] == 1:
        gray = image
    else:
        r, g, b = image[..., 0, :, :], image[..., 1, :, :], image[..., 2, :, :]
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).astype(image.dtype)[..., None, :, :]
    if num_output_channels == 3:
        return np.concatenate([gray] * 3, axis=-3)
    return gray.copy()


def adjust_brightness(image, factor):
    return blend(image, np.zeros_like(image, dtype=np.float32), factor)


def adjust_contrast(image, factor):
    gray = rgb_to_grayscale(image) if image.shape[-3] == 3 else image
    mean = gray.astype(np.float32).mean(axis=(-3, -2, -1), keepdims=True)
    return blend(image, mean, factor)


def adjust_saturation(image, factor):
    if image.shape[-3] == 1:
        return image.copy()
    return blend(image, rgb_to_grayscale(image).astype(np.float32), factor)


def _rgb_to_hsv(image):
    r, g, b = image[..., 0, :, :], image[..., 1, :, :], image[..., 2, :, :]
    maxc, minc = image.max(axis=-3), image.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_divisor = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_divisor, (maxc - g) / cr_divisor, (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return np.stack((h, s, maxc), axis=-3)


def _hsv_to_rgb(image):
    h, s, v = image[..., 0, :, :], image[..., 1, :, :], image[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros(image.shape, dtype=image.dtype)
    for k, (rr, gg, bb) in enumerate(choices):
        mask = i == k
        out[..., 0, :, :] = np.where(mask, rr, out[..., 0, :, :])
        out[..., 1, :, :] = np.where(mask, gg, out[..., 1, :, :])
        out[..., 2, :, :] = np.where(mask, bb, out[..., 2, :, :])
    return out


def adjust_hue(image, hue_factor):
    if image.shape[-3] == 1:
        return image.copy()
    hsv = _rgb_to_hsv(convert_image_dtype(image, np.dtype(np.float32)))
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + hue_factor, 1.0)
    return convert_image_dtype(_hsv_to_rgb(hsv), image.dtype)


def convert_image_dtype(image, dtype):
    """torchvision's `convert_image_dtype`: rescale between [0, 1] floats and [0, max] integers."""
    if image.dtype == dtype:
        return image
    if image.dtype.kind == "f":
        if dtype.kind == "f":
            return image.astype(dtype)
        if image.dtype == np.float32 and dtype in (np.int32, np.int64) or image.dtype == np.float64 and dtype == np.int64:
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        eps = 1e-3
        return (image * (float(bound(dtype)) + 1.0 - eps)).astype(dtype)
    if dtype.kind == "f":
        return (image.astype(dtype) / float(bound(image.dtype))).astype(dtype)
    in_max, out_max = int(bound(image.dtype)), int(bound(dtype))
    if in_max > out_max:
        factor = (in_max + 1) // (out_max + 1)
        return (image // factor).astype(dtype)
    factor = (out_max + 1) // (in_max + 1)
    return (image.astype(dtype) * factor).astype(dtype)


def hflip(image):
    return image[..., ::-1].copy()


def vflip(image):
    return image[..., ::-1, :].copy()


def pad(image, padding, fill=0, padding_mode="constant"):
    """padding = (left, top, right, bottom)."""
    left, top, right, bottom = padding
    widths = [(0, 0)] * (image.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        return np.pad(image, widths, mode="constant", constant_values=fill)
    return np.pad(image, widths, mode={"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}[padding_mode])


def crop(image, top, left, height, width):
    """The box; parts outside the image are zeros (torchvision pads them)."""
    h, w = image.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding = (max(-left, 0), max(-top, 0), max(right - w, 0), max(bottom - h, 0))
        image = pad(image[..., max(top, 0) : min(bottom, h), max(left, 0) : min(right, w)], padding)
        return image
    return image[..., top:bottom, left:right].copy()


def _triangle(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _cubic(x, a=-0.5):
    x = np.abs(x)
    return np.where(
        x < 1.0,
        ((a + 2.0) * x - (a + 3.0)) * x * x + 1,
        np.where(x < 2.0, (((x - 5) * x + 8) * x - 4) * a, 0.0),
    )


def resize_weights(in_size, out_size, kernel, support, antialias):
    """The (out_size, in_size) matrix of one axis of the separable resize."""
    scale = in_size / out_size
    stretch = scale if (antialias and scale > 1.0) else 1.0
    weights = np.zeros((out_size, in_size), dtype=np.float64)
    for i in range(out_size):
        center = scale * (i + 0.5)
        low = max(int(center - support * stretch + 0.5), 0)
        high = min(int(center + support * stretch + 0.5), in_size)
        taps = np.arange(low, high)
        w = kernel((taps - center + 0.5) / stretch)
        total = w.sum()
        weights[i, low:high] = w / total if total != 0 else w
    return weights


def resize(image, size, interpolation="bilinear", antialias=True):
    """size = [height, width]; 'nearest', 'bilinear' or 'bicubic'."""
    h, w = image.shape[-2:]
    out_h, out_w = size
    if interpolation in ("nearest", "nearest-exact"):
        offset = 0.5 if interpolation == "nearest-exact" else 0.0
        rows = np.minimum(np.floor((np.arange(out_h) + offset) * (h / out_h)).astype(int), h - 1)
        cols = np.minimum(np.floor((np.arange(out_w) + offset) * (w / out_w)).astype(int), w - 1)
        return image[..., rows[:, None], cols[None, :]].copy()
    kernel, support = {"bilinear": (_triangle, 1.0), "bicubic": (_cubic, 2.0)}[interpolation]
    as_float = image.astype(np.float32) if image.dtype.kind != "f" else image
    rows = resize_weights(h, out_h, kernel, support, antialias).astype(as_float.dtype)
    cols = resize_weights(w, out_w, kernel, support, antialias).astype(as_float.dtype)
    result = np.einsum("oh,...hw,pw->...op", rows, as_float, cols, optimize=True)
    if image.dtype.kind != "f":
        return np.clip(np.round(result), 0, bound(image.dtype)).astype(image.dtype)
    return result.astype(image.dtype)


def affine_grid_sample(image, matrix, interpolation="nearest", fill=0.0):
    """Sample `image` at inverse-affine-mapped pixel centres (torchvision's rotate on tensors).

    matrix: the 2x3 inverse affine map [a, b, c, d, e, f] from output to input coordinates,
    relative to the image centre, as `_get_inverse_affine_matrix` builds it.
    """
    h, w = image.shape[-2:]
    # torchvision's _gen_affine_grid then grid_sample(align_corners=False), in the image's float
    # type (float32 for integer images) so that nearest-neighbour ties round as they do there
    grid_type = image.dtype if image.dtype.kind == "f" else np.dtype(np.float32)
    theta = np.asarray(matrix, dtype=grid_type).reshape(2, 3)
    theta = theta / np.array([[0.5 * w], [0.5 * h]], dtype=grid_type)
    xs = np.linspace(-w * 0.5 + 0.5, w * 0.5 - 0.5, w, dtype=grid_type)[None, :]
    ys = np.linspace(-h * 0.5 + 0.5, h * 0.5 - 0.5, h, dtype=grid_type)[:, None]
    grid_x = xs * theta[0, 0] + ys * theta[0, 1] + theta[0, 2]
    grid_y = xs * theta[1, 0] + ys * theta[1, 1] + theta[1, 2]
    one, two = grid_type.type(1), grid_type.type(2)
    source_x = ((grid_x + one) * grid_type.type(w) - one) / two
    source_y = ((grid_y + one) * grid_type.type(h) - one) / two
    as_float = image.astype(np.float64)
    if interpolation == "nearest":
        ix, iy = np.round(source_x).astype(int), np.round(source_y).astype(int)  # ties to even, as grid_sample
        inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        result = as_float[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)]
        result = np.where(inside, result, fill)
    else:
        x0, y0 = np.floor(source_x).astype(int), np.floor(source_y).astype(int)
        result = np.zeros(as_float.shape, dtype=np.float64)
        coverage = np.zeros((h, w))
        for dy in (0, 1):
            for dx in (0, 1):
                xi, yi = x0 + dx, y0 + dy
                weight = (1 - np.abs(source_x - xi)) * (1 - np.abs(source_y - yi))
                inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
                weight = np.where(inside, weight, 0.0)
                result += weight * as_float[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
                coverage += weight
        result = result * coverage + (1.0 - coverage) * fill  # torchvision's mask blend, applied once more
    if image.dtype.kind != "f":
        return np.clip(np.round(result), 0, bound(image.dtype)).astype(image.dtype)
    return result.astype(image.dtype)


def inverse_rotation_matrix(angle, center=(0.0, 0.0)):
    """torchvision's `_get_inverse_affine_matrix(center, -angle, [0, 0], 1, [0, 0])`: output -> input
    coordinates (relative to the image centre) of a counter-clockwise rotation by `angle` degrees."""
    rot = math.radians(-angle)
    cx, cy = center
    a, b = math.cos(rot), -math.sin(rot)
    c, d = math.sin(rot), math.cos(rot)
    matrix = [d, -b, 0.0, -c, a, 0.0]
    matrix[2] += matrix[0] * (-cx) + matrix[1] * (-cy) + cx
    matrix[5] += matrix[3] * (-cx) + matrix[4] * (-cy) + cy
    return matrix


__all__ = [
    "adjust_brightness",
    "adjust_contrast",
    "adjust_hue",
    "adjust_saturation",
    "affine_grid_sample",
    "convert_image_dtype",
    "crop",
    "hflip",
    "inverse_rotation_matrix",
    "pad",
    "resize",
    "rgb_to_grayscale",
    "vflip",
]
