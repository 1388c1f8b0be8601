"""`pad`: add a border around a tensor (zeros, or mirrored/copied edge values).

Constant padding's gradient is the upstream gradient with the border cut off. The other
modes copy input elements into the border, so each input element's gradient is the sum
over all the places it was copied to: we pad an array of element *indices* with the same
mode to learn where each output came from, and add the gradient back with `np.bincount`.
"""

import numpy as np

from strided.autograd import Function
from strided.ops._base import as_tensor

_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


class Pad(Function):
    def __init__(self, widths, mode, constant_values):
        self.widths, self.mode, self.constant_values = widths, mode, constant_values

    def forward(self, x):
        self.input_shape = x.shape
        if self.mode == "constant":
            value = np.asarray(self.constant_values, dtype=x.dtype)
            return np.pad(x, self.widths, mode="constant", constant_values=value)
        if self.needs_input_grad[0]:
            self.source = np.pad(np.arange(x.size).reshape(x.shape), self.widths, mode=self.mode)
        return np.pad(x, self.widths, mode=self.mode)

    def backward(self, gy):
        if self.mode == "constant":
            inside = tuple(
                slice(before, before + n) for (before, _), n in zip(self.widths, self.input_shape)
            )
            return gy[inside]
        size = int(np.prod(self.input_shape))
        grad = np.bincount(self.source.reshape(-1), weights=gy.reshape(-1), minlength=size)
        return grad.reshape(self.input_shape).astype(gy.dtype, copy=False)


def _pad_widths(x, pad_width):
    widths = np.asarray(pad_width)
    try:
        if widths.dtype.kind not in "iu":
            raise ValueError
        widths = np.broadcast_to(widths, (x.ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: pad_width must be ints of shape ({x.ndim}, 2) -- one (before, after) pair "
            f"per axis of an input of shape {x.shape} -- or broadcastable to it. "
            f"Received: pad_width={pad_width!r}"
        ) from None
    if np.any(widths < 0):
        raise ValueError(f"pad: pad_width must not be negative. Received: pad_width={pad_width!r}")
    return tuple((int(b), int(a)) for b, a in widths)


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad `x` with `pad_width[i] = (before, after)` elements on each side of axis i.

    Args:
        x: input tensor.
        pad_width: ((before_0, after_0), ..., (before_n, after_n)), or anything broadcastable
            to that (an int pads every side of every axis), as `np.pad` / `keras.ops.pad`.
        mode: "constant" (fill with `constant_values`, default 0), "edge", "reflect"
            (mirror without the edge), "symmetric" (mirror with the edge) or "wrap".
        constant_values: the fill value of "constant" mode.

    Shape: axis i grows from n_i to before_i + n_i + after_i.

    Example:
        >>> pad(Tensor(np.ones((1, 28, 28, 1))), ((0, 0), (2, 2), (2, 2), (0, 0))).shape
        (1, 32, 32, 1)
    """
    x = as_tensor(x)
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {_MODES}. Received: mode={mode!r}")
    if constant_values is not None and mode != "constant":
        raise ValueError(
            f"pad: constant_values can only be used with mode='constant'. Received: mode={mode!r}"
        )
    widths = _pad_widths(x, pad_width)
    if mode != "constant":
        for axis, ((before, after), n) in enumerate(zip(widths, x.shape)):
            if n == 0 and before + after > 0:
                raise ValueError(
                    f"pad: cannot pad the empty axis {axis} of shape {x.shape} in mode={mode!r}"
                )
    value = 0 if constant_values is None else constant_values
    return Pad.apply(x, widths=widths, mode=mode, constant_values=value)


__all__ = ["pad"]
