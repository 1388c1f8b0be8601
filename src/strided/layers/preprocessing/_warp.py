"""Resample images at any per-pixel source coordinates, differentiably (perspective, elastic).

The affine layers need only a matrix per image (`strided.preprocessing.affine`); a perspective
transform divides by a third coordinate and an elastic one moves every pixel on its own, so
here the caller gives the source (row, col) of every output pixel and the images are read with
one gather, as Keras' `ops.image.map_coordinates` reads them:

    bilinear  out = sum over the 4 corners (r0 + i, c0 + j) of w_ij * image[corner]
    nearest   out = image[floor(r + 1/2), floor(c + 1/2)]

A corner outside the image is read through `fill_mode` (input abcd):

    constant  kkkk|abcd|kkkk  (k = fill_value, corner by corner, so edges blend into k)
    nearest   aaaa|abcd|dddd
    reflect   dcba|abcd|dcba
    mirror    dcb|abcd|cba
    wrap      abcd|abcd|abcd

Backward is the adjoint: each output gradient, times its corner weight, is added to the
input pixels it read (nothing to the constant fill).
"""

import numpy as np

from strided.autograd import Function, Tensor

WARP_FILL_MODES = ("constant", "nearest", "reflect", "mirror", "wrap")


def fold_indices(index, size, fill_mode):
    """Integer coordinates (any range) -> valid ones in [0, size) for the fill mode
    (constant clips; the caller masks those corners with the fill value)."""
    if fill_mode == "reflect":
        folded = np.mod(index, 2 * size)
        return np.where(folded >= size, 2 * size - 1 - folded, folded)
    if fill_mode == "mirror":
        if size == 1:
            return np.zeros_like(index)
        folded = np.mod(index, 2 * size - 2)
        return np.where(folded >= size, 2 * size - 2 - folded, folded)
    if fill_mode == "wrap":
        return np.mod(index, size)
    return np.clip(index, 0, size - 1)


class WarpPlan:
    """Where each output pixel reads: flat indices (K, N, P) into the (N*H*W, C) images, their
    weights (K, N, P) and, for fill_mode="constant", which corners are inside (K, N, P)."""

    def __init__(self, input_shape, indices, weights, inside):
        self.input_shape, self.indices, self.weights, self.inside = input_shape, indices, weights, inside


def warp_plan(input_shape, rows, cols, fill_mode="constant", interpolation="bilinear", dtype=np.float32):
    """The plan for (N, H, W) images read at source `rows`, `cols` (each (N, P) floats)."""
    n, height, width = input_shape
    rows, cols = np.asarray(rows, np.float64).reshape(n, -1), np.asarray(cols, np.float64).reshape(n, -1)
    if interpolation == "nearest":
        corner_r, corner_c = np.floor(rows + 0.5)[None], np.floor(cols + 0.5)[None]
        weights = np.ones((1,) + rows.shape, dtype)
    else:
        r0, c0 = np.floor(rows), np.floor(cols)
        fr, fc = (rows - r0).astype(dtype), (cols - c0).astype(dtype)
        corner_r = np.stack([r0, r0, r0 + 1, r0 + 1])
        corner_c = np.stack([c0, c0 + 1, c0, c0 + 1])
        weights = np.stack([(1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc])
    corner_r, corner_c = corner_r.astype(np.int64), corner_c.astype(np.int64)
    inside = None
    if fill_mode == "constant":
        inside = (corner_r >= 0) & (corner_r < height) & (corner_c >= 0) & (corner_c < width)
    first_pixel = (np.arange(n) * height * width)[:, None]
    indices = (first_pixel + fold_indices(corner_r, height, fill_mode) * width
               + fold_indices(corner_c, width, fill_mode))
    return WarpPlan((n, height, width), indices, weights, inside)


def apply_warp(images, plan, fill_value=0.0):
    """(N, H, W, C) images read through the plan: (N, P, C)."""
    channels = images.shape[-1]
    values = images.reshape(-1, channels)[plan.indices].astype(plan.weights.dtype, copy=False)
    if plan.inside is not None:
        values = np.where(plan.inside[..., None], values, np.asarray(fill_value, values.dtype))
    return (plan.weights[..., None] * values).sum(axis=0)


def apply_warp_transpose(grad, plan):
    """The adjoint of `apply_warp`: (N, P, C) output gradient -> (N, H, W, C) input gradient."""
    n, height, width = plan.input_shape
    channels = grad.shape[-1]
    weights = plan.weights if plan.inside is None else plan.weights * plan.inside
    contributions = (weights[..., None] * grad[None]).reshape(-1, channels)
    index = plan.indices.ravel()
    out = np.stack([np.bincount(index, contributions[:, c], minlength=n * height * width)
                    for c in range(channels)], -1)
    return out.astype(grad.dtype, copy=False).reshape(n, height, width, channels)


class Warp(Function):
    """out = images read at the given coordinates; d(images) = the scatter-add of d(out)."""

    def __init__(self, rows, cols, fill_mode, fill_value, interpolation, channels_first):
        self.rows, self.cols, self.fill_mode, self.fill_value = rows, cols, fill_mode, fill_value
        self.interpolation, self.channels_first = interpolation, channels_first

    def forward(self, x):
        if self.channels_first:
            x = x.transpose(0, 2, 3, 1)
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        self.plan = warp_plan(x.shape[:3], self.rows, self.cols, self.fill_mode, self.interpolation, dtype)
        out = apply_warp(x, self.plan, self.fill_value).reshape(x.shape).astype(dtype, copy=False)
        return np.ascontiguousarray(out.transpose(0, 3, 1, 2) if self.channels_first else out)

    def backward(self, gy):
        if not self.needs_input_grad[0]:
            return None
        if self.channels_first:
            gy = gy.transpose(0, 2, 3, 1)
        n, height, width, channels = gy.shape
        gx = apply_warp_transpose(gy.reshape(n, height * width, channels), self.plan)
        return np.ascontiguousarray(gx.transpose(0, 3, 1, 2) if self.channels_first else gx)


def warp(images, rows, cols, fill_mode="constant", fill_value=0.0, interpolation="bilinear",
         data_format="channels_last"):
    """Read every output pixel of a batch at its own source (row, col), differentiably.

    Args:
        images: Tensor or array (N, H, W, C), or (N, C, H, W) with data_format="channels_first".
        rows, cols: (N, H, W) source coordinates of each output pixel (in input pixels).
        fill_mode: one of WARP_FILL_MODES; fill_value: the "constant" value.
        interpolation: "bilinear" or "nearest".

    Shape: the images' shape.

    Example:
        >>> x = np.arange(4.0, dtype=np.float32).reshape(1, 2, 2, 1)
        >>> r, c = np.meshgrid(np.arange(2.0), np.arange(2.0), indexing="ij")
        >>> warp(x, r[None], c[None] + 0.5).numpy()[0, :, :, 0]   # half a pixel to the right
        array([[0.5, 0.5],
               [2.5, 1.5]], dtype=float32)
    """
    x = images if isinstance(images, Tensor) else Tensor(np.asarray(images))
    return Warp.apply(x, rows=np.asarray(rows, np.float64), cols=np.asarray(cols, np.float64),
                      fill_mode=fill_mode, fill_value=float(fill_value), interpolation=interpolation,
                      channels_first=data_format == "channels_first")


__all__ = []
