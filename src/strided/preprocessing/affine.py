"""Affine image transforms for a whole batch at once: one 3x3 matrix per image, one gather for all.

Each output pixel (row, col) reads the input at M @ (row, col, 1): the matrix maps OUTPUT
coordinates to INPUT coordinates, as `scipy.ndimage.affine_transform` (which Keras' ImageDataGenerator
calls once per channel of each image). Here every image of the batch gets its own matrix and all of
them are sampled together: the source coordinates of all pixels are computed with one matmul, turned
into flat indices, and read with one fancy-indexing gather (four neighbours for bilinear sampling).

Pixels that fall outside the image are filled as Keras documents (`fill_mode`, input abcd):

    constant  kkkkkkkk|abcd|kkkkkkkk   (k = cval)
    nearest   aaaaaaaa|abcd|dddddddd
    reflect   abcddcba|abcd|dcbaabcd
    wrap      abcdabcd|abcd|abcdabcd
"""

import numpy as np

FILL_MODES = ("constant", "nearest", "reflect", "wrap")
INTERPOLATIONS = ("nearest", "bilinear")


def _exact(values):
    """cos/sin with the float noise of multiples of 90 degrees removed (cos(pi/2) = 6e-17 -> 0)."""
    return np.round(values, 15) + 0.0


def affine_matrices(
    height,
    width,
    theta=0.0,
    tx=0.0,
    ty=0.0,
    shear=0.0,
    zx=1.0,
    zy=1.0,
    flip_horizontal=False,
    flip_vertical=False,
):
    """Build the (N, 3, 3) output->input matrices of Keras' `apply_affine_transform`, plus flips.

    The composition is Keras': rotation @ shift @ shear @ zoom, about the image centre
    ((height - 1) / 2, (width - 1) / 2); flips are applied after it (folded into the matrix).

    Args:
        height, width: image size.
        theta: rotation in degrees; tx: shift along rows, ty: shift along columns (pixels);
        shear: shear angle in degrees; zx, zy: zoom along rows and columns (>1 shows less of the image);
        flip_horizontal, flip_vertical: mirror left-right / top-bottom.
        Each may be a scalar or an array of length N.

    Returns:
        float64 array (N, 3, 3) (N = 1 for all-scalar arguments).

    Example:
        >>> m = affine_matrices(3, 3, tx=1.0)
        >>> (m[0] @ [0, 0, 1])[:2].tolist()   # output (0, 0) reads input (1, 0)
        [1.0, 0.0]
    """
    params = np.broadcast_arrays(
        *[
            np.atleast_1d(np.asarray(p, dtype=np.float64))
            for p in (theta, tx, ty, shear, zx, zy, flip_horizontal, flip_vertical)
        ]
    )
    theta, tx, ty, shear, zx, zy, flip_h, flip_v = params
    n = theta.shape[0]

    def matrix(entries):
        out = np.zeros((n, 3, 3))
        out[:, 2, 2] = 1.0
        for (i, j), value in entries.items():
            out[:, i, j] = value
        return out

    t, s = np.deg2rad(theta), np.deg2rad(shear)
    cos, sin = _exact(np.cos(t)), _exact(np.sin(t))
    rotation = matrix({(0, 0): cos, (0, 1): -sin, (1, 0): sin, (1, 1): cos})
    shift = matrix({(0, 0): 1.0, (1, 1): 1.0, (0, 2): tx, (1, 2): ty})
    shearing = matrix({(0, 0): 1.0, (0, 1): -_exact(np.sin(s)), (1, 1): _exact(np.cos(s))})
    zoom = matrix({(0, 0): zx, (1, 1): zy})
    o_r, o_c = (height - 1) / 2.0, (width - 1) / 2.0
    to_centre = matrix({(0, 0): 1.0, (1, 1): 1.0, (0, 2): -o_r, (1, 2): -o_c})
    from_centre = matrix({(0, 0): 1.0, (1, 1): 1.0, (0, 2): o_r, (1, 2): o_c})
    flips = matrix(
        {
            (0, 0): np.where(flip_v > 0, -1.0, 1.0),
            (0, 2): np.where(flip_v > 0, height - 1.0, 0.0),
            (1, 1): np.where(flip_h > 0, -1.0, 1.0),
            (1, 2): np.where(flip_h > 0, width - 1.0, 0.0),
        }
    )
    return from_centre @ rotation @ shift @ shearing @ zoom @ to_centre @ flips


