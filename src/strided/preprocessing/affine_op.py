"""The affine resampler as a differentiable op, for the random augmentation layers.

Forward is `affine_sample` (one gather per batch); backward is its adjoint, a scatter-add of
each output pixel's gradient, times its bilinear weight, onto the input pixels it read.
Augmentation layers usually sit on the model's input, but with this they can sit anywhere.
"""

import numpy as np

from strided._config import standardize_data_format
from strided.autograd import Function, Tensor
from strided.preprocessing.affine import apply_plan, apply_plan_transpose, sampling_plan


class AffineTransform(Function):
    """out = sample(x, matrices); dx = scatter-add of dy (see `apply_plan_transpose`)."""

    def __init__(self, matrices, fill_mode, fill_value, interpolation, output_size, channels_first):
        self.matrices, self.fill_mode, self.fill_value = matrices, fill_mode, fill_value
        self.interpolation, self.output_size = interpolation, output_size
        self.channels_first = channels_first

    def forward(self, x):
        if self.channels_first:
            x = x.transpose(0, 2, 3, 1)
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        self.plan = sampling_plan(
            x.shape[:3], self.matrices, self.fill_mode, self.interpolation, self.output_size, dtype
        )
        out = apply_plan(x, self.plan, self.fill_value)
        return np.ascontiguousarray(out.transpose(0, 3, 1, 2) if self.channels_first else out)

    def backward(self, gy):
        if not self.needs_input_grad[0]:
            return None
        if self.channels_first:
            gy = gy.transpose(0, 2, 3, 1)
        gx = apply_plan_transpose(gy, self.plan)
        return np.ascontiguousarray(gx.transpose(0, 3, 1, 2) if self.channels_first else gx)


def affine_transform(
    images,
    matrices,
    fill_mode="reflect",
    fill_value=0.0,
    interpolation="bilinear",
    output_size=None,
    data_format=None,
):
    """Resample a batch of images, each through its own output->input affine matrix (differentiable).

    Args:
        images: Tensor or array (N, H, W, C), or (N, C, H, W) with data_format="channels_first".
        matrices: (N, 3, 3) matrices from `strided.preprocessing.affine.affine_matrices`.
        fill_mode: "reflect", "wrap", "constant" or "nearest"; fill_value: the "constant" value.
        interpolation: "bilinear" or "nearest".
        output_size: (out_h, out_w), default the input size.

    Shape: (N, out_h, out_w, C) (or channels first).

    Example:
        >>> from strided.preprocessing.affine import affine_matrices
        >>> x = np.arange(4.0).reshape(1, 2, 2, 1)
        >>> affine_transform(x, affine_matrices(2, 2, flip_horizontal=True)).numpy()[0, :, :, 0]
        array([[1., 0.],
               [3., 2.]], dtype=float32)
    """
    x = images if isinstance(images, Tensor) else Tensor(np.asarray(images))
    if x.ndim != 4:
        raise ValueError(
            f"affine_transform: expected a 4-D batch of images (N, H, W, C), received shape {x.shape}. "
            "Add a batch axis with x[None]."
        )
    channels_first = standardize_data_format(data_format) == "channels_first"
    return AffineTransform.apply(
        x,
        matrices=np.asarray(matrices, np.float64),
        fill_mode=fill_mode,
        fill_value=fill_value,
        interpolation=interpolation,
        output_size=None if output_size is None else tuple(output_size),
        channels_first=channels_first,
    )


__all__ = ["AffineTransform", "affine_transform"]
