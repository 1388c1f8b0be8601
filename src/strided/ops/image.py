"""`keras.ops.image`: resize, affine_transform, crop_images, pad_images, rgb_to_grayscale,
rgb_to_hsv / hsv_to_rgb and extract_patches, on (N, H, W, C) batches or single (H, W, C) images
(channels first with data_format="channels_first").

`resize`, crops, pads, rgb_to_grayscale and extract_patches are differentiable (built from
differentiable ops); affine_transform and the HSV conversions return constants (augmentation
and colour maths, as the Keras preprocessing layers use them).

affine_transform follows tf.raw_ops.ImageProjectiveTransformV3: output pixel (x, y) reads
the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, for the
transform [a0, a1, a2, b0, b1, b2, c0, c1]; neighbours outside the image are read through
`fill_mode` ("constant" reads fill_value).
"""

import numpy as np

from strided._config import floatx, standardize_data_format
from strided.autograd import Tensor
from strided.ops._base import as_tensor
from strided.ops.upsampling import resize as _resize

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _images(op, images):
    x = as_tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{op}: invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). "
            f"Received input with shape: images.shape={x.shape}"
        )
    return x


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to `size` = (height, width) (bilinear or nearest, half-pixel centres).

    With crop_to_aspect_ratio, the largest centred crop with the target aspect ratio is
    resized; with pad_to_aspect_ratio, the image is padded with fill_value to it first.
    Integer images (uint8 photos) come back in their own dtype, rounded, as Keras returns
    them (not differentiable).
    """
    x = _images("resize", images)
    if x.dtype.kind in "iu":
        resized = resize(x.data.astype(np.float32), size, interpolation, antialias,
                         crop_to_aspect_ratio, pad_to_aspect_ratio, fill_mode, fill_value,
                         data_format)
        limits = np.iinfo(x.dtype)
        rounded = np.clip(np.round(resized.data), limits.min, limits.max)
        return Tensor(rounded.astype(x.dtype))
    channels_first = standardize_data_format(data_format) == "channels_first"
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be True.")
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        h_axis = x.ndim - (2 if channels_first else 3)
        height, width = x.shape[h_axis], x.shape[h_axis + 1]
        target_height, target_width = size
        if crop_to_aspect_ratio:
            crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
            crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
            top, left = int(float(height - crop_height) / 2), int(float(width - crop_width) / 2)
            x = _crop(x, h_axis, top, left, crop_height, crop_width)
        else:
            pad_height = max(height, int(float(width * target_height) / target_width))
            pad_width = max(width, int(float(height * target_width) / target_height))
            top, left = int(float(pad_height - height) / 2), int(float(pad_width - width) / 2)
            x = _pad(x, h_axis, top, pad_height - height - top, left, pad_width - width - left, fill_value)
    return _resize(x, size, interpolation=interpolation, antialias=antialias,
                   data_format="channels_first" if channels_first else "channels_last")


def _crop(x, h_axis, top, left, height, width):
    from strided.ops.indexing import get_item

    key = [slice(None)] * x.ndim
    key[h_axis] = slice(top, top + height)
    key[h_axis + 1] = slice(left, left + width)
    return get_item(x, tuple(key))


def _pad(x, h_axis, top, bottom, left, right, value=0.0):
    from strided.ops.padding import pad

    widths = [(0, 0)] * x.ndim
    widths[h_axis] = (top, bottom)
    widths[h_axis + 1] = (left, right)
    return pad(x, widths, constant_values=value)


def _two_of_three(op, size, near, far, target, names):
    """Keras' rule: exactly two of (near, far, target) are given; the third follows from `size`."""
    if [near, far, target].count(None) != 1:
        raise ValueError(
            f"{op}: must specify exactly two of {', '.join(names)}. Received: "
            + ", ".join(f"{n}={v}" for n, v in zip(names, (near, far, target)))
        )
    if near is None:
        near = size - far - target if op == "crop_images" else target - size - far
    if target is None:
        target = size - near - far if op == "crop_images" else size + near + far
    return int(near), int(target)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Cut a box out of each image; as Keras, give exactly two of top_cropping, bottom_cropping and
    target_height (and of left_cropping, right_cropping and target_width)."""
    x = _images("crop_images", images)
    channels_first = standardize_data_format(data_format) == "channels_first"
    h_axis = x.ndim - (2 if channels_first else 3)
    height, width = x.shape[h_axis], x.shape[h_axis + 1]
    top, target_height = _two_of_three("crop_images", height, top_cropping, bottom_cropping, target_height,
                                       ("top_cropping", "bottom_cropping", "target_height"))
    left, target_width = _two_of_three("crop_images", width, left_cropping, right_cropping, target_width,
                                       ("left_cropping", "right_cropping", "target_width"))
    if top < 0 or left < 0 or target_height <= 0 or target_width <= 0 or top + target_height > height \
            or left + target_width > width:
        raise ValueError(
            f"crop_images: the box (top={top}, left={left}, {target_height}x{target_width}) does not "
            f"fit in images of {height}x{width}."
        )
    return _crop(x, h_axis, top, left, target_height, target_width)


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Surround each image with zeros; as Keras, give exactly two of top_padding, bottom_padding and
    target_height (and of left_padding, right_padding and target_width)."""
    x = _images("pad_images", images)
    channels_first = standardize_data_format(data_format) == "channels_first"
    h_axis = x.ndim - (2 if channels_first else 3)
    height, width = x.shape[h_axis], x.shape[h_axis + 1]
    top, target_height = _two_of_three("pad_images", height, top_padding, bottom_padding, target_height,
                                       ("top_padding", "bottom_padding", "target_height"))
    left, target_width = _two_of_three("pad_images", width, left_padding, right_padding, target_width,
                                       ("left_padding", "right_padding", "target_width"))
    bottom, right = target_height - height - top, target_width - width - left
    if min(top, left, bottom, right) < 0:
        raise ValueError(
            f"pad_images: negative padding (top={top}, bottom={bottom}, left={left}, right={right}) "
            f"for images of {height}x{width}."
        )
    return _pad(x, h_axis, top, bottom, left, right)