def _fold(index, size, fill_mode):
    """Map integer coordinates (any range) to valid ones in [0, size) for the fill mode."""
    if fill_mode == "reflect":
        folded = np.mod(index, 2 * size)
        return np.where(folded >= size, 2 * size - 1 - folded, folded)
    if fill_mode == "wrap":
        return np.mod(index, size)
    return np.clip(index, 0, size - 1)  # nearest; constant is masked by the caller


class SamplingPlan:
    """Where each output pixel reads: flat input indices, their weights, and the cval mask.

    indices: (K, N, P) int64 into the images reshaped to (N*H*W, C), K = 1 (nearest) or 4
    (bilinear corners), P = output pixels per image; weights: (K, N, P) or None (nearest);
    outside: (N, P) bool, True where fill_mode="constant" puts cval, or None.
    """

    def __init__(self, input_shape, output_size, indices, weights, outside):
        self.input_shape, self.output_size = input_shape, output_size
        self.indices, self.weights, self.outside = indices, weights, outside


def sampling_plan(
    input_shape,
    matrices,
    fill_mode="nearest",
    interpolation="bilinear",
    output_size=None,
    dtype=np.float32,
):
    """Compute where every output pixel of every image reads (see `SamplingPlan`).

    Args:
        input_shape: (N, H, W) of the images.
        matrices: (N, 3, 3) / (N, 2, 3) output->input matrices, or one (3, 3) for all images.
        fill_mode, interpolation: as `affine_sample`.
        output_size: (out_h, out_w), default (H, W).
        dtype: the float type of the bilinear weights.
    """
    if fill_mode not in FILL_MODES:
        raise ValueError(
            f"fill_mode must be one of {FILL_MODES}. Received: fill_mode={fill_mode!r}"
        )
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"interpolation must be one of {INTERPOLATIONS}. Received: interpolation={interpolation!r}"
        )
    n, height, width = input_shape
    out_h, out_w = (height, width) if output_size is None else output_size
    matrices = np.asarray(matrices, dtype=np.float64)
    if matrices.shape in ((3, 3), (2, 3), (1, 3, 3), (1, 2, 3)):  # one matrix for every image
        matrices = np.broadcast_to(matrices, (n,) + matrices.shape[-2:])
    if matrices.shape not in ((n, 3, 3), (n, 2, 3)):
        raise ValueError(
            f"affine_sample: expected matrices of shape ({n}, 3, 3), received {matrices.shape}."
        )
    rows, cols = np.meshgrid(np.arange(out_h), np.arange(out_w), indexing="ij")
    grid = np.stack([rows.ravel(), cols.ravel(), np.ones(out_h * out_w)]).astype(np.float64)
    source = matrices[:, :2, :] @ grid  # (N, 2, P): input (row, col) of each output pixel
    src_r, src_c = source[:, 0], source[:, 1]
    first_pixel = (np.arange(n) * height * width)[:, None]  # offset of each image
    if interpolation == "nearest":
        r, c = np.floor(src_r + 0.5).astype(np.int64), np.floor(src_c + 0.5).astype(np.int64)
        indices = (first_pixel + _fold(r, height, fill_mode) * width + _fold(c, width, fill_mode))[
            None
        ]
        weights = None
    else:
        r0, c0 = np.floor(src_r), np.floor(src_c)
        fr, fc = (src_r - r0).astype(dtype), (src_c - c0).astype(dtype)
        r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
        rr = _fold(np.stack([r0, r0, r0 + 1, r0 + 1]), height, fill_mode)
        cc = _fold(np.stack([c0, c0 + 1, c0, c0 + 1]), width, fill_mode)
        indices = first_pixel + rr * width + cc
        weights = np.stack([(1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc])
    outside = None
    if fill_mode == "constant":  # as scipy: a source point outside [0, size - 1] gets cval
        tol = 1e-6
        outside = (
            (src_r < -tol) | (src_r > height - 1 + tol) | (src_c < -tol) | (src_c > width - 1 + tol)
        )
    return SamplingPlan((n, height, width), (out_h, out_w), indices, weights, outside)


def apply_plan(images, plan, cval=0.0):
    """Sample (N, H, W, C) images with a plan: one gather, then the weighted sum of corners."""
    n, channels = images.shape[0], images.shape[-1]
    flat = images.reshape(-1, channels)
    values = flat[plan.indices]  # the one gather: (K, N, P, C)
    if plan.weights is None:
        out = values[0]
    else:
        out = (plan.weights[..., None] * values.astype(plan.weights.dtype, copy=False)).sum(axis=0)
    if plan.outside is not None:
        out = np.where(plan.outside[..., None], np.asarray(cval).astype(out.dtype), out)
    return out.reshape((n,) + plan.output_size + (channels,))


def apply_plan_transpose(grad, plan):
    """The adjoint of `apply_plan` (its gradient): scatter-add each output's gradient to its sources.

    Args:
        grad: (N, out_h, out_w, C) gradient of the output.

    Returns:
        (N, H, W, C) gradient of the input images.
    """
    n, height, width = plan.input_shape
    channels = grad.shape[-1]
    grad = grad.reshape(n, -1, channels)
    if plan.outside is not None:
        grad = np.where(plan.outside[..., None], 0, grad)
    weights = (
        np.ones((1,) + plan.indices.shape[1:], grad.dtype) if plan.weights is None else plan.weights
    )
    contributions = (weights[..., None] * grad[None]).reshape(-1, channels)
    index = plan.indices.ravel()
    size = n * height * width
    out = np.stack(
        [np.bincount(index, contributions[:, c], minlength=size) for c in range(channels)], -1
    )
    return out.astype(grad.dtype, copy=False).reshape(n, height, width, channels)


def affine_sample(
    images, matrices, fill_mode="nearest", cval=0.0, interpolation="bilinear", output_size=None
):
    """Resample every image of a batch through its own affine matrix, in one vectorised pass.

    Args:
        images: (N, H, W, C) array (channels last).
        matrices: (N, 3, 3) or (N, 2, 3) output->input matrices (see `affine_matrices`); one
            (3, 3) or (1, 3, 3) matrix is used for every image.
        fill_mode: "constant", "nearest", "reflect" or "wrap" (see the module docstring).
        cval: the value outside the image for fill_mode="constant".
        interpolation: "bilinear" (Keras' default, order 1) or "nearest".
        output_size: (out_h, out_w) of the result (default: the input's); e.g. for crops.

    Returns:
        (N, out_h, out_w, C): float (images' float type, or float32) for bilinear; images' dtype
        for nearest.

    Example:
        >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
        >>> affine_sample(x, affine_matrices(3, 3, theta=90.0))[0, :, :, 0]
        array([[6., 3., 0.],
               [7., 4., 1.],
               [8., 5., 2.]])
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"affine_sample: expected images of shape (N, H, W, C), received shape {images.shape}."
        )
    dtype = images.dtype if images.dtype.kind == "f" else np.dtype(np.float32)
    plan = sampling_plan(images.shape[:3], matrices, fill_mode, interpolation, output_size, dtype)
    return apply_plan(images, plan, cval)


__all__ = [
    "FILL_MODES",
    "INTERPOLATIONS",
    "SamplingPlan",
    "affine_matrices",
    "affine_sample",
    "apply_plan",
    "apply_plan_transpose",
    "sampling_plan",
]
