"""Resizing decoded images in NumPy, as `tf.image.resize` does for Keras' image loaders.

"bilinear" and "nearest" use half-pixel centres: output pixel j of an axis resized from
`size` to `out` samples the input at

    src = (j + 0.5) * size / out - 0.5

"bilinear" mixes floor(src) and floor(src) + 1 with weights (1 - l, l), l = src - floor(src),
src clamped at 0 (tf.image.resize without antialias); "nearest" takes the pixel containing
src + 0.5. Each axis is then one (out, size) matrix, and the image is M_h @ x @ M_w^T per
channel (the same maths as `strided.ops.resize`, kept here so `strided.utils` needs no ops).
"bicubic" is TensorFlow's ResizeBicubic with half-pixel centres: Keys' cubic (a = -0.5) read
from its 1024-entry table, taps outside the image dropped and the rest renormalised. "area" is
TensorFlow's ResizeArea: each output pixel averages the input box it covers, partly covered
pixels weighted by the covered fraction. "lanczos3", "lanczos5", "gaussian" and "mitchellcubic"
are TensorFlow's ScaleAndTranslate without antialiasing: output pixel j weighs the inputs within
the kernel's radius of src = (j + 0.5) * size / out by kernel(i + 0.5 - src), normalised.
"""

import numpy as np

from strided.kernels.fast.pool import separable_linear_map

CUBIC_TABLE_SIZE = 1024


def _lanczos(radius):
    def kernel(x):
        x = np.abs(x)
        safe = np.where(x <= 1e-3, 1.0, x)
        value = radius * np.sin(np.pi * safe) * np.sin(np.pi * safe / radius) / (np.pi * np.pi * safe * safe)
        return np.where(x > radius, 0.0, np.where(x <= 1e-3, 1.0, value))
    return kernel, radius


def _gaussian(x):
    sigma = 1.5 / 3
    x = np.abs(x)
    return np.where(x >= 1.5, 0.0, np.exp(-x * x / (2 * sigma * sigma)))


def _mitchell_cubic(x):
    x = np.abs(x)
    far = (((-7.0 / 18.0) * x + 2.0) * x - 10.0 / 3.0) * x + 16.0 / 9.0
    near = (((7.0 / 6.0) * x - 2.0) * x) * x + 8.0 / 9.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


# name: (kernel function, radius) of TensorFlow's sampling kernels
KERNELS = {"lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0), "gaussian": (_gaussian, 1.5),
           "mitchellcubic": (_mitchell_cubic, 2.0)}
MATRIX_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area") + tuple(KERNELS)
INTERPOLATIONS = MATRIX_INTERPOLATIONS


def _cubic_table(a=-0.5):
    """TensorFlow's InitCoeffsTable: Keys' cubic weights of the near and far taps at 1025 offsets."""
    x = (np.arange(CUBIC_TABLE_SIZE + 1) / CUBIC_TABLE_SIZE).astype(np.float32)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x = x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return near.astype(np.float32), far.astype(np.float32)


def _bicubic_matrix(size, out):
    near, far = _cubic_table()
    source = (np.arange(out, dtype=np.float32) + np.float32(0.5)) * np.float32(size / out) - np.float32(0.5)
    lower = np.floor(source).astype(int)
    offset = np.rint((source - lower) * CUBIC_TABLE_SIZE).astype(int)  # lrintf: halves to even
    taps = np.stack([lower - 1, lower, lower + 1, lower + 2], axis=1)
    weights = np.stack([far[offset], near[offset], near[CUBIC_TABLE_SIZE - offset],
                        far[CUBIC_TABLE_SIZE - offset]], axis=1)
    weights = np.where((taps >= 0) & (taps < size), weights, 0)  # taps outside the image: dropped
    totals = weights.sum(axis=1, keepdims=True)
    weights = weights / np.where(np.abs(totals) > 0, totals, 1)
    matrix = np.zeros((out, size), dtype=np.float32)
    np.add.at(matrix, (np.repeat(np.arange(out), 4), np.clip(taps, 0, size - 1).ravel()), weights.ravel())
    return matrix


def _area_matrix(size, out):
    scale = size / out
    matrix = np.zeros((out, size), dtype=np.float64)
    for row in range(out):
        start, stop = row * scale, (row + 1) * scale
        for column in range(int(np.floor(start)), int(np.ceil(stop))):
            covered = min(column + 1, stop) - max(column, start)
            matrix[row, min(column, size - 1)] += covered / scale
    return matrix.astype(np.float32)