def rgb_to_grayscale(images, data_format=None):
    """0.2989 R + 0.5870 G + 0.1140 B, keeping a channel axis of size 1 (Keras' weights)."""
    from strided.ops.arithmetic import multiply
    from strided.ops.reduction import sum as reduce_sum

    x = _images("rgb_to_grayscale", images)
    channels_first = standardize_data_format(data_format) == "channels_first"
    axis = x.ndim - 3 if channels_first else x.ndim - 1
    if x.shape[axis] != 3:
        raise ValueError(f"rgb_to_grayscale: expected 3 channels on axis {axis}; received images of shape {x.shape}.")
    shape = [1] * x.ndim
    shape[axis] = 3
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(floatx())
    weights = np.array([0.2989, 0.5870, 0.1140], dtype=dtype).reshape(shape)
    if x.dtype.kind != "f":
        x = Tensor(x.data.astype(dtype))
    return reduce_sum(multiply(x, Tensor(weights)), axis=axis, keepdims=True)


def _channels_last(x, data_format):
    channels_first = standardize_data_format(data_format) == "channels_first"
    data = x.data if x.dtype.kind == "f" else x.data.astype(floatx())
    return (np.moveaxis(data, -3, -1) if channels_first else data), channels_first


def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] -> HSV in [0, 1] (as tf.image.rgb_to_hsv)."""
    data, channels_first = _channels_last(_images("rgb_to_hsv", images), data_format)
    r, g, b = data[..., 0], data[..., 1], data[..., 2]
    value = data.max(-1)
    chroma = value - data.min(-1)
    safe = np.where(chroma > 0, chroma, 1)
    saturation = np.where(value > 0, chroma / np.where(value > 0, value, 1), 0)
    hue = np.where(value == r, (g - b) / safe, np.where(value == g, 2 + (b - r) / safe, 4 + (r - g) / safe))
    hue = np.where(chroma > 0, (hue / 6) % 1.0, 0)
    out = np.stack([hue, saturation, value], -1).astype(data.dtype)
    return Tensor(np.moveaxis(out, -1, -3) if channels_first else out)


def hsv_to_rgb(images, data_format=None):
    """HSV in [0, 1] -> RGB in [0, 1] (as tf.image.hsv_to_rgb)."""
    data, channels_first = _channels_last(_images("hsv_to_rgb", images), data_format)
    h, s, v = data[..., 0], data[..., 1], data[..., 2]
    dh = h * 6
    r = np.clip(np.abs(dh - 3) - 1, 0, 1)
    g = np.clip(2 - np.abs(dh - 2), 0, 1)
    b = np.clip(2 - np.abs(dh - 4), 0, 1)
    out = ((np.stack([r, g, b], -1) - 1) * s[..., None] + 1) * v[..., None]
    out = out.astype(data.dtype)
    return Tensor(np.moveaxis(out, -1, -3) if channels_first else out)


def _map_coordinate(coordinate, size, fill_mode):
    """A continuous input coordinate brought inside [0, size - 1] by the fill mode (TensorFlow's
    MapCoordinate); "constant" leaves it as is (outside pixels then read fill_value)."""
    if fill_mode == "constant":
        return coordinate
    if size <= 1:
        return np.zeros_like(coordinate)
    c = coordinate
    if fill_mode == "wrap":
        span = size - 1
        low = c + size * (np.trunc(-c / span) + 1)
        high = c - size * np.trunc(c / span)
        c = np.where(c < 0, low, np.where(c > size - 1, high, c))
    elif fill_mode == "reflect":  # (d c b a | a b c d | d c b a)
        period = 2 * size
        low = np.where(c < period, period * np.trunc(-c / period) + c, c)
        low = np.where(low < -size, low + period, -low - 1)
        high = c - period * np.trunc(c / period)
        high = np.where(high >= size, period - high - 1, high)
        c = np.where(c < 0, low, np.where(c > size - 1, high, c))
    elif fill_mode == "mirror":  # (d c b | a b c d | c b a)
        period = 2 * (size - 1)
        c = np.abs(c) % period
        c = np.where(c > size - 1, period - c, c)
    return np.clip(c, 0, size - 1)


def _read(image, rows, cols, fill_value):
    """image[rows, cols] for integer arrays; fill_value where (rows, cols) is outside the image."""
    height, width = image.shape[:2]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    values = image[np.clip(rows, 0, height - 1), np.clip(cols, 0, width - 1)]
    return np.where(inside[..., None], values, np.asarray(fill_value, image.dtype))


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Apply projective transforms [a0, a1, a2, b0, b1, b2, c0, c1] (one, or one per image)."""
    x = _images("affine_transform", images)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(
            "Invalid value for argument `interpolation`. Expected of one {'nearest', 'bilinear'}. "
            f"Received: interpolation={interpolation}"
        )
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected of one {FILL_MODES}. Received: fill_mode={fill_mode}")
    transform = np.asarray(transform.data if isinstance(transform, Tensor) else transform, dtype=np.float64)
    if transform.ndim not in (1, 2) or transform.shape[-1] != 8:
        raise ValueError(
            "affine_transform: `transform` must have shape (8,) or (batch, 8). "
            f"Received input with shape: transform.shape={transform.shape}"
        )
    data, channels_first = _channels_last(x, data_format)
    single = data.ndim == 3
    batch = data[None] if single else data
    transforms = np.broadcast_to(transform if transform.ndim == 2 else transform[None], (len(batch), 8))
    height, width = batch.shape[1:3]
    ys, xs = np.meshgrid(np.arange(height, dtype=np.float32), np.arange(width, dtype=np.float32), indexing="ij")
    out = np.empty_like(batch)
    for n, (image, (a0, a1, a2, b0, b1, b2, c0, c1)) in enumerate(zip(batch, transforms.astype(np.float32))):
        k = c0 * xs + c1 * ys + np.float32(1)
        src_x = _map_coordinate((a0 * xs + a1 * ys + a2) / k, width, fill_mode)
        src_y = _map_coordinate((b0 * xs + b1 * ys + b2) / k, height, fill_mode)
        if interpolation == "nearest":  # std::round: halves away from zero
            rows = (np.sign(src_y) * np.floor(np.abs(src_y) + 0.5)).astype(np.int64)
            cols = (np.sign(src_x) * np.floor(np.abs(src_x) + 0.5)).astype(np.int64)
            out[n] = _read(image, rows, cols, fill_value)
            continue
        y0, x0 = np.floor(src_y), np.floor(src_x)
        wy, wx = (src_y - y0)[..., None], (src_x - x0)[..., None]
        y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
        top = (1 - wx) * _read(image, y0, x0, fill_value) + wx * _read(image, y0, x0 + 1, fill_value)
        bottom = (1 - wx) * _read(image, y0 + 1, x0, fill_value) + wx * _read(image, y0 + 1, x0 + 1, fill_value)
        out[n] = (1 - wy) * top + wy * bottom
    out = out[0] if single else out
    return Tensor(np.moveaxis(out, -1, -3) if channels_first else out)


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Non-overlapping (or strided) size x size patches, flattened into the channel axis:
    (N, H', W', size_h * size_w * C), as keras.ops.image.extract_patches (differentiable)."""
    from strided.ops.numpy_arrays import gather_by

    x = _images("extract_patches", images)
    if isinstance(size, int):
        size = (size, size)
    strides = size if strides is None else ((strides, strides) if isinstance(strides, int) else tuple(strides))
    if dilation_rate not in (1, (1, 1)):
        raise NotImplementedError("extract_patches: only dilation_rate=1 is supported.")
    channels_first = standardize_data_format(data_format) == "channels_first"
    single = x.ndim == 3

    def rearrange(positions):
        p = positions[None] if single else positions
        if channels_first:
            p = np.moveaxis(p, 1, -1)
        n, height, width, channels = p.shape
        if padding == "same":
            out_h, out_w = -(-height // strides[0]), -(-width // strides[1])
            pad_h = max((out_h - 1) * strides[0] + size[0] - height, 0)
            pad_w = max((out_w - 1) * strides[1] + size[1] - width, 0)
            p = np.pad(p, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))  # 0: zero
            height, width = p.shape[1:3]
        out_h = (height - size[0]) // strides[0] + 1
        out_w = (width - size[1]) // strides[1] + 1
        rows = (np.arange(out_h) * strides[0])[:, None, None, None] + np.arange(size[0])[None, None, :, None]
        cols = (np.arange(out_w) * strides[1])[None, :, None, None] + np.arange(size[1])[None, None, None, :]
        patches = p[:, rows, cols, :]  # (n, out_h, out_w, size_h, size_w, C)
        patches = patches.reshape(n, out_h, out_w, size[0] * size[1] * channels)
        if channels_first:
            patches = np.moveaxis(patches, -1, 1)
        return patches[0] if single else patches

    if padding not in ("valid", "same"):
        raise ValueError(f"extract_patches: padding must be 'valid' or 'same'. Received: padding={padding!r}")
    return gather_by(x, rearrange, fill_zero=padding == "same")


__all__ = ["resize", "affine_transform", "crop_images", "pad_images", "rgb_to_grayscale", "rgb_to_hsv",
           "hsv_to_rgb", "extract_patches"]
