"""Upsampling and resizing of images: Keras' UpSampling2D (`upsample`) and `resize`.

Both interpolations use *half-pixel centres*: output pixel j of an axis resized from `size`
to `out` samples the input at

    src = (j + 0.5) * size / out - 0.5

"nearest" takes the pixel containing src + 0.5 (torch's mode="nearest-exact", tf.image.resize);
"bilinear" mixes the two neighbours floor(src) and floor(src) + 1 with weights (1 - l, l),
l = src - floor(src), src clamped at 0 (= torch F.interpolate(mode="bilinear",
align_corners=False) = tf.image.resize without antialias). Either way each axis is a linear
map, an (out, size) matrix with one or two non-zeros per row: y = M_h @ x @ M_w^T per channel,
and the gradient is the same product with the transposes.
"""

import numpy as np

from strided import _config
from strided._utils import normalize_tuple
from strided.autograd import Function
from strided.kernels.dispatch import kernel_set
from strided.kernels.fast import pool as kernels
from strided.ops._base import as_tensor

INTERPOLATIONS = ("nearest", "bilinear")


def interpolation_matrix(size, out, interpolation, dtype):
    """(out, size) matrix of one axis' resize; None when the axis keeps its size (identity)."""
    if size == out:
        return None
    source = (np.arange(out) + 0.5) * (size / out)
    matrix = np.zeros((out, size))
    rows = np.arange(out)
    if interpolation == "nearest":
        matrix[rows, np.minimum(np.floor(source).astype(int), size - 1)] = 1.0
        return matrix.astype(dtype)
    source = np.maximum(source - 0.5, 0.0)
    lower = np.floor(source).astype(int)
    upper = np.minimum(lower + 1, size - 1)
    weight = source - lower
    np.add.at(matrix, (rows, lower), 1.0 - weight)
    np.add.at(matrix, (rows, upper), weight)
    return matrix.astype(dtype)


def _to_nhwc(x, channels_first, batched):
    x = np.moveaxis(x, -3, -1) if channels_first else x
    return x if batched else x[None]


def _from_nhwc(y, channels_first, batched):
    y = y if batched else y[0]
    return np.ascontiguousarray(np.moveaxis(y, -1, -3)) if channels_first else y


class Resize(Function):
    """y = M_h x M_w^T on every (image, channel); backward: M_h^T gy M_w."""

    def __init__(self, out_size, interpolation, channels_first, batched):
        self.out_size, self.interpolation = out_size, interpolation
        self.layout = channels_first, batched

    def forward(self, x):
        x = _to_nhwc(x, *self.layout)
        self.matrices = [
            interpolation_matrix(size, out, self.interpolation, x.dtype)
            for size, out in zip(x.shape[1:3], self.out_size)
        ]
        return _from_nhwc(kernels.separable_linear_map(x, *self.matrices), *self.layout)

    def backward(self, gy):
        transposed = [None if m is None else m.T for m in self.matrices]
        return _from_nhwc(
            kernels.separable_linear_map(_to_nhwc(gy, *self.layout), *transposed), *self.layout
        )


class UpsampleNearest(Function):
    """Repeat every pixel sh x sw times; backward sums each sh x sw tile (a sum pooling)."""

    def __init__(self, size, channels_first):
        self.size, self.channels_first = size, channels_first

    def forward(self, x):
        x = _to_nhwc(x, self.channels_first, True)
        (n, h, w, c), (sh, sw) = x.shape, self.size
        tiles = np.broadcast_to(x[:, :, None, :, None, :], (n, h, sh, w, sw, c))
        return _from_nhwc(tiles.reshape(n, h * sh, w * sw, c), self.channels_first, True)

    def backward(self, gy):
        gy = _to_nhwc(gy, self.channels_first, True)
        gx = kernel_set().sum_pool2d_forward(gy, self.size, self.size, ((0, 0), (0, 0)))  # `kernels.dispatch`
        return _from_nhwc(gx, self.channels_first, True)


def _check_images(op, x, ranks, data_format, interpolation):
    data_format = _config.standardize_data_format(data_format)
    if x.ndim not in ranks:
        layout = (
            "(batch, height, width, channels)"
            if data_format == "channels_last"
            else "(batch, channels, height, width)"
        )
        extra = " or a single 3-D image" if 3 in ranks else ""
        hint = " Add a batch axis with x[None]." if x.ndim == 3 else ""
        raise ValueError(
            f"{op}: expected a 4-D input {layout}{extra}, received shape {x.shape}.{hint}"
        )
    if x.dtype.kind != "f":
        raise TypeError(
            f"{op}: expected a float input, received dtype {x.dtype}. Cast with x.astype('float32')."
        )
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"{op}: interpolation must be one of {INTERPOLATIONS}. Received: interpolation={interpolation!r}"
        )
    return data_format == "channels_first"


def _tuple(op, value, name):
    try:
        return normalize_tuple(value, 2, name)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{op}: {error}") from None


def upsample(x, size=(2, 2), interpolation="nearest", data_format=None):
    """Upsample images by integer factors, as Keras' UpSampling2D.

    Args:
        x: (N, H, W, C), or (N, C, H, W) with data_format="channels_first".
        size: int or (sh, sw), the factors. interpolation: "nearest" (repeat pixels) or "bilinear".

    Shape: (N, H * sh, W * sw, C).

    Example:
        >>> upsample(np.array([[1.0, 2.0]]).reshape(1, 1, 2, 1), 2).numpy()[0, :, :, 0]
        array([[1., 1., 2., 2.],
               [1., 1., 2., 2.]], dtype=float32)
    """
    x = as_tensor(x)
    channels_first = _check_images("upsample", x, (4,), data_format, interpolation)
    size = _tuple("upsample", size, "size")
    if interpolation == "nearest":
        return UpsampleNearest.apply(x, size=size, channels_first=channels_first)
    h, w = x.shape[2:] if channels_first else x.shape[1:3]
    return Resize.apply(
        x,
        out_size=(h * size[0], w * size[1]),
        interpolation=interpolation,
        channels_first=channels_first,
        batched=True,
    )


def resize(images, size, interpolation="bilinear", antialias=False, data_format=None):
    """Resize images to (height, width), as `keras.ops.image.resize` (no antialiasing).

    Args:
        images: (N, H, W, C) or one image (H, W, C); channels first with data_format.
        size: (out_h, out_w). interpolation: "bilinear" (default) or "nearest".
        antialias: only False is supported (downscaling then samples like torch's default).

    Example:
        >>> resize(np.array([[0.0, 1.0]]).reshape(1, 2, 1), (1, 4)).numpy().ravel()
        array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    """
    x = as_tensor(images)
    channels_first = _check_images("resize", x, (3, 4), data_format, interpolation)
    size = _tuple("resize", size, "size")
    if antialias:
        raise NotImplementedError("resize: antialias=True is not supported; use antialias=False.")
    return Resize.apply(
        x,
        out_size=size,
        interpolation=interpolation,
        channels_first=channels_first,
        batched=x.ndim == 4,
    )


__all__ = ["resize", "upsample"]