def _kernel_matrix(size, out, interpolation):
    """TensorFlow's ScaleAndTranslate spans (scale out/size, no translation, no antialias), computed
    in float32 as TensorFlow does, so that spans end on the same pixels."""
    kernel, radius = KERNELS[interpolation]
    f32 = np.float32
    inverse_scale = f32(1.0) / (f32(out) / f32(size))
    matrix = np.zeros((out, size), dtype=np.float32)
    for row in range(out):
        sample = (f32(row) + f32(0.5)) * inverse_scale
        start = min(max(int(np.ceil(sample - f32(radius) - f32(0.5))), 0), size - 1)
        stop = min(max(int(np.floor(sample + f32(radius) - f32(0.5))), 0), size - 1) + 1
        sources = np.arange(start, stop)
        weights = kernel((sources.astype(np.float32) + f32(0.5) - sample).astype(np.float32)).astype(np.float32)
        total = weights.sum(dtype=np.float32)
        matrix[row, sources] = weights / total if abs(total) > 0 else weights
    return matrix


def interpolation_matrix(size, out, interpolation):
    """(out, size) matrix resizing one axis; None when the axis keeps its size (and its values).

    The smoothing kernels (gaussian, mitchellcubic) change an image even at its own size, as
    TensorFlow's do, so they always give a matrix."""
    if interpolation in KERNELS:
        return _kernel_matrix(size, out, interpolation)
    if size == out:
        return None
    if interpolation == "bicubic":
        return _bicubic_matrix(size, out)
    if interpolation == "area":
        return _area_matrix(size, out)
    source = (np.arange(out) + 0.5) * (size / out)
    matrix = np.zeros((out, size), dtype=np.float32)
    rows = np.arange(out)
    if interpolation == "nearest":
        matrix[rows, np.minimum(np.floor(source).astype(int), size - 1)] = 1.0
        return matrix
    source = np.maximum(source - 0.5, 0.0)
    lower = np.floor(source).astype(int)
    upper = np.minimum(lower + 1, size - 1)
    weight = (source - lower).astype(np.float32)
    np.add.at(matrix, (rows, lower), 1.0 - weight)
    np.add.at(matrix, (rows, upper), weight)
    return matrix


def resize_image(image, size, interpolation="bilinear"):
    """One (H, W, C) image resized to `size` = (height, width), as float32."""
    check_interpolation(interpolation)
    image = np.asarray(image, dtype=np.float32)
    height, width = size
    matrix_h = interpolation_matrix(image.shape[0], height, interpolation)
    matrix_w = interpolation_matrix(image.shape[1], width, interpolation)
    return separable_linear_map(image[None], matrix_h, matrix_w)[0]


def crop_to_aspect(image, size):
    """The largest centred crop of an (H, W, C) image with the aspect ratio of `size` (Keras' smart_resize)."""
    height, width = image.shape[:2]
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    return image[top:top + crop_height, left:left + crop_width]


def resize_with_pad(image, size, interpolation="bilinear"):
    """Resize keeping the aspect ratio, then pad with zeros to `size` (tf.image.resize_with_pad)."""
    height, width = image.shape[:2]
    target_height, target_width = size
    ratio = max(np.float32(width) / np.float32(target_width), np.float32(height) / np.float32(target_height))
    resized_height, resized_width = np.float32(height) / ratio, np.float32(width) / ratio
    top = max(0, int(np.floor((np.float32(target_height) - resized_height) / 2)))
    left = max(0, int(np.floor((np.float32(target_width) - resized_width) / 2)))
    resized = resize_image(image, (int(np.floor(resized_height)), int(np.floor(resized_width))), interpolation)
    padded = np.zeros((target_height, target_width, image.shape[2]), dtype=np.float32)
    padded[top:top + resized.shape[0], left:left + resized.shape[1]] = resized
    return padded


def check_interpolation(interpolation):
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"Argument `interpolation` should be one of {INTERPOLATIONS}. "
            f"Received: interpolation={interpolation!r}"
        )


__all__ = ["resize_image", "crop_to_aspect", "resize_with_pad", "interpolation_matrix", "INTERPOLATIONS"]
