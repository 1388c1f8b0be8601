"""Dot: the per-sample dot product of two tensors along chosen axes (Keras' `batch_dot`).

For x (N, a, b) and y (N, b, c) with axes=(2, 1): z[n] = x[n] @ y[n], shape (N, a, c).
In general the output is x's shape without `axes[0]`, followed by y's shape without the
batch axis and `axes[1]`; a result of shape (N,) becomes (N, 1). With normalize=True both
inputs are L2-normalised along their axis first, so z is the cosine similarity.
"""

import string

from strided import ops
from strided.layers.base import Layer


class Dot(Layer):
    """Dot product of the samples of two inputs.

    Args:
        axes: int (the same axis of both) or a pair (axis of x, axis of y); never the batch axis.
        normalize: L2-normalise each input along its axis first (cosine proximity).

    Shape: [(N, ..., k, ...), (N, ..., k, ...)] -> see the module docstring.

    Example:
        >>> Dot(axes=1)([np.ones((2, 3)), np.ones((2, 3))]).numpy()
        array([[3.],
               [3.]], dtype=float32)
    """

    _traceable_inference = True

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Dot: invalid type for argument `axes`: it should be a list or an int. Received: axes={axes!r}")
            if len(axes) != 2:
                raise ValueError(f"Dot: invalid format for argument `axes`: it should contain two elements. Received: axes={axes!r}")
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
                raise ValueError(f"Dot: invalid format for argument `axes`: list elements should be integers. Received: axes={axes!r}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _resolved_axes(self, shapes):
        if not isinstance(shapes, (list, tuple)) or len(shapes) != 2 or not isinstance(shapes[0], (list, tuple)):
            raise ValueError(f"Dot: a `Dot` layer should be called on a list of 2 inputs. Received: input_shape={shapes!r}")
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        axes = []
        for shape, axis in zip(shapes, pair):
            if not -len(shape) <= axis < len(shape) or axis % len(shape) == 0:
                raise ValueError(
                    f"Dot: axis {axis} is not a non-batch axis of an input of shape {tuple(shape)}. Received: axes={self.axes!r}"
                )
            axes.append(axis % len(shape))
        (shape1, shape2), (a1, a2) = shapes, axes
        if shape1[a1] is not None and shape2[a2] is not None and shape1[a1] != shape2[a2]:
            raise ValueError(
                f"Dot: incompatible input shapes: axis values {shape1[a1]} (at axis {a1}) != {shape2[a2]} "
                f"(at axis {a2}). Full input shapes: {tuple(shape1)}, {tuple(shape2)}"
            )
        return axes

    def build(self, input_shape):
        self._resolved_axes(input_shape)
        self.built = True

    def call(self, inputs):
        x, y = inputs
        a1, a2 = self._resolved_axes([x.shape, y.shape])
        if self.normalize:
            x, y = _l2_normalize(x, a1), _l2_normalize(y, a2)
        letters = iter(string.ascii_letters[2:])
        x_letters = ["a"] + [next(letters) for _ in range(x.ndim - 1)]
        y_letters = ["a"] + [next(letters) for _ in range(y.ndim - 1)]
        x_letters[a1] = y_letters[a2] = "b"  # the contracted axis
        kept = [c for c in x_letters if c != "b"] + [c for c in y_letters[1:] if c != "b"]
        z = ops.einsum(f"{''.join(x_letters)},{''.join(y_letters)}->{''.join(kept)}", x, y)
        return ops.expand_dims(z, 1) if z.ndim == 1 else z

    def compute_output_shape(self, input_shape):
        a1, a2 = self._resolved_axes(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        shape1.pop(a1)
        shape2.pop(a2)
        output = shape1 + shape2[1:]
        return tuple(output + [1] if len(output) == 1 else output)

    def get_config(self):
        config = super().get_config()
        config.update(axes=self.axes, normalize=self.normalize)
        return config


def _l2_normalize(x, axis):
    """x / max(||x||, 1e-7) along `axis` (Keras' `normalize` with its default epsilon)."""
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.divide(x, ops.sqrt(ops.maximum(square_sum, 1e-14)))


def dot(inputs, axes=-1, **kwargs):
    """Functional form of `Dot`: `dot([x, y], axes=1)`."""
    return Dot(axes=axes, **kwargs)(inputs)


__all__ = ["Dot", "dot"]
